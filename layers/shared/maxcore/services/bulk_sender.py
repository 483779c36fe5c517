"""The worker's side of bulk sends: resolve the segment, send, plan the next runs.

The API accepted the send (:mod:`maxcore.services.bulk_sends`); the worker runs it
(:class:`BulkSender`), in parts and runs as long as it takes:

1. **resolve**: the segment's leads are read in 1 MB pages of the lead partition (a list segment's
   ids from its chunks), in id order; each page's matches are written as recipients in one
   transaction with the cursor and the counters, so a part that dies is taken over where the last
   write left it, and no recipient is written or counted twice;
2. **send**: the due recipients (queued, put off until now, or left ``sending`` by a dead worker)
   are claimed one by one, conditional on the send still running (a cancel stops what has not
   gone), and sent through the exactly-once protocol (:mod:`maxcore.services.exactly_once`) under
   the key (bulk send, lead), after the blacklist and the recipient's quiet hours; consent,
   address, caps and senders are the send path's own checks;
3. **plan**: :func:`~maxcore.rules.bulk.wake_ups` says when the next runs go: a continuation at once
   when the invocation ran out of time, else one-time timers at the window's next opening, the
   cap's reset, the end of the recipients' quiet hours.

A bulk send is marketing: an SMS body carries the STOP mention, an e-mail the unsubscribe link, and
SMS and WhatsApp keep the recipients' quiet days and hours. It charges no tokens: a user sends it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from itertools import islice
from zoneinfo import ZoneInfo

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.bulk_sends import RECIPIENTS_PER_WRITE, BulkSendRepository, Recipient, Settlement
from maxcore.dal.leads import LeadRepository
from maxcore.models.bulk import MAX_RECIPIENTS, BulkSend, BulkSendState, RecipientStatus
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome, PreviewItem, PreviewKind, StepChannel
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.bulk import counter_changes, in_segment, next_batch, recipients_left, wake_ups
from maxcore.rules.marketing import (
    QUIET_CHANNELS,
    QuietTime,
    allowed_hours,
    quiet_time,
    recipient,
    with_opt_out,
)
from maxcore.rules.send_window import Window, describe, is_open
from maxcore.rules.unsubscribe import marketing_email
from maxcore.services.bulk_sends import run_message
from maxcore.services.exactly_once import LEASE, Claim, ExactlyOnce, Message, OutcomeTally, SendResult
from maxcore.services.messaging import MessagingService
from maxcore.services.tenants import tenant_settings
from maxcore.services.timers import Timers, timer_name
from maxcore.texts import CATALOGUE, counted, render, with_channel_label

DUE_PAGE = 50
"""Due recipients whose leads are read together (one BatchGetItem)."""
SCAN_FLUSH = 1000
"""Leads read past without a match before the cursor is written anyway (sparse segments)."""
HELD_MARGIN = timedelta(minutes=1)
"""After another worker's lease ends, the run that takes over what it held left behind."""
CAPS = frozenset({"daily_cap", "daily_sender_limit"})
"""Deferrals that hold for every recipient: the run stops there."""


@dataclass
class BulkRunReport(OutcomeTally):
    """What one run of a bulk send did."""

    state: str = ""
    recipients_added: int = 0
    stopped: bool = False
    """The invocation ran out of time: a continuation takes over at once."""
    window_closed: bool = False
    capped_until: datetime | None = None
    capped_by: str | None = None
    """The cap that stopped the run (``daily_cap``, ``daily_sender_limit``)."""
    deferred_until: list[datetime] = field(default_factory=list)
    timers: list[datetime] = field(default_factory=list)


class BulkSender:
    """Runs the bulk sends of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        tenant: Tenant | None = None,
        timers: Timers | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant = tenant or tenant_settings(tenant_id)
        self.repository = BulkSendRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.sending = ExactlyOnce(MessagingService(tenant_id, clock, sleep, timezone=self.tenant.timezone))
        self.timers = timers or Timers(clock)
        self._clock = clock

    @cached_property
    def window(self) -> Window:
        """The tenant's send window: bulk sends go only inside it."""
        return Window.of(self.tenant.send_window, self.tenant.timezone)

    def run(self, bulk_id: str, budget: TimeBudget = UNLIMITED) -> BulkRunReport:
        """Resolve what is left of the segment, send to the due recipients, and plan the next runs."""
        report = BulkRunReport()
        bulk, cursor = self.repository.get(bulk_id)
        report.state = bulk.state.value
        if bulk.state in (BulkSendState.DONE, BulkSendState.CANCELLED):
            return report  # a late timer or a repeated message: nothing left to do
        if bulk.state is BulkSendState.QUEUED:
            self.repository.change_state(
                bulk_id, BulkSendState.RUNNING, [BulkSendState.QUEUED], self._clock()
            )
        if not bulk.resolved:
            self._resolve(bulk, cursor, budget, report)
            if report.stopped:
                return report  # the continuation resolves the rest before anything is sent
        # A run that lost the resolution to another worker sends what is written down already.
        if is_open(self.window, self._clock()):
            self._send_due(bulk, budget, report)
        else:
            report.window_closed = True
        if report.state != BulkSendState.CANCELLED.value:
            self._plan(bulk, report)
        return report

    # --- 1. resolve ---------------------------------------------------------------------------
    def _candidates(self, bulk: BulkSend, cursor: str | None) -> Iterator[tuple[str, bool]]:
        """Every lead id past ``cursor`` in order, and whether it is a recipient."""
        if bulk.segment.listed is not None:
            for lead_id in self.repository.listed_lead_ids(bulk.id):
                if cursor is None or lead_id > cursor:
                    yield lead_id, True
            return
        for lead in self.leads.segment_facts(cursor):
            yield lead.lead_id, in_segment(bulk.segment, lead)

    def _resolve(self, bulk: BulkSend, cursor: str | None, budget: TimeBudget, report: BulkRunReport) -> None:
        """Write the segment's recipients down, until the end, the budget (``report.stopped``), or a
        write lost to another worker resolving it (or to a cancel)."""
        room = MAX_RECIPIENTS - bulk.progress.recipients
        batch: list[str] = []
        past, last, scanned = cursor, cursor, 0
        for lead_id, matched in self._candidates(bulk, cursor):
            if matched and room == len(batch):
                # The segment grew past the limit since it was accepted: the first ones are kept.
                logger.warning("bulk send segment grew past the limit", extra={"bulk_send_id": bulk.id})
                break
            last, scanned = lead_id, scanned + 1
            if matched:
                batch.append(lead_id)
            if len(batch) == RECIPIENTS_PER_WRITE or scanned == SCAN_FLUSH:
                if not self.repository.add_recipients(bulk.id, batch, lead_id, past, self._clock()):
                    return  # another worker resolves it, or it was cancelled
                report.recipients_added += len(batch)
                room -= len(batch)
                past, batch, scanned = lead_id, [], 0
                if budget.exhausted():
                    report.stopped = True
                    return
        if last != past:
            assert last is not None
            if not self.repository.add_recipients(bulk.id, batch, last, past, self._clock()):
                return
            report.recipients_added += len(batch)
            past = last
        self.repository.mark_resolved(bulk.id, past, self._clock())

    # --- 2. send ------------------------------------------------------------------------------
    def _send_due(self, bulk: BulkSend, budget: TimeBudget, report: BulkRunReport) -> None:
        due = self.repository.due(bulk.id, self._clock())
        while page := list(islice(due, DUE_PAGE)):
            leads = self.leads.get_many([r.lead_id for r in page], consistent=True)
            for stored in page:
                if budget.exhausted():
                    report.stopped = True
                    return
                outcome = self._send_one(bulk, stored, leads.get(stored.lead_id), report)
                report.count(outcome)
                if outcome is None and self._cancelled(bulk.id):
                    report.state = BulkSendState.CANCELLED.value
                    return
                if report.capped_until is not None:
                    return  # the cap holds for every recipient until it resets

    def _cancelled(self, bulk_id: str) -> bool:
        """Whether a claim was lost to a cancel (rather than to another worker)."""
        return self.repository.get(bulk_id)[0].state is BulkSendState.CANCELLED

    def _send_one(
        self, bulk: BulkSend, stored: Recipient, lead: Lead | None, report: BulkRunReport
    ) -> Outcome | None:
        now = self._clock()
        claim = Claim.new(now)
        if not self.repository.claim(bulk.id, stored, claim.token, claim.lease_until, now):
            return None  # another worker has it, or the send was cancelled
        job = RecipientSend(self, bulk, stored, lead, claim.token, now, report)
        if stored.state == "sending":
            # Its worker died mid-send: settled on the lead's timeline, never sent twice.
            return self.sending.resume(job, may_send_again=lead is not None)
        if lead is None:
            return job.settle(SendResult(Outcome.SKIPPED, "lead_not_found"))
        if self.blacklist.matches(lead.email, lead.phone):
            return job.settle(SendResult(Outcome.SKIPPED, "blacklisted"))
        quiet = self._quiet(bulk.channel, lead, now)
        if quiet is not None:
            return job.settle(SendResult(Outcome.DEFERRED, quiet.code, quiet.values, until=quiet.until))
        return self.sending.send(job)

    def _quiet(self, channel: Channel, lead: Lead, now: datetime) -> QuietTime | None:
        """The recipient's quiet day or hours, for a text message (a bulk send is marketing)."""
        if channel not in QUIET_CHANNELS:
            return None
        tenant = self.tenant
        who = recipient(lead.phone, lead.timezone, tenant.timezone, tenant.default_country)
        return quiet_time(who, now, allowed_hours(tenant.marketing_hours))

    def settle(self, job: RecipientSend, result: SendResult) -> Outcome | None:
        """Write down what a recipient's send came to, with the counters, conditional on the claim."""
        settlement = self._settlement(job, result)
        done = self.repository.settle(job.bulk.id, job.lead_id, job.token, settlement, job.now)
        if done and settlement.not_before is not None:
            job.report.deferred_until.append(settlement.not_before)
            if result.code in CAPS:
                job.report.capped_until, job.report.capped_by = settlement.not_before, result.code
        logger.info(
            "bulk recipient settled" if done else "bulk recipient lost to another worker",
            extra={
                "bulk_send_id": job.bulk.id,
                "lead_id": job.lead_id,
                "state": settlement.state,
                "code": settlement.code,
            },
        )
        return result.outcome if done else None

    def _settlement(self, job: RecipientSend, result: SendResult) -> Settlement:
        locale = self.tenant.locale.value
        put_off = job.stored.put_off
        if result.outcome is Outcome.DEFERRED:
            assert result.until is not None  # a deferral says until when
            until = describe(result.until, self.tenant.timezone, locale)
            reason = render("bulk.put_off", locale, until=until, detail=self._detail(job, result))
            changes = counter_changes(put_off, RecipientStatus.PENDING)
            return Settlement("deferred", changes, result.code, reason, not_before=result.until)
        if result.left:
            activity_id = None if result.recorded is None else result.recorded.activity_id
            unconfirmed = None if result.code is None else render("bulk.unconfirmed", locale)
            return Settlement(
                "sent", counter_changes(put_off, RecipientStatus.SENT), result.code, unconfirmed, activity_id
            )
        reason = render("bulk.refused", locale, detail=self._detail(job, result))
        return Settlement("refused", counter_changes(put_off, RecipientStatus.REFUSED), result.code, reason)

    def _detail(self, job: RecipientSend, result: SendResult) -> str:
        """Why, in the tenant's words (a provider's refusal when no code says more)."""
        code = result.code or "provider_refused"
        return detail_text(code, job.channel, self.tenant.locale.value, result.values)

    # --- the schedule preview -----------------------------------------------------------------
    def preview(self, start: datetime, end: datetime, now: datetime) -> list[PreviewItem]:
        """The bulk sends' next batches that go between ``start`` and ``end``, writing nothing.

        One item per send that has recipients left (AP64), counted rather than listed: at its next
        batch when that falls in the period; when the period holds ``now`` and a cap, the closed
        window or the recipients' hours hold the batch past it, at ``now``, deferred, saying why.
        Only the next batch is foreseen: what a cap leaves for the days after is not.
        """
        items = []
        for bulk in self.repository.active():
            left, batch = recipients_left(bulk), next_batch(bulk, self.window, now)
            goes = start <= batch.at < end
            if left and (goes or (batch.held_by is not None and start <= now < end)):
                items.append(
                    self._preview_item(bulk, left, batch.at if goes else now, batch.at, batch.held_by)
                )
        return items

    def _preview_item(
        self, bulk: BulkSend, left: int, at: datetime, batch_at: datetime, held_by: str | None
    ) -> PreviewItem:
        locale, timezone = self.tenant.locale.value, self.tenant.timezone
        when = describe(batch_at, timezone, locale)
        if held_by is None:
            reason = counted("bulk.preview.batch", left, locale, at=when)
        else:
            detail = detail_text(held_by, bulk.channel, locale)
            reason = counted("bulk.preview.held", left, locale, until=when, detail=detail)
        return PreviewItem(
            kind=PreviewKind.BULK_SEND,
            bulk_send_id=bulk.id,
            recipients=left,
            at=at,
            local_time=at.astimezone(ZoneInfo(timezone)).isoformat(),
            channel=StepChannel(bulk.channel.value),
            outcome=Outcome.SENT if at == batch_at else Outcome.DEFERRED,
            code=held_by or "bulk_batch",
            reason=reason,
            until=batch_at,
        )

    # --- 3. plan ------------------------------------------------------------------------------
    def _plan(self, bulk: BulkSend, report: BulkRunReport) -> None:
        """Finish the send when nobody is left, else set the timers of its next runs."""
        now = self._clock()
        if not report.stopped and self.repository.finish(bulk.id, now):
            report.state = BulkSendState.DONE.value
            logger.info("bulk send done", extra={"bulk_send_id": bulk.id})
            return
        wakes = wake_ups(
            now,
            self.window,
            more_due=report.stopped or report.window_closed,
            capped_until=report.capped_until,
            deferred_until=report.deferred_until,
            # A claim lost to another worker: if that worker dies, its lease ends before anyone retries.
            held_until=now + LEASE + HELD_MARGIN if report.lost_races and not report.stopped else None,
        )
        later = [at for at in wakes if at > now]
        for at in later:
            self.timers.set(
                timer_name(self.tenant_id, "bulk", bulk.id, at.isoformat()),
                at,
                run_message(self.tenant_id, bulk.id, at),
            )
        report.timers = later
        self.repository.plan(bulk.id, later[0] if later else None, now, _held_by(report) if later else None)


def _held_by(report: BulkRunReport) -> str:
    """What holds a send whose next run is later: a cap, the closed window, or recipients put off."""
    if report.capped_by is not None:
        return report.capped_by
    return "outside_window" if report.window_closed else "put_off"


def detail_text(
    code: str, channel: Channel, locale: str, values: Mapping[str, str | int] | None = None
) -> str:
    """Why a recipient or a batch did not go (yet), in the tenant's words: a bulk send's own text,
    else the send paths' shared one."""
    labelled = with_channel_label({"channel": channel.value, **(values or {})}, locale)
    for key in (f"bulk.detail.{code}", f"automation.detail.{code}"):
        if key in CATALOGUE:
            return render(key, locale, **labelled)
    return render("automation.detail.provider_refused", locale, **labelled)


@dataclass
class RecipientSend:
    """One recipient's send, as the exactly-once protocol runs it (a ``SendJob``)."""

    sender: BulkSender
    bulk: BulkSend
    stored: Recipient
    lead: Lead | None
    token: str
    now: datetime
    report: BulkRunReport

    @property
    def key(self) -> str:
        """One send per bulk send and lead."""
        return f"bulk:{self.bulk.id}:{self.stored.lead_id}"

    @property
    def sent_by(self) -> str:
        """The bulk send, as the activity records the sender."""
        return f"max:bulk:{self.bulk.id}"

    @property
    def lead_id(self) -> str:
        """The recipient."""
        return self.stored.lead_id

    @property
    def channel(self) -> Channel:
        """The bulk send's channel."""
        return self.bulk.channel

    @property
    def marker(self) -> dict[str, object]:
        """The bulk send, on the message's activity."""
        return {"bulk_send_id": self.bulk.id}

    @property
    def window(self) -> Window:
        """The tenant's send window."""
        return self.sender.window

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.sender.tenant.timezone

    def message(self) -> Message:
        """The template or the body; an SMS body with its STOP mention, an e-mail with its footer."""
        bulk, tenant = self.bulk, self.sender.tenant
        body: str | None = bulk.body
        if body is not None and bulk.channel is Channel.SMS:
            opt_out = self.sender.sending.messaging.facts.settings()[Channel.SMS].opt_out_number
            body = with_opt_out(body, tenant.locale.value, opt_out)
        request = SendMessageRequest(
            lead_id=self.lead_id,
            channel=ChannelChoice(bulk.channel.value),
            template_id=bulk.template_id,
            body=body,
            subject=bulk.subject,
        )
        return Message(request, {}, lead=self.lead, marketing=marketing_email(tenant))

    def note_sending(self) -> bool:
        """AP54: the recipient is ``sending``, conditional on the claim."""
        return self.sender.repository.mark_sending(self.bulk.id, self.lead_id, self.token, self.now)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP54: sent, refused or put off, conditional on the claim."""
        return self.sender.settle(self, result)
