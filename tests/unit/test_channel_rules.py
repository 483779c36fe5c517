"""Which channel a message goes on: refusals in order, auto's order, WhatsApp's window, senders, secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadSummary
from maxcore.models.template import WhatsAppApproval, WhatsAppContent
from maxcore.rules.channels import (
    AUTO_ORDER,
    ChannelFacts,
    Choice,
    Refusal,
    check_secret,
    check_sender,
    choose,
    refusal,
)
from maxcore.rules.whatsapp import whatsapp_window_open
from maxcore.texts import render

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ALL = frozenset(Channel)
EVERYTHING = ChannelFacts(enabled=ALL)
SMS, WHATSAPP, EMAIL, TELEGRAM = Channel.SMS, Channel.WHATSAPP, Channel.EMAIL, Channel.TELEGRAM
APPROVED = WhatsAppContent(content_sid="HX" + "0" * 32, state=WhatsAppApproval.APPROVED, updated_at=NOW)


def _lead(
    consent: dict[Channel, bool] | None = None,
    wrote_on_whatsapp: timedelta | None = None,
    preferred: ActivityChannel | None = None,
    **contacts: Any,
) -> Lead:
    """A lead reachable everywhere unless told otherwise; ``None`` contacts remove an address."""
    values: dict[str, Any] = {
        "phone": "+33612345678",
        "email": "sophie@example.fr",
        "telegram_chat_id": "123456789",
    } | contacts
    summary = LeadSummary(preferred_channel=preferred)
    if wrote_on_whatsapp is not None:
        summary.last_inbound_by_channel["whatsapp"] = NOW - wrote_on_whatsapp
    return Lead(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        first_name="Sophie",
        consent={
            c: ConsentState(granted=g, updated_at=NOW - timedelta(days=1), reason="STOP reply")
            for c, g in (consent or {}).items()
        },
        summary=summary,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=1),
        **values,
    )


def _code(result: Choice | Refusal) -> str:
    assert isinstance(result, Refusal), result
    return result.code


def _channel(result: Choice | Refusal) -> Channel:
    assert isinstance(result, Choice), result
    return result.channel


def _label(channel: str, locale: str = "en") -> str:
    return render(f"channel.{channel}.label", locale)


def _detail(code: str, channel: str, locale: str = "en") -> str:
    return render(f"automation.detail.{code}", locale, channel=_label(channel, locale)).rstrip(".")


# --- the channel asked for ----------------------------------------------------------------------
def test_the_channel_asked_for_is_used_when_it_can_reach_the_lead() -> None:
    result = choose(_lead(), EMAIL, EVERYTHING, NOW, "en")
    assert result == Choice(EMAIL, "email was asked for")


@pytest.mark.parametrize(
    ("channel", "lead", "facts", "code"),
    [
        # Each line takes away the refusal of the line before: the first reason that holds is given.
        (
            EMAIL,
            _lead(email=None, consent={EMAIL: False}),
            ChannelFacts(enabled=ALL - {EMAIL}, suppressed=frozenset({EMAIL})),
            "channel_disabled",
        ),
        (
            EMAIL,
            _lead(email=None, consent={EMAIL: False}),
            ChannelFacts(enabled=ALL, suppressed=frozenset({EMAIL})),
            "no_address",
        ),
        (
            EMAIL,
            _lead(consent={EMAIL: False}),
            ChannelFacts(enabled=ALL, suppressed=frozenset({EMAIL})),
            "opted_out",
        ),
        (EMAIL, _lead(), ChannelFacts(enabled=ALL, suppressed=frozenset({EMAIL})), "address_suppressed"),
        (
            WHATSAPP,
            _lead(phone=None, consent={WHATSAPP: False}),
            ChannelFacts(enabled=ALL - {WHATSAPP}),
            "channel_disabled",
        ),
        (WHATSAPP, _lead(phone=None, consent={WHATSAPP: False}), EVERYTHING, "no_address"),
        (WHATSAPP, _lead(consent={WHATSAPP: False}), EVERYTHING, "opted_out"),
        (WHATSAPP, _lead(), EVERYTHING, "whatsapp_window_closed"),
        (SMS, _lead(phone=None), EVERYTHING, "no_address"),
        (SMS, _lead(consent={SMS: False}), EVERYTHING, "opted_out"),
        (TELEGRAM, _lead(telegram_chat_id=None), EVERYTHING, "no_address"),
        (
            TELEGRAM,
            _lead(consent={TELEGRAM: False}),
            ChannelFacts(enabled=ALL - {TELEGRAM}),
            "channel_disabled",
        ),
    ],
)
def test_the_channel_asked_for_is_refused_with_the_first_reason_that_holds(
    channel: Channel, lead: Lead, facts: ChannelFacts, code: str
) -> None:
    assert _code(choose(lead, channel, facts, NOW, "en")) == code


def test_a_refusal_says_why_in_a_sentence() -> None:
    opted_out = choose(_lead(consent={SMS: False}), SMS, EVERYTHING, NOW, "en")
    assert isinstance(opted_out, Refusal)
    assert "STOP reply" in opted_out.message
    no_address = choose(_lead(telegram_chat_id=None), TELEGRAM, EVERYTHING, NOW, "en")
    assert isinstance(no_address, Refusal)
    assert "Telegram chat" in no_address.message


def test_consent_granted_explicitly_is_no_refusal() -> None:
    assert _channel(choose(_lead(consent={SMS: True}), SMS, EVERYTHING, NOW, "en")) is SMS


def test_an_asked_channel_is_not_replaced_by_another_when_refused() -> None:
    # SMS refused: the answer is the refusal, not the e-mail auto would pick
    assert _code(choose(_lead(phone=None), SMS, EVERYTHING, NOW, "en")) == "no_address"


def test_suppression_is_only_about_the_channel_it_names() -> None:
    facts = ChannelFacts(enabled=ALL, suppressed=frozenset({EMAIL}))
    assert _channel(choose(_lead(), SMS, facts, NOW, "en")) is SMS
    assert _code(choose(_lead(), EMAIL, facts, NOW, "en")) == "address_suppressed"


# --- WhatsApp's 24-hour window ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wrote", "open_"),
    [
        (None, False),
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999), True),
        (timedelta(hours=24), False),
        (timedelta(hours=24, microseconds=1), False),
        (timedelta(days=3), False),
    ],
)
def test_the_whatsapp_window_is_open_for_less_than_24_hours_after_the_leads_message(
    wrote: timedelta | None, open_: bool
) -> None:
    lead = _lead(wrote_on_whatsapp=wrote)
    assert whatsapp_window_open(lead.summary.last_inbound_by_channel.get("whatsapp"), NOW) is open_
    result = choose(lead, WHATSAPP, EVERYTHING, NOW, "en")
    if open_:
        assert _channel(result) is WHATSAPP
    else:
        assert _code(result) == "whatsapp_window_closed"


def test_only_a_message_on_whatsapp_opens_the_window() -> None:
    lead = _lead()
    lead.summary.last_inbound_by_channel["sms"] = NOW - timedelta(minutes=5)
    assert _code(choose(lead, WHATSAPP, EVERYTHING, NOW, "en")) == "whatsapp_window_closed"


def test_an_approved_whatsapp_template_goes_outside_the_window_but_not_past_an_opt_out() -> None:
    facts = ChannelFacts(enabled=ALL, whatsapp_template=APPROVED)
    assert _channel(choose(_lead(), WHATSAPP, facts, NOW, "en")) is WHATSAPP
    assert (
        _channel(choose(_lead(wrote_on_whatsapp=timedelta(days=30)), WHATSAPP, facts, NOW, "en")) is WHATSAPP
    )
    assert _code(choose(_lead(consent={WHATSAPP: False}), WHATSAPP, facts, NOW, "en")) == "opted_out"
    assert _code(choose(_lead(phone=None), WHATSAPP, facts, NOW, "en")) == "no_address"
    assert (
        _code(
            choose(
                _lead(),
                WHATSAPP,
                ChannelFacts(enabled=ALL - {WHATSAPP}, whatsapp_template=APPROVED),
                NOW,
                "en",
            )
        )
        == "channel_disabled"
    )


# --- auto -----------------------------------------------------------------------------------------
def test_the_auto_order_is_sms_email_whatsapp_telegram() -> None:
    assert AUTO_ORDER == (SMS, EMAIL, WHATSAPP, TELEGRAM)


def test_auto_takes_sms_first_for_a_lead_reachable_everywhere() -> None:
    result = choose(_lead(wrote_on_whatsapp=timedelta(hours=1)), None, EVERYTHING, NOW, "en")
    assert result == Choice(SMS, "SMS is the first channel available")


@pytest.mark.parametrize(
    ("lead", "facts", "expected", "skipped"),
    [
        (_lead(phone=None), EVERYTHING, EMAIL, ["sms: no_address"]),
        (_lead(consent={SMS: False}), EVERYTHING, EMAIL, ["sms: opted_out"]),
        (_lead(), ChannelFacts(enabled=ALL - {SMS}), EMAIL, ["sms: channel_disabled"]),
        (
            _lead(consent={SMS: False}, wrote_on_whatsapp=timedelta(hours=2)),
            ChannelFacts(enabled=ALL, suppressed=frozenset({EMAIL})),
            WHATSAPP,
            ["sms: opted_out", "email: address_suppressed"],
        ),
        (
            _lead(phone=None, email=None),
            EVERYTHING,
            TELEGRAM,
            ["sms: no_address", "email: no_address", "whatsapp: no_address"],
        ),
        (
            _lead(consent={SMS: False}, email=None),
            EVERYTHING,
            TELEGRAM,
            ["sms: opted_out", "email: no_address", "whatsapp: whatsapp_window_closed"],
        ),
    ],
)
def test_auto_takes_the_first_channel_available_and_says_what_it_skipped(
    lead: Lead, facts: ChannelFacts, expected: Channel, skipped: list[str]
) -> None:
    result = choose(lead, None, facts, NOW, "en")
    assert _channel(result) is expected
    assert isinstance(result, Choice)
    said = [f"{_label(c)}: {_detail(code, c)}" for c, code in (entry.split(": ") for entry in skipped)]
    assert result.reason == f"{_label(expected.value)} is the first channel available ({'; '.join(said)})"


@pytest.mark.parametrize("preferred", [EMAIL, TELEGRAM, WHATSAPP])
def test_auto_takes_the_preferred_channel_first(preferred: Channel) -> None:
    lead = _lead(preferred=ActivityChannel(preferred.value), wrote_on_whatsapp=timedelta(hours=1))
    result = choose(lead, None, EVERYTHING, NOW, "en")
    assert result == Choice(preferred, f"{_label(preferred.value)} is the lead's preferred channel")


def test_an_unavailable_preferred_channel_falls_back_to_the_order() -> None:
    # Preferred WhatsApp, but the window is closed: SMS, in the usual order, with the reason
    lead = _lead(preferred=ActivityChannel.WHATSAPP)
    result = choose(lead, None, EVERYTHING, NOW, "en")
    assert result == Choice(
        SMS,
        "SMS is the first channel available (WhatsApp: WhatsApp allows a free-form message only within "
        "24 h of the lead's last message)",
    )
    # And the preferred channel is not tried twice
    nothing = _lead(preferred=ActivityChannel.WHATSAPP, phone=None, email=None, telegram_chat_id=None)
    refused = choose(nothing, None, EVERYTHING, NOW, "en")
    assert isinstance(refused, Refusal)
    assert refused.message.count("whatsapp:") == 1


@pytest.mark.parametrize("preferred", [ActivityChannel.CALL, ActivityChannel.MANUAL])
def test_a_preferred_channel_that_sends_no_messages_is_ignored(preferred: ActivityChannel) -> None:
    result = choose(_lead(preferred=preferred), None, EVERYTHING, NOW, "en")
    assert result == Choice(SMS, "SMS is the first channel available")


def test_auto_with_nothing_available_is_no_channel_naming_each_reason_in_order() -> None:
    lead = _lead(consent={SMS: False}, email=None, telegram_chat_id=None)
    facts = ChannelFacts(enabled=ALL - {TELEGRAM})

    result = choose(lead, None, facts, NOW, "en")

    assert isinstance(result, Refusal)
    assert result.code == "no_channel"
    assert result.message == (
        "no channel can reach this lead now (sms: opted_out; email: no_address; "
        "whatsapp: whatsapp_window_closed; telegram: channel_disabled)"
    )


def test_auto_with_no_channel_enabled_is_no_channel() -> None:
    assert _code(choose(_lead(), None, ChannelFacts(enabled=frozenset()), NOW, "en")) == "no_channel"


def test_refusal_is_none_when_the_lead_can_be_reached() -> None:
    assert refusal(_lead(), SMS, EVERYTHING, NOW) is None


# --- senders --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "sender", "expected"),
    [
        (SMS, "+33757000001", "+33757000001"),
        (SMS, "07 57 00 00 01", "+33757000001"),
        (SMS, "0033 7 57 00 00 01", "+33757000001"),
        (SMS, "BellePeau", "BellePeau"),
        (SMS, "Belle Peau", "Belle Peau"),
        (SMS, "MAX2026", "MAX2026"),
        (SMS, "A", "A"),
        (SMS, "ABCDEFGHIJK", "ABCDEFGHIJK"),
        (WHATSAPP, "+33 7 57 00 00 02", "+33757000002"),
        (WHATSAPP, "whatsapp:+33757000002", "+33757000002"),
        (EMAIL, " Contact@BellePeau.FR ", "contact@bellepeau.fr"),
    ],
)
def test_a_sender_is_normalised_for_its_channel(channel: Channel, sender: str, expected: str) -> None:
    assert check_sender(channel, sender) == expected


def test_a_national_sender_number_is_read_in_the_tenant_country() -> None:
    assert check_sender(SMS, "0470 12 34 56", "BE") == "+32470123456"


@pytest.mark.parametrize(
    ("channel", "sender", "said"),
    [
        (SMS, "ABCDEFGHIJKL", "alphanumeric sender id"),  # 12 characters
        (SMS, "12345", "alphanumeric sender id"),  # only digits, and no phone number
        (SMS, "Belle-Peau", "alphanumeric sender id"),
        (SMS, "Beauté", "alphanumeric sender id"),
        (WHATSAPP, "BellePeau", "E.164"),
        (WHATSAPP, "12345", "E.164"),
        (EMAIL, "contact@", "not a valid e-mail"),
        (EMAIL, "+33757000001", "not a valid e-mail"),
        # 07 00... has the length of a French mobile but is a range France has not opened.
        (SMS, "+33700000001", "not a valid number for its country"),
        (TELEGRAM, "@BellePeauBot", "bot_name"),
    ],
)
def test_a_sender_that_does_not_fit_its_channel_says_what_is_expected(
    channel: Channel, sender: str, said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        check_sender(channel, sender)


# --- secrets --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("account_sid", "AC" + "0123456789abcdef" * 2),
        ("account_sid", "AC" + "0123456789ABCDEF" * 2),
        ("auth_token", "a" * 16),
        ("auth_token", "Z9" * 32),
        ("api_key", "re_12345678"),
        ("api_key", "re_live_Key_0123456789"),
        ("webhook_secret", "whsec_abc"),
        ("webhook_secret", "whsec_c2VjcmV0+/="),
        ("bot_token", "12345:" + "A" * 30),
        ("bot_token", "7000000001:AAH-secret-bot-token_xyz0123456789"),
    ],
)
def test_well_formed_secrets_pass(name: str, value: str) -> None:
    assert check_secret(name, value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("account_sid", "AC" + "0" * 31),
        ("account_sid", "AC" + "0" * 33),
        ("account_sid", "ac" + "0" * 32),
        ("account_sid", "SK" + "0" * 32),
        ("account_sid", "AC" + "g" * 32),
        ("auth_token", "a" * 15),
        ("auth_token", "a" * 65),
        ("auth_token", "a" * 15 + "-"),
        ("api_key", "re_1234567"),
        ("api_key", "sk_12345678"),
        ("api_key", "re_1234 5678"),
        ("webhook_secret", "short"),
        ("webhook_secret", "with space in it"),
        ("bot_token", "1234:" + "A" * 30),
        ("bot_token", "12345:" + "A" * 29),
        ("bot_token", "12345" + "A" * 30),
    ],
)
def test_malformed_secrets_are_refused_without_repeating_them(name: str, value: str) -> None:
    why = check_secret(name, value)
    assert why == f"not a valid {name.replace('_', ' ')}"
    assert value not in why


def test_an_unknown_credential_is_refused() -> None:
    assert check_secret("password", "whatever-it-is") == "unknown credential"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("account_sid", "AC" + "0123456789abcdef" * 2 + "\n"),
        ("auth_token", "a" * 32 + "\n"),
        ("api_key", "re_live_Key_0123456789\n"),
        ("bot_token", "7000000001:AAH-secret-bot-token_xyz0123456789\n"),
    ],
)
def test_a_secret_with_a_trailing_newline_is_refused(name: str, value: str) -> None:
    assert check_secret(name, value) is not None


def test_the_reason_a_channel_was_chosen_reads_in_french_for_a_french_tenant() -> None:
    # Given a lead whose WhatsApp window is closed and who has no preferred channel
    lead = _lead(preferred=ActivityChannel.WHATSAPP)

    # When auto chooses, and when the rep asks for e-mail
    auto = choose(lead, None, EVERYTHING, NOW, "fr")
    asked = choose(_lead(), EMAIL, EVERYTHING, NOW, "fr")

    # Then both reasons are French, the channel passed over named with why
    assert auto == Choice(
        SMS,
        "SMS est le premier canal disponible (WhatsApp : WhatsApp n'autorise un message libre que 24 h "
        "après le dernier message du lead)",
    )
    both = choose(_lead(consent={SMS: False}, email=None), None, EVERYTHING, NOW, "fr")
    assert both == Choice(
        TELEGRAM,
        "Telegram est le premier canal disponible (SMS : le lead s'est désinscrit du canal SMS ; "
        "e-mail : pas d'adresse e-mail pour ce lead ; WhatsApp : WhatsApp n'autorise un message libre "
        "que 24 h après le dernier message du lead)",
    )
    assert asked == Choice(EMAIL, "e-mail demandé")
