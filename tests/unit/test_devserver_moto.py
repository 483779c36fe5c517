"""The lock that gives moto DynamoDB's per-request atomicity (devserver/moto.py)."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from devserver.moto import OneRequestAtATime, lean_transaction_rollback


class _Overlap:
    """A WSGI app that records how many requests it is handling at once, body included."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self._count = threading.Lock()

    def _enter(self) -> None:
        with self._count:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def _leave(self) -> None:
        with self._count:
            self.inside -= 1

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        self._enter()
        start_response("200 OK", [])
        time.sleep(0.01)
        yield b"first"
        time.sleep(0.01)  # a body produced lazily is still inside the request
        yield environ["PATH_INFO"].encode()
        self._leave()


def _serve(app: Callable[..., Any], count: int) -> list[list[bytes]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda n: list(app({"PATH_INFO": f"/{n}"}, lambda *a: None)), range(count)))


def test_requests_never_interleave_and_each_gets_its_own_body() -> None:
    inner = _Overlap()
    bodies = _serve(OneRequestAtATime(inner), 16)
    assert inner.most == 1
    assert bodies == [[b"first", f"/{n}".encode()] for n in range(16)]


def test_without_the_lock_the_same_requests_overlap() -> None:
    inner = _Overlap()
    _serve(inner, 16)
    assert inner.most > 1


# --- the lean rollback of TransactWriteItems ------------------------------------------------------


@pytest.fixture
def lean_table() -> Iterator[tuple[Any, Any]]:
    """A table with a stream on moto's in-process DynamoDB, its transactions rolled back item by item."""
    lean_transaction_rollback()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        client.create_table(
            TableName="lean",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for number in range(50):
            client.put_item(TableName="lean", Item={**_key("kept", number), "n": {"N": str(number)}})
        yield client, _moto_table()


def _moto_table() -> Any:
    """moto's own object for the table, as the backend holds it now."""
    return dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].tables["lean"]


def _key(partition: str, number: int) -> dict[str, dict[str, str]]:
    return {"PK": {"S": partition}, "SK": {"S": f"{number:03d}"}}


def _items(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName="lean")["Items"], key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def _failing_transaction(client: Any) -> None:
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "lean", "Item": {**_key("new", 1), "n": {"N": "1"}}}},
            {
                "Update": {
                    "TableName": "lean",
                    "Key": _key("kept", 2),
                    "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "99"}},
                }
            },
            {"Delete": {"TableName": "lean", "Key": _key("kept", 3)}},
            {
                "ConditionCheck": {
                    "TableName": "lean",
                    "Key": _key("kept", 4),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
    )


def test_a_failed_transaction_leaves_items_and_stream_as_they_were(lean_table: tuple[Any, Any]) -> None:
    client, table = lean_table
    before, records = _items(client), len(table.stream_shard.items)
    untouched = table.items[DynamoType({"S": "kept"})][DynamoType({"S": "010"})]

    with pytest.raises(ClientError) as failure:
        _failing_transaction(client)

    assert failure.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _items(client) == before
    assert len(table.stream_shard.items) == records
    # The table was not swapped for a whole copy: the backend holds the same table, and an item the
    # transaction never named is the same object.
    assert _moto_table() is table
    assert table.items[DynamoType({"S": "kept"})][DynamoType({"S": "010"})] is untouched


def test_a_transaction_naming_one_item_twice_changes_nothing(lean_table: tuple[Any, Any]) -> None:
    client, _ = lean_table
    before = _items(client)
    put = {"Put": {"TableName": "lean", "Item": {**_key("kept", 5), "n": {"N": "-1"}}}}

    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[put, put])

    assert _items(client) == before


def test_a_transaction_that_holds_writes_all_its_items(lean_table: tuple[Any, Any]) -> None:
    client, _ = lean_table
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "lean", "Item": {**_key("new", 1), "n": {"N": "1"}}}},
            {"Delete": {"TableName": "lean", "Key": _key("kept", 3)}},
        ]
    )

    keys = {(item["PK"]["S"], item["SK"]["S"]) for item in _items(client)}
    assert ("new", "001") in keys
    assert ("kept", "003") not in keys
    assert len(keys) == 50


def test_a_table_copied_outside_a_transaction_is_a_copy(lean_table: tuple[Any, Any]) -> None:
    client, table = lean_table
    clone = copy.deepcopy(table)
    client.delete_item(TableName="lean", Key=_key("kept", 7))

    assert clone is not table
    assert DynamoType({"S": "007"}) in clone.items[DynamoType({"S": "kept"})]
