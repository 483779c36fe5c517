"""WhatsApp templates as Twilio Content: registered and refreshed by an admin, sent as their Content
outside the 24-hour window, and decided alike by the schedule preview and the scheduler.

Tenants are provisioned as real ones are (the built-in library seeded); everything goes through the
handlers, and Twilio is the real twilio SDK against the fake, which serves the Content API's approval
requests and refuses a free-form WhatsApp body outside the window as Twilio does (error 63016).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.channels.base import OutboundMessage, PermanentSendError
from maxcore.channels.twilio import TwilioAdapter
from maxcore.models.common import Channel
from maxcore.models.tenant import Locale, Mode
from maxcore.services.schedule_preview import SchedulePreviewService
from maxcore.services.templates import library_template_id
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.api import ApiClient
from tests.support.fake_llm import fake_chat_completions
from tests.support.fake_providers import (
    FakeResend,
    FakeTelegram,
    FakeTwilio,
    running_fake_telegram,
    running_fake_twilio,
    twilio_error,
)
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

TEMPLATES = "functions/templates/"
MESSAGING = "functions/messaging/"
LEADS = "functions/leads/"
ALERTS = "functions/alerts/"
PROSPECTION = "functions/prospection/"

ACCOUNT_SID = "AC" + "13579bdf2468ace0" * 2
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
BOT_TOKEN = "7000000002:AAH-another-bot-token_xyz012345678"
WHATSAPP_SENDER = "+33757000004"
SMS_SENDER = "+33757000005"
PHONE = "+33612345670"
SID = "HX" + "0123456789abcdef" * 2
OTHER_SID = "HX" + "fedcba9876543210" * 2
TENANT_NAME = "Atelier Lumière"
THANK_YOU = "whatsapp_thank_you"

SUN_1000_PARIS = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
MON_0630_PARIS = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
MON_0700_PARIS = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# --- fixtures and helpers ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def twilio(ssm_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """The fake Twilio (Messages and Content API), checking the tenant's token and WhatsApp's window."""
    with running_fake_twilio(auth_token=AUTH_TOKEN) as fake:
        fake.whatsapp_sessions = set()
        monkeypatch.setenv("TWILIO_API_URL", fake.url)
        monkeypatch.setenv("TWILIO_CONTENT_API_URL", fake.url)
        monkeypatch.delenv("PUBLIC_API_URL", raising=False)
        reset_settings()
        yield fake
    reset_settings()


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    with running_fake_telegram(bot_token=BOT_TOKEN) as fake:
        monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
        reset_settings()
        yield fake
    reset_settings()


def _provisioned(tenant_id: str) -> str:
    """A tenant provisioned the day before the runs (automatic mode, French), as a real one is."""
    with time_machine.travel(SUN_1000_PARIS, tick=False):
        provision_tenant(tenant_id, TENANT_NAME, mode=Mode.AUTO, locale=Locale.FR)
    return tenant_id


@pytest.fixture
def tenant(tenant_id: str) -> str:
    return _provisioned(tenant_id)


@pytest.fixture
def templates(tenant: str) -> ApiClient:
    return ApiClient(TEMPLATES, tenant, role="admin", sub="boss-1")


def _thank_you(tenant_id: str) -> str:
    """The tenant's copy of the built-in WhatsApp thank-you (French)."""
    return library_template_id(tenant_id, THANK_YOU, "fr")


def _set(templates: ApiClient, template_id: str, **body: Any) -> dict[str, Any]:
    response = templates.request("PUT", f"/templates/{template_id}/whatsapp", json_body=body)
    assert response.status == 200, response.body
    return dict(response.body)


def _twilio_on(tenant_id: str, *channels: str) -> None:
    api = ApiClient(MESSAGING, tenant_id)
    senders = {"whatsapp": WHATSAPP_SENDER, "sms": SMS_SENDER}
    for channel in channels:
        credentials = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}
        response = api.request(
            "PUT", f"/channels/{channel}", json_body={"credentials": credentials, "sender": senders[channel]}
        )
        assert response.status == 200, response.body


def _lead(tenant_id: str, **fields: Any) -> str:
    response = ApiClient(LEADS, tenant_id).post("/leads", {"first_name": "Camille", "phone": PHONE, **fields})
    assert response.status == 201, response.body
    return str(response.body["id"])


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code, response.body
    return dict(response.body["error"])


# --- the admin route ---------------------------------------------------------------------------------
def test_an_admin_registers_a_builtin_whatsapp_templates_content_and_its_variables(
    templates: ApiClient, tenant: str
) -> None:
    # Given the tenant's copy of the built-in WhatsApp thank-you, seeded at provisioning
    template_id = _thank_you(tenant)
    assert templates.get(f"/templates/{template_id}").body["whatsapp"] is None
    # When an admin registers its Twilio Content as approved
    shown = _set(templates, template_id, content_sid=SID, state="approved")
    # Then the template says so, with its placeholders mapped to Content variables in order
    expected = {
        "content_sid": SID,
        "state": "approved",
        "rejection_reason": None,
        "variables": {"1": "firstName", "2": "companyName"},
    }
    assert {k: shown["whatsapp"][k] for k in expected} == expected
    read = templates.get(f"/templates/{template_id}").body["whatsapp"]
    assert {k: read[k] for k in expected} == expected
    # And a rejection keeps Meta's reason
    rejected = _set(
        templates, template_id, content_sid=SID, state="rejected", rejection_reason="Trop promotionnel"
    )
    assert (rejected["whatsapp"]["state"], rejected["whatsapp"]["rejection_reason"]) == (
        "rejected",
        "Trop promotionnel",
    )


def test_only_an_admin_sets_a_valid_sid_on_a_whatsapp_template_of_its_own_tenant(
    templates: ApiClient, tenant: str, other_tenant_id: str
) -> None:
    template_id = _thank_you(tenant)
    body = {"content_sid": SID, "state": "approved"}
    path = f"/templates/{template_id}/whatsapp"
    # A member is refused
    member = ApiClient(TEMPLATES, tenant, role="member", sub="rep-1")
    assert member.request("PUT", path, json_body=body).status == 403
    assert member.post(f"{path}/refresh").status == 403
    # Another tenant does not see the template
    _provisioned(other_tenant_id)
    assert ApiClient(TEMPLATES, other_tenant_id).request("PUT", path, json_body=body).status == 404
    # A SID that is not a Content SID is a 422 naming it
    for bad in ("HX123", "MG" + "0" * 32, "HX" + "G" * 32):
        response = templates.request("PUT", path, json_body={"content_sid": bad})
        assert response.status == 422, response.body
        assert "content_sid" in json.dumps(response.body["error"]["details"])
    # A template of another channel has no Content
    sms = library_template_id(tenant, "relance_agressive_4", "fr")
    response = templates.request("PUT", f"/templates/{sms}/whatsapp", json_body=body)
    assert response.status == 422, response.body
    # And nothing was written
    assert templates.get(f"/templates/{template_id}").body["whatsapp"] is None


# --- the refresh from Twilio's Content API -------------------------------------------------------------
def test_the_refresh_reads_the_approval_from_twilios_content_api(
    templates: ApiClient, tenant: str, twilio: FakeTwilio
) -> None:
    # Given a template registered as pending, and the tenant's Twilio credentials
    template_id = _thank_you(tenant)
    _set(templates, template_id, content_sid=SID)
    _twilio_on(tenant, "whatsapp")
    refresh = f"/templates/{template_id}/whatsapp/refresh"
    # When Meta rejected it and an admin refreshes
    twilio.contents[SID] = ("rejected", "Le contenu ne respecte pas la politique commerciale")
    rejected = templates.post(refresh)
    assert rejected.status == 200, rejected.body
    assert (rejected.body["whatsapp"]["state"], rejected.body["whatsapp"]["rejection_reason"]) == (
        "rejected",
        "Le contenu ne respecte pas la politique commerciale",
    )
    # Then once approved, a refresh says so (and the reason is gone)
    twilio.contents[SID] = ("approved", None)
    approved = templates.post(refresh).body["whatsapp"]
    assert (approved["state"], approved["rejection_reason"]) == ("approved", None)
    # And Twilio was asked through the SDK, on the Content's approval requests
    asked = [r for r in twilio.requests if r.path.startswith("/v1/")]
    assert [(r.method, r.path) for r in asked] == [("GET", f"/v1/Content/{SID}/ApprovalRequests")] * 2


def test_a_refresh_without_sid_credentials_or_answer_changes_nothing(
    templates: ApiClient, tenant: str, twilio: FakeTwilio
) -> None:
    template_id = _thank_you(tenant)
    refresh = f"/templates/{template_id}/whatsapp/refresh"
    # No Content SID registered yet
    _error(templates.post(refresh), 409, "content_sid_missing")
    # No Twilio credentials
    _set(templates, template_id, content_sid=SID)
    error = _error(templates.post(refresh), 409, "twilio_credentials_missing")
    assert "Twilio" in error["message"]
    # Twilio fails: 502 and nothing written
    _twilio_on(tenant, "whatsapp")
    twilio.contents[SID] = ("approved", None)
    twilio.script.append(twilio_error(503, 20503, "Service Unavailable"))
    assert templates.post(refresh).status == 502
    assert templates.get(f"/templates/{template_id}").body["whatsapp"]["state"] == "pending"
    # Twilio has no such Content: 422
    _set(templates, template_id, content_sid=OTHER_SID)
    assert templates.post(refresh).status == 422
    assert templates.get(f"/templates/{template_id}").body["whatsapp"]["state"] == "pending"


# --- sending -----------------------------------------------------------------------------------------
def test_outside_the_window_a_whatsapp_message_goes_only_as_an_approved_content(
    templates: ApiClient, tenant: str, twilio: FakeTwilio
) -> None:
    # Given WhatsApp on Twilio and a lead who never wrote on WhatsApp
    _twilio_on(tenant, "whatsapp")
    lead_id = _lead(tenant)
    template_id = _thank_you(tenant)
    api = ApiClient(MESSAGING, tenant)
    send = {"lead_id": lead_id, "channel": "whatsapp", "template_id": template_id}
    # A free text, or a template without Content, pending or rejected, is refused before Twilio
    _error(
        api.post("/messages", {**send, "template_id": None, "body": "Bonjour"}), 409, "whatsapp_window_closed"
    )
    _error(api.post("/messages", send), 409, "whatsapp_window_closed")
    _set(templates, template_id, content_sid=SID, state="pending")
    _error(api.post("/messages", send), 409, "whatsapp_template_pending")
    _set(templates, template_id, content_sid=SID, state="rejected")
    _error(api.post("/messages", send), 409, "whatsapp_template_rejected")
    assert twilio.requests == []
    # When the template is approved
    twilio.contents[SID] = ("approved", None)
    _set(templates, template_id, content_sid=SID, state="approved")
    response = api.post("/messages", send)
    # Then it goes as its Content, with the lead's and the tenant's values as Content variables
    assert response.status == 201, response.body
    [sent] = twilio.sent
    assert (sent["to"], sent["content_sid"]) == (f"whatsapp:{PHONE}", SID)
    assert json.loads(sent["content_variables"]) == {"1": "Camille", "2": TENANT_NAME}
    assert "Body" not in twilio.requests[-1].body


def test_the_fake_twilio_refuses_free_text_out_of_the_window_as_twilio_does(twilio: FakeTwilio) -> None:
    adapter = TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, base_url=twilio.url)
    message = OutboundMessage(
        channel=Channel.WHATSAPP, to=PHONE, body="Bonjour", idempotency_key="k-1", sender=WHATSAPP_SENDER
    )
    with pytest.raises(PermanentSendError) as refused:
        adapter.send(message)
    assert refused.value.code == "63016"
    twilio.whatsapp_sessions = {f"whatsapp:{PHONE}"}
    adapter.send(message)
    assert twilio.sent[-1]["body"] == "Bonjour"


# --- the schedule preview and the scheduler agree ------------------------------------------------------
def _whatsapp_campaign(tenant_id: str, lead_id: str, **extra: str) -> str:
    """A one-step WhatsApp scenario written by the built-in thank-you, with ``lead_id`` enrolled."""
    api = ApiClient(PROSPECTION, tenant_id)
    step = {
        "order": 1,
        "delay_days": 0,
        "channel": "whatsapp",
        "objective": "Remercier",
        "template_key": THANK_YOU,
        **extra,
    }
    scenario = api.post("/scenarios", {"name": "Merci WhatsApp", "steps": [step]})
    assert scenario.status == 201, scenario.body
    with time_machine.travel(MON_0700_PARIS, tick=False):
        return enrolled_campaign(api, "Merci", str(scenario.body["id"]), lead_id)


@pytest.mark.parametrize(
    ("state", "wrote", "outcome", "code", "content_sid"),
    [
        (None, False, "skipped", "whatsapp_window_closed", None),
        ("pending", False, "skipped", "whatsapp_template_pending", None),
        ("rejected", False, "skipped", "whatsapp_template_rejected", None),
        ("approved", False, "sent", "mode_auto", SID),
        (None, True, "sent", "mode_auto", None),
        ("rejected", True, "sent", "mode_auto", None),
    ],
)
def test_the_preview_says_what_the_scheduler_then_does_with_a_whatsapp_step(
    tenant: str,
    templates: ApiClient,
    twilio: FakeTwilio,
    state: str | None,
    wrote: bool,
    outcome: str,
    code: str,
    content_sid: str | None,
) -> None:
    # Given a WhatsApp step whose template is in ``state``, to a lead who wrote (or not) this morning
    _twilio_on(tenant, "whatsapp")
    if state is not None:
        twilio.contents[SID] = (state, None)
        _set(templates, _thank_you(tenant), content_sid=SID, state=state)
    lead_id = _lead(tenant)
    if wrote:
        twilio.whatsapp_sessions = {f"whatsapp:{PHONE}"}
        inbound = {"lead_id": lead_id, "channel": "whatsapp", "direction": "in", "preview": "Bonjour !"}
        with time_machine.travel(MON_0630_PARIS, tick=False):
            logged = ApiClient(ALERTS, tenant).post(
                "/activities", {**inbound, "occurred_at": MON_0630_PARIS.isoformat()}
            )
        assert logged.status == 201, logged.body
    campaign_id = _whatsapp_campaign(tenant, lead_id)
    # When the day is previewed, then the scheduler runs at the time the preview gives
    preview = SchedulePreviewService(tenant, clock=lambda: MON_0700_PARIS).preview(MON_0700_PARIS.date())
    [item] = preview.items
    run_prospect_shard(tenant, campaign_id, lead_id, item.at)
    # Then both took the same decision, for the same reason
    [prospect] = ApiClient(PROSPECTION, tenant).get(f"/campaigns/{campaign_id}/prospects").body["items"]
    decided = prospect["last_decision"]
    assert (item.outcome.value, item.code) == (decided["outcome"], decided["code"]) == (outcome, code)
    assert item.reason == decided["reason"]
    if outcome == "skipped":
        assert "WhatsApp" in item.reason
        assert twilio.sent == []
        return
    # And what was sent is the template's Content out of the window, its text inside it
    [sent] = twilio.sent
    assert sent["content_sid"] == content_sid
    assert item.source is not None
    assert item.source.value == "template"
    if content_sid is None:
        assert sent["body"].startswith("Bonjour Camille")


def test_out_of_the_window_a_model_does_not_write_the_step_its_approved_template_goes(
    tenant: str, templates: ApiClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a language model configured, a WhatsApp step it could write, and the step's template approved
    with fake_chat_completions() as llm:
        monkeypatch.setenv("ASSISTANT_API_KEY", "sk-test-local")
        monkeypatch.setenv("ASSISTANT_BASE_URL", llm.url)
        reset_settings()
        _twilio_on(tenant, "whatsapp")
        twilio.contents[SID] = ("approved", None)
        _set(templates, _thank_you(tenant), content_sid=SID, state="approved")
        lead_id = _lead(tenant)
        campaign_id = _whatsapp_campaign(tenant, lead_id, ai_prompt="Remercie en une phrase.")
        # When the day is previewed and the scheduler runs
        preview = SchedulePreviewService(tenant, clock=lambda: MON_0700_PARIS).preview(MON_0700_PARIS.date())
        [item] = preview.items
        run_prospect_shard(tenant, campaign_id, lead_id, item.at)
    # Then both say the template writes it, the model was never asked, and its Content went
    assert item.source is not None
    assert item.source.value == "template"
    [prospect] = ApiClient(PROSPECTION, tenant).get(f"/campaigns/{campaign_id}/prospects").body["items"]
    assert (prospect["last_decision"]["outcome"], prospect["last_decision"]["source"]) == ("sent", "template")
    assert llm.requests == []
    [sent] = twilio.sent
    assert sent["content_sid"] == SID


# --- done when: a fresh tenant's sequence sends on every channel, WhatsApp as its Content ----------------
def test_without_a_model_a_four_channel_sequence_sends_real_messages_on_every_channel(
    tenant: str,
    templates: ApiClient,
    twilio: FakeTwilio,
    telegram: FakeTelegram,
    resend_for_sends: FakeResend,
) -> None:
    # Given a fresh tenant without a model, its channels on the providers, and its built-in WhatsApp
    # template approved by Meta, as the refresh from Twilio reads it
    _twilio_on(tenant, "whatsapp", "sms")
    api = ApiClient(MESSAGING, tenant)
    for channel, body in (
        ("email", {"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@atelier-lumiere.fr"}),
        ("telegram", {"credentials": {"bot_token": BOT_TOKEN}}),
    ):
        assert api.request("PUT", f"/channels/{channel}", json_body=body).status == 200
    template_id = _thank_you(tenant)
    _set(templates, template_id, content_sid=SID)
    twilio.contents[SID] = ("approved", None)
    assert (
        templates.post(f"/templates/{template_id}/whatsapp/refresh").body["whatsapp"]["state"] == "approved"
    )
    # And a lead with a phone, an e-mail and a Telegram chat, enrolled in a sequence of the library's
    # templates on the four channels, one a day
    lead_id = _lead(tenant, email="camille@example.fr", telegram_chat_id="123456789")
    steps = [
        {
            "order": 1,
            "delay_days": 0,
            "channel": "email",
            "objective": "Ouvrir",
            "template_key": "relance_agressive_1",
        },
        {
            "order": 2,
            "delay_days": 1,
            "channel": "whatsapp",
            "objective": "Remercier",
            "template_key": THANK_YOU,
        },
        {
            "order": 3,
            "delay_days": 1,
            "channel": "sms",
            "objective": "Relancer",
            "template_key": "relance_agressive_4",
        },
        {
            "order": 4,
            "delay_days": 1,
            "channel": "telegram",
            "objective": "Suivre",
            "template_key": "telegram_follow_up",
        },
    ]
    prospection = ApiClient(PROSPECTION, tenant)
    scenario = prospection.post("/scenarios", {"name": "Quatre canaux", "steps": steps})
    assert scenario.status == 201, scenario.body
    with time_machine.travel(SUN_1000_PARIS, tick=False):
        campaign_id = enrolled_campaign(prospection, "Quatre canaux", str(scenario.body["id"]), lead_id)
    # When the scheduler's worker runs on four mornings
    for day in range(4):
        run_prospect_shard(tenant, campaign_id, lead_id, MON_1000_PARIS + timedelta(days=day))
    # Then each channel's provider received a real message, never a step's objective
    [email] = resend_for_sends.sent
    assert "Camille" in email["text"]
    assert "{{" not in email["text"]
    whatsapp, sms = twilio.sent
    assert (whatsapp["to"], whatsapp["content_sid"]) == (f"whatsapp:{PHONE}", SID)
    assert json.loads(whatsapp["content_variables"]) == {"1": "Camille", "2": TENANT_NAME}
    assert sms["to"] == PHONE
    assert "Camille" in sms["body"]
    assert "STOP" in sms["body"]
    [chat] = telegram.sent
    assert "Camille" in chat["text"]
    assert "{{" not in chat["text"]
    for text in (email["text"], sms["body"], chat["text"]):
        assert not any(step["objective"] in text for step in steps)
    [prospect] = prospection.get(f"/campaigns/{campaign_id}/prospects").body["items"]
    assert prospect["status"] == "completed"
    sent_steps = sorted(d["step"] for d in prospect["decisions"] if d["outcome"] == "sent")
    assert sent_steps == [1, 2, 3, 4], prospect["decisions"]


def test_a_new_text_activated_drops_the_content_registered_for_the_old_one(
    templates: ApiClient, tenant: str
) -> None:
    # Given an approved WhatsApp template
    template_id = _thank_you(tenant)
    _set(templates, template_id, content_sid=SID, state="approved")
    # When a new text of it is activated
    edited = templates.patch(f"/templates/{template_id}", {"body": "Merci {{firstName|à vous}} !"})
    assert edited.status == 200, edited.body
    activated = templates.post(f"/templates/{template_id}/activate")
    assert activated.status == 200, activated.body
    # Then its Content is no longer registered: the old Content says another text
    assert activated.body["whatsapp"] is None
