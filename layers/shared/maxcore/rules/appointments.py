"""Appointments and surveys, read by rules (pure): when reminders go, which appointment a reply
answers, which score a survey's answer counts and what the survey counters average to.

A reminder goes a fixed time before its appointment (:data:`REMINDER_OFFSETS`). One whose instant has
already passed when the appointment is booked or moved (booked 30 minutes ahead: no 24 h nor 1 h
reminder) is not sent: it would arrive late or after the fact. An OUI/NON answers the lead's next
appointment still to come, the one a reminder was about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from maxcore.models.activity import Activity
from maxcore.models.appointment import ACTIVE_STATUSES, Appointment, ReminderKind, SurveyGroup, month_of
from maxcore.models.common import Channel
from maxcore.rules.reporting import SurveyCount

REMINDER_OFFSETS: dict[ReminderKind, timedelta] = {
    ReminderKind.DAY_BEFORE: timedelta(hours=24),
    ReminderKind.HOUR_BEFORE: timedelta(hours=1),
}
"""How long before its appointment each reminder goes."""


def in_utc(at: datetime, timezone: str) -> datetime:
    """``at`` in UTC; a time without an offset is read on the wall clock of ``timezone``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(timezone))
    return at.astimezone(UTC)


@dataclass(frozen=True)
class ReminderPlan:
    """The reminders of an appointment at a given time: those to set, and those already too late."""

    due: dict[ReminderKind, datetime]
    missed: dict[ReminderKind, datetime]


def reminder_plan(at: datetime, now: datetime) -> ReminderPlan:
    """When each reminder of an appointment at ``at`` goes, split into those still ahead and those past.

    Parameters
    ----------
    at
        The appointment's time (aware).
    now
        The time of the booking or the move.

    Returns
    -------
    ReminderPlan
        ``due``: the reminders whose instant is after ``now``; ``missed``: the others.
    """
    due: dict[ReminderKind, datetime] = {}
    missed: dict[ReminderKind, datetime] = {}
    for kind, offset in REMINDER_OFFSETS.items():
        instant = at - offset
        (due if instant > now else missed)[kind] = instant
    return ReminderPlan(due, missed)


def reminder_time(appointment: Appointment, kind: ReminderKind) -> datetime:
    """When ``appointment``'s reminder ``kind`` goes, at its current time."""
    return appointment.at - REMINDER_OFFSETS[kind]


REMINDER_CHANNELS: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL)
"""The channels the built-in reminders exist on, in the order tried when the one wanted has none."""


def reminder_channel(wanted: str | None, phone: str | None, email: str | None) -> Channel | None:
    """The channel a reminder goes on: the one wanted (the appointment's, else the lead's preferred)
    when a built-in reminder exists on it and the lead has its address, else SMS, then e-mail.

    WhatsApp outside its 24-hour window needs a template approved by Meta, and a call or a manual
    note is no channel to write on: a lead who prefers those is reminded by SMS (or e-mail).
    """
    addresses = {Channel.SMS: phone, Channel.EMAIL: email}
    ordered = [Channel(wanted)] if wanted in {c.value for c in REMINDER_CHANNELS} else []
    return next((c for c in (*ordered, *REMINDER_CHANNELS) if addresses[c]), None)


def reminder_key(kind: ReminderKind, channel: Channel) -> str:
    """The library key of the built-in reminder of ``kind`` on ``channel``."""
    return f"appointment_reminder_{kind.value}" + ("_email" if channel is Channel.EMAIL else "")


def next_upcoming(appointments: Iterable[Appointment], now: datetime) -> Appointment | None:
    """The appointment a reply OUI/NON answers: the lead's soonest one still to come and not cancelled.

    Parameters
    ----------
    appointments
        The lead's appointments, in any order.
    now
        When the reply came.

    Returns
    -------
    Appointment | None
        The scheduled or confirmed appointment with the earliest time after ``now``; None without one.
    """
    ahead = [a for a in appointments if a.status in ACTIVE_STATUSES and a.at > now]
    return min(ahead, key=lambda a: (a.at, a.id), default=None)


def survey_counts(answer: Activity) -> tuple[SurveyCount, ...]:
    """The survey score a recorded answer gives, in the month it came; none for any other activity."""
    score = answer.metadata.get("survey_score")
    if not isinstance(score, int) or "answers" not in answer.metadata:
        return ()
    template_id = answer.metadata.get("answers_template_id")
    campaign_id = answer.metadata.get("answers_campaign_id")
    return (
        SurveyCount(
            month_of(answer.occurred_at),
            score,
            None if template_id is None else str(template_id),
            None if campaign_id is None else str(campaign_id),
        ),
    )


def average(count: int, total: int) -> float | None:
    """The mean of ``count`` scores summing to ``total``, to two decimals; None without scores."""
    return None if count <= 0 else round(total / count, 2)


def survey_groups(tallies: dict[str, tuple[int, int]]) -> list[SurveyGroup]:
    """One group per key of ``tallies`` (key -> (count, total)), in key order, with its average."""
    return [
        SurveyGroup(key=key, count=count, average=average(count, total))
        for key, (count, total) in sorted(tallies.items())
    ]
