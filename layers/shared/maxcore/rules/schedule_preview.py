"""The schedule preview's pure parts: which days may be previewed, when the hourly scheduler takes a
step, when a step stopped by a daily cap runs again, and the caps counted in memory.

The preview replays a day of the scheduler without writing anything: the counters that enforce the
daily caps are not touched, so the sends the day would make are counted here instead, in run order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from maxcore.rules.send_window import Window, day_bounds, local_day, next_hourly_run, next_open

PREVIEW_HORIZON_DAYS = 90
"""How far ahead a day may be previewed: the facts read today say less and less about later days."""


def preview_day_problem(day: date, today: date, horizon_days: int = PREVIEW_HORIZON_DAYS) -> str | None:
    """Why ``day`` cannot be previewed, or ``None`` when it can.

    Parameters
    ----------
    day
        The day asked for, in the tenant's timezone.
    today
        The tenant's current day.
    horizon_days
        The furthest day that may be previewed, in days after ``today``.

    Returns
    -------
    str | None
        A sentence for the API's error details when ``day`` is before ``today`` or more than
        ``horizon_days`` after it.
    """
    if day < today:
        return f"the day is past: preview today ({today.isoformat()}) or a later day"
    last = today + timedelta(days=horizon_days)
    if day > last:
        return f"preview at most {horizon_days} days ahead (until {last.isoformat()})"
    return None


def first_run(due_at: datetime, now: datetime) -> datetime:
    """The hourly run that first takes a step due at ``due_at``, seen from ``now`` (aware datetimes).

    A step already overdue is taken by the next run; any other by the first run at or after its due time.
    """
    return next_hourly_run(max(due_at, now))


def after_daily_cap(window: Window, at: datetime) -> datetime:
    """When a step a daily cap stopped at ``at`` runs again: the window's first opening of the next
    local day of ``window.timezone`` (the caps count local days), as an aware UTC datetime."""
    tomorrow = date.fromisoformat(local_day(at, window.timezone)) + timedelta(days=1)
    return next_open(window, day_bounds(tomorrow, window.timezone)[0])


@dataclass
class CapTally:
    """Messages counted against daily caps, each under its own key (a campaign's channel on its local
    day, a tenant's channel on a UTC day)."""

    counts: dict[Hashable, int] = field(default_factory=dict)

    def room(self, key: Hashable, cap: int | None, already: Callable[[], int] = lambda: 0) -> bool:
        """Whether one more message fits under ``cap`` (``None``: no cap).

        ``already`` gives what was counted before the preview, asked once per key when it is first seen.
        """
        if cap is None:
            return True
        if key not in self.counts:
            self.counts[key] = already()
        return self.counts[key] < cap

    def count(self, key: Hashable) -> None:
        """Count one message under ``key``."""
        self.counts[key] = self.counts.get(key, 0) + 1
