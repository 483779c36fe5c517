"""The table's stream, read as Lambda's event source mapping would and handed over as its event.

The dev server polls it to feed the outbound events' stream function (``DevServer.poll_events``), and the
outbound events' tests read it to hand a change to the same function by hand. moto and DynamoDB Local
both serve the DynamoDB Streams API (DescribeStream, GetShardIterator, GetRecords).
"""

from __future__ import annotations

from typing import Any

import boto3

LAMBDA_STREAM_ARN = "arn:aws:dynamodb:eu-west-3:000000000000:table/max"
"""The ``eventSourceARN`` the records carry (the handler does not read it)."""


class TableStream:
    """The changes of a table made since this reader was created, as DynamoDB stream events.

    ``table_name``/``endpoint``/``region``: the table to read (the layer's settings when not given).
    A shard that closes (DynamoDB Local rolls them over) is read to its end, then its children from
    their first record.
    """

    def __init__(
        self, table_name: str | None = None, endpoint: str | None = None, region: str | None = None
    ) -> None:
        if table_name is None or region is None:
            from maxcore.settings import get_settings

            settings = get_settings()
            table_name, endpoint, region = settings.table_name, settings.dynamodb_endpoint, settings.region
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
        self._streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=region)
        self._arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self._done: set[str] = set()
        self._iterators: dict[str, str] = {}
        self._follow_new_shards("LATEST")

    def event(self) -> dict[str, Any]:
        """The new records of every shard, as the ``Records`` of one Lambda event."""
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self._iterators.items()):
            answer = self._streams.get_records(ShardIterator=iterator)
            records += [_as_lambda_record(record) for record in answer["Records"]]
            if "NextShardIterator" in answer:
                self._iterators[shard_id] = answer["NextShardIterator"]
            else:  # closed and read to its end
                del self._iterators[shard_id]
                self._done.add(shard_id)
        self._follow_new_shards("TRIM_HORIZON")
        return {"Records": records}

    def _follow_new_shards(self, position: str) -> None:
        # A shard opened since the last look is read from its start (its records all came after ours).
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self._iterators or shard_id in self._done:
                continue
            self._iterators[shard_id] = self._streams.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard_id, ShardIteratorType=position
            )["ShardIterator"]


def _as_lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    # boto3 parses the creation time into a datetime; Lambda hands it over in epoch seconds.
    change = dict(record["dynamodb"])
    change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
    return {**record, "dynamodb": change, "eventSourceARN": LAMBDA_STREAM_ARN}
