"""The sending adapters, through the real twilio and resend SDKs and urllib, against local fake providers."""

from __future__ import annotations

import base64
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from maxcore.channels.base import (
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
    UnconfirmedSendError,
)
from maxcore.channels.resend import ResendAdapter
from maxcore.channels.retry import send_with_retry
from maxcore.channels.telegram import TelegramAdapter
from maxcore.channels.twilio import TwilioAdapter
from maxcore.models.common import Channel
from maxcore.rules.delivery import RetryPolicy
from tests.support.fake_providers import (
    ACCEPT,
    FakeResend,
    FakeTelegram,
    FakeTwilio,
    delayed,
    raw_reply,
    resend_error,
    running_fake_resend,
    running_fake_telegram,
    running_fake_twilio,
    telegram_error,
    twilio_error,
)

pytestmark = pytest.mark.integration

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-123"
RESEND_KEY = "re_test_key_123"
BOT_TOKEN = "7000000001:AAH-secret-bot-token_xyz"


class Sleeps(list[float]):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def no_jitter() -> float:
    return 0.0


def _everything_said_about(error: BaseException) -> str:
    """The error's text, repr, notes and traceback, chained causes included: what a log could show."""
    return "".join(traceback.format_exception(error)) + repr(error) + repr(vars(error))


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- Twilio -------------------------------------------------------------------------------------
@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with running_fake_twilio(auth_token=AUTH_TOKEN) as fake:
        yield fake


def _twilio(fake: FakeTwilio, timeout: float = 10.0) -> TwilioAdapter:
    return TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, base_url=fake.url, timeout=timeout)


def _sms(
    channel: Channel = Channel.SMS, to: str = "+33612345678", sender: str = "+33700000001"
) -> OutboundMessage:
    return OutboundMessage(
        channel=channel,
        to=to,
        body="Bonjour Léa, votre devis est prêt.",
        idempotency_key="act-01JSMS",
        sender=sender,
        status_callback_url="https://api.example.com/webhooks/t-1/twilio/status",
    )


def test_twilio_sms_posts_the_message_form_to_the_account(twilio: FakeTwilio) -> None:
    # Given a Twilio adapter pointed at the fake
    adapter = _twilio(twilio)
    # When an SMS is sent
    receipt = adapter.send(_sms())
    # Then the Messages resource of the account got the form, with the account's Basic auth
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.body == {
        "To": "+33612345678",
        "From": "+33700000001",
        "Body": "Bonjour Léa, votre devis est prêt.",
        "StatusCallback": "https://api.example.com/webhooks/t-1/twilio/status",
    }
    expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected_auth}"
    # And the receipt names the message Twilio created
    [accepted] = twilio.sent
    assert receipt.provider == "twilio"
    assert receipt.provider_message_id == accepted["sid"]
    assert receipt.provider_message_id.startswith("SM")
    assert receipt.status == "queued"


def test_twilio_whatsapp_prefixes_both_addresses_once(twilio: FakeTwilio) -> None:
    # Given one WhatsApp message with plain numbers and one already prefixed
    adapter = _twilio(twilio)
    adapter.send(_sms(Channel.WHATSAPP))
    adapter.send(_sms(Channel.WHATSAPP, to="whatsapp:+33612345678", sender="whatsapp:+33700000001"))
    # Then Twilio got whatsapp: addresses both times, never doubled
    for request in twilio.requests:
        assert request.body["To"] == "whatsapp:+33612345678"
        assert request.body["From"] == "whatsapp:+33700000001"
    assert len(twilio.sent) == 2


def test_twilio_429_with_retry_after_is_retried_and_sent_exactly_once(twilio: FakeTwilio) -> None:
    # Given Twilio rate-limits the first request and asks for 2 s
    twilio.script.append(twilio_error(429, 20429, "Too Many Requests", retry_after=2))
    sleeps = Sleeps()
    # When the message is sent with retries
    outcome = send_with_retry(_twilio(twilio), _sms(), sleep=sleeps, rand=no_jitter)
    # Then the second try went through, after waiting what Twilio asked
    assert len(twilio.requests) == 2
    assert len(twilio.sent) == 1
    assert outcome.attempts == 2
    assert sleeps == [2.0]
    assert outcome.waited >= 2.0
    assert outcome.receipt.provider_message_id == twilio.sent[0]["sid"]
    # And both tries carried the very same message
    assert twilio.requests[0].body == twilio.requests[1].body


def test_twilio_opted_out_21610_is_permanent_and_never_retried(twilio: FakeTwilio) -> None:
    # Given the lead replied STOP
    twilio.script.append(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    sleeps = Sleeps()
    # When the message is sent with retries
    with pytest.raises(PermanentSendError) as raised:
        send_with_retry(_twilio(twilio), _sms(), sleep=sleeps, rand=no_jitter)
    # Then it failed for good on the first request, flagged as an opt-out, with Twilio's code
    assert raised.value.opted_out
    assert not raised.value.invalid_address
    assert raised.value.code == "21610"
    assert raised.value.http_status == 400
    assert "unsubscribed" in raised.value.reason
    assert len(twilio.requests) == 1
    assert sleeps == []
    assert twilio.sent == []


@pytest.mark.parametrize("code", [21211, 21614, 63003])
def test_twilio_invalid_number_is_permanent_and_flags_the_address(twilio: FakeTwilio, code: int) -> None:
    twilio.script.append(twilio_error(400, code, "The 'To' number +3360 is not a valid phone number."))
    with pytest.raises(PermanentSendError) as raised:
        _twilio(twilio).send(_sms(to="+3360"))
    assert raised.value.invalid_address
    assert not raised.value.opted_out
    assert raised.value.code == str(code)


def test_twilio_whatsapp_outside_the_24h_window_is_permanent(twilio: FakeTwilio) -> None:
    twilio.script.append(twilio_error(400, 63016, "Failed to send freeform message outside the window"))
    with pytest.raises(PermanentSendError) as raised:
        _twilio(twilio).send(_sms(Channel.WHATSAPP))
    assert raised.value.code == "63016"
    assert "24-hour" in raised.value.reason
    assert not raised.value.opted_out
    assert not raised.value.invalid_address


def test_twilio_refused_credentials_are_permanent(twilio: FakeTwilio) -> None:
    # Given a wrong auth token (the fake checks Basic auth against the account)
    adapter = TwilioAdapter(ACCOUNT_SID, "wrong-token", base_url=twilio.url)
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(_sms())
    assert raised.value.code == "20003"
    assert raised.value.http_status == 401
    assert "credentials" in raised.value.reason
    assert twilio.sent == []


@pytest.mark.parametrize("status", [500, 503])
def test_twilio_server_error_is_transient(twilio: FakeTwilio, status: int) -> None:
    twilio.script.append(twilio_error(status, status, "Service unavailable"))
    with pytest.raises(TransientSendError) as raised:
        _twilio(twilio).send(_sms())
    assert raised.value.http_status == status
    assert raised.value.retry_after is None


def test_twilio_html_502_from_a_proxy_is_transient(twilio: FakeTwilio) -> None:
    twilio.script.append(raw_reply(502, "<html>Bad Gateway</html>"))
    with pytest.raises(TransientSendError) as raised:
        _twilio(twilio).send(_sms())
    assert raised.value.http_status == 502


def test_twilio_transient_errors_give_up_after_the_policy_attempts(twilio: FakeTwilio) -> None:
    # Given Twilio fails four times in a row
    twilio.script.extend([twilio_error(503, 503, "Service unavailable")] * 4 + [ACCEPT])
    sleeps = Sleeps()
    # When the message is sent with the default policy (4 tries)
    with pytest.raises(TransientSendError) as raised:
        send_with_retry(_twilio(twilio), _sms(), sleep=sleeps, rand=lambda: 0.5)
    # Then the last error comes back after 4 requests and 3 capped waits
    assert len(twilio.requests) == 4
    assert sleeps == [0.25, 0.5, 1.0]
    assert any("4 tries" in note for note in raised.value.__notes__)
    assert twilio.sent == []


def test_twilio_retry_after_beyond_the_budget_is_left_to_the_caller(twilio: FakeTwilio) -> None:
    # Given Twilio asks to come back in a minute, more than one request may wait
    twilio.script.append(twilio_error(429, 20429, "Too Many Requests", retry_after=60))
    sleeps = Sleeps()
    with pytest.raises(TransientSendError) as raised:
        send_with_retry(_twilio(twilio), _sms(), RetryPolicy(budget_seconds=20), sleep=sleeps, rand=no_jitter)
    # Then nothing waited and the error still says how long Twilio wants (for the queue's redelivery)
    assert sleeps == []
    assert raised.value.retry_after == 60.0
    assert len(twilio.requests) == 1


def test_twilio_answer_after_the_timeout_is_unconfirmed_and_never_retried(twilio: FakeTwilio) -> None:
    # Given Twilio takes the message but answers later than the adapter's timeout
    twilio.script.append(delayed(1.0))
    sleeps = Sleeps()

    # When it is sent with retries
    with pytest.raises(UnconfirmedSendError) as raised:
        send_with_retry(_twilio(twilio, timeout=0.2), _sms(), sleep=sleeps, rand=no_jitter)

    # Then the outcome is unknown, not a failure: one request, no retry, and Twilio did send it once
    assert "may have left" in raised.value.reason
    assert not isinstance(raised.value, TransientSendError)
    assert sleeps == []
    assert len(twilio.requests) == 1
    deadline = time.monotonic() + 5
    while not twilio.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(twilio.sent) == 1


def test_twilio_unreachable_is_transient() -> None:
    # A refused connection never carried the request: retrying it cannot send twice.
    adapter = TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, base_url=_closed_port_url(), timeout=1.0)
    with pytest.raises(TransientSendError, match="unreachable"):
        adapter.send(_sms())


# --- Resend -------------------------------------------------------------------------------------
@pytest.fixture
def resend() -> Iterator[FakeResend]:
    with running_fake_resend(api_key=RESEND_KEY) as fake:
        yield fake


def _resend(fake: FakeResend, timeout: float = 10.0) -> ResendAdapter:
    return ResendAdapter(RESEND_KEY, base_url=fake.url, timeout=timeout)


def _email(to: str = "lea@example.fr", key: str = "act-01JEMAIL") -> OutboundMessage:
    return OutboundMessage(
        channel=Channel.EMAIL,
        to=to,
        body="Bonjour Léa,\nvotre devis est prêt.",
        html="<p>Bonjour Léa,<br>votre devis est prêt.</p>",
        subject="Votre devis",
        sender="Max <max@studio-lea.fr>",
        idempotency_key=key,
        tags={"tenant": "t-1", "activity id": "01JEMAIL", "lead": "léa/42"},
    )


def test_resend_sends_the_email_with_the_message_idempotency_key(resend: FakeResend) -> None:
    # When an e-mail is sent
    message = _email()
    receipt = _resend(resend).send(message)
    # Then Resend got it with our key as Idempotency-Key and the API key as bearer
    [request] = resend.requests
    assert request.path == "/emails"
    assert request.headers["idempotency-key"] == message.idempotency_key
    assert request.headers["authorization"] == f"Bearer {RESEND_KEY}"
    assert request.body["from"] == "Max <max@studio-lea.fr>"
    assert request.body["to"] == ["lea@example.fr"]
    assert request.body["subject"] == "Votre devis"
    assert request.body["text"] == message.body
    assert request.body["html"] == message.html
    # And the tags were reduced to the characters Resend accepts
    assert request.body["tags"] == [
        {"name": "tenant", "value": "t-1"},
        {"name": "activity_id", "value": "01JEMAIL"},
        {"name": "lead", "value": "l_a_42"},
    ]
    assert receipt.provider == "resend"
    assert receipt.provider_message_id == resend.sent[0]["id"]
    assert receipt.status == "sent"


def test_resend_gets_our_thread_headers_between_angle_brackets_and_the_reply_to(resend: FakeResend) -> None:
    # Given a follow-up e-mail in a thread of two earlier e-mails
    message = replace(
        _email(),
        message_id="c3.L1@studio-lea.fr",
        reply_to="replies@studio-lea.inbound.example",
        in_reply_to="b2.L1@studio-lea.fr",
        references=("a1.L1@studio-lea.fr", "b2.L1@studio-lea.fr"),
    )
    # When it is sent
    _resend(resend).send(message)
    # Then Resend got the ids as RFC 5322 writes them, and where replies go
    [request] = resend.requests
    assert request.body["headers"] == {
        "Message-ID": "<c3.L1@studio-lea.fr>",
        "In-Reply-To": "<b2.L1@studio-lea.fr>",
        "References": "<a1.L1@studio-lea.fr> <b2.L1@studio-lea.fr>",
    }
    assert request.body["reply_to"] == "replies@studio-lea.inbound.example"


def test_resend_gets_no_headers_a_message_does_not_have(resend: FakeResend) -> None:
    _resend(resend).send(_email())
    [request] = resend.requests
    assert "headers" not in request.body
    assert "reply_to" not in request.body


def test_resend_a_second_send_with_the_same_key_is_not_a_second_email(resend: FakeResend) -> None:
    # Given an e-mail already sent
    adapter = _resend(resend)
    first = adapter.send(_email())
    # When the same message is sent again (a retry after a lost answer, a redelivered job)
    second = adapter.send(_email())
    # Then Resend answers the same e-mail and sends nothing more
    assert second.provider_message_id == first.provider_message_id
    assert len(resend.requests) == 2
    assert len(resend.sent) == 1
    # While another key is another e-mail
    assert adapter.send(_email(key="act-01JOTHER")).provider_message_id != first.provider_message_id
    assert len(resend.sent) == 2


def test_resend_429_is_retried_with_the_same_key_and_sent_once(resend: FakeResend) -> None:
    resend.script.append(resend_error(429, "rate_limit_exceeded", "Too many requests.", retry_after=1))
    sleeps = Sleeps()
    outcome = send_with_retry(_resend(resend), _email(), sleep=sleeps, rand=no_jitter)
    assert outcome.attempts == 2
    assert sleeps == [1.0]
    assert outcome.waited >= 1.0
    assert len(resend.sent) == 1
    assert [r.headers["idempotency-key"] for r in resend.requests] == ["act-01JEMAIL"] * 2


def test_resend_429_error_carries_retry_after(resend: FakeResend) -> None:
    resend.script.append(resend_error(429, "rate_limit_exceeded", "Too many requests.", retry_after=3))
    with pytest.raises(TransientSendError) as raised:
        _resend(resend).send(_email())
    assert raised.value.retry_after == 3.0
    assert raised.value.http_status == 429
    assert raised.value.code == "rate_limit_exceeded"


def test_resend_invalid_recipient_is_permanent_and_flags_the_address(resend: FakeResend) -> None:
    with pytest.raises(PermanentSendError) as raised:
        send_with_retry(_resend(resend), _email(to="not-an-address"), sleep=Sleeps())
    assert raised.value.invalid_address
    assert raised.value.http_status == 422
    assert len(resend.requests) == 1


def test_resend_invalid_sender_is_permanent_but_not_about_the_address(resend: FakeResend) -> None:
    resend.script.append(resend_error(422, "validation_error", "Invalid `from` field."))
    with pytest.raises(PermanentSendError) as raised:
        _resend(resend).send(_email())
    assert not raised.value.invalid_address


def test_resend_refused_api_key_is_permanent(resend: FakeResend) -> None:
    adapter = ResendAdapter("re_wrong", base_url=resend.url)
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(_email())
    assert raised.value.http_status == 403
    assert "credentials" in raised.value.reason


def test_resend_server_error_and_concurrent_key_are_transient(resend: FakeResend) -> None:
    resend.script.extend(
        [
            resend_error(500, "application_error", "Something went wrong."),
            resend_error(409, "concurrent_idempotent_requests", "Same key is already being processed."),
        ]
    )
    for _ in range(2):
        with pytest.raises(TransientSendError):
            _resend(resend).send(_email())
    assert resend.sent == []


def test_resend_refusing_a_key_used_for_another_email_says_one_left_under_it(resend: FakeResend) -> None:
    # Given an e-mail accepted under a key
    adapter = _resend(resend)
    first = adapter.send(_email())
    # When another e-mail (another recipient) is sent under the same key
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(_email(to="lea.martin@example.fr"))
    # Then Resend's 409 is permanent, flagged as the key's reuse, not as a bad address
    assert raised.value.key_reused
    assert (raised.value.http_status, raised.value.code) == (409, "invalid_idempotent_request")
    assert not raised.value.invalid_address
    assert [e["id"] for e in resend.sent] == [first.provider_message_id]


def test_resend_timeout_is_transient_and_the_retry_does_not_send_twice(resend: FakeResend) -> None:
    # Given Resend takes longer than the adapter's timeout but does accept the e-mail
    resend.script.append(delayed(0.5))
    adapter = _resend(resend, timeout=0.2)
    with pytest.raises(TransientSendError, match="unreachable"):
        adapter.send(_email())
    _wait_until(lambda: len(resend.sent) == 1)
    # When the same message is sent again
    receipt = adapter.send(_email())
    # Then the idempotency key made it the same e-mail
    assert len(resend.sent) == 1
    assert receipt.provider_message_id == resend.sent[0]["id"]


def test_resend_unreachable_is_transient() -> None:
    with pytest.raises(TransientSendError, match="unreachable"):
        ResendAdapter(RESEND_KEY, base_url=_closed_port_url(), timeout=1.0).send(_email())


def _wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the fake never got there"
        time.sleep(0.02)


# --- Telegram -----------------------------------------------------------------------------------
@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with running_fake_telegram(bot_token=BOT_TOKEN) as fake:
        yield fake


def _telegram(fake: FakeTelegram, timeout: float = 10.0) -> TelegramAdapter:
    return TelegramAdapter(BOT_TOKEN, base_url=fake.url, timeout=timeout)


def _telegram_message(chat_id: str = "424242") -> OutboundMessage:
    return OutboundMessage(
        channel=Channel.TELEGRAM, to=chat_id, body="Bonjour Léa, on se cale un appel ?", idempotency_key="k"
    )


def test_telegram_sends_to_the_bot_method_and_names_the_message_by_chat(telegram: FakeTelegram) -> None:
    adapter = _telegram(telegram)
    first = adapter.send(_telegram_message())
    second = adapter.send(_telegram_message())
    [request, _] = telegram.requests
    assert request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert request.body == {"chat_id": "424242", "text": "Bonjour Léa, on se cale un appel ?"}
    # Message ids count per chat, so the receipt pairs them
    assert (first.provider_message_id, second.provider_message_id) == ("424242:1", "424242:2")
    assert first.provider == "telegram"
    assert first.status == "sent"


def test_telegram_sets_the_bots_command_menu(telegram: FakeTelegram) -> None:
    _telegram(telegram).set_commands([("rdv", "Prendre rendez-vous"), ("tarifs", "Nos tarifs")])

    [request] = telegram.requests
    assert request.path == f"/bot{BOT_TOKEN}/setMyCommands"
    assert telegram.menu == [
        {"command": "rdv", "description": "Prendre rendez-vous"},
        {"command": "tarifs", "description": "Nos tarifs"},
    ]
    assert telegram.sent == []


def test_telegram_refusing_a_command_menu_is_permanent_and_keeps_the_old_one(telegram: FakeTelegram) -> None:
    _telegram(telegram).set_commands([("tarifs", "Nos tarifs")])

    with pytest.raises(PermanentSendError) as raised:
        _telegram(telegram).set_commands([("Tarifs", "Nos tarifs")])

    assert raised.value.http_status == 400
    assert "BOT_COMMAND_INVALID" in raised.value.reason
    assert telegram.menu == [{"command": "tarifs", "description": "Nos tarifs"}]


def test_telegram_bot_blocked_is_an_opt_out_never_retried(telegram: FakeTelegram) -> None:
    telegram.script.append(telegram_error(403, "Forbidden: bot was blocked by the user"))
    sleeps = Sleeps()
    with pytest.raises(PermanentSendError) as raised:
        send_with_retry(_telegram(telegram), _telegram_message(), sleep=sleeps)
    assert raised.value.opted_out
    assert raised.value.code == "403"
    assert len(telegram.requests) == 1
    assert sleeps == []
    assert BOT_TOKEN not in _everything_said_about(raised.value)


def test_telegram_chat_not_found_flags_the_address(telegram: FakeTelegram) -> None:
    telegram.script.append(telegram_error(400, "Bad Request: chat not found"))
    with pytest.raises(PermanentSendError) as raised:
        _telegram(telegram).send(_telegram_message("999"))
    assert raised.value.invalid_address
    assert not raised.value.opted_out


def test_telegram_429_is_retried_after_the_bot_api_retry_after(telegram: FakeTelegram) -> None:
    telegram.script.append(telegram_error(429, "Too Many Requests: retry after 3", retry_after=3))
    sleeps = Sleeps()
    outcome = send_with_retry(_telegram(telegram), _telegram_message(), sleep=sleeps, rand=no_jitter)
    assert sleeps == [3.0]
    assert outcome.waited >= 3.0
    assert outcome.attempts == 2
    assert len(telegram.requests) == 2
    assert len(telegram.sent) == 1


def test_telegram_server_error_is_transient(telegram: FakeTelegram) -> None:
    telegram.script.append(raw_reply(502, "<html>Bad Gateway</html>"))
    with pytest.raises(TransientSendError) as raised:
        _telegram(telegram).send(_telegram_message())
    assert raised.value.http_status == 502


def test_telegram_refused_token_is_permanent_and_not_quoted(telegram: FakeTelegram) -> None:
    adapter = TelegramAdapter("7000000001:AAH-another-secret", base_url=telegram.url)
    with pytest.raises(PermanentSendError) as raised:
        adapter.send(_telegram_message())
    assert raised.value.http_status == 401
    assert "credentials" in raised.value.reason
    assert "AAH-another-secret" not in _everything_said_about(raised.value)


def test_telegram_timeout_is_transient_and_never_shows_the_token(telegram: FakeTelegram) -> None:
    telegram.delay_seconds = 2.0
    with pytest.raises(TransientSendError) as raised:
        _telegram(telegram, timeout=0.2).send(_telegram_message())
    assert "unreachable" in raised.value.reason
    assert BOT_TOKEN not in _everything_said_about(raised.value)
    assert BOT_TOKEN not in repr(_telegram(telegram))


def test_telegram_unreachable_is_transient_and_never_shows_the_token() -> None:
    adapter = TelegramAdapter(BOT_TOKEN, base_url=_closed_port_url(), timeout=1.0)
    with pytest.raises(TransientSendError) as raised:
        adapter.send(_telegram_message())
    assert BOT_TOKEN not in _everything_said_about(raised.value)
