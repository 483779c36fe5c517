"""Tables created from template.yaml, on DynamoDB Local and on a moto server, are the template's tables."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from devserver.moto import AtomicMotoServer
from devserver.template import (
    DEFAULT_TEMPLATE_PATH,
    TableDefinition,
    create_tables,
    load_template,
    table_definitions,
)
from scripts.dynamodb_local import running_dynamodb_local

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    if not DEFAULT_TEMPLATE_PATH.exists():
        pytest.skip("template.yaml is not written yet")
    return load_template()


@pytest.fixture(scope="module", params=["dynamodb-local", "moto-server"])
def endpoint_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb-local":
        if shutil.which("java") is None:
            pytest.skip("DynamoDB Local needs java on PATH")
        with running_dynamodb_local() as url:
            yield url
        return
    server = AtomicMotoServer()
    server.start()
    try:
        yield server.endpoint()
    finally:
        server.stop()


@pytest.fixture
def client(endpoint_url: str) -> DynamoDBClient:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def names(template: dict[str, Any]) -> dict[str, str]:
    """Physical names unique to the test, as both backends live for the whole module."""
    suffix = uuid.uuid4().hex[:8]
    return {logical_id: f"{logical_id}-{suffix}" for logical_id in table_definitions(template)}


def _sorted_attributes(attributes: Any) -> list[tuple[str, str]]:
    return sorted((attribute["AttributeName"], attribute["AttributeType"]) for attribute in attributes)


def _key_of(definition: TableDefinition) -> dict[str, Any]:
    """A primary key for one item of the table, with a value of each key attribute's type."""
    types = {
        attribute["AttributeName"]: attribute["AttributeType"]
        for attribute in definition.create_kwargs["AttributeDefinitions"]
    }
    samples = {"S": {"S": "TENANT#t1#sample"}, "N": {"N": "1"}, "B": {"B": b"sample"}}
    return {
        key["AttributeName"]: samples[types[key["AttributeName"]]]
        for key in definition.create_kwargs["KeySchema"]
    }


def test_tables_are_created_as_the_template_defines_them(
    client: DynamoDBClient, template: dict[str, Any], names: dict[str, str]
) -> None:
    # Given the template's tables
    definitions = table_definitions(template)
    assert definitions, "template.yaml defines no AWS::DynamoDB::Table"

    # When
    create_tables(client, names, template)

    # Then each table has the template's keys, attributes, indexes and TTL
    for logical_id, definition in definitions.items():
        expected = definition.create_kwargs
        table = client.describe_table(TableName=names[logical_id])["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"] == expected["KeySchema"]
        assert _sorted_attributes(table["AttributeDefinitions"]) == _sorted_attributes(
            expected["AttributeDefinitions"]
        )
        actual_indexes = {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        expected_indexes = {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in expected.get("GlobalSecondaryIndexes", [])
        }
        assert actual_indexes == expected_indexes
        ttl = client.describe_time_to_live(TableName=names[logical_id])["TimeToLiveDescription"]
        if definition.ttl_attribute is None:
            assert ttl.get("TimeToLiveStatus") in {None, "DISABLED"}
        else:
            assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": definition.ttl_attribute}


def test_creating_the_tables_again_keeps_their_items(
    client: DynamoDBClient, template: dict[str, Any], names: dict[str, str]
) -> None:
    # Given tables holding one item each
    create_tables(client, names, template)
    definitions = table_definitions(template)
    items = {
        logical_id: {**_key_of(definition), "note": {"S": f"written in {logical_id}"}}
        for logical_id, definition in definitions.items()
    }
    for logical_id, item in items.items():
        client.put_item(TableName=names[logical_id], Item=item)

    # When the tables are created a second time
    create_tables(client, names, template)

    # Then nothing was recreated: every item reads back as written
    for logical_id, item in items.items():
        stored = client.get_item(
            TableName=names[logical_id], Key=_key_of(definitions[logical_id]), ConsistentRead=True
        )
        assert stored.get("Item") == item
