"""The benchmark's figures as text: the two paths side by side, the ratios, the crash rounds, the checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from bench.scheduler.bulk import BulkRound
from bench.scheduler.crash import CrashRound, Worker
from bench.scheduler.paths import PathRun
from bench.scheduler.run import Result, bulk_checks, checks, goals
from bench.scheduler.scheduled import ScheduledRound

_WIDTH = 58
_COLUMN = 14
_MIB = 1024 * 1024


def render(result: Result) -> list[str]:
    """Every figure of ``result``, as lines to print."""
    lines = [*_data(result), ""]
    lines += _table(result.paths())
    lines.append("")
    lines += _ratios(result.naive, result.project)
    lines.append("")
    for crash in result.crash:
        lines += _crash(crash)
        lines.append("")
    if result.scheduled is not None:
        lines += _scheduled(result.scheduled)
    for bulk in result.bulk:
        lines += _bulk(bulk)
        lines.append("")
    lines.append("checks")
    lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in checks(result)]
    lines += ["", "goals (issue 16: the scheduler's bill)"]
    lines += [f"  {'MET' if g.ok else 'NOT MET'}  {g.name}: {g.detail}" for g in goals(result)]
    return lines


def render_bulk(rounds: list[BulkRound]) -> list[str]:
    """The bulk rounds' figures and checks (``--bulk-only``), as lines to print."""
    lines = []
    for bulk in rounds:
        lines += [*_bulk(bulk), ""]
    lines.append("checks")
    lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for b in rounds for c in bulk_checks(b)]
    return lines


def _data(result: Result) -> list[str]:
    tally = result.tally
    return [
        f"{tally.tenants} tenants x 2 copies (naive, project), {tally.steps:,} due steps each "
        f"({tally.smallest} to {tally.largest} per tenant), loaded in {result.load_seconds:.1f} s "
        f"(not counted); now = {result.now.isoformat()}",
        f"  first step: {_counts(tally.first_channels)}; expected: {_counts(tally.expected)}",
    ]


def _table(runs: list[PathRun]) -> list[str]:
    labels = sorted({label for run in runs for label in run.stats.requests}, key=_label_order)
    rows: list[tuple[str, list[str]]] = [("DynamoDB requests", [""] * len(runs))]
    rows += [(f"  {label}", [f"{run.stats.requests[label]:,}" for run in runs]) for label in labels]

    def row(name: str, value: Callable[[PathRun], str]) -> tuple[str, list[str]]:
        return name, [value(run) for run in runs]

    rows += [
        row("  total", lambda r: f"{r.stats.total:,}"),
        row("requests per step", lambda r: f"{r.stats.total / max(r.due, 1):.2f}"),
        row("read requests per step", lambda r: f"{r.stats.read_requests / max(r.due, 1):.2f}"),
        row("write requests per step", lambda r: f"{r.stats.write_requests / max(r.due, 1):.2f}"),
        row("items read", lambda r: f"{r.stats.items_read:,}"),
        row("bytes read (HTTP bodies)", lambda r: f"{r.stats.bytes_read / _MIB:,.2f} MiB"),
        row("read capacity units", lambda r: f"{r.stats.read_units:,.1f}"),
        row("items written", lambda r: f"{r.stats.items_written:,}"),
        row("write capacity units", lambda r: f"{r.stats.write_units:,.1f}"),
        row("SSM requests (credentials)", lambda r: f"{sum(r.ssm.values()):,}"),
        row("provider HTTP requests", lambda r: f"{r.provider_requests:,}"),
        row("messages accepted by the providers", lambda r: f"{len(r.sends):,}"),
        row("due steps processed", lambda r: f"{r.due:,}"),
        row("metric lines printed (Powertools EMF)", lambda r: f"{r.metric_lines:,}"),
        row("wall time", lambda r: f"{r.stats.wall_seconds:,.1f} s"),
        row("CPU per step (process)", lambda r: _ms(r.stats.cpu_seconds, r.due)),
        row("CPU per step (this thread)", lambda r: _ms(r.stats.thread_cpu_seconds, r.due)),
    ]
    lines = [f"{'':<{_WIDTH}}" + "".join(f"{run.name:>{_COLUMN}}" for run in runs)]
    lines += [f"{name:<{_WIDTH}}" + "".join(f"{v:>{_COLUMN}}" for v in values) for name, values in rows]
    lines.append("outcomes: " + "; ".join(f"{run.name} {_counts(run.outcomes)}" for run in runs))
    lines += ["", "write capacity units per due step, by request"]
    written = sorted({label for run in runs for label in run.stats.write_units_by}, key=_label_order)
    lines += [
        f"  {label:<{_WIDTH - 2}}"
        + "".join(
            f"{run.stats.write_units_by.get(label, 0.0) / max(run.due, 1):>{_COLUMN}.2f}" for run in runs
        )
        for label in written
    ]
    return lines


def _ratios(naive: PathRun, project: PathRun) -> list[str]:
    figures: list[tuple[str, Callable[[PathRun], float]]] = [
        ("requests per step", lambda r: r.stats.total / max(r.due, 1)),
        ("read requests per step", lambda r: r.stats.read_requests / max(r.due, 1)),
        ("write requests per step", lambda r: r.stats.write_requests / max(r.due, 1)),
        ("items read", lambda r: r.stats.items_read),
        ("read capacity units", lambda r: r.stats.read_units),
        ("items written", lambda r: r.stats.items_written),
        ("write capacity units", lambda r: r.stats.write_units),
        ("CPU per step (process)", lambda r: r.stats.cpu_seconds / max(r.due, 1)),
        ("CPU per step (this thread)", lambda r: r.stats.thread_cpu_seconds / max(r.due, 1)),
        ("wall time", lambda r: r.stats.wall_seconds),
    ]
    lines = ["naive / project"]
    for name, figure in figures:
        value = figure(project)
        lines.append(
            f"  {name:<{_WIDTH - 2}}" + (f"{figure(naive) / value:>{_COLUMN},.2f}x" if value else "-")
        )
    return lines


def _crash(crash: CrashRound) -> list[str]:
    lines = [
        f"crash round '{crash.channel}': {crash.steps:,} due steps over {crash.tenants} tenants "
        f"(loaded in {crash.load_seconds:.1f} s), {crash.seconds:.1f} s in all"
    ]
    lines += _workers(crash.workers, crash.channel, crash.victim_accepted)
    lines += [
        f"  after the crash: {crash.claimed_after_crash} step(s) still claimed "
        f"({crash.sending_after_crash} with a send started), "
        f"{crash.due_after_lease} due again at now + LEASE + 1 min",
        f"  run after the lease: {crash.rerun_due} due, outcomes {_counts(crash.rerun_outcomes)}, "
        f"{crash.rerun_lost_races} lost races",
        f"  messages accepted by the providers: {len(crash.sends):,}; steps ended: {_counts(crash.final)}",
        f"  duplicate sends: {crash.duplicates}; lost steps: {crash.lost}; still due: {crash.still_due}; "
        f"unconfirmed with the message gone out: {crash.unconfirmed_delivered}",
    ]
    return lines


def _bulk(bulk: BulkRound) -> list[str]:
    lines = [
        f"bulk round '{bulk.channel}': {bulk.tenants} bulk sends to {bulk.recipients:,} leads "
        f"(loaded in {bulk.load_seconds:.1f} s), {bulk.seconds:.1f} s in all"
    ]
    lines += _workers(bulk.workers, bulk.channel, bulk.victim_accepted)
    lines += [
        f"  bulk messages accepted by the providers: {bulk.messages:,} ({bulk.unnamed} unnamed); "
        f"recipients ended: {_counts(bulk.final)}",
        f"  duplicate sends: {bulk.duplicates}; lost recipients: {bulk.lost}; recorded sent without a "
        f"message: {bulk.phantom}; with a message recorded otherwise: {bulk.silent}; bulk sends whose "
        f"counters disagree: {bulk.miscounted}",
    ]
    return lines


def _workers(workers: list[Worker], channel: str, victim_accepted: int) -> list[str]:
    lines = []
    for worker in workers:
        summary = worker.summary or {}
        what = (
            f"killed by SIGKILL (exit {worker.returncode}) after {victim_accepted} {channel} "
            f"message(s) accepted, the last one unanswered"
            if worker.killed
            else f"exit {worker.returncode}, {summary.get('due', '?')} due read, outcomes "
            f"{_counts(Counter(summary.get('outcomes', {})))}, {summary.get('lost_races', '?')} lost races, "
            f"{summary.get('redelivered', '?')} redelivered, "
            f"{summary.get('dead_lettered', '?')} dead-lettered, "
            f"{summary.get('seconds', '?')} s"
        )
        lines.append(f"  {worker.role} (pid {worker.pid}): {what}")
        for error, n in (summary.get("errors") or {}).items():
            lines.append(f"    error x{n}: {error}")
        if worker.returncode not in (0, -9) and worker.stderr:
            lines.append(f"    stderr: {worker.stderr[-600:]}")
    return lines


def _scheduled(scheduled: ScheduledRound) -> list[str]:
    return [
        f"scheduled messages over {scheduled.tenants} tenants ({scheduled.seconds:.1f} s): "
        f"{_counts(scheduled.messages)}",
        f"  {scheduled.deliveries} timer deliveries (each due timer twice, by two threads at once), "
        f"the hourly sweep racing them sent {scheduled.sweep_sent}",
        f"  {scheduled.accepted} messages accepted by Twilio: {scheduled.duplicates} duplicate sends, "
        f"{scheduled.unnamed} unnamed; {scheduled.lost} lost",
        f"  ended: {_counts(scheduled.final)}",
    ]


def _label_order(label: str) -> tuple[int, str]:
    operation = label.split(" ", 1)[0]
    order = ("GetItem", "Query", "BatchGetItem", "PutItem", "UpdateItem", "TransactWriteItems")
    return (order.index(operation) if operation in order else len(order), label)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in counter.most_common()) or "none"


def _ms(seconds: float, steps: int) -> str:
    return f"{seconds * 1000 / max(steps, 1):.3f} ms"
