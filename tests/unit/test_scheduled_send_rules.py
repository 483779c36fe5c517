"""When a scheduled message goes: its ``send_at`` read on the tenant's wall clock or its own offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from maxcore.rules.scheduled_sends import (
    SendAtProblem,
    outcome_reason,
    overdue_bound,
    scheduled_instant,
    send_at_problem,
    send_instant,
)

NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def test_a_time_without_an_offset_is_on_the_tenants_wall_clock() -> None:
    # Paris is UTC+1 in November, Réunion UTC+4 all year
    assert send_instant(datetime(2026, 11, 16, 14, 30), "Europe/Paris") == datetime(
        2026, 11, 16, 13, 30, tzinfo=UTC
    )
    assert send_instant(datetime(2026, 11, 16, 14, 30), "Indian/Reunion") == datetime(
        2026, 11, 16, 10, 30, tzinfo=UTC
    )


def test_an_offset_is_honoured_whatever_the_tenants_zone() -> None:
    written = datetime(2026, 11, 16, 14, 30, tzinfo=timezone(timedelta(hours=-5)))

    assert send_instant(written, "Europe/Paris") == datetime(2026, 11, 16, 19, 30, tzinfo=UTC)


def test_summer_time_changes_the_offset_of_a_wall_clock_time() -> None:
    # The same 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer
    assert send_instant(datetime(2027, 1, 11, 9, 0), "Europe/Paris") == datetime(
        2027, 1, 11, 8, 0, tzinfo=UTC
    )
    assert send_instant(datetime(2027, 7, 12, 9, 0), "Europe/Paris") == datetime(
        2027, 7, 12, 7, 0, tzinfo=UTC
    )


def test_a_time_in_the_spring_gap_goes_at_the_first_instant_after_it() -> None:
    # On 28 March 2027 Paris jumps from 02:00 to 03:00: 02:30 never happens
    assert send_instant(datetime(2027, 3, 28, 2, 30), "Europe/Paris") == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )


def test_a_time_that_happens_twice_in_autumn_is_its_first_occurrence() -> None:
    # On 31 October 2027 Paris goes back from 03:00 to 02:00: 02:30 happens at 00:30 and 01:30 UTC
    assert send_instant(datetime(2027, 10, 31, 2, 30), "Europe/Paris") == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        (NOW - timedelta(minutes=1), None),  # the clocks of the browser and the API differ a little
        (NOW - timedelta(minutes=3), SendAtProblem.PAST),
        (NOW + timedelta(days=366), None),
        (NOW + timedelta(days=366, seconds=1), SendAtProblem.TOO_FAR),
    ],
)
def test_a_send_at_is_refused_in_the_past_and_over_a_year_ahead(
    at: datetime, problem: SendAtProblem | None
) -> None:
    assert send_at_problem(at, NOW) is problem


@pytest.mark.parametrize(
    ("written", "problem"),
    [(datetime(1, 1, 1), SendAtProblem.PAST), (datetime(9999, 12, 31, 23, 59), SendAtProblem.TOO_FAR)],
)
def test_a_time_at_the_ends_of_the_calendar_is_refused_without_overflowing(
    written: datetime, problem: SendAtProblem
) -> None:
    assert scheduled_instant(written, "Pacific/Kiritimati", NOW) is problem
    assert scheduled_instant(written.replace(tzinfo=UTC), "Pacific/Pago_Pago", NOW) is problem


def test_a_time_within_bounds_resolves_to_its_instant() -> None:
    assert scheduled_instant(datetime(2026, 11, 16, 14, 30), "Europe/Paris", NOW) == datetime(
        2026, 11, 16, 13, 30, tzinfo=UTC
    )
    assert scheduled_instant(datetime(2026, 11, 16, 8, 0), "Europe/Paris", NOW) is SendAtProblem.PAST


def test_the_sweep_leaves_the_last_minutes_to_the_timers() -> None:
    assert overdue_bound(NOW) == NOW - timedelta(minutes=5)


def test_reasons_say_why_in_the_tenants_language() -> None:
    failed = outcome_reason("failed", "opted_out", "fr", {"channel": "sms"})
    deferred = outcome_reason(
        "scheduled", "daily_cap", "en", {"channel": "sms"}, until="Tuesday 17 November 09:00"
    )
    unconfirmed = outcome_reason("sent", "send_unanswered", "en", {"channel": "sms"})

    assert failed == "Le message programmé n'est pas parti : le lead s'est désinscrit du canal SMS."
    assert deferred.startswith("The scheduled message is waiting: the daily cap of SMS messages is reached.")
    assert deferred.endswith("Next try Tuesday 17 November 09:00.")
    assert "did not confirm" in unconfirmed
