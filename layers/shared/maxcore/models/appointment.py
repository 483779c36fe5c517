"""Appointments of a lead, their reminders, and the satisfaction surveys' scores: entities and API schemas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Ulid


class AppointmentStatus(StrEnum):
    """Where an appointment stands: only a scheduled or confirmed one is reminded, moved or answered."""

    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    DONE = "done"


ACTIVE_STATUSES = frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED})
"""The statuses of an appointment still to come."""


class ReminderKind(StrEnum):
    """The reminders of an appointment, named after how long before it they go."""

    DAY_BEFORE = "24h"
    HOUR_BEFORE = "1h"


class ReminderState(LazyModel):
    """What became of one reminder: claimed, being sent, or settled with an outcome and its reason."""

    state: str = Field(description="`claimed`, `sending` or `done`.")
    at: datetime = Field(description="When the reminder was due.")
    outcome: str | None = Field(default=None, description="`sent`, `unconfirmed`, `skipped`, `failed`.")
    code: str | None = None
    reason: str | None = Field(default=None, description="Why it was not sent, in the tenant's language.")
    activity_id: str | None = None
    token: str | None = Field(default=None, exclude=True)
    lease_until: datetime | None = Field(default=None, exclude=True)


class Appointment(LazyModel):
    """A lead's appointment as the domain sees it (``at`` in UTC)."""

    id: Ulid
    lead_id: Ulid
    at: datetime
    with_whom: str
    where: str
    channel: Channel | None = None
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    reminders: dict[ReminderKind, ReminderState] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    version: int = 1


Who = Annotated[Line, StringConstraints(min_length=1, max_length=120)]
Place = Annotated[Line, StringConstraints(min_length=1, max_length=200)]


class CreateAppointmentRequest(StrictModel):
    """A new appointment; a time without an offset is read in the tenant's timezone."""

    model_config = ConfigDict(populate_by_name=True)

    at: datetime = Field(description="When; without an offset, in the tenant's timezone.")
    with_whom: Who = Field(alias="with", description="Whom the lead meets (a rep, a practitioner).")
    where: Place
    channel: Channel | None = Field(
        default=None, description="The reminders' channel; the lead's preferred channel when absent."
    )


class MoveAppointmentRequest(StrictModel):
    """A change of an appointment: the fields sent change; a new ``at`` moves its reminders."""

    model_config = ConfigDict(populate_by_name=True)

    at: datetime | None = None
    with_whom: Who | None = Field(default=None, alias="with")
    where: Place | None = None
    status: AppointmentStatus | None = Field(
        default=None, description="`cancelled` cancels (as DELETE does), `done` closes it."
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        if any(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError("a field sent cannot be null")
        if self.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED):
            raise ValueError("status can only be set to cancelled or done")
        return self


class AppointmentResponse(LazyModel):
    """An appointment as the API returns it."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: Ulid
    lead_id: Ulid
    at: datetime
    with_whom: str = Field(alias="with")
    where: str
    channel: Channel | None
    status: AppointmentStatus
    reminders: dict[str, ReminderState]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, appointment: Appointment) -> AppointmentResponse:
        """The API view of ``appointment``."""
        data: dict[str, Any] = appointment.model_dump(exclude={"version", "reminders"})
        reminders = {kind.value: state for kind, state in appointment.reminders.items()}
        return cls(**data, reminders=reminders)


class AppointmentList(LazyModel):
    """A lead's appointments, soonest first."""

    items: list[AppointmentResponse]


# --- satisfaction surveys ------------------------------------------------------------------------


class SurveyGroup(LazyModel):
    """Scores of one template, campaign or month."""

    key: str = Field(description="The template id, the campaign id, or the month (YYYY-MM).")
    count: int
    average: float | None


class SurveyAnalytics(LazyModel):
    """Survey scores between two months: averages and counts per template, campaign and month."""

    from_month: str = Field(description="YYYY-MM, included.")
    to_month: str = Field(description="YYYY-MM, included.")
    count: int
    average: float | None
    by_template: list[SurveyGroup]
    by_campaign: list[SurveyGroup]
    by_month: list[SurveyGroup]


def month_of(day: date | datetime) -> str:
    """``YYYY-MM`` of ``day``."""
    return f"{day.year:04d}-{day.month:02d}"
