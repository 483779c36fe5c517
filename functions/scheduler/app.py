"""Scheduled jobs: each schedule of template.yaml fans its job out, one queue message per tenant."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.clock import utcnow
from maxcore.dal.tenants import TenantDirectory
from maxcore.models.jobs import ScheduledJobEvent
from maxcore.observability import logger, metrics, tracer
from maxcore.services.scheduling import fan_out, sqs_client
from maxcore.settings import get_settings


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Parse the schedule's input and queue the job for every tenant."""
    scheduled = ScheduledJobEvent.model_validate(event)
    scheduled_at = scheduled.scheduled_at or utcnow()
    logger.append_keys(job=scheduled.job.value)
    queue_url = get_settings().fanout_queue_url
    if not queue_url:
        raise RuntimeError("FANOUT_QUEUE_URL is not set")
    queued = fan_out(scheduled.job, scheduled_at, TenantDirectory().tenant_ids(), sqs_client(), queue_url)
    return {"job": scheduled.job.value, "scheduled_at": scheduled_at.isoformat(), "tenants": queued}
