"""The provider webhooks through their handler, with real signatures, on a real DynamoDB API.

Each delivery is built in the provider's own format (tests/support/webhook_samples.py) and signed with
the tenant's secret the way the provider does; secrets live in SSM (moto). Sends go through the real
Twilio SDK against the local fake Twilio.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.secrets import SecretRepository
from maxcore.models.jobs import TenantJobMessage
from maxcore.models.tenant import Locale, UpdateTenantRequest
from maxcore.services.tenants import TenantService, provision_tenant
from maxcore.settings import reset_settings
from tests.integration.conftest import drain
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeTwilio, running_fake_twilio
from tests.support.logs import captured_logs
from tests.support.webhook_samples import (
    resend_event,
    resend_payload,
    resign_svix,
    telegram_event,
    telegram_update,
    twilio_event,
    twilio_inbound_params,
    twilio_signature,
    twilio_status_params,
)

pytestmark = pytest.mark.integration

AUTH_TOKEN = "tenanttwiliotoken0123456789abcd"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
RESEND_SECRET = "whsec_dGVuYW50LXJlc2VuZC1zZWNyZXQtMTIzNA=="
TELEGRAM_SECRET = "tenant-telegram-secret"
OUR_NUMBER = "+33757000009"  # a French mobile range that is open: a sender must be a real number
LEAD_PHONE = "+33611223344"


def webhook(event: dict[str, Any]) -> dict[str, Any]:
    """Deliver ``event`` to the webhooks function as API Gateway would."""
    handler = load_handler("functions/webhooks/", "app.lambda_handler")
    result: dict[str, Any] = handler(event, LocalContext())
    return result


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A provisioned tenant with Twilio, Resend and Telegram webhook secrets; an empty queue."""
    return webhook_tenant(tenant_id, fanout_queue)


def webhook_tenant(tenant_id: str, fanout_queue: str) -> str:
    """Provision ``tenant_id`` with the providers' webhook secrets; empty the queue."""
    provision_tenant(tenant_id, "Atelier Lumière")
    secrets = SecretRepository(tenant_id)
    secrets.put("twilio", "auth_token", AUTH_TOKEN)
    secrets.put("twilio", "account_sid", ACCOUNT_SID)
    secrets.put("resend", "webhook_secret", RESEND_SECRET)
    secrets.put("telegram", "webhook_secret", TELEGRAM_SECRET)
    drain(fanout_queue)
    return tenant_id


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    yield from twilio_for_tenants(monkeypatch)


def twilio_for_tenants(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """A fake Twilio the SDK is pointed at, for the tenants' own account."""
    with running_fake_twilio(auth_token=AUTH_TOKEN) as fake:
        monkeypatch.setenv("TWILIO_API_URL", fake.url)
        reset_settings()
        yield fake
    reset_settings()


def leads(tenant_id: str) -> ApiClient:
    return ApiClient("functions/leads/", tenant_id)


def messaging(tenant_id: str) -> ApiClient:
    return ApiClient("functions/messaging/", tenant_id)


def inbound(tenant_id: str, body: str, sid: str, phone: str = LEAD_PHONE, **kwargs: Any) -> dict[str, Any]:
    return twilio_event(
        tenant_id, twilio_inbound_params(phone, OUR_NUMBER, body, sid=sid, **kwargs), AUTH_TOKEN
    )


def thread(tenant_id: str, lead_id: str) -> list[dict[str, Any]]:
    response = messaging(tenant_id).get(f"/leads/{lead_id}/messages")
    assert response.status == 200, response.body
    items: list[dict[str, Any]] = response.body["items"]
    return items


def only_conversation(tenant_id: str) -> dict[str, Any]:
    rows = messaging(tenant_id).get("/conversations").body["items"]
    assert len(rows) == 1, rows
    row: dict[str, Any] = rows[0]
    return row


# --- Twilio inbound -----------------------------------------------------------------------------
def test_the_same_inbound_sms_delivered_three_times_is_one_activity_on_a_new_inbound_lead(
    tenant: str, fanout_queue: str
) -> None:
    # Given an SMS from a number no lead has
    event = inbound(tenant, "Oui, ça m'intéresse, vous pouvez me rappeler demain ?", "SM" + "a1" * 16)

    # When Twilio delivers it three times
    results = [webhook(event) for _ in range(3)]

    # Then each answer is an empty TwiML 200, and one lead with one inbound activity exists
    for result in results:
        assert result["statusCode"] == 200
        assert result["headers"]["Content-Type"] == "text/xml"
        assert result["body"].endswith("<Response/>")
    conversation = only_conversation(tenant)
    lead = leads(tenant).get(f"/leads/{conversation['lead_id']}").body
    assert lead["phone"] == LEAD_PHONE
    assert lead["source"] == "inbound"
    messages = thread(tenant, lead["id"])
    assert len(messages) == 1
    assert messages[0]["direction"] == "in"
    assert messages[0]["intent"] == "meeting_request"
    assert conversation["unread"] == 1
    # And the lead's re-evaluation went to the queue instead of holding up the answer
    jobs = [TenantJobMessage.model_validate_json(b) for b in drain(fanout_queue)]
    assert {(j.job.value, j.tenant_id, j.lead_id) for j in jobs} == {("evaluate_lead", tenant, lead["id"])}


def test_a_forged_or_unsigned_webhook_is_refused_and_writes_nothing(
    tenant: str, other_tenant_id: str
) -> None:
    # Given an inbound SMS signed with the wrong token, one unsigned, one for an unknown tenant
    params = twilio_inbound_params(LEAD_PHONE, OUR_NUMBER, "Bonjour", sid="SM" + "b2" * 16)
    forged = twilio_event(tenant, params, "not-the-tenant-token")
    unsigned = twilio_event(tenant, params, AUTH_TOKEN)
    del unsigned["headers"]["x-twilio-signature"]
    tampered = twilio_event(tenant, params, AUTH_TOKEN)
    tampered["body"] = twilio_event(tenant, {**params, "Body": "Autre texte"}, AUTH_TOKEN)["body"]
    elsewhere = twilio_event(other_tenant_id, params, AUTH_TOKEN)

    # When each is delivered
    results = [webhook(e) for e in (forged, unsigned, tampered, elsewhere)]

    # Then each is a 403 in the error envelope, and the tenant has no conversation at all
    assert [r["statusCode"] for r in results] == [403, 403, 403, 403]
    assert {json.loads(r["body"])["error"]["code"] for r in results} == {"invalid_signature"}
    # And in English whatever the tenant's locale: providers read these, no user does
    assert {json.loads(r["body"])["error"]["message"] for r in results} == {
        "the webhook's signature cannot be verified"
    }
    assert messaging(tenant).get("/conversations").body["items"] == []


def test_twilio_signatures_are_checked_as_the_sdk_checks_them(tenant: str) -> None:
    # Given three genuine inbound SMS: one Twilio signed over https://host:443/..., one with a
    # name sent twice with the same value, one as a JSON body proven by bodySHA256
    base = "https://api.max.example.com"
    with_port = twilio_event(
        tenant,
        twilio_inbound_params(LEAD_PHONE, OUR_NUMBER, "Bonjour", sid="SM" + "a7" * 16),
        AUTH_TOKEN,
        base,
        signed_base=f"{base}:443",
    )
    repeated = twilio_event(
        tenant,
        {
            **{
                k: [v]
                for k, v in twilio_inbound_params(
                    LEAD_PHONE, OUR_NUMBER, "Merci", sid="SM" + "b8" * 16
                ).items()
            },
            "MediaContentType0": ["image/jpeg", "image/jpeg"],
        },
        AUTH_TOKEN,
        base,
    )
    as_json = twilio_event(
        tenant,
        twilio_inbound_params(LEAD_PHONE, OUR_NUMBER, "À demain", sid="SM" + "c9" * 16),
        AUTH_TOKEN,
        base,
        as_json=True,
    )
    assert "bodySHA256=" in as_json["rawQueryString"]

    # When they are delivered
    results = [webhook(e) for e in (with_port, repeated, as_json)]

    # Then each is recorded on the lead's thread
    assert [r["statusCode"] for r in results] == [200, 200, 200], results
    row = only_conversation(tenant)
    assert sorted(m["preview"] for m in thread(tenant, row["lead_id"])) == ["Bonjour", "Merci", "À demain"]


def test_a_twilio_signature_that_does_not_cover_the_request_is_refused_and_writes_nothing(
    tenant: str,
) -> None:
    # Given requests whose signature holds for something else: another port, a JSON body changed
    # after signing, a JSON body whose URL carries no bodySHA256, one of two repeated values dropped
    base = "https://api.max.example.com"
    params = twilio_inbound_params(LEAD_PHONE, OUR_NUMBER, "Bonjour", sid="SM" + "d1" * 16)
    other_port = twilio_event(tenant, params, AUTH_TOKEN, base, signed_base=f"{base}:8443")
    changed_json = twilio_event(tenant, params, AUTH_TOKEN, base, as_json=True)
    changed_json["body"] = twilio_event(tenant, {**params, "Body": "Autre"}, AUTH_TOKEN, base, as_json=True)[
        "body"
    ]
    json_unproven = twilio_event(tenant, params, AUTH_TOKEN, base, as_json=True)
    json_unproven["rawQueryString"] = ""
    json_unproven["headers"]["x-twilio-signature"] = twilio_signature(
        AUTH_TOKEN, f"{base}/webhooks/twilio/{tenant}", {}
    )
    repeated = {**{k: [v] for k, v in params.items()}, "MediaContentType0": ["image/jpeg", "image/png"]}
    dropped = twilio_event(tenant, repeated, AUTH_TOKEN, base)
    dropped["body"] = twilio_event(
        tenant, {**repeated, "MediaContentType0": ["image/jpeg"]}, AUTH_TOKEN, base
    )["body"]

    # When each is delivered
    results = [webhook(e) for e in (other_port, changed_json, json_unproven, dropped)]

    # Then each is a 403 and nothing is written
    assert [r["statusCode"] for r in results] == [403, 403, 403, 403]
    assert messaging(tenant).get("/conversations").body["items"] == []


def test_stop_then_a_send_is_refused_as_opted_out_and_start_restores_it(
    tenant: str, fake_twilio: FakeTwilio
) -> None:
    # Given a lead reachable by SMS through Twilio
    lead = leads(tenant).post("/leads", {"first_name": "Inès", "phone": LEAD_PHONE}).body
    channel = messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    assert channel.status == 200, channel.body

    # When the lead answers STOP
    assert webhook(inbound(tenant, "STOP", "SM" + "c3" * 16))["statusCode"] == 200

    # Then a send is refused as opted out and Twilio is never called
    refused = messaging(tenant).post(
        "/messages", {"lead_id": lead["id"], "channel": "sms", "body": "Bonjour"}
    )
    assert refused.status == 409
    assert refused.body["error"]["code"] == "opted_out"
    assert fake_twilio.requests == []
    assert leads(tenant).get(f"/leads/{lead['id']}").body["consent"]["sms"]["granted"] is False

    # When the lead answers START, the consent is back and the message goes out once
    assert webhook(inbound(tenant, "Start", "SM" + "d4" * 16))["statusCode"] == 200
    sent = messaging(tenant).post("/messages", {"lead_id": lead["id"], "channel": "sms", "body": "Bonjour"})
    assert sent.status == 201, sent.body
    assert sent.body["provider"] == "twilio"
    assert len(fake_twilio.sent) == 1


def test_help_gets_the_help_answer_in_twiml(tenant: str) -> None:
    result = webhook(inbound(tenant, "help", "SM" + "e5" * 16))

    assert result["statusCode"] == 200
    assert "<Message>Bonjour, c'est Atelier Lumière !" in result["body"]
    assert "STOP" in result["body"]


def test_a_whatsapp_message_names_the_new_lead_and_opens_the_whatsapp_window(
    tenant: str, fake_twilio: FakeTwilio
) -> None:
    # Given a WhatsApp message from an unknown number with a profile name
    event = inbound(
        tenant,
        "Bonjour, vous avez encore des créneaux ?",
        "SM" + "f6" * 16,
        whatsapp=True,
        profile_name="Chloé Bernard",
    )

    # When it is delivered
    assert webhook(event)["statusCode"] == 200

    # Then the lead is named after the profile and its WhatsApp conversation is open for replies
    row = only_conversation(tenant)
    assert row["lead_name"] == "Chloé Bernard"
    assert row["channel"] == "whatsapp"
    assert (
        messaging(tenant).request("PUT", "/channels/whatsapp", json_body={"sender": OUR_NUMBER}).status == 200
    )
    reply = messaging(tenant).post(
        "/messages", {"lead_id": row["lead_id"], "channel": "whatsapp", "body": "Oui !"}
    )
    assert reply.status == 201, reply.body
    assert reply.body["provider"] == "twilio"
    (request,) = fake_twilio.requests
    assert (request.body["To"], request.body["From"]) == (f"whatsapp:{LEAD_PHONE}", f"whatsapp:{OUR_NUMBER}")


# --- Twilio status callbacks -------------------------------------------------------------------
def test_status_only_moves_forward_whatever_order_the_callbacks_come_in(
    tenant: str, fake_twilio: FakeTwilio
) -> None:
    # Given an SMS sent through Twilio
    lead = leads(tenant).post("/leads", {"first_name": "Léa", "phone": LEAD_PHONE}).body
    messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    sent = messaging(tenant).post(
        "/messages", {"lead_id": lead["id"], "channel": "sms", "body": "Bonjour Léa"}
    )
    sid = sent.body["activity"]["provider_message_id"]

    def callback(status: str, error_code: str | None = None) -> dict[str, Any]:
        params = twilio_status_params(
            sid, status, LEAD_PHONE, OUR_NUMBER, error_code, account_sid=ACCOUNT_SID
        )
        result = webhook(twilio_event(tenant, params, AUTH_TOKEN))
        assert result["statusCode"] == 200, result
        return result

    # When "delivered" arrives before "sent", then "sent" again, then "delivered" twice
    for status in ("delivered", "sent", "sent", "delivered", "delivered"):
        callback(status)

    # Then the message is delivered, and stays so
    (message,) = thread(tenant, lead["id"])
    assert message["status"] == "delivered"
    assert message["status_updated_at"] is not None
    assert only_conversation(tenant)["status"] == "delivered"
    assert leads(tenant).get(f"/leads/{lead['id']}").body["summary"]["last_delivered_at"] is not None


@pytest.mark.parametrize("behind", ["queued", "sending", "accepted", "sent"])
def test_a_status_behind_the_recorded_one_is_a_200_that_changes_nothing(
    tenant: str, fake_twilio: FakeTwilio, behind: str
) -> None:
    # Given an SMS Twilio reported delivered
    lead = leads(tenant).post("/leads", {"first_name": "Léa", "phone": LEAD_PHONE}).body
    messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    sid = (
        messaging(tenant)
        .post("/messages", {"lead_id": lead["id"], "channel": "sms", "body": "Bonjour Léa"})
        .body["activity"]["provider_message_id"]
    )
    delivered = twilio_status_params(sid, "delivered", LEAD_PHONE, OUR_NUMBER, account_sid=ACCOUNT_SID)
    assert webhook(twilio_event(tenant, delivered, AUTH_TOKEN))["statusCode"] == 200
    before = leads(tenant).get(f"/leads/{lead['id']}").body

    # When the callback of an earlier status comes last (every message gets a queued one)
    params = twilio_status_params(sid, behind, LEAD_PHONE, OUR_NUMBER, account_sid=ACCOUNT_SID)
    result = webhook(twilio_event(tenant, params, AUTH_TOKEN))

    # Then Twilio gets a 200 and neither the message nor the lead changes
    assert result["statusCode"] == 200, result
    (message,) = thread(tenant, lead["id"])
    assert message["status"] == "delivered"
    assert leads(tenant).get(f"/leads/{lead['id']}").body == before


def test_a_failed_callback_after_read_leaves_the_message_read(tenant: str, fake_twilio: FakeTwilio) -> None:
    # Given a WhatsApp reply the lead has read
    assert webhook(inbound(tenant, "Bonjour !", "SM" + "e7" * 16, whatsapp=True))["statusCode"] == 200
    lead_id = only_conversation(tenant)["lead_id"]
    messaging(tenant).request("PUT", "/channels/whatsapp", json_body={"sender": OUR_NUMBER})
    sid = (
        messaging(tenant)
        .post("/messages", {"lead_id": lead_id, "channel": "whatsapp", "body": "Avec plaisir"})
        .body["activity"]["provider_message_id"]
    )

    def callback(status: str, error_code: str | None = None) -> int:
        params = twilio_status_params(
            sid,
            status,
            f"whatsapp:{LEAD_PHONE}",
            f"whatsapp:{OUR_NUMBER}",
            error_code,
            account_sid=ACCOUNT_SID,
        )
        return int(webhook(twilio_event(tenant, params, AUTH_TOKEN))["statusCode"])

    assert callback("read") == 200

    # When a failed, then an undelivered, then a canceled callback arrive late
    results = [callback("failed", "30008"), callback("undelivered", "30005"), callback("canceled")]

    # Then each is acknowledged and the message stays read, without an error
    assert results == [200, 200, 200]
    outbound = [m for m in thread(tenant, lead_id) if m["direction"] == "out"]
    assert [(m["status"], m["error_code"]) for m in outbound] == [("read", None)]


def test_a_failed_callback_with_21610_revokes_the_consent(tenant: str, fake_twilio: FakeTwilio) -> None:
    lead = leads(tenant).post("/leads", {"first_name": "Hugo", "phone": LEAD_PHONE}).body
    messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    sid = (
        messaging(tenant)
        .post("/messages", {"lead_id": lead["id"], "channel": "sms", "body": "Bonjour"})
        .body["activity"]["provider_message_id"]
    )

    params = twilio_status_params(sid, "failed", LEAD_PHONE, OUR_NUMBER, "21610", account_sid=ACCOUNT_SID)
    assert webhook(twilio_event(tenant, params, AUTH_TOKEN))["statusCode"] == 200

    (message,) = thread(tenant, lead["id"])
    assert (message["status"], message["error_code"]) == ("failed", "21610")
    assert leads(tenant).get(f"/leads/{lead['id']}").body["consent"]["sms"]["granted"] is False


def test_a_callback_for_a_message_we_never_sent_is_acknowledged_and_ignored(tenant: str) -> None:
    params = twilio_status_params("SM" + "0" * 32, "delivered", LEAD_PHONE, OUR_NUMBER)

    result = webhook(twilio_event(tenant, params, AUTH_TOKEN))

    assert result["statusCode"] == 200
    assert messaging(tenant).get("/conversations").body["items"] == []


# --- Resend -------------------------------------------------------------------------------------
def _email_lead_with_message(tenant: str, email: str) -> tuple[str, str]:
    """A lead with an e-mail address and one e-mail sent to it (through the outbox)."""
    lead = leads(tenant).post("/leads", {"first_name": "Manon", "email": email}).body
    sent = messaging(tenant).post(
        "/messages",
        {"lead_id": lead["id"], "channel": "email", "subject": "Votre devis", "body": "Bonjour Manon"},
    )
    assert sent.status == 201, sent.body
    return lead["id"], sent.body["activity"]["provider_message_id"]


def resend(
    tenant: str, payload: dict[str, Any], svix_id: str, timestamp: int | None = None
) -> dict[str, Any]:
    return webhook(resend_event(tenant, payload, RESEND_SECRET, svix_id, timestamp or int(time.time())))


def test_resend_events_move_the_email_forward_and_the_same_delivery_counts_once(tenant: str) -> None:
    lead_id, email_id = _email_lead_with_message(tenant, "manon@example.fr")
    now = datetime.now(UTC)

    delivered = resend_payload("email.delivered", email_id, "manon@example.fr", now)
    for _ in range(3):
        assert resend(tenant, delivered, "msg_delivered_1")["statusCode"] == 200
    opened = resend_payload("email.opened", email_id, "manon@example.fr", now)
    assert resend(tenant, opened, "msg_opened_1")["statusCode"] == 200
    # A late "delivered" with another svix-id does not move the status back.
    assert resend(tenant, delivered, "msg_delivered_2")["statusCode"] == 200

    (message,) = thread(tenant, lead_id)
    assert message["status"] == "opened"
    assert leads(tenant).get(f"/leads/{lead_id}").body["summary"]["last_opened_at"] is not None


def hard_bounce(email_id: str, address: str) -> dict[str, Any]:
    """Resend's event for an e-mail that bounced for good (the mailbox does not exist)."""
    return resend_payload(
        "email.bounced",
        email_id,
        address,
        datetime.now(UTC),
        bounce={
            "message": "The recipient's mailbox does not exist",
            "subType": "General",
            "type": "Permanent",
        },
    )


def test_a_hard_bounce_suppresses_the_address_for_the_tenant(tenant: str) -> None:
    lead_id, email_id = _email_lead_with_message(tenant, "ancienne@example.fr")
    bounced = hard_bounce(email_id, "ancienne@example.fr")

    assert resend(tenant, bounced, "msg_bounce_1")["statusCode"] == 200

    (message,) = thread(tenant, lead_id)
    assert message["status"] == "bounced"
    again = messaging(tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "email", "subject": "Relance", "body": "Bonjour"}
    )
    assert again.status == 409
    assert again.body["error"]["code"] in {"opted_out", "address_suppressed"}


def test_a_complaint_revokes_the_email_consent(tenant: str) -> None:
    lead_id, email_id = _email_lead_with_message(tenant, "marc@example.com")
    complained = resend_payload("email.complained", email_id, "marc@example.com", datetime.now(UTC))

    assert resend(tenant, complained, "msg_complaint_1")["statusCode"] == 200

    consent = leads(tenant).get(f"/leads/{lead_id}").body["consent"]["email"]
    assert consent["granted"] is False
    assert consent["reason"].startswith("signalé comme spam le ")


def test_a_stale_or_forged_resend_delivery_is_refused(tenant: str) -> None:
    lead_id, email_id = _email_lead_with_message(tenant, "lucie@example.fr")
    delivered = resend_payload("email.delivered", email_id, "lucie@example.fr", datetime.now(UTC))

    stale = resend(tenant, delivered, "msg_stale", timestamp=int(time.time()) - 6 * 60)
    forged = webhook(
        resend_event(tenant, delivered, "whsec_" + "QUJDREVGR0hJSktMTU5PUA==", "msg_forged", int(time.time()))
    )

    assert (stale["statusCode"], forged["statusCode"]) == (403, 403)
    (message,) = thread(tenant, lead_id)
    assert message["status"] == "sent"


# --- Telegram -----------------------------------------------------------------------------------
def test_telegram_updates_are_recorded_once_and_help_is_answered_in_the_webhook_reply(tenant: str) -> None:
    chat_id = 777000111
    now = int(time.time())
    hello = telegram_update(900001, chat_id, "Bonjour, je voudrais un rendez-vous", 11, now)
    help_update = telegram_update(900002, chat_id, "/help", 12, now)

    for _ in range(3):
        assert webhook(telegram_event(tenant, hello, TELEGRAM_SECRET))["statusCode"] == 200
    answer = webhook(telegram_event(tenant, help_update, TELEGRAM_SECRET))
    refused = webhook(telegram_event(tenant, telegram_update(900003, chat_id, "x", 13, now), "wrong"))

    reply = json.loads(answer["body"])
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == str(chat_id)
    assert "Atelier Lumière" in reply["text"]
    assert refused["statusCode"] == 403
    row = only_conversation(tenant)
    assert row["lead_name"] == "Sophie Martin"
    assert len(thread(tenant, row["lead_id"])) == 2


# --- Keywords and bot commands in the inbox ------------------------------------------------------
def conversations(tenant_id: str) -> list[dict[str, Any]]:
    response = messaging(tenant_id).get("/conversations")
    assert response.status == 200, response.body
    rows: list[dict[str, Any]] = response.body["items"]
    return rows


def read(tenant_id: str, lead_id: str) -> None:
    assert messaging(tenant_id).post(f"/conversations/{lead_id}/read", {}).status == 200


def telegram(tenant_id: str, update_id: int, text: str, chat_id: int = 777000222) -> dict[str, Any]:
    """Deliver a Telegram message written now; the webhook's answer as JSON."""
    update = telegram_update(update_id, chat_id, text, update_id % 100_000, int(time.time()))
    result = webhook(telegram_event(tenant_id, update, TELEGRAM_SECRET))
    assert result["statusCode"] == 200, result
    answer: dict[str, Any] = json.loads(result["body"])
    return answer


def test_stop_is_no_conversation_and_the_next_real_message_is_the_only_unread(tenant: str) -> None:
    # Given a number that never wrote before sends STOP
    assert webhook(inbound(tenant, "STOP", "SM" + "a7" * 16))["statusCode"] == 200

    # Then the opt-out is recorded on a new lead, but no conversation is listed
    assert conversations(tenant) == []

    # When the same lead then writes a real message
    question = "Finalement, vous faites des cartes cadeaux ?"
    assert webhook(inbound(tenant, question, "SM" + "b8" * 16))["statusCode"] == 200

    # Then the inbox shows that message, one unread, and the SMS opt-out as a badge
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"], row["direction"]) == (1, question, "in")
    assert row["opted_out"] == ["sms"]
    # And the thread keeps both, the STOP marked as the keyword it was (the opt-out's proof)
    message, stop = thread(tenant, row["lead_id"])  # newest first
    assert (stop["preview"], stop["metadata"]["keyword"]) == ("STOP", "opt_out")
    assert message["metadata"]["keyword"] is None
    consent = leads(tenant).get(f"/leads/{row['lead_id']}").body["consent"]["sms"]
    assert consent["granted"] is False


def test_a_stop_after_a_message_leaves_that_message_as_the_preview_and_adds_no_unread(tenant: str) -> None:
    # Given a lead's message, read by the rep
    question = "Bonjour, c'est combien la séance ?"
    assert webhook(inbound(tenant, question, "SM" + "c9" * 16))["statusCode"] == 200
    lead_id = only_conversation(tenant)["lead_id"]
    read(tenant, lead_id)

    # When the lead sends STOP
    assert webhook(inbound(tenant, "Stop.", "SM" + "d0" * 16))["statusCode"] == 200

    # Then the conversation is still read, still shows the question, and wears the opt-out badge
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"], row["opted_out"]) == (0, question, ["sms"])


def test_help_gets_its_answer_and_raises_no_unread(tenant: str) -> None:
    # Given a conversation the rep has read
    assert webhook(inbound(tenant, "Vous êtes ouverts samedi ?", "SM" + "e1" * 16))["statusCode"] == 200
    lead_id = only_conversation(tenant)["lead_id"]
    read(tenant, lead_id)

    # When the lead sends HELP
    result = webhook(inbound(tenant, "HELP", "SM" + "f2" * 16))

    # Then it gets the help text, and the inbox has nothing new to read
    assert "<Message>Bonjour, c'est Atelier Lumière !" in result["body"]
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"], row["opted_out"]) == (0, "Vous êtes ouverts samedi ?", [])


def test_a_whatsapp_stop_opens_no_conversation_a_send_could_use(tenant: str, fake_twilio: FakeTwilio) -> None:
    # Given the WhatsApp channel set up, and a number that never wrote before sends STOP on WhatsApp
    assert (
        messaging(tenant).request("PUT", "/channels/whatsapp", json_body={"sender": OUR_NUMBER}).status == 200
    )
    assert webhook(inbound(tenant, "STOP", "SM" + "b4" * 16, whatsapp=True))["statusCode"] == 200
    lead_id = leads(tenant).get("/leads").body["items"][0]["id"]

    # When the rep tries to answer within the 24 hours a message would have opened
    refused = messaging(tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "whatsapp", "body": "Bonjour"}
    )

    # Then the send is refused as opted out: the STOP opened nothing, and Twilio is never called
    assert refused.status == 409
    assert refused.body["error"]["code"] == "opted_out"
    assert fake_twilio.requests == []
    assert conversations(tenant) == []


def test_a_sentence_that_contains_stop_is_a_message(tenant: str) -> None:
    # When a lead writes a sentence in which "stop" is only a word
    text = "Stop, je préfère que vous m'appeliez demain matin"
    assert webhook(inbound(tenant, text, "SM" + "a3" * 16))["statusCode"] == 200

    # Then it is an unread message shown in the inbox, and no keyword
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"]) == (1, text)
    (message,) = thread(tenant, row["lead_id"])
    assert message["metadata"]["keyword"] is None


@pytest.mark.parametrize(
    ("locale", "greeting"),
    [(Locale.FR, "Bonjour et bienvenue chez Atelier Lumière !"), (Locale.EN, "welcome to Atelier Lumière!")],
)
@pytest.mark.parametrize("command", ["/start", "/start abc123", "/start@MaxEventsDemoBot abc123"])
def test_telegram_start_is_welcomed_in_the_tenant_language_and_raises_no_unread(
    tenant: str, locale: Locale, greeting: str, command: str
) -> None:
    # Given a tenant writing in ``locale``
    TenantService(tenant).update(UpdateTenantRequest(locale=locale), actor="admin-1")

    # When someone opens the bot (with or without a deep-link payload)
    answer = telegram(tenant, 910001, command)

    # Then the webhook's answer sends the welcome, which says how to stop
    assert (answer["method"], answer["chat_id"]) == ("sendMessage", "777000222")
    assert greeting in answer["text"]
    assert "/stop" in answer["text"]
    # And there is no conversation yet: /start is no message
    assert conversations(tenant) == []

    # When the person then writes
    answer = telegram(tenant, 910002, "Bonjour, vous livrez à Lyon ?")

    # Then that message is the conversation, one unread, with no automatic answer
    assert answer == {}
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"], row["channel"]) == (1, "Bonjour, vous livrez à Lyon ?", "telegram")
    _, start = thread(tenant, row["lead_id"])  # newest first
    assert (start["preview"], start["metadata"]["command"]) == (command, "start")


def test_telegram_commands_after_a_read_conversation_leave_it_read(tenant: str) -> None:
    # Given a Telegram conversation the rep has read
    telegram(tenant, 920001, "Bonjour, je voudrais un devis")
    lead_id = only_conversation(tenant)["lead_id"]
    read(tenant, lead_id)

    # When the person sends /help, an unknown command, then /stop
    help_answer = telegram(tenant, 920002, "/help")
    other_answer = telegram(tenant, 920003, "/rdv")
    stop_answer = telegram(tenant, 920004, "/stop")

    # Then each is answered (help, help again for a command the bot does not know, the opt-out's
    # confirmation), nothing is unread, and the inbox shows the request and the opt-out badge
    assert "Répondez STOP" in help_answer["text"]
    assert other_answer["text"] == help_answer["text"]
    assert stop_answer["text"].startswith("C'est noté : Atelier Lumière ne vous écrira plus.")
    row = only_conversation(tenant)
    assert (row["unread"], row["preview"], row["opted_out"]) == (
        0,
        "Bonjour, je voudrais un devis",
        ["telegram"],
    )
    assert len(thread(tenant, lead_id)) == 4

    # When they come back with /start
    back = telegram(tenant, 920005, "/start")

    # Then it is the opt-in: its confirmation, the badge gone, still nothing unread
    assert back["text"].startswith("Ravi de vous retrouver ! Atelier Lumière peut à nouveau vous écrire.")
    row = only_conversation(tenant)
    assert (row["unread"], row["opted_out"]) == (0, [])


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_signed_update_nested_thousands_deep_is_a_400_and_writes_nothing(
    tenant: str, content_type: str
) -> None:
    # Given a correctly signed Telegram update whose body nests 5,000 levels deep (10 KB)
    update = telegram_update(900010, 777000112, "Bonjour", 14, int(time.time()))
    event = telegram_event(tenant, update, TELEGRAM_SECRET)
    event["body"] = event["body"][:-1] + ',"x":' + "[" * 5000 + "]" * 5000 + "}"
    event["headers"]["content-type"] = content_type
    # When it is delivered (as JSON it is refused on entry, as text by the service before parsing)
    result = webhook(event)
    forged = webhook({**event, "headers": {**event["headers"], "x-telegram-bot-api-secret-token": "bad"}})
    # Then it is a 400 naming the cause, not a RecursionError; the signature is still checked first
    assert result["statusCode"] == 400, result
    assert json.loads(result["body"])["error"]["code"] == "body_too_deep"
    expected_forged = 400 if content_type == "application/json" else 403
    assert forged["statusCode"] == expected_forged
    assert messaging(tenant).get("/conversations").body["items"] == []


def test_a_signed_resend_event_nested_thousands_deep_is_a_400(tenant: str) -> None:
    lead_id, email_id = _email_lead_with_message(tenant, "deep@example.com")
    before = thread(tenant, lead_id)
    payload = resend_payload("email.delivered", email_id, "deep@example.com", datetime.now(UTC))
    body = json.dumps(payload)[:-1] + ',"x":' + "[" * 5000 + "]" * 5000 + "}"
    event = resend_event(tenant, payload, RESEND_SECRET, "msg_deep", int(time.time()))
    event["body"] = body
    event["headers"]["content-type"] = "text/plain"
    event = resign_svix(event, RESEND_SECRET, int(time.time()))
    result = webhook(event)
    assert result["statusCode"] == 400, result
    assert json.loads(result["body"])["error"]["code"] == "body_too_deep"
    assert thread(tenant, lead_id) == before


# --- the queued follow-up ----------------------------------------------------------------------
def test_the_worker_evaluates_the_lead_a_webhook_queued(tenant: str, fanout_queue: str) -> None:
    # Given a hot reply recorded by the webhook, whose evaluation waits in the queue
    webhook(inbound(tenant, "Je suis intéressé, envoyez-moi le devis svp", "SM" + "a7" * 16))
    bodies = drain(fanout_queue)
    assert len(bodies) == 1
    records = [
        {
            "messageId": "m-1",
            "body": bodies[0],
            "attributes": {},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }
    ]

    # When the worker takes it
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    result = worker({"Records": records}, LocalContext())

    # Then it succeeded and the lead now has its hot-lead alert
    assert result == {"batchItemFailures": []}
    alerts = ApiClient("functions/alerts/", tenant).get("/alerts").body["items"]
    assert [a["type"] for a in alerts] == ["HotLead24h"]


def test_one_inbound_sms_can_be_followed_to_the_alerts_it_changed(tenant: str, fanout_queue: str) -> None:
    # Given a hot reply delivered by Twilio through API Gateway
    event = inbound(tenant, "Je suis intéressé, rappelez-moi svp", "SM" + "c3" * 16)
    request_id = event["requestContext"]["requestId"]
    assert webhook(event)["statusCode"] == 200

    # When the lead's evaluation it queued is taken by the worker
    (body,) = drain(fanout_queue)
    queued = TenantJobMessage.model_validate_json(body)
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    with captured_logs() as lines:
        result = worker(sqs_event([("m-eval", body)]), LocalContext())

    # Then the message carries the webhook request's id, and the worker's line about the alert it
    # opened carries it too: the id in the API access log leads to what the SMS changed
    assert queued.correlation_id == request_id
    assert result == {"batchItemFailures": []}
    (ran,) = [line for line in lines if line["message"] == "tenant job ran"]
    assert (ran["correlation_id"], ran["tenant_id"], ran["job"]) == (request_id, tenant, "evaluate_lead")
    assert (ran["lead_id"], ran["opened"]) == (queued.lead_id, 1)
    assert all(line["correlation_id"] == request_id for line in lines)
