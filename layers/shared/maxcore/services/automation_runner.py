"""The scheduler's side of automations: act on the leads whose trigger holds, once per occurrence.

Every hour, inside the tenant's send window, the tenant's active automations are evaluated over its
leads' summaries (one sweep of the lead partition, 1 MB pages, as the alerts do; in parts when it
outgrows an invocation, see :meth:`AutomationRunner.run`). A trigger that holds names its
occurrence (``silence`` since our message of Monday 10:02...): the occurrence is claimed with a
conditional write before anything is done, so two workers, or two runs, act on it once. What is
done follows the tenant's mode: advise suggests, assisted drafts for a user to approve, auto sends
through the template with the occurrence's key as the provider's idempotency key, as an
:class:`OccurrenceSend` of :mod:`maxcore.services.exactly_once`: the send is noted on the occurrence
before the provider call, so a worker that dies mid-send is never followed by a second send (unless
the provider deduplicates on that key). Every occurrence keeps its decision and the reason, in the
tenant's language.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.automations import AutomationRepository
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import (
    MaxError,
    UnsafeHtmlError,
)
from maxcore.ids import new_id
from maxcore.models.automation import Automation
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import (
    Approval,
    ApprovalKind,
    ApprovalOrigin,
    Campaign,
    Decision,
    MessageSource,
    Outcome,
    PreviewItem,
    PreviewKind,
    StepChannel,
)
from maxcore.models.template import RenderRequest, Template, TemplateStatus
from maxcore.models.tenant import Mode, Tenant
from maxcore.observability import logger, metrics
from maxcore.rules.automation_triggers import Fire, evaluate, left_open_text, reason_text
from maxcore.rules.marketing import (
    QUIET_CHANNELS,
    QuietTime,
    allowed_hours,
    is_marketing,
    quiet_time,
    recipient,
)
from maxcore.rules.send_window import (
    Window,
    describe,
    is_open,
    next_hourly_run,
)
from maxcore.rules.unsubscribe import marketing_email
from maxcore.services.channels import Reachability
from maxcore.services.exactly_once import (
    Claim,
    ExactlyOnce,
    Message,
    OutcomeTally,
    SendResult,
    of_record,
)
from maxcore.services.followup_charge import FollowUpCharge
from maxcore.services.messaging import MessagingService
from maxcore.services.prospects import RunningSequences
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import tenant_settings

BATCH = 100
"""Occurrences looked up together before claiming the ones still to do: whole leads', this many at least."""

_DETAIL_CODES = frozenset(
    {
        "opted_out",
        "no_address",
        "address_suppressed",
        "whatsapp_window_closed",
        "whatsapp_template_pending",
        "whatsapp_template_rejected",
        "channel_disabled",
        "no_channel",
        "sender_missing",
        "provider_refused",
        "template_not_active",
        "template_incomplete",
        "template_unsafe",
    }
)
"""Refusal codes with a text of their own; any other reads as ``provider_refused``."""


def run_key(automation_id: str, lead_id: str, episode: str) -> str:
    """The idempotency key of one occurrence (the provider gets it too)."""
    return f"auto:{automation_id}:{lead_id}:{episode}"


@dataclass(frozen=True)
class Armed:
    """An active automation with the active template it sends."""

    automation: Automation
    template: Template

    @property
    def channel(self) -> Channel:
        """The channel the automation writes on: its template's."""
        return self.template.channel


@dataclass(frozen=True)
class Occurrence:
    """A trigger that holds for a lead now."""

    armed: Armed
    lead: Lead
    fire: Fire

    @property
    def key(self) -> tuple[str, str, str]:
        """(automation, lead, episode): what is claimed once."""
        return self.armed.automation.id, self.lead.id, self.fire.episode


@dataclass
class AutomationReport(OutcomeTally):
    """What one run over a tenant's leads did."""

    automations: int = 0
    """Active automations with a usable template."""
    unusable: list[str] = field(default_factory=list)
    """Active automations left out: their template is gone, archived or no longer active."""
    outside_window: bool = False
    leads: int = 0
    fired: int = 0
    """Occurrences whose trigger held, acted on before or not."""
    already_handled: int = 0
    left_for_next_run: int = 0
    """Occurrences on a lead another automation just wrote to: looked at again next run."""
    left_open: int = 0
    """Occurrences a dead worker or a deferral left open, closed because their trigger stopped holding."""
    stopped_after: str | None = None
    """The last lead taken when the budget ran out: the next part resumes after it."""


@dataclass(frozen=True)
class LeadRange:
    """The lead ids after ``after`` up to and including ``last`` (open ends when ``None``)."""

    after: str | None = None
    last: str | None = None

    def __contains__(self, lead_id: str) -> bool:
        return (self.after is None or lead_id > self.after) and (self.last is None or lead_id <= self.last)


class AutomationRunner:
    """Runs the active automations of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        tenant: Tenant | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant = tenant or tenant_settings(tenant_id)
        self.repository = AutomationRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.templates = TemplateService(tenant_id)
        self.reach = Reachability(tenant_id)
        self.sending = ExactlyOnce(
            MessagingService(
                tenant_id, clock, sleep, timezone=self.tenant.timezone, locale=self.tenant.locale.value
            ),
            FollowUpCharge(tenant_id, self.tenant.mode, clock),
        )
        self.sequences = RunningSequences(tenant_id)
        self._clock = clock

    # --- the run ------------------------------------------------------------------------------
    def run(self, budget: TimeBudget = UNLIMITED, after: str | None = None) -> AutomationReport:
        """Act on every occurrence due now (nothing outside the tenant's send window).

        The hourly run may go in parts: the leads after the lead id ``after`` are taken in partition
        order, each to the end (every occurrence it fired claimed and settled); before the next one,
        ``budget`` is checked, and when it is exhausted the run stops and says after which lead the
        next part resumes (``stopped_after``). A part takes one lead at least.
        """
        report = AutomationReport()
        active = [a for a in self.repository.list_all() if a.enabled]
        if not active:
            return report
        now = self._clock()
        if not is_open(self.window, now):
            # Triggers are states, not events: the first run inside the window finds them again.
            report.outside_window = True
            return report
        armed = self.armed(active, report)
        if not armed:
            # No lead to walk: one part closes every occurrence left open.
            self._close_left_open(active, armed, set(), now, report, LeadRange())
            return report
        seen = self._act_on_leads(armed, now, budget, after, report)
        self._close_left_open(active, armed, seen, now, report, LeadRange(after, report.stopped_after))
        logger.info(
            "automations run over leads",
            extra={
                "leads": report.leads,
                "fired": report.fired,
                "left_open": report.left_open,
                "stopped_after": report.stopped_after,
            },
        )
        return report

    def _act_on_leads(
        self,
        armed: list[Armed],
        now: datetime,
        budget: TimeBudget,
        after: str | None,
        report: AutomationReport,
    ) -> set[tuple[str, str, str]]:
        """Act on the occurrences of the leads after ``after`` until the budget runs out; the keys seen."""
        seen: set[tuple[str, str, str]] = set()
        pending: list[Occurrence] = []
        done: str | None = None
        for lead in self.leads.iter_all(after):
            # Checked once another lead is in hand: a part never ends on an empty continuation.
            if done is not None and budget.exhausted():
                report.stopped_after = done
                break
            report.leads += 1
            pending += self._occurrences(armed, lead, now, report)
            done = lead.id
            if len(pending) >= BATCH:
                self._act_on_batch(pending, now, report)
                seen.update(o.key for o in pending)
                pending = []
        self._act_on_batch(pending, now, report)
        seen.update(o.key for o in pending)
        return seen

    def _act_on_batch(self, batch: list[Occurrence], now: datetime, report: AutomationReport) -> None:
        """Act on a batch of whole leads' occurrences, those not busy, one message per lead."""
        if not batch:
            return
        written_to: set[str] = set()
        busy = self.repository.busy([o.key for o in batch], now)
        for occurrence in batch:
            if occurrence.key in busy:
                report.already_handled += 1
                continue
            if occurrence.lead.id in written_to:
                # One automated message per lead and run: the next run evaluates the other
                # automations on the lead's summary as that message left it.
                report.left_for_next_run += 1
                continue
            outcome = self.act(occurrence, now)
            if outcome is Outcome.SENT:
                written_to.add(occurrence.lead.id)
            report.count(outcome)

    def _close_left_open(
        self,
        active: list[Automation],
        armed: list[Armed],
        seen: set[tuple[str, str, str]],
        now: datetime,
        report: AutomationReport,
        leads: LeadRange,
    ) -> None:
        """Close the occurrences left open (a dead worker, a deferral) whose trigger no longer holds.

        The sweep acts on those it found again; the others would stay ``sending`` or ``deferred``
        for ever, typically after a worker died having sent the message that ended the silence.

        A run in parts: each part closes the open occurrences of the leads in its own range (after
        the lead it started after, up to and including the last lead it took; the last part, to the
        partition's end, which also covers leads deleted since) that it did not see fire. The
        parts' ranges cut the lead ids without gap or overlap, and what a part saw is everything
        that fired in its range, so the parts close exactly what one uninterrupted run closes.
        """
        names = {a.id: a.name for a in active}
        channels = {a.automation.id: a.channel for a in armed}
        for left in self.repository.open_runs(now):
            if left.key in seen or left.lead_id not in leads:
                continue
            claim = Claim.new(now)
            previous = self.repository.claim_run(*left.key, claim.token, claim.lease_until, now)
            if previous is None:
                continue
            report.left_open += 1
            recorded = None
            if previous == "sending":
                recorded = self.sending.recorded(left.lead_id, _marker(left.automation_id, left.episode))
            activity_id = None if recorded is None else recorded.id
            if recorded is not None:
                outcome = of_record(recorded).outcome
            else:
                outcome = Outcome.UNCONFIRMED if previous == "sending" else Outcome.SKIPPED
            channel = channels.get(left.automation_id)
            decision = Decision(
                outcome=outcome,
                code="left_open",
                reason=left_open_text(
                    names.get(left.automation_id, left.automation_id), outcome, self.tenant.locale.value
                ),
                channel=None if channel is None else StepChannel(channel.value),
                activity_id=activity_id,
                at=now,
            )
            done = self.repository.finish_run(*left.key, claim.token, decision, now)
            logger.info(
                "automation occurrence left open closed",
                extra={
                    "automation_id": left.automation_id,
                    "lead_id": left.lead_id,
                    "episode": left.episode,
                    "state": previous,
                    "outcome": outcome.value,
                    "applied": done,
                },
            )
            report.count(outcome if done else None)

    def armed(self, active: Iterable[Automation], report: AutomationReport | None = None) -> list[Armed]:
        """The automations of ``active`` whose template can be sent (active, still there)."""
        armed = []
        for automation in active:
            template = self._template(automation.template_id)
            if template is None:
                logger.warning(
                    "automation left out: its template is not active",
                    extra={"automation_id": automation.id, "template_id": automation.template_id},
                )
                if report is not None:
                    report.unusable.append(automation.id)
                continue
            armed.append(Armed(automation, template))
        if report is not None:
            report.automations = len(armed)
        return armed

    def _occurrences(
        self, armed: list[Armed], lead: Lead, now: datetime, report: AutomationReport
    ) -> list[Occurrence]:
        fired = []
        for a in armed:
            verdict = evaluate(a.automation, lead, a.channel, now)
            if isinstance(verdict, Fire):
                report.fired += 1
                fired.append(Occurrence(a, lead, verdict))
        return fired

    def act(self, occurrence: Occurrence, now: datetime) -> Outcome | None:
        """Claim the occurrence, then suggest, draft or send by the tenant's mode."""
        automation_id, lead_id, episode = occurrence.key
        claim = Claim.new(now)
        previous = self.repository.claim_run(
            automation_id, lead_id, episode, claim.token, claim.lease_until, now
        )
        if previous is None:
            return None
        send = OccurrenceSend(self, occurrence, claim.token, now)
        if previous == "sending":
            # A worker died after starting this send; only the automatic mode may send it again.
            return self.sending.resume(send, may_send_again=self.tenant.mode is Mode.AUTO)
        blocked = self._blocked(occurrence, now)
        if blocked is not None:
            return self._finish(occurrence, claim.token, now, Outcome.SKIPPED, blocked)
        campaign = self._sequence_of(occurrence)
        if campaign is not None:
            # Not done: the next hourly run looks again, and acts once the sequence has ended
            # (or closes the occurrence if its trigger stopped holding meanwhile).
            return self._defer(
                occurrence, claim.token, now, "in_sequence", next_hourly_run(now), {"campaign": campaign.name}
            )
        if self.tenant.mode is Mode.AUTO:
            quiet = self._quiet(occurrence, now)
            if quiet is not None:
                return self._defer(occurrence, claim.token, now, quiet.code, quiet.until, quiet.values)
            return self.sending.send(send)
        return self._propose(occurrence, claim.token, now)

    def preview(self, start: datetime, end: datetime, now: datetime) -> list[PreviewItem]:
        """What the hourly runs between ``start`` and ``end`` would do, writing nothing.

        Each lead is evaluated at each hourly run of the period inside the tenant's window, from the
        next run on; the first run its trigger holds at is where it shows, with what the mode, the
        blacklist and the channel would make of it. Occurrences already acted on are left out. The
        facts are today's (a reply before then changes the answer); daily caps are not counted.
        """
        active = [a for a in self.repository.list_all() if a.enabled]
        runs = _hourly_runs(self.window, max(start, now), end) if active else []
        armed = self.armed(active) if runs else []
        if not armed:
            return []
        found: list[tuple[Occurrence, datetime]] = []
        for lead in self.leads.iter_all():
            for a in armed:
                for at in runs:
                    verdict = evaluate(a.automation, lead, a.channel, at)
                    if isinstance(verdict, Fire):
                        found.append((Occurrence(a, lead, verdict), at))
                    if verdict is not None:
                        break
        items = []
        for start_index in range(0, len(found), BATCH):
            batch = found[start_index : start_index + BATCH]
            busy = self.repository.busy([o.key for o, _ in batch], now)
            items += [self._preview_item(o, at) for o, at in batch if o.key not in busy]
        return sorted(items, key=lambda item: item.at)

    def _preview_item(self, occurrence: Occurrence, at: datetime) -> PreviewItem:
        blocked = self._blocked(occurrence, at)
        values: dict[str, str | int] = {}
        if blocked is None and (campaign := self._sequence_of(occurrence)) is not None:
            blocked, values = "in_sequence", {"campaign": campaign.name}
        outcome = Outcome.SKIPPED if blocked is not None else _BY_MODE[self.tenant.mode]
        decision = self._decision(occurrence, at, outcome, detail_code=blocked, values=values)
        return PreviewItem(
            kind=PreviewKind.AUTOMATION,
            automation_id=occurrence.armed.automation.id,
            lead_id=occurrence.lead.id,
            at=at,
            local_time=at.astimezone(ZoneInfo(self.tenant.timezone)).isoformat(),
            channel=decision.channel,
            source=decision.source,
            outcome=decision.outcome,
            code=decision.code,
            reason=decision.reason,
        )

    def _blocked(self, occurrence: Occurrence, now: datetime) -> str | None:
        """Why nothing may go to the lead (blacklisted, the channel refuses), or ``None``."""
        armed, lead = occurrence.armed, occurrence.lead
        if self.blacklist.matches(lead.email, lead.phone):
            return "blacklisted"
        refusal = self.reach.refusal(lead, armed.channel, now, armed.template.whatsapp)
        return None if refusal is None else _detail(refusal.code)

    def _sequence_of(self, occurrence: Occurrence) -> Campaign | None:
        """The campaign whose sequence runs for the lead, when the automation leaves such leads alone."""
        if not occurrence.armed.automation.skip_leads_in_sequence:
            return None
        return self.sequences.of(occurrence.lead.id)

    def _quiet(self, occurrence: Occurrence, now: datetime) -> QuietTime | None:
        """The recipient's quiet time, if a marketing SMS or WhatsApp would reach it now."""
        armed, lead = occurrence.armed, occurrence.lead
        if armed.channel not in QUIET_CHANNELS or not is_marketing(armed.template.category):
            return None
        tenant = self.tenant
        who = recipient(lead.phone, lead.timezone, tenant.timezone, tenant.default_country)
        return quiet_time(who, now, allowed_hours(tenant.marketing_hours))

    # --- advise and assisted: something for the user --------------------------------------------
    def _propose(self, occurrence: Occurrence, token: str, now: datetime) -> Outcome | None:
        armed, lead = occurrence.armed, occurrence.lead
        try:
            rendered = self.templates.render(armed.template.id, RenderRequest(lead_id=lead.id))
        except UnsafeHtmlError:
            return self._finish(occurrence, token, now, Outcome.SKIPPED, "template_unsafe")
        drafting = self.tenant.mode is Mode.ASSISTED
        if drafting and rendered.missing:
            return self._finish(
                occurrence,
                token,
                now,
                Outcome.SKIPPED,
                "template_incomplete",
                {"missing": ", ".join(rendered.missing)},
            )
        outcome = Outcome.DRAFTED if drafting else Outcome.RECOMMENDED
        decision = self._decision(occurrence, now, outcome, approval_id=new_id())
        assert decision.approval_id is not None
        approval = Approval(
            id=decision.approval_id,
            kind=ApprovalKind.DRAFT if drafting else ApprovalKind.RECOMMENDATION,
            lead_id=lead.id,
            channel=StepChannel(armed.channel.value),
            subject=rendered.subject,
            body=rendered.body,
            source=MessageSource.TEMPLATE,
            reason=decision.reason,
            origin=ApprovalOrigin(automation_id=armed.automation.id, run_key=run_key(*occurrence.key)),
            created_at=now,
        )
        done = self.repository.finish_run(*occurrence.key, token, decision, now, approval=approval)
        return self._logged(occurrence, decision, done)

    # --- auto: what a send came to -------------------------------------------------------------
    def settle_send(self, send: OccurrenceSend, result: SendResult) -> Outcome | None:
        """Write down what an occurrence's send came to, conditional on the claim."""
        occurrence, token, now = send.occurrence, send.token, send.now
        if result.outcome is Outcome.DEFERRED:
            assert result.until is not None  # a deferral says until when
            return self._defer(occurrence, token, now, str(result.code), result.until, result.values)
        if result.left:
            # An unanswered message is done, never sent again: its status callback settles it.
            recorded = result.recorded
            activity_id = None if recorded is None else recorded.activity_id
            decision = self._decision(occurrence, now, result.outcome, activity_id=activity_id)
            done = self.repository.finish_run(*occurrence.key, token, decision, now)
            return self._logged(occurrence, decision, done)
        return self._finish(occurrence, token, now, result.outcome, _detail(str(result.code)), result.values)

    # --- settling -----------------------------------------------------------------------------
    def _finish(
        self,
        occurrence: Occurrence,
        token: str,
        now: datetime,
        outcome: Outcome,
        detail_code: str | None,
        values: Mapping[str, str | int] | None = None,
    ) -> Outcome | None:
        decision = self._decision(occurrence, now, outcome, detail_code=detail_code, values=values)
        done = self.repository.finish_run(*occurrence.key, token, decision, now)
        return self._logged(occurrence, decision, done)

    def _defer(
        self,
        occurrence: Occurrence,
        token: str,
        now: datetime,
        detail_code: str,
        until: datetime,
        values: Mapping[str, str | int] | None = None,
    ) -> Outcome | None:
        decision = self._decision(
            occurrence, now, Outcome.DEFERRED, detail_code=detail_code, values=values, until=until
        )
        done = self.repository.defer_run(*occurrence.key, token, decision, until, now)
        return self._logged(occurrence, decision, done)

    def _decision(
        self,
        occurrence: Occurrence,
        now: datetime,
        outcome: Outcome,
        *,
        detail_code: str | None = None,
        values: Mapping[str, str | int] | None = None,
        until: datetime | None = None,
        activity_id: str | None = None,
        approval_id: str | None = None,
    ) -> Decision:
        armed = occurrence.armed
        locale = self.tenant.locale.value
        reason = reason_text(
            armed.automation.name,
            occurrence.fire,
            outcome,
            locale,
            detail_code=detail_code,
            values={"channel": armed.channel.value, **(values or {})},
            until=None if until is None else describe(until, self.tenant.timezone, locale),
        )
        sends = outcome in (Outcome.SENT, Outcome.DRAFTED, Outcome.RECOMMENDED)
        return Decision(
            outcome=outcome,
            code=detail_code or occurrence.fire.code,
            reason=reason,
            channel=StepChannel(armed.channel.value),
            source=MessageSource.TEMPLATE if sends else None,
            until=until,
            activity_id=activity_id,
            approval_id=approval_id,
            at=now,
        )

    def _logged(self, occurrence: Occurrence, decision: Decision, done: bool) -> Outcome | None:
        # One structured line per decision, like the prospection steps.
        logger.info(
            "automation decision" if done else "automation decision lost to another worker",
            extra={
                "automation_id": occurrence.armed.automation.id,
                "lead_id": occurrence.lead.id,
                "episode": occurrence.fire.episode,
                "outcome": decision.outcome.value,
                "code": decision.code,
                "until": None if decision.until is None else decision.until.isoformat(),
                "applied": done,
            },
        )
        if done:
            metrics.add_metric(name="AutomationDecisionTaken", unit=MetricUnit.Count, value=1)
        return decision.outcome if done else None

    # --- helpers ------------------------------------------------------------------------------
    @property
    def window(self) -> Window:
        """The tenant's send window: automations write only inside it."""
        return Window.of(self.tenant.send_window, self.tenant.timezone)

    def _template(self, template_id: str) -> Template | None:
        try:
            template = self.templates.get(template_id)
        except MaxError:
            return None
        return template if template.status is TemplateStatus.ACTIVE else None


_BY_MODE = {Mode.AUTO: Outcome.SENT, Mode.ASSISTED: Outcome.DRAFTED, Mode.ADVISE: Outcome.RECOMMENDED}
"""What an occurrence that nothing blocks becomes, by the tenant's mode."""


def _hourly_runs(window: Window, start: datetime, end: datetime) -> list[datetime]:
    """The hourly runs from ``start`` (included) to ``end`` (excluded) inside ``window``."""
    runs, at = [], next_hourly_run(start)
    while at < end:
        if is_open(window, at):
            runs.append(at)
        at += timedelta(hours=1)
    return runs


@dataclass
class OccurrenceSend:
    """One occurrence's send, as the exactly-once protocol runs it (a ``SendJob``)."""

    runner: AutomationRunner
    occurrence: Occurrence
    token: str
    now: datetime

    @property
    def key(self) -> str:
        """The occurrence's key (:func:`run_key`)."""
        return run_key(*self.occurrence.key)

    @property
    def sent_by(self) -> str:
        """The automation, as the activity records the sender."""
        return f"max:automation:{self.occurrence.armed.automation.id}"

    @property
    def lead_id(self) -> str:
        """The lead written to."""
        return self.occurrence.lead.id

    @property
    def channel(self) -> Channel:
        """The template's channel."""
        return self.occurrence.armed.channel

    @property
    def marker(self) -> dict[str, object]:
        """The automation and the occurrence, on the message's activity."""
        return _marker(self.occurrence.armed.automation.id, self.occurrence.fire.episode)

    @property
    def window(self) -> Window:
        """The tenant's send window."""
        return self.runner.window

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.runner.tenant.timezone

    def message(self) -> Message:
        """The automation's template, filled for the lead, and the trigger that fired.

        No lead given: the sweep read it in eventually consistent pages, the send reads it again.
        """
        request = SendMessageRequest(
            lead_id=self.lead_id,
            channel=ChannelChoice(self.channel.value),
            template_id=self.occurrence.armed.template.id,
        )
        marketing = is_marketing(self.occurrence.armed.template.category)
        return Message(
            request,
            {"trigger": self.occurrence.fire.code},
            marketing=marketing_email(self.runner.tenant) if marketing else None,
        )

    def note_sending(self) -> bool:
        """AP38: the occurrence is ``sending``, conditional on the claim."""
        return self.runner.repository.mark_run_sending(*self.occurrence.key, self.token, self.now)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP38: done or put off, conditional on the claim."""
        return self.runner.settle_send(self, result)


def _marker(automation_id: str, episode: str) -> dict[str, object]:
    """What names an occurrence's message on its lead's timeline."""
    return {"automation_id": automation_id, "episode": episode}


def _detail(code: str) -> str:
    return code if code in _DETAIL_CODES else "provider_refused"
