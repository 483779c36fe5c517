"""Put the activities recorded before the interactions export read GSI1 on their month's index keys.

Usage::

    TABLE_NAME=max-local DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \\
        python scripts/index_activity_months.py --tenant acme
    python scripts/index_activity_months.py --all-tenants

The interactions export reads a tenant's activities of a period on GSI1 (AP66), where an activity
recorded since carries ``TENANT#t#ACTMONTH#<month>`` / ``<time>#<id>``. Activities recorded before
have no such keys, and an export would leave them out: run this once after the deploy. For each
tenant it reads every lead (a Query of the lead partition), then each lead's activities without the
keys (a Query of the lead's partition, filtered), and sets the keys on each with a conditional write
(no Scan). Running it again changes nothing. It prints, as JSON, how many leads were read and how
many activities were indexed per tenant.

The table and the endpoint come from the environment (``TABLE_NAME``, ``DYNAMODB_ENDPOINT``; leave
``DYNAMODB_ENDPOINT`` unset for AWS). Exit status: 0, or 2 on bad usage.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: the scripts package is importable from the root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.operator_cli import report_per_tenant


def index_tenant(tenant_id: str) -> dict[str, Any]:
    """Index the activities of one tenant's leads that are not on GSI1 yet; how many were."""
    from maxcore.dal.activities import ActivityRepository
    from maxcore.dal.leads import LeadRepository

    activities = ActivityRepository(tenant_id)
    leads = indexed = 0
    for lead in LeadRepository(tenant_id).iter_all():
        leads += 1
        indexed += activities.index_by_month(lead.id)
    return {"tenant": tenant_id, "leads": leads, "activities_indexed": indexed}


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``{"tenants": [{"tenant", "leads", "activities_indexed"}]}``."""
    return report_per_tenant(
        "python scripts/index_activity_months.py",
        "Put the activities recorded before on GSI1 by month, for the interactions export.",
        index_tenant,
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
