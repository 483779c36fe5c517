"""What the operator scripts share: the shared layer on the path, and ``--tenant`` checked as the API does."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

LAYER = Path(__file__).resolve().parent.parent / "layers" / "shared"


def use_layer() -> None:
    """Put the shared layer on the path, as Lambda does, before anything imports ``maxcore``."""
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def table_configured() -> bool:
    """Whether the environment names the table (``TABLE_NAME``...); if not, say what to set on stderr."""
    use_layer()
    from pydantic import ValidationError

    from maxcore.settings import get_settings

    try:
        get_settings()
    except ValidationError:
        print("set TABLE_NAME (and DYNAMODB_ENDPOINT for a local DynamoDB)", file=sys.stderr)
        return False
    return True


def tenant_id(value: str) -> str:
    """The ``--tenant`` argument type: a tenant id by the API's pattern (the repositories check it again)."""
    use_layer()
    from maxcore.models.common import TENANT_ID_PATTERN

    if not re.match(TENANT_ID_PATTERN, value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a tenant id: 2-63 lower-case letters, digits and dashes"
        )
    return value


def add_tenant_choice(parser: argparse.ArgumentParser) -> None:
    """``--tenant`` (repeatable) or ``--all-tenants``, one of them required."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--tenant", type=tenant_id, action="append", help="tenant id (repeatable)")
    which.add_argument("--all-tenants", action="store_true", help="every tenant of the directory")


def per_tenant(
    args: argparse.Namespace, report: Callable[[str], dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """``report`` of each tenant :func:`add_tenant_choice` chose (the directory read through its
    shards, no Scan); None when the table is not configured. The layer's logs go to stderr, so that
    stdout carries the caller's JSON answer only."""
    with contextlib.redirect_stdout(sys.stderr):
        if not table_configured():
            return None
        from maxcore.dal.tenants import TenantDirectory

        tenants = sorted(TenantDirectory().tenant_ids()) if args.all_tenants else args.tenant
        return [report(tenant) for tenant in tenants]


def report_per_tenant(
    prog: str, description: str, report: Callable[[str], dict[str, Any]], argv: Sequence[str] | None
) -> int:
    """A one-off script's run: parse ``--tenant``/``--all-tenants``, print ``{"tenants": [report of
    each]}`` as JSON; 0, or 2 on bad usage (the table not configured)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_tenant_choice(parser)
    reports = per_tenant(parser.parse_args(argv), report)
    if reports is None:
        return 2
    print(json.dumps({"tenants": reports}, indent=2))
    return 0
