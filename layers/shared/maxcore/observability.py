"""The process-wide Powertools logger, metrics and tracer.

One instance of each, shared by handlers and services, so a key appended for a request (tenant id,
correlation id) is on every line that request logs.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = "max"
NAMESPACE = "MAX"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


def current_correlation_id() -> str | None:
    """The correlation id of this invocation: the API Gateway request id of an HTTP call (set by
    ``maxcore.api.make_handler``), the schedule's execution id, or the queue message's own."""
    return logger.get_correlation_id()


def count_for_job(name: str, job: str, value: float = 1) -> None:
    """Emit the count ``name`` with a ``job`` dimension, on its own.

    An EMF document has one set of dimensions, and a worker's batch mixes jobs: the shared ``metrics``
    cannot carry a different ``job`` per record, so this one is written at once (``service`` kept, so
    the dashboard and alarms name the same dimensions as for every other metric).
    """
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=NAMESPACE,
        default_dimensions={"service": SERVICE, "job": job},
    ):
        pass
