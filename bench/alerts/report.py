"""The benchmark's figures as text: one column per measured phase, then the ratios and the checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from bench.alerts.counting import Stats
from bench.alerts.paths import PAGE_BYTES, PartitionSize
from bench.alerts.run import Result, changed_leads, checks, report_line
from maxcore.services.continuations import MAX_SEGMENTS
from maxcore.settings import get_settings

_WIDTH = 40
_COLUMN = 13


def render(result: Result) -> list[str]:
    """Every figure of ``result``, as lines to print."""
    lines = [*_tenant(result), ""]
    lines += _partition(result)
    lines.append("")
    columns = [("naive", result.naive.stats)] + [
        (f"project {name}", run.stats) for name, run, _ in result.project_runs()
    ]
    lines += _table(columns, [result.naive.leads] + [run.report.leads for _, run, _ in result.project_runs()])
    lines.append(_write_units_per_changed_lead(result))
    lines.append("")
    lines += _ratios(result)
    lines.append("")
    lines.append("generation reports (project)")
    lines += [f"  {report_line(name, run.report)}" for name, run, _ in result.project_runs()]
    lines.append(
        f"  alerts open after the 1st run: {_counts(Counter(t.value for _, t in result.project_found))}"
    )
    lines.append(
        f"  alerts found by the naive path: {_counts(Counter(t.value for _, t in result.naive.found))}"
    )
    lines.append("")
    lines += _invocations(result)
    lines.append("")
    lines.append("checks")
    lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in checks(result)]
    return lines


def _tenant(result: Result) -> list[str]:
    tally = result.tally
    return [
        f"tenant {result.tenant_id}: {tally.leads:,} leads ({tally.silent_leads:,} without activity), "
        f"{tally.activities:,} activities ({tally.inbound:,} inbound) over {result.scale.days} days, "
        f"loaded in {tally.seconds:.1f} s (not counted); now = {result.now.isoformat()}",
        f"  statuses: {_counts(tally.statuses)}",
        f"  channels: {_counts(tally.channels)}",
        f"  inbound intents: {_counts(tally.intents)}",
    ]


def _partition(result: Result) -> list[str]:
    def size(name: str, s: PartitionSize) -> str:
        return f"{name} {s.bytes / PAGE_BYTES:.2f} MiB = {s.pages} pages"

    sizes = ", ".join(size(name, s) for name, _, s in result.project_runs())
    return [
        f"lead partition: {result.first_size.items:,} lead items; their DynamoDB item size"
        " (attribute names + values) before each project run:",
        f"  {sizes} (pages of 1 MiB, rounded up)",
    ]


def _table(columns: list[tuple[str, Stats]], leads: list[int]) -> list[str]:
    labels = sorted({label for _, s in columns for label in s.requests}, key=_label_order)
    rows: list[tuple[str, list[str]]] = [("DynamoDB requests", [""] * len(columns))]
    rows += [(f"  {label}", [f"{s.requests[label]:,}" for _, s in columns]) for label in labels]

    def row(name: str, value: Callable[[Stats], str]) -> tuple[str, list[str]]:
        return name, [value(s) for _, s in columns]

    per_lead = list(zip(columns, leads, strict=True))
    rows += [
        row("  total", lambda s: f"{s.total:,}"),
        row("read requests", lambda s: f"{s.read_requests:,}"),
        row("write requests", lambda s: f"{s.write_requests:,}"),
        row("items read", lambda s: f"{s.items_read:,}"),
        row("bytes read (HTTP bodies)", lambda s: _mib(s.bytes_read)),
        row("read capacity units", lambda s: f"{s.read_units:,.1f}"),
        row("items written", lambda s: f"{s.items_written:,}"),
        row("write capacity units", lambda s: f"{s.write_units:,.1f}"),
        row("wall time", lambda s: f"{s.wall_seconds:,.2f} s"),
        ("CPU per lead (process)", [_ms(s.cpu_seconds, n) for (_, s), n in per_lead]),
        ("CPU per lead (this thread)", [_ms(s.thread_cpu_seconds, n) for (_, s), n in per_lead]),
    ]
    header = "".join(f"{name.split(' ', 1)[0]:>{_COLUMN}}" for name, _ in columns)
    subheader = "".join(f"{[*name.split(' ', 1), ''][1]:>{_COLUMN}}" for name, _ in columns)
    lines = [f"{'':<{_WIDTH}}{header}", f"{'':<{_WIDTH}}{subheader}"]
    lines += [f"{name:<{_WIDTH}}" + "".join(f"{v:>{_COLUMN}}" for v in values) for name, values in rows]
    return lines


def _write_units_per_changed_lead(result: Result) -> str:
    """What a changed lead costs in writes, every index included (the alert and the lead together)."""
    cells = []
    for name, run, _ in result.project_runs():
        changed = changed_leads(run.report)
        cells.append(f"{name} {run.stats.write_units / changed:,.1f}" if changed else f"{name} -")
    return f"write capacity units per changed lead: {', '.join(cells)}"


def _ratios(result: Result) -> list[str]:
    naive = result.naive.stats
    runs = result.project_runs()
    figures: list[tuple[str, Callable[[Stats, int], float]]] = [
        ("read requests", lambda s, _: s.read_requests),
        ("all requests", lambda s, _: s.total),
        ("items read", lambda s, _: s.items_read),
        ("bytes read", lambda s, _: s.bytes_read),
        ("CPU per lead (process)", lambda s, n: s.cpu_seconds / max(n, 1)),
        ("CPU per lead (this thread)", lambda s, n: s.thread_cpu_seconds / max(n, 1)),
    ]
    header = "".join(f"{name:>{_COLUMN}}" for name, _, _ in runs)
    lines = [f"{'naive / project':<{_WIDTH}}{header}"]
    for name, figure in figures:
        base = figure(naive, result.naive.leads)
        cells = []
        for _, run, _ in runs:
            value = figure(run.stats, run.report.leads)
            cells.append(f"{base / value:,.1f}x" if value else "-")
        lines.append(f"  {name:<{_WIDTH - 2}}" + "".join(f"{c:>{_COLUMN}}" for c in cells))
    return lines


PROJECTED_LEADS = 1_000_000


def _invocations(result: Result) -> list[str]:
    budget = result.budget_seconds
    lines = [f"worker invocations (each part stops within a budget of {budget:,.0f} s)"]
    lines += [
        f"  {name}: {len(run.parts)} invocation(s), the longest {max(run.parts):,.1f} s"
        for name, run, _ in result.project_runs()
    ]
    counted, seconds = result.division
    lines.append(f"  division of a big tenant (keys only): {counted:,} leads counted in {seconds:,.1f} s")
    lines.append(f"  projected to {PROJECTED_LEADS:,} leads at this run's pace:")
    for name, run, _ in (result.project_runs()[0], result.project_runs()[2]):
        lines.append(f"    {name}: {_projection(run.report.leads, sum(run.parts), counted, seconds, budget)}")
    return lines


def _projection(leads: int, sweep_seconds: float, counted: int, count_seconds: float, budget: float) -> str:
    """Invocations in a row for the projected tenant, and the elapsed time once divided into segments.

    The division is followed as the worker runs it: the first part evaluates what its budget allows;
    then each division part counts what its budget allows and queues up to :data:`MAX_SEGMENTS`
    segments of what it counted, which start at once while the next division part counts on.
    """
    per_lead = sweep_seconds / max(leads, 1)
    per_part = max(int(budget / per_lead), 1) if per_lead > 0 else PROJECTED_LEADS
    per_count = max(int(budget * counted / count_seconds), 1) if count_seconds > 0 else PROJECTED_LEADS
    size = max(per_part, get_settings().sweep_segment_min_leads)
    rest, started, finished, divisions, segments = PROJECTED_LEADS - per_part, budget, budget, 0, 0
    while rest > 0:
        share = min(rest, per_count)
        rest -= share
        divisions += 1
        started += share / max(per_count, 1) * budget
        queued = min(MAX_SEGMENTS, _ceil(share, size))
        segments += queued
        finished = max(finished, started + _ceil(_ceil(share, queued), per_part) * budget)
    return (
        f"{per_lead * PROJECTED_LEADS:,.0f} s of sweep = {_ceil(PROJECTED_LEADS, per_part)} invocations of "
        f"{per_part:,} leads in a row; divided: 1 part + {divisions} division part(s) of up to "
        f"{per_count:,} leads counted + {segments} segments, about {finished / 60:,.0f} min"
    )


def _ceil(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _label_order(label: str) -> tuple[int, str]:
    operation = label.split(" ", 1)[0]
    order = ("GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem", "TransactWriteItems")
    return (order.index(operation) if operation in order else len(order), label)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counter.most_common()) or "none"


def _mib(size: int) -> str:
    return f"{size / PAGE_BYTES:,.2f} MiB"


def _ms(seconds: float, leads: int) -> str:
    return f"{seconds * 1000 / max(leads, 1):.3f} ms"
