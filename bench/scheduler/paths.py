"""The two ways to run an hour's due prospection steps, each measured by a :class:`SchedulerCounter`.

- the project's: the hourly job as production runs it, one message per tenant and due-index shard,
  each a fresh :class:`maxcore.services.sequencer.Sequencer` (as ``scheduling._run_pending_actions``
  builds one per message) running :meth:`~maxcore.services.sequencer.Sequencer.run_shard`; here
  the messages run one after the other in this thread, with the fixed clock;
- the naive one: for each tenant in turn, its profile, then every lead (the lead partition's pages)
  and, per lead, one Query of its enrollments (no due index), keeping those due now; for each, the
  campaign and the scenario read again, the blacklist with one GetItem per address (no BatchGet),
  the channel settings and, for an e-mail step, the suppression list; the same rule decides
  (:func:`maxcore.rules.prospection.decide_step`), the same services write and send the message
  (``Composer.compose``, ``MessagingService.deliver``, which records the activity), and the outcome
  is written the simple way: the enrollment put whole and its interaction put, without claim, lease
  or condition.

Both send through the real SDKs to the same fake providers and run at the same fixed ``now``.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from bench.scheduler.counting import SchedulerCounter, Stats
from bench.scheduler.providers import Fakes, Send, StepNames, mark
from maxcore.dal import keys
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.enrollments import KEEP_DECISIONS, EnrollmentRepository, _interaction_item
from maxcore.dal.items import BlacklistItem
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.leads import LeadRepository
from maxcore.dal.scenarios import ScenarioRepository
from maxcore.dal.suppressions import SuppressionRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import ChannelUnavailableError, RateLimitedError, UpstreamError
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.jobs import Job
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import (
    Campaign,
    Enrollment,
    EnrollmentStatus,
    Interaction,
    Outcome,
    Scenario,
    ScenarioStep,
    SentStep,
)
from maxcore.models.tenant import Tenant
from maxcore.rules import channels as channel_rules
from maxcore.rules.prospection import StepFacts, Verdict, decide_step, to_decision
from maxcore.rules.replies import ENDING_CODES
from maxcore.rules.send_window import Window, next_open
from maxcore.services.composer import Composed, Composer
from maxcore.services.exactly_once import RETRY_AFTER_UPSTREAM
from maxcore.services.job_queue import SQS_BATCH
from maxcore.services.messaging import MessagingService
from maxcore.services.queueing import job_parts
from maxcore.services.run_cache import RunCache
from maxcore.services.sequencer import Sequencer, step_key


class Printed:
    """Where ``print`` goes while a path runs: Powertools prints its metrics (EMF) every 100 values."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        return None


@dataclass
class PathRun:
    """One path over a set of tenants: its requests, and what it did."""

    name: str
    tenants: int
    stats: Stats
    due: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    lost_races: int = 0
    ssm: Counter[str] = field(default_factory=Counter)
    provider_requests: int = 0
    sends: list[Send] = field(default_factory=list)
    metric_lines: int = 0
    """Lines Powertools printed (its EMF metrics), kept off the benchmark's output."""


@contextlib.contextmanager
def _measured(
    name: str, tenants: list[str], counter: SchedulerCounter, fakes: Fakes, names: StepNames
) -> Iterator[PathRun]:
    printed = Printed()
    requests, since = fakes.requests(), mark(fakes)
    counter.ssm.clear()
    with counter.measure() as stats, contextlib.redirect_stdout(printed):
        run = PathRun(name, len(tenants), stats)
        yield run
    run.ssm = Counter(counter.ssm)
    run.provider_requests = fakes.requests() - requests
    run.sends = names.sends(fakes, since)
    run.metric_lines = printed.lines


def run_project(
    tenants: list[str],
    now: datetime,
    counter: SchedulerCounter,
    fakes: Fakes,
    names: StepNames,
    progress: Callable[[str], None] = print,
) -> PathRun:
    """The hourly job: per shard message, a Sequencer's ``run_shard``, a batch at a time."""
    with _measured("project", tenants, counter, fakes, names) as run:
        done: set[str] = set()
        for batch in worker_batches(tenants):
            cache = RunCache(lambda: now)
            for tenant_id, shard in batch:
                report = Sequencer(tenant_id, clock=lambda: now, run=cache.tenant(tenant_id)).run_shard(shard)
                run.due += report.due
                run.outcomes.update(report.outcomes)
                run.lost_races += report.lost_races
                if shard == DUE_SHARDS - 1:
                    done.add(tenant_id)
                    _progress(progress, "project", len(done), len(tenants), run.due)
    return run


def worker_batches(tenants: list[str]) -> Iterator[list[tuple[str, int]]]:
    """The hourly job's shard messages as workers get them: in the fan-out's order, ten a batch.

    Each batch is one worker invocation, which shares one :class:`RunCache` among its messages (the
    tenant's automations message is in the batch too, and run apart: it is not measured here).
    """
    messages = ((t, job, shard) for t in tenants for job, shard in job_parts(Job.RUN_PENDING_ACTIONS))
    while batch := list(islice(messages, SQS_BATCH)):
        yield [(t, shard) for t, job, shard in batch if job is Job.RUN_PENDING_ACTIONS and shard is not None]


def run_naive(
    tenants: list[str],
    now: datetime,
    counter: SchedulerCounter,
    fakes: Fakes,
    names: StepNames,
    progress: Callable[[str], None] = print,
) -> PathRun:
    """Tenant after tenant, one enrollments Query per lead, everything else read again per prospect."""
    with _measured("naive", tenants, counter, fakes, names) as run:
        for done, tenant_id in enumerate(tenants, start=1):
            naive = _NaiveTenant(tenant_id, now)
            for lead in LeadRepository(tenant_id).iter_all():
                for e in EnrollmentRepository(tenant_id).for_lead(lead.id):
                    if not _due(e, now):
                        continue
                    run.due += 1
                    run.outcomes[naive.step(e, lead).value] += 1
            _progress(progress, "naive", done, len(tenants), run.due)
    return run


def _progress(progress: Callable[[str], None], name: str, done: int, total: int, due: int) -> None:
    if done % max(1, total // 5) == 0 or done == total:
        progress(f"  {name}: {done:>3}/{total} tenants, {due:>6,} due steps")


def _due(e: Enrollment, now: datetime) -> bool:
    return (
        e.status is EnrollmentStatus.ACTIVE
        and not e.held
        and e.next_action_at is not None
        and e.next_action_at <= now
    )


class _NaiveTenant:
    """The naive loop's work on one tenant's due steps."""

    def __init__(self, tenant_id: str, now: datetime) -> None:
        self.tenant_id = tenant_id
        self.now = now
        self.tenant: Tenant = TenantProfileRepository(tenant_id).get()
        self.messaging = MessagingService(tenant_id, lambda: now)
        self.composer = Composer(self.tenant)
        # Only for its pure ``advance`` (the next step's due time), the product's own rule.
        self.sequencer = Sequencer(tenant_id, clock=lambda: now, tenant=self.tenant)

    def step(self, e: Enrollment, lead: Lead) -> Outcome:
        """Read what the decision needs, decide, act, write; the outcome."""
        t, now = self.tenant_id, self.now
        campaign = CampaignRepository(t).get(e.campaign_id)
        scenario = ScenarioRepository(t).get(e.scenario_id, e.scenario_version)
        step = scenario.step(e.current_step)
        blacklisted = any(
            _blacklisted(t, kind, value)
            for kind, value in (("email", lead.email), ("phone", lead.phone))
            if value
        )
        enabled = frozenset(c for c, s in ChannelRepository(t).list_all().items() if s.enabled)
        facts = StepFacts(
            now=now,
            enrollment=e,
            campaign_status=campaign.status,
            step=step,
            lead=lead,
            window=Window.of(campaign.send_window, campaign.timezone),
            mode=self.tenant.mode,
            blacklisted=blacklisted,
            refusal=self._refusal(lead, step, enabled),
        )
        verdict = decide_step(facts)
        if verdict.outcome is Outcome.SENT and step is not None:
            verdict, after, extra = self._send(e, campaign, scenario, step, lead, verdict)
        else:
            after, extra = self._without_message(e, campaign, scenario, lead, verdict), {}
        decision = to_decision(
            verdict,
            locale=self.tenant.locale.value,
            timezone=campaign.timezone,
            now=now,
            step=step,
            **extra,
        )
        after = after.model_copy(
            update={"decisions": [*after.decisions, decision][-KEEP_DECISIONS:], "updated_at": now}
        )
        # The simple way: the whole enrollment put back (its due-index keys follow its state) and
        # the interaction put, no claim, no condition.
        EnrollmentRepository(t)._item(after).save()
        _interaction_item(
            t, Interaction(id=new_id(), campaign_id=e.campaign_id, lead_id=e.lead_id, decision=decision)
        ).save()
        return verdict.outcome

    def _refusal(
        self, lead: Lead, step: ScenarioStep | None, enabled: frozenset[Channel]
    ) -> channel_rules.Refusal | None:
        if step is None or step.channel.channel is None:
            return None
        channel = step.channel.channel
        suppressed: frozenset[Channel] = frozenset()
        if (
            channel is Channel.EMAIL
            and lead.email
            and SuppressionRepository(self.tenant_id).is_suppressed(lead.email)
        ):
            suppressed = frozenset({Channel.EMAIL})
        return channel_rules.refusal(
            lead,
            channel,
            channel_rules.ChannelFacts(
                enabled=enabled,
                suppressed=suppressed,
                whatsapp_template=self.composer.whatsapp_template(step),
            ),
            self.now,
        )

    def _send(
        self,
        e: Enrollment,
        campaign: Campaign,
        scenario: Scenario,
        step: ScenarioStep,
        lead: Lead,
        verdict: Verdict,
    ) -> tuple[Verdict, Enrollment, dict[str, Any]]:
        now, channel = self.now, step.channel.channel
        assert channel is not None
        history = [
            f"step {s.step} ({s.channel.value}): {scenario_objective(scenario, s.step)}" for s in e.sent
        ]
        composed = self.composer.compose(step, lead, history)
        assert isinstance(composed, Composed), "every bench step has a library template"
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
        extra: dict[str, Any] = {"source": composed.source}
        try:
            sent = self.messaging.deliver(
                request, f"max:campaign:{campaign.id}", step_key(campaign.id, lead.id, step.order), metadata
            )
        except (RateLimitedError, UpstreamError) as exc:
            until = next_open(Window.of(campaign.send_window, campaign.timezone), now + RETRY_AFTER_UPSTREAM)
            code = "daily_cap" if isinstance(exc, RateLimitedError) else "provider_unavailable"
            return (
                Verdict(Outcome.DEFERRED, code, until=until),
                e.model_copy(update={"next_action_at": until}),
                {},
            )
        except ChannelUnavailableError as exc:
            outcome = (
                Outcome.FAILED if exc.code in ("provider_refused", "invalid_address") else Outcome.SKIPPED
            )
            failed = Verdict(outcome, exc.code, {"detail": exc.message[:120]})
            return failed, self.sequencer.advance(e, scenario, campaign, now), extra
        sent_step = SentStep(
            step=step.order,
            channel=step.channel,
            source=composed.source,
            template_id=composed.template_id,
            at=now,
        )
        extra["activity_id"] = sent.activity.id
        return verdict, self.sequencer.advance(e, scenario, campaign, now, sent_step), extra

    def _without_message(
        self, e: Enrollment, campaign: Campaign, scenario: Scenario, lead: Lead, verdict: Verdict
    ) -> Enrollment:
        if verdict.outcome is Outcome.STOPPED:
            changes: dict[str, object] = {"status": EnrollmentStatus.STOPPED, "next_action_at": None}
            if verdict.code in ENDING_CODES and lead.summary.last_inbound_at is not None:
                changes.update(
                    replied_at=lead.summary.last_inbound_at,
                    replied_step=e.sent[-1].step if e.sent else None,
                    reply_kind=lead.summary.last_reply_kind,
                )
            return e.model_copy(update=changes)
        if verdict.outcome is Outcome.COMPLETED:
            return e.model_copy(update={"status": EnrollmentStatus.COMPLETED, "next_action_at": None})
        if verdict.outcome is Outcome.HELD:
            return e.model_copy(update={"held": True})
        if verdict.outcome is Outcome.DEFERRED:
            return e.model_copy(update={"next_action_at": verdict.until})
        if verdict.outcome is Outcome.SKIPPED:
            return self.sequencer.advance(e, scenario, campaign, self.now)
        # Drafts, recommendations and tasks: the benchmark's tenants are in auto mode, with no manual step.
        raise NotImplementedError(f"the naive loop does not handle {verdict.outcome.value}")


def _blacklisted(tenant_id: str, kind: str, value: str) -> bool:
    """One GetItem per address (the repository asks for both in one BatchGet)."""
    try:
        BlacklistItem.get(keys.blacklist_pk(tenant_id), keys.blacklist_sk(kind, value))
    except BlacklistItem.DoesNotExist:
        return False
    return True


def scenario_objective(scenario: Scenario, order: int) -> str:
    """The objective of step ``order`` (the history line the composer gets)."""
    step = scenario.step(order)
    return "" if step is None else step.objective


# --- reading back (not counted) -----------------------------------------------------------------------
def due_now(tenants: list[str], at: datetime, counter: SchedulerCounter | None = None) -> int:
    """Enrollments the due index holds at ``at`` for ``tenants`` (not counted)."""
    with counter.paused() if counter is not None else contextlib.nullcontext():
        return sum(
            1 for t in tenants for shard in range(DUE_SHARDS) for _ in EnrollmentRepository(t).due(shard, at)
        )


@dataclass(frozen=True)
class State:
    """Where one enrollment stands: what the comparisons and the crash phase look at."""

    status: str
    current_step: int
    last: tuple[str, str, int | None]
    """The last decision: (outcome, code, step)."""
    step_one: tuple[str, ...]
    """The outcomes of every decision the scheduler took about step 1 (the enrollment's excluded)."""
    claimed: bool
    sending: bool
    next_action_at: datetime | None


def states(
    tenants: list[tuple[str, list[str]]], counter: SchedulerCounter | None = None
) -> dict[tuple[str, str], State]:
    """Every enrollment of the (tenant id, campaign ids) given, by (tenant id, lead id); not counted."""
    found: dict[tuple[str, str], State] = {}
    with counter.paused() if counter is not None else contextlib.nullcontext():
        for tenant_id, campaign_ids in tenants:
            repository = EnrollmentRepository(tenant_id)
            for campaign_id in campaign_ids:
                for e in repository.iter_campaign(campaign_id):
                    last = e.decisions[-1]
                    found[(tenant_id, e.lead_id)] = State(
                        status=e.status.value,
                        current_step=e.current_step,
                        last=(last.outcome.value, last.code, last.step),
                        step_one=tuple(
                            d.outcome.value for d in e.decisions if d.step == 1 and d.code != "enrolled"
                        ),
                        claimed=e.claim_token is not None,
                        sending=e.sending_step is not None,
                        next_action_at=e.next_action_at,
                    )
    return found
