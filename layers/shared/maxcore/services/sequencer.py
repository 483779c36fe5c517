"""The scheduler's side of prospection: run the due steps of one shard of one tenant, exactly once.

For each enrollment the due index returns, the facts are read (lead, campaign, blacklist, channel,
mode) and :func:`maxcore.rules.prospection.decide_step` says what to do. Decisions that send nothing
(stop, hold, defer, skip, task) are one transaction conditional on the due key as read: a second
worker, or a second run, loses and changes nothing. Decisions that write a message claim the step
first (a lease); a send then goes through :mod:`maxcore.services.exactly_once` as a
:class:`StepSend`: noted before the provider call, settled with a transaction conditional on the
claim. A worker that dies leaves the step due again when its lease ends; the next one sees the send
had started and lets the protocol settle it without sending it twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository, Guard
from maxcore.dal.leads import LeadRepository
from maxcore.dal.variants import VariantCount
from maxcore.errors import ConflictError, NotFoundError, RateLimitedError
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.intent import ReplyKind
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
from maxcore.rules.email_threads import Thread, thread_for_step
from maxcore.rules.marketing import Recipient, allowed_hours, recipient
from maxcore.rules.prospection import (
    StepFacts,
    Verdict,
    away,
    decide_step,
    reply_stop,
    to_decision,
    unwritten,
)
from maxcore.rules.replies import ENDING_CODES
from maxcore.rules.send_window import Window, add_local_days, local_day, next_open
from maxcore.rules.unsubscribe import marketing_email
from maxcore.rules.variants import reply_figures, variant_for
from maxcore.rules.whatsapp import Route, WhatsAppRoute, whatsapp_route
from maxcore.services.channels import Reachability
from maxcore.services.composer import Composed, Composer, Unwritten
from maxcore.services.exactly_once import (
    LEASE,
    Claim,
    ExactlyOnce,
    Message,
    OutcomeTally,
    SendResult,
    deferred,
)
from maxcore.services.followup_charge import FollowUpCharge
from maxcore.services.messaging import MessagingService
from maxcore.services.run_cache import TenantRun
from maxcore.services.variants import VariantService


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
    resumed: bool = False
    """Whether the step resumes a sequence an out-of-office reply had paused (its reason says so)."""
    whatsapp: WhatsAppRoute | None = None
    """A WhatsApp step: how its message may go now (free text, its approved template, or not at all)."""
    variant: str | None = None
    """The A/B variant the lead gets at this step (``step`` is then the step as that variant writes it)."""

    @property
    def template_only(self) -> bool:
        """Whether the step's message must be its template as registered (WhatsApp out of the window)."""
        return _template_only(self.whatsapp)

    @property
    def thread(self) -> Thread | None:
        """The e-mail thread this step answers: its ``thread`` is ``same`` and an e-mail was sent."""
        if self.step is None:
            return None
        return thread_for_step(self.step, self.facts.enrollment.sent, self.scenario)

    @property
    def interrupted(self) -> bool:
        """Whether a worker died after starting this step's send (its marker names the step)."""
        e = self.facts.enrollment
        return (
            e.sending_step is not None
            and e.sending_step == e.current_step
            and self.step is not None
            and self.lead is not None
        )


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
class RunReport(OutcomeTally):
    """What one run over a shard did."""

    due: int = 0
    stopped_after: str | None = None
    """The due key of the last step taken when the time budget ran out first (the run's cursor)."""


__all__ = ["LEASE", "RunReport", "Sequencer", "StepContext", "StepSend", "step_key"]


class Sequencer:
    """Runs the due prospection steps of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        tenant: Tenant | None = None,
        run: TenantRun | None = None,
    ) -> None:
        """``run``: what this run already read about the tenant (the worker's
        :class:`~maxcore.services.run_cache.RunCache`); by default, what this sequencer reads."""
        self.tenant_id = tenant_id
        self.run = run or TenantRun(tenant_id, clock, tenant)
        self.tenant = tenant or self.run.tenant
        self.repository = EnrollmentRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.scenarios = self.run.scenarios
        self.channel_settings = ChannelRepository(tenant_id)
        self.messaging = MessagingService(
            tenant_id,
            clock,
            sleep,
            facts=self.run.channels,
            timezone=self.tenant.timezone,
            locale=self.tenant.locale.value,
        )
        self.sending = ExactlyOnce(self.messaging, FollowUpCharge(tenant_id, self.tenant.mode, clock))
        self._clock = clock
        self.reach = Reachability(tenant_id, self.run.channels)
        self._prefetched: _Prefetched | None = None
        self._winners_checked: set[str] = set()

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
        """Decide and act on one due step; ``None`` when another worker or a user had it first.

        An enrollment paused by an out-of-office reply is decided as an active one: the rule pauses
        it again while the lead is away, and whatever else it decides resumes it.
        """
        was_away = due.enrollment.paused_until_return
        if was_away:
            resumed = due.enrollment.model_copy(update={"status": EnrollmentStatus.ACTIVE, "resume_at": None})
            due = replace(due, enrollment=resumed)
        e = due.enrollment
        now = self._clock()
        self._choose_winners(e.campaign_id)
        context = self.facts(e, now)
        if context is None:  # the campaign was deleted while its enrollments are being removed
            return None
        if context.interrupted:
            return self._resume_interrupted(due, context, now)
        verdict = decide_step(context.facts)
        if was_away and verdict.outcome is not Outcome.PAUSED:
            context = replace(context, resumed=True)
        if verdict.acts and context.step is not None and context.lead is not None:
            return self._act(due, context, verdict, now)
        return self._settle_without_message(due, context, verdict, now)

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
        variant = variant_for(campaign, e.lead_id, step)
        if step is not None and variant is not None:
            step = step.variant(variant)
        prefetched = self._prefetched
        if prefetched is not None and e.lead_id in prefetched.leads:
            lead = prefetched.leads[e.lead_id]
            blacklisted = lead is not None and prefetched.blacklisted(lead)
        else:
            lead = self._lead(e.lead_id)
            blacklisted = lead is not None and bool(self.blacklist.matches(lead.email, lead.phone))
        whatsapp = self._whatsapp(lead, step, now)
        template_only = _template_only(whatsapp)
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
            recipient=self._recipient(lead, campaign),
            marketing_hours=allowed_hours(self.tenant.marketing_hours),
            writable=step is None
            or step.channel.is_manual
            or self.composer.planned_source(step, template_only=template_only) is not None,
        )
        return StepContext(facts, campaign, scenario, step, lead, whatsapp=whatsapp, variant=variant)

    def _choose_winners(self, campaign_id: str, *, foresee: bool = False) -> None:
        """Once per run and campaign that says ``auto_winner``: choose the winners its tests found
        (``foresee``: only as the campaign's next run will, writing nothing: the preview)."""
        if campaign_id in self._winners_checked:
            return
        self._winners_checked.add(campaign_id)
        campaign = self._campaign(campaign_id)
        if campaign is not None and campaign.auto_winner:
            variants = VariantService(self.tenant_id, self._clock)
            chosen = variants.foresee(campaign) if foresee else variants.choose_automatically(campaign)
            self.run.remember(chosen)

    def foresee_winners(self, campaign_id: str) -> None:
        """The winners ``auto_winner`` would choose for the campaign now, kept for this run's facts and
        never written (the schedule preview shows what the run will send)."""
        self._choose_winners(campaign_id, foresee=True)

    def _whatsapp(self, lead: Lead | None, step: ScenarioStep | None, now: datetime) -> WhatsAppRoute | None:
        """How a WhatsApp step's message may go to ``lead`` now (:func:`whatsapp_route`)."""
        if lead is None or step is None or step.channel.channel is not Channel.WHATSAPP:
            return None
        last_inbound = lead.summary.last_inbound_by_channel.get("whatsapp")
        return whatsapp_route(last_inbound, now, self.composer.whatsapp_template(step))

    def _recipient(self, lead: Lead | None, campaign: Campaign) -> Recipient | None:
        """Whose clock and calendar a text to ``lead`` keeps: its own, its number's, the campaign's."""
        if lead is None:
            return None
        return recipient(lead.phone, lead.timezone, campaign.timezone, self.tenant.default_country)

    def apply_reply(self, lead_id: str) -> int:
        """AP15: what the lead's messages do to its running sequences, as soon as one comes in.

        The rules the hourly run applies when a step comes due (:func:`reply_stop`, :func:`away`),
        applied now: a reply a person wrote since the enrollment ends the sequence (replied,
        declined or opted out), an out-of-office notice pauses it until the lead is back. A reply
        to a completed sequence's last step is noted for its statistics. Returns the sequences
        changed.
        """
        lead = self._lead(lead_id)
        if lead is None:
            return 0
        now = self._clock()
        changed = 0
        for e in self.repository.for_lead(lead_id):
            if e.status is EnrollmentStatus.COMPLETED:
                self._record_late_reply(e, lead, now)
                continue
            campaign = self._campaign(e.campaign_id) if e.status in _RUNNING else None
            if campaign is None:
                continue
            verdict = reply_stop(lead, e)
            if verdict is not None:
                after = self._stopped(e, lead, verdict, now)
            elif e.status is EnrollmentStatus.ACTIVE or e.paused_until_return:
                verdict = away(lead, Window.of(campaign.send_window, campaign.timezone), now)
                if verdict is None or verdict.until == e.resume_at:
                    continue
                after = _paused(e, verdict, now)
            else:  # waiting for a user (paused by one, or a draft to approve) while the lead is away
                continue
            decision = self._decision(verdict, campaign, None, now)
            if self.repository.transition(
                after.model_copy(update={"updated_at": now}),
                Guard(statuses=_RUNNING, step=e.current_step),
                decision,
                _interaction(e, decision),
                counted=_reply_counted(e, after),
            ):
                changed += 1
                self._logged(e, decision, True)
        return changed

    def _record_late_reply(self, e: Enrollment, lead: Lead, now: datetime) -> bool:
        """Note on a completed sequence that the lead answered its last step (its reply statistics)."""
        replied = lead.summary.last_inbound_at
        if e.replied_at is not None or not e.sent or replied is None or replied <= e.sent[-1].at:
            return False
        if lead.summary.last_reply_kind is ReplyKind.ANSWER:
            return False  # an answer to a survey or a reminder, not to the sequence's last step
        campaign = self._campaign(e.campaign_id)
        if campaign is None:
            return False
        decision = self._decision(Verdict(Outcome.COMPLETED, "replied_after_last_step"), campaign, None, now)
        changes = {"replied_at": replied, "replied_step": e.sent[-1].step, "updated_at": now}
        after = e.model_copy(update={**changes, "reply_kind": lead.summary.last_reply_kind})
        done = self.repository.transition(
            after,
            Guard(statuses=(EnrollmentStatus.COMPLETED,), step=e.current_step),
            decision,
            _interaction(e, decision),
            counted=_reply_counted(e, after),
        )
        if done:
            self._logged(e, decision, True)
        return done

    # --- decisions that write no message --------------------------------------------------------
    def _settle_without_message(
        self,
        due: DueEnrollment,
        context: StepContext,
        verdict: Verdict,
        now: datetime,
        guard: Guard | None = None,
    ) -> Outcome | None:
        """Write a decision that sends nothing, conditional on the due key as read (or on ``guard``)."""
        e, step, lead = due.enrollment, context.step, context.lead
        approval_id = new_id() if verdict.outcome is Outcome.TASK_CREATED else None
        decision = self._decision(
            verdict, context.campaign, step, now, approval_id=approval_id, resumed=context.resumed
        )
        approval = None
        if verdict.outcome is Outcome.STOPPED:
            after = self._stopped(e, lead, verdict, now)
        elif verdict.outcome is Outcome.COMPLETED:
            after = e.model_copy(update={"status": EnrollmentStatus.COMPLETED, "next_action_at": None})
        elif verdict.outcome is Outcome.HELD:
            after = e.model_copy(update={"held": True})
        elif verdict.outcome is Outcome.DEFERRED:
            after = e.model_copy(update={"next_action_at": verdict.until})
        elif verdict.outcome is Outcome.PAUSED:
            after = _paused(e, verdict, now).model_copy(update={"next_action_at": verdict.until})
        elif verdict.outcome is Outcome.TASK_CREATED and step is not None and lead is not None:
            approval = self._approval(ApprovalKind.TASK, context, None, decision)
            after = self.advance(
                e,
                context.scenario,
                context.campaign,
                now,
                SentStep(step=step.order, channel=step.channel, at=now),
            )
        else:  # skipped
            after = self.advance(e, context.scenario, context.campaign, now)
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            guard or Guard(due_key=due.due_key),
            decision,
            _interaction(e, decision),
            approval,
            counted=_reply_counted(e, after),
        )
        return self._logged(e, decision, done)

    def _stopped(self, e: Enrollment, lead: Lead | None, verdict: Verdict, now: datetime) -> Enrollment:
        changes: dict[str, object] = {
            "status": EnrollmentStatus.STOPPED,
            "next_action_at": None,
            "resume_at": None,
        }
        if verdict.code in ENDING_CODES and lead is not None and lead.summary.last_inbound_at is not None:
            # The reply is kept with its kind: the reply rate counts people who answered, not opt-outs.
            changes["replied_at"] = lead.summary.last_inbound_at
            changes["replied_step"] = e.sent[-1].step if e.sent else None
            changes["reply_kind"] = lead.summary.last_reply_kind
        return e.model_copy(update=changes)

    # --- decisions that write a message -----------------------------------------------------
    def _act(
        self, due: DueEnrollment, context: StepContext, verdict: Verdict, now: datetime
    ) -> Outcome | None:
        e, step, lead = due.enrollment, context.step, context.lead
        # The rule acts only on a step and a lead.
        assert step is not None
        assert lead is not None
        scenario = context.scenario
        history = [f"step {s.step} ({s.channel.value}): {_objective(scenario, s.step)}" for s in e.sent]
        if verdict.outcome is Outcome.SENT:
            # Composed first: the claim and the note of the message are then one write. The model's
            # tokens stay reserved until the claim is won, and come back if another worker won it.
            composed = self.compose(context, history, held=True)
            if isinstance(composed, Unwritten):
                return self._settle_without_message(due, context, unwritten(composed.problem), now)
            send = StepSend(
                self,
                due,
                context,
                now,
                code=verdict.code,
                noted=_noted(composed, context.variant),
                written=composed,
            )
            return self._send(send)
        claim = Claim.new(now)
        if not self.repository.claim(due, claim.token, claim.lease_until, now):
            return None
        composed = self.compose(context, history)
        if isinstance(composed, Unwritten):
            task = unwritten(composed.problem)
            return self._settle_without_message(due, context, task, now, Guard(claim_token=claim.token))
        kind = ApprovalKind.DRAFT if verdict.outcome is Outcome.DRAFTED else ApprovalKind.RECOMMENDATION
        decision = self._decision(
            verdict,
            context.campaign,
            step,
            now,
            source=composed.source,
            approval_id=new_id(),
            resumed=context.resumed,
            variant=context.variant,
        )
        approval = self._approval(kind, context, composed, decision)
        if kind is ApprovalKind.DRAFT:
            after = e.model_copy(
                update={"status": EnrollmentStatus.AWAITING_APPROVAL, "next_action_at": None}
            )
        else:
            after = self.advance(e, context.scenario, context.campaign, now)
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(claim_token=claim.token),
            decision,
            _interaction(e, decision, composed.body),
            approval,
        )
        return self._logged(e, decision, done)

    def _send(self, send: StepSend) -> Outcome | None:
        """Take a slot of the campaign's own daily cap, if it has one, then send exactly once."""
        campaign, channel = send.context.campaign, send.channel
        cap = campaign.daily_caps.get(channel)
        if cap is not None:
            try:
                self.channel_settings.take_campaign_slot(
                    campaign.id, channel, local_day(send.now, campaign.timezone), cap, send.now
                )
            except RateLimitedError:
                return send.settle(deferred(send, "daily_cap", {"cap": cap}))
            send.counted = True
        return self.sending.send(send)

    def _resume_interrupted(self, due: DueEnrollment, context: StepContext, now: datetime) -> Outcome | None:
        """A worker died after starting this step's send: claim it again and let the protocol settle it."""
        claim = Claim.new(now)
        if not self.repository.claim(due, claim.token, claim.lease_until, now):
            return None
        send = StepSend(self, due, context, now, claim=claim, noted=due.enrollment.sending_message)
        return self.sending.resume(send)

    def settle_send(self, send: StepSend, result: SendResult) -> Outcome | None:
        """Write down what a step's send came to, conditional on the claim (:meth:`StepSend.settle`)."""
        if not result.left:
            send.give_back()
        e, context, now, noted = send.enrollment, send.context, send.now, send.noted
        source = None if noted is None else noted.source
        variant = None if noted is None else noted.variant
        counted = None
        recorded = result.recorded
        if result.outcome is Outcome.DEFERRED:
            verdict = Verdict(Outcome.DEFERRED, str(result.code), dict(result.values), until=result.until)
            decision = self._decision(verdict, context.campaign, send.step, now, resumed=context.resumed)
            after, preview = e.model_copy(update={"next_action_at": result.until}), None
        elif result.left:
            # An unanswered message counts as done, never sent again: its status callback settles it.
            verdict = Verdict(result.outcome, result.code or send.code)
            decision = self._decision(
                verdict,
                context.campaign,
                send.step,
                now,
                source=source,
                activity_id=None if recorded is None else recorded.activity_id,
                resumed=context.resumed,
                variant=variant,
            )
            sent_step = SentStep(
                step=send.step.order,
                channel=send.step.channel,
                source=source,
                template_id=None if noted is None else noted.template_id,
                variant=variant,
                at=now if recorded is None else recorded.at,
                message_id=None if recorded is None else recorded.message_id,
                sender=None if recorded is None else recorded.sender,
                subject=None if noted is None else noted.subject,
            )
            after = self.advance(e, context.scenario, context.campaign, now, sent_step)
            counted = VariantCount.of_sent(context.campaign.id, sent_step)
            preview = recorded.preview if recorded is not None else None if noted is None else noted.body
        else:
            code = "provider_refused" if result.code == "invalid_address" else str(result.code)
            verdict = Verdict(result.outcome, code, dict(result.values))
            decision = self._decision(
                verdict, context.campaign, send.step, now, source=source, resumed=context.resumed
            )
            after = self.advance(e, context.scenario, context.campaign, now)
            preview = None if noted is None else noted.body
        done = self.repository.transition(
            after.model_copy(update={"updated_at": now}),
            send.guard,
            decision,
            _interaction(e, decision, preview),
            counted=counted,
        )
        if done and result.outcome is Outcome.SENT:
            metrics.add_metric(name="ProspectionStepSent", unit=MetricUnit.Count, value=1)
        return self._logged(e, decision, done)

    # --- helpers ------------------------------------------------------------------------------
    def compose(
        self, context: StepContext, history: list[str], *, held: bool = False
    ) -> Composed | Unwritten:
        """The step's message for the lead (:class:`Unwritten`: nothing can write it, and why);
        ``held``: the model's tokens only reserved (:meth:`Composer.compose_held`).

        A prospection SMS is marketing: the composer ends it with the opt-out mention before its
        check. A same-thread e-mail takes the thread's ``Re:`` subject.
        """
        assert context.step is not None  # a message is written for a step and a lead
        assert context.lead is not None
        write = self.composer.compose_held if held else self.composer.compose
        composed = write(context.step, context.lead, history, template_only=context.template_only)
        if isinstance(composed, Unwritten):
            return composed
        thread = context.thread
        if thread is None or not thread.subject:
            return composed
        return replace(composed, subject=thread.reply_subject)

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
        *,
        source: MessageSource | None = None,
        activity_id: str | None = None,
        approval_id: str | None = None,
        resumed: bool = False,
        variant: str | None = None,
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
            resumed=resumed,
            variant=variant,
        )

    def _approval(
        self, kind: ApprovalKind, context: StepContext, composed: Composed | None, decision: Decision
    ) -> Approval:
        """The draft, task or recommendation a decision creates, under the id it names."""
        step, lead = context.step, context.lead
        # The caller names the approval in its decision, for a step and a lead.
        assert decision.approval_id is not None
        assert step is not None
        assert lead is not None
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
            origin=ApprovalOrigin(campaign_id=context.campaign.id, step=step.order, variant=context.variant),
            created_at=decision.at,
        )

    def _refusal(
        self, lead: Lead | None, step: ScenarioStep | None, now: datetime
    ) -> channel_rules.Refusal | None:
        if lead is None or step is None or step.channel.channel is None:
            return None
        return self.reach.refusal(lead, step.channel.channel, now, self.composer.whatsapp_template(step))

    def _campaign(self, campaign_id: str) -> Campaign | None:
        return self.run.campaign(campaign_id)

    def _lead(self, lead_id: str) -> Lead | None:
        try:
            return self.leads.get(lead_id)
        except NotFoundError:
            return None

    @property
    def composer(self) -> Composer:
        """The run's message writer (:attr:`TenantRun.composer`)."""
        return self.run.composer

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


@dataclass
class StepSend:
    """One step's send, as the exactly-once protocol runs it (a :class:`SendJob`)."""

    sequencer: Sequencer
    due: DueEnrollment
    context: StepContext
    now: datetime
    claim: Claim | None = None
    """The claim held on the step: taken with the note of a first send, or before a resume."""
    code: str = "mode_auto"
    """The decision's code when the message is sent."""
    noted: PendingSend | None = None
    """The message noted before the provider call (written again on a resume if none was kept)."""
    counted: bool = False
    """Whether a slot of the campaign's own daily cap is taken for it."""
    written: Composed | None = None
    """The message as composed for a first send, while the model's tokens for it are only reserved."""

    @property
    def enrollment(self) -> Enrollment:
        """The enrollment, as the due index returned it."""
        return self.due.enrollment

    @property
    def guard(self) -> Guard:
        """What the settle is conditional on: the claim, or the due key when none was taken."""
        if self.claim is None:  # the campaign's cap was full: nothing claimed, nothing noted
            return Guard(due_key=self.due.due_key)
        return Guard(claim_token=self.claim.token)

    @property
    def step(self) -> ScenarioStep:
        """The step being sent."""
        assert self.context.step is not None  # a send is decided on a step
        return self.context.step

    @property
    def lead(self) -> Lead:
        """The lead written to."""
        assert self.context.lead is not None  # a send is decided on a lead
        return self.context.lead

    @property
    def key(self) -> str:
        """The step's key (:func:`step_key`)."""
        return step_key(self.context.campaign.id, self.lead.id, self.step.order)

    @property
    def sent_by(self) -> str:
        """The campaign, as the activity records the sender."""
        return f"max:campaign:{self.context.campaign.id}"

    @property
    def lead_id(self) -> str:
        """The lead written to."""
        return self.lead.id

    @property
    def channel(self) -> Channel:
        """The step's channel (a manual step never sends)."""
        channel = self.step.channel.channel
        assert channel is not None
        return channel

    @property
    def marker(self) -> dict[str, object]:
        """The campaign and step, on the message's activity."""
        return {"campaign_id": self.context.campaign.id, "step": self.step.order}

    @property
    def window(self) -> Window:
        """The campaign's send window."""
        return Window.of(self.context.campaign.send_window, self.context.campaign.timezone)

    @property
    def timezone(self) -> str:
        """The campaign's time zone."""
        return self.context.campaign.timezone

    def message(self) -> Message:
        """The noted message (written again if the marker kept none: an older marker), to the lead
        as the run just read it."""
        if self.noted is None:
            composed = self.sequencer.compose(self.context, [])
            if isinstance(composed, Unwritten):
                raise ConflictError(
                    "no model or template can write this step's message any more",
                    {"lead_id": self.lead.id, "step": self.step.order},
                )
            self.noted = _noted(composed, self.context.variant)
        # A WhatsApp step written by its template is sent as the template: outside the 24-hour
        # window it goes as the template's Twilio Content.
        channel = ChannelChoice(self.channel.value)
        if self.channel is Channel.WHATSAPP and self.noted.source is MessageSource.TEMPLATE:
            request = SendMessageRequest(
                lead_id=self.lead.id, channel=channel, template_id=self.noted.template_id
            )
        else:
            request = SendMessageRequest(
                lead_id=self.lead.id, channel=channel, body=self.noted.body, subject=self.noted.subject
            )
        metadata: dict[str, object] = {"message_source": self.noted.source.value}
        if self.noted.source is MessageSource.TEMPLATE:
            # Sent as a text, the message still names its template: a reply to a survey step is
            # read as its answer and counted for the survey's template and campaign.
            metadata["template_id"] = self.noted.template_id
            metadata["template_category"] = self.noted.template_category
        if self.noted.variant is not None:
            metadata["variant"] = self.noted.variant
        return Message(
            request,
            metadata,
            self.lead,
            self.context.thread,
            marketing_email(self.sequencer.tenant),
        )

    def note_sending(self) -> bool:
        """AP32: a first send claims the step and notes its message in one write; a resent one
        notes the message again under the claim taken to resume it."""
        assert self.noted is not None  # the message is written before it is noted
        repository = self.sequencer.repository
        if self.claim is None:
            claim = Claim.new(self.now)
            noted = repository.claim(self.due, claim.token, claim.lease_until, self.now, sending=self.noted)
            self.claim = claim if noted else None
        else:
            noted = repository.mark_sending(
                self.enrollment, self.claim.token, self.step.order, self.noted, self.now
            )
        self.pay_for_writing(used=noted, outcome="noted" if noted else "another worker had the step")
        if not noted:
            self.give_back()
        return noted

    def settle(self, result: SendResult) -> Outcome | None:
        """AP33: the step's decision, conditional on the claim."""
        self.pay_for_writing(used=False, outcome=f"not noted: {result.code}")
        return self.sequencer.settle_send(self, result)

    def pay_for_writing(self, *, used: bool, outcome: str) -> None:
        """Settle the model's tokens for the message once it is noted, or given up before it was."""
        if self.written is not None:
            self.sequencer.composer.settle(self.written, used=used, outcome=outcome)
            self.written = None

    def give_back(self) -> None:
        """Return the campaign's cap slot of a message that did not leave."""
        if self.counted:
            campaign = self.context.campaign
            day = local_day(self.now, campaign.timezone)
            self.sequencer.channel_settings.give_back_campaign_slot(campaign.id, self.channel, day)
            self.counted = False


_RUNNING = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.AWAITING_APPROVAL)
"""The statuses of a sequence a reply may still stop."""


def _paused(e: Enrollment, verdict: Verdict, now: datetime) -> Enrollment:
    """``e`` paused until the lead is back: it stays due and resumes by itself at ``verdict.until``."""
    return e.model_copy(
        update={
            "status": EnrollmentStatus.PAUSED,
            "resume_at": verdict.until,
            "out_of_office_at": e.out_of_office_at or now,
        }
    )


def _template_only(whatsapp: WhatsAppRoute | None) -> bool:
    return whatsapp is not None and whatsapp.route is Route.TEMPLATE


def _noted(composed: Composed, variant: str | None) -> PendingSend:
    return PendingSend(
        body=composed.body,
        subject=composed.subject,
        source=composed.source,
        template_id=composed.template_id,
        template_category=composed.template_category,
        variant=variant,
    )


def _reply_counted(before: Enrollment, after: Enrollment) -> VariantCount | None:
    """What a reply that ``after`` records for the first time adds to the figures of the A/B variant
    of the step it answered (``None``: no new reply, or a step without variants)."""
    if before.replied_at is not None or after.replied_at is None or after.replied_step is None:
        return None
    answered = [sent for sent in after.sent if sent.step == after.replied_step]
    variant = answered[-1].variant if answered else None
    figures = reply_figures(after.reply_kind)
    if variant is None or not figures:
        return None
    return VariantCount(after.campaign_id, after.replied_step, variant, figures)


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
