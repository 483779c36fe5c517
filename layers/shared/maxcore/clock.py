"""The one place that reads the wall clock, so services can be given a fixed ``now`` in tests; and the
time budget of a job, read from its Lambda invocation's remaining time.

A long job checks a :class:`TimeBudget` between items: once the remaining time falls to the safety
margin, it takes no new item, queues where it stopped, and returns while there is time to do so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


SAFETY_MARGIN_MS = 60_000
"""Time kept for the item in hand and the continuation's message, on top of the remaining time.

The longest item is a prospection step: its claim, a provider call that may be tried four times
(8 s timeout each) with up to 20 s of waits between tries (``RetryPolicy``), its settle; then one
SendMessage. A minute covers them; a 300 s invocation works for 240 s.
"""


class RemainingTime(Protocol):
    """What a time budget reads: a Lambda context, or a test's short-lived stand-in."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invocation is stopped."""
        ...


@dataclass(frozen=True)
class TimeBudget:
    """The time a job may still spend, read from ``remaining_ms`` minus ``margin_ms``."""

    remaining_ms: Callable[[], float]
    margin_ms: float = SAFETY_MARGIN_MS

    @classmethod
    def of(cls, context: RemainingTime, margin_ms: float = SAFETY_MARGIN_MS) -> TimeBudget:
        """The budget of a Lambda invocation."""
        return cls(context.get_remaining_time_in_millis, margin_ms)

    def exhausted(self) -> bool:
        """True once the job must stop taking new items."""
        return self.remaining_ms() <= self.margin_ms


UNLIMITED = TimeBudget(lambda: float("inf"))
"""The budget of a caller that has no deadline (an API request's own sweep, a script, a test)."""
