"""The built-in template library: complete in both languages, well-formed, short enough, safe HTML."""

from __future__ import annotations

import math
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from maxcore.library import templates as library
from maxcore.library.templates import CATEGORIES, TEMPLATES, LibraryTemplate, for_locale

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\|([^{}]*))?\}\}")
CAMEL_CASE = re.compile(r"^[a-z][A-Za-z0-9]*$")

LEAD_FIELDS = frozenset({"firstName", "lastName", "fullName", "company", "email", "phone"})
BUILTIN = LEAD_FIELDS | {"companyName"}

LOCALES = ("fr", "en")
CHANNELS = {"sms", "whatsapp", "email", "telegram"}
REQUIRED = {
    "follow_up_d3": ("email", "follow_up"),
    "appointment_confirmation": ("email", "appointment_confirmation"),
    "appointment_reminder_24h": ("sms", "appointment_reminder"),
    "lead_qualification": ("email", "qualification"),
    "quote_follow_up_d3": ("email", "quote_follow_up"),
    "whatsapp_thank_you": ("whatsapp", "thank_you"),
    "product_announcement": ("email", "newsletter"),
    "beauty_routine": ("email", "newsletter"),
    "satisfaction_survey": ("sms", "satisfaction_survey"),
    "parcel_tracking": ("sms", "delivery_notice"),
    "delivery_notice": ("whatsapp", "delivery_notice"),
    "abandoned_cart": ("email", "abandoned_cart"),
}

SMS_MAX_CHARS = 300
SMS_MAX_SEGMENTS = 3
SMS_TRANSACTIONAL = {"appointment_reminder", "appointment_confirmation", "delivery_notice"}
SMS_OPT_OUT = {"fr": "Répondez STOP pour ne plus recevoir de SMS.", "en": "Reply STOP to opt out."}
BODY_LIMITS = {"whatsapp": 1024, "telegram": 4096}
SUBJECT_MAX = 120
HTML_MAX = 4000

# GSM 03.38 basic character set (one unit each); anything else turns an SMS into UCS-2.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")

UNSAFE_HTML = [
    re.compile(r"<script", re.IGNORECASE),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
    re.compile(r"<\s*/?\s*(form|iframe|link|base|meta|object|embed)\b", re.IGNORECASE),
]
URL_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
VOID_TAGS = {"br", "img", "hr"}

ALL = pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.locale}-{t.key}")
EMAILS = [t for t in TEMPLATES if t.channel == "email"]
SMS = [t for t in TEMPLATES if t.channel == "sms"]


def _texts(template: LibraryTemplate) -> dict[str, str]:
    texts = {"subject": template.subject, "body": template.body, "html": template.html}
    return {field: text for field, text in texts.items() if text is not None}


def _placeholders(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text)]


def _names(text: str) -> set[str]:
    return {name for name, _ in _placeholders(text)}


def _sms_sample(body: str) -> str:
    """The SMS as sent with each variable replaced by its fallback, or 10 characters without one."""
    return PLACEHOLDER.sub(lambda m: m.group(2) if m.group(2) is not None else "x" * 10, body)


def _sms_segments(text: str) -> int:
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units, single, multi = sum(2 if c in GSM7_EXTENDED else 1 for c in text), 160, 153
    else:
        units, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / multi)


# --- the library as a whole ---------------------------------------------------------------------
def test_library_version_is_a_positive_int() -> None:
    assert isinstance(library.LIBRARY_VERSION, int)
    assert library.LIBRARY_VERSION >= 1


@pytest.mark.parametrize("locale", LOCALES)
def test_every_required_template_is_there(locale: str) -> None:
    items = for_locale(locale)
    assert len(items) >= len(REQUIRED)
    found = {t.key: (t.channel, t.category) for t in items}
    missing = {key: kind for key, kind in REQUIRED.items() if found.get(key) != kind}
    assert missing == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_keys_and_names_are_unique_per_locale(locale: str) -> None:
    items = for_locale(locale)
    keys = Counter(t.key for t in items)
    names = Counter(t.name.casefold() for t in items)
    assert [k for k, n in keys.items() if n > 1] == []
    assert [k for k, n in names.items() if n > 1] == []


def test_every_key_exists_in_both_locales_with_the_same_channel_category_and_variables() -> None:
    by_locale = {locale: {t.key: t for t in for_locale(locale)} for locale in LOCALES}
    assert set(by_locale["fr"]) == set(by_locale["en"])
    for key, fr in by_locale["fr"].items():
        en = by_locale["en"][key]
        assert (fr.channel, fr.category, fr.variables) == (en.channel, en.category, en.variables), key
        assert (fr.subject is None, fr.html is None) == (en.subject is None, en.html is None), key


def test_every_template_has_a_supported_locale() -> None:
    assert {t.locale for t in TEMPLATES} == set(LOCALES)


# --- for_locale ---------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_for_locale_returns_that_locale_only_in_library_order(locale: str) -> None:
    items = for_locale(locale)
    assert items == tuple(t for t in TEMPLATES if t.locale == locale)
    assert all(t.locale == locale for t in items)


def test_for_locale_partitions_the_library() -> None:
    assert sum(len(for_locale(locale)) for locale in LOCALES) == len(TEMPLATES)


@pytest.mark.parametrize("locale", ["de", "", "FR", "fr-FR"])
def test_for_locale_refuses_other_locales(locale: str) -> None:
    with pytest.raises(ValueError, match="locale"):
        for_locale(locale)


# --- each template ------------------------------------------------------------------------------
@ALL
def test_fields_are_valid(template: LibraryTemplate) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", template.key)
    assert template.locale in LOCALES
    assert template.channel in CHANNELS
    assert template.category in CATEGORIES
    assert template.name.strip() == template.name != ""
    assert len(template.name) <= 120
    assert template.body.strip() == template.body != ""


def test_categories_are_the_documented_ones() -> None:
    assert set(CATEGORIES) == {
        "follow_up",
        "appointment_confirmation",
        "appointment_reminder",
        "qualification",
        "quote_follow_up",
        "thank_you",
        "newsletter",
        "satisfaction_survey",
        "delivery_notice",
        "abandoned_cart",
        "custom",
    }


@ALL
def test_placeholders_are_well_formed(template: LibraryTemplate) -> None:
    for field, text in _texts(template).items():
        rest = PLACEHOLDER.sub("", text)
        assert "{{" not in rest, f"stray '{{{{' in {field}"
        assert "}}" not in rest, f"stray '}}}}' in {field}"
        for name, fallback in _placeholders(text):
            assert CAMEL_CASE.match(name), f"{name} is not camelCase"
            if fallback is not None:
                assert fallback.strip() != "", f"{{{{{name}|...}}}} has an empty fallback in {field}"


@ALL
def test_variables_are_exactly_the_custom_placeholders(template: LibraryTemplate) -> None:
    used = set().union(*(_names(text) for text in _texts(template).values()))
    assert template.variables == tuple(sorted(set(template.variables))), "variables: sorted, no duplicates"
    assert set(template.variables).isdisjoint(BUILTIN), "built-in fields are not listed in variables"
    assert used - BUILTIN == set(template.variables)


@ALL
def test_lead_fields_always_have_a_fallback(template: LibraryTemplate) -> None:
    """A lead field may be empty: "Bonjour ," must never be sent."""
    for field, text in _texts(template).items():
        bare = [name for name, fallback in _placeholders(text) if name in LEAD_FIELDS and fallback is None]
        assert bare == [], f"{bare} without a fallback in {field}"


@ALL
def test_a_placeholder_keeps_the_same_fallback_everywhere(template: LibraryTemplate) -> None:
    fallbacks: dict[str, set[str | None]] = {}
    for text in _texts(template).values():
        for name, fallback in _placeholders(text):
            fallbacks.setdefault(name, set()).add(fallback)
    assert {name: f for name, f in fallbacks.items() if len(f) > 1} == {}


@ALL
def test_only_emails_have_a_subject_and_html(template: LibraryTemplate) -> None:
    if template.channel == "email":
        assert template.subject is not None
        assert template.subject.strip() == template.subject != ""
        assert template.html is not None
    else:
        assert template.subject is None
        assert template.html is None


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.locale == "fr"], ids=lambda t: t.key)
def test_french_says_vous(template: LibraryTemplate) -> None:
    text = " ".join(_texts(template).values()).lower()
    assert re.search(r"\bvous\b|\bvotre\b|\bvos\b", text)
    assert re.findall(r"\b(?:tu|toi|ton|tes)\b", PLACEHOLDER.sub("", text)) == []


# --- per channel --------------------------------------------------------------------------------
@pytest.mark.parametrize("template", SMS, ids=lambda t: f"{t.locale}-{t.key}")
def test_sms_are_short(template: LibraryTemplate) -> None:
    assert len(template.body) <= SMS_MAX_CHARS
    assert _sms_segments(_sms_sample(template.body)) <= SMS_MAX_SEGMENTS


@pytest.mark.parametrize("template", SMS, ids=lambda t: f"{t.locale}-{t.key}")
def test_sms_stay_in_gsm7(template: LibraryTemplate) -> None:
    """One character outside GSM-7 (an emoji, a curly quote, "ê") would more than double the cost."""
    text = PLACEHOLDER.sub("", template.body)
    assert sorted({c for c in text if c not in GSM7_BASIC}) == []


@pytest.mark.parametrize("template", SMS, ids=lambda t: f"{t.locale}-{t.key}")
def test_marketing_sms_end_with_the_opt_out_and_transactional_ones_do_not(template: LibraryTemplate) -> None:
    opt_out = SMS_OPT_OUT[template.locale]
    if template.category in SMS_TRANSACTIONAL:
        assert "STOP" not in template.body
    else:
        assert template.body.endswith(opt_out)


def test_the_satisfaction_survey_sms_is_marketing() -> None:
    surveys = [t for t in SMS if t.category == "satisfaction_survey"]
    assert len(surveys) == len(LOCALES)
    for survey in surveys:
        assert survey.body.endswith(SMS_OPT_OUT[survey.locale])
        assert "1" in survey.body
        assert "5" in survey.body


@ALL
def test_chat_bodies_fit_their_channel(template: LibraryTemplate) -> None:
    if template.channel in BODY_LIMITS:
        assert len(template.body) <= BODY_LIMITS[template.channel]


@pytest.mark.parametrize("template", EMAILS, ids=lambda t: f"{t.locale}-{t.key}")
def test_email_subject_is_short_and_placeholders_match_the_text(template: LibraryTemplate) -> None:
    assert template.subject is not None
    assert template.html is not None
    assert len(template.subject) <= SUBJECT_MAX
    assert "\n" not in template.subject
    assert _names(template.html) == _names(template.body), "the HTML and the text say the same thing"
    assert _names(template.subject) <= _names(template.body)


# --- HTML safety --------------------------------------------------------------------------------
class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, _ in attrs:
            if name.lower().startswith("on"):
                self.errors.append(f"<{tag} {name}=...>")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.mark.parametrize("template", EMAILS, ids=lambda t: f"{t.locale}-{t.key}")
def test_email_html_is_safe(template: LibraryTemplate) -> None:
    html = template.html
    assert html is not None
    assert len(html) < HTML_MAX
    assert [p.pattern for p in UNSAFE_HTML if p.search(html)] == []
    for url in URL_ATTRIBUTE.findall(html):
        assert url.startswith("https://") or PLACEHOLDER.fullmatch(url), f"unexpected link {url!r}"


@pytest.mark.parametrize("template", EMAILS, ids=lambda t: f"{t.locale}-{t.key}")
def test_email_html_is_well_nested(template: LibraryTemplate) -> None:
    assert template.html is not None
    checker = _TagChecker()
    checker.feed(template.html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert f'<html lang="{template.locale}">' in template.html


@pytest.mark.parametrize(
    "html",
    [
        '<p>x</p><SCRIPT src="https://x"></SCRIPT>',
        '<img src="https://placehold.co/600x300" onerror="x()">',
        '<a href="JavaScript:alert(1)">x</a>',
        '<form action="https://x"></form>',
        '<iframe src="https://x"></iframe>',
    ],
)
def test_the_safety_check_catches_unsafe_html(html: str) -> None:
    assert any(p.search(html) for p in UNSAFE_HTML)


def test_the_product_announcement_has_a_spot_for_an_image() -> None:
    expected = {"fr": "[Votre image ici]", "en": "[Your image here]"}
    for locale in LOCALES:
        (template,) = [t for t in for_locale(locale) if t.key == "product_announcement"]
        assert template.html is not None
        assert expected[locale] in template.html


def test_the_appointment_confirmation_has_a_calendar_button() -> None:
    for template in (t for t in EMAILS if t.key == "appointment_confirmation"):
        assert template.html is not None
        assert 'href="{{calendarLink}}"' in template.html
        assert {"appointmentDate", "appointmentTime", "appointmentPlace", "agentName"} <= set(
            template.variables
        )


def test_the_beauty_routine_has_three_steps() -> None:
    for template in (t for t in EMAILS if t.key == "beauty_routine"):
        assert template.html is not None
        assert template.html.count("<li") == 3
        assert re.findall(r"^([1-9])\. ", template.body, re.MULTILINE) == ["1", "2", "3"]
