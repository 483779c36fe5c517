"""Return dates of out-of-office replies: the dates written in a reply, resolved against its own time.

Pure, stdlib only; reads the *normalised* text of :func:`maxcore.rules.intent.normalize` (lower case,
no accents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["WEEKDAY", "return_date"]

WEEKDAY = (
    r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
"""A weekday's name, French or English, in normalised text."""

_FRENCH_MONTHS: dict[str, int] = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_ENGLISH_MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTHS: dict[str, int] = {**_FRENCH_MONTHS, **_ENGLISH_MONTHS}
"""Month names and abbreviations; ``sept``, ``oct``, ``nov``, ``dec`` serve both languages."""


def _alternation(names: Iterable[str]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_DATE_NUMERIC = re.compile(
    r"(?<![\d./\-])(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})(?:[/.\-](?P<y>\d{4}|\d{2}))?(?![.\-/]?\d)"
)
_DATE_DAY_MONTH = re.compile(
    rf"(?<![a-z0-9])(?:{WEEKDAY},? )?(?:the )?(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)? (?:of )?"
    rf"(?P<m>{_alternation(_MONTHS)})\.?(?![a-z])(?:,? (?P<y>\d{{4}}))?"
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![a-z0-9])(?:{WEEKDAY},? )?(?P<m>{_alternation(_ENGLISH_MONTHS)})\.? (?:the )?"
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?(?![0-9a-z])(?:,? (?P<y>\d{4}))?"
)
_RETURN_MARKERS = re.compile(
    r"(?<![a-z])(?:retour|back|return\w*|reprise|reprends|reprendrai|reprendrons|des le)(?![a-z])"
)
_UNTIL_MARKERS = re.compile(r"(?<![a-z])(?:jusqu'?\s?(?:au|a)|until|till|through|thru|au|to)(?![a-z])")
_MARKER_REACH = 30
"""How many characters before a date a marker may be."""


@dataclass(frozen=True)
class _WrittenDate:
    start: int
    end: int
    day: int
    month: int
    year: int | None


def _written_dates(norm: str) -> list[_WrittenDate]:
    found: list[_WrittenDate] = []
    for regex, month_of in (
        (_DATE_DAY_MONTH, _MONTHS.__getitem__),
        (_DATE_MONTH_DAY, _MONTHS.__getitem__),
        (_DATE_NUMERIC, int),
    ):
        for m in regex.finditer(norm):
            if any(m.start() < other.end and other.start < m.end() for other in found):
                continue
            year = m.group("y")
            full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
            found.append(
                _WrittenDate(m.start(), m.end(), int(m.group("d")), month_of(m.group("m")), full_year)
            )
    return sorted(found, key=lambda d: d.start)


def _resolve(written: _WrittenDate, received_on: date | None) -> date | None:
    """Return the written date, its year taken from the text or the next occurrence on or after
    ``received_on``; None when it is no real date or its year cannot be known."""
    if written.year is not None:
        years: Iterable[int] = (written.year,)
    elif received_on is not None:
        years = range(received_on.year, received_on.year + 9)  # 9 years reach the next 29 February
    else:
        return None
    for year in years:
        try:
            candidate = date(year, written.month, written.day)
        except ValueError:
            continue
        if written.year is not None or received_on is None or candidate >= received_on:
            return candidate
    return None


def return_date(norm: str, received_at: datetime | None) -> date | None:
    """The return date of an out-of-office text.

    Preference: the first date shortly after a return word (``retour``, ``back``, ``return``,
    ``reprise``), then the first after an "until" word (``jusqu'au``, ``until``, ``au``, ``to``), then
    the last date written. Dates are read day first (``12/08`` is 12 August); the weekday, if any, is
    not checked; an "until" date is returned as written, not shifted to the next day.
    """
    dates = _written_dates(norm)

    def after(marker: re.Pattern[str]) -> Callable[[_WrittenDate], bool]:
        return lambda d: marker.search(norm, max(0, d.start - _MARKER_REACH), d.start) is not None

    ordered = [
        *filter(after(_RETURN_MARKERS), dates),
        *filter(after(_UNTIL_MARKERS), dates),
        *reversed(dates),
    ]
    received_on = received_at.date() if received_at else None
    for written in ordered:
        resolved = _resolve(written, received_on)
        if resolved is not None:
            return resolved
    return None
