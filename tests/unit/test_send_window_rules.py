"""Send windows on the local wall clock: open or closed, the next opening, DST gaps and repeats."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from maxcore.models.tenant import SendWindow
from maxcore.rules.send_window import (
    Window,
    add_local_days,
    day_bounds,
    describe,
    is_open,
    local_day,
    next_hourly_run,
    next_open,
)

PARIS_TZ = "Europe/Paris"
PARIS = ZoneInfo(PARIS_TZ)
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = Window.of(SendWindow(), PARIS_TZ)  # Monday-Friday 09:00-18:00


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the window ------------------------------------------------------------------------------------
def test_a_window_is_built_from_the_tenants_send_window() -> None:
    window = Window.of(SendWindow(days=[4, 0, 2], start="08:30", end="12:15"), "America/New_York")
    assert window == Window(frozenset({0, 2, 4}), time(8, 30), time(12, 15), "America/New_York")


@pytest.mark.parametrize(
    ("days", "start", "end", "timezone"),
    [
        (frozenset(), time(9), time(18), PARIS_TZ),
        (frozenset({7}), time(9), time(18), PARIS_TZ),
        (frozenset({0}), time(18), time(9), PARIS_TZ),
        (frozenset({0}), time(9), time(9), PARIS_TZ),
    ],
)
def test_a_window_that_could_never_open_is_refused(
    days: frozenset[int], start: time, end: time, timezone: str
) -> None:
    with pytest.raises(ValueError, match=r"days|start"):
        Window(days, start, end, timezone)


def test_a_window_in_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(KeyError):
        Window(frozenset({0}), time(9), time(18), "Europe/Atlantis")


# --- open or closed ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (paris(2026, 3, 20, 17, 50), True),  # Friday, ten minutes before closing
        (paris(2026, 3, 20, 17, 59, 59), True),
        (paris(2026, 3, 20, 18, 0), False),  # the end is excluded
        (paris(2026, 3, 20, 9, 0), True),  # the start is included
        (paris(2026, 3, 20, 8, 59, 59), False),
        (paris(2026, 3, 21, 12, 0), False),  # Saturday
        (paris(2026, 3, 22, 12, 0), False),  # Sunday
        (paris(2026, 3, 23, 12, 0), True),  # Monday
    ],
)
def test_the_window_is_open_from_start_included_to_end_excluded_on_allowed_days(
    at: datetime, open_: bool
) -> None:
    assert is_open(OFFICE, at) is open_


def test_openness_is_read_on_the_local_clock_whatever_zone_the_instant_is_given_in() -> None:
    # Given Friday 17:50 in Paris (winter, UTC+1) written in UTC and in New York time
    in_utc = utc(2026, 3, 20, 16, 50)
    in_new_york = in_utc.astimezone(NEW_YORK)
    # Then both are open, and ten minutes later (18:00 in Paris, 17:00 UTC) both are closed
    assert is_open(OFFICE, in_utc)
    assert is_open(OFFICE, in_new_york)
    assert not is_open(OFFICE, in_utc + timedelta(minutes=10))
    assert not is_open(OFFICE, in_new_york + timedelta(minutes=10))


def test_a_naive_instant_is_read_as_utc() -> None:
    assert is_open(OFFICE, datetime(2026, 3, 20, 16, 50))
    assert not is_open(OFFICE, datetime(2026, 3, 20, 17, 0))


# --- the next opening ----------------------------------------------------------------------------------
def test_an_open_window_returns_the_instant_itself_unchanged() -> None:
    at = paris(2026, 3, 20, 17, 50)
    assert next_open(OFFICE, at) is at


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Winter: Monday 09:00 in Paris is 08:00 UTC
        (paris(2026, 2, 13, 18, 0), utc(2026, 2, 16, 8, 0)),
        # Summer: Monday 09:00 in Paris is 07:00 UTC
        (paris(2026, 6, 12, 18, 0), utc(2026, 6, 15, 7, 0)),
    ],
)
def test_friday_at_closing_time_waits_until_monday_nine_in_paris(at: datetime, expected: datetime) -> None:
    result = next_open(OFFICE, at)
    assert result == expected
    assert result.tzinfo is UTC
    assert result.astimezone(PARIS).hour == 9


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 3, 18, 7, 0), paris(2026, 3, 18, 9, 0)),  # Wednesday morning: the same day
        (paris(2026, 3, 18, 20, 0), paris(2026, 3, 19, 9, 0)),  # Wednesday evening: the next day
        (paris(2026, 3, 21, 10, 0), paris(2026, 3, 23, 9, 0)),  # Saturday: Monday
        (paris(2026, 3, 22, 23, 59), paris(2026, 3, 23, 9, 0)),  # Sunday night: Monday
    ],
)
def test_a_closed_window_opens_at_the_next_start_on_an_allowed_day(at: datetime, expected: datetime) -> None:
    assert next_open(OFFICE, at) == expected


def test_the_spring_forward_weekend_opens_at_nine_on_the_new_offset() -> None:
    # Given Friday 27 March 2026 18:00 (UTC+1); clocks go forward on Sunday 29 March
    result = next_open(OFFICE, paris(2026, 3, 27, 18, 0))
    # Then Monday 30 March 09:00 in Paris, which is now 07:00 UTC (not 08:00)
    assert result == utc(2026, 3, 30, 7, 0)
    assert result - utc(2026, 3, 27, 17, 0) == timedelta(hours=62)


def test_the_fall_back_weekend_opens_at_nine_on_the_new_offset() -> None:
    # Given Friday 23 October 2026 18:00 (UTC+2); clocks go back on Sunday 25 October
    result = next_open(OFFICE, paris(2026, 10, 23, 18, 0))
    # Then Monday 26 October 09:00 in Paris, which is now 08:00 UTC
    assert result == utc(2026, 10, 26, 8, 0)
    assert result - utc(2026, 10, 23, 16, 0) == timedelta(hours=64)


def test_new_york_windows_follow_new_york_time() -> None:
    window = Window.of(SendWindow(days=[0, 1, 2, 3, 4], start="08:00", end="17:00"), "America/New_York")
    # Friday 6 March 2026 17:00 EST; the US springs forward on Sunday 8 March
    result = next_open(window, datetime(2026, 3, 6, 17, 0, tzinfo=NEW_YORK))
    assert result == utc(2026, 3, 9, 12, 0)  # 08:00 EDT (UTC-4), not 13:00 UTC
    # And the window opens on the New York clock: closed at 07:59 EDT, open at 08:00
    assert not is_open(window, utc(2026, 3, 9, 11, 59))
    assert is_open(window, utc(2026, 3, 9, 12, 0))


def test_a_start_inside_the_spring_forward_gap_lands_just_after_the_gap() -> None:
    # Given a Sunday window from 02:30, and 29 March 2026 in Paris has no 02:00-03:00
    window = Window.of(SendWindow(days=[6], start="02:30", end="05:00"), PARIS_TZ)
    # When the next opening is asked on Saturday
    result = next_open(window, paris(2026, 3, 28, 12, 0))
    # Then it is 03:00 summer time, the first real instant after the gap
    assert result == utc(2026, 3, 29, 1, 0)
    assert result.astimezone(PARIS).time() == time(3, 0)
    # And the window is open from there, as on the wall clock
    assert is_open(window, result)
    assert not is_open(window, result - timedelta(seconds=1))


def test_a_start_inside_the_fall_back_repeat_is_its_first_occurrence() -> None:
    # Given a Sunday window from 02:30, and 02:30 happens twice in Paris on 25 October 2026
    window = Window.of(SendWindow(days=[6], start="02:30", end="05:00"), PARIS_TZ)
    result = next_open(window, paris(2026, 10, 24, 12, 0))
    # Then the first 02:30, still on summer time (UTC+2)
    assert result == utc(2026, 10, 25, 0, 30)


def test_a_one_day_window_waits_a_week_when_just_closed() -> None:
    sundays = Window.of(SendWindow(days=[6], start="10:00", end="12:00"), PARIS_TZ)
    # Sunday 12:00: closed, next Sunday 10:00
    assert next_open(sundays, paris(2026, 1, 4, 12, 0)) == paris(2026, 1, 11, 10, 0)
    # Sunday 09:00: the same morning
    assert next_open(sundays, paris(2026, 1, 4, 9, 0)) == paris(2026, 1, 4, 10, 0)
    # Monday: six days later
    assert next_open(sundays, paris(2026, 1, 5, 10, 30)) == paris(2026, 1, 11, 10, 0)


def test_the_next_opening_is_always_open_and_never_before_the_instant() -> None:
    # Every quarter of an hour over the two DST weeks of 2026 in Paris
    window = Window.of(SendWindow(days=[0, 3, 6], start="02:15", end="02:45"), PARIS_TZ)
    for start in (utc(2026, 3, 23), utc(2026, 10, 19)):
        for quarter in range(14 * 24 * 4):
            at = start + timedelta(minutes=15 * quarter)
            result = next_open(window, at)
            assert result >= at
            assert result - at <= timedelta(days=7)
            # The gap day has no 02:15-02:45 at all: its opening is 03:00, just after the window
            if result.astimezone(PARIS).date() != date(2026, 3, 29):
                assert is_open(window, result), (at, result)


# --- calendar days -------------------------------------------------------------------------------------
def test_adding_local_days_keeps_the_wall_clock_time_across_spring_forward() -> None:
    # Friday 27 March 09:00 in Paris (08:00 UTC) plus 3 days: Monday 09:00, now 07:00 UTC
    result = add_local_days(utc(2026, 3, 27, 8, 0), 3, PARIS_TZ)
    assert result == utc(2026, 3, 30, 7, 0)
    assert result.tzinfo is UTC


def test_adding_local_days_keeps_the_wall_clock_time_across_fall_back() -> None:
    result = add_local_days(paris(2026, 10, 23, 9, 0), 3, PARIS_TZ)
    assert result == utc(2026, 10, 26, 8, 0)
    assert result - paris(2026, 10, 23, 9, 0) == timedelta(hours=73)


def test_adding_zero_or_negative_days() -> None:
    at = utc(2026, 3, 30, 7, 0)
    assert add_local_days(at, 0, PARIS_TZ) == at
    assert add_local_days(at, -3, PARIS_TZ) == utc(2026, 3, 27, 8, 0)


def test_adding_days_onto_the_gap_moves_to_the_end_of_the_gap() -> None:
    # Saturday 28 March 02:30 plus a day would be 02:30 on the gap day: 03:00 instead
    assert add_local_days(paris(2026, 3, 28, 2, 30), 1, PARIS_TZ) == paris(2026, 3, 29, 3, 0)


@pytest.mark.parametrize(
    ("at", "timezone", "expected"),
    [
        (utc(2026, 3, 20, 23, 30), PARIS_TZ, "2026-03-21"),  # already Saturday in Paris
        (utc(2026, 3, 20, 22, 59), PARIS_TZ, "2026-03-20"),
        (utc(2026, 3, 21, 3, 0), "America/New_York", "2026-03-20"),  # still Friday in New York
        (datetime(2026, 3, 21, 3, 0), "UTC", "2026-03-21"),
    ],
)
def test_the_local_day_is_the_date_on_the_zones_calendar(at: datetime, timezone: str, expected: str) -> None:
    assert local_day(at, timezone) == expected


@pytest.mark.parametrize(
    ("day", "start", "hours"),
    [
        (date(2026, 3, 29), utc(2026, 3, 28, 23, 0), 23),  # spring forward
        (date(2026, 10, 25), utc(2026, 10, 24, 22, 0), 25),  # fall back
        (date(2026, 6, 1), utc(2026, 5, 31, 22, 0), 24),
        (date(2026, 1, 1), utc(2025, 12, 31, 23, 0), 24),
    ],
)
def test_day_bounds_cover_the_local_calendar_day(day: date, start: datetime, hours: int) -> None:
    first, end = day_bounds(day, PARIS_TZ)
    assert first == start
    assert end - first == timedelta(hours=hours)
    assert local_day(first, PARIS_TZ) == day.isoformat()
    assert local_day(end - timedelta(microseconds=1), PARIS_TZ) == day.isoformat()
    assert local_day(end, PARIS_TZ) != day.isoformat()


def test_a_day_whose_midnight_does_not_exist_starts_after_the_gap() -> None:
    # Santiago springs forward at midnight: 6 September 2026 starts at 01:00 local (UTC-3)
    first, end = day_bounds(date(2026, 9, 6), "America/Santiago")
    assert first == utc(2026, 9, 6, 4, 0)
    assert end - first == timedelta(hours=23)


# --- for people ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "locale", "expected"),
    [
        (utc(2026, 3, 23, 8, 0), "fr", "lundi 23 mars 09:00 (Europe/Paris)"),
        (utc(2026, 3, 23, 8, 0), "en", "Monday 23 March 09:00 (Europe/Paris)"),
        (utc(2026, 8, 15, 16, 5), "fr", "samedi 15 août 18:05 (Europe/Paris)"),
        (utc(2026, 2, 1, 8, 0), "fr", "dimanche 1er février 09:00 (Europe/Paris)"),
        (utc(2026, 2, 1, 8, 0), "en", "Sunday 1 February 09:00 (Europe/Paris)"),
        (utc(2026, 12, 31, 23, 30), "de", "vendredi 1er janvier 00:30 (Europe/Paris)"),
    ],
)
def test_describe_shows_the_local_time_in_the_users_language(
    at: datetime, locale: str, expected: str
) -> None:
    assert describe(at, PARIS_TZ, locale) == expected


def test_describe_names_the_zone_it_shows() -> None:
    assert describe(utc(2026, 3, 23, 13, 0), "America/New_York", "en") == (
        "Monday 23 March 09:00 (America/New_York)"
    )


# --- the hourly schedule --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 23, 8, 0), utc(2026, 3, 23, 8, 0)),
        (utc(2026, 3, 23, 8, 0, 0) + timedelta(microseconds=1), utc(2026, 3, 23, 9, 0)),
        (utc(2026, 3, 23, 8, 59, 59), utc(2026, 3, 23, 9, 0)),
        (utc(2026, 3, 23, 23, 30), utc(2026, 3, 24, 0, 0)),
        (paris(2026, 3, 23, 9, 30), utc(2026, 3, 23, 9, 0)),
    ],
)
def test_the_hourly_run_is_the_next_top_of_the_hour_at_or_after(at: datetime, expected: datetime) -> None:
    result = next_hourly_run(at)
    assert result == expected
    assert result.tzinfo is UTC
