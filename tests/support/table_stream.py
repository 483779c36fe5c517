"""The table's stream, read as Lambda's event source mapping would and handed over as its event."""

from __future__ import annotations

from typing import Any

import boto3

from maxcore.settings import get_settings


class TableStream:
    """The changes of the table made since this reader was created, as DynamoDB stream events."""

    def __init__(self) -> None:
        settings = get_settings()
        dynamodb = boto3.client(
            "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
        )
        self._streams = boto3.client(
            "dynamodbstreams", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
        )
        self._arn = dynamodb.describe_table(TableName=settings.table_name)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        self._iterators = {
            shard["ShardId"]: self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        }

    def event(self) -> dict[str, Any]:
        """The new records of every shard, as the ``Records`` of one Lambda event."""
        records: list[dict[str, Any]] = []
        for shard_id, iterator in self._iterators.items():
            answer = self._streams.get_records(ShardIterator=iterator)
            self._iterators[shard_id] = answer["NextShardIterator"]
            records += [_as_lambda_record(record) for record in answer["Records"]]
        return {"Records": records}


def _as_lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    # boto3 parses the creation time into a datetime; Lambda hands it over in epoch seconds.
    change = dict(record["dynamodb"])
    change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
    return {
        **record,
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-3:000000000000:table/max",
    }
