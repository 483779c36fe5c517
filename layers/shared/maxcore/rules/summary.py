"""How an activity changes the summary state kept on its lead (pure: no I/O, no clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from maxcore.models.activity import Activity, ActivityStatus, Direction
from maxcore.models.lead import LeadSummary

SENT, REPLIED = 0, 1
"""Positions in a day's ``[sent, replied]`` counter of one channel."""

_DELIVERED = frozenset(
    {
        ActivityStatus.DELIVERED,
        ActivityStatus.OPENED,
        ActivityStatus.CLICKED,
        ActivityStatus.READ,
        ActivityStatus.REPLIED,
    }
)
"""Statuses of a message sent that prove it reached the lead (an opened message was delivered)."""


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def apply_activity(
    summary: LeadSummary, activity: Activity, now: datetime, window_days: int = 30
) -> LeadSummary:
    """Return ``summary`` updated with ``activity``; days older than the window are dropped.

    Parameters
    ----------
    summary
        The lead's summary before the activity.
    activity
        The activity being recorded (it may be older than others already counted).
    now
        The current time, which the rolling window is measured back from.
    window_days
        Length of the rolling window of per-day counters.

    Returns
    -------
    LeadSummary
        A new summary; ``summary`` is not modified.
    """
    updated = summary.model_copy(deep=True)
    at = activity.occurred_at
    channel = activity.channel.value
    failed = activity.status in (ActivityStatus.FAILED, ActivityStatus.BOUNCED, ActivityStatus.NO_ANSWER)
    if not failed:
        updated.last_contact_at = _later(updated.last_contact_at, at)
    if activity.direction is Direction.IN:
        updated.last_inbound_at = _later(updated.last_inbound_at, at)
        updated.last_inbound_by_channel[channel] = _later(updated.last_inbound_by_channel.get(channel), at)
        if activity.intent and (updated.last_intent_at is None or at >= updated.last_intent_at):
            updated.last_intent, updated.last_intent_at = activity.intent, at
    elif not failed:
        updated.last_outbound_at = _later(updated.last_outbound_at, at)
        updated.last_outbound_by_channel[channel] = _later(updated.last_outbound_by_channel.get(channel), at)
    if activity.status in (ActivityStatus.OPENED, ActivityStatus.CLICKED, ActivityStatus.READ):
        updated.last_opened_at = _later(updated.last_opened_at, at)
    if activity.direction is Direction.OUT and activity.status in _DELIVERED:
        updated.last_delivered_at = _later(updated.last_delivered_at, at)

    cutoff = (now - timedelta(days=window_days)).date().isoformat()
    day = at.date().isoformat()
    if day >= cutoff and not failed:
        counts = updated.daily_counts.setdefault(day, {}).setdefault(channel, [0, 0])
        counts[REPLIED if activity.direction is Direction.IN else SENT] += 1
    updated.daily_counts = {d: c for d, c in updated.daily_counts.items() if d >= cutoff}
    return updated
