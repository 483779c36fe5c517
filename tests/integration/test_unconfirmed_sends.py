"""Twilio took the SMS but its answer never came: the send is unconfirmed, never sent twice, and the
status callback carrying our reference settles it on the lead's timeline.

Twilio takes no idempotency key, so a retry after a read timeout would send a second SMS. The real
twilio SDK talks to the fake Twilio, made to answer after the client's timeout (it still takes the
message, as a slow Twilio would); the callbacks are signed for the URL Twilio was given, query
included, and go through the webhook handler. The whole test runs at a known instant.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine

from devserver.events import LocalContext
from devserver.functions import load_handler
from maxcore.channels.base import OutboundMessage
from maxcore.channels.twilio import TwilioAdapter
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository
from maxcore.dal.keys import due_shard
from maxcore.dal.secrets import SecretRepository
from maxcore.ids import new_id
from maxcore.models.activity import (
    Activity,
    ActivityChannel,
    ActivityStatus,
    CreateActivityRequest,
    Direction,
)
from maxcore.models.common import Channel
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.prospection import MessageSource, PendingSend
from maxcore.models.template import CreateTemplateRequest
from maxcore.models.tenant import Mode
from maxcore.services.activities import ActivityService
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.leads import LeadService
from maxcore.services.sequencer import LEASE, Sequencer
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeTwilio, delayed, running_fake_twilio
from tests.support.prospection import sms_step
from tests.support.webhook_samples import twilio_event, twilio_status_params

pytestmark = pytest.mark.integration

AUTH_TOKEN = "tenanttwiliotoken0123456789abcd"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
OUR_NUMBER = "+33757000009"  # an open French mobile range: a sender must be a real number
LEAD_PHONE = "+33611223344"
PUBLIC_URL = "https://api.max.example.com"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
TIMEOUT = 0.5
SLOWER_THAN_THE_TIMEOUT = 1.5


@pytest.fixture(autouse=True)
def at_a_known_instant() -> Iterator[None]:
    # The API, the scheduler and the fake all read the same clock, from a fixed Monday morning.
    with time_machine.travel(MON_1000_PARIS, tick=True):
        yield


@pytest.fixture
def twilio(ssm_endpoint: str, fanout_queue: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    with running_fake_twilio(auth_token=AUTH_TOKEN) as fake:
        monkeypatch.setenv("TWILIO_API_URL", fake.url)
        monkeypatch.setenv("PUBLIC_API_URL", PUBLIC_URL)
        monkeypatch.setenv("PROVIDER_TIMEOUT_SECONDS", str(TIMEOUT))
        reset_settings()
        yield fake
    reset_settings()


def _tenant(tenant_id: str) -> str:
    """An automatic tenant sending SMS through its Twilio account."""
    provision_tenant(tenant_id, "Atelier Lumière", mode=Mode.AUTO)
    secrets = SecretRepository(tenant_id)
    secrets.put("twilio", "auth_token", AUTH_TOKEN)
    secrets.put("twilio", "account_sid", ACCOUNT_SID)
    channel = ApiClient("functions/messaging/", tenant_id).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    assert channel.status == 200, channel.body
    return tenant_id


@pytest.fixture
def tenant(tenant_id: str, twilio: FakeTwilio) -> str:
    return _tenant(tenant_id)


def _lead(tenant_id: str) -> str:
    created = ApiClient("functions/leads/", tenant_id).post(
        "/leads", {"first_name": "Léa", "phone": LEAD_PHONE}
    )
    assert created.status == 201, created.body
    return str(created.body["id"])


def _messages(tenant_id: str, lead_id: str) -> list[dict[str, Any]]:
    response = ApiClient("functions/messaging/", tenant_id).get(f"/leads/{lead_id}/messages")
    assert response.status == 200, response.body
    items: list[dict[str, Any]] = response.body["items"]
    return items


def _accepted(twilio: FakeTwilio) -> list[dict[str, Any]]:
    """What the fake Twilio took, once its late answer is done."""
    deadline = time.monotonic() + SLOWER_THAN_THE_TIMEOUT + 3
    while not twilio.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(twilio.sent)


def _callback(tenant_id: str, accepted: dict[str, Any], status: str) -> dict[str, Any]:
    """Twilio's status callback to the URL it was given (query included), signed with the token."""
    url = urlsplit(accepted["status_callback"])
    assert f"{url.scheme}://{url.netloc}" == PUBLIC_URL
    params = twilio_status_params(accepted["sid"], status, LEAD_PHONE, OUR_NUMBER, account_sid=ACCOUNT_SID)
    event = twilio_event(tenant_id, params, AUTH_TOKEN, PUBLIC_URL, query=url.query)
    handler = load_handler("functions/webhooks/", "app.lambda_handler")
    result: dict[str, Any] = handler(event, LocalContext())
    return result


# --- POST /messages -------------------------------------------------------------------------------
def test_an_sms_whose_answer_never_came_is_unconfirmed_and_its_callback_settles_it(
    tenant: str, twilio: FakeTwilio
) -> None:
    # Given Twilio takes the SMS but answers after the client's timeout
    lead_id = _lead(tenant)
    twilio.script.append(delayed(SLOWER_THAN_THE_TIMEOUT))

    # When the SMS is sent
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "Bonjour Léa"}
    )

    # Then it is reported unconfirmed, not failed, and was not retried: one SMS reached Twilio
    assert sent.status == 201, sent.body
    assert sent.body["activity"]["status"] == "unconfirmed"
    assert sent.body["activity"]["provider_message_id"] is None
    assert sent.body["attempts"] == 1
    (accepted,) = _accepted(twilio)
    assert len(twilio.requests) == 1
    assert accepted["status_callback"].endswith(f"?ref={sent.body['activity']['id']}")
    (message,) = _messages(tenant, lead_id)
    assert (message["id"], message["status"]) == (sent.body["activity"]["id"], "unconfirmed")

    # When Twilio's callbacks come (queued, then delivered)
    assert _callback(tenant, accepted, "queued")["statusCode"] == 200
    assert _callback(tenant, accepted, "delivered")["statusCode"] == 200

    # Then the same message on the lead's timeline has Twilio's SID and is delivered
    (message,) = _messages(tenant, lead_id)
    assert message["id"] == sent.body["activity"]["id"]
    assert (message["provider_message_id"], message["status"]) == (accepted["sid"], "delivered")
    assert len(twilio.sent) == 1


def test_another_tenant_cannot_use_a_reference_to_touch_the_message(
    tenant: str, other_tenant_id: str, twilio: FakeTwilio
) -> None:
    # Given an unconfirmed SMS of the tenant, and another tenant with its own Twilio token
    lead_id = _lead(tenant)
    twilio.script.append(delayed(SLOWER_THAN_THE_TIMEOUT))
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "Bonjour Léa"}
    )
    (accepted,) = _accepted(twilio)
    _tenant(other_tenant_id)

    # When the other tenant's (validly signed) callback names the tenant's reference
    forged = {**accepted, "status_callback": accepted["status_callback"].replace(tenant, other_tenant_id)}
    result = _callback(other_tenant_id, forged, "delivered")

    # Then it is acknowledged and ignored: the reference is looked up in the caller's tenant only
    assert result["statusCode"] == 200
    (message,) = _messages(tenant, lead_id)
    assert (message["id"], message["status"]) == (sent.body["activity"]["id"], "unconfirmed")
    assert message["provider_message_id"] is None


# --- the scheduler ------------------------------------------------------------------------------
def _enrolled(tenant_id: str, lead_id: str) -> tuple[ApiClient, str]:
    """The lead enrolled on a one-step SMS scenario (the built-in text: no model configured)."""
    api = ApiClient("functions/prospection/", tenant_id)
    step = sms_step(1, 0, "Proposer un rendez-vous")
    scenario = api.post("/scenarios", {"name": "Relance", "steps": [step]})
    assert scenario.status == 201, scenario.body
    campaign = api.post(
        "/campaigns",
        {
            "name": "Relance",
            "scenario_id": scenario.body["id"],
            "send_window": WINDOW,
            "timezone": "Europe/Paris",
        },
    )
    assert campaign.status == 201, campaign.body
    enrolled = api.post(f"/campaigns/{campaign.body['id']}/prospects", {"lead_ids": [lead_id]})
    assert len(enrolled.body["accepted"]) == 1, enrolled.body
    return api, str(campaign.body["id"])


def _run(tenant_id: str, campaign_id: str, lead_id: str, at: datetime) -> dict[str, int]:
    report = Sequencer(tenant_id, clock=lambda: at).run_shard(due_shard(campaign_id, lead_id))
    return report.outcomes


def _decision(api: ApiClient, campaign_id: str, lead_id: str) -> dict[str, Any]:
    prospect = api.get(f"/campaigns/{campaign_id}/prospects/{lead_id}")
    assert prospect.status == 200, prospect.body
    decision: dict[str, Any] = prospect.body["last_decision"]
    return decision


def test_a_step_whose_answer_never_came_is_unconfirmed_once_and_its_callback_settles_it(
    tenant: str, twilio: FakeTwilio
) -> None:
    # Given a lead due for an SMS step, and Twilio answering after the client's timeout
    lead_id = _lead(tenant)
    api, campaign_id = _enrolled(tenant, lead_id)
    twilio.script.append(delayed(SLOWER_THAN_THE_TIMEOUT))
    now = MON_1000_PARIS + timedelta(minutes=5)

    # When the hourly run takes the step, then runs again after the lease
    first = _run(tenant, campaign_id, lead_id, now)
    again = _run(tenant, campaign_id, lead_id, now + LEASE + timedelta(minutes=1))

    # Then the step is unconfirmed (not failed, not deferred), done, and one SMS reached Twilio
    assert first == {"unconfirmed": 1}
    assert again == {}
    (accepted,) = _accepted(twilio)
    assert len(twilio.requests) == 1
    decision = _decision(api, campaign_id, lead_id)
    assert (decision["outcome"], decision["code"]) == ("unconfirmed", "send_unanswered")
    assert "n'a pas répondu à temps" in decision["reason"]
    (message,) = _messages(tenant, lead_id)
    assert (message["id"], message["status"]) == (decision["activity_id"], "unconfirmed")

    # When Twilio's delivered callback comes, naming our reference
    assert _callback(tenant, accepted, "delivered")["statusCode"] == 200

    # Then the step's message on the lead's timeline has the SID and the delivery
    (message,) = _messages(tenant, lead_id)
    assert message["id"] == decision["activity_id"]
    assert (message["provider_message_id"], message["status"]) == (accepted["sid"], "delivered")
    assert (message["metadata"]["campaign_id"], message["metadata"]["step"]) == (campaign_id, 1)


def test_a_step_whose_worker_died_after_twilio_accepted_is_recorded_by_its_callback(
    tenant: str, twilio: FakeTwilio
) -> None:
    # Given a worker that claimed the step, noted the send and its reference, got the SMS accepted
    # by Twilio, and died before recording anything (played with the real parts, as far as it got)
    lead_id = _lead(tenant)
    api, campaign_id = _enrolled(tenant, lead_id)
    now = MON_1000_PARIS + timedelta(minutes=5)
    repository = EnrollmentRepository(tenant)
    [due] = list(repository.due(due_shard(campaign_id, lead_id), now))
    assert isinstance(due, DueEnrollment)
    token = new_id()
    assert repository.claim(due, token, now + LEASE, now)
    body = "Bonjour Léa, un rendez-vous cette semaine ?"
    pending = PendingSend(body=body, subject=None, source=MessageSource.DEFAULT, template_id=None)
    assert repository.mark_sending(due.enrollment, token, 1, pending, now)
    noted = Activity(
        id=new_id(),
        lead_id=lead_id,
        channel=ActivityChannel.SMS,
        direction=Direction.OUT,
        status=ActivityStatus.UNCONFIRMED,
        preview=body,
        occurred_at=now,
        metadata={"provider": "twilio", "campaign_id": campaign_id, "step": 1, "message_source": "default"},
    )
    ActivityRepository(tenant).note_pending(noted)
    receipt = TwilioAdapter(ACCOUNT_SID, AUTH_TOKEN, base_url=twilio.url, timeout=5).send(
        OutboundMessage(
            channel=Channel.SMS,
            to=LEAD_PHONE,
            body=body,
            idempotency_key="unused",
            sender=OUR_NUMBER,
            status_callback_url=f"{PUBLIC_URL}/webhooks/twilio/{tenant}?ref={noted.id}",
        )
    )
    (accepted,) = twilio.sent

    # When Twilio's callback comes, then the next run finds the step after the lease
    assert _callback(tenant, accepted, "sent")["statusCode"] == 200
    outcomes = _run(tenant, campaign_id, lead_id, now + LEASE + timedelta(minutes=1))

    # Then the message is on the lead's timeline with its SID, the step is settled as sent on it,
    # and no second SMS left
    (message,) = _messages(tenant, lead_id)
    assert (message["id"], message["provider_message_id"]) == (noted.id, receipt.provider_message_id)
    assert (message["status"], message["preview"]) == ("sent", body)
    assert outcomes == {"sent": 1}
    decision = _decision(api, campaign_id, lead_id)
    assert (decision["outcome"], decision["activity_id"]) == ("sent", noted.id)
    assert len(twilio.requests) == 1


# --- automations --------------------------------------------------------------------------------
def test_an_automation_whose_answer_never_came_is_unconfirmed_once_and_its_callback_settles_it(
    tenant: str, twilio: FakeTwilio
) -> None:
    # Given an SMS automation on silence, a lead silent for four days, and Twilio answering late
    now = MON_1000_PARIS + timedelta(hours=1)
    templates = TemplateService(tenant, actor="user-1")
    template = templates.create(
        CreateTemplateRequest(
            channel=Channel.SMS, name="Relance", body="Bonjour {{firstName|}}, des nouvelles ?"
        )
    )
    templates.activate(template.id)
    created = ApiClient("functions/prospection/", tenant).post(
        "/automations",
        {
            "name": "Relance silence",
            "trigger_type": "silence",
            "trigger_config": {"days": 3},
            "template_id": template.id,
            "enabled": True,
        },
    )
    assert created.status == 201, created.body
    lead_id = (
        LeadService(tenant, clock=lambda: now - timedelta(days=10))
        .create(CreateLeadRequest(first_name="Camille", phone=LEAD_PHONE))
        .id
    )
    last_out = now - timedelta(days=4)
    ActivityService(tenant, lambda: last_out).log(
        CreateActivityRequest(
            lead_id=lead_id, channel=ActivityChannel.CALL, direction=Direction.OUT, occurred_at=last_out
        )
    )
    twilio.script.append(delayed(SLOWER_THAN_THE_TIMEOUT))

    # When the hourly run acts, and runs again an hour later
    report = AutomationRunner(tenant, clock=lambda: now).run()
    again = AutomationRunner(tenant, clock=lambda: now + timedelta(hours=1)).run()

    # Then the occurrence is unconfirmed on its message, and one SMS reached Twilio
    assert report.outcomes == {"unconfirmed": 1}
    assert again.outcomes == {}
    (accepted,) = _accepted(twilio)
    assert len(twilio.requests) == 1
    [run] = (
        ApiClient("functions/prospection/", tenant)
        .get(f"/automations/{created.body['id']}/runs")
        .body["items"]
    )
    assert run["decision"]["outcome"] == "unconfirmed"
    sms = [m for m in _messages(tenant, lead_id) if m["channel"] == "sms"]
    assert [(m["id"], m["status"]) for m in sms] == [(run["decision"]["activity_id"], "unconfirmed")]

    # When Twilio's delivered callback comes, Then the message has its SID and is delivered
    assert _callback(tenant, accepted, "delivered")["statusCode"] == 200
    sms = [m for m in _messages(tenant, lead_id) if m["channel"] == "sms"]
    assert [(m["id"], m["provider_message_id"], m["status"]) for m in sms] == [
        (run["decision"]["activity_id"], accepted["sid"], "delivered")
    ]
