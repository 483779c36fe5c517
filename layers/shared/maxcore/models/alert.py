"""The living alerts and follow-up recommendations: their types, severities, buttons and drafts.

A rule (``maxcore.rules.alerts``, ``maxcore.rules.recommendations``) produces drafts from a lead's
summary; the service stores them as alerts, one open per lead and type.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import Channel, LazyModel, StrictModel, Text, Ulid
from maxcore.models.template import TemplateCategory


class AlertType(StrEnum):
    """The six living alerts of the product document, named as the product names them, and the alerts
    an event opens (:data:`maxcore.rules.alerts.EVENT_SEVERITIES`): open until a user resolves them."""

    NO_CONTACT_7D = "NoContact7d"
    NO_REPLY_3D = "NoReply3d"
    NO_FOLLOWUP_7D = "NoFollowup7d"
    PREFERRED_CHANNEL = "PreferredChannel"
    HOT_LEAD_24H = "HotLead24h"
    STALE_LEAD_30D = "StaleLead30d"
    APPOINTMENT_CANCELLED = "AppointmentCancelled"
    """The lead cancelled a coming appointment by answering its reminder (an event, not a rule)."""


class Severity(StrEnum):
    """How soon an alert asks for attention."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


SEVERITY_RANK: dict[Severity, int] = {
    Severity.URGENT: 0,
    Severity.HIGH: 1,
    Severity.MEDIUM: 2,
    Severity.LOW: 3,
    Severity.INFO: 4,
}
"""Sort order of the severities, most urgent first (the alerts' index sorts on it)."""


class AlertState(StrEnum):
    """An alert is open until its condition stops holding or a user marks it as done."""

    OPEN = "open"
    RESOLVED = "resolved"


class PointerState(StrEnum):
    """What the lead remembers of its latest alert of one type."""

    OPEN = "open"
    DISMISSED = "dismissed"
    """A user resolved it: the same episode does not open it again."""


class AlertPointer(LazyModel):
    """The lead's note of its latest alert of one type, kept on the lead item.

    The daily sweep compares the drafts of the rules with these pointers alone, so it reads lead items
    and nothing else, and writes only where they differ.
    """

    id: Ulid
    episode: str
    state: PointerState


class Cta(LazyModel):
    """A button under an alert: a label for people, an action and its parameters for the front end."""

    label: str
    action: str = Field(description="e.g. `openWhatsApp`, `draftMessage`, `resolveAlert`.")
    params: dict[str, Any] = Field(default_factory=dict)


class AlertDraft(LazyModel):
    """What an alert rule produces for one lead: an alert before it is stored.

    ``episode`` identifies the occurrence of the condition (for ``NoReply3d``, the time of the
    unanswered message): an alert a user resolved is not reopened for the same episode, while a new
    episode (a later unanswered message) may open a new alert.
    """

    type: AlertType
    severity: Severity
    message: str
    suggested_action: str
    ctas: list[Cta] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The rule's inputs and thresholds: why the alert holds."
    )
    episode: str


class RecommendationKind(StrEnum):
    """The follow-up decisions of the decision engine, most urgent first."""

    FOLLOW_UP_OPENED = "follow_up_opened"
    CHANGE_CHANNEL = "change_channel"
    FOLLOW_UP_SILENCE = "follow_up_silence"


class Recommendation(LazyModel):
    """A follow-up M.A.X. proposes for one lead; a user (or an automation) decides to act on it."""

    lead_id: Ulid
    lead_name: str
    kind: RecommendationKind
    action: str = Field(description='What to do, in the tenant\'s language ("Relancer par WhatsApp").')
    reason: str = Field(description="Why, in the tenant's language: every proposal shows its reason.")
    priority: int = Field(
        description="Lower is more urgent: 1 opened without reply, 2 not opened, 3 silence."
    )
    template_category: TemplateCategory
    channel: ActivityChannel | None = Field(
        default=None, description="Channel to follow up on; null when the lead has no reachable channel."
    )
    metadata: dict[str, Any] = Field(default_factory=dict)


# --- stored alerts and their API ------------------------------------------------------------------
class Alert(LazyModel):
    """An alert as it is stored: a draft given an id, a lead and a life."""

    id: Ulid
    lead_id: Ulid
    lead_name: str
    type: AlertType
    severity: Severity
    message: str
    suggested_action: str
    ctas: list[Cta] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    episode: str
    state: AlertState
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = Field(
        default=None, description="`system` when the condition stopped holding, else the user's id."
    )
    resolution: str | None = Field(default=None, description="Why the alert was resolved.")


class AlertResponse(LazyModel):
    """An alert as the API returns it (the fields of the product document's JSON example)."""

    id: Ulid
    lead_id: Ulid
    lead_name: str
    type: AlertType
    severity: Severity
    message: str
    suggested_action: str
    cta: list[Cta]
    metadata: dict[str, Any] = Field(description="The rule's inputs and thresholds: why the alert holds.")
    state: AlertState
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None

    @classmethod
    def from_alert(cls, alert: Alert) -> AlertResponse:
        """The API view of ``alert``."""
        data = alert.model_dump(exclude={"ctas", "episode"})
        return cls(cta=alert.ctas, **data)


class AlertPage(LazyModel):
    """A page of alerts: open ones by severity then age (oldest first), resolved ones newest first."""

    items: list[AlertResponse]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class BannerCounts(LazyModel):
    """The counts of the dashboard's alert banner."""

    to_follow_up: int = Field(
        description="Leads to follow up: NoContact7d, NoReply3d, NoFollowup7d, StaleLead30d."
    )
    hot_leads: int = Field(description="Open HotLead24h alerts.")
    preferred_channel: int = Field(description="Open PreferredChannel alerts.")


class AlertStats(LazyModel):
    """What the dashboard shows of the open alerts."""

    total: int
    urgent: int
    by_severity: dict[Severity, int]
    by_type: dict[AlertType, int]
    banner: BannerCounts


class ResolveAlertRequest(StrictModel):
    """A user marks an alert as handled."""

    note: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, description="What was done, kept as the resolution."
    )


class GenerationReport(LazyModel):
    """What one alert generation over a tenant (or one lead) changed."""

    leads: int = Field(description="Leads evaluated.")
    opened: int = Field(description="Alerts opened.")
    resolved: int = Field(
        description="Alerts that resolved themselves because their condition stopped holding."
    )
    unchanged: int = Field(description="Leads whose alerts and preferred channel were already right.")
    preferred_channel_changed: int
    conflicts: int = Field(description="Leads changed by someone else meanwhile, left to the next run.")


class SuggestedTemplate(LazyModel):
    """An active template that fits a recommendation."""

    id: Ulid
    name: str
    channel: Channel
    locale: str


class RecommendationResponse(LazyModel):
    """A follow-up M.A.X. proposes, with its reason and a template to start from."""

    lead_id: Ulid
    lead_name: str
    kind: RecommendationKind
    action: str
    reason: str
    priority: int
    channel: ActivityChannel | None
    template_category: TemplateCategory
    suggested_template: SuggestedTemplate | None = Field(
        description="An active template of the right category and channel, in the tenant's language first."
    )
    metadata: dict[str, Any]


class RecommendationList(LazyModel):
    """The "À relancer aujourd'hui" list, most urgent first."""

    items: list[RecommendationResponse]
    total: int = Field(description="Recommendations today, of which `items` holds the first `limit`.")
    generated_at: datetime
