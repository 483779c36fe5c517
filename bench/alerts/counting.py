"""Counting DynamoDB requests with botocore's event hooks, and DynamoDB's item size.

pynamodb keeps one connection, so one botocore client, per item class (and the repositories'
transactions go through the base item's): the hooks go on the clients of the item classes the alert
paths use (:data:`COUNTED`; creating a client for each of the others costs a tenth of a second and
they send nothing here). pynamodb's own ``pre_dynamodb_send`` signal counts the requests too, so a
request sent through a client without the hooks shows as a difference.

For each request the hooks record:

- ``before-parameter-build``: the operation's label (the key pattern a Query or a GetItem reads, ids
  and the tenant replaced by placeholders) and the items it writes;
- ``after-call``: the request, the items read (``Count`` of a Query, the ``Item`` of a GetItem), the
  bytes of the HTTP response body, the capacity units DynamoDB reports and the error code, if any.
"""

from __future__ import annotations

import gc
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient
from pynamodb.signals import pre_dynamodb_send

from maxcore.dal.items import ActivityItem, AlertItem, BaseItem, LeadItem, TenantItem

COUNTED: tuple[type[BaseItem], ...] = (BaseItem, TenantItem, LeadItem, ActivityItem, AlertItem)
"""The item classes whose clients get the hooks: the base item (transactions) and those read or written."""

READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})

_LABEL = "bench_label"
_WRITTEN = "bench_written"
_PARTITION_KEYS = frozenset({"PK", "GSI1PK", "GSI2PK"})
_EQUALS = re.compile(r"(#\w+)\s*=\s*(:\w+)")
_TENANT = re.compile(r"^TENANT#[a-z0-9][a-z0-9-]*")
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@dataclass
class Stats:
    """The DynamoDB requests of one measured phase, and the time it took."""

    requests: Counter[str] = field(default_factory=Counter)
    """By label: the operation and the key pattern it reads (``Query TENANT#<t>#LEAD``)."""
    operations: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    bytes_read: int = 0
    """HTTP response bodies of the read operations."""
    bytes_received: int = 0
    """HTTP response bodies of every operation."""
    read_units: float = 0.0
    write_units: float = 0.0
    write_units_by: dict[str, float] = field(default_factory=dict)
    """Write capacity units by label (what each kind of write costs, indexes included)."""
    items_written: int = 0
    sent: int = 0
    """Requests pynamodb dispatched (its own signal), to check that the hooks saw them all."""
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    """Process CPU time (``time.process_time``)."""
    thread_cpu_seconds: float = 0.0
    """CPU time of the measuring thread (``time.thread_time``): without an in-process server's threads."""

    @property
    def total(self) -> int:
        return sum(self.operations.values())

    @property
    def read_requests(self) -> int:
        return sum(n for op, n in self.operations.items() if op in READS)

    @property
    def write_requests(self) -> int:
        return sum(n for op, n in self.operations.items() if op in WRITES)

    def count(self, prefix: str) -> int:
        """Requests whose label starts with ``prefix`` (``"Query TENANT#<t>#LEAD#"``)."""
        return sum(n for label, n in self.requests.items() if label.startswith(prefix))


class RequestCounter:
    """Hooks on pynamodb's botocore clients; :meth:`measure` gives the figures of one phase."""

    def __init__(self) -> None:
        self.stats = Stats()
        self._paused = False
        self._clients: dict[int, BaseClient] = {}

    def attach(self) -> RequestCounter:
        """Register the hooks on the clients of :data:`COUNTED` (call it after ``table.bind()``)."""
        for item in COUNTED:
            client = item._get_connection().connection.client
            if id(client) in self._clients:
                continue
            self._clients[id(client)] = client
            client.meta.events.register("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)
            client.meta.events.register("after-call-error.dynamodb", self._failed)
        pre_dynamodb_send.connect(self._sent, weak=False)
        return self

    def detach(self) -> None:
        """Unregister every hook."""
        for client in self._clients.values():
            client.meta.events.unregister("before-parameter-build.dynamodb", self._before)
            client.meta.events.unregister("after-call.dynamodb", self._after)
            client.meta.events.unregister("after-call-error.dynamodb", self._failed)
        self._clients.clear()
        pre_dynamodb_send.disconnect(self._sent)

    @contextmanager
    def measure(self) -> Iterator[Stats]:
        """Count the requests of the block into fresh :class:`Stats`, with its wall and CPU time."""
        gc.collect()
        stats = self.stats = Stats()
        wall, cpu, thread_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        try:
            yield stats
        finally:
            stats.wall_seconds = time.perf_counter() - wall
            stats.cpu_seconds = time.process_time() - cpu
            stats.thread_cpu_seconds = time.thread_time() - thread_cpu
            self.stats = Stats()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Leave the requests of the block out of the figures (checks made between phases)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    # --- hooks ----------------------------------------------------------------------------------
    def _sent(self, _sender: object, **_: object) -> None:
        if not self._paused:
            self.stats.sent += 1

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self._paused:
            return
        context[_LABEL] = label(model.name, params)
        context[_WRITTEN] = written(model.name, params)

    def _after(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if self._paused:
            return
        operation = model.name
        stats = self.stats
        stats.requests[context.get(_LABEL, operation)] += 1
        stats.operations[operation] += 1
        size = len(http_response.content or b"")
        stats.bytes_received += size
        if http_response.status_code >= 300:
            stats.errors[f"{operation} {parsed.get('Error', {}).get('Code', http_response.status_code)}"] += 1
        units = _capacity(parsed.get("ConsumedCapacity"))
        if operation in READS:
            stats.bytes_read += size
            stats.items_read += _items(operation, parsed)
            stats.read_units += units
        elif operation in WRITES:
            stats.items_written += context.get(_WRITTEN, 0)
            stats.write_units += units
            by = context.get(_LABEL, operation)
            stats.write_units_by[by] = stats.write_units_by.get(by, 0.0) + units

    def _failed(self, model: Any, exception: Exception, **_: Any) -> None:
        if not self._paused:
            self.stats.errors[f"{model.name} {type(exception).__name__}"] += 1


def label(operation: str, params: Mapping[str, Any]) -> str:
    """The operation and the key pattern it reads or writes, e.g. ``Query TENANT#<t>#LEAD#<id>``.

    An index Query is named by the keys it reads (``(GSI2)`` for ``GSI2PK``/``GSI2SK``), which stay
    when a new projection brings a new index name (``GSI2v2``).
    """
    if operation in ("Query", "Scan"):
        index = params.get("IndexName")
        where = pattern(_partition(params) or "?")
        return f"{operation} {where}" + (f" ({_index_keys(params) or index})" if index else "")
    key = params.get("Key") or params.get("Item")
    if isinstance(key, Mapping) and "PK" in key:
        sk = key.get("SK", {}).get("S", "")
        return f"{operation} {pattern(key['PK'].get('S', '?'))} {pattern(sk)}".rstrip()
    return operation


def pattern(key: str) -> str:
    """A key with the tenant and the ids replaced by placeholders."""
    return _ULID.sub("<id>", _TENANT.sub("TENANT#<t>", key))


def written(operation: str, params: Mapping[str, Any]) -> int:
    """Items a write request puts, updates or deletes."""
    if operation == "TransactWriteItems":
        return len(params.get("TransactItems", ()))
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    return 1 if operation in WRITES else 0


def _partition(params: Mapping[str, Any]) -> str | None:
    found = _partition_condition(params)
    return None if found is None else found[1]


def _index_keys(params: Mapping[str, Any]) -> str | None:
    found = _partition_condition(params)
    return None if found is None else found[0].removesuffix("PK")


def _partition_condition(params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The partition key attribute a Query's key condition names, and the value it asks for."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, value in _EQUALS.findall(params.get("KeyConditionExpression", "")):
        attribute = names.get(name, name)
        if attribute in _PARTITION_KEYS and value in values:
            return attribute, str(values[value].get("S", "?"))
    return None


def _items(operation: str, parsed: Mapping[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("Count", 0))
    if operation == "GetItem":
        return 1 if "Item" in parsed else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for r in parsed.get("Responses", ()) if r.get("Item"))
    return 0


def _capacity(consumed: Any) -> float:
    if isinstance(consumed, Mapping):
        return float(consumed.get("CapacityUnits", 0.0))
    if isinstance(consumed, list):
        return sum(_capacity(c) for c in consumed)
    return 0.0


# --- DynamoDB item size ----------------------------------------------------------------------------


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """The size DynamoDB gives an item (low-level attribute values), following its documented rules.

    Names and strings count their UTF-8 bytes, binaries their bytes, a number about one byte per two
    significant digits plus one, a boolean or null one byte, a list or map 3 bytes plus one per element
    (plus, in a map, each key's bytes).
    """
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one low-level attribute value (``{"S": "..."}``, ``{"M": {...}}``...)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def _number_size(number: str) -> int:
    digits = format(abs(Decimal(number)), "f").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1
