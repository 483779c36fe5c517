"""Sending messages, the channels, the outbox and the unified inbox through the handler.

The real Twilio and Resend SDKs and the Bot API client talk to local fake providers
(tests/support/fake_providers.py); credentials go to SSM on the moto server; the data to a real
DynamoDB API. Every test runs with the three fakes up, so nothing can ever reach a real provider.

The tenants get their settings only, not the built-in template library: seeding it for every test
would fill the module's table, and moto copies the whole table for each item of a transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.suppressions import SuppressionRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.tenant import Tenant
from maxcore.settings import reset_settings
from tests.support.api import ApiClient, ApiResponse
from tests.support.fake_providers import (
    FakeResend,
    FakeTelegram,
    FakeTwilio,
    running_fake_resend,
    running_fake_telegram,
    running_fake_twilio,
    telegram_error,
    twilio_error,
)

pytestmark = pytest.mark.integration

MESSAGING = "functions/messaging/"
LEADS = "functions/leads/"
TEMPLATES = "functions/templates/"
ALERTS = "functions/alerts/"

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
RESEND_KEY = "re_live_Key_0123456789"
RESEND_WEBHOOK_SECRET = "whsec_c2VjcmV0LXNpZ25pbmcta2V5"
BOT_TOKEN = "7000000001:AAH-secret-bot-token_xyz0123456789"
SECRETS = (ACCOUNT_SID, AUTH_TOKEN, RESEND_KEY, RESEND_WEBHOOK_SECRET, BOT_TOKEN)

SMS_SENDER = "+33757000001"  # senders must be real numbers: +33 700... is not an open range
WHATSAPP_SENDER = "+33757000002"
PHONE = "+33612345678"
EMAIL = "sophie@example.fr"
TENANT_NAME = "Institut Belle Peau"


# --- fixtures -----------------------------------------------------------------------------------
@dataclass
class Fakes:
    twilio: FakeTwilio
    resend: FakeResend
    telegram: FakeTelegram

    @property
    def requests(self) -> int:
        """Requests the three providers received together."""
        return len(self.twilio.requests) + len(self.resend.requests) + len(self.telegram.requests)


@pytest.fixture(autouse=True)
def fakes(ssm_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    """The three fake providers, checking the tenant's credentials, and the code pointed at them."""
    with (
        running_fake_twilio(auth_token=AUTH_TOKEN) as twilio,
        running_fake_resend(api_key=RESEND_KEY) as resend,
        running_fake_telegram(bot_token=BOT_TOKEN) as telegram,
    ):
        monkeypatch.setenv("TWILIO_API_URL", twilio.url)
        monkeypatch.setenv("RESEND_API_URL", resend.url)
        monkeypatch.setenv("TELEGRAM_API_URL", telegram.url)
        monkeypatch.delenv("PUBLIC_API_URL", raising=False)
        reset_settings()
        yield Fakes(twilio, resend, telegram)
    # Forget the settings read with the fakes' URLs; monkeypatch restores the environment next.
    reset_settings()


def _tenant(tenant_id: str) -> str:
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name=TENANT_NAME, created_at=now, updated_at=now)
    )
    return tenant_id


@pytest.fixture
def tenant(tenant_id: str) -> str:
    return _tenant(tenant_id)


@pytest.fixture
def api(tenant: str) -> ApiClient:
    return ApiClient(MESSAGING, tenant, role="admin", sub="boss-1")


@pytest.fixture
def member(tenant: str) -> ApiClient:
    return ApiClient(MESSAGING, tenant, role="member", sub="rep-1")


@pytest.fixture
def leads(tenant: str) -> ApiClient:
    return ApiClient(LEADS, tenant)


@pytest.fixture
def activities(tenant: str) -> ApiClient:
    return ApiClient(ALERTS, tenant, role="member", sub="rep-1")


@pytest.fixture
def templates(tenant: str) -> ApiClient:
    return ApiClient(TEMPLATES, tenant)


# --- helpers ------------------------------------------------------------------------------------
def _lead(leads: ApiClient, **fields: Any) -> str:
    response = leads.post("/leads", {"first_name": "Sophie", **fields})
    assert response.status == 201, response.body
    return str(response.body["id"])


def _send(api: ApiClient, key: str | None = None, **body: Any) -> ApiResponse:
    headers = {} if key is None else {"idempotency-key": key}
    return api.post("/messages", body, headers=headers)


def _sent(api: ApiClient, key: str | None = None, **body: Any) -> dict[str, Any]:
    response = _send(api, key, **body)
    assert response.status == 201, response.body
    return dict(response.body)


def _refused(response: ApiResponse, code: str, status: int = 409) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code, response.body
    return dict(response.body["error"])


def _fields(response: ApiResponse) -> list[str]:
    """The fields a 422 names."""
    assert response.status == 422, response.body
    details = response.body["error"]["details"]
    assert isinstance(details, list), details
    return [d["field"] for d in details]


def _channel(api: ApiClient, channel: str, **body: Any) -> dict[str, Any]:
    response = api.request("PUT", f"/channels/{channel}", json_body=body)
    assert response.status == 200, response.body
    return dict(response.body)


def _twilio_on(api: ApiClient, channel: str = "sms", sender: str = SMS_SENDER) -> None:
    _channel(api, channel, credentials={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}, sender=sender)


def _messages(api: ApiClient, lead_id: str, **query: str) -> list[dict[str, Any]]:
    response = api.get(f"/leads/{lead_id}/messages", query=query)
    assert response.status == 200, response.body
    return list(response.body["items"])


def _outbox(api: ApiClient) -> list[dict[str, Any]]:
    response = api.get("/outbox")
    assert response.status == 200, response.body
    return list(response.body["items"])


def _conversations(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    response = api.get("/conversations", query=query)
    assert response.status == 200, response.body
    return list(response.body["items"])


def _sent_today(api: ApiClient, channel: str) -> int:
    response = api.get(f"/channels/{channel}")
    assert response.status == 200, response.body
    return int(response.body["sent_today"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _log(activities: ApiClient, lead_id: str, ago: timedelta, **fields: Any) -> dict[str, Any]:
    occurred_at = _iso(datetime.now(UTC) - ago)
    response = activities.post("/activities", {"lead_id": lead_id, "occurred_at": occurred_at, **fields})
    assert response.status == 201, response.body
    return dict(response.body)


def _template(templates: ApiClient, activate: bool = True, **body: Any) -> str:
    created = templates.post("/templates", body)
    assert created.status == 201, created.body
    if activate:
        active = templates.post(f"/templates/{created.body['id']}/activate")
        assert active.status == 200, active.body
    return str(created.body["id"])


# --- the outbox ---------------------------------------------------------------------------------
def test_without_credentials_a_message_goes_to_the_outbox_the_thread_and_the_inbox(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given a lead and no provider credentials at all
    lead_id = _lead(leads, phone="06 12 34 56 78")
    assert api.get("/channels/sms").body["delivery"] == "outbox"

    # When a text is sent by SMS
    sent = _sent(api, lead_id=lead_id, channel="sms", body="Bonjour Sophie, votre devis est prêt.")

    # Then it is recorded in the outbox, not sent
    assert sent["provider"] == "outbox"
    assert sent["channel"] == "sms"
    assert sent["to"] == PHONE
    assert sent["attempts"] == 1
    assert fakes.requests == 0
    outbox = _outbox(api)
    assert [e["id"] for e in outbox] == [sent["outbox_id"]]
    assert outbox[0]["channel"] == "sms"
    assert outbox[0]["to"] == PHONE
    assert outbox[0]["body"] == "Bonjour Sophie, votre devis est prêt."
    # And logged on the lead's thread as an outbound message, sent by the caller
    thread = _messages(api, lead_id)
    assert [m["id"] for m in thread] == [sent["activity"]["id"]]
    assert thread[0]["direction"] == "out"
    assert thread[0]["status"] == "sent"
    assert thread[0]["preview"] == "Bonjour Sophie, votre devis est prêt."
    assert thread[0]["provider_message_id"] == f"outbox-{sent['outbox_id']}"
    assert thread[0]["metadata"]["provider"] == "outbox"
    assert thread[0]["metadata"]["sent_by"] == "boss-1"
    # And the lead is in the inbox with that message last, nothing unread
    (row,) = _conversations(api)
    assert row["lead_id"] == lead_id
    assert row["lead_name"] == "Sophie"
    assert (row["channel"], row["direction"], row["unread"]) == ("sms", "out", 0)
    assert row["preview"] == "Bonjour Sophie, votre devis est prêt."
    assert row["channels"] == ["sms"]
    # And the day's counter counts it
    assert _sent_today(api, "sms") == 1


def test_the_outbox_pages_newest_first(api: ApiClient, leads: ApiClient) -> None:
    lead_id = _lead(leads, phone=PHONE)
    sent = [_sent(api, lead_id=lead_id, channel="sms", body=f"Message {i}")["outbox_id"] for i in range(3)]

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = api.get("/outbox", query={"limit": "1"} | ({"cursor": cursor} if cursor else {}))
        assert page.status == 200, page.body
        seen += [e["id"] for e in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break

    assert seen == list(reversed(sent))


# --- Twilio ---------------------------------------------------------------------------------------
def test_twilio_credentials_are_stored_write_only(api: ApiClient) -> None:
    # When an admin sets the Twilio credentials and the SMS sender (typed the French way)
    response = api.request(
        "PUT",
        "/channels/sms",
        json_body={
            "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN},
            "sender": "+33 7 57 00 00 01",
        },
    )

    # Then the channel says they are set and delivers through the provider
    assert response.status == 200, response.body
    assert response.body["credentials"] == {"account_sid": True, "auth_token": True}
    assert response.body["delivery"] == "provider"
    assert response.body["sender"] == SMS_SENDER
    assert response.body["provider"] == "twilio"
    assert response.body["webhook_path"] == f"/webhooks/twilio/{api.claims['tenant_id']}"  # type: ignore[index]
    shown = api.get("/channels/sms")
    assert shown.body["credentials"] == {"account_sid": True, "auth_token": True}
    assert shown.body["delivery"] == "provider"
    # And WhatsApp, on the same Twilio account, has them too
    assert api.get("/channels/whatsapp").body["delivery"] == "provider"
    # And the secrets appear in no answer
    listed = api.get("/channels")
    for answer in (response, shown, listed):
        text = json.dumps(answer.body)
        assert not any(secret in text for secret in SECRETS), text


def test_pasted_credentials_are_stored_trimmed(api: ApiClient, leads: ApiClient, fakes: Fakes) -> None:
    # Given credentials pasted with a newline and spaces around them
    _channel(
        api,
        "sms",
        credentials={"account_sid": f" {ACCOUNT_SID}", "auth_token": f"{AUTH_TOKEN}\n"},
        sender=SMS_SENDER,
    )
    lead_id = _lead(leads, phone=PHONE)

    # Then Twilio (which checks the Basic auth) accepts the send: the values were stored trimmed
    _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")
    assert len(fakes.twilio.sent) == 1


def test_an_sms_goes_through_the_twilio_sdk_with_its_status_callback(
    api: ApiClient, leads: ApiClient, fakes: Fakes, monkeypatch: pytest.MonkeyPatch, tenant: str
) -> None:
    # Given Twilio set up and the API's public URL known
    monkeypatch.setenv("PUBLIC_API_URL", "https://api.max.example/")
    reset_settings()
    _twilio_on(api)
    lead_id = _lead(leads, phone="06 12 34 56 78")

    # When an SMS is sent
    sent = _sent(api, lead_id=lead_id, channel="sms", body="Votre rendez-vous est confirmé.")

    # Then Twilio got it from the tenant's account, with the callback to the tenant's webhook
    (request,) = fakes.twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.body["To"] == PHONE
    assert request.body["From"] == SMS_SENDER
    assert request.body["Body"] == "Votre rendez-vous est confirmé."
    # (its query names our record of the message, so the callback finds it even without the SID)
    assert request.body["StatusCallback"] == (
        f"https://api.max.example/webhooks/twilio/{tenant}?ref={sent['activity']['id']}"
    )
    (accepted,) = fakes.twilio.sent
    # And the activity holds Twilio's SID, queued as Twilio answered
    assert sent["provider"] == "twilio"
    assert sent["attempts"] == 1
    assert sent["activity"]["provider_message_id"] == accepted["sid"]
    assert sent["activity"]["status"] == "queued"
    (logged,) = _messages(api, lead_id)
    assert logged["provider_message_id"] == accepted["sid"]
    assert logged["status"] == "queued"
    assert _sent_today(api, "sms") == 1


def test_without_a_public_url_no_status_callback_is_asked(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")
    assert "StatusCallback" not in fakes.twilio.requests[0].body


def test_a_channel_with_credentials_but_no_sender_refuses_before_sending(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _channel(api, "sms", credentials={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN})
    lead_id = _lead(leads, phone=PHONE)
    _refused(_send(api, lead_id=lead_id, channel="sms", body="Bonjour"), "sender_missing")
    assert fakes.requests == 0
    assert _sent_today(api, "sms") == 0


def test_a_429_with_retry_after_is_retried_and_the_message_sent_once(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given Twilio answers the first try with a 429 and Retry-After: 0
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(429, 20429, "Too Many Requests", retry_after=0)]

    # When an SMS is sent
    sent = _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")

    # Then the second try went through: two requests, one message
    assert sent["attempts"] == 2
    assert len(fakes.twilio.requests) == 2
    assert len(fakes.twilio.sent) == 1
    assert sent["activity"]["metadata"]["attempts"] == 2
    assert sent["activity"]["provider_message_id"] == fakes.twilio.sent[0]["sid"]
    assert len(_messages(api, lead_id)) == 1
    assert _sent_today(api, "sms") == 1


def test_a_retry_after_beyond_the_budget_gives_up_at_once(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(429, 20429, "Too Many Requests", retry_after=60)]

    error = _refused(_send(api, lead_id=lead_id, channel="sms", body="Bonjour"), "upstream_error", 502)

    assert error["details"]["retry_after"] == 60
    assert len(fakes.twilio.requests) == 1
    assert _messages(api, lead_id) == []
    assert _sent_today(api, "sms") == 0


def test_an_unsubscribed_recipient_revokes_consent_and_is_not_asked_again(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given Twilio refuses the number: the lead replied STOP at Twilio (21610)
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")]

    # When an SMS is sent
    response = _send(api, lead_id=lead_id, channel="sms", body="Promo de printemps")

    # Then it is a 409 opted_out naming Twilio's code
    error = _refused(response, "opted_out")
    assert error["details"]["provider_code"] == "21610"
    assert error["details"]["provider"] == "twilio"
    # And the lead's SMS consent is revoked, with the provider's reason; WhatsApp is left alone
    lead = ApiClient(LEADS, api.claims["tenant_id"]).get(f"/leads/{lead_id}")  # type: ignore[index]
    assert lead.status == 200, lead.body
    assert lead.body["consent"]["sms"]["granted"] is False
    assert "21610" in lead.body["consent"]["sms"]["reason"]
    assert "whatsapp" not in lead.body["consent"]
    # And the refused message is on the thread as failed
    (failed,) = _messages(api, lead_id)
    assert failed["status"] == "failed"
    assert failed["error_code"] == "21610"
    assert failed["preview"] == "Promo de printemps"
    assert failed["provider_message_id"] is None
    # And the refusal does not count against the cap
    assert _sent_today(api, "sms") == 0

    # When another SMS is tried, Then it is refused here, without asking Twilio again
    _refused(_send(api, lead_id=lead_id, channel="sms", body="Et maintenant ?"), "opted_out")
    assert len(fakes.twilio.requests) == 1


def test_an_invalid_number_is_refused_without_touching_consent(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(400, 21211, "The 'To' number is not a valid phone number.")]

    error = _refused(_send(api, lead_id=lead_id, channel="sms", body="Bonjour"), "invalid_address")

    assert error["details"]["provider_code"] == "21211"
    assert len(fakes.twilio.requests) == 1
    lead = ApiClient(LEADS, api.claims["tenant_id"]).get(f"/leads/{lead_id}").body  # type: ignore[index]
    assert lead["consent"] == {}
    (failed,) = _messages(api, lead_id)
    assert (failed["status"], failed["error_code"]) == ("failed", "21211")
    assert _sent_today(api, "sms") == 0


def test_credentials_twilio_refuses_are_a_409_that_does_not_show_them(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given a well-formed auth token that is not the account's
    wrong_token = "ffffffffffffffffffffffffffffffff"
    _channel(
        api, "sms", credentials={"account_sid": ACCOUNT_SID, "auth_token": wrong_token}, sender=SMS_SENDER
    )
    lead_id = _lead(leads, phone=PHONE)

    response = _send(api, lead_id=lead_id, channel="sms", body="Bonjour")

    # Then Twilio's 401 is a refusal saying to check the credentials, tried once, without the secret
    error = _refused(response, "provider_refused")
    assert "credentials" in error["message"]
    assert wrong_token not in json.dumps(response.body)
    assert len(fakes.twilio.requests) == 1
    assert fakes.twilio.sent == []
    assert _sent_today(api, "sms") == 0


def test_a_provider_that_keeps_failing_is_a_502_and_nothing_is_recorded(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given Twilio answers 503 to every one of the four tries
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(503, 20503, "Service Unavailable")] * 4

    # When an SMS is sent with an idempotency key
    response = _send(api, "order-2026-0001", lead_id=lead_id, channel="sms", body="Bonjour")

    # Then it is a 502 after four tries, nothing sent, nothing recorded, nothing counted
    _refused(response, "upstream_error", 502)
    assert len(fakes.twilio.requests) == 4
    assert fakes.twilio.sent == []
    assert _messages(api, lead_id) == []
    assert _sent_today(api, "sms") == 0
    assert _conversations(api) == []

    # When the client retries with the same key once Twilio is back, Then it is sent (the key is free)
    sent = _sent(api, "order-2026-0001", lead_id=lead_id, channel="sms", body="Bonjour")
    assert sent["attempts"] == 1
    assert len(fakes.twilio.sent) == 1
    assert _sent_today(api, "sms") == 1


# --- idempotency ----------------------------------------------------------------------------------
def test_the_same_idempotency_key_sends_once(api: ApiClient, leads: ApiClient, fakes: Fakes) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    body = {"lead_id": lead_id, "channel": "sms", "body": "Bonjour"}

    # When the same request comes twice with one key
    first = _sent(api, "5b0c2a52-0a6e-4d1e-9c7e-01", **body)
    again = _sent(api, "5b0c2a52-0a6e-4d1e-9c7e-01", **body)

    # Then the second answers the first's result, and Twilio got one request
    assert again["activity"]["id"] == first["activity"]["id"]
    assert again["activity"]["provider_message_id"] == first["activity"]["provider_message_id"]
    assert len(fakes.twilio.requests) == 1
    assert len(_messages(api, lead_id)) == 1
    assert _sent_today(api, "sms") == 1

    # And the same key with another body is refused, without sending
    other = _send(api, "5b0c2a52-0a6e-4d1e-9c7e-01", **{**body, "body": "Autre chose"})
    assert other.status == 422, other.body
    assert other.body["error"]["details"] == {"idempotency": "key_reused"}
    assert len(fakes.twilio.requests) == 1


def test_an_idempotency_key_belongs_to_its_tenant(
    api: ApiClient, leads: ApiClient, fakes: Fakes, other_tenant_id: str
) -> None:
    # Given two tenants using the same client key for their own leads
    _twilio_on(api)
    other_api = ApiClient(MESSAGING, _tenant(other_tenant_id))
    _twilio_on(other_api)
    mine = _lead(leads, phone=PHONE)
    theirs = _lead(ApiClient(LEADS, other_tenant_id), phone=PHONE)

    first = _sent(api, "shared-key-0001", lead_id=mine, channel="sms", body="Bonjour")
    second = _sent(other_api, "shared-key-0001", lead_id=theirs, channel="sms", body="Bonjour")

    # Then both are sent: a key never answers another tenant's message
    assert first["activity"]["id"] != second["activity"]["id"]
    assert len(fakes.twilio.sent) == 2


def test_without_a_key_two_requests_are_two_messages(api: ApiClient, leads: ApiClient, fakes: Fakes) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)

    first = _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")
    second = _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")

    assert first["activity"]["id"] != second["activity"]["id"]
    assert len(fakes.twilio.sent) == 2
    assert [m["id"] for m in _messages(api, lead_id)] == [second["activity"]["id"], first["activity"]["id"]]
    assert _sent_today(api, "sms") == 2


# --- auto ---------------------------------------------------------------------------------------
def test_auto_reaches_a_lead_with_only_an_email_by_email_which_needs_a_subject(
    api: ApiClient, leads: ApiClient
) -> None:
    lead_id = _lead(leads, email="Sophie@Example.fr")

    # Without a subject, an e-mail cannot go
    assert _fields(_send(api, lead_id=lead_id, body="Bonjour Sophie")) == ["subject"]
    assert _outbox(api) == []

    # With one, auto picks e-mail and says why
    sent = _sent(api, lead_id=lead_id, body="Bonjour Sophie", subject="Votre devis")
    assert sent["channel"] == "email"
    assert sent["to"] == EMAIL
    assert sent["channel_reason"].startswith("e-mail est le premier canal disponible (")
    assert "SMS : pas d'adresse SMS pour ce lead" in sent["channel_reason"]
    (entry,) = _outbox(api)
    assert (entry["channel"], entry["to"], entry["subject"]) == ("email", EMAIL, "Votre devis")
    assert sent["activity"]["metadata"]["subject"] == "Votre devis"


def test_auto_skips_sms_for_a_lead_who_opted_out_of_it(api: ApiClient, leads: ApiClient) -> None:
    # Given a lead with a phone and an e-mail, who opted out of SMS
    lead_id = _lead(leads, phone=PHONE, email=EMAIL)
    changed = leads.patch(f"/leads/{lead_id}", {"consent": {"sms": False}})
    assert changed.status == 200, changed.body

    # When a message goes on auto
    sent = _sent(api, lead_id=lead_id, channel="auto", body="Bonjour", subject="Nouveautés")

    # Then it goes by e-mail, and the reason says SMS was skipped for the opt-out
    assert sent["channel"] == "email"
    assert "SMS : le lead s'est désinscrit du canal SMS" in sent["channel_reason"]
    assert sent["activity"]["metadata"]["channel_reason"] == sent["channel_reason"]
    # And asking SMS outright is refused
    _refused(_send(api, lead_id=lead_id, channel="sms", body="Bonjour"), "opted_out")


def test_auto_with_nothing_reachable_is_a_409_no_channel(api: ApiClient, leads: ApiClient) -> None:
    # Given a lead reachable only by SMS, who opted out of it (WhatsApp: never wrote)
    lead_id = _lead(leads, phone=PHONE, consent={"sms": False})

    response = _send(api, lead_id=lead_id, body="Bonjour")

    error = _refused(response, "no_channel")
    for cause in ("sms: opted_out", "email: no_address", "whatsapp: whatsapp_window_closed"):
        assert cause in error["message"]
    assert error["details"]["lead_id"] == lead_id
    assert _outbox(api) == []
    assert _messages(api, lead_id) == []


# --- WhatsApp -----------------------------------------------------------------------------------
def test_whatsapp_outside_the_window_needs_an_approved_whatsapp_template(
    api: ApiClient, leads: ApiClient, templates: ApiClient, fakes: Fakes
) -> None:
    # Given WhatsApp set up on Twilio and a lead who never wrote on WhatsApp
    _twilio_on(api, "whatsapp", WHATSAPP_SENDER)
    lead_id = _lead(leads, phone=PHONE)

    # A free text is refused: the 24-hour window is closed
    _refused(_send(api, lead_id=lead_id, channel="whatsapp", body="Bonjour"), "whatsapp_window_closed")
    # So is an active WhatsApp template that is no approved Twilio Content
    template_id = _template(
        templates, channel="whatsapp", name="Relance WA", body="Bonjour {{firstName|Madame}}, on en parle ?"
    )
    _refused(
        _send(api, lead_id=lead_id, channel="whatsapp", template_id=template_id), "whatsapp_window_closed"
    )
    assert fakes.requests == 0

    # Once approved, it goes as its Content to the whatsapp: addresses
    content_sid = "HX" + "5" * 32
    registered = templates.request(
        "PUT",
        f"/templates/{template_id}/whatsapp",
        json_body={"content_sid": content_sid, "state": "approved"},
    )
    assert registered.status == 200, registered.body
    sent = _sent(api, lead_id=lead_id, channel="whatsapp", template_id=template_id)
    assert sent["channel"] == "whatsapp"
    (request,) = fakes.twilio.requests
    assert request.body["To"] == f"whatsapp:{PHONE}"
    assert request.body["From"] == f"whatsapp:{WHATSAPP_SENDER}"
    assert request.body["ContentSid"] == content_sid
    assert json.loads(request.body["ContentVariables"]) == {"1": "Sophie"}


def test_whatsapp_free_text_goes_once_the_lead_wrote_within_24_hours(
    api: ApiClient, leads: ApiClient, activities: ApiClient, fakes: Fakes
) -> None:
    _twilio_on(api, "whatsapp", WHATSAPP_SENDER)
    lead_id = _lead(leads, phone=PHONE)
    _log(activities, lead_id, timedelta(hours=23), channel="whatsapp", direction="in", preview="Bonjour")

    sent = _sent(api, lead_id=lead_id, channel="whatsapp", body="Bonjour, que puis-je pour vous ?")

    assert sent["provider"] == "twilio"
    assert fakes.twilio.requests[0].body["Body"] == "Bonjour, que puis-je pour vous ?"


def test_a_lead_who_wrote_25_hours_ago_is_outside_the_window(
    api: ApiClient, leads: ApiClient, activities: ApiClient
) -> None:
    lead_id = _lead(leads, phone=PHONE)
    _log(activities, lead_id, timedelta(hours=25), channel="whatsapp", direction="in", preview="Bonjour")
    _refused(_send(api, lead_id=lead_id, channel="whatsapp", body="Bonjour"), "whatsapp_window_closed")


# --- templates ----------------------------------------------------------------------------------
def test_a_template_is_rendered_with_the_lead_and_the_tenant(
    api: ApiClient, leads: ApiClient, templates: ApiClient
) -> None:
    lead_id = _lead(leads, phone=PHONE, last_name="Martin")
    template_id = _template(
        templates,
        channel="sms",
        name="Relance",
        body="Bonjour {{firstName|Madame}} {{lastName}}, ici {{companyName}}.",
    )

    # On auto, the template's channel is used
    sent = _sent(api, lead_id=lead_id, template_id=template_id)

    assert sent["channel"] == "sms"
    # (a custom SMS template is marketing: the opt-out mention ends it)
    expected = f"Bonjour Sophie Martin, ici {TENANT_NAME}.\nRépondez STOP pour vous désinscrire"
    assert sent["activity"]["preview"] == expected
    assert sent["activity"]["metadata"]["template_id"] == template_id
    assert sent["activity"]["metadata"]["template_version"] == 1
    assert _outbox(api)[0]["body"] == expected


def test_a_template_with_a_custom_variable_needs_its_value(
    api: ApiClient, leads: ApiClient, templates: ApiClient
) -> None:
    lead_id = _lead(leads, phone=PHONE)
    template_id = _template(
        templates,
        channel="sms",
        name="Rendez-vous",
        body="Bonjour {{firstName}}, rendez-vous le {{appointmentDate}}.",
        variables=["appointmentDate"],
    )

    assert _fields(_send(api, lead_id=lead_id, template_id=template_id)) == ["variables.appointmentDate"]
    assert _outbox(api) == []

    sent = _sent(api, lead_id=lead_id, template_id=template_id, variables={"appointmentDate": "12 mars"})
    assert sent["activity"]["preview"].startswith("Bonjour Sophie, rendez-vous le 12 mars.\n")


def test_a_draft_template_cannot_be_sent(api: ApiClient, leads: ApiClient, templates: ApiClient) -> None:
    lead_id = _lead(leads, phone=PHONE)
    template_id = _template(templates, activate=False, channel="sms", name="Brouillon", body="Bonjour")

    error = _refused(_send(api, lead_id=lead_id, template_id=template_id), "template_not_active")

    assert error["details"] == {"template_id": template_id, "status": "draft"}
    assert _outbox(api) == []


def test_a_template_for_another_channel_than_asked_is_a_422(
    api: ApiClient, leads: ApiClient, templates: ApiClient
) -> None:
    lead_id = _lead(leads, phone=PHONE, email=EMAIL)
    template_id = _template(
        templates, channel="email", name="Devis", subject="Votre devis", body="Bonjour {{firstName}}"
    )

    response = _send(api, lead_id=lead_id, channel="sms", template_id=template_id)

    assert _fields(response) == ["channel"]
    assert _outbox(api) == []


def test_another_tenants_template_is_a_404(api: ApiClient, leads: ApiClient, other_tenant_id: str) -> None:
    theirs = _template(
        ApiClient(TEMPLATES, _tenant(other_tenant_id)), channel="sms", name="Leur modèle", body="Bonjour"
    )
    lead_id = _lead(leads, phone=PHONE)

    response = _send(api, lead_id=lead_id, template_id=theirs)

    assert response.status == 404, response.body
    assert _outbox(api) == []


# --- daily cap ----------------------------------------------------------------------------------
def test_the_daily_cap_refuses_the_message_over_it(api: ApiClient, leads: ApiClient, fakes: Fakes) -> None:
    _twilio_on(api)
    assert _channel(api, "sms", daily_cap=1)["daily_cap"] == 1
    lead_id = _lead(leads, phone=PHONE)

    _sent(api, lead_id=lead_id, channel="sms", body="Premier")
    response = _send(api, lead_id=lead_id, channel="sms", body="Second")

    error = _refused(response, "rate_limited", 429)
    assert error["details"]["daily_cap"] == 1
    assert len(fakes.twilio.sent) == 1
    assert len(fakes.twilio.requests) == 1
    assert _sent_today(api, "sms") == 1
    assert len(_messages(api, lead_id)) == 1


# --- Resend -------------------------------------------------------------------------------------
def test_an_email_goes_through_the_resend_sdk_with_the_idempotency_key(
    api: ApiClient, leads: ApiClient, fakes: Fakes, tenant: str
) -> None:
    # Given Resend set up with a named sender
    shown = _channel(
        api,
        "email",
        credentials={"api_key": RESEND_KEY, "webhook_secret": RESEND_WEBHOOK_SECRET},
        sender="Contact@BellePeau.fr",
        sender_name="Belle Peau",
    )
    assert shown["credentials"] == {"api_key": True, "webhook_secret": True}
    assert shown["delivery"] == "provider"
    assert not any(secret in json.dumps(shown) for secret in SECRETS)
    lead_id = _lead(leads, email=EMAIL)
    body = {"lead_id": lead_id, "channel": "email", "subject": "Votre devis", "body": "Bonjour Sophie"}

    # When an e-mail is sent with a client key
    sent = _sent(api, "mail-key-0001", **body)

    # Then Resend got it with the tenant-scoped key
    (request,) = fakes.resend.requests
    assert request.headers["idempotency-key"] == f"{tenant}:mail-key-0001"
    assert request.headers["authorization"] == f"Bearer {RESEND_KEY}"
    assert request.body["from"] == "Belle Peau <contact@bellepeau.fr>"
    assert request.body["to"] == [EMAIL]
    assert request.body["subject"] == "Votre devis"
    assert request.body["text"] == "Bonjour Sophie"
    (accepted,) = fakes.resend.sent
    assert sent["provider"] == "resend"
    assert sent["activity"]["provider_message_id"] == accepted["id"]
    assert sent["activity"]["status"] == "sent"

    # When the client retries with the same key, Then nothing more is sent
    again = _sent(api, "mail-key-0001", **body)
    assert again["activity"]["id"] == sent["activity"]["id"]
    assert len(fakes.resend.requests) == 1
    assert len(_messages(api, lead_id)) == 1


def test_a_sender_name_with_a_comma_is_quoted_and_one_with_angle_brackets_refused(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given a sender name that RFC 5322 must quote
    credentials = {"api_key": RESEND_KEY}
    _channel(
        api, "email", credentials=credentials, sender="contact@bellepeau.fr", sender_name="Belle Peau, Lyon"
    )
    lead_id = _lead(leads, email=EMAIL)

    # When an e-mail goes out, Then the From header keeps the name whole
    _sent(api, None, lead_id=lead_id, channel="email", subject="Bonjour", body="Bonjour")
    (request,) = fakes.resend.requests
    assert request.body["from"] == '"Belle Peau, Lyon" <contact@bellepeau.fr>'
    # And a name that would forge another address is refused
    forged = api.request("PUT", "/channels/email", json_body={"sender_name": 'Eve" <eve@evil.example>'})
    assert forged.status == 422


def test_emails_without_a_client_key_carry_a_fresh_key_each(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _channel(api, "email", credentials={"api_key": RESEND_KEY}, sender="contact@bellepeau.fr")
    lead_id = _lead(leads, email=EMAIL)
    for _ in range(2):
        _sent(api, lead_id=lead_id, channel="email", subject="Info", body="Bonjour")
    keys = [r.headers["idempotency-key"] for r in fakes.resend.requests]
    assert len(set(keys)) == 2
    assert len(fakes.resend.sent) == 2
    assert fakes.resend.requests[0].body["from"] == "contact@bellepeau.fr"


# --- Telegram -----------------------------------------------------------------------------------
def test_a_telegram_message_goes_through_the_bot_api(api: ApiClient, leads: ApiClient, fakes: Fakes) -> None:
    # Given a bot set up (no sender needed) and a lead reachable only on Telegram
    shown = _channel(api, "telegram", credentials={"bot_token": BOT_TOKEN}, bot_name="BellePeauBot")
    assert shown["credentials"] == {"bot_token": True, "webhook_secret": False}
    assert shown["delivery"] == "provider"
    assert BOT_TOKEN not in json.dumps(shown)
    lead_id = _lead(leads, telegram_chat_id="123456789")

    # When a message goes on auto
    sent = _sent(api, lead_id=lead_id, body="Bonjour depuis Telegram")

    # Then the bot sent it to the lead's chat
    assert sent["channel"] == "telegram"
    assert sent["provider"] == "telegram"
    (message,) = fakes.telegram.sent
    assert message["chat"]["id"] == 123456789
    assert message["text"] == "Bonjour depuis Telegram"
    assert sent["activity"]["provider_message_id"] == f"123456789:{message['message_id']}"
    assert _sent_today(api, "telegram") == 1


def test_a_lead_who_blocked_the_bot_is_opted_out_of_telegram_only(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    _channel(api, "telegram", credentials={"bot_token": BOT_TOKEN})
    lead_id = _lead(leads, telegram_chat_id="123456789", email=EMAIL)
    fakes.telegram.script = [telegram_error(403, "Forbidden: bot was blocked by the user")]

    error = _refused(_send(api, lead_id=lead_id, channel="telegram", body="Bonjour"), "opted_out")

    assert error["details"]["provider"] == "telegram"
    assert BOT_TOKEN not in json.dumps(error)
    consent = ApiClient(LEADS, api.claims["tenant_id"]).get(f"/leads/{lead_id}").body["consent"]  # type: ignore[index]
    assert consent["telegram"]["granted"] is False
    assert "email" not in consent
    # And auto now goes by e-mail, saying why Telegram was skipped
    sent = _sent(api, lead_id=lead_id, body="Bonjour", subject="Nouvelles")
    assert sent["channel"] == "email"
    assert len(fakes.telegram.requests) == 1


def test_a_suppressed_email_address_is_refused_and_skipped_by_auto(
    api: ApiClient, leads: ApiClient, tenant: str, other_tenant_id: str
) -> None:
    # Given the lead's address bounced (the Resend webhook suppresses it)
    lead_id = _lead(leads, email=EMAIL, telegram_chat_id="123456789")
    SuppressionRepository(tenant).suppress(
        EMAIL, "bounced", "mailbox does not exist", None, datetime.now(UTC)
    )

    _refused(
        _send(api, lead_id=lead_id, channel="email", subject="Info", body="Bonjour"), "address_suppressed"
    )
    sent = _sent(api, lead_id=lead_id, body="Bonjour", subject="Info")
    assert sent["channel"] == "telegram"
    assert "e-mail : l'adresse e-mail est bloquée (rebond ou plainte)" in sent["channel_reason"]

    # And another tenant's lead with the same address is not concerned
    other_api = ApiClient(MESSAGING, _tenant(other_tenant_id))
    theirs = _lead(ApiClient(LEADS, other_tenant_id), email=EMAIL)
    assert (
        _sent(other_api, lead_id=theirs, channel="email", subject="Info", body="Bonjour")["channel"]
        == "email"
    )


# --- channel settings ---------------------------------------------------------------------------
def test_a_disabled_channel_is_refused_and_skipped_by_auto(api: ApiClient, leads: ApiClient) -> None:
    assert _channel(api, "sms", enabled=False)["enabled"] is False
    lead_id = _lead(leads, phone=PHONE, email=EMAIL)

    _refused(_send(api, lead_id=lead_id, channel="sms", body="Bonjour"), "channel_disabled")
    sent = _sent(api, lead_id=lead_id, body="Bonjour", subject="Info")
    assert sent["channel"] == "email"
    assert "SMS : le canal SMS est désactivé pour votre équipe" in sent["channel_reason"]

    # Turned on again, SMS goes
    _channel(api, "sms", enabled=True)
    assert _sent(api, lead_id=lead_id, channel="sms", body="Bonjour")["channel"] == "sms"


def test_a_member_cannot_change_a_channel_but_can_read_them_and_send(
    member: ApiClient, leads: ApiClient
) -> None:
    response = member.request(
        "PUT",
        "/channels/sms",
        json_body={"enabled": False, "credentials": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}},
    )
    assert response.status == 403, response.body
    listed = member.get("/channels")
    assert listed.status == 200, listed.body
    assert {c["channel"] for c in listed.body["items"]} == {"sms", "whatsapp", "email", "telegram"}
    assert all(c["enabled"] and c["version"] is None for c in listed.body["items"])
    assert listed.body["items"][0]["credentials"] == {"account_sid": False, "auth_token": False}
    # Sending is every user's job
    sent = _sent(member, lead_id=_lead(leads, phone=PHONE), channel="sms", body="Bonjour")
    assert sent["activity"]["metadata"]["sent_by"] == "rep-1"


def test_incomplete_credentials_leave_the_channel_on_the_outbox(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    shown = _channel(api, "sms", credentials={"account_sid": ACCOUNT_SID}, sender=SMS_SENDER)
    assert shown["credentials"] == {"account_sid": True, "auth_token": False}
    assert shown["delivery"] == "outbox"
    # The webhook secret alone does not send e-mails either
    assert (
        _channel(api, "email", credentials={"webhook_secret": RESEND_WEBHOOK_SECRET})["delivery"] == "outbox"
    )

    sent = _sent(api, lead_id=_lead(leads, phone=PHONE), channel="sms", body="Bonjour")

    assert sent["provider"] == "outbox"
    assert fakes.requests == 0
    assert _outbox(api)[0]["sender"] == SMS_SENDER


@pytest.mark.parametrize(
    ("credentials", "named"),
    [
        ({"account_sid": ACCOUNT_SID, "auth_token": "short"}, ["credentials.auth_token"]),
        ({"account_sid": "AC123", "auth_token": AUTH_TOKEN}, ["credentials.account_sid"]),
        ({"account_sid": ACCOUNT_SID, "api_key": RESEND_KEY}, ["credentials.api_key"]),
    ],
)
def test_invalid_credentials_are_a_422_naming_them_and_nothing_is_stored(
    api: ApiClient, credentials: dict[str, str], named: list[str]
) -> None:
    response = api.request("PUT", "/channels/sms", json_body={"credentials": credentials, "enabled": False})

    assert _fields(response) == named
    assert not any(secret in json.dumps(response.body) for secret in SECRETS)
    # Nothing written: neither the valid credential sent along, nor the other settings
    shown = api.get("/channels/sms").body
    assert shown["credentials"] == {"account_sid": False, "auth_token": False}
    assert shown["enabled"] is True
    assert shown["version"] is None


@pytest.mark.parametrize(
    ("channel", "body", "named"),
    [
        ("sms", {"sender": "not a number!"}, "sender"),
        ("whatsapp", {"sender": "BellePeau"}, "sender"),
        ("telegram", {"sender": "+33700000001"}, "sender"),
        ("email", {"sender": "contact@"}, "sender"),
        ("sms", {"sender_name": "Belle Peau"}, "sender_name"),
        ("email", {"bot_name": "BellePeauBot"}, "bot_name"),
    ],
)
def test_a_sender_that_does_not_fit_the_channel_is_a_422(
    api: ApiClient, channel: str, body: dict[str, str], named: str
) -> None:
    assert _fields(api.request("PUT", f"/channels/{channel}", json_body=body)) == [named]
    assert api.get(f"/channels/{channel}").body["version"] is None


def test_credentials_belong_to_their_tenant(api: ApiClient, other_tenant_id: str) -> None:
    _twilio_on(api)
    other = ApiClient(MESSAGING, _tenant(other_tenant_id))
    shown = other.get("/channels/sms").body
    assert shown["credentials"] == {"account_sid": False, "auth_token": False}
    assert shown["delivery"] == "outbox"
    assert shown["sender"] is None


def test_an_unknown_channel_in_the_path_is_a_422(api: ApiClient) -> None:
    assert api.get("/channels/fax").status == 422
    assert api.request("PUT", "/channels/fax", json_body={"enabled": False}).status == 422


def test_another_tenants_lead_is_a_404_and_nothing_is_sent(
    api: ApiClient, fakes: Fakes, other_tenant_id: str
) -> None:
    _twilio_on(api)
    other_api = ApiClient(MESSAGING, _tenant(other_tenant_id))
    theirs = _lead(ApiClient(LEADS, other_tenant_id), phone=PHONE)

    response = _send(api, lead_id=theirs, channel="sms", body="Bonjour")

    assert response.status == 404, response.body
    assert fakes.requests == 0
    assert _outbox(api) == []
    assert _outbox(other_api) == []
    assert _messages(other_api, theirs) == []
    assert api.get(f"/leads/{theirs}/messages").status == 404
    assert api.post(f"/conversations/{theirs}/read").status == 404


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"channel": "sms", "body": "Bonjour", "template_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}, {}),
        ({"channel": "sms"}, {}),
        ({"channel": "fax", "body": "Bonjour"}, {}),
        ({"channel": "sms", "body": ""}, {}),
        ({"channel": "sms", "body": "x" * 4001}, {}),
        ({"channel": "sms", "body": "Bonjour", "priority": "high"}, {}),
        ({"channel": "sms", "body": "Bonjour"}, {"idempotency-key": "short"}),
        ({"channel": "sms", "body": "Bonjour"}, {"idempotency-key": "spaces are not ok"}),
    ],
)
def test_bad_requests_are_a_422_and_send_nothing(
    api: ApiClient, leads: ApiClient, fakes: Fakes, body: dict[str, Any], headers: dict[str, str]
) -> None:
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    response = api.post("/messages", {"lead_id": lead_id, **body}, headers=headers)
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    assert fakes.requests == 0


def test_a_malformed_lead_id_is_a_422(api: ApiClient) -> None:
    assert _fields(_send(api, lead_id="not-a-ulid", body="Bonjour")) == ["lead_id"]


# --- the inbox ----------------------------------------------------------------------------------
@pytest.fixture
def inbox(leads: ApiClient, activities: ApiClient) -> dict[str, str]:
    """Three conversations and a lead with only a call.

    Alice: SMS sent 3 h ago, two SMS replies 2 h and 1 h ago (2 unread).
    Bruno: an e-mail sent 30 minutes ago (nothing unread).
    Chloé: a WhatsApp message received 5 h ago (1 unread).
    Denis: a call 10 minutes ago (not a message: not in the inbox).
    """
    alice = _lead(leads, first_name="Alice", phone="+33611111111")
    _log(activities, alice, timedelta(hours=3), channel="sms", direction="out", preview="Votre devis")
    _log(activities, alice, timedelta(hours=2), channel="sms", direction="in", preview="Merci !")
    _log(activities, alice, timedelta(hours=1), channel="sms", direction="in", preview="C'est combien ?")
    bruno = _lead(leads, first_name="Bruno", email="bruno@example.fr")
    _log(activities, bruno, timedelta(minutes=30), channel="email", direction="out", preview="Catalogue")
    chloe = _lead(leads, first_name="Chloé", phone="+33633333333")
    _log(activities, chloe, timedelta(hours=5), channel="whatsapp", direction="in", preview="Bonjour")
    denis = _lead(leads, first_name="Denis", phone="+33644444444")
    _log(activities, denis, timedelta(minutes=10), channel="call", direction="out", status="no_answer")
    return {"alice": alice, "bruno": bruno, "chloe": chloe, "denis": denis}


def test_conversations_come_newest_first_with_their_unread_counts_and_page(
    api: ApiClient, inbox: dict[str, str]
) -> None:
    # When the inbox is read two conversations at a time
    first = api.get("/conversations", query={"limit": "2"})
    assert first.status == 200, first.body
    assert first.body["next_cursor"]
    second = api.get("/conversations", query={"limit": "2", "cursor": first.body["next_cursor"]})
    assert second.status == 200, second.body
    assert second.body["next_cursor"] is None
    rows = first.body["items"] + second.body["items"]

    # Then the three leads with messages come by last message, newest first; the call is not one
    assert [r["lead_id"] for r in rows] == [inbox["bruno"], inbox["alice"], inbox["chloe"]]
    assert [r["unread"] for r in rows] == [0, 2, 1]
    assert [r["lead_name"] for r in rows] == ["Bruno", "Alice", "Chloé"]
    alice = rows[1]
    assert (alice["channel"], alice["direction"], alice["preview"]) == ("sms", "in", "C'est combien ?")
    assert alice["channels"] == ["sms"]
    assert [r["last_message_at"] for r in rows] == sorted((r["last_message_at"] for r in rows), reverse=True)
    # And a forged cursor is refused
    assert api.get("/conversations", query={"cursor": "bm90LWEtY3Vyc29y"}).status == 422


def test_conversations_filter_by_channel(api: ApiClient, inbox: dict[str, str]) -> None:
    assert [r["lead_id"] for r in _conversations(api, channel="sms")] == [inbox["alice"]]
    assert [r["lead_id"] for r in _conversations(api, channel="email")] == [inbox["bruno"]]
    assert [r["lead_id"] for r in _conversations(api, channel="whatsapp")] == [inbox["chloe"]]
    assert _conversations(api, channel="telegram") == []
    assert api.get("/conversations", query={"channel": "call"}).status == 422


def test_conversations_filtered_by_channel_page_too(
    api: ApiClient, leads: ApiClient, activities: ApiClient
) -> None:
    # Given three SMS conversations with an e-mail one in between
    ids = []
    for i, minutes in enumerate((10, 20, 40)):
        lead_id = _lead(leads, first_name=f"Lead{i}", phone=f"+3361000000{i}")
        _log(activities, lead_id, timedelta(minutes=minutes), channel="sms", direction="in", preview="Oui")
        ids.append(lead_id)
    email_lead = _lead(leads, first_name="Mail", email="mail@example.fr")
    _log(activities, email_lead, timedelta(minutes=30), channel="email", direction="out", preview="Info")

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = {"channel": "sms", "limit": "1"} | ({"cursor": cursor} if cursor else {})
        page = api.get("/conversations", query=query).body
        seen += [r["lead_id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_reading_a_conversation_clears_its_unread_count_until_the_next_reply(
    api: ApiClient, activities: ApiClient, inbox: dict[str, str]
) -> None:
    alice = inbox["alice"]

    # When Alice's conversation is read
    receipt = api.post(f"/conversations/{alice}/read")

    # Then its unread count is 0, in the receipt and in the inbox
    assert receipt.status == 200, receipt.body
    assert receipt.body["lead_id"] == alice
    assert receipt.body["unread"] == 0
    unread = {r["lead_id"]: r["unread"] for r in _conversations(api)}
    assert unread == {inbox["bruno"]: 0, alice: 0, inbox["chloe"]: 1}
    # And reading again changes nothing
    assert api.post(f"/conversations/{alice}/read").body["unread"] == 0

    # When she writes again, and is answered
    _log(activities, alice, timedelta(seconds=0), channel="sms", direction="in", preview="Et demain ?")
    assert {r["lead_id"]: r["unread"] for r in _conversations(api)}[alice] == 1
    _sent(api, lead_id=alice, channel="sms", body="Oui, demain 10 h")

    # Then her new message counts as unread until read again; our answer is her last message
    row = _conversations(api)[0]
    assert (row["lead_id"], row["unread"], row["direction"]) == (alice, 1, "out")
    assert row["preview"] == "Oui, demain 10 h"
    api.post(f"/conversations/{alice}/read")
    assert _conversations(api)[0]["unread"] == 0


def test_a_lead_thread_holds_only_messages_newest_first_and_pages(
    api: ApiClient, leads: ApiClient, activities: ApiClient
) -> None:
    # Given a lead with messages on three channels, a call and a manual note in between
    lead_id = _lead(leads, phone=PHONE, email=EMAIL)
    logged = [
        _log(activities, lead_id, timedelta(hours=6), channel="sms", direction="out", preview="SMS 1"),
        _log(activities, lead_id, timedelta(hours=5), channel="call", direction="out", status="no_answer"),
        _log(activities, lead_id, timedelta(hours=4), channel="email", direction="in", preview="Mail 1"),
        _log(activities, lead_id, timedelta(hours=3), channel="manual", direction="out", preview="Note"),
        _log(activities, lead_id, timedelta(hours=2), channel="whatsapp", direction="in", preview="WA 1"),
    ]
    sent = _sent(api, lead_id=lead_id, channel="sms", body="SMS 2")
    messages = [logged[0]["id"], logged[2]["id"], logged[4]["id"], sent["activity"]["id"]]

    # When the thread is read two messages at a time
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5):
        page = api.get(
            f"/leads/{lead_id}/messages", query={"limit": "2"} | ({"cursor": cursor} if cursor else {})
        )
        assert page.status == 200, page.body
        assert len(page.body["items"]) <= 2
        seen += page.body["items"]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break

    # Then every message comes once, newest first, without the call and the note
    assert [m["id"] for m in seen] == list(reversed(messages))
    assert {m["channel"] for m in seen} == {"sms", "email", "whatsapp"}


def test_a_lead_without_messages_has_an_empty_thread_and_no_conversation(
    api: ApiClient, leads: ApiClient
) -> None:
    lead_id = _lead(leads, phone=PHONE)
    response = api.get(f"/leads/{lead_id}/messages")
    assert response.status == 200, response.body
    assert response.body == {"items": [], "next_cursor": None}
    assert _conversations(api) == []
    # Reading it is harmless and does not make it a conversation
    read = api.post(f"/conversations/{lead_id}/read")
    assert read.status == 200, read.body
    assert read.body["unread"] == 0
    assert _conversations(api) == []
    assert api.get("/leads/01JAAAAAAAAAAAAAAAAAAAAAAA/messages").status == 404


def test_a_conversation_lists_the_channel_of_its_last_message(
    api: ApiClient, leads: ApiClient, fakes: Fakes
) -> None:
    # Given a lead whose only message is an SMS Twilio refused (the lead unsubscribed)
    _twilio_on(api)
    lead_id = _lead(leads, phone=PHONE)
    fakes.twilio.script = [twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")]
    _refused(_send(api, lead_id=lead_id, channel="sms", body="Promo"), "opted_out")

    # Then the inbox shows it, last message on SMS, failed
    (row,) = _conversations(api)
    assert (row["lead_id"], row["channel"], row["status"]) == (lead_id, "sms", "failed")
    # And the conversation's channels, and the SMS filter, agree with its last message
    assert row["channels"] == ["sms"]
    assert [r["lead_id"] for r in _conversations(api, channel="sms")] == [lead_id]
