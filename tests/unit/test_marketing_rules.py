"""French practice for marketing SMS and WhatsApp: the STOP mention and the quiet days and hours."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from maxcore.models.template import TemplateCategory
from maxcore.models.tenant import MarketingHours
from maxcore.rules.contact import phone_country
from maxcore.rules.marketing import (
    LEGAL_END,
    LEGAL_START,
    Recipient,
    allowed_hours,
    is_marketing,
    quiet_time,
    recipient,
    with_opt_out,
)
from maxcore.rules.sms import SmsEncoding, analyse

PARIS = Recipient(timezone="Europe/Paris", country="FR")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- the opt-out mention ------------------------------------------------------------------------


def test_a_text_without_stop_gets_the_french_mention_on_its_own_line() -> None:
    assert with_opt_out("Bonjour Léa, -20 % cette semaine.", "fr") == (
        "Bonjour Léa, -20 % cette semaine.\nRépondez STOP pour vous désinscrire"
    )


def test_an_english_tenant_gets_the_english_mention() -> None:
    assert with_opt_out("Hi Lea, 20% off this week.", "en").endswith("\nReply STOP to opt out")


def test_the_opt_out_number_is_named_when_the_channel_has_one() -> None:
    assert with_opt_out("Offre du jour", "fr", "36180") == "Offre du jour\nSTOP au 36180"


@pytest.mark.parametrize(
    "body", ["Répondez STOP au 36180", "Promo ! Stop: répondez stop", "STOP SMS 36180", "Envoyez STOP."]
)
def test_a_text_that_mentions_stop_is_left_alone(body: str) -> None:
    assert with_opt_out(body, "fr") == body


def test_a_word_that_only_contains_stop_is_no_mention() -> None:
    assert with_opt_out("Nonstop deals", "en") == "Nonstop deals\nReply STOP to opt out"


def test_the_segments_are_counted_on_the_text_with_its_mention() -> None:
    # Given a GSM-7 text of 150 characters: one segment alone
    body = "A" * 150
    assert analyse(body).segments == 1
    # When the mention is appended, Then the text that goes takes two
    sent = with_opt_out(body, "en")
    assert analyse(sent).segments == 2
    assert analyse(sent).units == 150 + 1 + len("Reply STOP to opt out")


def test_a_ucs2_text_keeps_ucs2_and_its_mention_counts_in_ucs2_units() -> None:
    # Given a text with a ç (outside GSM-7) that fits one UCS-2 segment
    body = "Reçu ?" + "x" * 30
    sent = with_opt_out(body, "fr")
    report = analyse(sent)
    assert report.encoding is SmsEncoding.UCS2
    assert report.units == len(body) + 1 + len("Répondez STOP pour vous désinscrire")
    assert report.segments == 2  # 72 units: over the 70 of a lone UCS-2 segment


@pytest.mark.parametrize(
    ("category", "marketing"),
    [
        (TemplateCategory.APPOINTMENT_REMINDER, False),
        (TemplateCategory.APPOINTMENT_CONFIRMATION, False),
        (TemplateCategory.DELIVERY_NOTICE, False),
        (TemplateCategory.FOLLOW_UP, True),
        (TemplateCategory.ABANDONED_CART, True),
        (TemplateCategory.NEWSLETTER, True),
        (None, True),
    ],
)
def test_transactional_categories_are_not_marketing(
    category: TemplateCategory | None, marketing: bool
) -> None:
    assert is_marketing(category) is marketing


# --- quiet days and hours ---------------------------------------------------------------------------


def test_a_saturday_afternoon_is_allowed() -> None:
    assert quiet_time(PARIS, _utc("2026-12-05T14:00")) is None  # 15:00 in Paris


def test_a_sunday_waits_for_monday_8_local() -> None:
    quiet = quiet_time(PARIS, _utc("2026-12-06T10:00"))
    assert quiet is not None
    assert quiet.code == "quiet_sunday"
    assert quiet.until == _utc("2026-12-07T07:00")  # 08:00 in Paris (UTC+1)


def test_bastille_day_waits_for_the_next_morning() -> None:
    quiet = quiet_time(PARIS, _utc("2027-07-14T08:00"))  # a Wednesday, 10:00 in Paris
    assert quiet is not None
    assert quiet.code == "quiet_holiday"
    assert quiet.until == _utc("2027-07-15T06:00")  # 08:00 in Paris (UTC+2)


def test_whit_monday_2027_is_a_holiday_after_a_quiet_sunday() -> None:
    # Given Sunday 16 May 2027 (Pentecost), the next day is Whit Monday, a holiday in France
    quiet = quiet_time(PARIS, _utc("2027-05-16T10:00"))
    assert quiet is not None
    assert quiet.code == "quiet_sunday"
    assert quiet.until == _utc("2027-05-18T06:00")  # Tuesday 08:00 in Paris
    on_monday = quiet_time(PARIS, _utc("2027-05-17T10:00"))
    assert on_monday is not None
    assert on_monday.code == "quiet_holiday"


def test_21_00_in_paris_waits_for_the_next_morning() -> None:
    quiet = quiet_time(PARIS, _utc("2026-12-08T20:00"))  # Tuesday 21:00 in Paris
    assert quiet is not None
    assert quiet.code == "quiet_hours"
    assert quiet.values == {"start": "08:00", "end": "20:00"}
    assert quiet.until == _utc("2026-12-09T07:00")


def test_before_8_waits_for_8_the_same_day() -> None:
    quiet = quiet_time(PARIS, _utc("2026-12-08T06:30"))  # 07:30 in Paris
    assert quiet is not None
    assert quiet.until == _utc("2026-12-08T07:00")


def test_a_holiday_of_another_country_is_not_quiet_in_france() -> None:
    # 8 December is a public holiday in Italy, not in France
    assert quiet_time(PARIS, _utc("2026-12-08T10:00")) is None
    rome = Recipient(timezone="Europe/Rome", country="IT")
    quiet = quiet_time(rome, _utc("2026-12-08T10:00"))
    assert quiet is not None
    assert quiet.code == "quiet_holiday"


def test_a_tenant_narrows_the_hours_and_the_quiet_time_follows() -> None:
    assert allowed_hours() == (LEGAL_START, LEGAL_END) == (time(8), time(20))
    narrow = allowed_hours(MarketingHours(start="10:00", end="12:00"))
    assert narrow == (time(10), time(12))
    # 11:30 in Paris on a Tuesday is allowed, 12:30 waits for Wednesday 10:00
    assert quiet_time(PARIS, _utc("2026-12-08T10:30"), narrow) is None
    quiet = quiet_time(PARIS, _utc("2026-12-08T11:30"), narrow)
    assert quiet is not None
    assert quiet.values == {"start": "10:00", "end": "12:00"}
    assert quiet.until == _utc("2026-12-09T09:00")


@pytest.mark.parametrize(("start", "end"), [("07:30", "20:00"), ("08:00", "20:30"), ("06:00", "22:00")])
def test_a_tenant_never_widens_the_legal_hours(start: str, end: str) -> None:
    with pytest.raises(ValidationError, match="can only narrow 08:00-20:00"):
        MarketingHours(start=start, end=end)


def test_hours_that_leave_nothing_are_refused() -> None:
    with pytest.raises(ValidationError, match="must be before end"):
        MarketingHours(start="12:00", end="12:00")


# --- the recipient's clock ------------------------------------------------------------------------


def test_a_reunion_number_is_read_on_reunion_time() -> None:
    # Given a +262 692 mobile (La Réunion, UTC+4)
    assert phone_country("+262692123456") == "RE"
    who = recipient("+262692123456", None, "Europe/Paris", "FR")
    assert who == Recipient(timezone="Indian/Reunion", country="RE")
    # 17:00 UTC is 21:00 in Saint-Denis: too late there, fine in Paris
    assert quiet_time(who, _utc("2026-12-08T17:00")) is not None
    assert quiet_time(PARIS, _utc("2026-12-08T17:00")) is None


def test_the_lead_s_own_timezone_wins_over_its_number() -> None:
    who = recipient("+33612345678", "America/Montreal", "Europe/Paris", "FR")
    assert who.timezone == "America/Montreal"
    # 10:00 in Paris is 04:00 in Montréal: quiet until 08:00 there
    quiet = quiet_time(who, _utc("2026-12-08T09:00"))
    assert quiet is not None
    assert quiet.until == _utc("2026-12-08T13:00")


def test_a_number_of_a_country_without_a_main_zone_is_read_on_the_campaign_s_clock() -> None:
    assert recipient("+12125550100", None, "Europe/Brussels", "BE") == Recipient("Europe/Brussels", "US")
    assert recipient(None, None, "Europe/Brussels", "BE") == Recipient("Europe/Brussels", "BE")
    assert phone_country("+1 not a number") is None
