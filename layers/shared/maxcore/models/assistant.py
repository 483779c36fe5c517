"""The M.A.X. assistant: chat requests and answers, conversations, and the arguments of its tools.

The tools' JSON schemas are generated from the argument models below, and the model's arguments are
validated by the same models: what the LLM sends is treated exactly like user input.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from maxcore.models.budget import CostQuote
from maxcore.models.common import Channel, LazyModel, StrictModel, Text, Ulid
from maxcore.models.template import (
    Body,
    Html,
    Subject,
    TemplateCategory,
    TemplateName,
    TemplateStatus,
    VariableName,
    VariableValue,
)
from maxcore.models.tenant import Locale


class ChatRequest(StrictModel):
    """One message of the user to M.A.X."""

    message: Annotated[Text, StringConstraints(min_length=1, max_length=4000)]
    conversation_id: Ulid | None = Field(default=None, description="Continue this conversation.")
    dry_run: bool = Field(default=False, description="Only say what the turn would cost; call nothing.")


class Conversation(LazyModel):
    """A conversation between one user and M.A.X., kept for a while (it expires)."""

    id: Ulid
    owner: str
    messages: list[dict[str, Any]] = Field(default_factory=list)
    drafts: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    revision: int | None = None
    """Optimistic-lock counter; ``None`` until first saved."""


class DraftAction(StrEnum):
    """What a tool did to a draft."""

    CREATED = "created"
    UPDATED = "updated"


class DraftRef(LazyModel):
    """A draft M.A.X. wrote during the turn."""

    template_id: Ulid
    name: str
    channel: Channel
    action: DraftAction
    version: int


class ToolCallRecord(LazyModel):
    """One tool call of the turn and how it went."""

    name: str
    ok: bool
    error: str | None = Field(default=None, description="Why the call was refused, if it was.")


class ChatResponse(LazyModel):
    """M.A.X.'s answer, the drafts it made and what the turn cost."""

    conversation_id: Ulid | None
    reply: str | None
    drafts: list[DraftRef] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    tokens_spent: int = 0
    dry_run: bool = False
    quote: CostQuote | None = Field(default=None, description="Dry runs only: the cost and balance after.")


class ConversationMessage(LazyModel):
    """A message of the conversation as the API shows it (tool traffic left out)."""

    role: str
    content: str


class ConversationResponse(LazyModel):
    """A conversation as its owner reads it."""

    id: Ulid
    messages: list[ConversationMessage]
    drafts: list[str]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime


# --- tool arguments -----------------------------------------------------------------------------
class CreateDraftArgs(StrictModel):
    """Write a new template draft (never active: a user validates it)."""

    channel: Channel
    name: TemplateName
    category: TemplateCategory = TemplateCategory.CUSTOM
    locale: Locale | None = Field(default=None, description="Language of the text; the tenant's by default.")
    subject: Subject | None = Field(default=None, description="E-mail only: the subject line.")
    content: Body = Field(
        description="The text. Placeholders: {{firstName}}, {{company}}... or {{name|fallback}}."
    )
    html: Html | None = Field(default=None, description="E-mail only: HTML version (no scripts).")
    variables: list[VariableName] = Field(
        default_factory=list, max_length=30, description="Custom variables used besides lead/tenant fields."
    )


class UpdateDraftArgs(StrictModel):
    """Change a draft. On an active template the change goes to a new draft version; the active
    version keeps serving until a user activates the draft."""

    template_id: Ulid
    name: TemplateName | None = None
    subject: Subject | None = None
    content: Body | None = None
    html: Html | None = None
    variables: list[VariableName] | None = Field(default=None, max_length=30)


class ListTemplatesArgs(StrictModel):
    """List the tenant's templates, optionally filtered."""

    channel: Channel | None = None
    status: TemplateStatus | None = None
    category: TemplateCategory | None = None
    locale: Locale | None = None


class RenderTemplateArgs(StrictModel):
    """Preview a template filled in for a lead and/or explicit values."""

    template_id: Ulid
    lead_id: Ulid | None = None
    variables: dict[VariableName, VariableValue] = Field(default_factory=dict, max_length=50)
    version: int | None = Field(default=None, ge=1, description="A draft version to preview.")
