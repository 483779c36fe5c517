"""How an activity changes the summary state kept on its lead (pure: no I/O, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.intent import ReplyKind
from maxcore.models.lead import LastMessage, LeadSummary
from maxcore.rules.inbox import after_message, with_recent_text
from maxcore.rules.keywords import is_instruction
from maxcore.rules.replies import ReplyEffect

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

FAILED_STATUSES = frozenset(
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
    summary: LeadSummary,
    activity: Activity,
    now: datetime,
    window_days: int = 30,
    effect: ReplyEffect | None = None,
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
    effect
        For an inbound activity, what it does (:func:`maxcore.rules.replies.reply_effect`): only a
        message a person wrote moves the last inbound time, the intent and the reply counters; an
        absence notice records the return day; a decline suggests a status. None for an inbound
        activity nobody read (a person reached out).

    Returns
    -------
    LeadSummary
        A new summary; ``summary`` is not modified.
    """
    updated = summary.model_copy(deep=True)
    at = activity.occurred_at
    channel = activity.channel.value
    failed = activity.status in FAILED_STATUSES
    inbound = activity.direction is Direction.IN
    person = not inbound or effect is None or effect.counts_as_reply
    if not failed and person:
        updated.last_contact_at = _later(updated.last_contact_at, at)
    if inbound and person:
        _apply_reply(updated, activity, effect)
    elif not inbound and not failed:
        updated.last_outbound_at = _later(updated.last_outbound_at, at)
        updated.last_outbound_by_channel[channel] = _later(updated.last_outbound_by_channel.get(channel), at)
    if inbound and effect is not None and effect.resume_on is not None:
        updated.out_of_office_until = datetime.combine(effect.resume_on, time.min, tzinfo=UTC)
    if activity.status in (ActivityStatus.OPENED, ActivityStatus.CLICKED, ActivityStatus.READ):
        updated.last_opened_at = _later(updated.last_opened_at, at)
    if activity.direction is Direction.OUT and activity.status in _DELIVERED:
        updated.last_delivered_at = _later(updated.last_delivered_at, at)

    machine = effect is not None and effect.kind is ReplyKind.AUTOMATIC
    if activity.channel in MESSAGE_CHANNELS and not is_instruction(activity.metadata) and not machine:
        # A STOP, a HELP, a bot command or an auto-acknowledgement stays on the timeline but is no
        # conversation: the inbox keeps showing the last real message, and nothing new is unread.
        _apply_to_inbox(updated, activity)
    if inbound and activity.metadata.get("survey_score") is not None:
        _apply_score(updated, activity)

    cutoff = (now - timedelta(days=window_days)).date().isoformat()
    day = at.date().isoformat()
    counted = not inbound or effect is None or effect.counts_as_human_reply
    if day >= cutoff and not failed and counted:
        counts = updated.daily_counts.setdefault(day, {}).setdefault(channel, [0, 0])
        counts[REPLIED if inbound else SENT] += 1
    updated.daily_counts = {d: c for d, c in updated.daily_counts.items() if d >= cutoff}
    return updated


def _apply_reply(summary: LeadSummary, activity: Activity, effect: ReplyEffect | None) -> None:
    """A message a person wrote: the conversation moves, and the latest one says what it did.

    An answer to a survey or a reminder says nothing of the sale: the lead's last intent and the
    status suggested stay what its sales replies made them (a hot lead stays hot).
    """
    at, channel = activity.occurred_at, activity.channel.value
    latest = summary.last_inbound_at is None or at >= summary.last_inbound_at
    sales = effect is None or effect.kind is not ReplyKind.ANSWER
    summary.last_inbound_at = _later(summary.last_inbound_at, at)
    summary.last_inbound_by_channel[channel] = _later(summary.last_inbound_by_channel.get(channel), at)
    if sales and activity.intent and (summary.last_intent_at is None or at >= summary.last_intent_at):
        summary.last_intent, summary.last_intent_at = activity.intent, at
    if latest:
        summary.last_reply_kind = None if effect is None else effect.kind
        if sales:
            summary.suggested_status = None if effect is None else effect.suggested_status


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
    inbound = activity.channel.value if activity.direction is Direction.IN else None
    summary.conversation = after_message(summary.conversation, inbound, at)
    if activity.preview:
        summary.recent_text = with_recent_text(summary.recent_text, activity.preview[:PREVIEW_LENGTH])


def _apply_score(summary: LeadSummary, activity: Activity) -> None:
    """A survey's score (:mod:`maxcore.services.answers`): the latest one is kept, with its time."""
    at, score = activity.occurred_at, activity.metadata["survey_score"]
    if summary.last_survey_score_at is None or at >= summary.last_survey_score_at:
        summary.last_survey_score, summary.last_survey_score_at = int(score), at


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
