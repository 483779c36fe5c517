"""What every repository shares: the tenant it is bound to, transactions, cursors, batched reads."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from maxcore.dal import table
from maxcore.dal.attributes import to_iso
from maxcore.dal.items import BaseItem
from maxcore.errors import BadRequestError, ServiceUnavailableError
from maxcore.models.common import CURSOR_PATTERN, POSITION_CURSOR_PATTERN, TENANT_ID_PATTERN

BATCH_GET_KEYS = 100
"""Keys one BatchGetItem may ask for (DynamoDB's limit)."""
BATCH_GET_ATTEMPTS = 8
"""Calls for one batch of keys before giving up on the keys DynamoDB keeps leaving unprocessed."""

Item = TypeVar("Item", bound=BaseItem)
ItemKey = tuple[str, str]
"""An item's table key: (PK, SK)."""

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


def batch_get(
    model: type[Item], item_keys: Sequence[ItemKey], *, consistent: bool = False
) -> dict[ItemKey, Item]:
    """Items of ``model`` by table key, 100 keys per BatchGetItem; unknown keys are simply absent.

    DynamoDB may leave keys unprocessed (throttling, or an answer over 16 MB); those are asked
    again with exponential backoff, as AWS recommends, rather than in a tight loop.

    Parameters
    ----------
    model
        The item class wanted; items of another entity under the same keys are left out.
    item_keys
        (PK, SK) pairs; repeats are read once.
    consistent
        Strongly consistent reads.

    Returns
    -------
    dict[ItemKey, Item]
        The items found, by their (PK, SK).

    Raises
    ------
    ServiceUnavailableError
        When some keys are still unprocessed after ``BATCH_GET_ATTEMPTS`` calls: a partial answer
        would be silently wrong.
    """
    wanted = list(dict.fromkeys(item_keys))
    connection = model._get_connection()
    found: dict[ItemKey, Item] = {}
    for start in range(0, len(wanted), BATCH_GET_KEYS):
        pending: list[Any] = [
            {"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in wanted[start : start + BATCH_GET_KEYS]
        ]
        for attempt in range(BATCH_GET_ATTEMPTS):
            if attempt:
                time.sleep(min(1.0, 0.05 * 2 ** (attempt - 1)))
            answer = connection.batch_get_item(pending, consistent_read=consistent)
            for raw in answer.get("Responses", {}).get(connection.table_name, []):
                item = model.from_raw_data(raw)
                if isinstance(item, model):
                    found[(item.PK, item.SK)] = item
            pending = answer.get("UnprocessedKeys", {}).get(connection.table_name, {}).get("Keys", [])
            if not pending:
                break
        else:
            raise ServiceUnavailableError(
                "the items could not all be read in time; try again in a moment",
                {"unprocessed": len(pending)},
            )
    return found


def from_index(
    model: type[Item], index_items: Iterable[BaseItem], *, consistent: bool = False
) -> Iterator[Item]:
    """The table items behind the entries an index Query returned, in the index's order.

    The indexes project keys (and a few attributes filters need), not whole items: an index Query
    finds the keys, one BatchGetItem per 100 of them reads the items. The entries are consumed 100
    at a time, lazily; a paged caller passes the page it took, so no further index page is read. An
    item deleted since the index was read is left out; one that changed comes as it is now, so
    callers check that it still belongs where the index put it.
    """
    entries = iter(index_items)
    while batch := [(e.PK, e.SK) for e in islice(entries, BATCH_GET_KEYS)]:
        found = batch_get(model, batch, consistent=consistent)
        yield from (found[key] for key in batch if key in found)
