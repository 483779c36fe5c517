"""The one check a written message passes before it leaves: length, nothing left to fill in, language."""

from __future__ import annotations

import pytest

from maxcore.library.templates import TEMPLATES, LibraryTemplate
from maxcore.models.common import Channel
from maxcore.models.prospection import Outcome, ScenarioStep
from maxcore.models.template import TemplateContent
from maxcore.rules.language import language_of
from maxcore.rules.prospection import reason_text, unwritten
from maxcore.rules.templates import lead_values, placeholder_names, render, tenant_values, unsendable

FR_SMS = "Bonjour Sophie, notre institut vous offre un soin visage pour votre première visite."
EN_SMS = "Hello Sophie, our salon offers you a free facial for your first visit this month."
FR_EMAIL = ("Votre soin d'hiver", "Bonjour Sophie,\n\nNous avons pensé à vous pour notre nouveau soin.")
EN_EMAIL = ("Your winter treatment", "Hello Sophie,\n\nWe thought of you for our new winter treatment.")
LEAD = {
    "first_name": "Sophie",
    "last_name": "Durand",
    "company": "Durand Conseil",
    "email": "sophie@example.fr",
    "phone": "+33612345678",
}


# --- leftovers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "body"),
    [
        ("fr", "Bonjour [Prénom], notre institut vous offre un soin visage."),
        ("en", "Hello [First name], our salon offers you a free facial this month."),
        ("fr", "Bonjour {{firstName}}, notre institut vous offre un soin visage."),
        ("en", "Hello Sophie, our salon offers you a free facial }} this month."),
        ("fr", "Bonjour Sophie, lorem ipsum dolor sit amet, consectetur adipiscing."),
        ("en", "Hello Sophie, Lorem ipsum: our salon offers you a free facial."),
        ("fr", "Bonjour Sophie, à bientôt. [Votre signature]"),
    ],
)
def test_a_message_with_something_left_to_fill_in_does_not_go(locale: str, body: str) -> None:
    assert unsendable(Channel.SMS, body, None, locale=locale) == "placeholder_left"


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour Sophie, votre rendez-vous est le 12 [14h30] à l'institut.",
        "Bonjour Sophie, réservez votre soin sur [notre agenda](https://agenda.example/belle-peau).",
    ],
)
def test_brackets_that_are_no_blank_to_fill_in_go(body: str) -> None:
    # A time or a Markdown link in brackets is text the lead should read
    assert unsendable(Channel.TELEGRAM, body, None, locale="fr") is None


def test_a_subject_with_a_blank_does_not_go() -> None:
    assert unsendable(Channel.EMAIL, EN_EMAIL[1], "Offer for [Company]", locale="en") == "placeholder_left"


# --- length for the channel ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "length", "problem"),
    [
        (Channel.WHATSAPP, 1600, None),
        (Channel.WHATSAPP, 1601, "too_long"),  # Twilio's limit on a body, WhatsApp's included
        (Channel.TELEGRAM, 4000, None),
        (Channel.TELEGRAM, 4001, "too_long"),  # what a send request carries, under Telegram's 4096
        (Channel.SMS, 153 * 10, None),
        (Channel.SMS, 153 * 10 + 1, "too_many_segments"),
    ],
)
def test_a_message_goes_only_within_its_channels_length(
    channel: Channel, length: int, problem: str | None
) -> None:
    assert unsendable(channel, "a" * length, None, locale="fr") == problem


@pytest.mark.parametrize(("locale", "email"), [("fr", FR_EMAIL), ("en", EN_EMAIL)])
def test_an_email_goes_only_with_a_subject_of_at_most_200_characters(
    locale: str, email: tuple[str, str]
) -> None:
    subject, body = email
    assert unsendable(Channel.EMAIL, body, subject, locale=locale) is None
    assert unsendable(Channel.EMAIL, body, None, locale=locale) == "subject"
    assert unsendable(Channel.EMAIL, body, subject + "!" * (201 - len(subject)), locale=locale) == "subject"


# --- language -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "body", "problem"),
    [
        ("fr", FR_SMS, None),
        ("fr", EN_SMS, "wrong_language"),
        ("en", EN_SMS, None),
        ("en", FR_SMS, "wrong_language"),
    ],
)
def test_a_message_goes_only_in_the_tenants_language(locale: str, body: str, problem: str | None) -> None:
    assert unsendable(Channel.SMS, body, None, locale=locale) == problem


@pytest.mark.parametrize(("locale", "email"), [("fr", EN_EMAIL), ("en", FR_EMAIL)])
def test_an_email_in_the_other_language_does_not_go(locale: str, email: tuple[str, str]) -> None:
    subject, body = email
    assert unsendable(Channel.EMAIL, body, subject, locale=locale) == "wrong_language"


@pytest.mark.parametrize(
    "body",
    [
        "Merci !",
        "OK Sophie",
        "Thanks a lot!",
        "See you tomorrow",
        "Bien reçu, merci",
        "https://belle-peau.fr/rdv",
    ],
)
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_a_short_text_goes_in_either_language(locale: str, body: str) -> None:
    # Under four words French and English cannot be told apart: the text is not refused for it
    assert language_of(body) is None
    assert unsendable(Channel.SMS, body, None, locale=locale) is None


def test_links_and_addresses_are_not_read_as_words() -> None:
    # Given an English sentence whose only French is in links and an address
    body = (
        "Book here: https://belle-peau.fr/reserver-votre-soin-du-visage or write to rendez-vous@belle-peau.fr"
    )
    # Then it is read as English, not French
    assert language_of(body) == "en"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.locale}-{t.key}")
def test_every_library_template_filled_in_may_go_in_its_own_language(template: LibraryTemplate) -> None:
    # Given a built-in template filled in for a lead (custom variables given a link)
    content = TemplateContent(
        subject=template.subject, body=template.body, variables=list(template.variables)
    )
    values = dict.fromkeys(placeholder_names(content), "https://belle-peau.fr/v")
    values |= lead_values(LEAD) | tenant_values({"name": "Institut Belle Peau"})
    rendered = render(content, values)
    # Then the check lets it go in its language
    channel = Channel(template.channel)
    assert unsendable(channel, rendered.body, rendered.subject, locale=template.locale) is None


# --- what the step becomes --------------------------------------------------------------------------
PROBLEMS = ["placeholder_left", "subject", "too_many_segments", "too_long", "wrong_language"]
STEP = ScenarioStep.model_validate({"order": 2, "delay_days": 3, "channel": "sms", "objective": "Relancer"})


def test_a_step_nothing_wrote_is_a_task_to_write_it() -> None:
    verdict = unwritten(None)
    assert (verdict.outcome, verdict.code) == (Outcome.TASK_CREATED, "no_message")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_step_whose_message_failed_the_check_is_a_task_that_says_why_in_both_languages(
    problem: str,
) -> None:
    verdict = unwritten(problem)
    assert (verdict.outcome, verdict.code) == (Outcome.TASK_CREATED, f"message_{problem}")
    french = reason_text(verdict, "fr", "Europe/Paris", STEP)
    english = reason_text(verdict, "en", "Europe/Paris", STEP)
    assert "Le message prévu" in french
    assert "rédigez" in french
    assert "The message written" in english
    assert "write" in english


def test_the_wrong_language_reason_names_the_language_expected() -> None:
    verdict = unwritten("wrong_language")
    assert "pas rédigé en français" in reason_text(verdict, "fr", "Europe/Paris", STEP)
    assert "not in English" in reason_text(verdict, "en", "Europe/Paris", STEP)
