"""The tenant: one business using M.A.X., with its plan, autonomy mode and preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from maxcore.models.common import TenantId


class Plan(StrEnum):
    """Subscription plan; sets the monthly token allowance."""

    STANDARD = "standard"
    PRO = "pro"
    STUDIO = "studio"


class Mode(StrEnum):
    """How far the assistant may act on its own."""

    ADVISE = "advise"
    ASSISTED = "assisted"
    AUTO = "auto"


class Locale(StrEnum):
    """Language of the texts shown to the tenant's users."""

    FR = "fr"
    EN = "en"


class AlertThresholds(BaseModel):
    """Thresholds of the living alerts, with the product's defaults."""

    no_contact_days: int = Field(default=7, ge=1, le=365)
    no_reply_days: int = Field(default=3, ge=1, le=365)
    no_followup_days: int = Field(default=7, ge=1, le=365)
    hot_lead_hours: int = Field(default=24, ge=1, le=168)
    stale_lead_days: int = Field(default=30, ge=1, le=730)
    preferred_channel_window_days: int = Field(default=30, ge=7, le=365)
    preferred_channel_min_sent: int = Field(default=2, ge=1, le=50)
    preferred_channel_min_gap_points: int = Field(default=30, ge=0, le=100)


class SendWindow(BaseModel):
    """Default days and hours, in the tenant's timezone, when messages may leave."""

    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday")
    start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class Tenant(BaseModel):
    """A tenant as the domain sees it."""

    id: TenantId
    name: str
    plan: Plan = Plan.STANDARD
    mode: Mode = Mode.ASSISTED
    locale: Locale = Locale.FR
    timezone: str = "Europe/Paris"
    country_code: str = "33"
    alert_thresholds: AlertThresholds = Field(default_factory=AlertThresholds)
    send_window: SendWindow = Field(default_factory=SendWindow)
    auto_mode_confirmed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
