"""Test-wide settings: fake AWS credentials and a table name, set before any code reads them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

# Never let a test reach a real AWS account, whatever the developer's shell holds.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
        "TABLE_NAME": "max-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MAX",
        "POWERTOOLS_DEV": "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "UNSUBSCRIBE_SECRET": "test-unsubscribe-secret",
        "UNSUBSCRIBE_BASE_URL": "https://api.max.test",
    }
)
os.environ.pop("AWS_PROFILE", None)


# Every test runs at a known instant: the whole session travels there before its first fixture and
# ticks on from it, so each test runs on Monday 16 November 2026, minutes after 09:00 in Paris,
# whatever the calendar says. The product reads the time through ``maxcore.clock.utcnow``
# (datetime.now), moto, PyJWT and Powertools through datetime and time.time: time-machine moves them
# all, in this process and in the threads of its servers. A test that mixes one of its fixed dates
# with "now" therefore behaves the same on every day: it fails today if it is wrong, not on some later
# date. A test that needs another instant injects its clock or travels (the ``time_machine`` fixture).
# The session is not reset to the instant before each test: fixtures of a wider scope (servers,
# signed tokens) were made earlier on the same timeline, and time must not run backwards under them.
# ``make test`` also runs the suites with the system clock moved 400 days ahead (faketime), which this
# instant makes invisible.
KNOWN_INSTANT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
"""Monday 16 November 2026, 09:00 in Paris: a working day, inside the usual send windows."""

SESSION_SPAN = timedelta(hours=2)
"""How far the ticking clock may have gone when a test runs: the longest session stays on that morning."""


@pytest.fixture(scope="session", autouse=True)
def _session_at_the_known_instant() -> Iterator[None]:
    """Travel before any other fixture, so servers, tables and tokens live on the known timeline too."""
    with time_machine.travel(KNOWN_INSTANT, tick=True):
        yield
