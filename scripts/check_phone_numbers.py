"""List the stored phone numbers that the phone library finds invalid; change nothing.

Usage::

    TABLE_NAME=max-local DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \\
        python scripts/check_phone_numbers.py --tenant acme
    python scripts/check_phone_numbers.py --all-tenants

Numbers stored before they were validated with ``phonenumbers`` (issue 15) may not be real: the old rule
stored the British ``07911 123456`` as ``+337911123456``. For each tenant this reads, through the
repositories, every lead (a Query of the tenant's lead partition), the blacklist and the phone guards
that keep numbers unique (one Query each), and prints as JSON each number that is not a valid E.164
number, with the item it is on and the library's reason. ``--all-tenants`` walks the tenant directory
(a Query per shard, no Scan). It only reads: fixing a lead (PATCH /leads/{id}) or taking an entry off
the blacklist (DELETE /blacklist/phone/{value}) is for a person who knows the right number.

The table and the endpoint come from the environment (``TABLE_NAME``, ``DYNAMODB_ENDPOINT``; leave
``DYNAMODB_ENDPOINT`` unset for AWS). Exit status: 0 when every number is valid, 1 when some are not,
2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the scripts package is importable from the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.operator_cli import add_tenant_choice, per_tenant


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/check_phone_numbers.py",
        description="List stored phone numbers (leads, blacklist, contact guards) that are not valid; "
        "change nothing.",
    )
    add_tenant_choice(parser)
    return parser


def check_tenant(tenant_id: str) -> dict[str, Any]:
    """The invalid numbers of one tenant, and how many numbers were checked where."""
    from maxcore.dal.blacklist import BlacklistRepository
    from maxcore.dal.leads import LeadRepository
    from maxcore.models.prospection import BlacklistKind
    from maxcore.rules.contact import stored_phone_problem

    invalid: list[dict[str, Any]] = []
    checked = {"leads": 0, "blacklist": 0, "contact_guards": 0}

    def check(where: str, value: str, **item: Any) -> None:
        checked[where] += 1
        problem = stored_phone_problem(value)
        if problem is not None:
            invalid.append(
                {"where": where, **item, "value": value, "reason": problem.reason, "message": str(problem)}
            )

    leads = LeadRepository(tenant_id)
    for lead in leads.iter_all():
        if lead.phone:
            check("leads", lead.phone, lead_id=lead.id, name=lead.display_name)
    for entry in BlacklistRepository(tenant_id).list_all():
        if entry.kind is BlacklistKind.PHONE:
            check("blacklist", entry.value)
    for value, lead_id in leads.contact_guards("phone"):
        check("contact_guards", value, lead_id=lead_id)
    return {"tenant": tenant_id, "checked": checked, "invalid": invalid}


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``{"tenants": [{"tenant", "checked", "invalid": [...]}]}``; 1 when a number is invalid."""
    reports = per_tenant(_parser().parse_args(argv), check_tenant)
    if reports is None:
        return 2
    print(json.dumps({"tenants": reports}, indent=2, ensure_ascii=False))
    return 1 if any(report["invalid"] for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
