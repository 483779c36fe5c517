"""Count the DynamoDB operations pynamodb sends, through botocore's event hooks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.client import BaseClient

from maxcore.dal.items import ALL_ITEMS


class RequestCounter:
    """The names of the DynamoDB operations sent while it is registered, in order."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model: object, **_: object) -> None:
        self.operations.append(getattr(model, "name", "?"))


@contextmanager
def counting_requests() -> Iterator[RequestCounter]:
    """Count every operation for the duration of the block.

    pynamodb keeps one connection (and botocore client) per item class: every one is hooked.
    """
    clients: dict[int, BaseClient] = {}
    for item in ALL_ITEMS:
        client = item._get_connection().connection.client
        clients[id(client)] = client
    counting = RequestCounter()
    for hooked in clients.values():
        hooked.meta.events.register("before-call.dynamodb", counting)
    try:
        yield counting
    finally:
        for hooked in clients.values():
            hooked.meta.events.unregister("before-call.dynamodb", counting)
