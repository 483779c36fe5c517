"""Appointments of a lead: booking, moving and cancelling them with their reminders' timers, and what a
reply OUI/NON to a reminder does to them.

Each reminder (24 h and 1 h before) is a one-time timer named after the appointment and the
reminder's kind (:mod:`maxcore.services.timers`): moving the appointment cancels and sets them again,
cancelling it cancels them. A timer is only a claim to check: the worker re-reads the appointment and
sends only when it still stands at the time the timer was set for (:mod:`maxcore.services.reminders`).
A reminder whose time has already passed when the appointment is booked or moved is not sent; the
appointment keeps why.

A reply read as an appointment answer (:mod:`maxcore.services.answers`) confirms or cancels the lead's
next appointment still to come; the reply carries a sentence saying so on the lead's timeline, and a
cancellation opens an ``AppointmentCancelled`` alert for the rep, in the same transaction, then
cancels the reminders' timers (the functions that record replies may delete the ``max-*`` schedules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from maxcore.clock import utcnow
from maxcore.dal.appointments import DONE, AppointmentRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, InvalidInputError
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import Alert, AlertState
from maxcore.models.appointment import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    CreateAppointmentRequest,
    MoveAppointmentRequest,
    ReminderKind,
    ReminderState,
)
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.lead import Lead
from maxcore.observability import logger, metrics
from maxcore.rules import alerts as alert_rules
from maxcore.rules.appointments import in_utc, next_upcoming, reminder_plan
from maxcore.services.tenants import tenant_settings
from maxcore.services.timers import Timers, timer_name
from maxcore.texts import render

BOOKING_HORIZON = timedelta(days=730)
"""How far ahead an appointment may be booked (two years: its reminders' timers stay reasonable)."""

TOO_LATE = "too_late"
"""Why a reminder whose time had passed when the appointment was booked or moved is not sent."""


def reminder_timer(tenant_id: str, appointment: Appointment, kind: ReminderKind) -> str:
    """The name of one reminder's timer: the same for every time the appointment is moved to."""
    return timer_name(tenant_id, "appointment", appointment.id, kind.value)


def reminder_item(appointment: Appointment, kind: ReminderKind) -> str:
    """The ``item_id`` a reminder's timer message names: lead, appointment and kind."""
    return f"{appointment.lead_id}:{appointment.id}:{kind.value}"


def local_when(at: datetime, timezone: str, locale: str) -> str:
    """An appointment's time on the tenant's wall clock: 10/03/2026 14:30 in French, 2026-03-10 14:30 else."""
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M}" if locale == "en" else f"{local:%d/%m/%Y %H:%M}"


@dataclass(frozen=True)
class AnswerTarget:
    """The appointment a reply answers, what it does to it, and the sentence the timeline shows."""

    appointment: Appointment
    confirmed: bool
    note: str


class AppointmentService:
    """The appointments of one tenant's leads."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, timers: Timers | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.repository = AppointmentRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self._clock = clock
        self._timers = timers

    @property
    def timers(self) -> Timers:
        """The timers of this process, made on first use (only writes set them)."""
        if self._timers is None:
            self._timers = Timers(self._clock)
        return self._timers

    # --- the API --------------------------------------------------------------------------------
    def create(self, lead_id: str, request: CreateAppointmentRequest) -> Appointment:
        """Book an appointment for a lead (404 for an unknown lead, 422 for a time already past)."""
        self.leads.get(lead_id)
        now = self._clock()
        at = self._ahead(request.at, now)
        appointment = Appointment(
            id=new_id(),
            lead_id=lead_id,
            at=at,
            with_whom=request.with_whom,
            where=request.where,
            channel=request.channel,
            created_at=now,
            updated_at=now,
        )
        appointment = self.repository.create(self._planned(appointment, now))
        self._set_timers(appointment)
        metrics.add_metric(name="AppointmentBooked", unit=MetricUnit.Count, value=1)
        return appointment

    def list(self, lead_id: str) -> list[Appointment]:
        """A lead's appointments, soonest first (404 for an unknown lead)."""
        self.leads.get(lead_id)
        return self.repository.for_lead(lead_id)

    def change(self, lead_id: str, appointment_id: str, request: MoveAppointmentRequest) -> Appointment:
        """Move, edit, cancel or close an appointment; its timers follow (409 once cancelled or done)."""
        appointment = self.repository.get(lead_id, appointment_id)
        if appointment.status not in ACTIVE_STATUSES:
            raise ConflictError(
                f"the appointment is {appointment.status.value} and can no longer change",
                {"appointment_id": appointment_id, "status": appointment.status.value},
            )
        now = self._clock()
        fields = request.model_dump(exclude_unset=True, exclude={"at"})
        changed = appointment.model_copy(update={**fields, "updated_at": now})
        moved = "at" in request.model_fields_set and request.at is not None
        if moved:
            assert request.at is not None
            changed = self._planned(
                changed.model_copy(update={"at": self._ahead(request.at, now), "reminders": {}}), now
            )
        changed = self.repository.change(appointment, changed)
        if changed.status not in ACTIVE_STATUSES or moved:
            self._cancel_timers(changed)
        if changed.status in ACTIVE_STATUSES and moved:
            self._set_timers(changed)
        return changed

    def cancel(self, lead_id: str, appointment_id: str) -> Appointment:
        """Cancel an appointment and its reminders."""
        cancelled = MoveAppointmentRequest(status=AppointmentStatus.CANCELLED)
        return self.change(lead_id, appointment_id, cancelled)

    # --- a reply to a reminder ------------------------------------------------------------------
    def answer_target(self, lead_id: str, confirmed: bool, at: datetime) -> AnswerTarget | None:
        """AP60: the appointment a reply OUI/NON received at ``at`` answers, and what the timeline says."""
        appointment = next_upcoming(self.repository.for_lead(lead_id), at)
        if appointment is None:
            return None
        tenant = tenant_settings(self.tenant_id)
        when = local_when(appointment.at, tenant.timezone, tenant.locale.value)
        key = "appointment.answer.confirmed" if confirmed else "appointment.answer.cancelled"
        return AnswerTarget(appointment, confirmed, render(key, tenant.locale.value, when=when))

    def apply_answer(self, lead: Lead, target: AnswerTarget, channel: ActivityChannel) -> bool:
        """Confirm or cancel the appointment the reply answers; a cancellation opens the rep's alert."""
        now = self._clock()
        appointment = target.appointment
        alert = None
        if not target.confirmed:
            tenant = tenant_settings(self.tenant_id)
            locale = tenant.locale.value
            when = local_when(appointment.at, tenant.timezone, locale)
            draft = alert_rules.appointment_cancelled(lead, appointment.id, when, channel, locale)
            alert = Alert(
                id=new_id(),
                lead_id=lead.id,
                lead_name=lead.display_name,
                state=AlertState.OPEN,
                created_at=now,
                **draft.model_dump(exclude={"ctas"}),
                ctas=draft.ctas,
            )
        status = AppointmentStatus.CONFIRMED if target.confirmed else AppointmentStatus.CANCELLED
        applied = self.repository.answer(appointment, status, now, alert)
        logger.info(
            "appointment answered",
            extra={"appointment_id": appointment.id, "status": status.value, "applied": applied},
        )
        if applied and alert is not None:
            metrics.add_metric(name="AlertRaised", unit=MetricUnit.Count, value=1)
        if applied and not target.confirmed:
            self._drop_timers(appointment)
        return applied

    # --- helpers --------------------------------------------------------------------------------
    def _ahead(self, at: datetime, now: datetime) -> datetime:
        """``at`` in UTC (the tenant's wall clock without an offset); 422 unless it is ahead, within
        :data:`BOOKING_HORIZON`."""
        try:
            at_utc = in_utc(at, tenant_settings(self.tenant_id).timezone)
        except OverflowError:  # year 1 or 9999 moved by an offset
            at_utc = None
        if at_utc is None or at_utc > now + BOOKING_HORIZON:
            raise InvalidInputError(
                f"an appointment is booked at most {BOOKING_HORIZON.days} days ahead",
                {"at": at.isoformat(), "days": BOOKING_HORIZON.days},
            )
        if at_utc <= now:
            raise InvalidInputError(
                "an appointment is booked ahead: at is in the past",
                {"at": at_utc.isoformat(), "now": now.isoformat()},
            )
        return at_utc

    def _planned(self, appointment: Appointment, now: datetime) -> Appointment:
        """``appointment`` with the reminders too late to send settled as such, with why."""
        locale = tenant_settings(self.tenant_id).locale.value
        missed = {
            kind: ReminderState(
                state=DONE,
                at=instant,
                outcome="skipped",
                code=TOO_LATE,
                reason=render(f"appointment.reminder.{TOO_LATE}", locale),
            )
            for kind, instant in reminder_plan(appointment.at, now).missed.items()
        }
        return appointment.model_copy(update={"reminders": missed})

    def _set_timers(self, appointment: Appointment) -> None:
        plan = reminder_plan(appointment.at, self._clock())
        for kind, instant in plan.due.items():
            message = TenantJobMessage(
                job=Job.SEND_REMINDER,
                tenant_id=self.tenant_id,
                scheduled_at=instant,
                item_id=reminder_item(appointment, kind),
            )
            self.timers.set(reminder_timer(self.tenant_id, appointment, kind), instant, message)

    def _cancel_timers(self, appointment: Appointment) -> None:
        for kind in ReminderKind:
            self.timers.cancel(reminder_timer(self.tenant_id, appointment, kind))

    def _drop_timers(self, appointment: Appointment) -> None:
        """Cancel the timers of an appointment a reply cancelled, without failing the reply.

        The reply and the cancellation are recorded by then, and a provider's retry of the webhook
        would be a duplicate that comes back to nothing: a timer this leaves behind fires later and
        the worker drops it, the appointment being cancelled.
        """
        try:
            self._cancel_timers(appointment)
        except (BotoCoreError, ClientError) as exc:
            logger.warning(
                "the timers of an appointment cancelled by reply stay set",
                extra={"appointment_id": appointment.id, "error": str(exc)},
            )
