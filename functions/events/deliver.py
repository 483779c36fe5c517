"""The delivery queue's consumer: each message is one outbound event's attempt at one endpoint.

Deliveries have this function and queue to themselves, so an endpoint that answers slowly (up to its
5-second timeout, again at each retry) takes none of the fan-out worker's time.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.models.jobs import TenantJobMessage
from maxcore.observability import logger, metrics, tracer
from maxcore.services.event_delivery import run_delivery

processor = BatchProcessor(event_type=EventType.SQS)


def _record_handler(record: SQSRecord) -> dict[str, Any]:
    logger.remove_keys(["tenant_id"])
    logger.set_correlation_id(record.message_id)
    try:
        # A message that does not parse raises: it is reported as a failure and ends in the DLQ.
        message = TenantJobMessage.model_validate_json(record.body)
        logger.append_keys(tenant_id=message.tenant_id)
        return run_delivery(message)
    except Exception:
        logger.exception("delivery failed", extra={"message_id": record.message_id})
        raise


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Attempt each delivery of the batch; report the messages that failed, so only they are retried."""
    return process_partial_response(
        event=event, record_handler=_record_handler, processor=processor, context=context
    )
