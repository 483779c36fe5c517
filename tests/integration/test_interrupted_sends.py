"""A worker that dies in the middle of an e-mail step, and the worker that finds the step after it.

Resend deduplicates on our idempotency key when the request is the same, so the step is sent again
under its key: the e-mail leaves once, whatever the first worker managed to do. The dead worker is
played by the test with the real parts, as far as it got: the claim, the note that the send started
(with the message), the real ``MessagingService`` sending through the real Resend SDK to the fake
Resend. Then the scheduler (or the automations' run) goes after the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.channels.base import OutboundMessage
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.automations import AutomationRepository
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS, due_shard
from maxcore.dal.leads import LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import DuplicateMessageError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, CreateActivityRequest, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.message import ChannelChoice, SendMessageRequest, SentMessage
from maxcore.models.prospection import MessageSource, PendingSend
from maxcore.models.template import CreateTemplateRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.rules.alerts import iso
from maxcore.services.activities import ActivityService
from maxcore.services.automation_runner import AutomationRunner, run_key
from maxcore.services.channels import ChannelService
from maxcore.services.composer import Composed, Composer
from maxcore.services.followup_charge import FollowUpCharge
from maxcore.services.leads import LeadService
from maxcore.services.messaging import MessagingService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.sequencer import LEASE, Sequencer, step_key
from maxcore.services.templates import TemplateService
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TUE_1000_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FIRST_TEXT = "Objet : Votre routine d'hiver\nBonjour Sophie, voici nos soins pour l'hiver."
SECOND_TEXT = "Objet : Autre chose\nBonjour Sophie, un tout autre message."


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend) -> FakeResend:
    return resend_for_sends


@pytest.fixture
def llm(llm: FakeChatCompletions) -> FakeChatCompletions:
    """The language model writes FIRST_TEXT once, then something else every time it is asked."""
    llm.script = [answer(FIRST_TEXT)]
    llm.default = answer(SECOND_TEXT)
    return llm


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _setup(tenant_id: str) -> tuple[ApiClient, str, str]:
    """An automatic tenant on Resend, a lead with an e-mail, enrolled on a one-step AI e-mail scenario.

    Everything happens the day before the scheduler's run, on the clock the handlers read, so the step
    the enrolment schedules is due at that run whatever day the suite runs.
    """
    now = MON_1000_PARIS - timedelta(days=1)
    with time_machine.travel(now, tick=False):
        return _set_up_at(tenant_id, now)


def _set_up_at(tenant_id: str, now: datetime) -> tuple[ApiClient, str, str]:
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    BudgetRepository(tenant_id).open(100, "2026-11", now)
    messaging = ApiClient(MESSAGING, tenant_id)
    response = messaging.request(
        "PUT",
        "/channels/email",
        json_body={"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@bellepeau.fr"},
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
    campaign_id = enrolled_campaign(api, "Hiver", str(scenario.body["id"]), str(lead.body["id"]))
    return api, campaign_id, str(lead.body["id"])


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
    assert email["subject"] == "Votre routine d'hiver"
    # (followed by the marketing footer: tests/integration/test_unsubscribe.py)
    assert email["text"].startswith(composed.body + "\n\n-- \n")
    assert len(llm.requests) == 1
    [activity] = _outbound(tenant_id, lead_id)
    assert activity.metadata["message_source"] == "ai"
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["status"], prospect["last_decision"]["outcome"]) == ("completed", "sent")


def test_a_resumed_ai_send_is_charged_once(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a worker that had the model write the e-mail (charged), noted the send, reserved its
    # automatic follow-up, and died before Resend answered
    _, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    _start_the_send(tenant_id, campaign_id, lead_id, now)
    key, sender = step_key(campaign_id, lead_id, 1), f"max:campaign:{campaign_id}"
    FollowUpCharge(tenant_id, Mode.AUTO, _at(now)).reserve(key, sender)
    assert BudgetRepository(tenant_id).get().balance == 100 - 2 - 15
    # When the scheduler resumes the send after the lease
    later = now + LEASE + timedelta(minutes=1)
    assert _run(tenant_id, later) == {"sent": 1}
    # Then the message noted is sent without a second charge: each reservation once, committed
    assert len(resend.sent) == 1
    assert BudgetRepository(tenant_id).get().balance == 100 - 2 - 15
    ledger = list(BudgetRepository(tenant_id).ledger("2026-11"))
    charges = [(e.kind.value, e.action, e.amount) for e in ledger if e.reservation_id]
    assert charges == [
        ("reserve", "scheduled_ai_message", -2),
        ("commit", "scheduled_ai_message", -2),
        ("reserve", "auto_followup", -15),
        ("commit", "auto_followup", -15),
    ]


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
    # Then it found the message on the lead's timeline and settled the step on it: Resend is not
    # asked again, one activity, one slot of the cap
    assert len(resend.requests) == 1
    [activity] = _outbound(tenant_id, lead_id)
    assert activity.id == first.activity.id
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (prospect["status"], last["outcome"], last["activity_id"]) == ("completed", "sent", activity.id)
    assert _emails_counted(tenant_id, later) == 1
    # And the step counts as sent in the analytics, with its source
    steps = api.get("/analytics/steps", query={"campaign_id": campaign_id})
    assert steps.status == 200, steps.body
    [row] = [r for r in steps.body["steps"] if r["step"] == 1]
    assert row["sent"] == 1
    # And another run finds nothing to do
    assert _run(tenant_id, later + timedelta(hours=1)) == {}
    assert len(resend.requests) == 1


def test_a_resumed_send_resend_refuses_because_the_email_changed_is_unconfirmed_not_failed(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a worker whose e-mail Resend accepted, and that died before recording it
    api, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    _, composed = _start_the_send(tenant_id, campaign_id, lead_id, now)
    adapter = ChannelService(tenant_id, _at(now)).adapter(Channel.EMAIL)
    adapter.send(
        OutboundMessage(
            channel=Channel.EMAIL,
            to="sophie@example.fr",
            body=composed.body,
            subject=composed.subject,
            sender="contact@bellepeau.fr",
            idempotency_key=f"{tenant_id}:{step_key(campaign_id, lead_id, 1)}",
        )
    )
    # And the lead's address corrected meanwhile
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
    # And the lead's timeline has no failed e-mail, and the cap counts none twice
    assert _outbound(tenant_id, lead_id) == []
    assert _emails_counted(tenant_id, later) == 0


def test_a_resumed_delivery_the_provider_answers_with_a_recorded_message_returns_that_record(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given an e-mail sent and recorded under a key
    _, campaign_id, lead_id = _setup(tenant_id)
    now = MON_1000_PARIS
    composed = Composed("Bonjour Sophie, voici nos soins.", "Soins d'hiver", MessageSource.TEMPLATE)
    first = _send_as_the_worker(tenant_id, campaign_id, lead_id, composed, now)
    # When the same message is delivered again under the key as a resumed send
    request = SendMessageRequest(
        lead_id=lead_id, channel=ChannelChoice.EMAIL, body=composed.body, subject=composed.subject
    )
    again = MessagingService(tenant_id, _at(now + LEASE)).deliver(
        request, f"max:campaign:{campaign_id}", step_key(campaign_id, lead_id, 1), {}, resumed=True
    )
    # Then Resend answered the first e-mail, the answer is the first record, and nothing was added
    assert len(resend.requests) == 2
    assert len(resend.sent) == 1
    assert again.activity.id == first.activity.id
    assert [a.id for a in _outbound(tenant_id, lead_id)] == [first.activity.id]
    assert _emails_counted(tenant_id, now) == 1
    # And without ``resumed`` the same answer is a conflict, not a silent success
    with pytest.raises(DuplicateMessageError):
        MessagingService(tenant_id, _at(now + LEASE)).deliver(
            request, f"max:campaign:{campaign_id}", step_key(campaign_id, lead_id, 1), {}
        )


def test_an_automation_left_sending_by_a_worker_that_recorded_the_email_is_closed_as_sent(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given an automatic tenant on Resend, an e-mail automation and a lead silent for four days
    now = TUE_1000_PARIS
    _setup(tenant_id)
    template = TemplateService(tenant_id, actor="user-1").create(
        CreateTemplateRequest(
            channel=Channel.EMAIL,
            name="Relance e-mail",
            subject="Des nouvelles ?",
            body="Bonjour {{firstName|}}, avez-vous pu regarder notre proposition ?",
        )
    )
    TemplateService(tenant_id, actor="user-1").activate(template.id)
    created = ApiClient(PROSPECTION, tenant_id).post(
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
    automation_id = str(created.body["id"])
    lead_id = (
        LeadService(tenant_id, clock=_at(now - timedelta(days=10)))
        .create(CreateLeadRequest(first_name="Camille", email="camille@example.fr"))
        .id
    )
    last_out = now - timedelta(days=4)
    ActivityService(tenant_id, _at(last_out)).log(
        CreateActivityRequest(
            lead_id=lead_id,
            channel=ActivityChannel.EMAIL,
            direction=Direction.OUT,
            preview="Notre proposition",
            occurred_at=last_out,
        )
    )
    # And a worker that claimed the occurrence, sent the e-mail, recorded it, and died
    episode = f"silence:{iso(last_out)}"
    repository = AutomationRepository(tenant_id)
    token = new_id()
    assert repository.claim_run(automation_id, lead_id, episode, token, now + LEASE, now) == "new"
    assert repository.mark_run_sending(automation_id, lead_id, episode, token, now)
    request = SendMessageRequest(lead_id=lead_id, channel=ChannelChoice.EMAIL, template_id=template.id)
    first = MessagingService(tenant_id, _at(now)).deliver(
        request,
        f"max:automation:{automation_id}",
        run_key(automation_id, lead_id, episode),
        {"automation_id": automation_id, "trigger": "silence", "episode": episode},
    )
    # When the run goes after the lease
    later = now + LEASE + timedelta(minutes=1)
    report = AutomationRunner(tenant_id, clock=_at(later)).run()
    # Then the sweep no longer finds the occurrence (the e-mail ended the silence), but the run finds
    # it left open, finds its e-mail on the lead's timeline, and closes it as sent: Resend is not
    # asked again
    assert report.outcomes == {"sent": 1}
    assert (report.fired, report.left_open) == (0, 1)
    assert len(resend.requests) == 1
    sent = [a for a in _outbound(tenant_id, lead_id) if a.provider_message_id]
    assert [a.id for a in sent] == [first.activity.id]
    [run] = ApiClient(PROSPECTION, tenant_id).get(f"/automations/{automation_id}/runs").body["items"]
    assert (run["state"], run["decision"]["outcome"]) == ("done", "sent")
    assert run["decision"]["activity_id"] == first.activity.id
    assert run["decision"]["reason"] == (
        "« Relance silence » : l'envoi interrompu était bien parti ; il est enregistré, sans second message."
    )
    assert _emails_counted(tenant_id, later) == 1
    # And the next run has nothing left open
    assert AutomationRunner(tenant_id, clock=_at(later + timedelta(hours=1))).run().left_open == 0
