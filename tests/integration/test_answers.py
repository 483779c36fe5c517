"""Answers to a satisfaction survey or an appointment reminder, through the handlers.

A template of the survey or reminder category is sent with ``POST /messages`` (to the outbox: the
tenant has no sending credentials); the lead answers through the signed Twilio webhook; the worker
re-evaluates the lead from the queue, as in production. The timeline, the lead's summary and the
alerts are read through their own APIs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from devserver.events import LocalContext
from devserver.functions import load_handler
from maxcore.dal.secrets import SecretRepository
from tests.integration.conftest import drain, run_worker_until_idle
from tests.support.api import ApiClient
from tests.support.tenants import settings_only
from tests.support.webhook_samples import twilio_event, twilio_inbound_params

pytestmark = pytest.mark.integration

AUTH_TOKEN = "tenanttwiliotoken0123456789abcd"
OUR_NUMBER = "+33757000009"
LEAD_PHONE = "+33611223344"

SURVEY = (
    "Bonjour {{firstName}}, notez votre visite de 1 (décevant) à 5 (excellent) en répondant par un chiffre."
)
REMINDER = "Rappel : votre rendez-vous est demain à {{appointmentTime}}. Répondez OUI pour confirmer ou NON."


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A tenant that signs its Twilio webhooks; without sending credentials its SMS go to the outbox."""
    settings_only(tenant_id, "Atelier Lumière")
    SecretRepository(tenant_id).put("twilio", "auth_token", AUTH_TOKEN)
    drain(fanout_queue)
    return tenant_id


@pytest.fixture
def lead_id(tenant: str) -> str:
    """A lead reachable by SMS."""
    created = ApiClient("functions/leads/", tenant).post(
        "/leads", {"first_name": "Inès", "phone": LEAD_PHONE}
    )
    assert created.status == 201, created.body
    return str(created.body["id"])


def _send_template(tenant: str, lead_id: str, category: str, body: str, **variables: str) -> dict[str, Any]:
    """Create and activate a template of ``category``, then send it to the lead by SMS."""
    templates = ApiClient("functions/templates/", tenant, role="admin")
    created = templates.post(
        "/templates",
        {
            "name": category,
            "channel": "sms",
            "category": category,
            "body": body,
            "variables": list(variables),
        },
    )
    assert created.status == 201, created.body
    assert templates.post(f"/templates/{created.body['id']}/activate").status == 200
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages",
        {"lead_id": lead_id, "channel": "sms", "template_id": created.body["id"], "variables": variables},
    )
    assert sent.status == 201, sent.body
    activity: dict[str, Any] = sent.body["activity"]
    return activity


def _answer(tenant: str, text: str, sid: str, fanout_queue: str) -> dict[str, Any]:
    """The lead's SMS through the signed webhook, the worker's re-evaluation, then its activity."""
    handler = load_handler("functions/webhooks/", "app.lambda_handler")
    params = twilio_inbound_params(LEAD_PHONE, OUR_NUMBER, text, sid=sid)
    assert handler(twilio_event(tenant, params, AUTH_TOKEN), LocalContext())["statusCode"] == 200
    run_worker_until_idle(fanout_queue, timeout_ms=60_000)
    return _latest_inbound(tenant)


def _latest_inbound(tenant: str) -> dict[str, Any]:
    lead = _lead(tenant)
    timeline = ApiClient("functions/alerts/", tenant).get(f"/leads/{lead['id']}/timeline")
    assert timeline.status == 200, timeline.body
    activities = [e["activity"] for e in timeline.body["items"] if e["kind"] == "activity"]
    inbound: list[dict[str, Any]] = [a for a in activities if a["direction"] == "in"]
    return inbound[0]


def _lead(tenant: str) -> dict[str, Any]:
    listed = ApiClient("functions/leads/", tenant).get("/leads").body["items"]
    assert len(listed) == 1, listed
    lead: dict[str, Any] = ApiClient("functions/leads/", tenant).get(f"/leads/{listed[0]['id']}").body
    return lead


def _open_alerts(tenant: str) -> list[str]:
    alerts = ApiClient("functions/alerts/", tenant).get("/alerts").body["items"]
    return sorted(a["type"] for a in alerts)


def test_a_score_to_a_survey_is_on_the_timeline_and_in_the_lead_summary(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given a satisfaction survey sent to the lead
    survey = _send_template(tenant, lead_id, "satisfaction_survey", SURVEY)
    assert survey["metadata"]["template_category"] == "satisfaction_survey"

    # When the lead answers "4/5" by SMS
    answer = _answer(tenant, "4/5 très bon accueil", "SM" + "a1" * 16, fanout_queue)

    # Then the timeline shows the score, what it answers and why
    metadata = answer["metadata"]
    assert (metadata["answer_to"], metadata["survey_score"], metadata["answers"]) == (
        "satisfaction_survey",
        4,
        survey["id"],
    )
    assert metadata["answer_cues"] == ["score:n/5: 4/5"]
    # And the lead's summary keeps the score and when it was given
    summary = _lead(tenant)["summary"]
    assert summary["last_survey_score"] == 4
    assert summary["last_survey_score_at"] == answer["occurred_at"]


def test_a_score_that_asks_for_a_call_keeps_its_intent_and_opens_the_hot_alert(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given a satisfaction survey sent to the lead
    _send_template(tenant, lead_id, "satisfaction_survey", SURVEY)

    # When the lead scores it with praise, and asks to be called back
    answer = _answer(tenant, "5/5 super accueil, rappelez-moi pour la suite", "SM" + "d0" * 16, fanout_queue)

    # Then the score is recorded, and the call request is still a hot reply for the rep
    assert answer["metadata"]["survey_score"] == 5
    assert "answer_to" not in answer["metadata"]
    assert answer["intent"] == "meeting_request"
    assert "HotLead24h" in _open_alerts(tenant)
    assert _lead(tenant)["summary"]["last_survey_score"] == 5


def test_a_digit_with_no_survey_sent_is_just_a_text(tenant: str, lead_id: str, fanout_queue: str) -> None:
    # Given a lead who got an ordinary message, no survey
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "Votre commande est prête."}
    )
    assert sent.status == 201, sent.body

    # When the lead answers "4"
    answer = _answer(tenant, "4", "SM" + "b2" * 16, fanout_queue)

    # Then it is an ordinary reply: no score anywhere
    assert "answer_to" not in answer["metadata"]
    assert "survey_score" not in answer["metadata"]
    assert _lead(tenant)["summary"]["last_survey_score"] is None


def test_a_score_after_the_survey_window_is_just_a_text(
    tenant: str, lead_id: str, fanout_queue: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a survey sent eight days ago (a survey waits a week for its answer)
    _send_template(tenant, lead_id, "satisfaction_survey", SURVEY)
    time_machine.move_to(datetime.now(UTC) + timedelta(days=8))

    # When the lead answers "5" now, Then it is no score
    answer = _answer(tenant, "5", "SM" + "c3" * 16, fanout_queue)
    assert "survey_score" not in answer["metadata"]


def test_no_to_a_reminder_is_a_cancellation_on_the_timeline(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given an appointment reminder sent to the lead
    reminder = _send_template(tenant, lead_id, "appointment_reminder", REMINDER, appointmentTime="10h")

    # When the lead answers "NON"
    answer = _answer(tenant, "NON", "SM" + "d4" * 16, fanout_queue)

    # Then the timeline shows a cancelled appointment, answering the reminder; no decline is read
    metadata = answer["metadata"]
    assert (metadata["answer_to"], metadata["appointment"], metadata["answers"]) == (
        "appointment_reminder",
        "cancelled",
        reminder["id"],
    )
    assert answer["intent"] == "neutral"


def test_yes_to_a_reminder_is_a_confirmation_and_no_hot_lead(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given an appointment reminder sent to the lead
    _send_template(tenant, lead_id, "appointment_reminder", REMINDER, appointmentTime="10h")

    # When the lead answers "oui" and the worker re-evaluates the lead
    answer = _answer(tenant, "oui", "SM" + "e5" * 16, fanout_queue)

    # Then the appointment is confirmed, the reply is no buying signal, and no hot alert opens
    assert (answer["metadata"]["appointment"], answer["intent"]) == ("confirmed", "neutral")
    assert answer["metadata"]["reply_kind"] == "answer"
    assert "HotLead24h" not in _open_alerts(tenant)
    summary = _lead(tenant)["summary"]
    assert summary["last_reply_kind"] == "answer"
    assert summary["last_intent"] is None  # an answer is no sales intent


def test_yes_to_an_ordinary_message_still_opens_the_hot_alert(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given an ordinary message sent to the lead (no reminder)
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "On vous réserve un créneau ?"}
    )
    assert sent.status == 201, sent.body

    # When the lead answers "oui", Then it is an interested reply and the hot alert opens
    answer = _answer(tenant, "oui", "SM" + "f6" * 16, fanout_queue)
    assert answer["intent"] == "interested"
    assert "answer_to" not in answer["metadata"]
    assert "HotLead24h" in _open_alerts(tenant)


def test_an_opt_out_keyword_to_a_reminder_is_an_opt_out_not_a_cancellation(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given an appointment reminder sent to the lead
    _send_template(tenant, lead_id, "appointment_reminder", REMINDER, appointmentTime="10h")

    # When the lead answers CANCEL (a carrier opt-out keyword)
    answer = _answer(tenant, "CANCEL", "SM" + "a7" * 16, fanout_queue)

    # Then the consent is revoked and no cancellation is recorded
    assert "appointment" not in answer["metadata"]
    assert _lead(tenant)["consent"]["sms"]["granted"] is False


def test_a_survey_score_stops_no_sequence_and_a_reply_after_it_does(
    tenant: str, lead_id: str, fanout_queue: str
) -> None:
    # Given the lead enrolled in a two-step SMS sequence, then sent a satisfaction survey
    prospection = ApiClient("functions/prospection/", tenant)
    steps = [
        {"order": 1, "delay_days": 0, "channel": "sms", "objective": "Se présenter"},
        {"order": 2, "delay_days": 2, "channel": "sms", "objective": "Relancer"},
    ]
    scenario = prospection.post("/scenarios", {"name": "Deux SMS", "steps": steps})
    assert scenario.status == 201, scenario.body
    window = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}
    campaign = prospection.post(
        "/campaigns",
        {"name": "Rentrée", "scenario_id": scenario.body["id"], "send_window": window, "timezone": "UTC"},
    )
    assert campaign.status == 201, campaign.body
    prospects = f"/campaigns/{campaign.body['id']}/prospects"
    assert prospection.post(prospects, {"lead_ids": [lead_id]}).status == 200
    _send_template(tenant, lead_id, "satisfaction_survey", SURVEY)

    # When the lead scores 5, Then its sequence goes on
    assert _answer(tenant, "5", "SM" + "b8" * 16, fanout_queue)["metadata"]["survey_score"] == 5
    assert prospection.get(f"{prospects}/{lead_id}").body["status"] == "active"

    # When the lead then writes an ordinary reply, Then the sequence stops as replied
    _answer(tenant, "C'est de la part de qui ?", "SM" + "c9" * 16, fanout_queue)
    prospect = prospection.get(f"{prospects}/{lead_id}").body
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("stopped", "replied")
