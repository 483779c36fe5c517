"""The benchmark's phases, in one run against one table, and the checks the spec asks for.

1. load two copies of the same tenants (not counted): one for the naive path, one for the project's,
   so both process the same due steps;
2. warm up on small tenants of their own (not counted): imports (the provider SDKs), caches, HTTP
   connections and the SSM cache are ready before the first measured phase, whichever path it runs;
3. the naive path over its copy, measured;
4. the project's path (the hourly job, tenant x shard) over its copy, measured;
5. both copies read back (not counted): nothing left due, the same state for every prospect;
6. the crash rounds (:mod:`bench.scheduler.crash`): fresh tenants, two concurrent worker processes,
   one killed mid-send, the run after the lease, duplicate sends and lost steps counted;
7. the bulk rounds (:mod:`bench.scheduler.bulk`): the same with a bulk send per tenant, duplicate
   sends and lost recipients counted.

The fake providers run for the whole benchmark; the product reaches them through ``TWILIO_API_URL``,
``RESEND_API_URL`` and the tenants' credentials in SSM (``SSM_ENDPOINT``, which must be set: the
benchmark never talks to AWS).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bench.scheduler.bulk import BulkRound, run_bulk_round
from bench.scheduler.counting import READS, SchedulerCounter, Stats
from bench.scheduler.crash import CrashRound, TwoWorkers, run_crash_round
from bench.scheduler.dataset import NOW, Scale, Tally, TenantPlan, copies, load, plan_tenants
from bench.scheduler.paths import PathRun, State, due_now, run_naive, run_project, states
from bench.scheduler.providers import Fakes, StepNames, duplicates, pointed_at, running_fakes
from bench.scheduler.scheduled import ScheduledRound, run_scheduled_round
from maxcore.dal.keys import DUE_SHARDS
from maxcore.services.composer import ai_configured
from maxcore.settings import get_settings

WARM_UP = Scale(tenants=2, steps=16, seed=1)
CRASH_CHANNELS = ("sms", "email")
DUE_INDEX = "Query TENANT#<t>#DUE#<n> (GSI2)"
ENROLLMENTS_OF_A_LEAD = "Query TENANT#<t>#LEADENROLL#<id> (GSI1)"


def crash_scale(scale: Scale) -> Scale:
    """Each crash round's tenants: at most 10, a tenth of the due steps (60 to 1,000)."""
    tenants = min(scale.tenants, 10)
    return Scale(tenants=tenants, steps=min(1_000, max(scale.steps // 10, 60, tenants)), seed=scale.seed + 1)


@dataclass
class Result:
    """Every figure of one benchmark run."""

    prefix: str
    scale: Scale
    now: datetime
    tally: Tally
    """One copy of the tenants (the other is the same)."""
    load_seconds: float
    naive: PathRun
    project: PathRun
    left_due: dict[str, int]
    differences: list[str]
    """Prospects the two paths left in different states (at most a few, for the report)."""
    different: int
    crash: list[CrashRound] = field(default_factory=list)
    crash_scale: Scale | None = None
    scheduled: ScheduledRound | None = None
    """Scheduled messages, on the crash rounds' scale: timers delivered twice, the sweep racing them."""
    bulk: list[BulkRound] = field(default_factory=list)

    def paths(self) -> list[PathRun]:
        return [self.naive, self.project]


def run_benchmark(
    prefix: str,
    scale: Scale,
    now: datetime = NOW,
    progress: Callable[[str], None] = print,
    warm_up: bool = True,
    crash: Scale | None = None,
    crash_channels: tuple[str, ...] = CRASH_CHANNELS,
) -> Result:
    """Load, measure the naive path and the project's, then the crash rounds."""
    if get_settings().ssm_endpoint is None:
        raise RuntimeError("SSM_ENDPOINT must point at a local SSM (moto): the benchmark never talks to AWS")
    if ai_configured():
        raise RuntimeError("unset ASSISTANT_API_KEY / OPENAI_API_KEY: the benchmark never calls a model")
    plans = plan_tenants(scale, now)
    naive_tenants, project_tenants = copies(f"{prefix}-n", plans), copies(f"{prefix}-p", plans)
    with running_fakes() as fakes, pointed_at(fakes.environment()):
        naive_tally = load(naive_tenants, progress, "load naive copy")
        tally = load(project_tenants, progress, "load project copy")
        counter = SchedulerCounter().attach()
        try:
            if warm_up:
                _warm_up(prefix, now, counter, fakes, progress)
            progress("naive path: one enrollments Query per lead, everything read again per prospect")
            naive = run_naive(_ids(naive_tenants), now, counter, fakes, StepNames(naive_tenants), progress)
            progress("project path: the hourly job, Sequencer.run_shard per tenant and shard")
            project = run_project(
                _ids(project_tenants), now, counter, fakes, StepNames(project_tenants), progress
            )
            left_due = {
                "naive": due_now(_ids(naive_tenants), now, counter),
                "project": due_now(_ids(project_tenants), now, counter),
            }
            different, differences = _compare(
                states(_campaigns(naive_tenants), counter), states(_campaigns(project_tenants), counter)
            )
        finally:
            counter.detach()
        result = Result(
            prefix=prefix,
            scale=scale,
            now=now,
            tally=tally,
            load_seconds=naive_tally.seconds + tally.seconds,
            naive=naive,
            project=project,
            left_due=left_due,
            differences=differences,
            different=different,
        )
        result.crash_scale = crash or crash_scale(scale)
        for channel in crash_channels:
            result.crash.append(
                run_crash_round(channel, result.crash_scale, f"{prefix}-c", now, fakes, progress)
            )
        result.scheduled = run_scheduled_round(result.crash_scale, prefix, now, fakes, progress)
        for channel in crash_channels:
            result.bulk.append(
                run_bulk_round(channel, result.crash_scale, f"{prefix}-c", now, fakes, progress)
            )
    return result


def run_bulk_rounds(
    prefix: str, scale: Scale, now: datetime = NOW, progress: Callable[[str], None] = print
) -> list[BulkRound]:
    """The bulk rounds alone (``--bulk-only``), with fake providers of their own."""
    with running_fakes() as fakes, pointed_at(fakes.environment()):
        return [
            run_bulk_round(channel, scale, f"{prefix}-c", now, fakes, progress) for channel in CRASH_CHANNELS
        ]


def _warm_up(
    prefix: str, now: datetime, counter: SchedulerCounter, fakes: Fakes, progress: Callable[[str], None]
) -> None:
    progress("warm-up on small tenants of its own (not counted)")
    plans = plan_tenants(WARM_UP, now)
    naive, project = copies(f"{prefix}-wn", plans), copies(f"{prefix}-wp", plans)
    load(naive + project, progress=lambda _: None)
    with counter.paused():
        run_naive(_ids(naive), now, counter, fakes, StepNames(naive), lambda _: None)
        run_project(_ids(project), now, counter, fakes, StepNames(project), lambda _: None)


def _ids(tenants: list[tuple[str, TenantPlan]]) -> list[str]:
    return [t for t, _ in tenants]


def _campaigns(tenants: list[tuple[str, TenantPlan]]) -> list[tuple[str, list[str]]]:
    return [(t, list(plan.campaign_ids)) for t, plan in tenants]


def _compare(
    naive: dict[tuple[str, str], State], project: dict[tuple[str, str], State]
) -> tuple[int, list[str]]:
    """Prospects whose state differs between the copies (the tenant ids differ, the leads do not)."""

    def by_copy(found: dict[tuple[str, str], State]) -> dict[tuple[str, str], tuple[object, ...]]:
        return {
            (tenant.rsplit("-", 1)[1], lead): (s.status, s.current_step, s.last, s.step_one, s.next_action_at)
            for (tenant, lead), s in found.items()
        }

    left, right = by_copy(naive), by_copy(project)
    keys = sorted(set(left) | set(right))
    different = [k for k in keys if left.get(k) != right.get(k)]
    return len(different), [f"{k}: naive {left.get(k)}, project {right.get(k)}" for k in different[:5]]


# --- checks --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One property the benchmark verifies, and the figures it was judged on."""

    name: str
    ok: bool
    detail: str


def expected_outcomes(tally: Tally) -> Counter[str]:
    """The outcomes the data call for (``stopped:replied`` counts as ``stopped``)."""
    found: Counter[str] = Counter()
    for name, n in tally.expected.items():
        found[name.split(":", 1)[0]] += n
    return found


def checks(result: Result) -> list[Check]:
    """The spec's properties, judged on the run's figures."""
    found: list[Check] = []
    naive, project = result.naive, result.project
    steps = result.tally.steps

    reads = sorted(label for label in project.stats.requests if label.split(" ", 1)[0] in READS)
    shards = project.tenants * DUE_SHARDS
    due_index = project.stats.requests[DUE_INDEX]
    found.append(
        Check(
            "project path reads the due index (Query on GSI2), not one query per prospect",
            due_index >= shards and project.stats.requests[ENROLLMENTS_OF_A_LEAD] == 0,
            f"{due_index:,} due-index Query pages for {shards:,} tenant x shard messages; "
            f"{project.stats.requests[ENROLLMENTS_OF_A_LEAD]:,} enrollments Queries per lead; "
            f"reads: {', '.join(reads)}",
        )
    )
    per_lead = naive.stats.requests[ENROLLMENTS_OF_A_LEAD]
    found.append(
        Check(
            "naive path: one enrollments Query per prospect, no due index",
            per_lead == steps and naive.stats.requests[DUE_INDEX] == 0,
            f"{per_lead:,} enrollments Queries for {steps:,} prospects",
        )
    )
    found.append(
        Check(
            "project path makes fewer DynamoDB requests than the naive one",
            project.stats.total < naive.stats.total,
            f"project {project.stats.total:,}, naive {naive.stats.total:,}",
        )
    )
    expected = expected_outcomes(result.tally)
    found.append(
        Check(
            "both paths processed every due step once, with the outcome the data call for",
            naive.due == project.due == steps and naive.outcomes == project.outcomes == expected,
            f"due: naive {naive.due:,}, project {project.due:,} of {steps:,}; outcomes: naive "
            f"{_counts(naive.outcomes)}; project {_counts(project.outcomes)}; expected {_counts(expected)}",
        )
    )
    found.append(
        Check(
            "both paths left every prospect in the same state, nothing due at now",
            result.different == 0 and not any(result.left_due.values()),
            f"{result.different} different; left due: naive {result.left_due['naive']}, "
            f"project {result.left_due['project']}" + "".join(f"; {d}" for d in result.differences),
        )
    )
    messages = []
    once = True
    for run in result.paths():
        extra, unnamed = duplicates(run.sends)
        once &= len(run.sends) == run.outcomes["sent"] and extra == 0 and unnamed == 0
        messages.append(
            f"{run.name}: {len(run.sends):,} messages for {run.outcomes['sent']:,} steps sent, "
            f"{extra} duplicates, {unnamed} unnamed"
        )
    found.append(Check("one message accepted per step sent, in both paths", once, "; ".join(messages)))
    stats = [run.stats for run in result.paths()]
    found.append(
        Check(
            "the hooks saw every request pynamodb sent, without error",
            all(s.sent == s.total and not s.errors for s in stats),
            ", ".join(f"{s.total:,}/{s.sent:,}" for s in stats)
            + "".join(f"; {e}" for s in stats for e in s.errors),
        )
    )
    for crash in result.crash:
        found += crash_checks(crash)
    if result.scheduled is not None:
        found.append(scheduled_check(result.scheduled))
    for bulk in result.bulk:
        found += bulk_checks(bulk)
    return found


def scheduled_check(scheduled: ScheduledRound) -> Check:
    """Scheduled messages: each due one sent once, whatever delivered it; none lost, none early."""
    return Check(
        "scheduled messages: duplicate sends = 0, lost = 0",
        scheduled.ok,
        f"{sum(scheduled.messages.values())} scheduled, {scheduled.deliveries} timer deliveries, "
        f"{scheduled.sweep_sent} sent by the sweep, {scheduled.accepted} messages accepted: "
        f"{scheduled.duplicates} duplicates, {scheduled.unnamed} unnamed, {scheduled.lost} lost",
    )


def crash_checks(crash: CrashRound) -> list[Check]:
    """The crash round's properties: a real crash, no duplicate send, no lost step."""
    name = f"crash round '{crash.channel}'"
    return [
        _survived(name, crash, crash.channel),
        Check(
            f"{name}: duplicate sends = 0",
            crash.duplicates == 0 and crash.unnamed == 0,
            f"{crash.duplicates} duplicates among {len(crash.sends):,} messages ({crash.unnamed} unnamed)",
        ),
        Check(
            f"{name}: lost steps = 0",
            crash.lost == 0,
            f"{crash.lost} lost of {crash.steps:,} due steps; ended {_counts(crash.final)}",
        ),
        Check(
            f"{name}: every record matches the providers",
            crash.phantom == 0 and crash.silent == 0 and crash.settled_twice == 0,
            f"{crash.phantom} recorded sent without a message, {crash.silent} with a message recorded "
            f"otherwise, {crash.settled_twice} settled twice; {crash.unconfirmed_delivered} unconfirmed "
            "step(s) whose message did leave",
        ),
    ]


def bulk_checks(bulk: BulkRound) -> list[Check]:
    """The bulk round's properties: a real crash, no duplicate send, no lost recipient."""
    name = f"bulk round '{bulk.channel}'"
    return [
        _survived(name, bulk, bulk.channel),
        Check(
            f"{name}: duplicate sends = 0",
            bulk.duplicates == 0 and bulk.unnamed == 0,
            f"{bulk.duplicates} duplicates among {bulk.messages:,} messages ({bulk.unnamed} unnamed)",
        ),
        Check(
            f"{name}: lost recipients = 0",
            bulk.lost == 0,
            f"{bulk.lost} lost of {bulk.recipients:,} leads; ended {_counts(bulk.final)}",
        ),
        Check(
            f"{name}: every record matches the providers and the counters",
            bulk.phantom == bulk.silent == bulk.miscounted == 0,
            f"{bulk.phantom} recorded sent without a message, {bulk.silent} with a message recorded "
            f"otherwise, {bulk.miscounted} bulk send(s) whose counters disagree",
        ),
    ]


def _survived(name: str, round_: TwoWorkers, channel: str) -> Check:
    """The round's victim died of SIGKILL with a message accepted; the survivor finished its work."""
    victim, survivor = round_.victim, round_.survivor
    summary = (survivor.summary if survivor is not None else None) or {}
    return Check(
        f"{name}: the victim died of SIGKILL with a message accepted, the survivor finished",
        round_.crashed
        and survivor is not None
        and survivor.returncode == 0
        and not summary.get("dead_lettered", 1),
        f"victim exit {None if victim is None else victim.returncode} after {round_.victim_accepted} "
        f"{channel} message(s) accepted; survivor exit "
        f"{None if survivor is None else survivor.returncode}, "
        f"{summary.get('redelivered', '?')} redelivered, "
        f"{summary.get('dead_lettered', '?')} dead-lettered",
    )


MAX_REQUESTS_PER_STEP = 4.0
"""Issue 16's goal: DynamoDB requests per due step on the project path (the floor is about 2)."""
MIN_CPU_RATIO = 2.0
"""Issue 16's goal: the naive loop's CPU per step over the project's, at least."""


def goals(result: Result) -> list[Check]:
    """Issue 16's goals for the scheduler's bill, judged on this run's figures."""
    naive, project = result.naive, result.project
    per_step = project.stats.total / max(project.due, 1)
    naive_units, units = (r.stats.write_units / max(r.due, 1) for r in (naive, project))
    naive_cpu, cpu = (r.stats.cpu_seconds / max(r.due, 1) for r in (naive, project))
    ratio = naive_cpu / cpu if cpu else 0.0
    crashes = result.crash
    rounds = "; ".join(f"{c.channel}: {c.duplicates} duplicates, {c.lost} lost" for c in crashes)
    return [
        Check(
            f"at most {MAX_REQUESTS_PER_STEP} DynamoDB requests per due step",
            per_step <= MAX_REQUESTS_PER_STEP,
            f"project {per_step:.2f}, naive {naive.stats.total / max(naive.due, 1):.2f}",
        ),
        Check(
            "write capacity per due step no more than the naive loop's",
            units <= naive_units,
            f"project {units:.2f}, naive {naive_units:.2f} ({units / max(naive_units, 1e-9):.2f}x)",
        ),
        Check(
            f"CPU per due step at least {MIN_CPU_RATIO:.0f}x better than the naive loop's (process)",
            ratio >= MIN_CPU_RATIO,
            f"project {cpu * 1000:.3f} ms, naive {naive_cpu * 1000:.3f} ms: {ratio:.2f}x",
        ),
        Check(
            "0 duplicate sends and 0 lost steps in both crash rounds",
            len(crashes) == len(CRASH_CHANNELS) and all(c.duplicates == c.lost == 0 for c in crashes),
            rounds or "no crash round",
        ),
    ]


def exit_status(result: Result) -> int:
    """0 when every crash and bulk round crashed for real and counted no duplicate and nothing lost,
    and the scheduled messages none either."""
    scheduled_ok = result.scheduled is None or result.scheduled.ok
    return 0 if scheduled_ok and all(c.ok for c in [*result.crash, *result.bulk]) else 1


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counter.most_common()) or "none"


__all__ = [
    "Check",
    "Result",
    "Stats",
    "bulk_checks",
    "checks",
    "crash_scale",
    "exit_status",
    "goals",
    "run_benchmark",
    "run_bulk_rounds",
]
