"""Every test runs on the known morning of tests/conftest.py, whatever the calendar says."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from maxcore.clock import utcnow
from tests.conftest import KNOWN_INSTANT, SESSION_SPAN


def test_the_product_clock_reads_the_known_instant() -> None:
    # Given a test, whatever day it runs (CI also runs it 400 days ahead)
    # When the product reads its clock
    # Then it reads the known morning (the clock ticks from the known instant)
    assert KNOWN_INSTANT <= utcnow() < KNOWN_INSTANT + SESSION_SPAN


def test_the_wall_clock_of_every_library_reads_it_too() -> None:
    # Given the ways libraries read the time (moto, PyJWT, botocore, Powertools)
    # Then each of them reads the known instant
    for now in (
        datetime.now(UTC),
        datetime.fromtimestamp(time.time(), UTC),
        datetime.utcnow().replace(tzinfo=UTC),
    ):
        assert KNOWN_INSTANT <= now < KNOWN_INSTANT + SESSION_SPAN


def test_threads_of_the_embedded_servers_read_it_too() -> None:
    # Given a thread, as the embedded moto server and fake providers serve requests from
    seen: list[datetime] = []
    thread = threading.Thread(target=lambda: seen.append(datetime.now(UTC)))
    # When it reads the clock
    thread.start()
    thread.join()
    # Then it reads the known instant
    assert KNOWN_INSTANT <= seen[0] < KNOWN_INSTANT + SESSION_SPAN
