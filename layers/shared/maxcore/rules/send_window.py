"""When a campaign's messages may leave: its send window, on the local wall clock (pure, zoneinfo).

A window is a set of weekdays (0 = Monday) and a start and end time of day in an IANA timezone: a step
due on Friday at 18:05 in Paris with the usual Monday-Friday 09:00-18:00 window waits until Monday
09:00 in Paris, whatever the offset from UTC is that Monday.

Daylight saving time is handled on the wall clock:

- the window is open from ``start`` (inclusive) to ``end`` (exclusive) of the local time, so on the
  25-hour autumn day the hour 02:00-03:00 that happens twice is open twice when the window covers it;
- a local time that does not exist (the spring-forward gap, 02:00-03:00 in Paris on the last Sunday of
  March) is moved to the first real instant after the gap (03:00);
- a local time that happens twice (the fall-back hour) is its first occurrence (``fold=0``).

Every instant returned is an aware UTC datetime; naive inputs are read as UTC, as elsewhere in the
rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maxcore.models.tenant import SendWindow

_WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_SEARCH_DAYS = 8
"""Today and the seven days after: every weekday comes back within them."""


@dataclass(frozen=True)
class Window:
    """Days and hours, on the wall clock of ``timezone``, when messages may leave."""

    days: frozenset[int]
    """Allowed weekdays, 0 = Monday ... 6 = Sunday."""
    start: time
    """Opening time of day (inclusive)."""
    end: time
    """Closing time of day (exclusive)."""
    timezone: str
    """IANA timezone name, e.g. ``Europe/Paris``."""

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"days must be a non-empty set of weekdays 0-6, got {sorted(self.days)}")
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        # Fails early (ZoneInfoNotFoundError, a KeyError) rather than at the first computation.
        ZoneInfo(self.timezone)

    @classmethod
    def of(cls, send_window: SendWindow, timezone: str) -> Window:
        """The window of a tenant's or a campaign's ``send_window`` in ``timezone``.

        Parameters
        ----------
        send_window
            Days (0 = Monday) and ``HH:MM`` start and end times.
        timezone
            IANA name of the zone the times are read in.

        Returns
        -------
        Window
            The same days and times, as ``time`` values.
        """
        return cls(
            days=frozenset(send_window.days),
            start=time.fromisoformat(send_window.start),
            end=time.fromisoformat(send_window.end),
            timezone=timezone,
        )

    @property
    def zone(self) -> ZoneInfo:
        """The window's timezone."""
        return ZoneInfo(self.timezone)


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)


def _resolve(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall-clock time ``local`` in ``zone``.

    A time that happens twice is its first occurrence; a time that does not exist is moved to the
    first real instant after the gap.
    """
    first = local.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(fold=0):
        return instant
    # In a gap: fold=1 reads the time with the offset after the change, fold=0 with the one before,
    # so the change happened after the first instant and at or before the second. The offsets differ
    # by minutes to hours: a bisection to the second finds the change in a few steps.
    before = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = instant
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    # Changes happen on whole seconds: ``after`` is within a second past it.
    return after.replace(microsecond=0)


def wall_clock_instant(local: datetime, timezone: str) -> datetime:
    """The UTC instant of the wall-clock time ``local`` (naive) in ``timezone``.

    A time that happens twice (the autumn change) is its first occurrence; one that does not exist
    (the spring gap) is the first real instant after the gap.
    """
    return _resolve(local.replace(tzinfo=None), ZoneInfo(timezone))


def is_open(window: Window, at: datetime) -> bool:
    """Whether messages may leave at ``at``.

    Parameters
    ----------
    window
        The send window.
    at
        The instant (naive is read as UTC).

    Returns
    -------
    bool
        True when ``at``'s local weekday is allowed and its local time is at or after ``start`` and
        before ``end``.
    """
    local = _utc(at).astimezone(window.zone)
    return local.weekday() in window.days and window.start <= local.time() < window.end


def next_open(window: Window, at: datetime) -> datetime:
    """The first instant at or after ``at`` when the window is open.

    Parameters
    ----------
    window
        The send window.
    at
        The instant a step is due (naive is read as UTC).

    Returns
    -------
    datetime
        ``at`` itself, unchanged, when the window is open; otherwise the next local ``start`` on an
        allowed day, as an aware UTC datetime (after the gap when ``start`` does not exist that day,
        its first occurrence when it happens twice). At most seven days after ``at``.
    """
    if is_open(window, at):
        return at
    instant = _utc(at)
    zone = window.zone
    today = instant.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() not in window.days:
            continue
        opening = _resolve(datetime.combine(day, window.start), zone)
        if opening >= instant:
            return opening
    # Unreachable: the days are not empty, and the same weekday comes back after seven days.
    raise AssertionError(f"no opening found within {_SEARCH_DAYS} days of {instant.isoformat()}")


def add_local_days(at: datetime, days: int, timezone: str) -> datetime:
    """The same local wall-clock time ``days`` calendar days after ``at``.

    Parameters
    ----------
    at
        The starting instant (naive is read as UTC).
    days
        Calendar days to add (negative goes back).
    timezone
        IANA name of the zone whose wall clock is kept.

    Returns
    -------
    datetime
        An aware UTC datetime: 09:00 in Paris on Friday plus 3 days is 09:00 in Paris on Monday, even
        across a change of offset (a gap moves it to the end of the gap, a repeated time is its
        first occurrence).
    """
    zone = ZoneInfo(timezone)
    local = _utc(at).astimezone(zone).replace(tzinfo=None)
    return _resolve(local + timedelta(days=days), zone)


def local_day(at: datetime, timezone: str) -> str:
    """The ISO date (``YYYY-MM-DD``) of ``at`` in ``timezone`` (naive is read as UTC)."""
    return _utc(at).astimezone(ZoneInfo(timezone)).date().isoformat()


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of the local calendar day ``day``.

    Parameters
    ----------
    day
        A calendar date.
    timezone
        IANA name of the zone the day is in.

    Returns
    -------
    tuple[datetime, datetime]
        Aware UTC instants 24 hours apart, or 23 and 25 on the days the offset changes. Where a
        change happens at midnight, the day starts at the first real instant after it.
    """
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(day, time())
    return _resolve(midnight, zone), _resolve(midnight + timedelta(days=1), zone)


def describe(at: datetime, timezone: str, locale: str) -> str:
    """``at`` as a user reads it: local weekday, day, month, time and zone.

    Parameters
    ----------
    at
        The instant (naive is read as UTC).
    timezone
        IANA name of the zone to show it in.
    locale
        ``en`` for English; anything else is French, the product's default.

    Returns
    -------
    str
        ``lundi 23 mars 09:00 (Europe/Paris)`` or ``Monday 23 March 09:00 (Europe/Paris)``; the first
        of the month is ``1er`` in French. Names are spelled here: the Lambda runtime has no locales.
    """
    lang = "en" if locale == "en" else "fr"
    local = _utc(at).astimezone(ZoneInfo(timezone))
    weekday = _WEEKDAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    number = "1er" if lang == "fr" and local.day == 1 else str(local.day)
    return f"{weekday} {number} {month} {local:%H:%M} ({timezone})"


def next_hourly_run(at: datetime) -> datetime:
    """When an hourly schedule (at the top of each UTC hour) picks up a step due at ``at``.

    Parameters
    ----------
    at
        When the step is due (naive is read as UTC).

    Returns
    -------
    datetime
        ``at`` in UTC when it is exactly on the hour, else the next top of the hour, aware UTC.
    """
    instant = _utc(at)
    hour = instant.replace(minute=0, second=0, microsecond=0)
    return hour if hour == instant else hour + timedelta(hours=1)
