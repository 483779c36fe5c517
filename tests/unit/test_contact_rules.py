"""Normalisation of phones, e-mails and search text."""

from __future__ import annotations

import pytest

from maxcore.models.contact import ContactFormatError, check_country, normalize_email
from maxcore.rules.contact import (
    PhoneNumberError,
    fold,
    national_digits,
    normalize_phone,
    phone_query,
    search_text,
    stored_phone_problem,
)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        # French national numbers, written every way people write them
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        ("06-12-34-56-78", "FR", "+33612345678"),
        ("0612345678", "FR", "+33612345678"),
        (" 01 42 68 53 00 ", "FR", "+33142685300"),
        ("06\u00a012\u00a034\u00a056\u00a078", "FR", "+33612345678"),  # non-breaking spaces (a spreadsheet)
        # International forms: +, the 00 prefix, the French (0) trunk prefix, Twilio's WhatsApp prefix
        ("+33612345678", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("0033 6 12 34 56 78", "FR", "+33612345678"),
        ("00 33 6 12 34 56 78", "BE", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "FR", "+33612345678"),
        ("whatsapp:+33612345678", "FR", "+33612345678"),
        ("+1 (415) 555-0100", "FR", "+14155550100"),
        ("+44 20 7946 0958", "FR", "+442079460958"),
        ("+262 692 12 34 56", "FR", "+262692123456"),  # La Réunion: its own country code
        # Belgian and British national numbers, read in their own country
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0470.12.34.56", "BE", "+32470123456"),
        ("02 555 12 12", "BE", "+3225551212"),
        ("07911 123456", "GB", "+447911123456"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("00 44 7911 123456", "GB", "+447911123456"),
        # An international number does not depend on the region it is read in
        ("+32 470 12 34 56", "GB", "+32470123456"),
    ],
)
def test_phone_numbers_become_e164(raw: str, country: str, expected: str) -> None:
    assert normalize_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "reason", "words"),
    [
        # The three numbers issue 15 found accepted: a British mobile read as French, a French
        # mobile one digit short, and a country code that does not exist.
        ("07911 123456", "FR", "TOO_LONG", "read as a national number of FR"),
        ("+33 6 12 34 56 7", "FR", "TOO_SHORT", "too few digits"),
        ("+999 12345678", "FR", "INVALID_COUNTRY_CODE", "country calling code"),
        # The right length, but a range France has not opened
        ("+33 7 00 00 00 01", "FR", "INVALID_NUMBER", "not a valid number for its country"),
        ("07 00 00 00 01", "FR", "INVALID_NUMBER", "read as a national number of FR"),
        ("06 12 34 56 78", "BE", "INVALID_NUMBER", "read as a national number of BE"),
        ("12345", "FR", "TOO_SHORT", "too few digits"),
        ("+33 6 12 34 56 78 9", "FR", "TOO_LONG", "too many digits"),
        ("+1234567890123456", "FR", "TOO_LONG", "too many digits"),
        ("", "FR", "NOT_A_NUMBER", "not a phone number"),
        ("+33", "FR", "NOT_A_NUMBER", "not a phone number"),
        ("06 12 ab 56 78", "FR", "NOT_A_NUMBER", "not a phone number"),  # not read as a vanity number
        ("tel: 06 12 34 56 78", "FR", "NOT_A_NUMBER", "not a phone number"),
        ("06 12 34 56 78 ext. 12", "FR", "NOT_A_NUMBER", "not a phone number"),
        ("+0612345678", "FR", "INVALID_COUNTRY_CODE", "country calling code"),
    ],
)
def test_invalid_numbers_are_refused_with_the_library_reason(
    raw: str, country: str, reason: str, words: str
) -> None:
    with pytest.raises(PhoneNumberError, match=words) as refused:
        normalize_phone(raw, country)
    assert refused.value.reason == reason
    assert isinstance(refused.value, ContactFormatError)


def test_a_sender_the_metadata_does_not_know_is_kept_when_validity_is_not_required() -> None:
    # Given a number of a possible length in a range the library finds unassigned
    # Then inbound matching keeps it (in the same E.164 form), and a lead's number refuses it
    assert normalize_phone("+33700000001", require_valid=False) == "+33700000001"
    with pytest.raises(PhoneNumberError):
        normalize_phone("+33700000001")
    # A length no number of the country has is refused either way
    with pytest.raises(PhoneNumberError, match="too few digits"):
        normalize_phone("+33 6 12 34 56 7", require_valid=False)


@pytest.mark.parametrize("code", ["FR", "BE", "GB", "CH", "CA", "RE"])
def test_known_countries_are_accepted(code: str) -> None:
    assert check_country(code) == code


@pytest.mark.parametrize("code", ["fr", "XX", "FRA", "", "001", "UK"])
def test_unknown_countries_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166 alpha-2"):
        check_country(code)


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+33 6 12 34 56 78", "BE", "+33612345678"),
        ("0612", "FR", None),  # part of a number: left to the text search
        ("Martin", "FR", None),
        ("06 12 34 56 78", "BE", None),  # not a Belgian number: left to the text search
    ],
)
def test_a_search_that_is_a_whole_number_is_read_in_the_country(
    text: str, country: str, expected: str | None
) -> None:
    assert phone_query(text, country) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("+33612345678", None),
        ("+32470123456", None),
        ("+337911123456", "TOO_LONG"),  # what the old rule stored for the British 07911 123456
        ("+3361234567", "TOO_SHORT"),
        ("+99912345678", "INVALID_COUNTRY_CODE"),
        ("+33700000001", "INVALID_NUMBER"),
        ("0612345678", "NOT_E164"),
    ],
)
def test_stored_numbers_are_checked_as_e164(value: str, reason: str | None) -> None:
    problem = stored_phone_problem(value)
    assert (problem.reason if problem else None) == reason


def test_national_digits_are_how_the_country_dials_the_number() -> None:
    assert national_digits("+33612345678") == "0612345678"
    assert national_digits("+32470123456") == "0470123456"
    assert national_digits("+14155550100") == "4155550100"
    assert national_digits("+999") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Sophie.Martin@Example.FR ", "sophie.martin@example.fr"),
        ("a+tag@sub.domain.io", "a+tag@sub.domain.io"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["plain", "a@b", "a@@b.fr", "a b@c.fr", "a@-bad.fr", "a@b.c", "@b.fr"])
def test_non_addresses_are_refused(raw: str) -> None:
    with pytest.raises(ContactFormatError):
        normalize_email(raw)


def test_fold_strips_accents_and_case() -> None:
    assert fold("Hélène ÇA Œuvre") == "helene ca œuvre"


def test_search_text_indexes_the_national_form_of_french_numbers() -> None:
    text = search_text("Élodie", None, "+33612345678")
    assert "elodie" in text
    assert "0612345678" in text
    assert "33612345678" in text


def test_search_text_indexes_the_national_form_of_any_country() -> None:
    assert "0470123456" in search_text("+32470123456").split()
    assert "07911123456" in search_text("+447911123456").split()
