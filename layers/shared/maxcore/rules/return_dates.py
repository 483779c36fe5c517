"""Return dates of out-of-office replies: when a person who is away writes that they are back.

Pure, stdlib only, no clock: relative words (``demain``, ``vendredi``, ``next week``, ``le 14``) are
resolved against the time the message was received, which the caller passes. The text read is the
*normalised* text of :func:`maxcore.rules.intent.normalize` (lower case, no accents, dashes as spaces
except between digits).

What a return date means
------------------------
:func:`return_date` returns the **first day the person is back**, not the last day away:

- a date after a *return* word (``de retour le 14``, ``back on the 14th``, ``à partir du 3/02``,
  ``je reprends lundi``, ``réouverture le 4``, ``pas de réponse avant lundi``) is that day;
- a day after an *until* word (``jusqu'au vendredi 11``, ``absent until Monday``, ``du 10 au 24/08``) is
  the last day away, so the return is the day after (Saturday 12th, Tuesday, 25 August);
- a period is back on its first day (``retour en mars`` and ``jusqu'en mars``: 1 March; ``back next
  week``: the next Monday; ``jusqu'au mois prochain``: the first of next month), except the end of a
  period, back the day after it (``jusqu'à fin mars``: 1 April; ``until the end of the week``: Monday);
- mid-month is the 15th, the start of a month its first day.

A date without a year is the next such date on or after the day received (a weekday: strictly after,
since a person writing on a Monday "back Monday" means the next one; a day of the month alone: the
next month that has it). Dates are read day first (``12/08`` is 12 August). With no return or until
word, the last day or period written is a time away (``out of the office on Friday 20 November``:
back on the 21st); a relative word alone (``demain``) says nothing then. No date written, or nothing
to resolve a relative one against: None (the caller then waits its default delay). Working days and
holidays are the caller's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = ["MONTH", "WEEKDAY", "return_date"]

_WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("lundi", "monday", "mon"), 0),
    **dict.fromkeys(("mardi", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mercredi", "wednesday", "wed"), 2),
    **dict.fromkeys(("jeudi", "thursday", "thu", "thurs"), 3),
    **dict.fromkeys(("vendredi", "friday", "fri"), 4),
    **dict.fromkeys(("samedi", "saturday", "sat"), 5),
    **dict.fromkeys(("dimanche", "sunday", "sun"), 6),
}
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


def _alternation(names: dict[str, int]) -> str:
    return "(?:" + "|".join(sorted(names, key=len, reverse=True)) + ")"


WEEKDAY = _alternation({name: day for name, day in _WEEKDAYS.items() if len(name) > 4})
"""A weekday's full name, French or English, in normalised text."""
MONTH = _alternation(_MONTHS)
"""A month's name or abbreviation, French or English, in normalised text."""

_WORD_START = r"(?<![a-z0-9])"
_YEAR = r"(?:,? (?P<y>\d{4}))?"
_DATE_NUMERIC = re.compile(
    r"(?<![\d./\-])(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})(?:[/.\-](?P<y>\d{4}|\d{2}))?(?![.\-/]?\d)"
)
_DATE_DAY_MONTH = re.compile(
    rf"{_WORD_START}(?:{WEEKDAY},? )?(?:the )?(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)? (?:of )?"
    rf"(?P<m>{MONTH})\.?(?![a-z]){_YEAR}"
)
_DATE_MONTH_DAY = re.compile(
    rf"{_WORD_START}(?:{WEEKDAY},? )?(?P<m>{_alternation(_ENGLISH_MONTHS)})\.? (?:the )?"
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![0-9a-z]){_YEAR}"
)
# A day of the month alone: "le 14", "the 14th", "jusqu'au 12"; never a time, an amount or a duration.
_DAY_ONLY = re.compile(
    rf"{_WORD_START}(?:(?:le|the|au|du|on|on the|until the|till the|jusqu'au|jusqu'? au) "
    r"(?P<d>[0-3]?\d)(?:er|st|nd|rd|th)?|(?P<o>[0-3]?\d)(?:er|st|nd|rd|th))"
    r"(?![0-9a-z]|[./\-:]\d| \d| ?(?:h(?![a-z])|heures?|am|pm|%|€|eur|min|mn|ans?|jours?|days?|weeks?"
    r"|semaines?|mois|months?|years?|personnes|people|fois|times))"
)
_WEEKDAY_NAMED = re.compile(
    rf"{_WORD_START}(?:(?:this|next|ce|cette) )?(?P<w>{WEEKDAY})(?: (?:prochain|d'apres|qui vient))?(?![a-z])"
)
_MONTH_NAMED = re.compile(
    rf"{_WORD_START}(?:(?P<edge>debut|fin|mi|early|late|mid|end of|beginning of|start of|the end of"
    r"|the beginning of|the start of)(?: de| d'| of)? ?"
    r"|(?:en|in|jusqu'? ?en|until|till|courant|d'ici|by|au mois de|in the month of) )"
    rf"(?P<m>{MONTH})(?![a-z]){_YEAR}"
)
_RELATIVE = re.compile(
    r"(?<![a-z0-9])(?P<rel>apres demain|the day after tomorrow|demain|tomorrow"
    r"|(?:la |the )?(?:fin|end) (?:de la |de cette |of the |of this )?(?:semaine|week)"
    r"|(?:la )?semaine prochaine|next week|la semaine d'apres"
    r"|(?:la |the )?(?:fin|end) (?:du|de ce|of the|of this|of) (?:mois|month)"
    r"|(?:le )?mois prochain|next month)(?![a-z])"
)
_RETURN_MARKERS = re.compile(
    r"(?<![a-z])(?:retour|back|return\w*|reprise|reprends|reprendrai|reprendrons|des le|a partir du?"
    r"|a partir de"
    r"|starting|as of|as from|reviens|reviendrai|rentre|rentrerai|available again|reouverture|re ?ouvr\w*"
    r"|reopen\w*"
    r"|avant|before)(?![a-z])"
)
_UNTIL_MARKERS = re.compile(
    r"(?<![a-z])(?:jusqu'?\s?(?:au|a|en)|until|till|til|through|thru|au|to|inclus|included)(?![a-z])"
)
_MARKER_REACH = 30
"""How many characters before a date a marker may be."""


@dataclass(frozen=True)
class _Written:
    """A date or period written in the text, with the day the person is back in either reading."""

    start: int
    end: int
    back: date
    """The first day back when the text says "back on" it (a period's first day)."""
    until: date
    """The first day back when the text says "until" it (the day after a day, a period's end)."""
    relative: bool = False
    """Relative to the day received (``demain``, ``next week``): never read without a return or until word."""


def _next_date(day: int, month: int, year: int | None, received_on: date | None) -> date | None:
    """The date with the year written, else the next one on or after ``received_on`` (9 years reach
    the next 29 February); None when there is no such day or nothing to resolve the year from."""
    if year is not None:
        years: range | tuple[int, ...] = (year,)
    elif received_on is not None:
        years = range(received_on.year, received_on.year + 9)
    else:
        return None
    for candidate_year in years:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or received_on is None or candidate >= received_on:
            return candidate
    return None


def _month_start(on: date, months_ahead: int = 0) -> date:
    index = on.year * 12 + on.month - 1 + months_ahead
    return date(index // 12, index % 12 + 1, 1)


def _point(start: int, end: int, day: date | None, *, relative: bool = False) -> _Written | None:
    return None if day is None else _Written(start, end, day, day + timedelta(days=1), relative)


def _year_of(match: re.Match[str]) -> int | None:
    year = match.group("y")
    return None if year is None else int(year) + (2000 if len(year) == 2 else 0)


def _full_dates(norm: str, received_on: date | None) -> Iterator[_Written | None]:
    for regex, month_of in (
        (_DATE_DAY_MONTH, _MONTHS.__getitem__),
        (_DATE_MONTH_DAY, _MONTHS.__getitem__),
        (_DATE_NUMERIC, int),
    ):
        for m in regex.finditer(norm):
            day = _next_date(int(m.group("d")), month_of(m.group("m")), _year_of(m), received_on)
            yield _point(m.start(), m.end(), day)


def _days_of_month(norm: str, received_on: date) -> Iterator[_Written | None]:
    for m in _DAY_ONLY.finditer(norm):
        number = int(m.group("d") or m.group("o"))
        months = (_month_start(received_on, ahead) for ahead in range(3))
        day = next((d for d in (_day_in(month, number) for month in months) if d and d >= received_on), None)
        yield _point(m.start("d") if m.group("d") else m.start(), m.end(), day)


def _day_in(month: date, number: int) -> date | None:
    try:
        return month.replace(day=number)
    except ValueError:
        return None


def _weekdays(norm: str, received_on: date) -> Iterator[_Written | None]:
    for m in _WEEKDAY_NAMED.finditer(norm):
        ahead = (_WEEKDAYS[m.group("w")] - received_on.weekday() - 1) % 7 + 1
        yield _point(m.start(), m.end(), received_on + timedelta(days=ahead))


def _months(norm: str, received_on: date | None) -> Iterator[_Written | None]:
    for m in _MONTH_NAMED.finditer(norm):
        month, year = _MONTHS[m.group("m")], _year_of(m)
        if year is None and received_on is None:
            continue
        if year is None:
            assert received_on is not None
            year = received_on.year + (month < received_on.month)
        first = date(year, month, 1)
        edge = (m.group("edge") or "").removeprefix("the ")
        if edge in {"mi", "mid"}:
            yield _point(m.start(), m.end(), first.replace(day=15))
        elif edge in {"fin", "late", "end of"}:
            after = _month_start(first, 1)
            yield _Written(m.start(), m.end(), after - timedelta(days=1), after)
        else:
            yield _Written(m.start(), m.end(), first, first)


def _relatives(norm: str, received_on: date) -> Iterator[_Written | None]:
    next_monday = received_on + timedelta(days=7 - received_on.weekday())
    next_month = _month_start(received_on, 1)
    for m in _RELATIVE.finditer(norm):
        words = m.group("rel")
        if "demain" in words or "tomorrow" in words:
            ahead = 2 if words.startswith(("apres", "the day after")) else 1
            yield _point(m.start(), m.end(), received_on + timedelta(days=ahead), relative=True)
        elif "semaine" in words or "week" in words:
            yield _Written(m.start(), m.end(), next_monday, next_monday, relative=True)
        else:
            yield _Written(m.start(), m.end(), next_month, next_month, relative=True)


def _written(norm: str, received_on: date | None) -> list[_Written]:
    """Every date or period the text names, the most precise reading of each stretch of text kept."""
    readers: list[Iterator[_Written | None]] = [_full_dates(norm, received_on), _months(norm, received_on)]
    if received_on is not None:
        readers += [
            _relatives(norm, received_on),
            _days_of_month(norm, received_on),
            _weekdays(norm, received_on),
        ]
    found: list[_Written] = []
    for reader in readers:
        for written in reader:
            if written is not None and not any(
                written.start < other.end and other.start < written.end for other in found
            ):
                found.append(written)
    return sorted(found, key=lambda w: w.start)


def return_date(norm: str, received_at: datetime | None) -> date | None:
    """The first day a person who is away is back, as an out-of-office text says it.

    Parameters
    ----------
    norm
        The normalised text (:func:`maxcore.rules.intent.normalize`).
    received_at
        When the text was received: resolves the year of a date written without one and every
        relative date (weekdays, ``demain``, ``next week``, a day of the month alone).

    Returns
    -------
    date | None
        The first day back (see the module docstring): the first date shortly after a return word,
        else the day after the first date shortly after an until word, else the day after the last
        date written; None when no date can be read.
    """
    received_on = received_at.date() if received_at else None
    written = _written(norm, received_on)

    def after(marker: re.Pattern[str]) -> Callable[[_Written], bool]:
        return lambda w: marker.search(norm, max(0, w.start - _MARKER_REACH), w.start) is not None

    returning = next(filter(after(_RETURN_MARKERS), written), None)
    if returning is not None:
        return returning.back
    until = next(filter(after(_UNTIL_MARKERS), written), None)
    if until is not None:
        return until.until
    # An absence notice naming a day without either word names a day away ("out on Friday 20").
    named = [w for w in written if not w.relative]
    return named[-1].until if named else None
