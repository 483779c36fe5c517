"""The message catalogue: plural agreement, durations, and French texts free of English."""

from __future__ import annotations

import re

import pytest

from maxcore.library.templates import for_locale
from maxcore.texts import CATALOGUE, counted, days_text, duration_text, is_singular

# English words a French text has no reason to hold. "lead" is missing on purpose: the product's
# French says "un lead", "Lead chaud !" (see the seeds); "message", "template" and "e-mail" are French too.
ENGLISH_WORDS = (
    "the",
    "and",
    "with",
    "without",
    "day",
    "days",
    "hour",
    "hours",
    "ago",
    "since",
    "until",
    "sent",
    "skipped",
    "deferred",
    "resumed",
    "paused",
    "stopped",
    "replied",
    "window",
    "step",
    "sequence",
    "campaign",
    "draft",
    "approved",
    "rejected",
    "reached",
    "waiting",
    "you",
    "your",
    "is",
    "was",
    "has",
    "not",
    "no",
    "of",
    "to",
    "for",
    "from",
    "by",
)
_ENGLISH = re.compile(r"\b(" + "|".join(ENGLISH_WORDS) + r")\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_TEMPLATE_VARIABLE = re.compile(r"\{\{[^{}]*\}\}")


def _english_words(text: str, placeholder: re.Pattern[str]) -> list[str]:
    """The English words of ``text``, its placeholders left out (they are filled in later)."""
    return sorted({m.lower() for m in _ENGLISH.findall(placeholder.sub(" ", text))})


@pytest.mark.parametrize(
    ("count", "locale", "singular"),
    [(0, "fr", True), (1, "fr", True), (2, "fr", False), (0, "en", False), (1, "en", True), (2, "en", False)],
)
def test_french_counts_0_and_1_as_singular_english_only_1(count: int, locale: str, singular: bool) -> None:
    assert is_singular(count, locale) is singular


@pytest.mark.parametrize(
    ("days", "locale", "text"),
    [
        (0, "fr", "0 jour"),
        (1, "fr", "1 jour"),
        (6, "fr", "6 jours"),
        (0, "en", "0 days"),
        (1, "en", "1 day"),
        (6, "en", "6 days"),
    ],
)
def test_days_agree_with_their_count(days: int, locale: str, text: str) -> None:
    assert days_text(days, locale) == text


def test_counted_passes_the_count_and_other_values_to_the_agreeing_form() -> None:
    # Given a text with one and other forms, whatever its key
    # When it is counted, Then the form follows the locale's rule and the count is filled in
    assert counted("duration.hours", 1, "en") == "1 hour"
    assert counted("duration.hours", 0, "fr") == "0 heure"
    assert counted("duration.hours", 0, "en") == "0 hours"


@pytest.mark.parametrize(
    ("hours", "locale", "text"),
    [
        (0.0, "fr", "moins d'une heure"),
        (0.9, "en", "less than an hour"),
        (-3.0, "fr", "moins d'une heure"),
        (1.0, "fr", "1 heure"),
        (1.5, "en", "1 hour"),
        (5.0, "fr", "5 heures"),
        (47.0, "fr", "47 heures"),
        (47.99, "en", "47 hours"),
        (48.0, "fr", "2 jours"),
        (49.0, "en", "2 days"),
        (71.9, "fr", "2 jours"),
        (140.0, "fr", "5 jours"),
        (144.0, "fr", "6 jours"),
        (144.0, "en", "6 days"),
    ],
)
def test_a_duration_reads_in_hours_under_48_hours_then_in_days(hours: float, locale: str, text: str) -> None:
    assert duration_text(hours, locale) == text


def test_an_unknown_locale_reads_french() -> None:
    assert duration_text(144.0, "de") == "6 jours"
    assert days_text(0, "de") == "0 jour"


def test_every_text_has_french_and_english_with_the_same_values() -> None:
    for key, texts in CATALOGUE.items():
        assert set(texts) == {"fr", "en"}, key
        assert sorted(_PLACEHOLDER.findall(texts["fr"])) == sorted(_PLACEHOLDER.findall(texts["en"])), key


def test_no_french_text_holds_english_words() -> None:
    # Given every French text of the catalogue
    found = {key: _english_words(texts["fr"], _PLACEHOLDER) for key, texts in CATALOGUE.items()}
    # Then none holds a common English word
    assert {key: words for key, words in found.items() if words} == {}


def test_no_french_built_in_template_holds_english_words() -> None:
    # Given the built-in library's French templates: their names, subjects and bodies
    found = {
        f"{template.key}.{field}": _english_words(text, _TEMPLATE_VARIABLE)
        for template in for_locale("fr")
        for field in ("name", "subject", "body")
        if (text := getattr(template, field))
    }
    # Then none holds a common English word
    assert {key: words for key, words in found.items() if words} == {}
