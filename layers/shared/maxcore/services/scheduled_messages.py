"""Messages scheduled for later: kept, changed or cancelled until they go, then sent once.

``POST /messages`` with a ``send_at`` checks the message as a send would (the lead, the template
filled in, the channel and its consent) and keeps it, waiting, with a one-time timer
(:mod:`maxcore.services.timers`) set at its time. The timer's job (``send_scheduled``) claims the
message with a conditional write and sends it through the exactly-once protocol under the message's
own key, so a timer delivered twice, a retry, or the hourly sweep racing the timer send it once. The
sweep (the hourly ``run_pending_actions``) takes the messages a few minutes overdue from the due
index: those whose timer could not be set or was lost, and those a daily cap put off.

A rep's scheduled message is conversation, as ``POST /messages`` is: the recipient's quiet hours do
not hold it back; consent, the blacklist and the daily caps do, when it goes. What stops it then is
written on it (``failed`` with the reason, in the tenant's language).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.scheduled_messages import ScheduledMessageRepository, Settlement
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.models.scheduled_message import (
    CHANGEABLE,
    ScheduledMessage,
    ScheduledState,
    UpdateScheduledMessageRequest,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.scheduled_sends import SendAtProblem, outcome_reason, overdue_bound, scheduled_instant
from maxcore.rules.send_window import Window, describe
from maxcore.services.exactly_once import Claim, ExactlyOnce, Message, OutcomeTally, SendResult
from maxcore.services.idempotency import run_once
from maxcore.services.messaging import SEND_KEY_EXPIRY_SECONDS, MessagingService
from maxcore.services.tenants import tenant_settings
from maxcore.services.timers import SOON, Timers, timer_name
from maxcore.texts import render

TIMER_KIND = "scheduled-message"
"""The kind of the timers of scheduled messages (in their names)."""


def send_key(message_id: str) -> str:
    """The exactly-once key of a scheduled message's send (the provider gets it too)."""
    return f"scheduled:{message_id}"


class ScheduledMessageService:
    """A rep's side: schedule, read, change and cancel the tenant's scheduled messages."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, timers: Timers | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.repository = ScheduledMessageRepository(tenant_id)
        self.messaging = MessagingService(tenant_id, clock)
        self.timers = timers or Timers(clock)
        self._clock = clock

    def schedule(
        self, request: SendMessageRequest, created_by: str, idempotency_key: str | None = None
    ) -> ScheduledMessage:
        """Check the message as a send would, keep it until ``request.send_at``, and set its timer.

        With ``idempotency_key``, a retried request answers the message the first one scheduled.

        Raises
        ------
        InvalidInputError
            ``send_at`` in the past or more than a year ahead; a template that needs values.
        NotFoundError, ChannelUnavailableError
            As :meth:`MessagingService.send` (unknown lead or template, no consent, no address...).
        """
        if idempotency_key is None:
            return self._schedule(request, created_by)
        answer = run_once(
            "scheduled-messages",
            f"{self.tenant_id}:{idempotency_key}",
            lambda: self._schedule(request, created_by).model_dump(mode="json"),
            expires_after_seconds=SEND_KEY_EXPIRY_SECONDS,
            payload=request.model_dump(mode="json"),
        )
        return ScheduledMessage.model_validate(answer)

    def _schedule(self, request: SendMessageRequest, created_by: str) -> ScheduledMessage:
        assert request.send_at is not None
        now = self._clock()
        at = self._instant(request.send_at, now)
        channel = self.messaging.check(request)
        message = ScheduledMessage(
            id=new_id(),
            lead_id=request.lead_id,
            channel=channel,
            template_id=request.template_id,
            variables=dict(request.variables),
            body=request.body,
            subject=request.subject,
            send_at=at,
            state=ScheduledState.SCHEDULED,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self.repository.create(message)
        self._set_timer(message.id, at)
        return message

    def get(self, message_id: str) -> ScheduledMessage:
        """One scheduled message; 404 when unknown (another tenant's included)."""
        return self.repository.get(message_id)

    def page(
        self, limit: int, cursor: str | None, lead_id: str | None, state: ScheduledState | None
    ) -> tuple[list[ScheduledMessage], str | None]:
        """The scheduled messages, newest first, of one lead and in one state when asked."""
        return self.repository.page(limit, cursor, lead_id, state)

    def change(self, message_id: str, request: UpdateScheduledMessageRequest) -> ScheduledMessage:
        """Change a waiting message's text (a text message's only) or time; its timer moves with it.

        Raises
        ------
        ConflictError
            409: it is sending or settled already, or changed meanwhile.
        InvalidInputError
            A new text for a template message; a new time in the past or over a year ahead.
        """
        before = self._waiting(message_id)
        now = self._clock()
        changes: dict[str, object] = {}
        if request.body is not None or request.subject is not None:
            if before.template_id is not None:
                raise InvalidInputError(
                    "a template message takes its text from its template: schedule a new one instead",
                    [{"field": "body", "message": "only a text message's body and subject change"}],
                )
            changes.update(request.model_dump(include={"body", "subject"}, exclude_none=True))
            self.messaging.check(_request(before.model_copy(update=changes)))
        if request.send_at is not None:
            changes["send_at"] = self._instant(request.send_at, now)
        after = self.repository.change(before, changes, now)
        if "send_at" in changes:
            # A timer is set once by name: the old one goes first (it would find the message not due).
            self._cancel_timer(message_id)
            self._set_timer(message_id, after.send_at)
        return after

    def cancel(self, message_id: str) -> ScheduledMessage:
        """Cancel a waiting message (409 once it is sending or settled); its timer goes too."""
        before = self._waiting(message_id)
        reason = render("scheduled.cancelled", tenant_settings(self.tenant_id).locale.value)
        after = self.repository.cancel(before, reason, self._clock())
        self._cancel_timer(message_id)
        return after

    # --- helpers ----------------------------------------------------------------------------------
    def _waiting(self, message_id: str) -> ScheduledMessage:
        message = self.repository.get(message_id)
        if message.state not in CHANGEABLE:
            raise ConflictError(
                f"the scheduled message is {message.state.value} already: it can no longer change",
                {"scheduled_message_id": message_id, "state": message.state.value},
            )
        return message

    def _instant(self, send_at: datetime, now: datetime) -> datetime:
        at = scheduled_instant(send_at, tenant_settings(self.tenant_id).timezone, now)
        if at is SendAtProblem.PAST:
            raise InvalidInputError(
                "send_at is in the past: pick a time to come",
                [{"field": "send_at", "message": "in the past"}],
            )
        if at is SendAtProblem.TOO_FAR:
            raise InvalidInputError(
                "send_at is more than a year ahead",
                [{"field": "send_at", "message": "at most a year ahead"}],
            )
        assert isinstance(at, datetime)
        return at

    def _set_timer(self, message_id: str, at: datetime) -> None:
        message = TenantJobMessage(
            job=Job.SEND_SCHEDULED, tenant_id=self.tenant_id, scheduled_at=at, item_id=message_id
        )
        try:
            self.timers.set(timer_name(self.tenant_id, TIMER_KIND, message_id), at, message)
        except (BotoCoreError, ClientError, RuntimeError):
            # Not lost: the message is on the due index, which the hourly sweep reads.
            logger.exception("the timer of a scheduled message could not be set", extra={"id": message_id})

    def _cancel_timer(self, message_id: str) -> None:
        try:
            self.timers.cancel(timer_name(self.tenant_id, TIMER_KIND, message_id))
        except (BotoCoreError, ClientError):
            # Harmless: a timer that fires finds the message cancelled, or not due, and does nothing.
            logger.exception("a scheduled message's timer could not be cancelled", extra={"id": message_id})


def _request(message: ScheduledMessage) -> SendMessageRequest:
    """The send a scheduled message stands for, on the channel chosen when it was scheduled."""
    return SendMessageRequest(
        lead_id=message.lead_id,
        channel=ChannelChoice(message.channel.value),
        template_id=message.template_id,
        variables=message.variables,
        body=message.body,
        subject=message.subject,
    )


@dataclass
class SweepReport(OutcomeTally):
    """What one sweep of the overdue scheduled messages did."""

    overdue: int = 0
    stopped_early: bool = False
    """The time budget ran out: the next hourly run takes the rest."""


class ScheduledSender:
    """The worker's side: send a tenant's scheduled messages when their time comes, once each."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        tenant: Tenant | None = None,
    ) -> None:
        self.tenant = tenant or tenant_settings(tenant_id)
        self.repository = ScheduledMessageRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.sending = ExactlyOnce(MessagingService(tenant_id, clock, sleep, timezone=self.tenant.timezone))
        self.clock = clock

    def send(self, message_id: str) -> Outcome | None:
        """Send the message if it is due and nobody else has it; ``None`` when there was nothing to do.

        A message a dead sender left ``sending`` is resumed: settled on the message its lead's
        timeline holds, else never sent twice (unless its provider deduplicates on the key).
        """
        now = self.clock()
        claim = Claim.new(now)
        claimed = self.repository.claim(message_id, claim.token, claim.lease_until, now, now + SOON)
        if claimed is None:
            return None
        lead, blocked = self._lead(claimed.message)
        job = ScheduledSend(self, claimed.message, claim.token, now, lead)
        if claimed.previous is ScheduledState.SENDING and lead is not None:
            # Its sender died mid-send: settled on what the lead's timeline holds, never sent twice.
            return self.sending.resume(job)
        if blocked is not None:
            return job.settle(SendResult(Outcome.FAILED, blocked))
        return self.sending.send(job)

    def sweep(self, budget: TimeBudget = UNLIMITED) -> SweepReport:
        """Send the messages overdue by more than a few minutes (their timer never came), oldest first."""
        report = SweepReport()
        for message_id in self.repository.overdue(overdue_bound(self.clock())):
            if report.overdue and budget.exhausted():
                report.stopped_early = True
                break
            report.overdue += 1
            report.count(self.send(message_id))
        return report

    def settle(self, send: ScheduledSend, result: SendResult) -> Outcome | None:
        """Write what the send came to on the message, conditional on the claim."""
        settlement = self._settlement(result, send.channel)
        done = self.repository.settle(send.scheduled.id, send.token, settlement, send.now)
        logger.info(
            "scheduled message settled" if done else "scheduled message lost to another sender",
            extra={"id": send.scheduled.id, "outcome": result.outcome, "code": result.code, "applied": done},
        )
        return result.outcome if done else None

    def _settlement(self, result: SendResult, channel: Channel) -> Settlement:
        """What the message becomes: sent, failed, or waiting again (put off), each with its reason."""
        locale, values = self.tenant.locale.value, {"channel": channel.value, **result.values}
        code = result.code
        if result.outcome is Outcome.DEFERRED:
            assert result.until is not None  # a deferral says until when, and why
            assert code is not None
            until = describe(result.until, self.tenant.timezone, locale)
            reason = outcome_reason("scheduled", code, locale, values, until)
            return Settlement(ScheduledState.SCHEDULED, code, reason, due_at=result.until)
        if result.left:
            activity_id = None if result.recorded is None else result.recorded.activity_id
            unconfirmed = None if code is None else outcome_reason("sent", code, locale, values)
            return Settlement(ScheduledState.SENT, code, unconfirmed, activity_id)
        failed = code or "provider_refused"
        return Settlement(ScheduledState.FAILED, failed, outcome_reason("failed", failed, locale, values))

    @property
    def window(self) -> Window:
        """The tenant's send window: a message a daily cap put off goes at its next opening."""
        return Window.of(self.tenant.send_window, self.tenant.timezone)

    def _lead(self, message: ScheduledMessage) -> tuple[Lead | None, str | None]:
        """The lead as it is now, or why nothing may go to it (deleted, blacklisted)."""
        try:
            lead = self.leads.get(message.lead_id)
        except NotFoundError:
            return None, "lead_deleted"
        if self.blacklist.matches(lead.email, lead.phone):
            return lead, "blacklisted"
        return lead, None


@dataclass
class ScheduledSend:
    """One scheduled message's send, as the exactly-once protocol runs it (a ``SendJob``)."""

    sender: ScheduledSender
    scheduled: ScheduledMessage
    token: str
    now: datetime
    lead: Lead | None = None

    @property
    def key(self) -> str:
        """The message's key (:func:`send_key`)."""
        return send_key(self.scheduled.id)

    @property
    def sent_by(self) -> str:
        """The rep who scheduled it: the message is theirs."""
        return self.scheduled.created_by

    @property
    def lead_id(self) -> str:
        """The lead written to."""
        return self.scheduled.lead_id

    @property
    def channel(self) -> Channel:
        """The channel chosen when it was scheduled."""
        return self.scheduled.channel

    @property
    def marker(self) -> dict[str, object]:
        """The scheduled message, on its activity."""
        return {"scheduled_message_id": self.scheduled.id}

    @property
    def window(self) -> Window:
        """The tenant's send window."""
        return self.sender.window

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.sender.tenant.timezone

    def message(self) -> Message:
        """The request the scheduled message stands for, to the lead just read."""
        return Message(_request(self.scheduled), {}, lead=self.lead)

    def note_sending(self) -> bool:
        """The claim noted it already (``sending``): nothing more to write."""
        return True

    def settle(self, result: SendResult) -> Outcome | None:
        """AP50: sent, failed or put off, conditional on the claim."""
        return self.sender.settle(self, result)


def run_scheduled(tenant_id: str, item_id: str | None, budget: TimeBudget, tenant: Tenant) -> dict[str, Any]:
    """A ``send_scheduled`` job: one message's timer (``item_id``), or the sweep of the overdue."""
    sender = ScheduledSender(tenant_id, tenant=tenant)
    if item_id is not None:
        outcome = sender.send(item_id)
        return {"scheduled_message_id": item_id, "outcome": None if outcome is None else outcome.value}
    report = sender.sweep(budget)
    return {
        "scheduled_overdue": report.overdue,
        "scheduled_outcomes": report.outcomes,
        "scheduled_lost_races": report.lost_races,
        "scheduled_stopped_early": report.stopped_early,
    }
