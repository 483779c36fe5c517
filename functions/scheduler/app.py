"""Scheduled jobs: each schedule of template.yaml fans its job out, one queue message per tenant."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from maxcore.models.jobs import ScheduledJobEvent
from maxcore.observability import logger, metrics, tracer
from maxcore.services.queueing import run_schedule


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Parse the schedule's input and queue the job for every tenant."""
    scheduled = ScheduledJobEvent.model_validate(event)
    # The schedule's execution id follows the run into every message it queues; a run fired by hand
    # (sam local invoke, the dev server) has none and goes by its Lambda request id.
    correlation_id = scheduled.execution_id or context.aws_request_id
    logger.set_correlation_id(correlation_id)
    logger.append_keys(job=scheduled.job.value)
    metrics.add_dimension(name="job", value=scheduled.job.value)
    result = run_schedule(scheduled, correlation_id=correlation_id)
    # Only a completed fan-out counts: the "no hourly run in 2 hours" alarm watches this metric.
    metrics.add_metric(name="ScheduleRan", unit=MetricUnit.Count, value=1)
    return result
