"""Prospection: scenarios, campaigns, enrolled prospects, their decisions, the blacklist, approvals.

A scenario is a versioned list of steps; a campaign runs one scenario version in a send window; an
enrollment is one lead in one campaign, with the step it is on and when that step is due. Every
decision the scheduler takes about an enrollment (sent, skipped, deferred, stopped...) is kept with
its reason, on the enrollment and as an interaction of the campaign.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from maxcore.models.common import (
    Channel,
    LazyModel,
    Line,
    SchemaHint,
    StrictModel,
    Text,
    Ulid,
    exactly_one_of,
    partial_change,
)
from maxcore.models.intent import ReplyKind
from maxcore.models.lead import PHONE_DESCRIPTION, PHONE_EXAMPLES
from maxcore.models.tenant import SendWindow, Timezone
from maxcore.models.variants import (
    MAX_VARIANTS,
    MIN_VARIANTS,
    VARIANT_LETTERS,
    ChosenVariant,
    StepVariant,
)

CSV_DESCRIPTION = (
    "Cells separated by `;`, `,` or tabs (read from the header row). Headers are matched without case "
    "or accents, in French or English: prénom/first name, nom/last name, société/entreprise/company, "
    "e-mail/email/courriel, téléphone/tel/mobile/portable/phone; at least an e-mail or a phone column. "
    "Other named columns become the lead's custom fields. Phone numbers without a country code are "
    "read in the tenant's default_country. Rows are numbered from 1 after the header, blank rows not "
    "counted."
)

Name = Annotated[Line, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=300)]
Prompt = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]
ScenarioId = Annotated[str, StringConstraints(pattern=r"^([0-9A-HJKMNP-TV-Z]{26}|[a-z][a-z0-9-]{1,62})$")]
"""A tenant's scenario (a ULID) or a predefined one (a slug such as ``connexion-douce``)."""

MAX_STEPS = 10


class StepChannel(StrEnum):
    """Where a step happens: a messaging channel, or a manual task for a salesperson."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    LINKEDIN = "linkedin"
    CALL = "call"

    @property
    def is_manual(self) -> bool:
        """LinkedIn and calls are done by a person: the scheduler makes them tasks."""
        return self in (StepChannel.LINKEDIN, StepChannel.CALL)

    @property
    def channel(self) -> Channel | None:
        """The messaging channel of a step that sends, ``None`` for a manual one."""
        return None if self.is_manual else Channel(self.value)


class ThreadMode(StrEnum):
    """Whether an e-mail step starts a new thread or continues the sequence's current one."""

    NEW = "new"
    SAME = "same"


class ScenarioStep(StrictModel):
    """One step of a scenario."""

    order: int = Field(ge=1, le=MAX_STEPS, description="1 for the first step, then 2, 3...")
    delay_days: int = Field(
        ge=0, le=365, description="Days after the previous step (after the enrollment for step 1)."
    )
    channel: StepChannel
    objective: ShortText
    template_id: Ulid | None = Field(default=None, description="An active template of the tenant.")
    template_key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,60}$")] | None = Field(
        default=None,
        description="A template of the built-in library, by its key, in the tenant's language: the "
        "predefined scenarios name theirs. Used when `template_id` is not set.",
    )
    ai_prompt: Prompt | None = Field(
        default=None, description="What M.A.X. should write; used first when AI is available."
    )
    cta: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="The suggested call to action."
    )
    thread: ThreadMode = Field(
        default=ThreadMode.SAME,
        description="E-mail steps: `same` (the default) answers the sequence's previous e-mail, in its "
        "thread, with the subject `Re: <first subject>`; `new` starts a new thread with the step's own "
        "subject. The first e-mail of a sequence always starts a thread. Ignored on other channels.",
    )
    variants: list[StepVariant] | None = Field(
        default=None,
        min_length=MIN_VARIANTS,
        max_length=MAX_VARIANTS,
        description="A/B test: 2 to 4 variants, named A, B, C, D in this order. Each prospect always "
        "gets the same one, in proportion to their weights; its template or instructions then write "
        "the step instead of the step's own `template_id` and `ai_prompt`.",
    )

    @model_validator(mode="after")
    def _variants_on_messages(self) -> Self:
        if self.variants and self.channel.is_manual:
            raise ValueError(f"a {self.channel.value} step is done by a person: it has no variants")
        return self

    def variant(self, letter: str) -> ScenarioStep:
        """The step as variant ``letter`` writes it: its template alone, or its instructions for the
        model with the step's template as the fallback."""
        assert self.variants is not None  # a variant is asked of a step that has some
        chosen = self.variants[VARIANT_LETTERS.index(letter)]
        if chosen.template_id is not None:
            changes = {"template_id": chosen.template_id, "template_key": None, "ai_prompt": None}
        else:
            changes = {"ai_prompt": chosen.instructions}
        return self.model_copy(update={**changes, "variants": None})


def _check_steps(steps: list[ScenarioStep]) -> list[ScenarioStep]:
    orders = [s.order for s in steps]
    if orders != list(range(1, len(steps) + 1)):
        raise ValueError(f"steps must be numbered 1 to {len(steps)} in order, got {orders}")
    return steps


class Scenario(LazyModel):
    """One version of a scenario."""

    id: str
    version: int = Field(ge=1)
    name: str
    description: str | None = None
    steps: list[ScenarioStep]
    predefined: bool = False
    created_at: datetime

    @property
    def duration_days(self) -> int:
        """Days from the enrollment to the last step."""
        return sum(s.delay_days for s in self.steps)

    def step(self, order: int) -> ScenarioStep | None:
        """The step numbered ``order``, or ``None`` past the last one."""
        return self.steps[order - 1] if 1 <= order <= len(self.steps) else None


class ScenarioResponse(LazyModel):
    """A scenario version as the API shows it."""

    id: str
    version: int
    name: str
    description: str | None
    duration_days: int
    steps: list[ScenarioStep]
    predefined: bool
    created_at: datetime

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioResponse:
        """The response of ``scenario``."""
        return cls(
            id=scenario.id,
            version=scenario.version,
            name=scenario.name,
            description=scenario.description,
            duration_days=scenario.duration_days,
            steps=scenario.steps,
            predefined=scenario.predefined,
            created_at=scenario.created_at,
        )


class ScenarioList(LazyModel):
    """The scenarios of a tenant: the predefined ones first, then its own (latest versions)."""

    items: list[ScenarioResponse]


class CreateScenarioRequest(StrictModel):
    """A tenant's own scenario."""

    name: Name
    description: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    steps: list[ScenarioStep] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[ScenarioStep]) -> list[ScenarioStep]:
        return _check_steps(steps)


class UpdateScenarioRequest(StrictModel):
    """A change of a tenant's scenario: it becomes a new version; running enrollments keep theirs."""

    model_config = ConfigDict(json_schema_extra=partial_change("name", "steps"))

    name: Name | None = None
    description: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    steps: list[ScenarioStep] | None = Field(default=None, min_length=1, max_length=MAX_STEPS)

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[ScenarioStep] | None) -> list[ScenarioStep] | None:
        return None if steps is None else _check_steps(steps)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        if "steps" in self.model_fields_set and self.steps is None:
            raise ValueError("steps cannot be null")
        return self


# --- campaigns -----------------------------------------------------------------------------------
class CampaignStatus(StrEnum):
    """Whether a campaign's steps run."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


DailyCaps = dict[Channel, Annotated[int, Field(ge=0, le=100_000)]]


class Campaign(LazyModel):
    """A prospection campaign."""

    id: str
    name: str
    scenario_id: str
    scenario_version: int
    objective: str | None = None
    status: CampaignStatus = CampaignStatus.ACTIVE
    send_window: SendWindow = Field(default_factory=SendWindow)
    timezone: str = "Europe/Paris"
    daily_caps: dict[Channel, int] = Field(default_factory=dict)
    auto_winner: bool = Field(
        default=False,
        description="A/B variants: once a step's test is significant, the run sends its winner to every "
        "new prospect by itself (the reason is kept on the step's `winners` entry).",
    )
    winners: dict[int, ChosenVariant] = Field(
        default_factory=dict,
        description="A/B variants: by step number, the variant every prospect not yet sent the step gets.",
    )
    created_at: datetime
    updated_at: datetime
    version: int = 1


class CampaignResponse(Campaign):
    """A campaign as the API shows it, with its prospects counted by status."""

    prospects: dict[str, int] = Field(default_factory=dict)


class CampaignPage(LazyModel):
    """A tenant's campaigns, newest first."""

    items: list[CampaignResponse]


class CreateCampaignRequest(StrictModel):
    """A new campaign; the window and timezone default to the tenant's."""

    name: Name
    scenario_id: ScenarioId
    objective: Annotated[Text, StringConstraints(max_length=300)] | None = None
    status: CampaignStatus = Field(
        default=CampaignStatus.ACTIVE,
        description="`active` or `paused`: a new campaign is not completed.",
        json_schema_extra={"enum": [CampaignStatus.ACTIVE.value, CampaignStatus.PAUSED.value]},
    )
    send_window: SendWindow | None = Field(
        default=None, description="Days (0 = Monday) and hours the steps may run; the tenant's by default."
    )
    timezone: Timezone | None = Field(default=None, description="IANA name; the tenant's by default.")
    daily_caps: DailyCaps = Field(default_factory=dict, description="Most messages per channel per day.")
    auto_winner: bool = Field(
        default=False, description="Send a step's A/B winner to new prospects as soon as it is significant."
    )

    @field_validator("status")
    @classmethod
    def _not_completed(cls, status: CampaignStatus) -> CampaignStatus:
        if status is CampaignStatus.COMPLETED:
            raise ValueError("a new campaign is active or paused")
        return status


_CAMPAIGN_NOT_NULL = (
    "name",
    "scenario_id",
    "status",
    "send_window",
    "timezone",
    "daily_caps",
    "auto_winner",
)


class UpdateCampaignRequest(StrictModel):
    """A partial change: pause or resume (status), rename, move the window, change caps or scenario."""

    model_config = ConfigDict(json_schema_extra=partial_change(*_CAMPAIGN_NOT_NULL))

    name: Name | None = None
    scenario_id: ScenarioId | None = None
    objective: Annotated[Text, StringConstraints(max_length=300)] | None = None
    status: CampaignStatus | None = None
    send_window: SendWindow | None = None
    timezone: Timezone | None = None
    daily_caps: DailyCaps | None = None
    auto_winner: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        for name in _CAMPAIGN_NOT_NULL:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


# --- enrollments and decisions ---------------------------------------------------------------------
class EnrollmentStatus(StrEnum):
    """Where a prospect stands in its campaign."""

    ACTIVE = "active"
    PAUSED = "paused"
    AWAITING_APPROVAL = "awaiting_approval"
    COMPLETED = "completed"
    STOPPED = "stopped"
    REMOVED = "removed"


class Outcome(StrEnum):
    """What the scheduler did about a due step."""

    SENT = "sent"
    DRAFTED = "drafted"
    RECOMMENDED = "recommended"
    TASK_CREATED = "task_created"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    HELD = "held"
    PAUSED = "paused"
    """The lead is away (an out-of-office reply): the sequence waits and resumes by itself."""
    STOPPED = "stopped"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    REJECTED = "rejected"
    COMPLETED = "completed"


class MessageSource(StrEnum):
    """Where a step's message came from: the model, else the step's template."""

    AI = "ai"
    TEMPLATE = "template"
    DEFAULT = "default"
    """No longer written (a step nothing can write becomes a task): read on older decisions."""


class Decision(LazyModel):
    """One decision about an enrollment, with its reason in the tenant's language."""

    outcome: Outcome
    code: str = Field(description="Stable reason code, e.g. `outside_window`, `replied`, `opted_out`.")
    reason: str = Field(description="Why, in a sentence for the user.")
    step: int | None = None
    channel: StepChannel | None = None
    source: MessageSource | None = None
    variant: str | None = Field(default=None, description="The A/B variant of the step written, if any.")
    until: datetime | None = Field(
        default=None, description="When a deferred step runs next, or when a paused sequence resumes."
    )
    activity_id: str | None = None
    approval_id: str | None = None
    at: datetime


class SentStep(LazyModel):
    """A step that reached the lead (or a person, for a manual step), for the reply statistics."""

    step: int
    channel: StepChannel
    source: MessageSource | None = None
    template_id: str | None = None
    variant: str | None = None
    """The A/B variant the lead was sent (its replies count for it)."""
    at: datetime
    message_id: str | None = None
    """E-mail: the Message-ID it was sent with (bare), which a same-thread follow-up answers."""
    subject: str | None = None
    """E-mail: the subject it was sent with (a thread's first subject starts its follow-ups')."""
    sender: str | None = None
    """E-mail: the address it went from (a same-thread follow-up goes from it too)."""


class PendingSend(LazyModel):
    """The message of a step whose send has started, kept so a resumed send sends the very same text.

    A provider that deduplicates on our key (Resend) answers the first message only if the second
    is identical; composing again (an AI writes differently each time) would be refused.
    """

    body: str
    subject: str | None = None
    source: MessageSource
    template_id: str | None = None
    template_category: str | None = None
    """The template's category (absent from the markers of older sends)."""
    variant: str | None = None


class Enrollment(LazyModel):
    """A lead in a campaign."""

    campaign_id: str
    lead_id: str
    scenario_id: str
    scenario_version: int
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    current_step: int = Field(default=1, description="The step to run next (1-based).")
    next_action_at: datetime | None = None
    held: bool = Field(default=False, description="Out of the due index while its campaign is paused.")
    claim_token: str | None = None
    lease_until: datetime | None = None
    sending_step: int | None = None
    sending_message: PendingSend | None = None
    sent: list[SentStep] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    replied_at: datetime | None = None
    replied_step: int | None = None
    reply_kind: ReplyKind | None = Field(
        default=None, description="What the lead's reply that ended the sequence was (``replied_at``)."
    )
    resume_at: datetime | None = Field(
        default=None, description="While paused by an out-of-office reply: when it resumes by itself."
    )
    out_of_office_at: datetime | None = Field(
        default=None, description="When an out-of-office reply first paused it (kept once it resumes)."
    )
    enrolled_at: datetime
    updated_at: datetime

    @property
    def paused_until_return(self) -> bool:
        """Paused by an out-of-office reply (it resumes by itself), not by a user."""
        return self.status is EnrollmentStatus.PAUSED and self.resume_at is not None


class ProspectResponse(LazyModel):
    """An enrolled prospect as the API shows it: where it is and why."""

    campaign_id: str
    lead_id: str
    lead_name: str | None = Field(
        default=None,
        description="The lead's first and last name, else its company, else a contact; null once deleted.",
    )
    scenario_version: int
    status: EnrollmentStatus
    current_step: int
    steps_total: int
    next_action_at: datetime | None
    last_decision: Decision | None
    decisions: list[Decision]
    replied_at: datetime | None
    reply_kind: ReplyKind | None = Field(
        default=None,
        description="What the reply was: `hot`, `neutral`, `decline` or `opt_out` (null: no reply).",
    )
    resume_at: datetime | None = Field(
        default=None, description="When a prospect paused by an out-of-office reply resumes by itself."
    )
    enrolled_at: datetime


class ProspectPage(LazyModel):
    """A page of a campaign's prospects."""

    items: list[ProspectResponse]
    next_cursor: str | None = None


class ProspectChange(StrictModel):
    """Pause or resume one prospect."""

    status: EnrollmentStatus = Field(
        description="`paused` or `active`.",
        json_schema_extra={"enum": [EnrollmentStatus.PAUSED.value, EnrollmentStatus.ACTIVE.value]},
    )

    @field_validator("status")
    @classmethod
    def _pause_or_resume(cls, status: EnrollmentStatus) -> EnrollmentStatus:
        if status not in (EnrollmentStatus.PAUSED, EnrollmentStatus.ACTIVE):
            raise ValueError("a prospect is paused or resumed (active); remove it with DELETE")
        return status


class EnrollRequest(StrictModel):
    """Leads to enroll: by id, as CSV text, or as the CSV file itself in base64 (as Excel saved it)."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of("lead_ids", "csv", "csv_file"))

    lead_ids: list[Ulid] | None = Field(default=None, min_length=1, max_length=500)
    csv: Annotated[Text, StringConstraints(min_length=1, max_length=500_000)] | None = Field(
        default=None, description=f"CSV text with a header row; at most 500 rows. {CSV_DESCRIPTION}"
    )
    csv_file: Annotated[str, StringConstraints(min_length=4, max_length=700_000)] | None = Field(
        default=None,
        description="The CSV file's bytes in base64: UTF-8 (with or without BOM) or Windows-1252, as "
        f"Excel saves it; at most 500 rows. {CSV_DESCRIPTION}",
    )
    allow_parallel: bool = Field(
        default=False,
        description=(
            "Enroll leads whose sequence still runs in another campaign too; by default each such "
            "row is rejected with `already_in_sequence`."
        ),
    )

    @field_validator("csv_file")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise ValueError("csv_file is not base64") from exc
        return value

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if sum(source is not None for source in (self.lead_ids, self.csv, self.csv_file)) != 1:
            raise ValueError("send exactly one of lead_ids, csv and csv_file")
        return self

    def csv_data(self) -> bytes | str:
        """The CSV as sent: the file's bytes, or the text."""
        return base64.b64decode(self.csv_file) if self.csv_file is not None else self.csv or ""


class RejectionCode(StrEnum):
    """Why a row was not enrolled."""

    BAD_PHONE = "bad_phone"
    BAD_EMAIL = "bad_email"
    NO_CONTACT = "no_contact"
    DUPLICATE = "duplicate"
    OPTED_OUT = "opted_out"
    BLACKLISTED = "blacklisted"
    UNKNOWN_LEAD = "unknown_lead"
    BAD_ROW = "bad_row"
    ALREADY_IN_SEQUENCE = "already_in_sequence"


class AcceptedRow(LazyModel):
    """A row enrolled."""

    row: int
    lead_id: str
    lead_created: bool = False


class RejectedRow(LazyModel):
    """A row not enrolled, and why."""

    row: int
    lead_id: str | None = None
    value: str | None = None
    code: RejectionCode
    reason: str


class EnrollmentReport(LazyModel):
    """What an enrollment request did, row by row."""

    accepted: list[AcceptedRow]
    rejected: list[RejectedRow]


class Interaction(LazyModel):
    """One decision of the campaign, in time order: what happened to which prospect, and why."""

    id: str
    campaign_id: str
    lead_id: str
    decision: Decision
    preview: str | None = None


class InteractionPage(LazyModel):
    """A page of a campaign's interactions, newest first."""

    items: list[Interaction]
    next_cursor: str | None = None


# --- blacklist -----------------------------------------------------------------------------------
class BlacklistKind(StrEnum):
    """What a blacklist entry matches."""

    EMAIL = "email"
    PHONE = "phone"


class BlacklistEntry(LazyModel):
    """An address never to prospect."""

    kind: BlacklistKind
    value: str
    reason: str
    source: str
    created_at: datetime
    created_by: str | None = None


class BlacklistPage(LazyModel):
    """A tenant's blacklist."""

    items: list[BlacklistEntry]
    next_cursor: str | None = None


class AddBlacklistRequest(StrictModel):
    """Blacklist an e-mail address or a phone number (one of them)."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of("email", "phone"))

    email: (
        Annotated[str, StringConstraints(min_length=3, max_length=254), SchemaHint.of(format="email")] | None
    ) = None
    phone: Annotated[str, StringConstraints(min_length=3, max_length=32)] | None = Field(
        default=None, description=PHONE_DESCRIPTION, examples=PHONE_EXAMPLES
    )
    reason: Annotated[Line, StringConstraints(min_length=1, max_length=200)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=50)] = "manual"

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.email is None) == (self.phone is None):
            raise ValueError("send either email or phone")
        return self


# --- approvals, tasks, recommendations ------------------------------------------------------------
class ApprovalKind(StrEnum):
    """What a pending item asks of the user."""

    DRAFT = "draft"
    """Assisted mode: a message M.A.X. wrote, sent only once a user approves it."""
    TASK = "task"
    """A manual step (LinkedIn, call) for a salesperson."""
    RECOMMENDATION = "recommendation"
    """Advise mode: what M.A.X. suggests doing; nothing is sent."""


class ApprovalStatus(StrEnum):
    """Where a pending item stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalOrigin(LazyModel):
    """What created the item: a campaign step or an automation."""

    campaign_id: str | None = None
    step: int | None = None
    variant: str | None = None
    """The A/B variant of the step the draft was written as (the message counts for it once sent)."""
    automation_id: str | None = None
    run_key: str | None = None


class Approval(LazyModel):
    """A draft to approve, a task to do or a recommendation to consider."""

    id: str
    kind: ApprovalKind
    status: ApprovalStatus = ApprovalStatus.PENDING
    lead_id: str
    channel: StepChannel
    subject: str | None = None
    body: str
    source: MessageSource | None = None
    reason: str
    origin: ApprovalOrigin
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)


class ApprovalPage(LazyModel):
    """A page of approvals, newest first."""

    items: list[Approval]
    next_cursor: str | None = None


class ApprovalVerdict(StrEnum):
    """A user's answer to a pending item."""

    APPROVE = "approve"
    REJECT = "reject"


class DecideApprovalRequest(StrictModel):
    """Approve (a draft is sent, a task is done) or reject; a draft's text may be edited first."""

    decision: ApprovalVerdict
    body: Annotated[Text, StringConstraints(min_length=1, max_length=5000)] | None = None
    subject: Annotated[Line, StringConstraints(min_length=1, max_length=200)] | None = None


# --- schedule preview ----------------------------------------------------------------------------
PreviewDate = Annotated[
    date, Field(description="A day in the tenant's timezone (YYYY-MM-DD), from today to 90 days ahead.")
]


class PreviewKind(StrEnum):
    """What a preview item comes from."""

    CAMPAIGN_STEP = "campaign_step"
    AUTOMATION = "automation"
    BULK_SEND = "bulk_send"
    """A bulk send's recipients left, in one item: how many, and when its next batch goes."""


class PreviewItem(LazyModel):
    """What the scheduler would do about one due step or automation on the day previewed."""

    kind: PreviewKind = Field(description="`campaign_step`, `automation` or `bulk_send`.")
    campaign_id: str | None = None
    automation_id: str | None = None
    bulk_send_id: str | None = None
    lead_id: str | None = Field(default=None, description="The lead; none for a bulk send's item.")
    recipients: int | None = Field(
        default=None, description="A bulk send: its recipients not sent to or refused yet."
    )
    step: int | None = None
    at: datetime = Field(description="When it would run (UTC): the hourly run that takes it.")
    local_time: str = Field(description="When it would run, in the campaign's timezone (ISO 8601).")
    channel: StepChannel | None = None
    source: MessageSource | None = Field(
        default=None, description="Where the message would come from, for a send, draft or suggestion."
    )
    variant: str | None = Field(default=None, description="The A/B variant the prospect would get.")
    variant_reason: str | None = Field(
        default=None,
        description="Why that variant: the split, or the winner chosen (or about to be, by `auto_winner`).",
    )
    outcome: Outcome
    code: str = Field(description="Stable reason code, as in the prospects' decisions.")
    reason: str = Field(description="Why, in a sentence for the user.")
    until: datetime | None = Field(
        default=None, description="When a deferred step would run next, or when a paused prospect resumes."
    )


class SchedulePreview(LazyModel):
    """A day of the scheduler, computed without sending or writing anything."""

    date: str = Field(description="The day previewed (YYYY-MM-DD), in the tenant's timezone.")
    timezone: str = Field(description="The tenant's timezone, which the day is read in.")
    generated_at: datetime = Field(description="The instant the preview was computed from.")
    items: list[PreviewItem] = Field(description="In the order they would run.")
