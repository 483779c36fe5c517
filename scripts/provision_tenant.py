"""Provision a tenant (idempotent): create it with its defaults unless it exists, print it as JSON.

Usage::

    TABLE_NAME=max-local DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \\
        python scripts/provision_tenant.py --tenant acme --name "Acme" --plan pro --locale fr

The table and the endpoint come from the environment (``TABLE_NAME``, ``DYNAMODB_ENDPOINT``; leave
``DYNAMODB_ENDPOINT`` unset for AWS). Running it again for an existing tenant changes nothing and
prints ``"created": false`` with the tenant as stored.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the scripts package is importable from the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.operator_cli import table_configured, tenant_id, use_layer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/provision_tenant.py",
        description="Create a tenant with its defaults unless it exists (idempotent); print it as JSON.",
    )
    parser.add_argument("--tenant", required=True, type=tenant_id, help="tenant id, e.g. acme")
    parser.add_argument("--name", required=True, help="the business's name")
    parser.add_argument("--plan", default="standard", choices=("standard", "pro", "studio"))
    parser.add_argument("--locale", default="fr", choices=("fr", "en"))
    parser.add_argument("--timezone", default="Europe/Paris", help="IANA name (default Europe/Paris)")
    parser.add_argument(
        "--country",
        default="FR",
        help="ISO 3166 alpha-2 country national phone numbers are read in (default FR)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Provision the tenant; print ``{"created": bool, "tenant": {...}}``; 2 on bad input."""
    args = _parser().parse_args(argv)
    use_layer()
    # stdout carries the JSON answer only: the layer's logs go to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        if not table_configured():
            return 2
        from maxcore.models.tenant import Locale, Plan, TenantResponse
        from maxcore.services.tenants import provision_tenant

        name = args.name.strip()
        if not name:
            print("--name must not be empty", file=sys.stderr)
            return 2
        try:
            tenant, created = provision_tenant(
                args.tenant,
                name,
                plan=Plan(args.plan),
                locale=Locale(args.locale),
                timezone=args.timezone,
                default_country=args.country,
            )
        except ValueError as exc:  # an unknown timezone or country (a ValidationError is a ValueError)
            print(f"cannot provision {args.tenant}: {exc}", file=sys.stderr)
            return 2
    answer = {"created": created, "tenant": TenantResponse.from_tenant(tenant).model_dump(mode="json")}
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
