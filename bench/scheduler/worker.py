"""``python -m bench.scheduler.worker``: one scheduler worker of the crash phase, in a process of its own.

It runs the hourly job's messages for the tenants given (one per tenant and due-index shard, as the
fan-out queues them), each through a fresh :class:`~maxcore.services.sequencer.Sequencer` with the
fixed clock, as the production worker does; then the bulk sends given, each a run of a fresh
:class:`~maxcore.services.bulk_sender.BulkSender`. A message that fails is run again, as SQS would
redeliver it, up to ``--redeliveries`` times. Its environment (table, endpoints, the providers' URLs)
comes from the benchmark that starts it.

Protocol: it prints ``ready`` once imported and bound to the table, waits for a line on its stdin (so
two workers start together), runs, and prints ``summary <JSON>``: what it did. Powertools' metrics lines
are kept off stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared"
READY = "ready"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler.worker")
    parser.add_argument("--tenants", default="", help="tenant ids, comma-separated")
    parser.add_argument(
        "--bulk", default="", help="bulk sends to run, <tenant id>:<bulk send id>, comma-separated"
    )
    parser.add_argument("--now", required=True, help="the fixed clock, ISO 8601")
    parser.add_argument("--redeliveries", type=int, default=3)
    arguments = parser.parse_args(argv)
    for path in (LAYER, REPO_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))

    from bench.scheduler.paths import worker_batches
    from maxcore.dal import table
    from maxcore.services.bulk_sender import BulkSender
    from maxcore.services.run_cache import RunCache
    from maxcore.services.sequencer import Sequencer

    table.bind()
    # The SDKs the first send would import: both workers start racing at "go", not after an import.
    import resend  # noqa: F401
    import twilio.rest  # noqa: F401

    now = datetime.fromisoformat(arguments.now)
    out = sys.stdout
    print(READY, file=out, flush=True)
    sys.stdin.readline()

    started = time.perf_counter()
    outcomes: Counter[str] = Counter()
    due = lost = redelivered = dead_lettered = 0
    errors: Counter[str] = Counter()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        for batch in worker_batches([t for t in arguments.tenants.split(",") if t]):
            cache = RunCache(lambda: now)
            for tenant_id, shard in batch:
                for attempt in range(1 + arguments.redeliveries):
                    redelivered += attempt > 0
                    try:
                        report = Sequencer(
                            tenant_id, clock=lambda: now, run=cache.tenant(tenant_id)
                        ).run_shard(shard)
                    except Exception as exc:  # the message fails; SQS would deliver it again
                        errors[f"{type(exc).__name__}: {str(exc)[:200]}"] += 1
                        continue
                    due, lost = due + report.due, lost + report.lost_races
                    outcomes.update(report.outcomes)
                    break
                else:
                    dead_lettered += 1
        for pair in filter(None, arguments.bulk.split(",")):
            tenant_id, bulk_id = pair.split(":")
            for attempt in range(1 + arguments.redeliveries):
                redelivered += attempt > 0
                try:
                    bulk = BulkSender(tenant_id, clock=lambda: now).run(bulk_id)
                except Exception as exc:  # the message fails; SQS would deliver it again
                    errors[f"{type(exc).__name__}: {str(exc)[:200]}"] += 1
                    continue
                outcomes.update(bulk.outcomes)
                lost += bulk.lost_races
                break
            else:
                dead_lettered += 1
    summary = {
        "pid": os.getpid(),
        "due": due,
        "outcomes": dict(outcomes),
        "lost_races": lost,
        "redelivered": redelivered,
        "dead_lettered": dead_lettered,
        "errors": dict(errors),
        "seconds": round(time.perf_counter() - started, 3),
    }
    print("summary " + json.dumps(summary), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
