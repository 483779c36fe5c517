"""What a reply does to a running sequence, end to end (issue 17 §2).

A lead enrolled in a three-step SMS sequence gets step 1 on Monday 16 November 2026 (the session's
instant, see tests/conftest.py). Its reply comes through ``POST /activities`` or the webhooks' own
path (:class:`InboundService`), the worker's ``evaluate_lead`` job runs through the worker handler as
the queue would hand it over (on the session's clock), then the hourly runs go at injected instants.
Without SMS credentials the sends land in the tenant's local outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.ids import new_id
from maxcore.models.activity import Direction
from maxcore.models.common import Channel
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.prospection import EnrollRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.models.webhook import InboundMessage
from maxcore.services.inbound import InboundService
from maxcore.services.prospects import ProspectService
from maxcore.services.sequencer import Sequencer
from maxcore.services.templates import seed_library
from tests.support.api import ApiClient
from tests.support.prospection import sms_step

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
THREE_SMS_STEPS = [
    sms_step(1, 0, "Se présenter"),
    sms_step(2, 2, "Relancer"),
    sms_step(3, 2, "Dernier message"),
]
MON_23_0900_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _ssm(ssm_endpoint: str) -> str:
    """Credential look-ups (none stored: sends go to the outbox) hit moto's SSM, never AWS."""
    return ssm_endpoint


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, response.body
    return response.body


class Sequence:
    """One lead in a three-step SMS campaign of an auto tenant, step 1 sent now."""

    def __init__(self, tenant_id: str) -> None:
        now = datetime.now(UTC)
        self.tenant = Tenant(
            id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now
        )
        TenantProfileRepository(tenant_id).create_if_absent(self.tenant)
        # The built-in library: the steps name its templates by key.
        seed_library(tenant_id, self.tenant.created_at, fresh=True)
        self.tenant_id = tenant_id
        self.api = ApiClient(PROSPECTION, tenant_id)
        self.leads = ApiClient("functions/leads/", tenant_id)
        self.phone = "+336120" + new_id()[-5:].translate(str.maketrans("ABCDEFGHJKMNPQRSTVWXYZ", "0" * 22))
        self.lead_id = _ok(self.leads.post("/leads", {"first_name": "Inès", "phone": self.phone}), 201)["id"]
        scenario = _ok(self.api.post("/scenarios", {"name": "Trois SMS", "steps": THREE_SMS_STEPS}), 201)
        window = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
        campaign = {"name": "Automne", "scenario_id": scenario["id"], "send_window": window}
        self.campaign_id = _ok(self.api.post("/campaigns", {**campaign, "timezone": "Europe/Paris"}), 201)[
            "id"
        ]
        ProspectService(tenant_id, clock=_at(now)).enroll(
            self.campaign_id, EnrollRequest(lead_ids=[self.lead_id])
        )
        assert self.run(now) == {"sent": 1}
        self.step_two_due = datetime.fromisoformat(self.prospect()["next_action_at"])

    def run(self, at: datetime) -> dict[str, int]:
        """The hourly run over every shard at ``at``; the outcomes counted."""
        sequencer = Sequencer(self.tenant_id, clock=_at(at))
        outcomes: dict[str, int] = {}
        for shard in range(DUE_SHARDS):
            for name, n in sequencer.run_shard(shard).outcomes.items():
                outcomes[name] = outcomes.get(name, 0) + n
        return outcomes

    def log_reply(self, text: str) -> None:
        """The rep logs the lead's SMS with ``POST /activities``."""
        reply = {"lead_id": self.lead_id, "channel": "sms", "direction": "in", "preview": text}
        _ok(ApiClient("functions/alerts/", self.tenant_id).post("/activities", reply), 201)

    def receive(self, text: str, automatic: str | None = None) -> None:
        """The lead's SMS comes in through the webhooks' path."""
        message = InboundMessage(
            channel=Channel.SMS,
            provider_message_id="SM" + new_id().lower(),
            sender=self.phone,
            text=text,
            received_at=datetime.now(UTC),
            automatic=automatic,
        )
        InboundService(self.tenant_id, enqueue=lambda *_: None).receive(message, self.tenant)

    def evaluate(self) -> None:
        """The worker takes the lead's ``evaluate_lead`` job, as the queue hands it over."""
        message = TenantJobMessage(
            job=Job.EVALUATE_LEAD,
            tenant_id=self.tenant_id,
            lead_id=self.lead_id,
            scheduled_at=datetime.now(UTC),
        )
        worker = load_handler("functions/scheduler/", "worker.lambda_handler")
        result = worker(sqs_event([("m-" + new_id(), message.model_dump_json())]), LocalContext())
        assert result == {"batchItemFailures": []}

    def prospect(self) -> dict[str, Any]:
        return dict(_ok(self.api.get(f"/campaigns/{self.campaign_id}/prospects/{self.lead_id}")))

    def lead(self) -> dict[str, Any]:
        return dict(_ok(self.leads.get(f"/leads/{self.lead_id}")))

    def sent(self) -> int:
        found = ActivityRepository(self.tenant_id).page_for_lead(self.lead_id, None, 50)
        return sum(1 for a in found if a.direction is Direction.OUT)

    def overview(self) -> dict[str, Any]:
        return dict(_ok(self.api.get("/analytics/overview", query={"campaign_id": self.campaign_id})))

    def alerts(self) -> list[str]:
        items = _ok(ApiClient("functions/alerts/", self.tenant_id).get("/alerts"))["items"]
        return [a["type"] for a in items if a["lead_id"] == self.lead_id]


@pytest.fixture
def sequence(tenant_id: str) -> Sequence:
    return Sequence(tenant_id)


# --- out of office ---------------------------------------------------------------------------------
def test_an_out_of_office_reply_pauses_the_sequence_until_the_lead_is_back(sequence: Sequence) -> None:
    # Given step 2 due on Wednesday 18 November
    assert sequence.step_two_due.date() == date(2026, 11, 18)
    # When the lead's out-of-office notice, back on Saturday 21, is logged and the worker takes it
    sequence.log_reply("Bonjour, je suis absente du bureau, de retour le samedi 21 novembre.")
    sequence.evaluate()
    # Then the prospect is paused until Monday 23 at 09:00 Paris (the next working day), saying so
    prospect = sequence.prospect()
    assert prospect["status"] == "paused"
    assert datetime.fromisoformat(prospect["resume_at"]) == MON_23_0900_PARIS
    last = prospect["last_decision"]
    assert (last["outcome"], last["code"]) == ("paused", "out_of_office")
    assert "lundi 23 novembre 09:00" in last["reason"], last["reason"]
    # And the notice is no reply: the lead's conversation did not move, the sequence did not stop
    summary = sequence.lead()["summary"]
    assert summary["last_inbound_at"] is None
    assert summary["out_of_office_until"].startswith("2026-11-23")
    assert prospect["replied_at"] is None

    # When the hourly run takes step 2 on Wednesday, then runs until Monday 08:59 Paris
    assert sequence.run(sequence.step_two_due) == {"paused": 1}
    assert sequence.run(MON_23_0900_PARIS - timedelta(minutes=1)) == {}
    # Then nothing more was sent
    assert sequence.sent() == 1
    # When the run at Monday 09:00 Paris comes
    assert sequence.run(MON_23_0900_PARIS) == {"sent": 1}
    # Then step 2 goes by itself and the sequence is active again, step 3 two days later
    prospect = sequence.prospect()
    assert (prospect["status"], prospect["current_step"], prospect["resume_at"]) == ("active", 3, None)
    assert sequence.sent() == 2
    # And its reason says the sequence resumed, before what the step did
    reason = prospect["last_decision"]["reason"]
    assert reason.startswith("Séquence reprise, le prospect est de retour. Étape 2 envoyée"), reason
    # And analytics count an absence, no reply
    overview = sequence.overview()
    assert (overview["replied"], overview["reply_rate"], overview["out_of_office"]) == (0, 0.0, 1)


def test_the_preview_shows_the_paused_prospect_with_the_day_it_resumes(sequence: Sequence) -> None:
    # Given a lead paused by its out-of-office notice before its step 2 came due
    sequence.log_reply("Je suis absent, retour le 21/11.")
    sequence.evaluate()
    # When the tenant previews Wednesday 18, the day step 2 was due, and Monday 23
    on_wednesday = _ok(sequence.api.get("/schedule/preview", query={"date": "2026-11-18"}))["items"]
    on_monday = _ok(sequence.api.get("/schedule/preview", query={"date": "2026-11-23"}))["items"]
    # Then Wednesday shows the prospect paused until Monday 09:00 Paris, and why
    (paused,) = [i for i in on_wednesday if i["lead_id"] == sequence.lead_id]
    assert (paused["outcome"], paused["code"], paused["step"]) == ("paused", "out_of_office", 2)
    assert datetime.fromisoformat(paused["until"]) == MON_23_0900_PARIS
    assert "absent" in paused["reason"]
    # And Monday shows the step going out at 09:00
    (resumed,) = [i for i in on_monday if i["lead_id"] == sequence.lead_id]
    assert (resumed["outcome"], datetime.fromisoformat(resumed["at"])) == ("sent", MON_23_0900_PARIS)


# --- opt-out, decline, hot -------------------------------------------------------------------------
def test_a_stop_ends_the_sequence_as_opted_out_and_is_no_reply(sequence: Sequence) -> None:
    # When the lead answers STOP by SMS and the worker takes it
    sequence.receive("STOP")
    sequence.evaluate()
    # Then the sequence ends as opted out, not as replied
    prospect = sequence.prospect()
    assert prospect["status"] == "stopped"
    assert (prospect["last_decision"]["code"], prospect["reply_kind"]) == ("unsubscribed", "opt_out")
    assert "ne plus être contacté" in prospect["last_decision"]["reason"]
    # And the lead's SMS consent is withdrawn
    assert sequence.lead()["consent"]["sms"]["granted"] is False
    # And the reply rate is unchanged; the opt-out is counted apart
    overview = sequence.overview()
    assert (overview["replied"], overview["reply_rate"], overview["opted_out"]) == (0, 0.0, 1)
    # And step 2 never goes
    assert sequence.run(sequence.step_two_due) == {}
    assert sequence.sent() == 1


def test_a_decline_ends_the_sequence_as_declined_and_suggests_lost(sequence: Sequence) -> None:
    # When the lead declines politely and the worker takes it
    sequence.log_reply("Pas pour l'instant, merci")
    sequence.evaluate()
    # Then the sequence ends as declined, with its own reason
    prospect = sequence.prospect()
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("stopped", "declined")
    assert prospect["reply_kind"] == "decline"
    # And marking the lead lost is suggested, its status left to the rep
    lead = sequence.lead()
    assert (lead["status"], lead["summary"]["suggested_status"]) == ("new", "lost")
    # And a person answered: the reply rate counts it, not as positive
    overview = sequence.overview()
    assert (overview["replied"], overview["declined"], overview["positive_replied"]) == (1, 1, 0)


def test_a_meeting_asked_for_stops_the_sequence_and_opens_the_hot_alert(sequence: Sequence) -> None:
    # When the lead asks to be called and the worker takes it
    sequence.log_reply("Appelez-moi demain")
    sequence.evaluate()
    # Then the sequence stops as replied, a hot reply, and the hot-lead alert is open
    prospect = sequence.prospect()
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("stopped", "replied")
    assert prospect["reply_kind"] == "hot"
    assert sequence.alerts() == ["HotLead24h"]
    overview = sequence.overview()
    assert (overview["replied"], overview["positive_replied"], overview["positive_reply_rate"]) == (1, 1, 1.0)


# --- automatic messages ----------------------------------------------------------------------------
def test_an_automatic_acknowledgement_changes_nothing(sequence: Sequence) -> None:
    # When an auto-acknowledgement comes in (a machine sent it) and the worker takes it
    sequence.receive(
        "Merci, votre message a bien été reçu. Nous revenons vers vous.", automatic="auto_submitted"
    )
    sequence.evaluate()
    # Then it is on the timeline, marked, but the lead's conversation did not move
    found = ActivityRepository(sequence.tenant_id).page_for_lead(sequence.lead_id, None, 50)
    (inbound,) = [a for a in found if a.direction is Direction.IN]
    assert (inbound.metadata["automatic"], inbound.metadata["reply_kind"]) == ("auto_submitted", "automatic")
    assert sequence.lead()["summary"]["last_inbound_at"] is None
    # And no alert opened, the sequence is untouched and step 2 goes when due
    assert sequence.alerts() == []
    prospect = sequence.prospect()
    assert (prospect["status"], prospect["decisions"][0]["outcome"]) == ("active", "sent")
    assert sequence.run(sequence.step_two_due) == {"sent": 1}
    assert sequence.overview()["replied"] == 0


def test_a_user_s_pause_of_a_prospect_away_does_not_resume_by_itself(sequence: Sequence) -> None:
    # Given a prospect paused by its out-of-office notice until Monday 23
    sequence.log_reply("Je suis absent, retour le 21/11.")
    sequence.evaluate()
    # When the rep pauses it too
    path = f"/campaigns/{sequence.campaign_id}/prospects/{sequence.lead_id}"
    paused = _ok(sequence.api.patch(path, {"status": "paused"}))
    # Then it is the rep's pause now: no resume date, and the Monday run leaves it alone
    assert (paused["status"], paused["resume_at"], paused["last_decision"]["code"]) == (
        "paused",
        None,
        "paused_by_user",
    )
    assert sequence.run(MON_23_0900_PARIS) == {}
    assert sequence.sent() == 1
