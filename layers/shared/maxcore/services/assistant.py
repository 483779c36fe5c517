"""The M.A.X. assistant: one chat turn calls the model with tools and runs its tool calls.

A turn:

1. refuses at once (503) when no model is configured, before anything is reserved;
2. reserves the turn's tokens (402 if the balance does not cover them);
3. calls the model, runs each tool call for the caller's tenant, gives the results back, and loops
   until the model answers in words (at most ``assistant_max_rounds`` calls);
4. commits the tokens, or refunds them if the model failed (502);
5. appends the "Brouillon créé : Template #..." confirmations in the tenant's language and keeps the
   conversation (per tenant and user, with an expiry).

The tools can only write drafts. Arguments the model sends are validated by the same models as user
input; a malformed call (bad JSON, unknown tool, invalid field, a draft refused by the rules or by the
tenant's mode) is answered to the model as an error it can correct, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from maxcore.ai import llm, prompts
from maxcore.clock import utcnow
from maxcore.dal.conversations import ConversationRepository
from maxcore.dal.templates import TemplateFilter
from maxcore.errors import ConflictError, MaxError
from maxcore.ids import new_id
from maxcore.models.assistant import (
    ChatRequest,
    ChatResponse,
    Conversation,
    ConversationMessage,
    ConversationResponse,
    CreateDraftArgs,
    DraftAction,
    DraftRef,
    ListTemplatesArgs,
    RenderTemplateArgs,
    ToolCallRecord,
    UpdateDraftArgs,
)
from maxcore.models.budget import TokenAction
from maxcore.models.template import (
    CreateTemplateRequest,
    GeneratedBy,
    RenderRequest,
    TemplateCategory,
    UpdateTemplateRequest,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger, metrics
from maxcore.rules import templates as template_rules
from maxcore.services.budget import BudgetService
from maxcore.services.modes import ActionKind, ModeGuard
from maxcore.services.templates import TemplateService, readiness
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings
from maxcore.texts import render

MAX_HISTORY_MESSAGES = 40
MAX_HISTORY_CHARS = 150_000
MAX_TOOL_RESULT_CHARS = 8_000


@dataclass(frozen=True)
class Tool:
    """A function the model may call: its description, its argument model and what it runs."""

    name: str
    description: str
    arguments: type[BaseModel]

    def spec(self) -> dict[str, Any]:
        """The chat-completions tool definition."""
        return prompts.function_tool(self.name, self.description, self.arguments)


TOOLS: tuple[Tool, ...] = (
    Tool(
        "create_template_draft",
        "Create a new message template as a DRAFT for a human to validate. Returns its id.",
        CreateDraftArgs,
    ),
    Tool(
        "update_template_draft",
        "Change a template's draft (on an active template: a new draft version; the active one keeps "
        "serving until a human activates the draft). Never activates anything.",
        UpdateDraftArgs,
    ),
    Tool("list_templates", "List the tenant's templates (id, name, channel, status...).", ListTemplatesArgs),
    Tool(
        "render_template",
        "Preview a template filled in for a lead or explicit values; says what fell back or is missing.",
        RenderTemplateArgs,
    ),
)


@dataclass
class TurnState:
    """What the tools did during one turn."""

    drafts: dict[str, DraftRef] = field(default_factory=dict)
    calls: list[ToolCallRecord] = field(default_factory=list)


class ToolError(Exception):
    """A tool call the model must correct: answered to the model as ``{"error": ...}``."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class AssistantService:
    """Chat turns of one user of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        user: str,
        *,
        model_factory: Callable[[], llm.ChatModel] = llm.chat_model,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.tenant_id = tenant_id
        self.user = user
        self._model_factory = model_factory
        self._clock = clock
        self.conversations = ConversationRepository(tenant_id)
        self.templates = TemplateService(tenant_id, actor=user, clock=clock)
        self.budget = BudgetService(tenant_id, clock=clock)

    # --- the chat turn ------------------------------------------------------------------------
    def chat(self, request: ChatRequest) -> ChatResponse:
        """Answer one user message (see the module docstring for the steps)."""
        tenant = tenant_settings(self.tenant_id)
        if request.dry_run:
            return ChatResponse(
                conversation_id=request.conversation_id,
                reply=None,
                dry_run=True,
                quote=self.budget.quote(TokenAction.ASSISTANT_CHAT),
            )
        model = self._model_factory()  # 503 here: nothing reserved, nothing written
        now = self._clock()
        conversation = self._conversation(request.conversation_id, now)
        settings = get_settings()
        history = [*conversation.messages, {"role": "user", "content": request.message}]
        state = TurnState()
        tools = [tool.spec() for tool in TOOLS]
        reply: str | None = None
        with self.budget.spend(TokenAction.ASSISTANT_CHAT, mode=tenant.mode) as reservation:
            for _ in range(settings.assistant_max_rounds):
                completion = model.complete([self._system(tenant), *history], tools)
                history.append(completion.to_message())
                if not completion.tool_calls:
                    reply = (completion.content or "").strip()
                    break
                for call in completion.tool_calls:
                    history.append(
                        {"role": "tool", "tool_call_id": call.id, "content": self._run_tool(call, state)}
                    )
            else:
                reply = render("assistant.too_many_steps", tenant.locale.value)
                metrics.add_metric(name="AssistantRoundsExhausted", unit=MetricUnit.Count, value=1)
        reply = self._with_confirmations(
            reply or render("assistant.no_reply", tenant.locale.value), state, tenant
        )
        # The kept history ends with the reply the user saw (the model's words and the confirmations).
        if history[-1]["role"] == "assistant":
            history[-1] = {**history[-1], "content": reply}
        else:  # the round limit cut the turn after tool results
            history.append({"role": "assistant", "content": reply})
        saved = self._keep(conversation, history, state, now)
        metrics.add_metric(name="AssistantTurn", unit=MetricUnit.Count, value=1)
        logger.info(
            "assistant turn answered",
            extra={
                "conversation_id": saved.id,
                "tool_calls": [c.name for c in state.calls],
                "drafts": list(state.drafts),
            },
        )
        return ChatResponse(
            conversation_id=saved.id,
            reply=reply,
            drafts=list(state.drafts.values()),
            tool_calls=state.calls,
            tokens_spent=reservation.cost,
        )

    def conversation(self, conversation_id: str) -> ConversationResponse:
        """The caller's own conversation, without the tool traffic."""
        conversation = self.conversations.get(conversation_id, self.user, self._clock())
        messages = [
            ConversationMessage(role=m["role"], content=m["content"])
            for m in conversation.messages
            if m["role"] in {"user", "assistant"} and m.get("content")
        ]
        return ConversationResponse(
            id=conversation.id,
            messages=messages,
            drafts=conversation.drafts,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            expires_at=conversation.expires_at,
        )

    # --- tools --------------------------------------------------------------------------------
    def _run_tool(self, call: llm.ToolCall, state: TurnState) -> str:
        """Run one tool call; whatever goes wrong is told to the model, not raised."""
        tool = next((t for t in TOOLS if t.name == call.name), None)
        try:
            if tool is None:
                raise ToolError(
                    "unknown_tool", f"there is no tool {call.name!r}", {"tools": [t.name for t in TOOLS]}
                )
            try:
                raw = json.loads(call.arguments or "{}")
            except json.JSONDecodeError as exc:
                raise ToolError("invalid_json", f"the arguments are not valid JSON: {exc.msg}") from exc
            try:
                arguments = tool.arguments.model_validate(raw)
            except ValidationError as exc:
                raise ToolError(
                    "invalid_arguments",
                    "the arguments do not validate",
                    [{"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in exc.errors()],
                ) from exc
            result = self._dispatch(tool.name, arguments, state)
        except (ToolError, MaxError) as exc:  # the model's mistake or a rule's refusal: told, not raised
            state.calls.append(ToolCallRecord(name=call.name, ok=False, error=exc.code))
            logger.info("assistant tool call refused", extra={"tool": call.name, "code": exc.code})
            return _truncate(
                llm.dumps({"error": {"code": exc.code, "message": exc.message, "details": exc.details}})
            )
        state.calls.append(ToolCallRecord(name=call.name, ok=True))
        return _truncate(llm.dumps(result))

    def _dispatch(self, name: str, arguments: BaseModel, state: TurnState) -> dict[str, Any]:
        if isinstance(arguments, CreateDraftArgs):
            ModeGuard(self.tenant_id).require(ActionKind.DRAFT)
            template = self.templates.create(
                CreateTemplateRequest(
                    channel=arguments.channel,
                    name=arguments.name,
                    category=arguments.category,
                    locale=arguments.locale,
                    subject=arguments.subject,
                    body=arguments.content,
                    html=arguments.html,
                    variables=arguments.variables,
                ),
                generated_by=GeneratedBy.MAX,
            )
            state.drafts[template.id] = DraftRef(
                template_id=template.id,
                name=template.name,
                channel=template.channel,
                action=DraftAction.CREATED,
                version=template.version,
            )
            return {
                "ok": True,
                "template_id": template.id,
                "status": template.status.value,
                "readiness": readiness(template.channel, template.content).model_dump(),
            }
        if isinstance(arguments, UpdateDraftArgs):
            ModeGuard(self.tenant_id).require(ActionKind.DRAFT)
            changes = arguments.model_dump(exclude_unset=True, exclude={"template_id"})
            if "content" in changes:
                changes["body"] = changes.pop("content")
            if not changes:
                raise ToolError("nothing_to_change", "send at least one field to change")
            try:
                request = UpdateTemplateRequest.model_validate(changes)
            except ValidationError as exc:
                raise ToolError("invalid_arguments", str(exc.errors()[0]["msg"])) from exc
            template = self.templates.update(arguments.template_id, request, generated_by=GeneratedBy.MAX)
            number = template.draft_version or template.version
            previous = state.drafts.get(template.id)
            state.drafts[template.id] = DraftRef(
                template_id=template.id,
                name=template.name,
                channel=template.channel,
                action=previous.action if previous else DraftAction.UPDATED,
                version=number,
            )
            return {
                "ok": True,
                "template_id": template.id,
                "status": template.status.value,
                "draft_version": number,
                "note": "the change is a draft: a human must activate it",
            }
        if isinstance(arguments, ListTemplatesArgs):
            templates, _ = self.templates.list_page(
                TemplateFilter(
                    channel=arguments.channel,
                    status=arguments.status,
                    category=arguments.category,
                    locale=arguments.locale,
                ),
                limit=50,
            )
            return {
                "templates": [
                    {
                        "id": t.id,
                        "name": t.name,
                        "channel": t.channel.value,
                        "category": t.category.value,
                        "locale": t.locale.value,
                        "status": t.status.value,
                        "draft_version": t.draft_version,
                        "preview": t.content.body[:160],
                    }
                    for t in templates
                ]
            }
        if isinstance(arguments, RenderTemplateArgs):
            rendered = self.templates.render(
                arguments.template_id,
                RenderRequest(
                    lead_id=arguments.lead_id, variables=arguments.variables, version=arguments.version
                ),
            )
            return rendered.model_dump(mode="json")
        raise ToolError("unknown_tool", f"there is no tool {name!r}")  # pragma: no cover - TOOLS is closed

    # --- helpers ------------------------------------------------------------------------------
    def _system(self, tenant: Tenant) -> dict[str, Any]:
        return {
            "role": "system",
            "content": prompts.system_prompt(
                tenant_name=tenant.name,
                locale=tenant.locale.value,
                mode=tenant.mode.value,
                builtin_variables=sorted(template_rules.BUILTIN_VARIABLES),
                categories=[c.value for c in TemplateCategory],
                profile=tenant.business_profile,
            ),
        }

    def _conversation(self, conversation_id: str | None, now: datetime) -> Conversation:
        if conversation_id is not None:
            return self.conversations.get(conversation_id, self.user, now)
        return Conversation(
            id=new_id(),
            owner=self.user,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(hours=get_settings().conversation_ttl_hours),
        )

    def _with_confirmations(self, reply: str, state: TurnState, tenant: Tenant) -> str:
        lines = []
        for draft in state.drafts.values():
            key = (
                "assistant.draft_created"
                if draft.action is DraftAction.CREATED
                else "assistant.draft_updated"
            )
            lines.append(
                render(
                    key,
                    tenant.locale.value,
                    template_id=draft.template_id,
                    name=draft.name,
                    version=draft.version,
                )
            )
        return "\n\n".join([reply, *lines]) if lines else reply

    def _keep(
        self, conversation: Conversation, history: list[dict[str, Any]], state: TurnState, now: datetime
    ) -> Conversation:
        """Save the conversation with this turn; on a concurrent write, add the turn to the newer one."""
        turn_start = len(conversation.messages)
        drafts = list(dict.fromkeys([*conversation.drafts, *state.drafts]))
        updated = conversation.model_copy(
            update={
                "messages": _trim(history),
                "drafts": drafts[-50:],
                "updated_at": now,
                "expires_at": now + timedelta(hours=get_settings().conversation_ttl_hours),
            }
        )
        try:
            return self.conversations.save(updated)
        except ConflictError:
            latest = self.conversations.get(conversation.id, self.user, now)
            merged = latest.model_copy(
                update={
                    "messages": _trim([*latest.messages, *history[turn_start:]]),
                    "drafts": list(dict.fromkeys([*latest.drafts, *state.drafts]))[-50:],
                    "updated_at": now,
                    "expires_at": updated.expires_at,
                }
            )
            return self.conversations.save(merged)


def _truncate(text: str) -> str:
    if len(text) <= MAX_TOOL_RESULT_CHARS:
        return text
    return text[: MAX_TOOL_RESULT_CHARS - 40] + '..."truncated": true}'


def _trim(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the most recent messages within the size budget, starting at a user message so no tool
    result loses the call it answers."""
    kept = messages[-MAX_HISTORY_MESSAGES:]
    while kept and (
        kept[0]["role"] != "user" or len(json.dumps(kept, ensure_ascii=False)) > MAX_HISTORY_CHARS
    ):
        kept = kept[1:]
    return kept


__all__ = ["TOOLS", "AssistantService"]
