"""The one place that reads the wall clock, so services can be given a fixed ``now`` in tests."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
