"""The table's stream: each change of an item that makes outbound events is fanned out to the endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.observability import logger, metrics, tracer
from maxcore.services.event_publisher import EventPublisher

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _record_handler(record: DynamoDBRecord, publisher: EventPublisher) -> int:
    change = record.dynamodb
    if change is None or record.event_id is None:
        return 0
    seconds = change.approximate_creation_date_time or 0
    at = datetime.fromtimestamp(seconds, UTC)
    # A failure raises: the batch is retried from this record, and the same ids come out again.
    return publisher.publish(record.event_id, at, change.old_image or None, change.new_image or None)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Publish the batch's changes; report the first that failed, so the stream resumes from it."""
    handler = partial(_record_handler, publisher=EventPublisher())
    return process_partial_response(event=event, record_handler=handler, processor=processor, context=context)
