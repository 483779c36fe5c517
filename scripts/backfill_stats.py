"""Count tenants' history before the reporting counters into them (idempotent): record each tenant's
cut-over, queue its backfill job, print where each stands as JSON.

Usage::

    TABLE_NAME=max-prod FANOUT_QUEUE_URL=https://sqs.eu-west-3.amazonaws.com/.../max-fanout \\
        python scripts/backfill_stats.py --cutover 2026-12-05T09:00:00Z --tenant acme --tenant globex

``--cutover`` is when the write paths began counting (the deployment of the counters): what was
recorded from then on is counted already, what was recorded before is the backfill's. The first
cut-over recorded for a tenant holds: running the script again (or with another instant) changes
nothing but queue the job again, which resumes an unfinished backfill and does nothing after a
finished one. The worker runs the job, in parts when a tenant is big. ``--here`` runs it in this
process instead of queuing it (a local table; no queue needed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the scripts package is importable from the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.operator_cli import table_configured, tenant_id, use_layer


def instant(value: str) -> datetime:
    """The ``--cutover`` argument type: an ISO 8601 instant with its offset (``Z`` for UTC)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no offset: write 2026-12-05T09:00:00Z") from None
    return moment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/backfill_stats.py",
        description="Count tenants' history before the counters into them, once (idempotent).",
    )
    parser.add_argument(
        "--tenant", required=True, action="append", type=tenant_id, help="a tenant id; repeat for more"
    )
    parser.add_argument(
        "--cutover", required=True, type=instant, help="when the counters were deployed (ISO 8601, offset)"
    )
    parser.add_argument(
        "--here", action="store_true", help="run the backfill in this process, not on the queue"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start each tenant's backfill and queue (or run) it; print ``{tenant: state}``; 2 on bad input."""
    args = _parser().parse_args(argv)
    use_layer()
    # stdout carries the JSON answer only: the layer's logs go to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        from maxcore.clock import utcnow
        from maxcore.errors import NotFoundError
        from maxcore.models.jobs import Job, TenantJobMessage
        from maxcore.services.job_queue import queue_messages
        from maxcore.services.stats_backfill import StatsBackfill
        from maxcore.services.tenants import tenant_settings

        if not table_configured():
            return 2
        answer = {}
        for tenant in dict.fromkeys(args.tenant):
            try:
                tenant_settings(tenant)
            except NotFoundError as exc:
                print(f"no tenant {tenant}: {exc}", file=sys.stderr)
                return 2
            backfill = StatsBackfill(tenant)
            state = backfill.start(args.cutover)
            if args.here:
                backfill.run()
            else:
                queue_messages(
                    [TenantJobMessage(job=Job.BACKFILL_STATS, tenant_id=tenant, scheduled_at=utcnow())]
                )
            answer[tenant] = {
                "cutover_given": args.cutover.isoformat(),
                **(backfill.stats.backfill() or state).model_dump(mode="json"),
            }
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
