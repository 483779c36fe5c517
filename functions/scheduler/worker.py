"""Fan-out worker: runs one tenant's share of a scheduled job per SQS message."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.models.jobs import TenantJobMessage
from maxcore.observability import logger, metrics, tracer
from maxcore.services.job_queue import FANOUT_MAX_RECEIVES
from maxcore.services.run_cache import RunCache
from maxcore.services.scheduling import run_tenant_job

processor = BatchProcessor(event_type=EventType.SQS)


def _record_handler(record: SQSRecord, lambda_context: LambdaContext, run: RunCache) -> dict[str, Any]:
    # Each record names what caused it (a schedule's run, a webhook's request): every line logged for
    # it carries that id. Until the body is read, and for messages without one, the SQS message id.
    logger.remove_keys(["tenant_id", "job"])
    logger.set_correlation_id(record.message_id)
    try:
        # A message that does not parse raises: it is reported as a failure and ends in the DLQ.
        message = TenantJobMessage.model_validate_json(record.body)
        if message.correlation_id:
            logger.set_correlation_id(message.correlation_id)
        logger.append_keys(job=message.job.value)
        # The records of a batch share the invocation's time: each stops in time to queue the rest
        # of its work, however much its predecessors used.
        return run_tenant_job(message, lambda_context, run=run, last_delivery=_last_delivery(record))
    except Exception:
        # The batch processor only reports the message id to SQS: say here what failed, under its id.
        logger.exception("tenant job failed", extra={"message_id": record.message_id})
        raise


def _last_delivery(record: SQSRecord) -> bool:
    """Whether SQS will not deliver the record again: it goes to the DLQ after this many receives.

    A record without a count was not delivered by SQS (built by hand): nothing will deliver it again.
    """
    count = record.raw_event.get("attributes", {}).get("ApproximateReceiveCount")
    return count is None or int(count) >= FANOUT_MAX_RECEIVES


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process the batch and report the messages that failed, so only they are retried.

    The batch's messages share one :class:`RunCache`: the shards of a tenant's hour travel together,
    and what one of them read (the tenant's profile, channels, campaigns) the others need too.
    """
    handler = partial(_record_handler, run=RunCache())
    return process_partial_response(event=event, record_handler=handler, processor=processor, context=context)
