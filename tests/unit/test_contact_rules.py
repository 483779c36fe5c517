"""Normalisation of phones, e-mails and search text."""

from __future__ import annotations

import pytest

from maxcore.rules.contact import ContactFormatError, fold, normalize_email, normalize_phone, search_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+33612345678", "+33612345678"),
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("whatsapp:+33612345678", "+33612345678"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_become_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_national_numbers_read_in_the_given_country() -> None:
    assert normalize_phone("0470 12 34 56", default_country_code="32") == "+32470123456"


@pytest.mark.parametrize(
    "raw", ["", "12345", "+0612345678", "+33", "06 12 ab 56 78", "+1234567890123456", "612345678"]
)
def test_implausible_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ContactFormatError):
        normalize_phone(raw)


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
