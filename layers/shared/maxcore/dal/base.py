"""What every repository shares: the tenant it is bound to, transactions, cursors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from maxcore.dal import table
from maxcore.dal.attributes import to_iso
from maxcore.dal.items import BaseItem
from maxcore.errors import BadRequestError
from maxcore.models.common import CURSOR_PATTERN, POSITION_CURSOR_PATTERN, TENANT_ID_PATTERN

_TENANT_ID = re.compile(TENANT_ID_PATTERN)
_CURSOR = re.compile(CURSOR_PATTERN)
_POSITION_CURSOR = re.compile(POSITION_CURSOR_PATTERN)


class TenantRepository:
    """Base of the repositories that act for one tenant; the tenant is fixed at construction."""

    def __init__(self, tenant_id: str) -> None:
        if not _TENANT_ID.match(tenant_id):
            raise ValueError(f"invalid tenant id {tenant_id!r}")
        self.tenant_id = tenant_id
        table.bind()

    @staticmethod
    def _connection() -> Connection:
        return BaseItem._get_connection().connection

    def _transaction(self) -> TransactWrite:
        return TransactWrite(connection=self._connection())


def encode_cursor(after_id: str) -> str:
    """Cursor resuming a list after the item ``after_id``: the id itself (``CURSOR_PATTERN``).

    Only the item id goes in: the partition (and so the tenant) is rebuilt from the caller's own
    claims, so a forged cursor cannot reach another tenant's keys.
    """
    return after_id


def decode_cursor(cursor: str) -> str:
    """Return the item id a cursor resumes after; a cursor we did not make is a 400.

    The handlers' query schema already refuses one that does not match (422); this guards the other
    callers.
    """
    if not _CURSOR.match(cursor):
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor})
    return cursor


_POSITION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9A-HJKMNP-TV-Z]{26}$")


def timeline_position(at: datetime, item_id: str) -> str:
    """The position ``<iso time>#<ulid>`` of an entry of a time-ordered list (activities, alerts)."""
    return f"{to_iso(at)}#{item_id}"


def encode_position(position: str) -> str:
    """Cursor of a time-ordered list resuming before ``position``: ``<iso time>_<ulid>``.

    ``_`` stands for the key's ``#``, which a URL would read as the start of a fragment.
    """
    return position.replace("#", "_")


def decode_position(cursor: str) -> str:
    """The ``<iso time>#<ulid>`` position a cursor resumes before; a cursor we did not make is a 400.

    Only a time and an id go in: the partition is rebuilt from the caller's own lead and tenant.
    """
    if not _POSITION_CURSOR.match(cursor):
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor})
    return cursor.replace("_", "#")


def plain(value: Any) -> Any:
    """Turn a raw pynamodb map (and what it holds) back into plain dicts and lists."""
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
