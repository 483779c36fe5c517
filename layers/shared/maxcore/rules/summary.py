"""How an activity changes the summary state kept on its lead (pure: no I/O, no clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import LastMessage, LeadSummary
from maxcore.rules.keywords import is_instruction

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

_FAILED = frozenset(
    {ActivityStatus.FAILED, ActivityStatus.UNDELIVERED, ActivityStatus.BOUNCED, ActivityStatus.NO_ANSWER}
)
"""Statuses of an interaction that did not reach the lead."""

MESSAGE_CHANNELS = frozenset(
    {ActivityChannel.SMS, ActivityChannel.WHATSAPP, ActivityChannel.EMAIL, ActivityChannel.TELEGRAM}
)
"""Channels whose activities are messages, listed in the unified inbox."""

PREVIEW_LENGTH = 160


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
    failed = activity.status in _FAILED
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

    if activity.channel in MESSAGE_CHANNELS and not is_instruction(activity.metadata):
        # A STOP, a HELP or a bot command stays on the timeline but is no conversation: the inbox
        # keeps showing the last real message, and nothing new is unread.
        _apply_to_inbox(updated, activity)

    cutoff = (now - timedelta(days=window_days)).date().isoformat()
    day = at.date().isoformat()
    if day >= cutoff and not failed:
        counts = updated.daily_counts.setdefault(day, {}).setdefault(channel, [0, 0])
        counts[REPLIED if activity.direction is Direction.IN else SENT] += 1
    updated.daily_counts = {d: c for d, c in updated.daily_counts.items() if d >= cutoff}
    return updated


def _apply_to_inbox(summary: LeadSummary, activity: Activity) -> None:
    at = activity.occurred_at
    last = summary.last_message
    if last is None or at >= last.at:
        summary.last_message = LastMessage(
            activity_id=activity.id,
            channel=Channel(activity.channel.value),
            direction=activity.direction.value,
            status=activity.status.value,
            preview=None if activity.preview is None else activity.preview[:PREVIEW_LENGTH],
            at=at,
        )
    if activity.direction is Direction.IN and (summary.read_at is None or at > summary.read_at):
        summary.unread += 1


def apply_delivery(
    summary: LeadSummary, activity_id: str, status: ActivityStatus, at: datetime
) -> LeadSummary:
    """Return ``summary`` updated with a provider's news about a message sent to the lead.

    Parameters
    ----------
    summary
        The lead's summary before the news.
    activity_id
        The activity of the message (the inbox shows the status of the last message).
    status
        The message's new status, already checked to move forward.
    at
        When the provider says it happened.

    Returns
    -------
    LeadSummary
        A new summary; ``summary`` is not modified.
    """
    updated = summary.model_copy(deep=True)
    if status in _DELIVERED:
        updated.last_delivered_at = _later(updated.last_delivered_at, at)
    if status in (ActivityStatus.OPENED, ActivityStatus.CLICKED, ActivityStatus.READ):
        updated.last_opened_at = _later(updated.last_opened_at, at)
    if updated.last_message is not None and updated.last_message.activity_id == activity_id:
        updated.last_message = updated.last_message.model_copy(update={"status": status.value})
    return updated


def mark_read(summary: LeadSummary, now: datetime) -> LeadSummary:
    """Return ``summary`` with every inbound message read as of ``now``."""
    return summary.model_copy(update={"unread": 0, "read_at": now})
