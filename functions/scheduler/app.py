"""Scheduled jobs: each schedule of template.yaml fans its job out, one queue message per tenant."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.models.jobs import ScheduledJobEvent
from maxcore.observability import logger, metrics, tracer
from maxcore.services.scheduling import run_schedule


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Parse the schedule's input and queue the job for every tenant."""
    scheduled = ScheduledJobEvent.model_validate(event)
    logger.append_keys(job=scheduled.job.value)
    return run_schedule(scheduled)
