"""The schedule preview's pure parts: the days that may be previewed, the run that takes a step, when
a capped step runs again, and the caps counted in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from maxcore.models.tenant import SendWindow
from maxcore.rules.schedule_preview import (
    PREVIEW_HORIZON_DAYS,
    CapTally,
    after_daily_cap,
    first_run,
    preview_day_problem,
)
from maxcore.rules.send_window import Window

OFFICE = Window.of(SendWindow(), "Europe/Paris")  # Monday-Friday 09:00-18:00
MONDAY = date(2026, 11, 23)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the day ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset", [0, 1, PREVIEW_HORIZON_DAYS])
def test_today_to_the_horizon_may_be_previewed(offset: int) -> None:
    assert preview_day_problem(MONDAY + timedelta(days=offset), MONDAY) is None


def test_a_past_day_may_not_be_previewed() -> None:
    problem = preview_day_problem(MONDAY - timedelta(days=1), MONDAY)
    assert problem is not None
    assert "2026-11-23" in problem


def test_a_day_past_the_horizon_may_not_be_previewed() -> None:
    problem = preview_day_problem(MONDAY + timedelta(days=PREVIEW_HORIZON_DAYS + 1), MONDAY)
    assert problem is not None
    assert "90 days" in problem
    assert preview_day_problem(MONDAY + timedelta(days=8), MONDAY, horizon_days=7) is not None


# --- the run that takes a step ---------------------------------------------------------------------
def test_a_step_due_later_is_taken_by_the_first_run_at_or_after_its_due_time() -> None:
    now = utc(2026, 11, 23, 6, 10)
    assert first_run(utc(2026, 11, 23, 8, 0), now) == utc(2026, 11, 23, 8, 0)
    assert first_run(utc(2026, 11, 23, 8, 0, 1), now) == utc(2026, 11, 23, 9, 0)


def test_an_overdue_step_is_taken_by_the_next_run() -> None:
    now = utc(2026, 11, 23, 6, 10)
    assert first_run(utc(2026, 11, 20, 16, 50), now) == utc(2026, 11, 23, 7, 0)
    assert first_run(utc(2026, 11, 20, 16, 50), utc(2026, 11, 23, 7, 0)) == utc(2026, 11, 23, 7, 0)


# --- after a daily cap -----------------------------------------------------------------------------
def test_a_capped_step_runs_again_at_the_next_local_days_opening() -> None:
    # Monday 17:00 Paris: Tuesday 09:00 Paris
    assert after_daily_cap(OFFICE, utc(2026, 11, 23, 16, 0)) == utc(2026, 11, 24, 8, 0)
    # Friday: the next opening is Monday's
    assert after_daily_cap(OFFICE, utc(2026, 11, 20, 9, 0)) == utc(2026, 11, 23, 8, 0)
    # 00:30 Paris on Tuesday is still Monday in UTC: the cap counts Paris days, so Wednesday
    assert after_daily_cap(OFFICE, utc(2026, 11, 23, 23, 30)) == utc(2026, 11, 25, 8, 0)


def test_the_next_opening_after_a_cap_follows_the_clock_change() -> None:
    # Friday 27 March 2026: Paris moves to summer time on Sunday, so Monday 09:00 is 07:00 UTC
    assert after_daily_cap(OFFICE, utc(2026, 3, 27, 10, 0)) == utc(2026, 3, 30, 7, 0)


# --- caps in memory --------------------------------------------------------------------------------
def test_a_cap_lets_through_as_many_messages_as_it_allows_per_key() -> None:
    tally = CapTally()
    for _ in range(2):
        assert tally.room("a", 2)
        tally.count("a")
    assert not tally.room("a", 2)
    assert tally.room("b", 2)


def test_no_cap_means_room_and_a_cap_of_zero_none() -> None:
    tally = CapTally()
    tally.count("a")
    assert tally.room("a", None)
    assert not tally.room("z", 0)


def test_what_was_counted_before_is_asked_once_per_key() -> None:
    asked: list[str] = []

    def already() -> int:
        asked.append("sms")
        return 4

    tally = CapTally()
    assert tally.room("sms", 5, already)
    tally.count("sms")
    assert not tally.room("sms", 5, already)
    assert asked == ["sms"]
