"""French practice for marketing SMS and WhatsApp: the STOP mention and the quiet days and hours (pure).

A marketing text message (a prospection step, an automation, a template that is not transactional)
tells the recipient how to opt out: ``STOP au <number>`` when the tenant's SMS channel has an opt-out
short number, else ``Répondez STOP pour vous désinscrire`` (``Reply STOP to opt out`` in English). The
mention is appended when the text has none, before the segments are counted, so the count is the one
of the text that goes.

It never reaches a recipient on a Sunday, on a public holiday of the recipient's country, nor outside
08:00-20:00 the recipient's local time; a tenant may narrow those hours, never widen them. The
recipient's clock is the lead's own timezone when it has one, else the main timezone of its phone
number's country (:data:`COUNTRY_TIMEZONES`), else the campaign's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from maxcore.models.common import Channel
from maxcore.models.template import TemplateCategory
from maxcore.models.tenant import LEGAL_MARKETING_END, LEGAL_MARKETING_START, MarketingHours
from maxcore.rules.contact import phone_country
from maxcore.rules.replies import public_holidays
from maxcore.rules.send_window import Window, day_bounds, is_open, local_day, next_open

TRANSACTIONAL_CATEGORIES = frozenset(
    {
        TemplateCategory.APPOINTMENT_REMINDER,
        TemplateCategory.APPOINTMENT_CONFIRMATION,
        TemplateCategory.DELIVERY_NOTICE,
    }
)
"""Template categories a customer expects as a service, not as marketing: no mention, no quiet time."""

QUIET_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})
"""The channels whose marketing messages keep the quiet days and hours."""

LEGAL_START, LEGAL_END = time.fromisoformat(LEGAL_MARKETING_START), time.fromisoformat(LEGAL_MARKETING_END)
"""The widest hours, on the recipient's clock, a marketing text message may arrive in."""

_WORKING_WEEK = frozenset(range(6))
"""Monday to Saturday: Sunday is always quiet."""

_STOP = re.compile(r"\bSTOP\b", re.IGNORECASE)

_OPT_OUT = {"fr": "Répondez STOP pour vous désinscrire", "en": "Reply STOP to opt out"}

COUNTRY_TIMEZONES: dict[str, str] = {
    "FR": "Europe/Paris",
    "MC": "Europe/Monaco",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "GB": "Europe/London",
    "RE": "Indian/Reunion",
    "YT": "Indian/Mayotte",
    "GP": "America/Guadeloupe",
    "MQ": "America/Martinique",
    "GF": "America/Cayenne",
    "PM": "America/Miquelon",
    "NC": "Pacific/Noumea",
    "MA": "Africa/Casablanca",
    "DZ": "Africa/Algiers",
    "TN": "Africa/Tunis",
    "SN": "Africa/Dakar",
    "CI": "Africa/Abidjan",
}
"""The main timezone of each country with a single one that the product's tenants mostly reach
(France, its overseas departments, its neighbours, French-speaking Africa); a number of any other
country is read on the campaign's clock."""


def is_marketing(category: TemplateCategory | None) -> bool:
    """Whether a message of this template category (``None``: no template) is marketing."""
    return category not in TRANSACTIONAL_CATEGORIES


def with_opt_out(body: str, locale: str, opt_out_number: str | None = None) -> str:
    """``body`` with the opt-out mention appended, unless it already mentions STOP.

    Parameters
    ----------
    body
        The marketing SMS as it will be sent.
    locale
        ``en`` for English; anything else is French.
    opt_out_number
        The tenant's opt-out short number, if its SMS channel has one.

    Returns
    -------
    str
        The body unchanged when it contains the word STOP (any case), else the body, a line break
        and ``STOP au <number>`` or the locale's reply-STOP sentence.
    """
    if _STOP.search(body):
        return body
    mention = f"STOP au {opt_out_number}" if opt_out_number else _OPT_OUT["en" if locale == "en" else "fr"]
    text = body.rstrip()
    return f"{text}\n{mention}" if text else mention


@dataclass(frozen=True)
class Recipient:
    """Whose clock and calendar a marketing message must respect."""

    timezone: str
    """IANA name of the recipient's zone."""
    country: str
    """ISO country whose public holidays are quiet."""


def recipient(
    phone: str | None, lead_timezone: str | None, campaign_timezone: str, tenant_country: str
) -> Recipient:
    """The recipient's zone and country.

    Parameters
    ----------
    phone
        The lead's E.164 number, if it has one: its country (``RE`` for +262 692...) gives the
        holidays, and the zone unless the lead has its own.
    lead_timezone
        The lead's own IANA timezone, if set: it wins.
    campaign_timezone
        The zone used when neither the lead nor its number's country gives one.
    tenant_country
        The country whose holidays apply when the number gives none.

    Returns
    -------
    Recipient
        The first known zone among the lead's, the number's country's and the campaign's.
    """
    country = (None if phone is None else phone_country(phone)) or tenant_country
    zone = lead_timezone or COUNTRY_TIMEZONES.get(country) or campaign_timezone
    return Recipient(timezone=zone, country=country)


@dataclass(frozen=True)
class QuietTime:
    """Why a marketing message must wait, and until when."""

    code: str
    """``quiet_sunday``, ``quiet_holiday`` or ``quiet_hours``."""
    until: datetime
    """The next allowed instant, aware UTC."""
    values: dict[str, str | int] = field(default_factory=dict)
    """What the reason text names: the allowed hours."""


def allowed_hours(hours: MarketingHours | None = None) -> tuple[time, time]:
    """The tenant's marketing hours as times (the legal 08:00-20:00 without a setting).

    :class:`MarketingHours` only ever holds hours within the legal ones: a tenant narrows them,
    never widens them.
    """
    chosen = hours or MarketingHours()
    return time.fromisoformat(chosen.start), time.fromisoformat(chosen.end)


def quiet_time(
    who: Recipient, at: datetime, hours: tuple[time, time] = (LEGAL_START, LEGAL_END)
) -> QuietTime | None:
    """Whether a marketing SMS or WhatsApp may reach ``who`` at ``at``, and if not, when it may.

    Parameters
    ----------
    who
        The recipient's zone and country.
    at
        The instant the message would leave (naive is read as UTC).
    hours
        The allowed hours on the recipient's clock (:func:`allowed_hours`).

    Returns
    -------
    QuietTime | None
        ``None`` on a working day (Monday to Saturday, not a public holiday of ``who.country``)
        within the hours; otherwise the reason for ``at``'s local day and time and the first
        allowed instant after it.
    """
    window = Window(days=_WORKING_WEEK, start=hours[0], end=hours[1], timezone=who.timezone)
    today = date.fromisoformat(local_day(at, who.timezone))
    holidays = public_holidays(who.country, today.year)
    if is_open(window, at) and today not in holidays:
        return None
    until = _next_allowed(window, at, holidays)
    if today.weekday() == 6:
        return QuietTime("quiet_sunday", until)
    if today in holidays:
        return QuietTime("quiet_holiday", until)
    return QuietTime("quiet_hours", until, {"start": f"{hours[0]:%H:%M}", "end": f"{hours[1]:%H:%M}"})


def _next_allowed(window: Window, at: datetime, holidays: Mapping[date, str]) -> datetime:
    """The first opening of ``window`` at or after ``at`` that is not on a holiday."""
    opening = next_open(window, at)
    while (day := date.fromisoformat(local_day(opening, window.timezone))) in holidays:
        opening = next_open(window, day_bounds(day + timedelta(days=1), window.timezone)[0])
    return opening
