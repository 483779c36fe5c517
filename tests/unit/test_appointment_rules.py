"""Appointment and survey rules: when reminders go, which appointment a reply answers, averages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import AlertType, Severity
from maxcore.models.appointment import Appointment, AppointmentStatus, ReminderKind
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.alerts import appointment_cancelled, evaluate, reason_resolved
from maxcore.rules.appointments import (
    average,
    in_utc,
    next_upcoming,
    reminder_channel,
    reminder_key,
    reminder_plan,
    survey_groups,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LEAD = "01JAPPTXEAD000000000000000"


def _appointment(
    suffix: str, at: datetime, status: AppointmentStatus = AppointmentStatus.SCHEDULED
) -> Appointment:
    return Appointment(
        id=f"01JAPPT000000000000000000{suffix}",
        lead_id=LEAD,
        at=at,
        with_whom="Claire",
        where="Institut, Lyon",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


# --- reminder times ------------------------------------------------------------------------------
def test_an_appointment_two_days_ahead_gets_both_reminders_24h_and_1h_before() -> None:
    at = NOW + timedelta(days=2)

    plan = reminder_plan(at, NOW)

    assert plan.due == {
        ReminderKind.DAY_BEFORE: at - timedelta(hours=24),
        ReminderKind.HOUR_BEFORE: at - timedelta(hours=1),
    }
    assert plan.missed == {}


def test_an_appointment_booked_30_minutes_ahead_misses_both_reminders() -> None:
    at = NOW + timedelta(minutes=30)

    plan = reminder_plan(at, NOW)

    assert plan.due == {}
    assert set(plan.missed) == {ReminderKind.DAY_BEFORE, ReminderKind.HOUR_BEFORE}


def test_an_appointment_booked_5_hours_ahead_gets_only_the_hour_before() -> None:
    at = NOW + timedelta(hours=5)

    plan = reminder_plan(at, NOW)

    assert set(plan.due) == {ReminderKind.HOUR_BEFORE}
    assert set(plan.missed) == {ReminderKind.DAY_BEFORE}


def test_a_reminder_due_exactly_now_is_missed_not_sent_late() -> None:
    plan = reminder_plan(NOW + timedelta(hours=1), NOW)

    assert ReminderKind.HOUR_BEFORE in plan.missed


def test_a_time_without_offset_is_read_on_the_tenant_s_wall_clock() -> None:
    # 14:30 in Paris in March (UTC+1) is 13:30 UTC; in New York (UTC-4 after the DST switch) 18:30 UTC.
    assert in_utc(datetime(2026, 3, 10, 14, 30), "Europe/Paris") == datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
    assert in_utc(datetime(2026, 3, 10, 14, 30), "America/New_York") == datetime(
        2026, 3, 10, 18, 30, tzinfo=UTC
    )


def test_a_time_with_an_offset_keeps_it() -> None:
    at = datetime.fromisoformat("2026-03-10T14:30:00+05:00")

    assert in_utc(at, "Europe/Paris") == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


# --- which appointment a reply answers -----------------------------------------------------------
def test_a_reply_answers_the_soonest_appointment_still_to_come() -> None:
    past = _appointment("1", NOW - timedelta(hours=2))
    later = _appointment("2", NOW + timedelta(days=5))
    sooner = _appointment("3", NOW + timedelta(days=1))

    assert next_upcoming([past, later, sooner], NOW) == sooner


def test_a_cancelled_or_done_appointment_is_never_answered() -> None:
    cancelled = _appointment("1", NOW + timedelta(hours=3), AppointmentStatus.CANCELLED)
    done = _appointment("2", NOW + timedelta(hours=4), AppointmentStatus.DONE)
    confirmed = _appointment("3", NOW + timedelta(days=2), AppointmentStatus.CONFIRMED)

    assert next_upcoming([cancelled, done, confirmed], NOW) == confirmed
    assert next_upcoming([cancelled, done], NOW) is None


# --- the reminder's channel ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wanted", "phone", "email", "expected"),
    [
        ("email", "+33611223344", "a@b.fr", Channel.EMAIL),
        ("sms", "+33611223344", "a@b.fr", Channel.SMS),
        ("whatsapp", "+33611223344", "a@b.fr", Channel.SMS),
        ("call", None, "a@b.fr", Channel.EMAIL),
        ("sms", None, "a@b.fr", Channel.EMAIL),
        (None, "+33611223344", None, Channel.SMS),
        (None, None, None, None),
    ],
)
def test_a_reminder_goes_on_the_wanted_channel_when_it_can_else_sms_then_email(
    wanted: str | None, phone: str | None, email: str | None, expected: Channel | None
) -> None:
    assert reminder_channel(wanted, phone, email) == expected


def test_each_reminder_has_its_built_in_template_key() -> None:
    assert reminder_key(ReminderKind.DAY_BEFORE, Channel.SMS) == "appointment_reminder_24h"
    assert reminder_key(ReminderKind.HOUR_BEFORE, Channel.EMAIL) == "appointment_reminder_1h_email"


# --- survey averages -----------------------------------------------------------------------------
def test_an_average_is_rounded_to_two_decimals_and_none_without_scores() -> None:
    assert average(3, 13) == 4.33
    assert average(0, 0) is None


def test_survey_groups_are_listed_by_key_with_their_counts_and_averages() -> None:
    groups = survey_groups({"2026-04": (1, 2), "2026-03": (2, 9)})

    assert [(g.key, g.count, g.average) for g in groups] == [("2026-03", 2, 4.5), ("2026-04", 1, 2.0)]


# --- the cancellation's alert --------------------------------------------------------------------
def test_a_cancellation_s_alert_is_high_names_the_appointment_and_offers_to_write_back() -> None:
    lead = Lead(id=LEAD, first_name="Inès", phone="+33611223344", created_at=NOW, updated_at=NOW)

    draft = appointment_cancelled(
        lead, "01JAPPT0000000000000000001", "12/03/2026 15:00", ActivityChannel.SMS, "fr"
    )

    assert (draft.type, draft.severity) == (AlertType.APPOINTMENT_CANCELLED, Severity.HIGH)
    assert draft.message == "Inès a annulé son rendez-vous du 12/03/2026 15:00 en répondant au rappel."
    assert draft.episode == "01JAPPT0000000000000000001"
    assert [c.action for c in draft.ctas][-2:] == ["draftMessage", "resolveAlert"]


def test_a_cancellation_s_alert_is_never_closed_by_the_rules() -> None:
    lead = Lead(id=LEAD, first_name="Inès", created_at=NOW, updated_at=NOW)

    reason = reason_resolved(
        AlertType.APPOINTMENT_CANCELLED, lead, NOW, AlertThresholds(), "Europe/Paris", locale="en"
    )

    assert reason == "this alert follows an event: it stays open until you resolve it"
    assert evaluate(lead, AlertThresholds(), NOW, "Europe/Paris", "en") == []
