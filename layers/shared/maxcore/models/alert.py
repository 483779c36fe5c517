"""The living alerts and follow-up recommendations: their types, severities, buttons and drafts.

A rule (``maxcore.rules.alerts``, ``maxcore.rules.recommendations``) produces drafts from a lead's
summary; the service stores them as alerts, one open per lead and type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import Ulid
from maxcore.models.template import TemplateCategory


class AlertType(StrEnum):
    """The six living alerts of the product document, named as the product names them."""

    NO_CONTACT_7D = "NoContact7d"
    NO_REPLY_3D = "NoReply3d"
    NO_FOLLOWUP_7D = "NoFollowup7d"
    PREFERRED_CHANNEL = "PreferredChannel"
    HOT_LEAD_24H = "HotLead24h"
    STALE_LEAD_30D = "StaleLead30d"


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


class Cta(BaseModel):
    """A button under an alert: a label for people, an action and its parameters for the front end."""

    label: str
    action: str = Field(description="e.g. `openWhatsApp`, `draftMessage`, `resolveAlert`.")
    params: dict[str, Any] = Field(default_factory=dict)


class AlertDraft(BaseModel):
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


class Recommendation(BaseModel):
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
