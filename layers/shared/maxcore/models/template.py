"""Message templates: a head that serves one version, drafts waiting for a human, and the API schemas.

A template's content (subject, body, HTML, declared variables) lives in numbered versions. The head
says which version serves (``version``) and which draft waits for validation (``draft_version``):
editing an active template writes a new draft and the active version keeps serving until a user
activates the draft.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AliasChoices, ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Text, Ulid, only_when, partial_change
from maxcore.models.tenant import Locale


class TemplateCategory(StrEnum):
    """What a template is for; the recommendations pick templates by category."""

    FOLLOW_UP = "follow_up"
    APPOINTMENT_CONFIRMATION = "appointment_confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder"
    QUALIFICATION = "qualification"
    QUOTE_FOLLOW_UP = "quote_follow_up"
    THANK_YOU = "thank_you"
    NEWSLETTER = "newsletter"
    SATISFACTION_SURVEY = "satisfaction_survey"
    DELIVERY_NOTICE = "delivery_notice"
    ABANDONED_CART = "abandoned_cart"
    CUSTOM = "custom"


class TemplateStatus(StrEnum):
    """Where a template stands: only ``active`` templates are ever sent."""

    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class VersionState(StrEnum):
    """Where one version of a template stands."""

    DRAFT = "draft"
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class WhatsAppApproval(StrEnum):
    """Where Meta stands on a WhatsApp template's Twilio Content: only ``approved`` goes outside the
    24-hour window."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CONTENT_SID_PATTERN = r"^HX[0-9a-f]{32}$"
ContentSid = Annotated[str, StringConstraints(pattern=CONTENT_SID_PATTERN)]
"""A Twilio Content resource's SID (``HX`` and 32 hexadecimal digits)."""


class WhatsAppContent(LazyModel):
    """The Twilio Content a WhatsApp template is registered as, and its approval."""

    content_sid: str
    state: WhatsAppApproval
    rejection_reason: str | None = None
    updated_at: datetime


class GeneratedBy(StrEnum):
    """Who wrote a template: a user, or M.A.X. (always as a draft)."""

    USER = "user"
    MAX = "max"


VARIABLE_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
VariableName = Annotated[str, StringConstraints(pattern=VARIABLE_NAME_PATTERN)]
"""A placeholder name, as written between ``{{`` and ``}}`` (``firstName``, ``appointmentDate``)."""

TemplateName = Annotated[Line, StringConstraints(min_length=1, max_length=120)]
Subject = Annotated[Line, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[Text, StringConstraints(min_length=1, max_length=50_000)]
Html = Annotated[Text, StringConstraints(min_length=1, max_length=100_000)]
VariableValue = Annotated[Text, StringConstraints(max_length=2000)]


class TemplateContent(LazyModel):
    """What one version says."""

    subject: str | None = None
    body: str
    html: str | None = None
    variables: list[str] = Field(default_factory=list)


class Template(LazyModel):
    """A template head: its metadata and the content of the version that serves."""

    id: Ulid
    channel: Channel
    name: str
    category: TemplateCategory
    locale: Locale
    status: TemplateStatus
    generated_by: GeneratedBy
    builtin_key: str | None = None
    version: int = 1
    latest_version: int = 1
    draft_version: int | None = None
    content: TemplateContent
    whatsapp: WhatsAppContent | None = None
    """WhatsApp only: its Twilio Content and approval, once an admin registered it."""
    created_by: str | None = None
    validated_by: str | None = None
    validated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    revision: int = 1
    """Optimistic-lock counter of the head item."""


class TemplateVersion(LazyModel):
    """One numbered version of a template's content."""

    template_id: Ulid
    number: int
    state: VersionState
    content: TemplateContent
    generated_by: GeneratedBy
    created_by: str | None = None
    validated_by: str | None = None
    validated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


# --- requests -----------------------------------------------------------------------------------
class CreateTemplateRequest(StrictModel):
    """A new template; it starts as a draft that a user activates once it validates."""

    model_config = ConfigDict(json_schema_extra=only_when("channel", Channel.EMAIL.value, "subject", "html"))

    channel: Channel
    name: TemplateName
    category: TemplateCategory = TemplateCategory.CUSTOM
    locale: Locale | None = Field(default=None, description="Defaults to the tenant's locale.")
    subject: Subject | None = Field(default=None, description="E-mail only; required to activate.")
    body: Body = Field(description="The text, with `{{name}}` or `{{name|fallback}}` placeholders.")
    html: Html | None = Field(default=None, description="E-mail only; refused if it is unsafe.")
    variables: list[VariableName] = Field(
        default_factory=list,
        max_length=30,
        description="Custom variables the template uses besides the lead's and the tenant's fields.",
    )

    def content(self) -> TemplateContent:
        """The content of the template's first version."""
        return TemplateContent(
            subject=self.subject, body=self.body, html=self.html, variables=_unique(self.variables)
        )


_TEMPLATE_NOT_NULL = ("name", "category", "locale", "body", "variables")


class UpdateTemplateRequest(StrictModel):
    """A partial change; on an active template it writes a new draft version."""

    model_config = ConfigDict(json_schema_extra=partial_change(*_TEMPLATE_NOT_NULL))

    name: TemplateName | None = None
    category: TemplateCategory | None = None
    locale: Locale | None = None
    subject: Subject | None = None
    body: Body | None = None
    html: Html | None = None
    variables: list[VariableName] | None = Field(default=None, max_length=30)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        for name in _TEMPLATE_NOT_NULL:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def metadata_changes(self) -> dict[str, Any]:
        """Changes of the head's metadata (not versioned)."""
        return {n: getattr(self, n) for n in ("name", "category", "locale") if n in self.model_fields_set}

    def content_changes(self) -> dict[str, Any]:
        """Changes of the content (versioned); ``None`` clears subject or HTML."""
        changes: dict[str, Any] = {
            n: getattr(self, n)
            for n in ("subject", "body", "html", "variables")
            if n in self.model_fields_set
        }
        if changes.get("variables") is not None:
            changes["variables"] = _unique(changes["variables"])
        return changes


class DraftFromChatRequest(StrictModel):
    """The body M.A.X. posts to save a draft it wrote (the activation plan's ``draft-from-chat``)."""

    model_config = ConfigDict(json_schema_extra=only_when("channel", Channel.EMAIL.value, "subject", "html"))

    channel: Channel
    name: TemplateName
    category: TemplateCategory = TemplateCategory.CUSTOM
    locale: Locale | None = None
    subject: Subject | None = None
    content: Body = Field(description="The text body, with placeholders.")
    html: Html | None = None
    variables: list[VariableName] = Field(default_factory=list, max_length=30)
    generated_by: GeneratedBy = Field(
        default=GeneratedBy.MAX, validation_alias=AliasChoices("generated_by", "generatedBy")
    )

    def to_create(self) -> CreateTemplateRequest:
        """The same draft as a plain create request."""
        return CreateTemplateRequest(
            channel=self.channel,
            name=self.name,
            category=self.category,
            locale=self.locale,
            subject=self.subject,
            body=self.content,
            html=self.html,
            variables=self.variables,
        )


class SetWhatsAppContentRequest(StrictModel):
    """The Twilio Content a WhatsApp template was registered as, and where its approval stands."""

    content_sid: ContentSid = Field(description="The Content resource's SID (`HX` + 32 hex digits).")
    state: WhatsAppApproval = Field(
        default=WhatsAppApproval.PENDING, description="Only `approved` is sent outside the 24-hour window."
    )
    rejection_reason: Annotated[Line, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Why Meta rejected it, when `rejected`."
    )


class RenderRequest(StrictModel):
    """What to fill the placeholders with: a lead's fields, explicit values, or both."""

    lead_id: Ulid | None = None
    variables: dict[VariableName, VariableValue] = Field(default_factory=dict, max_length=50)
    version: int | None = Field(
        default=None, ge=1, description="A version to preview; defaults to the serving one."
    )


# --- responses ----------------------------------------------------------------------------------
class Problem(LazyModel):
    """One reason a template cannot be saved or activated."""

    code: str = Field(description="e.g. `unknown_variable`, `unsafe_html`, `too_many_segments`.")
    field: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class SmsInfo(LazyModel):
    """How an SMS body travels: its encoding and how many segments it costs."""

    encoding: str
    units: int
    segments: int
    per_segment: int
    non_gsm_characters: list[str] = Field(default_factory=list)


class Readiness(LazyModel):
    """Whether the content would activate now, and what stops it."""

    ready: bool
    problems: list[Problem] = Field(default_factory=list)
    sms: SmsInfo | None = Field(
        default=None, description="SMS only: estimated with 10 characters per variable without fallback."
    )


class VersionResponse(LazyModel):
    """One version of a template."""

    template_id: Ulid
    number: int
    state: VersionState
    subject: str | None
    body: str
    html: str | None
    variables: list[str]
    generated_by: GeneratedBy
    created_by: str | None
    validated_by: str | None
    validated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    readiness: Readiness | None = Field(
        default=None, description="Drafts only: whether this version would activate now."
    )

    @classmethod
    def from_version(cls, version: TemplateVersion, readiness: Readiness | None = None) -> VersionResponse:
        """The API view of a version."""
        return cls(
            readiness=readiness,
            template_id=version.template_id,
            number=version.number,
            state=version.state,
            generated_by=version.generated_by,
            created_by=version.created_by,
            validated_by=version.validated_by,
            validated_at=version.validated_at,
            created_at=version.created_at,
            updated_at=version.updated_at,
            **version.content.model_dump(),
        )


class WhatsAppContentResponse(LazyModel):
    """A WhatsApp template's Twilio Content, its approval, and how its placeholders map to it."""

    content_sid: str
    state: WhatsAppApproval
    rejection_reason: str | None
    variables: dict[str, str] = Field(
        description="Content variable (`1`, `2`...) to placeholder, in order of appearance in the body."
    )
    updated_at: datetime


class TemplateResponse(LazyModel):
    """A template as the API returns it: the serving content, and the draft waiting, if any."""

    id: Ulid
    channel: Channel
    name: str
    category: TemplateCategory
    locale: Locale
    status: TemplateStatus
    generated_by: GeneratedBy
    builtin: bool
    version: int = Field(description="The version shown (the active one once a version was activated).")
    latest_version: int
    draft_version: int | None = Field(description="A newer draft waiting for activation, if any.")
    subject: str | None
    body: str
    html: str | None
    variables: list[str]
    placeholders: list[str] = Field(description="Every placeholder name the content uses.")
    readiness: Readiness = Field(description="Whether the content shown would activate now.")
    draft: VersionResponse | None = Field(
        default=None, description="On a single read: the draft waiting for activation, if any."
    )
    whatsapp: WhatsAppContentResponse | None = Field(
        default=None, description="WhatsApp only: its Twilio Content, once registered."
    )
    created_by: str | None
    validated_by: str | None
    validated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TemplatePage(LazyModel):
    """A page of templates."""

    items: list[TemplateResponse]
    next_cursor: str | None = None


class VersionList(LazyModel):
    """Every version of a template, oldest first."""

    items: list[VersionResponse]


class RenderResponse(LazyModel):
    """A template filled in for one lead or set of values."""

    template_id: Ulid
    version: int
    channel: Channel
    subject: str | None
    body: str
    html: str | None
    fallbacks: list[str] = Field(description="Variables that had no value and used their fallback.")
    missing: list[str] = Field(description="Variables that had no value and no fallback (left empty).")
    complete: bool = Field(description="True when nothing is missing.")
    sms: SmsInfo | None = None
    content_variables: dict[str, str] | None = Field(
        default=None,
        description="WhatsApp with a Twilio Content: the value of each Content variable (`1`, `2`...).",
    )


class DraftCreated(LazyModel):
    """The answer to ``draft-from-chat``: the new draft's id, as the activation plan says."""

    ok: bool = True
    template_id: Ulid
    status: TemplateStatus
    template: TemplateResponse


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
