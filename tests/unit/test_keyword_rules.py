"""Keyword messages (stop, start again, help) on each channel, and the replies they get."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from maxcore.models.common import Channel
from maxcore.models.intent import Intent
from maxcore.rules.intent import classify
from maxcore.rules.keywords import (
    OPT_OUT_WORDS,
    Keyword,
    answer_key,
    is_instruction,
    keyword_of,
    telegram_command,
)
from maxcore.rules.sms import SmsEncoding, analyse
from maxcore.texts import CATALOGUE, render

PHONE_CHANNELS = [Channel.SMS, Channel.WHATSAPP]


@pytest.mark.parametrize("channel", PHONE_CHANNELS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", Keyword.OPT_OUT),
        ("STOPALL", Keyword.OPT_OUT),
        ("UNSUBSCRIBE", Keyword.OPT_OUT),
        ("END", Keyword.OPT_OUT),
        ("QUIT", Keyword.OPT_OUT),
        ("CANCEL", Keyword.OPT_OUT),
        ("OPTOUT", Keyword.OPT_OUT),
        ("REVOKE", Keyword.OPT_OUT),
        ("START", Keyword.OPT_IN),
        ("YES", Keyword.OPT_IN),
        ("UNSTOP", Keyword.OPT_IN),
        ("HELP", Keyword.HELP),
        ("INFO", Keyword.HELP),
    ],
)
def test_twilio_default_keywords_on_phone_channels(channel: Channel, text: str, expected: Keyword) -> None:
    # Given a message that is only one of Twilio's default keywords, then it is that keyword
    assert keyword_of(text, channel) is expected


@pytest.mark.parametrize("channel", PHONE_CHANNELS)
@pytest.mark.parametrize("text", ["ARRET", "Arrêt", "arrêt !", "STOP SMS", "Stop sms."])
def test_french_opt_out_words_on_phone_channels(channel: Channel, text: str) -> None:
    # Given a French lead answering with the words French senders advertise, then it is an opt-out
    assert keyword_of(text, channel) is Keyword.OPT_OUT


def test_the_opt_out_list_has_english_and_french_words() -> None:
    words = {w.word for w in OPT_OUT_WORDS}
    assert {"stop", "unsubscribe", "optout"} <= words
    assert {"arret", "stop sms"} <= words


@pytest.mark.parametrize("word", [w.word for w in OPT_OUT_WORDS])
@pytest.mark.parametrize("typed", [str.upper, str.lower, str.capitalize])
def test_the_keyword_reader_and_the_reply_classifier_agree_on_every_opt_out_word(
    word: str, typed: Callable[[str], str]
) -> None:
    # Given a lead whose whole message is one of the opt-out words, however capitalised
    text = typed(word)
    # Then it is an opt-out keyword on SMS, and the classifier reads an unsubscribe from that very word
    assert keyword_of(text, Channel.SMS) is Keyword.OPT_OUT
    result = classify(text)
    assert result.intent is Intent.UNSUBSCRIBE
    assert [c.pattern for c in result.cues] == [f"sms:{word.upper()}"]


@pytest.mark.parametrize(
    ("word", "variant"), [(w.word, variant) for w in OPT_OUT_WORDS for variant in w.variants]
)
def test_a_variant_spelling_is_an_unsubscribe_for_the_classifier_but_no_keyword(
    word: str, variant: str
) -> None:
    # Given a lead who types an opt-out word another way ("STOOP", "OPT OUT", "Arrête")
    text = variant.upper()
    # Then the classifier reads that word, and the keyword reader, exact like Twilio's, does not
    assert [c.pattern for c in classify(text).cues] == [f"sms:{word.upper()}"]
    assert classify(text).intent is Intent.UNSUBSCRIBE
    assert keyword_of(text, Channel.SMS) is None


@pytest.mark.parametrize(
    "text",
    ["stop", "Stop", "sToP", "  STOP  ", "STOP.", "Stop !", "stop!!!", "STOP\n", "STOP»", "Stop…"],
)
def test_case_spaces_and_trailing_punctuation_do_not_matter(text: str) -> None:
    assert keyword_of(text, Channel.SMS) is Keyword.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "stop please call me",
        "Please stop",
        "STOP PLEASE",
        "stop, rappelez-moi plutôt demain",
        "Je veux arrêter",
        "OPT OUT",
        "STOPP",
        "S T O P",
        "yes please",
        "Oui",
        "help me choose a package",
        "",
        "   ",
        "?",
        "/stop",
    ],
)
def test_keywords_only_count_as_the_whole_message(text: str) -> None:
    # Given a sentence or a word that is not a keyword, then it is an ordinary message
    assert keyword_of(text, Channel.SMS) is None
    assert keyword_of(text, Channel.WHATSAPP) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/stop", Keyword.OPT_OUT),
        ("/start", Keyword.OPT_IN),
        ("/help", Keyword.HELP),
        ("/STOP", Keyword.OPT_OUT),
        ("/start@MaxEventsDemoBot", Keyword.OPT_IN),
        ("/stop@MaxEventsDemoBot", Keyword.OPT_OUT),
        ("/start lead-42", Keyword.OPT_IN),
        ("/start@MaxEventsDemoBot lead-42", Keyword.OPT_IN),
        ("/help what can you do", Keyword.HELP),
        ("  /stop  ", Keyword.OPT_OUT),
    ],
)
def test_telegram_bot_commands(text: str, expected: Keyword) -> None:
    # Given a bot command, with or without the bot's name and arguments, then it is its keyword
    assert keyword_of(text, Channel.TELEGRAM) is expected


@pytest.mark.parametrize(
    "text", ["/settings", "/", "/@MaxEventsDemoBot", "/stopall", "please /stop", "/start-over"]
)
def test_telegram_other_commands_are_not_keywords(text: str) -> None:
    assert keyword_of(text, Channel.TELEGRAM) is None


@pytest.mark.parametrize(("text", "expected"), [("STOP", Keyword.OPT_OUT), ("start", Keyword.OPT_IN)])
def test_telegram_also_reads_the_words_the_replies_tell_leads_to_send(text: str, expected: Keyword) -> None:
    # The catalogue's replies say "Répondez STOP" on every channel: a Telegram lead doing so must be heard.
    assert keyword_of(text, Channel.TELEGRAM) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", "start"),
        ("/START", "start"),
        ("/start abc123", "start"),
        ("/start@MaxEventsDemoBot abc123", "start"),
        ("  /help  ", "help"),
        ("/rdv", "rdv"),
        ("/nouveau_rdv", "nouveau_rdv"),
        ("/stop\nmerci", "stop"),
    ],
)
def test_a_telegram_command_is_its_first_word_named_as_telegram_allows(text: str, expected: str) -> None:
    assert telegram_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "please /stop",
        "/",
        "/@MaxEventsDemoBot",
        "/start-over",
        "/stop.",
        "/home/sophie",
        "/" + "a" * 33,
        "stop",
    ],
)
def test_a_text_that_does_not_start_with_a_command_is_no_command(text: str) -> None:
    assert telegram_command(text) is None


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ({"keyword": "opt_out", "command": None, "sender": "+33611223344"}, True),
        ({"keyword": "help"}, True),
        ({"keyword": None, "command": "start"}, True),
        ({"keyword": None, "command": None, "sender": "+33611223344"}, False),
        ({}, False),
    ],
)
def test_an_instruction_is_a_message_marked_with_a_keyword_or_a_command(
    marks: dict[str, str | None], expected: bool
) -> None:
    assert is_instruction(marks) is expected


@pytest.mark.parametrize(
    ("channel", "keyword", "command", "expected"),
    [
        # HELP is answered on every messaging channel.
        (Channel.SMS, Keyword.HELP, None, "messaging.help_reply"),
        (Channel.WHATSAPP, Keyword.HELP, None, "messaging.help_reply"),
        (Channel.TELEGRAM, Keyword.HELP, "help", "messaging.help_reply"),
        # Twilio and the carriers confirm SMS opt-outs: we do not answer a second time.
        (Channel.SMS, Keyword.OPT_OUT, None, None),
        (Channel.SMS, Keyword.OPT_IN, None, None),
        # On Telegram nobody else answers.
        (Channel.TELEGRAM, Keyword.OPT_OUT, "stop", "messaging.opt_out_confirmation"),
        (Channel.TELEGRAM, Keyword.OPT_OUT, None, "messaging.opt_out_confirmation"),
        (Channel.TELEGRAM, Keyword.OPT_IN, "start", "messaging.opt_in_confirmation"),
        (Channel.TELEGRAM, None, "start", "messaging.telegram_welcome"),
        (Channel.TELEGRAM, None, "rdv", "messaging.help_reply"),
        # An ordinary message gets no automatic answer.
        (Channel.TELEGRAM, None, None, None),
        (Channel.SMS, None, None, None),
    ],
)
def test_the_answer_of_each_keyword_and_command(
    channel: Channel, keyword: Keyword | None, command: str | None, expected: str | None
) -> None:
    assert answer_key(channel, keyword, command) == expected


@pytest.mark.parametrize("text", ["STOP", "UNSUBSCRIBE", "HELP", "/stop", "START"])
def test_email_never_has_keywords(text: str) -> None:
    assert keyword_of(text, Channel.EMAIL) is None


# --- The replies ---------------------------------------------------------------------------------
REPLY_KEYS = ["messaging.help_reply", "messaging.opt_out_confirmation", "messaging.opt_in_confirmation"]
LONG_COMPANY = "Institut de Beauté Belle Peau"  # 29 characters, a long but real business name


@pytest.mark.parametrize("key", REPLY_KEYS)
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_keyword_replies_fit_one_gsm7_sms_with_the_company_name(key: str, locale: str) -> None:
    # Given a reply rendered for a business with a long name
    text = render(key, locale, company=LONG_COMPANY)

    # Then it names the business and stays one plain SMS (no UCS-2, which would halve the length)
    report = analyse(text)
    assert LONG_COMPANY in text
    assert report.encoding is SmsEncoding.GSM7, report.non_gsm_characters
    assert report.segments == 1
    assert len(text) < 160


@pytest.mark.parametrize("key", REPLY_KEYS)
def test_keyword_replies_exist_in_french_and_english_with_only_the_company_placeholder(key: str) -> None:
    assert set(CATALOGUE[key]) == {"fr", "en"}
    for text in CATALOGUE[key].values():
        assert set(re.findall(r"{(\w*)}", text)) == {"company"}


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_replies_name_the_keywords_that_work(locale: str) -> None:
    # The help and the opt-in reply say how to stop, the opt-out reply how to come back, with words
    # that keyword_of reads as such on every messaging channel.
    help_text = render("messaging.help_reply", locale, company="X")
    opt_out = render("messaging.opt_out_confirmation", locale, company="X")
    opt_in = render("messaging.opt_in_confirmation", locale, company="X")
    assert "STOP" in help_text
    assert "STOP" in opt_in
    assert "START" in opt_out
    for channel in [*PHONE_CHANNELS, Channel.TELEGRAM]:
        assert keyword_of("STOP", channel) is Keyword.OPT_OUT
        assert keyword_of("START", channel) is Keyword.OPT_IN


def test_help_reply_in_french_says_how_to_stop() -> None:
    assert "Répondez STOP pour ne plus recevoir nos messages" in render(
        "messaging.help_reply", "fr", company="Institut Belle Peau"
    )


# --- The Telegram welcome (/start) ---------------------------------------------------------------
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_telegram_welcome_names_the_company_and_says_how_to_stop(locale: str) -> None:
    # Given the welcome rendered for a business
    text = render("messaging.telegram_welcome", locale, company="Institut Belle Peau")

    # Then it names the business and the command that stops, which keyword_of reads as an opt-out
    assert "Institut Belle Peau" in text
    assert "/stop" in text
    assert keyword_of("/stop", Channel.TELEGRAM) is Keyword.OPT_OUT
    # And it fits in one Telegram message (4,096 characters) with room to spare
    assert len(text) < 400


def test_the_telegram_welcome_exists_in_french_and_english_with_only_the_company_placeholder() -> None:
    assert set(CATALOGUE["messaging.telegram_welcome"]) == {"fr", "en"}
    for text in CATALOGUE["messaging.telegram_welcome"].values():
        assert set(re.findall(r"{(\w*)}", text)) == {"company"}


@pytest.mark.parametrize("key", [*REPLY_KEYS, "messaging.telegram_welcome"])
def test_the_french_answers_hold_no_english_but_the_keywords(key: str) -> None:
    # The keywords (STOP, START) and commands (/stop) are what the lead types; no other English word.
    words = set(re.findall(r"[A-Za-z]+", CATALOGUE[key]["fr"].replace("{company}", "")))
    english = {"the", "you", "your", "reply", "send", "hi", "hello", "welcome", "to", "and", "here", "again"}
    assert not {w.lower() for w in words} & english, words
