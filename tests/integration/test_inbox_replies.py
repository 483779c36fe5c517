"""Replying from the inbox, on the conversation's channel or on another one, through the handlers.

The real Twilio and Resend SDKs talk to the local fake providers (tests/support/fake_providers.py);
credentials go to SSM on the moto server. The lead's inbound messages are logged through
``POST /activities``, which records them as the webhooks do (the conversation's channel follows).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.tenant import Locale, Tenant
from maxcore.models.webhook import InboundEmailNotice
from tests.integration.conftest import (
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    email_through_resend,
    sms_through_twilio,
)
from tests.support.api import ApiClient, ApiResponse
from tests.support.fake_providers import ACCEPT, FakeResend, FakeTwilio, twilio_error

pytestmark = pytest.mark.integration

MESSAGING = "functions/messaging/"
LEADS = "functions/leads/"
TEMPLATES = "functions/templates/"
ALERTS = "functions/alerts/"

SMS_SENDER = "+33757000011"
WHATSAPP_SENDER = "+33757000012"
EMAIL_SENDER = "contact@bellepeau.fr"
INBOX = "bonjour@inbound.bellepeau.fr"
PHONE = "+33612345677"
EMAIL = "sophie@example.fr"
CONTENT_SID = "HX" + "00112233445566778899aabbccddeeff"


@dataclass
class Fakes:
    twilio: FakeTwilio
    resend: FakeResend

    @property
    def requests(self) -> int:
        """Requests both providers received together."""
        return len(self.twilio.requests) + len(self.resend.requests)


@pytest.fixture(autouse=True)
def fakes(twilio_for_sends: FakeTwilio, resend_for_sends: FakeResend) -> Fakes:
    """The fake Twilio (SMS and WhatsApp) and Resend, where every message of these tests goes."""
    return Fakes(twilio_for_sends, resend_for_sends)


def _tenant(tenant_id: str, locale: Locale = Locale.FR) -> str:
    """A tenant's settings, SMS and WhatsApp on Twilio, e-mail on Resend."""
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", locale=locale, created_at=now, updated_at=now)
    )
    sms_through_twilio(tenant_id, SMS_SENDER)
    email_through_resend(tenant_id, EMAIL_SENDER)
    whatsapp = {
        "credentials": {"account_sid": TWILIO_ACCOUNT_SID, "auth_token": TWILIO_AUTH_TOKEN},
        "sender": WHATSAPP_SENDER,
    }
    response = ApiClient(MESSAGING, tenant_id).request("PUT", "/channels/whatsapp", json_body=whatsapp)
    assert response.status == 200, response.body
    return tenant_id


@pytest.fixture
def tenant(tenant_id: str) -> str:
    return _tenant(tenant_id)


@pytest.fixture
def member(tenant: str) -> ApiClient:
    """A member of the sales team: replies are theirs to send."""
    return ApiClient(MESSAGING, tenant, role="member", sub="rep-1")


def _lead(tenant_id: str, **fields: Any) -> str:
    body = {"first_name": "Sophie", "phone": PHONE, "email": EMAIL, **fields}
    response = ApiClient(LEADS, tenant_id).post("/leads", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _wrote(tenant_id: str, lead_id: str, channel: str, ago: timedelta, text: str = "Bonjour !") -> None:
    """The lead's message on ``channel``, ``ago`` before now."""
    occurred_at = (datetime.now(UTC) - ago).isoformat()
    response = ApiClient(ALERTS, tenant_id, role="member", sub="rep-1").post(
        "/activities",
        {
            "lead_id": lead_id,
            "channel": channel,
            "direction": "in",
            "preview": text,
            "occurred_at": occurred_at,
        },
    )
    assert response.status == 201, response.body


def _approved_whatsapp_template(tenant_id: str, fakes: Fakes) -> str:
    """An active WhatsApp template whose Content Meta approved; the fake Twilio holds no open window."""
    fakes.twilio.whatsapp_sessions = set()
    fakes.twilio.contents[CONTENT_SID] = ("approved", None)
    templates = ApiClient(TEMPLATES, tenant_id, role="admin", sub="boss-1")
    created = templates.post(
        "/templates",
        {
            "name": "Relance WhatsApp",
            "channel": "whatsapp",
            "category": "follow_up",
            "body": "Bonjour {{firstName}}, toujours partante pour votre soin ?",
        },
    )
    assert created.status == 201, created.body
    template_id = str(created.body["id"])
    assert templates.post(f"/templates/{template_id}/activate").status == 200
    approved = {"content_sid": CONTENT_SID, "state": "approved"}
    registered = templates.request("PUT", f"/templates/{template_id}/whatsapp", json_body=approved)
    assert registered.status == 200, registered.body
    return template_id


def _emailed(
    tenant_id: str, fakes: Fakes, subject: str, ago: timedelta, headers: dict[str, str] | None = None
) -> str:
    """The lead's e-mail, ``ago`` before now, read by the worker as Resend's webhook queues it; its
    Message-ID as the fake Resend gives it (between angle brackets)."""
    email_id = str(uuid.uuid4())
    fakes.resend.receive(email_id, f"Sophie <{EMAIL}>", INBOX, subject, text="Merci !", headers=headers)
    now = datetime.now(UTC)
    notice = InboundEmailNotice(
        email_id=email_id, sender=EMAIL, recipient=INBOX, subject=subject, received_at=now - ago
    )
    job = TenantJobMessage(job=Job.READ_EMAIL, tenant_id=tenant_id, scheduled_at=now, email=notice)
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    result = worker(sqs_event([("m-read-email", job.model_dump_json())]), LocalContext())
    assert result["batchItemFailures"] == []
    return str(fakes.resend.received[email_id]["message_id"])


def _reply(api: ApiClient, lead_id: str, key: str | None = None, **body: Any) -> ApiResponse:
    headers = {} if key is None else {"idempotency-key": key}
    return api.post(f"/conversations/{lead_id}/replies", body, headers=headers)


def _replied(api: ApiClient, lead_id: str, key: str | None = None, **body: Any) -> dict[str, Any]:
    response = _reply(api, lead_id, key, **body)
    assert response.status == 201, response.body
    return dict(response.body)


def _refused(response: ApiResponse, code: str, status: int = 409) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code, response.body
    return dict(response.body["error"])


def _outbound(api: ApiClient, lead_id: str) -> list[dict[str, Any]]:
    """The lead's thread as the inbox shows it, oldest first, our messages only."""
    response = api.get(f"/leads/{lead_id}/messages")
    assert response.status == 200, response.body
    return [m for m in reversed(response.body["items"]) if m["direction"] == "out"]


# --- on the conversation's channel -----------------------------------------------------------------
def test_a_reply_goes_on_the_channel_the_lead_last_wrote_on(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given a lead who wrote by e-mail, then by SMS
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "email", timedelta(days=2))
    _wrote(tenant, lead_id, "sms", timedelta(hours=1), "Vous avez un créneau jeudi ?")

    # When a member replies without naming a channel
    answer = _replied(member, lead_id, body="Oui, jeudi 10 h vous convient ?")

    # Then one SMS goes, the reply itself, with no transition and no switch
    assert [m["body"] for m in fakes.twilio.sent] == ["Oui, jeudi 10 h vous convient ?"]
    assert fakes.twilio.sent[0]["to"] == PHONE
    assert fakes.resend.requests == []
    assert (answer["switched_from"], answer["transition"]) == (None, None)
    assert answer["reply"]["channel"] == "sms"
    # And the thread holds it, sent by the member
    (sent,) = _outbound(member, lead_id)
    assert sent["id"] == answer["reply"]["activity"]["id"]
    assert sent["metadata"]["sent_by"] == "rep-1"
    assert "switched_from" not in sent["metadata"]


def test_a_lead_who_never_wrote_needs_a_channel_named(member: ApiClient, tenant: str, fakes: Fakes) -> None:
    lead_id = _lead(tenant)

    # When a reply names no channel, Then a 422 says to choose one, and nothing leaves
    response = _reply(member, lead_id, body="Bonjour Sophie")
    assert response.status == 422, response.body
    assert response.body["error"]["details"] == [
        {"field": "channel", "message": "obligatoire tant que le lead n'a envoyé aucun message"}
    ]
    assert "choisissez le canal" in response.body["error"]["message"]
    assert fakes.requests == 0

    # When it names one, Then it goes there, with nothing to switch from
    answer = _replied(member, lead_id, channel="sms", body="Bonjour Sophie")
    assert (answer["reply"]["channel"], answer["switched_from"]) == ("sms", None)
    assert [m["body"] for m in fakes.twilio.sent] == ["Bonjour Sophie"]


def test_outside_whatsapps_window_free_text_is_refused_naming_the_approved_templates(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given a lead whose last message came on WhatsApp 25 hours ago, and an approved WhatsApp template
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "whatsapp", timedelta(hours=25))
    template_id = _approved_whatsapp_template(tenant, fakes)

    # When a member replies with free text, Then WhatsApp's rule refuses it and names the template
    error = _refused(_reply(member, lead_id, body="Bonjour Sophie"), "whatsapp_window_closed")
    assert error["details"]["approved_templates"] == [{"id": template_id, "name": "Relance WhatsApp"}]
    assert fakes.requests == 0
    assert _outbound(member, lead_id) == []

    # When the reply is the approved template, Then it goes as its Content, on WhatsApp
    answer = _replied(member, lead_id, template_id=template_id)
    assert answer["reply"]["channel"] == "whatsapp"
    (sent,) = fakes.twilio.sent
    assert (sent["to"], sent["content_sid"]) == (f"whatsapp:{PHONE}", CONTENT_SID)
    assert json.loads(sent["content_variables"]) == {"1": "Sophie"}


# --- on another channel, one thread ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "opening"),
    [
        (Locale.FR, "Bonjour Sophie, je poursuis notre échange de WhatsApp par e-mail."),
        (Locale.EN, "Hello Sophie, I'm continuing our WhatsApp conversation by e-mail."),
    ],
)
def test_a_switch_from_whatsapp_to_email_opens_the_one_email_with_the_transition(
    tenant_id: str, fakes: Fakes, locale: Locale, opening: str
) -> None:
    # Given a lead who wrote on WhatsApp an hour ago, in a French or an English tenant
    _tenant(tenant_id, locale)
    member = ApiClient(MESSAGING, tenant_id, role="member", sub="rep-1")
    lead_id = _lead(tenant_id)
    _wrote(tenant_id, lead_id, "whatsapp", timedelta(hours=1), "Vous pouvez m'envoyer le devis ?")

    # When a member replies by e-mail
    answer = _replied(member, lead_id, "devis-0001", channel="email", body="Voici le devis en pièce jointe.")

    # Then one e-mail goes, opening with the transition, and nothing on WhatsApp
    (request,) = fakes.resend.requests
    assert request.body["to"] == [EMAIL]
    assert request.body["text"] == f"{opening}\n\nVoici le devis en pièce jointe."
    assert request.body["subject"] == (
        "Suite à notre échange" if locale is Locale.FR else "Following up on our conversation"
    )
    assert fakes.twilio.requests == []
    assert (answer["switched_from"], answer["transition"]) == ("whatsapp", None)
    # And the thread shows the switch on the reply
    (sent,) = _outbound(member, lead_id)
    assert sent["id"] == answer["reply"]["activity"]["id"]
    assert sent["channel"] == "email"
    assert sent["metadata"]["switched_from"] == "whatsapp"
    assert sent["preview"].startswith(opening)

    # When the request comes again with its key, Then nothing more is sent
    again = _replied(member, lead_id, "devis-0001", channel="email", body="Voici le devis en pièce jointe.")
    assert again == answer
    assert len(fakes.resend.requests) == 1


def test_a_template_reply_by_email_opens_its_text_and_its_html_with_the_transition(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given a lead who wrote on WhatsApp, and an active e-mail template with HTML
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "whatsapp", timedelta(hours=1))
    templates = ApiClient(TEMPLATES, tenant, role="admin")
    created = templates.post(
        "/templates",
        {
            "name": "Devis",
            "channel": "email",
            "subject": "Votre devis",
            "body": "Voici votre devis, {{firstName}}.",
            "html": "<p>Voici votre devis, {{firstName}}.</p>",
        },
    )
    assert created.status == 201, created.body
    assert templates.post(f"/templates/{created.body['id']}/activate").status == 200

    # When a member replies by e-mail with it
    _replied(member, lead_id, channel="email", template_id=created.body["id"])

    # Then the one e-mail opens with the transition, in its text and in its HTML
    opening = "Bonjour Sophie, je poursuis notre échange de WhatsApp par e-mail."
    (request,) = fakes.resend.requests
    assert request.body["subject"] == "Votre devis"
    assert request.body["text"] == f"{opening}\n\nVoici votre devis, Sophie."
    assert request.body["html"] == f"<p>{opening}</p><p>Voici votre devis, Sophie.</p>"


def test_a_switch_from_email_to_sms_sends_the_transition_then_the_reply_once_each_across_a_retry(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given a lead who wrote by e-mail, and Twilio failing after it took the first SMS
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "email", timedelta(hours=2), "Pouvez-vous me rappeler ?")
    fakes.twilio.script = [ACCEPT, *[twilio_error(503, 20503, "Service Unavailable")] * 4]
    body = {"channel": "sms", "body": "Je vous appelle à 14 h."}

    # When a member replies by SMS, Then the transition left but the reply did not: a 502
    _refused(_reply(member, lead_id, "rappel-0001", **body), "upstream_error", 502)
    transition = "Bonjour Sophie, je poursuis notre échange d'e-mails par SMS."
    assert [m["body"] for m in fakes.twilio.sent] == [transition]

    # When the client retries with the same key, twice
    answer = _replied(member, lead_id, "rappel-0001", **body)
    again = _replied(member, lead_id, "rappel-0001", **body)

    # Then the lead got two SMS in all, the transition then the reply, each once
    assert [m["body"] for m in fakes.twilio.sent] == [transition, "Je vous appelle à 14 h."]
    assert again == answer
    assert answer["switched_from"] == "email"
    assert answer["transition"]["activity"]["preview"] == transition
    # And the thread shows both, in order, the switch named on each
    thread = _outbound(member, lead_id)
    assert [m["preview"] for m in thread] == [transition, "Je vous appelle à 14 h."]
    assert [m["id"] for m in thread] == [
        answer["transition"]["activity"]["id"],
        answer["reply"]["activity"]["id"],
    ]
    assert [m["metadata"]["switched_from"] for m in thread] == ["email", "email"]
    assert thread[0]["metadata"]["transition"] is True


def test_a_switch_to_whatsapp_outside_its_window_sends_the_approved_template_alone_once(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given an approved template, and a lead who wrote by e-mail two hours ago, on WhatsApp two days ago
    template_id = _approved_whatsapp_template(tenant, fakes)
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "whatsapp", timedelta(days=2))
    _wrote(tenant, lead_id, "email", timedelta(hours=2), "Toujours d'accord pour jeudi.")

    # When a member switches to WhatsApp with free text, Then WhatsApp's rule refuses it, naming the template
    error = _refused(_reply(member, lead_id, channel="whatsapp", body="Bonjour"), "whatsapp_window_closed")
    assert error["details"]["approved_templates"] == [{"id": template_id, "name": "Relance WhatsApp"}]
    assert fakes.requests == 0

    # When the member switches with the approved template, and the request comes again with its key
    body = {"channel": "whatsapp", "template_id": template_id}
    answer = _replied(member, lead_id, "relance-0001", **body)
    again = _replied(member, lead_id, "relance-0001", **body)

    # Then one WhatsApp message went, the template's Content, without a transition
    (sent,) = fakes.twilio.sent
    assert (sent["to"], sent["content_sid"]) == (f"whatsapp:{PHONE}", CONTENT_SID)
    assert json.loads(sent["content_variables"]) == {"1": "Sophie"}
    assert again == answer
    assert (answer["switched_from"], answer["transition"]) == ("email", None)
    # And the thread shows the one reply, the switch named on it
    (reply,) = _outbound(member, lead_id)
    assert reply["id"] == answer["reply"]["activity"]["id"]
    assert reply["metadata"]["switched_from"] == "email"
    assert "transition" not in reply["metadata"]


# --- an e-mail answering an e-mail -----------------------------------------------------------------------
def test_ap95_a_reply_by_email_threads_under_the_leads_last_email(
    member: ApiClient, tenant: str, fakes: Fakes, fanout_queue: str
) -> None:
    # Given a lead who wrote twice by e-mail, the last one answering an earlier thread
    lead_id = _lead(tenant)
    _emailed(tenant, fakes, "Une question", timedelta(days=3))
    earlier = "<premier@mail.example.fr> <second@mail.example.fr>"
    last = _emailed(tenant, fakes, "RE: Re: Votre devis", timedelta(hours=2), {"references": earlier})

    # When a member replies with a text, then with a subject of their own
    _replied(member, lead_id, body="Bonne nouvelle : le devis tient toujours.")
    _replied(member, lead_id, body="Voici la version corrigée.", subject="Devis corrigé")

    # Then both e-mails answer the last one: In-Reply-To names it, References the thread then it
    first, second = fakes.resend.sent
    for sent in (first, second):
        assert sent["headers"]["In-Reply-To"] == last
        assert sent["headers"]["References"] == f"{earlier} {last}"
    # And each is an e-mail of its own
    assert len({first["headers"]["Message-ID"], second["headers"]["Message-ID"], last}) == 3
    # And the text takes the lead's subject, "Re:" once; the member's own subject is kept
    assert (first["subject"], second["subject"]) == ("Re: Votre devis", "Devis corrigé")


def test_a_switch_to_email_starts_a_thread_of_its_own(
    member: ApiClient, tenant: str, fakes: Fakes, fanout_queue: str
) -> None:
    # Given a lead who wrote by e-mail yesterday, then on WhatsApp an hour ago
    lead_id = _lead(tenant)
    _emailed(tenant, fakes, "Une question", timedelta(days=1))
    _wrote(tenant, lead_id, "whatsapp", timedelta(hours=1))

    # When a member replies by e-mail: a switch from the WhatsApp conversation
    answer = _replied(member, lead_id, channel="email", body="Voici le devis.")

    # Then the e-mail answers no e-mail: no In-Reply-To nor References, the default subject
    (sent,) = fakes.resend.sent
    assert answer["switched_from"] == "whatsapp"
    assert not {"In-Reply-To", "References"} & set(sent["headers"])
    assert sent["subject"] == "Suite à notre échange"


@pytest.mark.parametrize(
    ("lead_fields", "channel", "code"),
    [({"consent": {"sms": False}}, "sms", "opted_out"), ({}, "telegram", "no_address")],
)
def test_a_switch_to_a_channel_the_lead_cannot_receive_on_is_refused_before_anything_leaves(
    member: ApiClient, tenant: str, fakes: Fakes, lead_fields: dict[str, Any], channel: str, code: str
) -> None:
    # Given a lead who wrote by e-mail, opted out of SMS or without a Telegram chat
    lead_id = _lead(tenant, **lead_fields)
    _wrote(tenant, lead_id, "email", timedelta(hours=2))

    # When a member replies on that channel, Then it is refused and nothing leaves, transition included
    _refused(_reply(member, lead_id, "switch-0001", channel=channel, body="Bonjour"), code)
    assert fakes.requests == 0
    assert _outbound(member, lead_id) == []


def test_a_reply_the_send_path_refuses_stops_its_transition_too(
    member: ApiClient, tenant: str, fakes: Fakes
) -> None:
    # Given a lead who wrote by e-mail, and an SMS template still a draft
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "email", timedelta(hours=2))
    created = ApiClient(TEMPLATES, tenant, role="admin").post(
        "/templates", {"name": "Rappel", "channel": "sms", "body": "Bonjour {{firstName}}, je vous rappelle."}
    )
    assert created.status == 201, created.body

    # When a member replies by SMS with it, Then the reply is refused and its transition never left
    _refused(_reply(member, lead_id, channel="sms", template_id=created.body["id"]), "template_not_active")
    assert fakes.requests == 0
    assert _outbound(member, lead_id) == []


# --- tenants and bad input ----------------------------------------------------------------------------
def test_another_tenants_lead_is_a_404_and_nothing_is_sent(
    member: ApiClient, fakes: Fakes, other_tenant_id: str
) -> None:
    theirs = _lead(_tenant(other_tenant_id))
    _wrote(other_tenant_id, theirs, "sms", timedelta(hours=1))

    response = _reply(member, theirs, body="Bonjour")

    assert response.status == 404, response.body
    assert fakes.requests == 0
    assert _outbound(ApiClient(MESSAGING, other_tenant_id), theirs) == []


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({}, {}),
        ({"body": "Bonjour", "template_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}, {}),
        ({"channel": "fax", "body": "Bonjour"}, {}),
        ({"channel": "auto", "body": "Bonjour"}, {}),
        ({"body": ""}, {}),
        ({"body": "x" * 4001}, {}),
        ({"body": "Bonjour", "lead_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}, {}),
        ({"body": "Bonjour"}, {"idempotency-key": "short"}),
    ],
)
def test_bad_input_is_a_4xx_that_sends_nothing(
    member: ApiClient, tenant: str, fakes: Fakes, body: dict[str, Any], headers: dict[str, str]
) -> None:
    lead_id = _lead(tenant)
    _wrote(tenant, lead_id, "sms", timedelta(hours=1))

    response = member.post(f"/conversations/{lead_id}/replies", body, headers=headers)

    assert response.status == 422, response.body
    assert fakes.requests == 0
    assert _outbound(member, lead_id) == []


def test_a_path_that_is_no_lead_id_is_a_4xx(member: ApiClient, fakes: Fakes) -> None:
    response = member.post("/conversations/not-a-lead/replies", {"channel": "sms", "body": "Bonjour"})
    assert response.status == 422, response.body
    assert fakes.requests == 0
