"""The scheduler's side of prospection: run the due steps of one shard of one tenant, exactly once.

For each enrollment the due index returns, the facts are read (lead, campaign, blacklist, channel,
mode) and :func:`maxcore.rules.prospection.decide_step` says what to do. Decisions that send nothing
(stop, hold, defer, skip, task) are one transaction conditional on the due key as read: a second
worker, or a second run, loses and changes nothing. Decisions that write a message claim the step
first (a lease), note that the send started before calling the provider, and settle with a
transaction conditional on the claim. A worker that dies leaves the step due again when its lease
ends; the next one sees the send had started and, unless the provider deduplicates on our key,
records the step as unconfirmed instead of sending it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository, Guard
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ChannelUnavailableError, NotFoundError, RateLimitedError, UpstreamError
from maxcore.ids import new_id
from maxcore.models.activity import ActivityStatus
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import (
    Approval,
    ApprovalKind,
    ApprovalOrigin,
    BlacklistKind,
    Campaign,
    Decision,
    Enrollment,
    EnrollmentStatus,
    Interaction,
    MessageSource,
    Outcome,
    PendingSend,
    Scenario,
    ScenarioStep,
    SentStep,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger, metrics
from maxcore.rules import channels as channel_rules
from maxcore.rules.prospection import StepFacts, Verdict, decide_step, replied_since_enrollment, to_decision
from maxcore.rules.send_window import Window, add_local_days, day_bounds, local_day, next_open
from maxcore.services.channels import ChannelService, Reachability
from maxcore.services.composer import Composed, Composer
from maxcore.services.messaging import MessagingService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings

LEASE = timedelta(minutes=15)
"""How long a worker holds a claimed step; the worker's timeout is well under it."""
RETRY_AFTER_UPSTREAM = timedelta(hours=1)
RECENT_ACTIVITIES = 20
"""The lead's latest activities searched for the message of an interrupted send."""
IDEMPOTENT_PROVIDERS = frozenset({"resend"})
"""Providers that deduplicate on our idempotency key: an interrupted send may be sent again safely."""


def step_key(campaign_id: str, lead_id: str, step: int) -> str:
    """The idempotency key of one step of one enrollment (the provider gets it too)."""
    return f"step:{campaign_id}:{lead_id}:{step}"


@dataclass(frozen=True)
class StepContext:
    """The facts of one due step, with the objects they were read from (to act on the verdict)."""

    facts: StepFacts
    campaign: Campaign
    scenario: Scenario
    step: ScenarioStep | None
    lead: Lead | None


PREFETCH = 25
"""Due steps whose leads and blacklist entries are read together, just before they are decided."""


@dataclass(frozen=True)
class _Prefetched:
    """The leads of a few due steps (``None``: deleted) and which of their addresses are blacklisted."""

    leads: dict[str, Lead | None]
    listed: set[tuple[BlacklistKind, str]]

    def blacklisted(self, lead: Lead) -> bool:
        """Whether the lead's e-mail or phone is on the blacklist."""
        return any(pair in self.listed for pair in _addresses(lead))


def _addresses(lead: Lead) -> list[tuple[BlacklistKind, str]]:
    """The lead's addresses the blacklist may hold."""
    pairs = ((BlacklistKind.EMAIL, lead.email), (BlacklistKind.PHONE, lead.phone))
    return [(kind, value) for kind, value in pairs if value]


@dataclass
class OutcomeTally:
    """The outcomes a scheduled run reached, by value, and the races it lost."""

    outcomes: dict[str, int] = field(default_factory=dict)
    lost_races: int = 0

    def count(self, outcome: Outcome | None) -> None:
        """Count one outcome (``None``: another worker, or a user, had it first)."""
        if outcome is None:
            self.lost_races += 1
        else:
            self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1


@dataclass
class RunReport(OutcomeTally):
    """What one run over a shard did."""

    due: int = 0
    stopped_after: str | None = None
    """The due key of the last step taken when the time budget ran out first (the run's cursor)."""


class Sequencer:
    """Runs the due prospection steps of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        tenant: Tenant | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant = tenant or tenant_settings(tenant_id)
        self.repository = EnrollmentRepository(tenant_id)
        self.campaigns = CampaignRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.scenarios = ScenarioService(tenant_id, clock)
        self.channel_settings = ChannelRepository(tenant_id)
        self.messaging = MessagingService(tenant_id, clock, sleep)
        self._clock = clock
        self._campaigns: dict[str, Campaign | None] = {}
        self.reach = Reachability(tenant_id)
        self._composer: Composer | None = None
        self._prefetched: _Prefetched | None = None

    # --- the run ------------------------------------------------------------------------------
    def run_shard(self, shard: int, budget: TimeBudget = UNLIMITED, after: str | None = None) -> RunReport:
        """Run every step of ``shard`` due now, after the due key ``after`` when a previous part stopped.

        The steps go a few at a time (:data:`PREFETCH`): their leads are read with one consistent
        BatchGet and their addresses checked against the blacklist with another, just before the
        steps are decided, instead of two reads per step. Each step is settled (or released) before
        ``budget`` is checked; when it is exhausted, the report says after which step to resume.
        """
        report = RunReport()
        due_steps = iter(self.repository.due(shard, self._clock(), after))
        while chunk := list(islice(due_steps, PREFETCH)):
            self._prefetch([due.enrollment.lead_id for due in chunk])
            try:
                for due in chunk:
                    report.due += 1
                    report.count(self.run_one(due))
                    if budget.exhausted():
                        report.stopped_after = due.due_key
                        return report
            finally:
                self._prefetched = None
        return report

    def _prefetch(self, lead_ids: list[str]) -> None:
        leads = self.leads.get_many(lead_ids, consistent=True)
        listed = self.blacklist.listed(pair for lead in leads.values() for pair in _addresses(lead))
        self._prefetched = _Prefetched({i: leads.get(i) for i in lead_ids}, listed)

    def run_one(self, due: DueEnrollment) -> Outcome | None:
        """Decide and act on one due step; ``None`` when another worker or a user had it first."""
        e = due.enrollment
        now = self._clock()
        context = self.facts(e, now)
        if context is None:  # the campaign was deleted while its enrollments are being removed
            return None
        campaign, scenario, step, lead = context.campaign, context.scenario, context.step, context.lead
        if (
            e.sending_step is not None
            and e.sending_step == e.current_step
            and step is not None
            and lead is not None
        ):
            return self._resume_interrupted(due, campaign, scenario, step, lead, now)
        verdict = decide_step(context.facts)
        if verdict.acts and step is not None and lead is not None:
            return self._act(due, campaign, scenario, step, lead, verdict, now)
        return self._settle_without_message(due, campaign, scenario, step, lead, verdict, now)

    def facts(self, e: Enrollment, now: datetime) -> StepContext | None:
        """What :func:`decide_step` decides ``e``'s current step on at ``now``, read and never written.

        The scheduler and the schedule preview both take the rule's inputs from here.

        Parameters
        ----------
        e
            The enrollment, as the due index returned it.
        now
            The instant of the decision (the window, the WhatsApp window).

        Returns
        -------
        StepContext | None
            The facts with the campaign, scenario version, step and lead they were read from;
            ``None`` when the campaign no longer exists.
        """
        campaign = self._campaign(e.campaign_id)
        if campaign is None:
            return None
        scenario = self.scenarios.version(e.scenario_id, e.scenario_version)
        step = scenario.step(e.current_step)
        prefetched = self._prefetched
        if prefetched is not None and e.lead_id in prefetched.leads:
            lead = prefetched.leads[e.lead_id]
            blacklisted = lead is not None and prefetched.blacklisted(lead)
        else:
            lead = self._lead(e.lead_id)
            blacklisted = lead is not None and bool(self.blacklist.matches(lead.email, lead.phone))
        facts = StepFacts(
            now=now,
            enrollment=e,
            campaign_status=campaign.status,
            step=step,
            lead=lead,
            window=Window.of(campaign.send_window, campaign.timezone),
            mode=self.tenant.mode,
            blacklisted=blacklisted,
            refusal=self._refusal(lead, step, now),
        )
        return StepContext(facts, campaign, scenario, step, lead)

    def stop_on_reply(self, lead_id: str) -> int:
        """AP15: stop every running sequence of a lead who replied since it was enrolled."""
        lead = self._lead(lead_id)
        if lead is None:
            return 0
        now = self._clock()
        stopped = 0
        running = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.AWAITING_APPROVAL)
        for e in self.repository.for_lead(lead_id):
            if e.status is EnrollmentStatus.COMPLETED:
                self._record_late_reply(e, lead, now)
                continue
            if e.status not in running or not replied_since_enrollment(lead, e):
                continue
            campaign = self._campaign(e.campaign_id)
            if campaign is None:
                continue
            verdict = Verdict(Outcome.STOPPED, "replied")
            decision = self._decision(verdict, campaign, None, now)
            after = self._stopped(e, lead, verdict, now).model_copy(update={"updated_at": now})
            if self.repository.transition(
                after, Guard(statuses=running, step=e.current_step), decision, _interaction(e, decision)
            ):
                stopped += 1
                self._logged(e, decision, True)
        return stopped

    def _record_late_reply(self, e: Enrollment, lead: Lead, now: datetime) -> bool:
        """Note on a completed sequence that the lead answered its last step (its reply statistics)."""
        replied = lead.summary.last_inbound_at
        if e.replied_at is not None or not e.sent or replied is None or replied <= e.sent[-1].at:
            return False
        campaign = self._campaign(e.campaign_id)
        if campaign is None:
            return False
        decision = self._decision(Verdict(Outcome.COMPLETED, "replied_after_last_step"), campaign, None, now)
        after = e.model_copy(
            update={"replied_at": replied, "replied_step": e.sent[-1].step, "updated_at": now}
        )
        done = self.repository.transition(
            after,
            Guard(statuses=(EnrollmentStatus.COMPLETED,), step=e.current_step),
            decision,
            _interaction(e, decision),
        )
        if done:
            self._logged(e, decision, True)
        return done

    # --- decisions that write no message --------------------------------------------------------
    def _settle_without_message(
        self,
        due: DueEnrollment,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep | None,
        lead: Lead | None,
        verdict: Verdict,
        now: datetime,
    ) -> Outcome | None:
        e = due.enrollment
        approval_id = new_id() if verdict.outcome is Outcome.TASK_CREATED else None
        decision = self._decision(verdict, campaign, step, now, approval_id=approval_id)
        approval = None
        if verdict.outcome is Outcome.STOPPED:
            after = self._stopped(e, lead, verdict, now)
        elif verdict.outcome is Outcome.COMPLETED:
            after = e.model_copy(update={"status": EnrollmentStatus.COMPLETED, "next_action_at": None})
        elif verdict.outcome is Outcome.HELD:
            after = e.model_copy(update={"held": True})
        elif verdict.outcome is Outcome.DEFERRED:
            after = e.model_copy(update={"next_action_at": verdict.until})
        elif verdict.outcome is Outcome.TASK_CREATED and step is not None and lead is not None:
            approval = self._approval(ApprovalKind.TASK, campaign, step, lead, None, decision)
            after = self.advance(
                e, scenario, campaign, now, SentStep(step=step.order, channel=step.channel, at=now)
            )
        else:  # skipped
            after = self.advance(e, scenario, campaign, now)
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(due_key=due.due_key),
            decision,
            _interaction(e, decision),
            approval,
        )
        return self._logged(e, decision, done)

    def _stopped(self, e: Enrollment, lead: Lead | None, verdict: Verdict, now: datetime) -> Enrollment:
        changes: dict[str, object] = {"status": EnrollmentStatus.STOPPED, "next_action_at": None}
        if verdict.code == "replied" and lead is not None and lead.summary.last_inbound_at is not None:
            changes["replied_at"] = lead.summary.last_inbound_at
            changes["replied_step"] = e.sent[-1].step if e.sent else None
        return e.model_copy(update=changes)

    # --- decisions that write a message -----------------------------------------------------
    def _act(
        self,
        due: DueEnrollment,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep,
        lead: Lead,
        verdict: Verdict,
        now: datetime,
    ) -> Outcome | None:
        e = due.enrollment
        token = new_id()
        if not self.repository.claim(due, token, now + LEASE, now):
            return None
        history = [f"step {s.step} ({s.channel.value}): {_objective(scenario, s.step)}" for s in e.sent]
        composed = self.composer.compose(step, lead, history)
        if verdict.outcome is Outcome.SENT:
            return self._send(e, token, campaign, scenario, step, lead, composed, verdict, now)
        kind = ApprovalKind.DRAFT if verdict.outcome is Outcome.DRAFTED else ApprovalKind.RECOMMENDATION
        decision = self._decision(verdict, campaign, step, now, source=composed.source, approval_id=new_id())
        approval = self._approval(kind, campaign, step, lead, composed, decision)
        if kind is ApprovalKind.DRAFT:
            after = e.model_copy(
                update={"status": EnrollmentStatus.AWAITING_APPROVAL, "next_action_at": None}
            )
        else:
            after = self.advance(e, scenario, campaign, now)
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(claim_token=token),
            decision,
            _interaction(e, decision, composed.body),
            approval,
        )
        return self._logged(e, decision, done)

    def _send(
        self,
        e: Enrollment,
        token: str,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep,
        lead: Lead,
        composed: Composed,
        verdict: Verdict,
        now: datetime,
    ) -> Outcome | None:
        channel = step.channel.channel
        assert channel is not None  # manual steps never send
        window = Window.of(campaign.send_window, campaign.timezone)
        day = local_day(now, campaign.timezone)
        cap = campaign.daily_caps.get(channel)
        if cap is not None:
            try:
                self.channel_settings.take_campaign_slot(campaign.id, channel, day, cap, now)
            except RateLimitedError:
                return self._defer_claimed(e, token, campaign, step, now, "daily_cap", {"cap": cap}, window)
        pending = PendingSend(
            body=composed.body,
            subject=composed.subject,
            source=composed.source,
            template_id=composed.template_id,
        )
        if not self.repository.mark_sending(e, token, step.order, pending, now):
            if cap is not None:
                self.channel_settings.give_back_campaign_slot(campaign.id, channel, day)
            return None
        return self._deliver(
            e, token, campaign, scenario, step, lead, composed, now, cap is not None, verdict.code
        )

    def _deliver(
        self,
        e: Enrollment,
        token: str,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep,
        lead: Lead,
        composed: Composed,
        now: datetime,
        counted: bool,
        code: str,
        resumed: bool = False,
    ) -> Outcome | None:
        channel = step.channel.channel
        assert channel is not None
        window = Window.of(campaign.send_window, campaign.timezone)
        day = local_day(now, campaign.timezone)

        def give_back() -> None:
            if counted:
                self.channel_settings.give_back_campaign_slot(campaign.id, channel, day)

        request = SendMessageRequest(
            lead_id=lead.id,
            channel=ChannelChoice(channel.value),
            body=composed.body,
            subject=composed.subject,
        )
        metadata: dict[str, object] = {
            "campaign_id": campaign.id,
            "step": step.order,
            "message_source": composed.source.value,
        }
        try:
            sent = self.messaging.deliver(
                request,
                f"max:campaign:{campaign.id}",
                step_key(campaign.id, lead.id, step.order),
                metadata,
                resumed=resumed,
            )
        except RateLimitedError as exc:
            give_back()
            return self._defer_claimed(
                e, token, campaign, step, now, "daily_cap", {"cap": exc.details.get("daily_cap", "?")}, window
            )
        except UpstreamError:
            give_back()
            return self._defer_claimed(e, token, campaign, step, now, "provider_unavailable", {}, window)
        except ChannelUnavailableError as exc:
            give_back()
            if exc.code == "already_sent":
                # The provider holds another message under this key: the first try did leave.
                verdict = Verdict(Outcome.UNCONFIRMED, "send_interrupted")
            else:
                outcome = (
                    Outcome.FAILED if exc.code in ("provider_refused", "invalid_address") else Outcome.SKIPPED
                )
                refusal_code = "provider_refused" if exc.code == "invalid_address" else exc.code
                verdict = Verdict(outcome, refusal_code, {"detail": exc.message[:120]})
            decision = self._decision(verdict, campaign, step, now, source=composed.source)
            after = self.advance(e, scenario, campaign, now)
            done = self.repository.transition(
                after.model_copy(update={"updated_at": now}),
                Guard(claim_token=token),
                decision,
                _interaction(e, decision, composed.body),
            )
            return self._logged(e, decision, done)
        unconfirmed = sent.activity.status is ActivityStatus.UNCONFIRMED
        decision = self._decision(
            # The provider's answer never came: the step counts as done, never sent again; the
            # message's status callback settles it on the lead's timeline.
            Verdict(Outcome.UNCONFIRMED, "send_unanswered") if unconfirmed else Verdict(Outcome.SENT, code),
            campaign,
            step,
            now,
            source=composed.source,
            activity_id=sent.activity.id,
        )
        sent_step = SentStep(
            step=step.order,
            channel=step.channel,
            source=composed.source,
            template_id=composed.template_id,
            at=now,
        )
        after = self.advance(e, scenario, campaign, now, sent_step)
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(claim_token=token),
            decision,
            _interaction(e, decision, composed.body),
        )
        if not unconfirmed:
            metrics.add_metric(name="ProspectionStepSent", unit=MetricUnit.Count, value=1)
        return self._logged(e, decision, done)

    def _resume_interrupted(
        self,
        due: DueEnrollment,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep,
        lead: Lead,
        now: datetime,
    ) -> Outcome | None:
        """A worker died after starting this step's send: settle on its record if it got that far,
        else send again only where the provider dedups."""
        e = due.enrollment
        token = new_id()
        if not self.repository.claim(due, token, now + LEASE, now):
            return None
        # The dead worker may have got as far as recording the message (one Query, on a resume only).
        recorded = ActivityRepository(self.tenant_id).recent_outbound_with(
            lead.id, RECENT_ACTIVITIES, campaign_id=campaign.id, step=step.order
        )
        if recorded is not None:
            pending = e.sending_message
            decision = self._decision(
                Verdict(Outcome.UNCONFIRMED, "send_unanswered")
                if recorded.status is ActivityStatus.UNCONFIRMED
                else Verdict(Outcome.SENT, "mode_auto"),
                campaign,
                step,
                now,
                source=None if pending is None else pending.source,
                activity_id=recorded.id,
            )
            sent_step = SentStep(
                step=step.order,
                channel=step.channel,
                source=None if pending is None else pending.source,
                template_id=None if pending is None else pending.template_id,
                at=recorded.occurred_at,
            )
            after = self.advance(e, scenario, campaign, now, sent_step)
            done = self.repository.transition(
                after.model_copy(update={"updated_at": now}),
                Guard(claim_token=token),
                decision,
                _interaction(e, decision, recorded.preview),
            )
            return self._logged(e, decision, done)
        channel = step.channel.channel
        provider = (
            "" if channel is None else ChannelService(self.tenant_id, self._clock).adapter(channel).provider
        )
        if provider in IDEMPOTENT_PROVIDERS:
            pending = e.sending_message
            composed = (
                self.composer.compose(step, lead, [])
                if pending is None  # noted before the message was kept with the marker
                else Composed(pending.body, pending.subject, pending.source, pending.template_id)
            )
            logger.info("resending an interrupted step under the same key", extra={"provider": provider})
            return self._deliver(
                e, token, campaign, scenario, step, lead, composed, now, False, "mode_auto", resumed=True
            )
        verdict = Verdict(Outcome.UNCONFIRMED, "send_interrupted")
        decision = self._decision(verdict, campaign, step, now)
        after = self.advance(
            e, scenario, campaign, now, SentStep(step=step.order, channel=step.channel, at=now)
        )
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(claim_token=token),
            decision,
            _interaction(e, decision),
        )
        return self._logged(e, decision, done)

    def _defer_claimed(
        self,
        e: Enrollment,
        token: str,
        campaign: Campaign,
        step: ScenarioStep,
        now: datetime,
        code: str,
        values: dict[str, str | int],
        window: Window,
    ) -> Outcome | None:
        if code == "daily_cap":
            # The cap resets with the campaign's local day: next window of tomorrow.
            tomorrow = date.fromisoformat(local_day(now, campaign.timezone)) + timedelta(days=1)
            until = next_open(window, day_bounds(tomorrow, campaign.timezone)[0])
        else:
            until = next_open(window, now + RETRY_AFTER_UPSTREAM)
        verdict = Verdict(Outcome.DEFERRED, code, values, until=until)
        decision = self._decision(verdict, campaign, step, now)
        after = e.model_copy(update={"next_action_at": until, "updated_at": now})
        done = self.repository.transition(
            after, Guard(claim_token=token), decision, _interaction(e, decision)
        )
        return self._logged(e, decision, done)

    # --- helpers ------------------------------------------------------------------------------
    def advance(
        self,
        e: Enrollment,
        scenario: Scenario,
        campaign: Campaign,
        now: datetime,
        sent: SentStep | None = None,
    ) -> Enrollment:
        """The enrollment after its current step: the next step's due time, or completed."""
        following = scenario.step(e.current_step + 1)
        changes: dict[str, object] = {"sent": [*e.sent, sent] if sent is not None else e.sent}
        if following is None:
            changes.update(
                status=EnrollmentStatus.COMPLETED, current_step=e.current_step + 1, next_action_at=None
            )
        else:
            window = Window.of(campaign.send_window, campaign.timezone)
            due = next_open(window, add_local_days(now, following.delay_days, campaign.timezone))
            changes.update(status=EnrollmentStatus.ACTIVE, current_step=following.order, next_action_at=due)
        return e.model_copy(update=changes)

    def _decision(
        self,
        verdict: Verdict,
        campaign: Campaign,
        step: ScenarioStep | None,
        now: datetime,
        source: MessageSource | None = None,
        activity_id: str | None = None,
        approval_id: str | None = None,
    ) -> Decision:
        return to_decision(
            verdict,
            locale=self.tenant.locale.value,
            timezone=campaign.timezone,
            now=now,
            step=step,
            source=source,
            activity_id=activity_id,
            approval_id=approval_id,
        )

    def _approval(
        self,
        kind: ApprovalKind,
        campaign: Campaign,
        step: ScenarioStep,
        lead: Lead,
        composed: Composed | None,
        decision: Decision,
    ) -> Approval:
        """The draft, task or recommendation a decision creates, under the id it names."""
        assert decision.approval_id is not None  # the caller names the approval in its decision
        body = composed.body if composed is not None else " — ".join(filter(None, [step.objective, step.cta]))
        return Approval(
            id=decision.approval_id,
            kind=kind,
            lead_id=lead.id,
            channel=step.channel,
            subject=None if composed is None else composed.subject,
            body=body,
            source=None if composed is None else composed.source,
            reason=decision.reason,
            origin=ApprovalOrigin(campaign_id=campaign.id, step=step.order),
            created_at=decision.at,
        )

    def _refusal(
        self, lead: Lead | None, step: ScenarioStep | None, now: datetime
    ) -> channel_rules.Refusal | None:
        if lead is None or step is None or step.channel.channel is None:
            return None
        return self.reach.refusal(lead, step.channel.channel, now, step.template_id is not None)

    def _campaign(self, campaign_id: str) -> Campaign | None:
        if campaign_id not in self._campaigns:
            try:
                self._campaigns[campaign_id] = self.campaigns.get(campaign_id)
            except NotFoundError:
                self._campaigns[campaign_id] = None
        return self._campaigns[campaign_id]

    def _lead(self, lead_id: str) -> Lead | None:
        try:
            return self.leads.get(lead_id)
        except NotFoundError:
            return None

    @property
    def composer(self) -> Composer:
        """The message writer (built on first use: it checks whether AI is configured)."""
        if self._composer is None:
            self._composer = Composer(self.tenant)
        return self._composer

    def _logged(self, e: Enrollment, decision: Decision, done: bool) -> Outcome | None:
        # One structured line per decision: the support team reads why from the logs too.
        logger.info(
            "prospection decision" if done else "prospection decision lost to another worker",
            extra={
                "campaign_id": e.campaign_id,
                "lead_id": e.lead_id,
                "step": decision.step,
                "outcome": decision.outcome.value,
                "code": decision.code,
                "source": None if decision.source is None else decision.source.value,
                "until": None if decision.until is None else decision.until.isoformat(),
                "applied": done,
            },
        )
        if done:
            metrics.add_metric(name="ProspectionDecisionTaken", unit=MetricUnit.Count, value=1)
        return decision.outcome if done else None


def _objective(scenario: Scenario, order: int) -> str:
    step = scenario.step(order)
    return "" if step is None else step.objective


def _interaction(e: Enrollment, decision: Decision, preview: str | None = None) -> Interaction:
    return Interaction(
        id=new_id(),
        campaign_id=e.campaign_id,
        lead_id=e.lead_id,
        decision=decision,
        preview=None if preview is None else preview[:500],
    )
