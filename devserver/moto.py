"""moto's server, answering one request at a time.

DynamoDB applies each request to an item atomically: of two conditional updates racing for the last slot
of a daily cap, one fails its condition. moto's threaded server does not: it evaluates a condition and
writes in two steps, so two threads can both pass, and a failed TransactWriteItems restores a copy of
the table taken when it started, erasing what other requests wrote meanwhile. Serving one request at a
time gives moto the per-request atomicity the code relies on, which the dev server, the integration
suite and the benchmarks all need when several workers share it.

moto also keeps a TransactWriteItems' rollback by deep-copying the whole table once per item of the
transaction: a 9-item transaction on a table of 5,000 items copies 45,000 items, and that copying was
most of the integration suite's time on moto (it ran 3x slower than on DynamoDB Local).
``lean_transaction_rollback`` keeps the same all-or-nothing outcome by saving only the items the
transaction names (and the stream's length), restoring them when it fails.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneRequestAtATime:
    """WSGI middleware: the wrapped application handles one request at a time, body included."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


_SavedItem = tuple[Table, DynamoType, DynamoType | None, Item | None]


class _TableCopies(threading.local):
    """Whether ``copy.deepcopy`` of a moto table is skipped on this thread (inside a transaction)."""

    skip = False


_table_copies = _TableCopies()


def _deepcopy_table(table: Table, memo: dict[int, Any]) -> Table:
    """A table's deep copy, except inside a lean transaction, where moto's whole-table backup is skipped."""
    if _table_copies.skip:
        return table
    clone: Table = Table.__new__(Table)  # type: ignore[assignment]
    memo[id(table)] = clone
    clone.__dict__.update(copy.deepcopy(table.__dict__, memo))
    return clone


def _saved_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_SavedItem]:
    """A copy of each item the transaction names, as it is before the transaction (None: absent)."""
    saved: list[_SavedItem] = []
    for entry in transact_items:
        operation: dict[str, Any] = next(iter(entry.values()), {})
        table = backend.tables.get(str(operation.get("TableName")))
        key = operation.get("Key") or operation.get("Item")
        if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_attr = table.range_key_attr
        range_value = DynamoType(key[range_attr]) if range_attr and range_attr in key else None
        if range_attr and range_value is None:
            continue
        current = table.get_item(hash_value, range_value)
        saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _restore(saved: list[_SavedItem], stream_lengths: dict[int, int]) -> None:
    """Put every saved item back as it was, and forget the stream records the failed transaction wrote."""
    for table, hash_value, range_value, item in reversed(saved):
        partition: dict[DynamoType, Any] = table.items
        if range_value is not None:
            rows: dict[DynamoType, Item] = partition[hash_value]
            if item is None:
                rows.pop(range_value, None)
            else:
                rows[range_value] = item
        elif item is None:
            partition.pop(hash_value, None)
        else:
            partition[hash_value] = item
        shard = table.stream_shard
        if shard is not None and id(table) in stream_lengths:
            del shard.items[stream_lengths[id(table)] :]


@contextmanager
def _without_table_copies() -> Iterator[None]:
    _table_copies.skip = True
    try:
        yield
    finally:
        _table_copies.skip = False


def lean_transaction_rollback() -> None:
    """Make moto's TransactWriteItems save and restore only the items it names (idempotent)."""
    if getattr(DynamoDBBackend.transact_write_items, "lean", False):
        return
    whole_table_rollback = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = _saved_items(self, transact_items)
        streams = {id(table): len(table.stream_shard.items) for table, *_ in saved if table.stream_shard}
        try:
            with _without_table_copies():
                whole_table_rollback(self, transact_items)
        except Exception:
            _restore(saved, streams)
            raise

    transact_write_items.lean = True  # type: ignore[attr-defined]
    Table.__deepcopy__ = _deepcopy_table  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class AtomicMotoServer(ThreadedMotoServer):
    """A ``ThreadedMotoServer`` whose requests never interleave (see the module docstring)."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        lean_transaction_rollback()

    def _server_entry(self) -> None:
        app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
