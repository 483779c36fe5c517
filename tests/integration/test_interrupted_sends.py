"""A worker that dies in the middle of an e-mail step, and the worker that finds the step after it.

Resend deduplicates on our idempotency key when the request is the same, so the step is sent again
under its key: the e-mail leaves once, whatever the first worker managed to do. The dead worker is
played by the test with the real parts, as far as it got: the claim, the note that the send started
(with the message), the real ``MessagingService`` sending through the real Resend SDK to the fake
Resend. Then the scheduler (or the automations' run) goes after the lease.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.activities import ActivityRepository
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS, due_shard
from maxcore.dal.leads import LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.ids import new_id
from maxcore.models.activity import Activity, Direction
from maxcore.models.common import Channel
from maxcore.models.message import ChannelChoice, SendMessageRequest, SentMessage
from maxcore.models.prospection import PendingSend
from maxcore.models.tenant import Mode, Tenant
from maxcore.services.composer import Composed, Composer
from maxcore.services.messaging import MessagingService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.sequencer import LEASE, Sequencer, step_key
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer, fake_chat_completions
from tests.support.fake_providers import FakeResend, running_fake_resend

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
RESEND_KEY = "re_live_Key_0123456789"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TUE_1000_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
FIRST_TEXT = "Objet : Votre routine d'hiver\nBonjour Sophie, voici nos soins pour l'hiver."
SECOND_TEXT = "Objet : Autre chose\nBonjour Sophie, un tout autre message."


@pytest.fixture(autouse=True)
def resend(ssm_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResend]:
    with running_fake_resend(api_key=RESEND_KEY) as fake:
        monkeypatch.setenv("RESEND_API_URL", fake.url)
        reset_settings()
        yield fake
    reset_settings()


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatCompletions]:
    """The language model writes FIRST_TEXT once, then something else every time it is asked."""
    with fake_chat_completions() as fake:
        fake.script = [answer(FIRST_TEXT)]
        fake.default = answer(SECOND_TEXT)
        monkeypatch.setenv("ASSISTANT_API_KEY", "sk-test-local")
        monkeypatch.setenv("ASSISTANT_BASE_URL", fake.url)
        monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
        reset_settings()
        yield fake
    reset_settings()


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _setup(tenant_id: str) -> tuple[ApiClient, str, str]:
    """An automatic tenant on Resend, a lead with an e-mail, enrolled on a one-step AI e-mail scenario."""
    now = MON_1000_PARIS - timedelta(days=1)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    BudgetRepository(tenant_id).open(100, "2026-11", now)
    messaging = ApiClient(MESSAGING, tenant_id)
    response = messaging.request(
        "PUT",
        "/channels/email",
        json_body={"credentials": {"api_key": RESEND_KEY}, "sender": "contact@bellepeau.fr"},
    )
    assert response.status == 200, response.body
    lead = ApiClient(LEADS, tenant_id).post("/leads", {"first_name": "Sophie", "email": "sophie@example.fr"})
    assert lead.status == 201, lead.body
    api = ApiClient(PROSPECTION, tenant_id)
    step = {
        "order": 1,
        "delay_days": 0,
        "channel": "email",
        "objective": "Présenter les soins d'hiver",
        "ai_prompt": "Présente nos soins d'hiver en trois phrases.",
    }
    scenario = api.post("/scenarios", {"name": "Hiver", "steps": [step]})
    assert scenario.status == 201, scenario.body
    campaign = api.post(
        "/campaigns",
        {
            "name": "Hiver",
            "scenario_id": scenario.body["id"],
            "send_window": WINDOW,
            "timezone": "Europe/Paris",
        },
    )
    assert campaign.status == 201, campaign.body
    enrolled = api.post(f"/campaigns/{campaign.body['id']}/prospects", {"lead_ids": [lead.body["id"]]})
    assert enrolled.status == 200, enrolled.body
    assert len(enrolled.body["accepted"]) == 1, enrolled.body
    return api, str(campaign.body["id"]), str(lead.body["id"])


def _start_the_send(tenant_id: str, campaign_id: str, lead_id: str, now: datetime) -> tuple[str, Composed]:
    """What the first worker does before calling the provider: claim, compose, note the send."""
    repository = EnrollmentRepository(tenant_id)
    [due] = list(repository.due(due_shard(campaign_id, lead_id), now))
    assert isinstance(due, DueEnrollment)
    token = new_id()
    assert repository.claim(due, token, now + LEASE, now)
    scenario = ScenarioService(tenant_id).version(due.enrollment.scenario_id, due.enrollment.scenario_version)
    lead = LeadRepository(tenant_id).get(lead_id)
    composed = Composer(TenantProfileRepository(tenant_id).get()).compose(scenario.steps[0], lead, [])
    pending = PendingSend(
        body=composed.body, subject=composed.subject, source=composed.source, template_id=composed.template_id
    )
    assert repository.mark_sending(due.enrollment, token, 1, pending, now)
    return token, composed


def _send_as_the_worker(
    tenant_id: str, campaign_id: str, lead_id: str, composed: Composed, now: datetime
) -> SentMessage:
    """The first worker's provider call and record, the way the scheduler makes them."""
    request = SendMessageRequest(
        lead_id=lead_id, channel=ChannelChoice.EMAIL, body=composed.body, subject=composed.subject
    )
    metadata: dict[str, object] = {
        "campaign_id": campaign_id,
        "step": 1,
        "message_source": composed.source.value,
    }
    return MessagingService(tenant_id, _at(now)).deliver(
        request, f"max:campaign:{campaign_id}", step_key(campaign_id, lead_id, 1), metadata
    )


def _run(tenant_id: str, at: datetime) -> dict[str, int]:
    sequencer = Sequencer(tenant_id, clock=_at(at))
    outcomes: dict[str, int] = {}
    for shard in range(DUE_SHARDS):
        for name, n in sequencer.run_shard(shard).outcomes.items():
            outcomes[name] = outcomes.get(name, 0) + n
    return outcomes


def _outbound(tenant_id: str, lead_id: str) -> list[Activity]:
    found = ActivityRepository(tenant_id).page_for_lead(lead_id, None, 50)
    return [a for a in found if a.direction is Direction.OUT]


def _prospect(api: ApiClient, campaign_id: str, lead_id: str) -> dict[str, Any]:
    response = api.get(f"/campaigns/{campaign_id}/prospects/{lead_id}")
    assert response.status == 200, response.body
    return dict(response.body)


def _emails_counted(tenant_id: str, now: datetime) -> int:
    return ChannelRepository(tenant_id).sent_on(Channel.EMAIL, now.date().isoformat())


def test_a_send_resumed_before_the_provider_call_sends_the_text_noted_not_a_new_one(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a worker that had the model write the e-mail, noted the send, and died before Resend
    api, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    _, composed = _start_the_send(tenant_id, campaign_id, lead_id, now)
    assert composed.body == FIRST_TEXT.partition("\n")[2]
    # When the scheduler runs after the lease
    later = now + LEASE + timedelta(minutes=1)
    assert _run(tenant_id, later) == {"sent": 1}
    # Then the e-mail that left is the one the model wrote first, and the model was not asked again
    [email] = resend.sent
    assert (email["subject"], email["text"]) == ("Votre routine d'hiver", composed.body)
    assert len(llm.requests) == 1
    [activity] = _outbound(tenant_id, lead_id)
    assert activity.metadata["message_source"] == "ai"
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["status"], prospect["last_decision"]["outcome"]) == ("completed", "sent")


def test_a_worker_dead_after_recording_the_send_leaves_one_email_one_activity_and_a_settled_step(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a worker that sent the e-mail through Resend and recorded it, then died before settling
    api, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    _, composed = _start_the_send(tenant_id, campaign_id, lead_id, now)
    first = _send_as_the_worker(tenant_id, campaign_id, lead_id, composed, now)
    assert len(resend.sent) == 1
    assert _emails_counted(tenant_id, now) == 1
    # When the scheduler runs after the lease
    later = now + LEASE + timedelta(minutes=1)
    assert _run(tenant_id, later) == {"sent": 1}
    # Then Resend was asked again under the same key with the same e-mail and answered the first one
    assert len(resend.requests) == 2
    assert resend.requests[0].raw == resend.requests[1].raw
    assert len(resend.sent) == 1
    # And the step is settled on the activity already recorded: one activity, one slot of the cap
    [activity] = _outbound(tenant_id, lead_id)
    assert activity.id == first.activity.id
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (prospect["status"], last["outcome"], last["activity_id"]) == ("completed", "sent", activity.id)
    assert _emails_counted(tenant_id, later) == 1
    # And another run finds nothing to do
    assert _run(tenant_id, later + timedelta(hours=1)) == {}
    assert len(resend.requests) == 2


def test_a_resumed_send_resend_refuses_because_the_email_changed_is_unconfirmed_not_failed(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a worker that sent the e-mail and died, then the lead's address was corrected
    api, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    _, composed = _start_the_send(tenant_id, campaign_id, lead_id, now)
    _send_as_the_worker(tenant_id, campaign_id, lead_id, composed, now)
    changed = ApiClient(LEADS, tenant_id).patch(f"/leads/{lead_id}", {"email": "sophie.martin@example.fr"})
    assert changed.status == 200, changed.body
    # When the scheduler runs after the lease
    later = now + LEASE + timedelta(minutes=1)
    assert _run(tenant_id, later) == {"unconfirmed": 1}
    # Then Resend was asked under the same key for another e-mail and refused it, nothing else left,
    # and the step says the e-mail's arrival is not confirmed (it did leave), not that it failed
    first, second = resend.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert second.body["to"] == ["sophie.martin@example.fr"]
    assert len(resend.sent) == 1
    last = _prospect(api, campaign_id, lead_id)["last_decision"]
    assert (last["outcome"], last["code"]) == ("unconfirmed", "send_interrupted")
    # And the lead's timeline shows the e-mail that left, and no failed one
    assert [a.status.value for a in _outbound(tenant_id, lead_id)] == ["sent"]
