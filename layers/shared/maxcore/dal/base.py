"""What every repository shares: the tenant it is bound to, transactions, cursors."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from maxcore.dal import table
from maxcore.dal.attributes import to_iso
from maxcore.dal.items import BaseItem
from maxcore.errors import BadRequestError
from maxcore.models.common import TENANT_ID_PATTERN, ULID_PATTERN

_TENANT_ID = re.compile(TENANT_ID_PATTERN)
_ULID = re.compile(ULID_PATTERN)


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
    """Opaque cursor resuming a list after the item ``after_id``.

    Only the item id goes in: the partition (and so the tenant) is rebuilt from the caller's own
    claims, so a forged cursor cannot reach another tenant's keys.
    """
    raw = json.dumps({"v": 1, "after": after_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """Return the item id a cursor resumes after; a cursor we did not make is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = data["after"]
        if data.get("v") != 1 or not isinstance(after, str) or not _ULID.match(after):
            raise ValueError(after)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor}) from exc
    return after


_POSITION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9A-HJKMNP-TV-Z]{26}$")


def timeline_position(at: datetime, item_id: str) -> str:
    """The position ``<iso time>#<ulid>`` of an entry of a time-ordered list (activities, alerts)."""
    return f"{to_iso(at)}#{item_id}"


def encode_position(position: str) -> str:
    """Opaque cursor of a time-ordered list resuming before ``position`` (``<iso time>#<ulid>``)."""
    raw = json.dumps({"v": 2, "before": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(cursor: str) -> str:
    """The ``<iso time>#<ulid>`` position a cursor resumes before; a cursor we did not make is a 400.

    Only a time and an id go in: the partition is rebuilt from the caller's own lead and tenant.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        before = data["before"]
        if data.get("v") != 2 or not isinstance(before, str) or not _POSITION.match(before):
            raise ValueError(before)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor}) from exc
    return before


def plain(value: Any) -> Any:
    """Turn a raw pynamodb map (and what it holds) back into plain dicts and lists."""
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
