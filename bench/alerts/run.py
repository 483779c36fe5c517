"""The benchmark's phases, in one run against one table, and the checks the spec asks for.

1. load the tenant (not counted);
2. warm up on a small tenant of its own (not counted): imports, caches and HTTP connections are
   ready before the first measured phase, whichever path it runs;
3. the naive generation (it writes nothing, so the project's first run sees the same lead items);
4. the project's first generation: every alert that holds is opened;
5. the project's second generation at the same ``now``: nothing changed, nothing is written;
6. the project's generation a day later: what a daily sweep writes, the changes only.

The open alerts are read back after the first run to compare them with the naive path's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.alerts.counting import READS, RequestCounter, Stats, pattern
from bench.alerts.dataset import NOW, Scale, Tally, load
from bench.alerts.paths import (
    WORKER_BUDGET_SECONDS,
    Found,
    NaiveRun,
    PartitionSize,
    ProjectRun,
    count_lead_ids,
    lead_partition_size,
    open_alerts,
    run_naive,
    run_project,
)
from maxcore.dal import keys
from maxcore.models.alert import GenerationReport

PAGES_FACTOR = 1.2
"""The lead partition's Query pages may exceed the 1 MB pages its items fill by this factor."""

WARM_UP = Scale(leads=30, activities=300, days=60, seed=1)


@dataclass
class Result:
    """Every figure of one benchmark run."""

    tenant_id: str
    scale: Scale
    now: datetime
    tally: Tally
    naive: NaiveRun
    first: ProjectRun
    second: ProjectRun
    next_day: ProjectRun
    first_size: PartitionSize
    second_size: PartitionSize
    next_day_size: PartitionSize
    project_found: Found
    budget_seconds: float = WORKER_BUDGET_SECONDS
    """The time budget of each part of a run (the worker's invocation)."""
    division: tuple[int, float] = (0, 0.0)
    """Leads counted and seconds taken by a big tenant's division, keys only, over the whole partition."""

    @property
    def lead_partition(self) -> str:
        """The label of the Queries of the lead partition."""
        return f"Query {pattern(keys.lead_pk(self.tenant_id))}"

    @property
    def activity_partitions(self) -> str:
        """The label prefix of the Queries of a lead's activities."""
        return f"Query {pattern(keys.lead_pk(self.tenant_id))}#"

    @property
    def profile(self) -> str:
        """The label of the GetItem of the tenant profile."""
        return f"GetItem {pattern(keys.tenant_pk(self.tenant_id))} {keys.TENANT_PROFILE_SK}"

    def project_runs(self) -> list[tuple[str, ProjectRun, PartitionSize]]:
        return [
            ("1st run", self.first, self.first_size),
            ("2nd run", self.second, self.second_size),
            ("next day", self.next_day, self.next_day_size),
        ]


def run_benchmark(
    tenant_id: str,
    scale: Scale,
    now: datetime = NOW,
    progress: Callable[[str], None] = print,
    warm_up: bool = True,
    budget_seconds: float = WORKER_BUDGET_SECONDS,
) -> Result:
    """Load the tenant, then measure the naive path and three runs of the project's path.

    Each project run goes in parts of at most ``budget_seconds``, as the daily worker's invocations.
    """
    tally = load(tenant_id, scale, now, progress)
    counter = RequestCounter().attach()
    try:
        if warm_up:
            progress("warm-up on a small tenant of its own (not counted)")
            warm = f"{tenant_id}-warm-up"
            load(warm, WARM_UP, now, progress=lambda _: None)
            with counter.paused():
                run_naive(warm, now, counter)
                run_project(warm, now, counter)
                open_alerts(warm, counter)
        first_size = lead_partition_size(tenant_id, counter)
        progress("naive generation: one activities Query per lead")
        naive = run_naive(tenant_id, now, counter)
        progress("project generation, 1st run")
        first = run_project(tenant_id, now, counter, budget_seconds)
        project_found = open_alerts(tenant_id, counter)
        second_size = lead_partition_size(tenant_id, counter)
        progress("project generation, 2nd run (same now)")
        second = run_project(tenant_id, now, counter, budget_seconds)
        next_day_size = lead_partition_size(tenant_id, counter)
        progress("project generation, a day later")
        next_day = run_project(tenant_id, now + timedelta(days=1), counter, budget_seconds)
        division = count_lead_ids(tenant_id, counter)
    finally:
        counter.detach()
    return Result(
        tenant_id=tenant_id,
        scale=scale,
        now=now,
        tally=tally,
        naive=naive,
        first=first,
        second=second,
        next_day=next_day,
        first_size=first_size,
        second_size=second_size,
        next_day_size=next_day_size,
        project_found=project_found,
        budget_seconds=budget_seconds,
        division=division,
    )


@dataclass(frozen=True)
class Check:
    """One property the benchmark verifies, and the figures it was judged on."""

    name: str
    ok: bool
    detail: str


def checks(result: Result) -> list[Check]:
    """The spec's properties, judged on the run's figures."""
    found: list[Check] = []
    runs = result.project_runs()

    allowed = {result.profile, result.lead_partition}
    reads = {name: sorted(set(_read_labels(run.stats)) - allowed) for name, run, _ in runs}
    found.append(
        Check(
            "project reads only the tenant profile (one GetItem) and Query pages of the lead partition",
            all(not extra for extra in reads.values())
            and all(run.stats.requests[result.profile] == 1 for _, run, _ in runs),
            "; ".join(f"{name}: {', '.join(extra) or 'nothing else'}" for name, extra in reads.items()),
        )
    )

    pages: list[str] = []
    within = True
    for name, run, size in runs:
        queries = run.stats.requests[result.lead_partition]
        limit = PAGES_FACTOR * size.pages
        within &= queries <= limit
        pages.append(f"{name} {queries} <= {limit:.1f}")
    found.append(
        Check(f"lead partition Query pages within {PAGES_FACTOR} x the 1 MB pages", within, ", ".join(pages))
    )

    naive_queries = result.naive.stats.count(result.activity_partitions)
    found.append(
        Check(
            "naive path: one activities Query per lead at least",
            naive_queries >= result.naive.leads == result.scale.leads,
            f"{naive_queries:,} activity Queries for {result.naive.leads:,} leads",
        )
    )

    found.append(
        Check(
            "2nd run (same now) writes nothing",
            result.second.stats.write_requests == 0 and result.second.stats.items_written == 0,
            f"{result.second.stats.write_requests} write requests",
        )
    )

    changes: list[str] = []
    only_changes = True
    for name, run, _ in runs:
        lead_writes = run.stats.operations["TransactWriteItems"] + run.stats.operations["UpdateItem"]
        report = run.report
        changed = changed_leads(report)
        expected = lead_writes + report.opened + report.resolved
        only_changes &= run.stats.items_written == expected and changed <= lead_writes
        changes.append(
            f"{name} {run.stats.items_written:,} items = {lead_writes:,} lead writes"
            f" ({changed:,} leads changed) + {report.opened:,} opened + {report.resolved:,} resolved"
        )
    found.append(Check("writes only for the alerts that change", only_changes, "; ".join(changes)))

    naive, project = result.naive.found, result.project_found
    found.append(
        Check(
            "naive and project paths found the same (lead, alert type) pairs",
            naive == project,
            f"naive {len(naive):,}, project {len(project):,} open alerts, "
            f"{len(naive - project)} only naive, {len(project - naive)} only project",
        )
    )

    stats = [result.naive.stats] + [run.stats for _, run, _ in runs]
    found.append(
        Check(
            "the hooks saw every request pynamodb sent, without error",
            all(s.sent == s.total and not s.errors for s in stats),
            ", ".join(f"{s.total:,}/{s.sent:,}" for s in stats)
            + "".join(f"; {e}" for s in stats for e in s.errors),
        )
    )
    return found


def _read_labels(stats: Stats) -> list[str]:
    return [label for label in stats.requests if label.split(" ", 1)[0] in READS]


def changed_leads(report: GenerationReport) -> int:
    """The leads a generation wrote: neither unchanged nor lost to a concurrent writer."""
    return report.leads - report.unchanged - report.conflicts


def report_line(name: str, report: GenerationReport) -> str:
    """A generation report on one line."""
    return (
        f"{name}: {report.leads:,} leads, {report.opened:,} opened, {report.resolved:,} resolved, "
        f"{report.unchanged:,} unchanged, {report.preferred_channel_changed:,} preferred channel changed, "
        f"{report.conflicts:,} conflicts"
    )
