"""When a scheduled message goes: the ``send_at`` a rep wrote, read on the right clock and bounded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from maxcore.rules.send_window import wall_clock_instant
from maxcore.texts import CATALOGUE, render, with_channel_label

PAST_TOLERANCE = timedelta(minutes=2)
"""A ``send_at`` this close behind now is "now" (the clocks of the browser and the API differ)."""
HORIZON = timedelta(days=366)
"""How far ahead a message may be scheduled: a year, whatever the year's length."""
SWEEP_GRACE = timedelta(minutes=5)
"""How late a message must be before the hourly sweep sends it: its timer normally fires first."""


class SendAtProblem(StrEnum):
    """Why a ``send_at`` cannot be accepted."""

    PAST = "past"
    TOO_FAR = "too_far"


def send_instant(send_at: datetime, timezone: str) -> datetime:
    """The UTC instant ``send_at`` names: its own offset if it has one, else the tenant's wall clock.

    Parameters
    ----------
    send_at
        What the rep wrote, as parsed from ISO-8601 (naive when it had no offset).
    timezone
        The tenant's IANA time zone.

    Returns
    -------
    datetime
        An aware UTC instant. A naive time in the spring gap is moved past the gap; one that
        happens twice in autumn is its first occurrence.
    """
    if send_at.tzinfo is not None and send_at.utcoffset() is not None:
        return send_at.astimezone(UTC)
    return wall_clock_instant(send_at, timezone)


def send_at_problem(at: datetime, now: datetime) -> SendAtProblem | None:
    """Why the instant ``at`` cannot be a message's time at ``now`` (past, too far), or ``None``."""
    if at < now - PAST_TOLERANCE:
        return SendAtProblem.PAST
    if at > now + HORIZON:
        return SendAtProblem.TOO_FAR
    return None


_OFFSETS_SPAN = timedelta(days=2)
"""More than any UTC offset: a wall-clock time this far outside the bounds is outside them anywhere."""


def scheduled_instant(send_at: datetime, timezone: str, now: datetime) -> datetime | SendAtProblem:
    """The UTC instant of ``send_at`` (:func:`send_instant`), or why it cannot be a message's time.

    A time far outside the bounds (year 1, year 9999) is refused before any conversion, which could
    overflow the calendar.
    """
    wall, naive_now = send_at.replace(tzinfo=None), now.astimezone(UTC).replace(tzinfo=None)
    if wall < naive_now - _OFFSETS_SPAN:
        return SendAtProblem.PAST
    if wall > naive_now + HORIZON + _OFFSETS_SPAN:
        return SendAtProblem.TOO_FAR
    at = send_instant(send_at, timezone)
    return send_at_problem(at, now) or at


def overdue_bound(now: datetime) -> datetime:
    """The latest due time the hourly sweep takes at ``now``: those later are left to their timers."""
    return now - SWEEP_GRACE


_OWN_DETAILS = frozenset({"lead_deleted", "send_unanswered", "send_interrupted"})
"""Details only a scheduled message has; the others read as an automation's (``automation.detail``)."""


def detail_text(code: str, locale: str, values: Mapping[str, str | int]) -> str:
    """Why a scheduled message did not go, or not yet, as the detail of its reason."""
    if code in _OWN_DETAILS:
        return render(f"scheduled.detail.{code}", locale)
    key = f"automation.detail.{code}" if f"automation.detail.{code}" in CATALOGUE else None
    return render(key or "automation.detail.provider_refused", locale, **with_channel_label(values, locale))


def outcome_reason(
    state: str, code: str, locale: str, values: Mapping[str, str | int], until: str | None = None
) -> str:
    """The reason a user reads for a message that ``failed``, was put off (``until``), or went
    unconfirmed (``sent`` with a code)."""
    detail = detail_text(code, locale, values)
    if until is not None:
        return render("scheduled.deferred", locale, detail=detail, until=until)
    return render("scheduled.failed" if state == "failed" else "scheduled.unconfirmed", locale, detail=detail)
