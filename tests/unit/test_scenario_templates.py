"""The predefined scenarios' templates: every message step has one per locale, and it renders clean."""

from __future__ import annotations

import re

import pytest

from maxcore.library.scenarios import PREDEFINED, PredefinedStep
from maxcore.library.templates import LOCALES, TEMPLATES, LibraryTemplate
from maxcore.models.common import Channel
from maxcore.models.template import TemplateContent
from maxcore.rules import sms as sms_rules
from maxcore.rules.templates import activation_problems, lead_values, render, tenant_values

MANUAL = {"linkedin", "call"}
STEPS = [(scenario.id, step) for scenario in PREDEFINED for step in scenario.steps]
MESSAGE_STEPS = [(scenario_id, step) for scenario_id, step in STEPS if step.channel not in MANUAL]
BY_KEY = {(t.key, t.locale): t for t in TEMPLATES}
STEP_TEMPLATES = [
    BY_KEY[(step.template, locale)] for _, step in MESSAGE_STEPS for locale in LOCALES if step.template
]
TENANT = {"name": "Atelier Lumière"}
LEADS = {
    "complete": {"first_name": "Camille", "last_name": "Durand", "company": "Boulangerie Durand"},
    "bare": {"phone": "+33612345678"},
}
# Words only an English text would use, and French ones only a French text would.
ENGLISH = re.compile(r"\b(the|and|you|your|we|please|thanks?|call|email)\b", re.IGNORECASE)
FRENCH = re.compile(r"\b(vous|votre|nous|merci|bonjour|échange|je)\b", re.IGNORECASE)


def _step_id(item: tuple[str, PredefinedStep]) -> str:
    scenario_id, step = item
    return f"{scenario_id}-{step.order}"


def _content(template: LibraryTemplate) -> TemplateContent:
    return TemplateContent(
        subject=template.subject, body=template.body, html=template.html, variables=list(template.variables)
    )


def _texts(template: LibraryTemplate) -> list[str]:
    return [text for text in (template.subject, template.body) if text]


@pytest.mark.parametrize("item", MESSAGE_STEPS, ids=_step_id)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_step_names_a_template_of_its_channel_in_each_locale(
    item: tuple[str, PredefinedStep], locale: str
) -> None:
    _, step = item
    assert step.template is not None, "without a model, this step would have nothing to send"
    template = BY_KEY.get((step.template, locale))
    assert template is not None, f"no {locale} template {step.template!r} in the library"
    assert template.channel == step.channel


@pytest.mark.parametrize("item", [i for i in STEPS if i[1].channel in MANUAL], ids=_step_id)
def test_manual_steps_name_no_template(item: tuple[str, PredefinedStep]) -> None:
    assert item[1].template is None


def test_each_step_has_a_template_of_its_own() -> None:
    keys = [step.template for _, step in MESSAGE_STEPS]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("template", STEP_TEMPLATES, ids=lambda t: f"{t.locale}-{t.key}")
def test_step_templates_can_be_activated_and_use_only_existing_placeholders(
    template: LibraryTemplate,
) -> None:
    # An unknown placeholder, a missing subject or an SMS too long would each be a problem here
    assert activation_problems(Channel(template.channel), _content(template)) == []
    assert template.variables == (), "a step's template can only use the lead's and the tenant's fields"


@pytest.mark.parametrize("template", STEP_TEMPLATES, ids=lambda t: f"{t.locale}-{t.key}")
@pytest.mark.parametrize("lead", LEADS.values(), ids=LEADS.keys())
def test_step_templates_render_with_no_placeholder_left(
    template: LibraryTemplate, lead: dict[str, str]
) -> None:
    # Given a lead with all its fields or with only a phone number
    values = {**lead_values(lead), **tenant_values(TENANT)}
    # When the template is filled in for it
    rendered = render(_content(template), values)
    # Then nothing is missing and no brace is left, in the subject, the text or the HTML
    assert rendered.missing == []
    for text in (rendered.subject, rendered.body, rendered.html):
        assert text is None or ("{{" not in text and "}}" not in text), text
    assert "Atelier Lumière" in rendered.body
    if lead.get("first_name"):
        assert lead["first_name"] in rendered.body
    if template.channel == "email":
        assert rendered.subject
        assert len(rendered.subject) <= 80
    if template.channel == "sms":
        assert sms_rules.analyse(rendered.body).segments == 1, rendered.body


@pytest.mark.parametrize("template", [t for t in STEP_TEMPLATES if t.locale == "fr"], ids=lambda t: t.key)
def test_french_step_templates_have_no_english(template: LibraryTemplate) -> None:
    for text in _texts(template):
        assert not ENGLISH.search(text), text
    assert FRENCH.search(template.body)


@pytest.mark.parametrize("template", [t for t in STEP_TEMPLATES if t.locale == "en"], ids=lambda t: t.key)
def test_english_step_templates_have_no_french(template: LibraryTemplate) -> None:
    for text in _texts(template):
        assert not FRENCH.search(text), text
