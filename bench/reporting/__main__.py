"""``python -m bench.reporting``: what the reporting counters add to the write of each message.

python -m bench.reporting [--messages 400] [--backend local|moto]

A message's life is written twice: its activity (AP8, a transaction with the lead's summary and the
provider reference) and its status moved forward by the provider's report (AP10, a transaction with the
lead's summary). The counters add one item to each transaction (two for a message sent from a template:
its channel's day and its template's month). Half the messages are written without the counters (the
baseline, the same repository calls with nothing to count), half with them, each to its own lead, the
two alternating message by message, and the figures are printed side by side with their ratio: requests,
items written, wall and CPU time. Capacity units are not printed: DynamoDB Local reports a flat 4 units
for any TransactWriteItems, whatever its items, and moto none; on AWS a transaction costs 2 write units
per item of up to 1 KB, so each counter item (about 100 bytes) adds 2. The table is created from
template.yaml on a DynamoDB the benchmark starts and stops itself; fake credentials, never AWS.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bench.alerts.__main__ import _backend, _create_table, _environment

if TYPE_CHECKING:
    from bench.alerts.counting import Stats

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENANT = "bench-reporting"
TEMPLATE = "01JFVENTS0DEMA0000000000TP"
WARM_UP = 10
"""Messages written each way before the measure (imports, connections, the counters' first items)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.reporting", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400, help="messages written in all (default 400)")
    parser.add_argument("--backend", choices=("local", "moto"), default="local", help="default: local")
    return parser


def run(messages: int, say: Callable[[str], None]) -> None:
    """Write ``messages`` messages, half without the counters and half with them, and print both."""
    from bench.alerts.counting import RequestCounter, Stats
    from maxcore.dal.activities import ActivityRepository, StatusChange
    from maxcore.dal.leads import LeadRepository
    from maxcore.ids import new_id
    from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
    from maxcore.models.lead import Lead
    from maxcore.rules import reporting as rules
    from maxcore.rules.summary import apply_activity, apply_delivery
    from maxcore.services.tenants import provision_tenant

    timezone = provision_tenant(TENANT, "Bench")[0].timezone
    leads = LeadRepository(TENANT)
    activities = ActivityRepository(TENANT)
    counter = RequestCounter().attach()
    numbers = itertools.count()

    def write(counted: bool, stats: Stats) -> None:
        """One message sent from a template to a new lead, then reported delivered; only the two
        writes are counted into ``stats``, with their time."""
        index = next(numbers)
        now = NOW + timedelta(seconds=index)
        with counter.paused():
            lead = leads.create(Lead(id=new_id(), first_name=f"Lead {index}", created_at=now, updated_at=now))
        sent = Activity(
            id=new_id(),
            lead_id=lead.id,
            channel=ActivityChannel.EMAIL,
            direction=Direction.OUT,
            status=ActivityStatus.SENT,
            provider_message_id=f"bench-{index}",
            occurred_at=now,
            metadata={"template_id": TEMPLATE},
        )
        summary = apply_activity(lead.summary, sent, now)
        counts = rules.outbound_counts(sent, timezone) if counted else rules.NOTHING
        timed(stats, lambda: activities.record(lead, sent, summary, None, counts))
        lead = lead.model_copy(update={"summary": summary, "version": lead.version + 1})
        with counter.paused():
            ref = activities.find_by_provider_id(sent.provider_message_id or "")
        assert ref is not None
        status = ActivityStatus.DELIVERED
        (step,) = rules.status_steps(status, ("unconfirmed", "queued", "sent"))
        change = StatusChange(status=status.value, at=now, allowed_from=step.from_statuses)
        delivered = apply_delivery(lead.summary, sent.id, status, now)
        moved = rules.status_counts(step.facts, now, "email", timezone) if counted else rules.NOTHING
        timed(stats, lambda: activities.advance_status(lead, ref, change, delivered, None, moved))

    def timed(stats: Stats, action: Callable[[], object]) -> None:
        """Run ``action`` with its requests and its time counted into ``stats``."""
        counter.stats = stats
        wall, cpu = time.perf_counter(), time.thread_time()
        action()
        stats.wall_seconds += time.perf_counter() - wall
        stats.thread_cpu_seconds += time.thread_time() - cpu
        counter.stats = Stats()

    # The two ways alternate message by message, so that the machine's load weighs on both alike.
    baseline, with_counters, ignored = Stats(), Stats(), Stats()
    try:
        for _ in range(WARM_UP):  # imports, connections and the counters' first items
            write(False, ignored)
            write(True, ignored)
        for _ in range(messages // 2):
            write(False, baseline)
            write(True, with_counters)
    finally:
        counter.detach()
    for line in _render(baseline, with_counters, messages // 2):
        say(line)


def _render(baseline: Stats, counted: Stats, messages: int) -> list[str]:
    """The figures per message, without and with the counters, and their ratio."""

    rows = [
        ("requests", baseline.total, counted.total),
        ("items written", baseline.items_written, counted.items_written),
        ("wall ms", baseline.wall_seconds * 1000, counted.wall_seconds * 1000),
        ("CPU ms (thread)", baseline.thread_cpu_seconds * 1000, counted.thread_cpu_seconds * 1000),
    ]
    lines = [
        f"{messages} messages each way, each sent from a template (AP8) then reported delivered (AP10);",
        "per message:",
        f"{'':18}{'without':>10}{'with':>10}{'ratio':>8}",
    ]
    for name, without, with_counters in rows:
        ratio = f"{with_counters / without:8.2f}" if without else f"{'-':>8}"
        lines.append(f"{name:18}{without / messages:10.3f}{with_counters / messages:10.3f}{ratio}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    _environment()
    with _backend(arguments.backend) as endpoint:
        name = _create_table(endpoint)
        print(f"bench/reporting: table {name} on {endpoint}, backend {arguments.backend}", flush=True)
        run(arguments.messages, lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
