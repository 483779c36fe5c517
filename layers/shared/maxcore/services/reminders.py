"""Appointment reminders: what a reminder's timer does when it fires (the worker's side).

The timer's message names the lead, the appointment and the reminder's kind. The worker re-reads the
appointment and sends only if it still stands (scheduled or confirmed) at the time the timer was set
for; then it claims the reminder on the appointment item and sends it through the one exactly-once
protocol (:mod:`maxcore.services.exactly_once`), keyed on the appointment, the kind and the time. A
timer delivered twice sends once: the second delivery finds the reminder claimed or settled. A
tenant provisioned before the library release that added a reminder's template is brought up to
that release before the send (:func:`maxcore.services.templates.upgrade_library`).

A reminder is a transactional message: no STOP line (its template's category is transactional), no
marketing quiet hours nor send window (it goes at its time, or it is useless), but consent, the
blacklist, the lead's address and the daily caps still apply. A reminder that cannot go is settled
with its reason; it is never put off, since a reminder after its appointment means nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maxcore.clock import utcnow
from maxcore.dal.appointments import DONE, SENDING, AppointmentRepository
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import NotFoundError
from maxcore.models.appointment import ACTIVE_STATUSES, Appointment, ReminderKind, ReminderState
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.appointments import reminder_channel, reminder_key, reminder_time
from maxcore.rules.send_window import Window
from maxcore.services.appointments import local_when
from maxcore.services.exactly_once import Claim, ExactlyOnce, Message, SendResult
from maxcore.services.messaging import MessagingService
from maxcore.services.templates import library_template_id, upgrade_library
from maxcore.services.tenants import tenant_settings
from maxcore.texts import CATALOGUE, render

TIMER_TOLERANCE = timedelta(minutes=1)
"""A timer whose time differs more than this from the reminder's is a leftover of a move: ignored."""


def reminder_reason(code: str, locale: str, detail: str = "") -> str:
    """Why a reminder was not sent, in the tenant's language."""
    key = f"appointment.reminder.{code}"
    if key in CATALOGUE:
        return render(key, locale)
    return render("appointment.reminder.refused", locale, code=code, detail=detail or code)


class ReminderService:
    """Sends the reminders of one tenant's appointments."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = AppointmentRepository(tenant_id)
        self._clock = clock
        self._tenant: Tenant | None = None

    @property
    def tenant(self) -> Tenant:
        """The tenant's settings, read once."""
        if self._tenant is None:
            self._tenant = tenant_settings(self.tenant_id)
        return self._tenant

    def fire(self, item_id: str, due_at: datetime) -> dict[str, Any]:
        """The timer of reminder ``item_id`` (``lead:appointment:kind``) set for ``due_at`` fired."""
        lead_id, appointment_id, kind_value = item_id.split(":")
        kind = ReminderKind(kind_value)
        try:
            appointment = self.repository.get(lead_id, appointment_id)
        except NotFoundError:
            return {"reminder": "appointment_gone"}
        if appointment.status not in ACTIVE_STATUSES:
            return {"reminder": f"appointment_{appointment.status.value}"}
        if abs(reminder_time(appointment, kind) - due_at) > TIMER_TOLERANCE:
            return {"reminder": "appointment_moved"}
        now = self._clock()
        claim = Claim.new(now)
        previous = self.repository.claim_reminder(appointment, kind, (claim.token, claim.lease_until), now)
        if previous is None:
            return {"reminder": "already_taken"}
        job = ReminderSend(self, appointment, kind, claim.token, now)
        sending = ExactlyOnce(MessagingService(self.tenant_id, self._clock, timezone=self.tenant.timezone))
        if previous == SENDING:
            # A worker died mid-send: settled on the recorded message, never sent twice by Twilio.
            outcome = sending.resume(job)
        elif blocked := self._blocked(job.lead):
            outcome = job.settle(SendResult(Outcome.SKIPPED, blocked))
        else:
            # A tenant provisioned before the library had this reminder's template gets it now.
            upgrade_library(self.tenant_id, now)
            outcome = sending.send(job)
        return {"reminder": None if outcome is None else outcome.value, "kind": kind.value}

    def _blocked(self, lead: Lead) -> str | None:
        """Why no reminder may go to ``lead`` at all (blacklisted, no address), or ``None``."""
        if BlacklistRepository(self.tenant_id).matches(lead.email, lead.phone):
            return "blacklisted"
        if reminder_channel(None, lead.phone, lead.email) is None:
            return "no_channel"
        return None

    def settle(self, job: ReminderSend, result: SendResult) -> Outcome | None:
        """Write what the reminder came to on its appointment, conditional on the claim."""
        outcome = Outcome.SKIPPED if result.outcome is Outcome.DEFERRED else result.outcome
        locale, detail = self.tenant.locale.value, str(result.values.get("detail", ""))
        settled = ReminderState(
            state=DONE,
            at=reminder_time(job.appointment, job.kind),
            outcome=outcome.value,
            code=result.code,
            reason=None if result.left else reminder_reason(str(result.code), locale, detail),
            activity_id=None if result.recorded is None else result.recorded.activity_id,
        )
        done = self.repository.settle_reminder(job.appointment, job.kind, job.token, settled)
        logger.info(
            "appointment reminder settled",
            extra={
                "appointment_id": job.appointment.id,
                "kind": job.kind.value,
                "outcome": outcome.value,
                "code": result.code,
                "applied": done,
            },
        )
        return outcome if done else None


@dataclass
class ReminderSend:
    """One reminder's send, as the exactly-once protocol runs it (a ``SendJob``)."""

    service: ReminderService
    appointment: Appointment
    kind: ReminderKind
    token: str
    now: datetime
    _lead: Lead | None = None

    @property
    def lead(self) -> Lead:
        """The lead reminded, read consistently once."""
        if self._lead is None:
            self._lead = LeadRepository(self.service.tenant_id).get(self.appointment.lead_id)
        return self._lead

    @property
    def key(self) -> str:
        """The appointment, the reminder's kind and the appointment's time (a move is a new reminder)."""
        return f"appointment:{self.appointment.id}:{self.kind.value}:{self.appointment.at:%Y%m%dT%H%M}"

    @property
    def sent_by(self) -> str:
        """The appointment, as the activity records the sender."""
        return f"max:appointment:{self.appointment.id}"

    @property
    def lead_id(self) -> str:
        """The lead written to."""
        return self.appointment.lead_id

    @property
    def channel(self) -> Channel:
        """The appointment's channel, else the lead's preferred one, among those with a reminder."""
        lead = self.lead
        preferred = lead.summary.preferred_channel
        wanted = self.appointment.channel or preferred
        channel = reminder_channel(None if wanted is None else wanted.value, lead.phone, lead.email)
        return Channel.SMS if channel is None else channel

    @property
    def marker(self) -> dict[str, object]:
        """The appointment and the reminder, on the message's activity."""
        return {"appointment_id": self.appointment.id, "reminder": self.kind.value}

    @property
    def window(self) -> Window:
        """The tenant's send window (only what a deferral would compute; a reminder is never put off)."""
        return Window.of(self.service.tenant.send_window, self.service.tenant.timezone)

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.service.tenant.timezone

    def message(self) -> Message:
        """The built-in reminder of this kind on the channel, in the tenant's language, filled in."""
        tenant, channel = self.service.tenant, self.channel
        local = self.appointment.at.astimezone(ZoneInfo(tenant.timezone))
        template_id = library_template_id(tenant.id, reminder_key(self.kind, channel), tenant.locale.value)
        request = SendMessageRequest(
            lead_id=self.lead_id,
            channel=ChannelChoice(channel.value),
            template_id=template_id,
            variables={
                "appointmentDate": local_when(self.appointment.at, tenant.timezone, tenant.locale.value)[:10],
                "appointmentTime": f"{local:%H:%M}",
                "appointmentPlace": self.appointment.where,
                "agentName": self.appointment.with_whom,
            },
        )
        return Message(request, {}, lead=self.lead)

    def note_sending(self) -> bool:
        """AP62: the reminder is ``sending``, conditional on the claim."""
        return self.service.repository.note_reminder_sending(self.appointment, self.kind, self.token)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP62: what the reminder came to, conditional on the claim."""
        return self.service.settle(self, result)
