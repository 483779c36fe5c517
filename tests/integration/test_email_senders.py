"""Several e-mail senders per tenant, end to end: set through PUT /channels/email, taken in turn by
the scheduler's sends (the fake Resend records each e-mail's From), never over a daily limit, the
same sender for every try of one send, and a thread's follow-up from its first e-mail's sender.

The set-up goes through the HTTP handlers, the steps through the scheduler's worker handler, the
e-mails through the real resend SDK to the fake Resend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.dal.budget import BudgetRepository
from maxcore.dal.senders import SenderRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import SenderLimitError
from maxcore.models.channel import EmailSender
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.services.messaging import MessagingService
from maxcore.services.senders import SenderRotation
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
TEMPLATES = "functions/templates/"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TUE_1000_PARIS = MON_1000_PARIS + timedelta(days=1)
WED_1000_PARIS = MON_1000_PARIS + timedelta(days=2)
CLAIRE = "claire@bellepeau.fr"
MARC = "marc@bellepeau.fr"


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend) -> FakeResend:
    return resend_for_sends


def _provisioned(tenant_id: str) -> None:
    """An automatic Paris tenant with its budget, provisioned the day before Monday's run."""
    now = MON_1000_PARIS - timedelta(days=1)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    BudgetRepository(tenant_id).open(100, "2026-11", now)


def _tenant(tenant_id: str, senders: list[dict[str, Any]]) -> None:
    """An automatic tenant on Resend whose e-mail channel has ``senders``."""
    _provisioned(tenant_id)
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        channel = ApiClient(MESSAGING, tenant_id).request(
            "PUT",
            "/channels/email",
            json_body={"credentials": {"api_key": RESEND_LIVE_KEY}, "senders": senders},
        )
        assert channel.status == 200, channel.body


def _lead(tenant_id: str, first_name: str) -> str:
    lead = ApiClient(LEADS, tenant_id).post(
        "/leads", {"first_name": first_name, "email": f"{first_name.lower()}@example.fr"}
    )
    assert lead.status == 201, lead.body
    return str(lead.body["id"])


def _email_step(tenant_id: str, order: int, delay_days: int, subject: str) -> dict[str, Any]:
    api = ApiClient(TEMPLATES, tenant_id)
    created = api.post(
        "/templates",
        {"channel": "email", "name": subject, "subject": subject, "body": "Bonjour {{firstName|}},"},
    )
    assert created.status == 201, created.body
    activated = api.post(f"/templates/{created.body['id']}/activate", {})
    assert activated.status == 200, activated.body
    return {
        "order": order,
        "delay_days": delay_days,
        "channel": "email",
        "objective": "Présenter l'atelier",
        "template_id": str(created.body["id"]),
    }


def _campaign(tenant_id: str, steps: list[dict[str, Any]], lead_ids: list[str]) -> str:
    """A campaign of ``steps`` with ``lead_ids`` enrolled the day before Monday's run."""
    api = ApiClient(PROSPECTION, tenant_id)
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        scenario = api.post("/scenarios", {"name": "Atelier", "steps": steps})
        assert scenario.status == 201, scenario.body
        campaign_id = enrolled_campaign(api, "Atelier", str(scenario.body["id"]), lead_ids[0])
        for lead_id in lead_ids[1:]:
            enrolled = api.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": [lead_id]})
            assert len(enrolled.body["accepted"]) == 1, enrolled.body
    return campaign_id


def _decisions(tenant_id: str, campaign_id: str, lead_id: str) -> list[dict[str, Any]]:
    """The lead's decisions in the campaign, oldest first."""
    response = ApiClient(PROSPECTION, tenant_id).get(
        f"/campaigns/{campaign_id}/interactions", query={"lead_id": lead_id}
    )
    assert response.status == 200, response.body
    return [i["decision"] for i in reversed(response.body["items"])]


# --- settings ------------------------------------------------------------------------------------
def test_put_channel_sets_a_checked_list_of_senders_with_a_default_limit(tenant_id: str) -> None:
    _provisioned(tenant_id)
    api = ApiClient(MESSAGING, tenant_id)
    # When an admin sets two senders, one typed with capitals and without a limit
    saved = api.request(
        "PUT",
        "/channels/email",
        json_body={
            "senders": [
                {"address": "Claire@BellePeau.fr", "name": "Claire"},
                {"address": MARC, "daily_limit": 200, "active": False},
            ]
        },
    )
    # Then they are kept normalised, the first with the warm-up limit, and the first is the sender
    assert saved.status == 200, saved.body
    assert saved.body["senders"] == [
        {"address": CLAIRE, "name": "Claire", "daily_limit": 50, "active": True},
        {"address": MARC, "name": None, "daily_limit": 200, "active": False},
    ]
    assert (saved.body["sender"], saved.body["sender_name"]) == (CLAIRE, "Claire")
    assert api.get("/channels/email").body["senders"] == saved.body["senders"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"senders": [{"address": CLAIRE}, {"address": "CLAIRE@bellepeau.fr"}]}, "senders.1.address"),
        ({"senders": [{"address": "claire"}]}, "senders.0.address"),
        ({"senders": []}, "senders"),
        ({"senders": [{"address": f"s{i}@bellepeau.fr"} for i in range(11)]}, "senders"),
        ({"senders": [{"address": CLAIRE, "daily_limit": 0}]}, "senders.0.daily_limit"),
        ({"senders": [{"address": CLAIRE}], "sender": MARC}, "sender"),
        ({"senders": None}, "senders"),
    ],
)
def test_put_channel_refuses_a_bad_list_of_senders_and_writes_nothing(
    tenant_id: str, body: dict[str, Any], field: str
) -> None:
    _provisioned(tenant_id)
    api = ApiClient(MESSAGING, tenant_id)
    # When an admin sends a list with a duplicate, a bad address, none, eleven, a zero limit, or
    # a list with a lone sender beside it
    refused = api.request("PUT", "/channels/email", json_body=body)
    # Then it is a 422 naming the field, and the channel keeps its defaults
    assert refused.status == 422, refused.body
    assert field in [d.get("field") for d in refused.body["error"]["details"]], refused.body
    assert api.get("/channels/email").body["senders"] == []


def test_a_list_of_senders_is_changed_as_a_list_and_not_on_sms(tenant_id: str) -> None:
    _provisioned(tenant_id)
    api = ApiClient(MESSAGING, tenant_id)
    assert api.request("PUT", "/channels/email", json_body={"senders": [{"address": CLAIRE}]}).status == 200
    # When the lone sender of a channel that has a list is changed
    refused = api.request("PUT", "/channels/email", json_body={"sender": MARC})
    # Then it is refused: the list says which sender changes
    assert refused.status == 422, refused.body
    # And senders on SMS are refused
    sms = api.request("PUT", "/channels/sms", json_body={"senders": [{"address": CLAIRE}]})
    assert sms.status == 422, sms.body


def test_a_channel_set_with_one_sender_shows_it_as_a_list_of_one(tenant_id: str) -> None:
    _provisioned(tenant_id)
    api = ApiClient(MESSAGING, tenant_id)
    saved = api.request("PUT", "/channels/email", json_body={"sender": CLAIRE, "sender_name": "Belle Peau"})
    assert saved.status == 200, saved.body
    assert saved.body["senders"] == [
        {"address": CLAIRE, "name": "Belle Peau", "daily_limit": 50, "active": True}
    ]


# --- sends in turn ----------------------------------------------------------------------------------
def test_two_senders_take_turns_and_the_third_email_waits_for_the_next_day(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given two senders allowed one e-mail a day each, and three prospects of a one-e-mail sequence
    _tenant(
        tenant_id,
        [{"address": CLAIRE, "name": "Claire", "daily_limit": 1}, {"address": MARC, "daily_limit": 1}],
    )
    leads = [_lead(tenant_id, name) for name in ("Sophie", "Lucas", "Emma")]
    campaign_id = _campaign(tenant_id, [_email_step(tenant_id, 1, 0, "Votre atelier")], leads)
    # When Monday's run takes each prospect's step (a shard's run takes every due prospect of the
    # shard, so which prospect comes third is not fixed)
    for lead_id in leads:
        run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    # Then the first two e-mails go from each sender in turn
    assert [e["from"] for e in resend.sent] == [f"Claire <{CLAIRE}>", MARC]
    # And the third is put off to Tuesday's window, with why, in French
    last = {lead_id: _decisions(tenant_id, campaign_id, lead_id)[-1] for lead_id in leads}
    [waiting] = [lead_id for lead_id, decision in last.items() if decision["outcome"] == "deferred"]
    deferral = last[waiting]
    assert deferral["code"] == "daily_sender_limit"
    assert "limite d'e-mails du jour" in deferral["reason"]
    # When Tuesday's run comes
    run_prospect_shard(tenant_id, campaign_id, waiting, TUE_1000_PARIS)
    # Then it goes, from the first sender, whose day started again, to the prospect who waited
    assert len(resend.sent) == 3
    assert resend.sent[2]["from"] == f"Claire <{CLAIRE}>"
    assert resend.sent[2]["to"] not in [e["to"] for e in resend.sent[:2]]


def test_a_resumed_send_keeps_its_sender_and_counts_once(tenant_id: str, resend: FakeResend) -> None:
    # Given two senders and an e-mail delivered under a step's key from the first
    _tenant(tenant_id, [{"address": CLAIRE}, {"address": MARC}])
    lead_id = _lead(tenant_id, "Sophie")
    request = SendMessageRequest(
        lead_id=lead_id, channel=ChannelChoice.EMAIL, subject="Bonjour", body="Bonjour"
    )
    key = f"step:01JFVENTS0DEMA0000000000CP:{lead_id}:1"
    messaging = MessagingService(tenant_id, lambda: MON_1000_PARIS)
    messaging.deliver(request, "max:campaign:c", key, {})
    # When it is delivered again as a resumed send (its worker died before recording it), when the
    # rotation would otherwise give the other sender
    MessagingService(tenant_id, lambda: MON_1000_PARIS + timedelta(minutes=20)).deliver(
        request, "max:campaign:c", key, {}, resumed=True
    )
    # Then both tries went from the same sender (Resend took the second as the first, the same
    # e-mail under its key), which counted one e-mail
    assert [r.body["from"] for r in resend.requests] == [CLAIRE, CLAIRE]
    assert len(resend.sent) == 1
    assert SenderRepository(tenant_id).sent_on("2026-11-23", [CLAIRE, MARC]) == {CLAIRE: 1}


def _thread_started_then_its_sender_used(tenant_id: str, claire_limit: int) -> tuple[str, str]:
    """Claire (``claire_limit`` a day) and Marc; a two-step same-thread sequence whose first e-mail
    went from Claire on Monday; on Wednesday, before the follow-up, an e-mail to another lead from
    Claire (first in turn). The prospect's id and the campaign's."""
    _tenant(tenant_id, [{"address": CLAIRE, "daily_limit": claire_limit}, {"address": MARC}])
    sophie, lucas = _lead(tenant_id, "Sophie"), _lead(tenant_id, "Lucas")
    steps = [_email_step(tenant_id, 1, 0, "Votre atelier"), _email_step(tenant_id, 2, 2, "Relance")]
    campaign_id = _campaign(tenant_id, steps, [sophie])
    run_prospect_shard(tenant_id, campaign_id, sophie, MON_1000_PARIS)
    request = SendMessageRequest(
        lead_id=lucas, channel=ChannelChoice.EMAIL, subject="Bonjour", body="Bonjour"
    )
    MessagingService(tenant_id, lambda: WED_1000_PARIS).send(request, "user:u1", None)
    return sophie, campaign_id


def test_a_same_thread_follow_up_keeps_the_sender_of_the_first_email(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given two senders and a two-step same-thread sequence whose first e-mail went from Claire, and
    # on Wednesday an e-mail to another lead that takes Claire's first turn of the day
    sophie, campaign_id = _thread_started_then_its_sender_used(tenant_id, claire_limit=2)
    # When the follow-up runs, when the rotation alone would give Marc
    run_prospect_shard(tenant_id, campaign_id, sophie, WED_1000_PARIS)
    # Then it goes from Claire, in the first e-mail's thread
    first, _, follow_up = resend.sent
    assert [first["from"], follow_up["from"]] == [CLAIRE, CLAIRE]
    assert follow_up["headers"]["In-Reply-To"] == first["headers"]["Message-ID"]


def test_a_follow_up_whose_sender_is_full_waits_rather_than_switch(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a same-thread follow-up due on Wednesday, whose thread's sender used its one e-mail already
    sophie, campaign_id = _thread_started_then_its_sender_used(tenant_id, claire_limit=1)
    # When the follow-up runs
    run_prospect_shard(tenant_id, campaign_id, sophie, WED_1000_PARIS)
    # Then it is not sent from Marc: it waits for Claire's next day
    assert [e["from"] for e in resend.sent] == [CLAIRE, CLAIRE]
    *_, deferral = _decisions(tenant_id, campaign_id, sophie)
    assert (deferral["outcome"], deferral["code"]) == ("deferred", "daily_sender_limit")
    # And the next day it goes, from Claire
    run_prospect_shard(tenant_id, campaign_id, sophie, WED_1000_PARIS + timedelta(days=1))
    assert resend.sent[-1]["from"] == CLAIRE
    assert resend.sent[-1]["to"] == ["sophie@example.fr"]


def test_a_manual_email_over_every_limit_is_refused_with_its_code(tenant_id: str, resend: FakeResend) -> None:
    # Given one sender allowed one e-mail a day, already used
    _tenant(tenant_id, [{"address": CLAIRE, "daily_limit": 1}])
    lead_id = _lead(tenant_id, "Sophie")
    body = {"lead_id": lead_id, "channel": "email", "subject": "Bonjour", "body": "Bonjour"}
    api = ApiClient(MESSAGING, tenant_id)
    with time_machine.travel(MON_1000_PARIS, tick=False):
        assert api.post("/messages", body).status == 201
        # When another e-mail is asked for the same day
        refused = api.post("/messages", body)
    # Then it is a 429 saying which limit, and nothing more was sent
    assert refused.status == 429, refused.body
    assert refused.body["error"]["code"] == "daily_sender_limit"
    assert len(resend.sent) == 1


# --- the tenant's day -----------------------------------------------------------------------------
def test_a_senders_day_is_the_tenants_calendar_day(tenant_id: str) -> None:
    # Given a Paris tenant's sender allowed one e-mail a day
    _tenant(tenant_id, [{"address": CLAIRE, "daily_limit": 1}])
    senders = [EmailSender(address=CLAIRE, daily_limit=1)]
    rotation = SenderRotation(tenant_id)
    late_monday = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    # When it sends at 23:30 Paris time
    assert rotation.take(senders, "k1", late_monday, "Europe/Paris").slot.day == "2026-11-23"
    # Then another send before Paris midnight (still Monday in UTC too) finds it full until then
    with pytest.raises(SenderLimitError) as full:
        rotation.take(senders, "k2", late_monday + timedelta(minutes=20), "Europe/Paris")
    assert full.value.details["resets_at"] == "2026-11-23T23:00:00+00:00"
    # And one after Paris midnight, though still Monday in UTC, takes Tuesday's turn
    tuesday = rotation.take(senders, "k2", late_monday + timedelta(hours=1), "Europe/Paris")
    assert tuesday.slot.day == "2026-11-24"
    assert tuesday.counted is True


def test_an_unsent_email_gives_its_sender_turn_back(tenant_id: str) -> None:
    # Given a sender's turn taken by a send
    _tenant(tenant_id, [{"address": CLAIRE, "daily_limit": 1}])
    senders = [EmailSender(address=CLAIRE, daily_limit=1)]
    rotation = SenderRotation(tenant_id)
    turn = rotation.take(senders, "k1", MON_1000_PARIS, "Europe/Paris")
    # When the send did not leave and gives its turn back
    rotation.give_back("k1", turn)
    # Then the sender has its slot again, and the send's next try chooses afresh and counts
    again = rotation.take(senders, "k1", MON_1000_PARIS, "Europe/Paris")
    assert again.counted is True
    assert SenderRepository(tenant_id).sent_on("2026-11-23", [CLAIRE, MARC]) == {CLAIRE: 1}
