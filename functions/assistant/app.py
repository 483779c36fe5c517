"""Assistant API: chat with M.A.X., who drafts templates through tool calls (never activates or sends),
and the replies M.A.X. writes to leads: suggested to a rep, or sent by itself from the tenant's FAQ."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, admin, create_app, make_handler, principal, responses
from maxcore.models.assistant import ChatRequest, ChatResponse, ConversationResponse
from maxcore.models.common import Ulid
from maxcore.models.replies import (
    AutoReplyOutcomeList,
    AutoReplySettings,
    AutoReplySettingsResponse,
    SuggestedReply,
)
from maxcore.services.assistant import AssistantService
from maxcore.services.auto_replies import AutoReplyService
from maxcore.services.replies import SuggestedReplyService

app = create_app("M.A.X. assistant")


def _service() -> AssistantService:
    caller = principal(app)
    return AssistantService(caller.tenant_id, caller.subject)


@app.post(
    "/assistant/chat",
    operation_id="chatWithAssistant",
    responses=responses(200, "M.A.X.'s answer and the drafts it made.", 402, 404, 409, 502, 503),
    security=JWT_SECURITY,
    tags=["assistant"],
    summary="Chat with M.A.X.",
)
def chat(body: Annotated[ChatRequest, Body()]) -> ChatResponse:
    """One turn: M.A.X. may create or change template drafts with its tools; each turn spends tokens
    (reserved first, refunded if the model fails). ``dry_run`` only quotes the cost. Without a
    configured model the answer is 503 and the rest of the API works as usual."""
    return _service().chat(body)


@app.get(
    "/assistant/conversations/<conversation_id>",
    operation_id="getAssistantConversation",
    responses=responses(200, "The conversation.", 404),
    security=JWT_SECURITY,
    tags=["assistant"],
    summary="Read one of your conversations",
)
def get_conversation(conversation_id: Annotated[Ulid, Path()]) -> ConversationResponse:
    """A conversation of the caller (another user's, or an expired one, is a 404)."""
    return _service().conversation(conversation_id)


@app.post(
    "/conversations/<lead_id>/suggested-reply",
    operation_id="suggestReply",
    responses=responses(200, "The reply M.A.X. proposes; nothing was sent.", 402, 404, 409, 502, 503),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Get a reply suggested by M.A.X.",
)
def suggest_reply(lead_id: Annotated[Ulid, Path()]) -> SuggestedReply:
    """M.A.X. proposes a reply to the lead's latest message, from the conversation, the lead and the
    business profile, in the tenant's language and fit for the message's channel. Its tokens are
    refunded if the model fails. Nothing is sent: edit it, then send it with `POST /messages`. A lead
    who has written nothing yet is a 409."""
    return SuggestedReplyService(principal(app).tenant_id).suggest(lead_id)


@app.get(
    "/inbox/auto-replies",
    operation_id="getAutoReplies",
    responses=responses(200, "What M.A.X. answers by itself, and its FAQ."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Read the automatic answers",
)
def get_auto_replies() -> AutoReplySettingsResponse:
    """The intents M.A.X. answers by itself and the FAQ it answers from (none enabled until an admin sets
    them)."""
    return AutoReplyService(principal(app).tenant_id).settings()


@app.put(
    "/inbox/auto-replies",
    operation_id="setAutoReplies",
    responses=responses(200, "The automatic answers as saved."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Set the automatic answers",
)
def set_auto_replies(body: Annotated[AutoReplySettings, Body()]) -> AutoReplySettingsResponse:
    """Admin: replace the intents M.A.X. answers by itself and its FAQ (at most 30 questions). M.A.X.
    answers only in the tenant's auto mode, only from the FAQ and the business profile; every other
    inbound message is left to a person, with the reason (`GET /conversations/{lead_id}/auto-replies`)."""
    caller = admin(app)
    return AutoReplyService(caller.tenant_id).save(body)


@app.get(
    "/conversations/<lead_id>/auto-replies",
    operation_id="listAutoReplyDecisions",
    responses=responses(200, "What became of the lead's latest messages.", 404),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Read what M.A.X. did with the lead's messages",
)
def auto_reply_decisions(lead_id: Annotated[Ulid, Path()]) -> AutoReplyOutcomeList:
    """For each of the lead's latest inbound messages, newest first: answered by M.A.X. (the answer's
    activity), or left to a person and why, in the tenant's language."""
    return AutoReplyService(principal(app).tenant_id).decisions(lead_id)


lambda_handler = make_handler(app)
