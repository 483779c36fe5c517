"""The conversation's channel and the transition a reply on another channel opens with (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.common import Channel
from maxcore.models.lead import LeadSummary
from maxcore.rules.channel_switch import conversation_channel, opened, transition, transition_goes

MORNING = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)

ENGLISH_WORDS = re.compile(r"\b(hello|continuing|conversation|our|by|on|text|I'm)\b", re.IGNORECASE)
"""Words of the English transition that have no place in the French one."""


# --- the conversation's channel ------------------------------------------------------------------------
def test_the_conversation_is_on_the_channel_the_lead_last_wrote_on() -> None:
    # Given a lead who wrote by e-mail, then on WhatsApp, and whom we wrote to by SMS since
    summary = LeadSummary(
        last_inbound_by_channel={
            "email": MORNING - timedelta(days=2),
            "whatsapp": MORNING - timedelta(hours=3),
        },
        last_outbound_by_channel={"sms": MORNING},
    )
    # Then the conversation is on WhatsApp: what we sent does not move it
    assert conversation_channel(summary) is Channel.WHATSAPP


def test_a_lead_who_never_wrote_has_no_conversation_channel() -> None:
    assert conversation_channel(LeadSummary(last_outbound_by_channel={"sms": MORNING})) is None


def test_a_logged_call_is_no_channel_a_reply_can_go_on() -> None:
    # Given a lead whose last inbound interaction is a call logged by hand, after an SMS
    summary = LeadSummary(last_inbound_by_channel={"sms": MORNING - timedelta(days=1), "call": MORNING})
    # Then the conversation stays on SMS
    assert conversation_channel(summary) is Channel.SMS


# --- the transition --------------------------------------------------------------------------------------
def test_the_french_transition_names_the_lead_where_the_exchange_came_from_and_where_it_goes() -> None:
    assert (
        transition("Sophie", Channel.WHATSAPP, Channel.EMAIL, "fr")
        == "Bonjour Sophie, je poursuis notre échange de WhatsApp par e-mail."
    )
    assert (
        transition("Sophie", Channel.EMAIL, Channel.SMS, "fr")
        == "Bonjour Sophie, je poursuis notre échange d'e-mails par SMS."
    )


def test_the_english_transition_says_the_same() -> None:
    assert (
        transition("Sophie", Channel.WHATSAPP, Channel.EMAIL, "en")
        == "Hello Sophie, I'm continuing our WhatsApp conversation by e-mail."
    )
    assert (
        transition("Sophie", Channel.SMS, Channel.TELEGRAM, "en")
        == "Hello Sophie, I'm continuing our SMS conversation on Telegram."
    )


def test_without_a_first_name_the_greeting_names_nobody() -> None:
    assert transition(None, Channel.SMS, Channel.WHATSAPP, "fr") == (
        "Bonjour, je poursuis notre échange de SMS par WhatsApp."
    )
    assert transition("  ", Channel.TELEGRAM, Channel.EMAIL, "en") == (
        "Hello, I'm continuing our Telegram conversation by e-mail."
    )


SWITCHES = [(origin, target) for origin in Channel for target in Channel if origin is not target]


@pytest.mark.parametrize(("origin", "target"), SWITCHES)
def test_every_french_transition_is_french_only(origin: Channel, target: Channel) -> None:
    french = transition("Sophie", origin, target, "fr")
    # Then it is written in French all the way through, and differs from the English one
    assert french.startswith("Bonjour Sophie, je poursuis notre échange ")
    assert not ENGLISH_WORDS.search(french), french
    assert french != transition("Sophie", origin, target, "en")


def test_an_unknown_locale_reads_french() -> None:
    assert transition("Sophie", Channel.WHATSAPP, Channel.EMAIL, "de") == transition(
        "Sophie", Channel.WHATSAPP, Channel.EMAIL, "fr"
    )


# --- the transition opening an e-mail ----------------------------------------------------------------------
OPENING = "Bonjour Sophie, je poursuis notre échange de WhatsApp par e-mail."


def test_the_transition_is_the_first_paragraph_of_a_text_email() -> None:
    assert opened("Voici le devis.", None, OPENING) == (f"{OPENING}\n\nVoici le devis.", None)


def test_in_html_the_transition_is_an_escaped_paragraph_before_the_fragment() -> None:
    _, html = opened("Voici le devis.", "<p>Voici le <b>devis</b>.</p>", "Bonjour <Sophie> & co")
    assert html == "<p>Bonjour &lt;Sophie&gt; &amp; co</p><p>Voici le <b>devis</b>.</p>"


def test_in_a_whole_html_document_the_transition_opens_the_body() -> None:
    document = '<html><head><title>Devis</title></head><BODY style="margin:0"><p>Voici.</p></BODY></html>'
    _, html = opened("Voici.", document, OPENING)
    assert html == (
        '<html><head><title>Devis</title></head><BODY style="margin:0">'
        f"<p>{OPENING}</p><p>Voici.</p></BODY></html>"
    )


# --- whether the transition goes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("whatsapp_wrote", "goes"),
    [
        (timedelta(hours=23, minutes=59), True),
        (timedelta(hours=24), False),
        (timedelta(days=3), False),
        (None, False),
    ],
)
def test_a_switch_to_whatsapp_opens_with_its_transition_only_inside_the_24_hour_window(
    whatsapp_wrote: timedelta | None, goes: bool
) -> None:
    # Given a lead who wrote by e-mail an hour ago and on WhatsApp some time before, or never
    wrote = {"email": MORNING - timedelta(hours=1)}
    if whatsapp_wrote is not None:
        wrote["whatsapp"] = MORNING - whatsapp_wrote
    summary = LeadSummary(last_inbound_by_channel=wrote)
    # Then the free-text transition goes on WhatsApp only while the window is open
    assert transition_goes(Channel.WHATSAPP, summary, MORNING) is goes


@pytest.mark.parametrize("target", [Channel.SMS, Channel.TELEGRAM, Channel.EMAIL])
def test_a_switch_to_another_channel_always_opens_with_its_transition(target: Channel) -> None:
    # Given a lead who only ever wrote on WhatsApp, days ago
    summary = LeadSummary(last_inbound_by_channel={"whatsapp": MORNING - timedelta(days=3)})
    # Then the transition goes: only WhatsApp limits free text
    assert transition_goes(target, summary, MORNING) is True
