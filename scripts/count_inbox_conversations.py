"""Add the conversations of the unified inbox stored before the team inbox to its counters, once.

Usage::

    TABLE_NAME=max-local DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \\
        python scripts/count_inbox_conversations.py --tenant acme
    python scripts/count_inbox_conversations.py --all-tenants

The team inbox counts conversations (``GET /conversations/counts``) with counters every write moves,
and searches a lead's name and last messages on words kept in its summary. A lead whose last write
came before that is in neither until its next message or change: run this once after the deploy. For
each tenant it reads every lead (a Query of the lead partition, in 1 MB pages, no Scan) and marks each
conversation not counted yet as counted, adding it to the counters in the same transaction; its last
message's preview becomes searchable. Running it again changes nothing. It prints, as JSON, how many
conversations joined per tenant.

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


def count_tenant(tenant_id: str) -> dict[str, Any]:
    """Add one tenant's uncounted conversations to its inbox counters; how many joined."""
    from maxcore.services.inbox import InboxService

    return {"tenant": tenant_id, "conversations_joined": InboxService(tenant_id).join_existing()}


def main(argv: Sequence[str] | None = None) -> int:
    """Print ``{"tenants": [{"tenant", "conversations_joined"}]}``."""
    return report_per_tenant(
        "python scripts/count_inbox_conversations.py",
        "Add the conversations stored before the team inbox to its counters and search.",
        count_tenant,
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
