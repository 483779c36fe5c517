"""``python -m devserver``: serve the local API, fire a schedule, print a token or the OpenAPI, seed.

python -m devserver [serve] [--port 3000]    the local API (embedded moto unless DYNAMODB_ENDPOINT)
python -m devserver fire DailyAlertGeneration  run a schedule and its queue consumers, print the report
python -m devserver token --tenant demo --role member
python -m devserver openapi --output docs/openapi.json   (what `make openapi` runs)
python -m devserver seed                     seed the demo tenant into DYNAMODB_ENDPOINT
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

COMMANDS = ("serve", "fire", "token", "openapi", "seed")


def _use_layer() -> None:
    # In Lambda the layer is on the path as /opt/python; here its folder must be put there before maxcore
    # is imported, which the subcommands do lazily for that reason.
    from devserver.functions import LAYER

    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def _default_port() -> int:
    raw = os.environ.get("PORT", "").strip()
    return int(raw) if raw else 3000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devserver", description="M.A.X. local dev server")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the local API (the default)")
    serve.add_argument(
        "--port", type=int, default=_default_port(), help="port on 127.0.0.1 (env PORT, default 3000)"
    )
    serve.add_argument("--no-seed", action="store_true", help="do not seed the demo tenant")
    serve.add_argument("--quiet", action="store_true", help="no access log lines")
    fire = commands.add_parser(
        "fire", help="fire a schedule of template.yaml in process and print the report"
    )
    fire.add_argument("schedule", help="the schedule's event name, e.g. DailyAlertGeneration")
    fire.add_argument("--no-seed", action="store_true", help="do not seed the demo tenant first")
    token = commands.add_parser("token", help="print a dev token")
    token.add_argument("--tenant", default="demo")
    token.add_argument("--role", default="admin", choices=("admin", "member"))
    token.add_argument("--sub", default="dev-user")
    token.add_argument("--ttl-hours", type=float, default=12)
    openapi = commands.add_parser("openapi", help="print the merged OpenAPI document")
    openapi.add_argument("--port", type=int, default=_default_port(), help="port of the `servers` entry")
    openapi.add_argument("--output", help="write the document to this file instead of printing it")
    commands.add_parser("seed", help="seed the demo tenant into the DynamoDB at DYNAMODB_ENDPOINT")
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve(args: argparse.Namespace) -> int:
    from devserver.server import DevServer, banner

    server = DevServer(
        args.port,
        dynamodb_endpoint=os.environ.get("DYNAMODB_ENDPOINT", "").strip() or None,
        seed=not args.no_seed,
        quiet=args.quiet,
    )
    # A process manager stops with SIGTERM: shut down as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
        print(banner(server), flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopping the dev server", file=sys.stderr)
    finally:
        server.close()
    return 0


def _fire(args: argparse.Namespace) -> int:
    from devserver.server import fire_schedule, schedule_catalogue, start_backend
    from devserver.template import load_template

    template = load_template()
    names = [schedule["name"] for schedule in schedule_catalogue(template)]
    if args.schedule not in names:
        print(f"no schedule named {args.schedule!r}; template.yaml has: {', '.join(names)}", file=sys.stderr)
        return 2
    # The handlers log and emit metrics on stdout, as in Lambda; stdout is kept for the report alone.
    with contextlib.redirect_stdout(sys.stderr):
        backend = start_backend(
            template, dynamodb_endpoint=os.environ.get("DYNAMODB_ENDPOINT", "").strip() or None
        )
        try:
            if not args.no_seed:
                from devserver.seed import seed_demo

                seed_demo()
            report = fire_schedule(args.schedule, template, backend)
        finally:
            backend.stop()
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 1 if any(consumer["failed"] for consumer in report["consumers"]) else 0


def _token(args: argparse.Namespace) -> int:
    from devserver.token import sign_dev_token

    print(sign_dev_token(args.tenant, role=args.role, sub=args.sub, ttl_hours=args.ttl_hours))
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from devserver.server import apply_local_defaults, openapi_json
    from devserver.template import load_template

    apply_local_defaults()
    with contextlib.redirect_stdout(sys.stderr):
        text = openapi_json(load_template(), args.port)
    if not args.output:
        sys.stdout.write(text)
        return 0
    # Written beside the target then renamed, so an interrupted export never leaves half a document.
    target = Path(args.output)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _seed(_: argparse.Namespace) -> int:
    endpoint = os.environ.get("DYNAMODB_ENDPOINT", "").strip()
    if not endpoint:
        print(
            "set DYNAMODB_ENDPOINT (e.g. DynamoDB Local); `serve` seeds its embedded moto itself",
            file=sys.stderr,
        )
        return 2
    with contextlib.redirect_stdout(sys.stderr):
        report = _seed_into(endpoint)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _seed_into(endpoint: str) -> dict[str, object]:
    import boto3

    from devserver.server import apply_local_defaults, default_table_names
    from devserver.template import create_tables, load_template

    apply_local_defaults()
    template = load_template()
    names = default_table_names(template)
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_REGION"])
    create_tables(client, names, template)
    os.environ["TABLE_NAME"] = names["MaxTable"]
    os.environ["IDEMPOTENCY_TABLE_NAME"] = names["IdempotencyTable"]
    from devserver.seed import seed_demo
    from maxcore.settings import reset_settings

    reset_settings()
    report = seed_demo()
    return {"endpoint": endpoint, "table": names["MaxTable"], **vars(report)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ``serve`` when none is given."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in (*COMMANDS, "-h", "--help"):
        arguments.insert(0, "serve")
    args = _parser().parse_args(arguments)
    _use_layer()
    handlers = {"serve": _serve, "fire": _fire, "token": _token, "openapi": _openapi, "seed": _seed}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
