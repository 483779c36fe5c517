"""Fan-out worker: runs one tenant's share of a scheduled job per SQS message."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.models.jobs import TenantJobMessage
from maxcore.observability import logger, metrics, tracer
from maxcore.services.scheduling import run_tenant_job

processor = BatchProcessor(event_type=EventType.SQS)


def _record_handler(record: SQSRecord) -> dict[str, Any]:
    # A message that does not parse raises: it is reported as a failure and ends in the DLQ.
    return run_tenant_job(TenantJobMessage.model_validate_json(record.body))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process the batch and report the messages that failed, so only they are retried."""
    return process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
