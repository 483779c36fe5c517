"""French practice for marketing SMS, through the handlers: quiet Sundays and the STOP mention.

The scheduler's worker and the Messaging API run on moto; the real Twilio SDK talks to the fake
Twilio of tests/support, which records the bodies it receives.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.keys import due_shard
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.tenant import Mode, Tenant
from maxcore.services.tenants import provision_tenant
from tests.integration.conftest import sms_through_twilio
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer
from tests.support.fake_providers import FakeTwilio
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

ACCOUNT_SID = "AC" + "fedcba9876543210" * 2
SMS_SENDER = "+33757000003"
PHONE = "+33612345679"
MENTION = "Répondez STOP pour vous désinscrire"

SUNDAY_1100_PARIS = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
MONDAY_0800_PARIS = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
EVERY_DAY = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "07:00", "end": "21:00"}


@pytest.fixture(autouse=True)
def twilio(twilio_for_sends: FakeTwilio) -> FakeTwilio:
    return twilio_for_sends


@pytest.fixture
def tenant(tenant_id: str) -> str:
    """An auto-mode tenant whose SMS go through Twilio."""
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    sms_through_twilio(tenant_id, SMS_SENDER, ACCOUNT_SID)
    return tenant_id


def _created(client: ApiClient, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _hourly_run(tenant_id: str, shard: int) -> None:
    """The worker's run of the prospect's shard, as the hourly schedule queues it."""
    job = {"job": "run_pending_actions", "tenant_id": tenant_id, "scheduled_at": "2026-12-06T10:00:00Z"}
    event = sqs_event([("m-1", json.dumps({**job, "shard": shard}))])
    result = load_handler("functions/scheduler/", "worker.lambda_handler")(event, LocalContext())
    assert result["batchItemFailures"] == []


def _deferred_by_the_hourly_run(
    tenant: str, twilio: FakeTwilio, campaign_id: str, lead_id: str
) -> dict[str, Any]:
    """Run the prospect's shard; check nothing left and the step was deferred; its last decision."""
    _hourly_run(tenant, due_shard(campaign_id, lead_id))
    assert twilio.sent == []
    prospection = ApiClient("functions/prospection/", tenant)
    last = dict(prospection.get(f"/campaigns/{campaign_id}/prospects/{lead_id}").body["last_decision"])
    assert last["outcome"] == "deferred", last
    return last


def test_a_sunday_run_defers_the_sms_to_monday_8_local_and_monday_s_carries_the_stop_mention(
    tenant: str, twilio: FakeTwilio, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a campaign open every day 07:00-21:00 Paris, of one SMS step, and a French lead
    # enrolled on Sunday at 11:00 Paris
    time_machine.move_to(SUNDAY_1100_PARIS, tick=False)
    prospection = ApiClient("functions/prospection/", tenant)
    lead_id = _created(ApiClient("functions/leads/", tenant), "/leads", {"first_name": "Léa", "phone": PHONE})
    campaign_id = _one_sms_campaign(tenant, lead_id)
    shard = due_shard(campaign_id, lead_id)

    # When the hourly run comes on Sunday
    last = _deferred_by_the_hourly_run(tenant, twilio, campaign_id, lead_id)
    # Then nothing is sent: the step waits for Monday 08:00 in Paris, saying why
    assert last["code"] == "quiet_sunday"
    assert datetime.fromisoformat(last["until"]) == MONDAY_0800_PARIS
    prospect = prospection.get(f"/campaigns/{campaign_id}/prospects/{lead_id}").body
    assert datetime.fromisoformat(prospect["next_action_at"]) == MONDAY_0800_PARIS
    assert "dimanche chez le destinataire" in last["reason"]
    assert "lundi 7 décembre 08:00" in last["reason"], last["reason"]

    # When the hourly run comes on Monday at 08:00 Paris
    time_machine.move_to(MONDAY_0800_PARIS, tick=False)
    _hourly_run(tenant, shard)
    # Then Twilio got the SMS once, ending with the opt-out mention
    (sent,) = twilio.sent
    assert sent["to"] == PHONE
    assert sent["body"].endswith("\n" + MENTION)
    last = prospection.get(f"/campaigns/{campaign_id}/prospects/{lead_id}").body["last_decision"]
    assert (last["outcome"], last["code"]) == ("sent", "mode_auto")


OFFER = "Bonjour {{firstName|}}, -20 % sur nos soins jusqu'à Noël : réservez au salon !"


def _one_sms_campaign(tenant: str, lead_id: str, body: str = OFFER) -> str:
    """A campaign open every day 07:00-21:00 Paris, of one SMS step written by a template of the tenant
    (no STOP mention of its own), with the lead enrolled; its id."""
    prospection = ApiClient("functions/prospection/", tenant)
    templates = ApiClient("functions/templates/", tenant)
    template_id = _created(templates, "/templates", {"channel": "sms", "name": "Noël", "body": body})
    assert templates.post(f"/templates/{template_id}/activate").status == 200
    steps = [
        {
            "order": 1,
            "delay_days": 0,
            "channel": "sms",
            "objective": "Présenter l'offre",
            "template_id": template_id,
        }
    ]
    scenario_id = _created(prospection, "/scenarios", {"name": "Un SMS", "steps": steps})
    campaign_id = _created(
        prospection,
        "/campaigns",
        {"name": "Noël", "scenario_id": scenario_id, "send_window": EVERY_DAY, "timezone": "Europe/Paris"},
    )
    enrolled = prospection.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": [lead_id]})
    assert enrolled.status == 200, enrolled.body
    return campaign_id


def test_a_tenant_narrows_the_marketing_hours_but_cannot_widen_them(
    tenant: str, twilio: FakeTwilio, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given an admin who tries 07:00-20:00, then sets 10:00-19:00
    admin = ApiClient("functions/tenants/", tenant, role="admin", sub="admin-1")
    wider = admin.patch("/tenant", {"marketing_hours": {"start": "07:00", "end": "20:00"}})
    assert wider.status == 422, wider.body
    narrower = admin.patch("/tenant", {"marketing_hours": {"start": "10:00", "end": "19:00"}})
    assert narrower.status == 200, narrower.body
    assert narrower.body["marketing_hours"] == {"start": "10:00", "end": "19:00"}
    # And a French lead enrolled on Monday at 08:00 Paris
    time_machine.move_to(MONDAY_0800_PARIS, tick=False)
    lead_id = _created(ApiClient("functions/leads/", tenant), "/leads", {"first_name": "Léa", "phone": PHONE})
    campaign_id = _one_sms_campaign(tenant, lead_id)

    # When the hourly run comes, Then the SMS waits for 10:00 in Paris
    last = _deferred_by_the_hourly_run(tenant, twilio, campaign_id, lead_id)
    assert last["code"] == "quiet_hours"
    assert datetime.fromisoformat(last["until"]) == MONDAY_0800_PARIS + timedelta(hours=2)
    assert "hors 10:00-19:00 chez le destinataire" in last["reason"], last["reason"]


def test_a_lead_s_own_timezone_sets_the_quiet_hours(
    tenant: str, twilio: FakeTwilio, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a French number whose owner lives in La Réunion (UTC+4), and a bad zone refused
    leads = ApiClient("functions/leads/", tenant)
    refused = leads.post("/leads", {"first_name": "Léa", "phone": PHONE, "timezone": "Mars/Olympus"})
    assert refused.status == 422, refused.body
    lead = {"first_name": "Léa", "phone": PHONE, "timezone": "Indian/Reunion"}
    lead_id = _created(leads, "/leads", lead)
    assert leads.get(f"/leads/{lead_id}").body["timezone"] == "Indian/Reunion"
    # And a one-SMS campaign open 07:00-21:00 Paris, the lead enrolled on Monday at 18:00 Paris
    time_machine.move_to(MONDAY_0800_PARIS + timedelta(hours=10), tick=False)
    campaign_id = _one_sms_campaign(tenant, lead_id)

    # When the hourly run comes (21:00 in Saint-Denis), Then the SMS waits for Tuesday 08:00 there
    last = _deferred_by_the_hourly_run(tenant, twilio, campaign_id, lead_id)
    assert last["code"] == "quiet_hours"
    assert datetime.fromisoformat(last["until"]) == datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    assert "hors 08:00-20:00 chez le destinataire" in last["reason"], last["reason"]


def test_a_transactional_template_goes_without_a_mention_and_a_marketing_one_with_it(
    tenant: str, twilio: FakeTwilio
) -> None:
    # Given a lead, a confirmation template and a follow-up template, both active
    templates = ApiClient("functions/templates/", tenant)
    lead_id = _created(ApiClient("functions/leads/", tenant), "/leads", {"first_name": "Léa", "phone": PHONE})

    def active(category: str, body: str) -> str:
        template_id = _created(
            templates, "/templates", {"channel": "sms", "name": category, "category": category, "body": body}
        )
        assert templates.post(f"/templates/{template_id}/activate").status == 200
        return template_id

    confirmation = active("appointment_confirmation", "Votre rendez-vous est confirmé.")
    follow_up = active("follow_up", "Une place s'est libérée cette semaine !")

    # When both are sent with POST /messages
    messages = ApiClient("functions/messaging/", tenant)
    for template_id in (confirmation, follow_up):
        response = messages.post(
            "/messages", {"lead_id": lead_id, "channel": "sms", "template_id": template_id}
        )
        assert response.status == 201, response.body

    # Then the confirmation goes as written, the follow-up with the mention
    assert [s["body"] for s in twilio.sent] == [
        "Votre rendez-vous est confirmé.",
        "Une place s'est libérée cette semaine !\n" + MENTION,
    ]
    # And the preview counts the segments of the text that goes: the mention makes it UCS-2 and longer
    preview = templates.post(f"/templates/{follow_up}/render", {"lead_id": lead_id})
    assert preview.status == 200, preview.body
    assert preview.body["body"].endswith(MENTION)
    assert preview.body["sms"]["units"] == len("Une place s'est libérée cette semaine !\n" + MENTION)


def test_the_channel_s_opt_out_number_is_named_in_the_mention(tenant: str, twilio: FakeTwilio) -> None:
    # Given the SMS channel's STOP short number (WhatsApp has none)
    messages = ApiClient("functions/messaging/", tenant)
    whatsapp = messages.request("PUT", "/channels/whatsapp", json_body={"opt_out_number": "36180"})
    assert whatsapp.status == 422, whatsapp.body
    sms = messages.request("PUT", "/channels/sms", json_body={"opt_out_number": "36180"})
    assert sms.status == 200, sms.body
    assert sms.body["opt_out_number"] == "36180"
    lead_id = _created(ApiClient("functions/leads/", tenant), "/leads", {"first_name": "Léa", "phone": PHONE})

    # When a text is sent as a marketing template
    templates = ApiClient("functions/templates/", tenant)
    body = {"channel": "sms", "name": "Offre", "category": "follow_up", "body": "-20 % cette semaine."}
    template_id = _created(templates, "/templates", body)
    assert templates.post(f"/templates/{template_id}/activate").status == 200
    sent = messages.post("/messages", {"lead_id": lead_id, "channel": "sms", "template_id": template_id})
    assert sent.status == 201, sent.body

    # Then it ends with "STOP au" the number
    assert [s["body"] for s in twilio.sent] == ["-20 % cette semaine.\nSTOP au 36180"]


def test_a_model_sms_the_stop_mention_would_take_past_ten_segments_becomes_a_task_unsent(
    tenant_id: str, twilio: FakeTwilio, llm: FakeChatCompletions
) -> None:
    # Given an auto-mode tenant whose SMS step only the model writes, and a model that writes a text
    # filling exactly the 10 segments an SMS may take, without the opt-out mention
    with time_machine.travel(MONDAY_0800_PARIS - timedelta(days=1), tick=False):
        provision_tenant(tenant_id, "Institut Belle Peau", mode=Mode.AUTO)
        sms_through_twilio(tenant_id, SMS_SENDER, ACCOUNT_SID)
        leads = ApiClient("functions/leads/", tenant_id)
        lead_id = _created(leads, "/leads", {"first_name": "Léa", "phone": PHONE})
        step = {
            "order": 1,
            "delay_days": 0,
            "channel": "sms",
            "objective": "Présenter l'offre du mois",
            "ai_prompt": "Présente l'offre en quelques phrases.",
        }
        prospection = ApiClient("functions/prospection/", tenant_id)
        scenario_id = _created(prospection, "/scenarios", {"name": "Un SMS écrit", "steps": [step]})
        campaign_id = enrolled_campaign(prospection, "Offre", scenario_id, lead_id)
    sentence = "Nos soins du visage sont offerts ce mois-ci pour toute réservation au salon. "
    llm.script = [answer((sentence * 30)[: 10 * 153].rstrip())]

    # When its step comes due
    run_prospect_shard(tenant_id, campaign_id, lead_id, MONDAY_0800_PARIS + timedelta(hours=1))

    # Then the model wrote it, but nothing went to Twilio: with the mention it would take 11 segments
    assert len(llm.requests) == 1
    assert twilio.sent == []
    # And a person takes over, told why
    last = prospection.get(f"/campaigns/{campaign_id}/prospects/{lead_id}").body["last_decision"]
    assert (last["outcome"], last["code"]) == ("task_created", "message_too_many_segments"), last
