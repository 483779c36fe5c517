"""What the Powertools logger and metrics actually write, captured for assertions."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from maxcore.observability import logger


@contextmanager
def captured_logs(level: str = "INFO") -> Iterator[list[dict[str, Any]]]:
    """The JSON lines the shared Powertools logger writes inside the block, at ``level`` and above.

    The logger's own handler and formatter write them (into a buffer instead of stdout), so the
    lines are exactly those CloudWatch would receive. The tests run at WARNING: the level is raised
    for the block only.
    """
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = logger.log_level
    logger.setLevel(level)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        logger.setLevel(previous_level)
        if previous_stream is not None:
            handler.setStream(previous_stream)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines() if line.strip())


def emitted_metrics(stdout: str) -> list[tuple[str, dict[str, str]]]:
    """Each metric of the CloudWatch embedded-metric documents in ``stdout``, with its dimensions."""
    found: list[tuple[str, dict[str, str]]] = []
    for line in stdout.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            (dimension_names,) = directive["Dimensions"]
            dimensions = {name: document[name] for name in dimension_names}
            found.extend((metric["Name"], dimensions) for metric in directive["Metrics"])
    return found
