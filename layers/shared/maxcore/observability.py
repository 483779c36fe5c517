"""The process-wide Powertools logger, metrics and tracer.

One instance of each, shared by handlers and services, so a key appended for a request (tenant id,
correlation id) is on every line that request logs.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="max")
metrics = Metrics(namespace="MAX", service="max")
tracer = Tracer(service="max")
