"""E-mail threads end to end: our Message-IDs and Reply-To at Resend, follow-ups in the first e-mail's
thread, and replies found by the ids they name.

The set-up goes through the HTTP handlers, the steps through the scheduler's worker handler, the
e-mails through the real resend SDK to the fake Resend, which records what it received.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.dal.activities import ActivityRepository
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.activity import Activity, Direction
from maxcore.models.common import Channel
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.models.webhook import InboundMessage
from maxcore.rules.email_threads import message_id
from maxcore.services.exactly_once import LEASE
from maxcore.services.inbound import InboundService
from maxcore.services.messaging import MessagingService
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
TEMPLATES = "functions/templates/"
INBOUND = "replies@bellepeau.inbound.example"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WED_1000_PARIS = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ONE_CLICK_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
"""A prospection e-mail's unsubscribe headers (see test_unsubscribe.py), besides its thread's."""


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend) -> FakeResend:
    return resend_for_sends


def _template(tenant_id: str, name: str, subject: str) -> str:
    api = ApiClient(TEMPLATES, tenant_id)
    created = api.post(
        "/templates",
        {"channel": "email", "name": name, "subject": subject, "body": "Bonjour {{firstName|}},"},
    )
    assert created.status == 201, created.body
    template_id = str(created.body["id"])
    activated = api.post(f"/templates/{template_id}/activate", {})
    assert activated.status == 200, activated.body
    return template_id


def _sequence(tenant_id: str, second_thread: str | None, mode: Mode = Mode.AUTO) -> tuple[str, str]:
    """A tenant (automatic unless ``mode`` says otherwise) on Resend with an inbound address, a lead,
    and a two-step e-mail scenario (the second two days after the first, with ``second_thread`` or
    the default), the lead enrolled the day before the first step's run."""
    now = MON_1000_PARIS - timedelta(days=1)
    with time_machine.travel(now, tick=False):
        TenantProfileRepository(tenant_id).create_if_absent(
            Tenant(id=tenant_id, name="Institut Belle Peau", mode=mode, created_at=now, updated_at=now)
        )
        BudgetRepository(tenant_id).open(100, "2026-11", now)
        channel = ApiClient(MESSAGING, tenant_id).request(
            "PUT",
            "/channels/email",
            json_body={
                "credentials": {"api_key": RESEND_LIVE_KEY},
                "sender": "contact@bellepeau.fr",
                "inbound_address": INBOUND,
            },
        )
        assert channel.status == 200, channel.body
        lead = ApiClient(LEADS, tenant_id).post(
            "/leads", {"first_name": "Sophie", "email": "sophie@example.fr"}
        )
        assert lead.status == 201, lead.body
        second: dict[str, Any] = {
            "order": 2,
            "delay_days": 2,
            "channel": "email",
            "objective": "Relancer",
            "template_id": _template(tenant_id, "Relance", "Une autre idée pour vous"),
        }
        if second_thread is not None:
            second["thread"] = second_thread
        first = {
            "order": 1,
            "delay_days": 0,
            "channel": "email",
            "objective": "Présenter l'atelier",
            "template_id": _template(tenant_id, "Atelier", "Votre planning atelier"),
        }
        api = ApiClient(PROSPECTION, tenant_id)
        scenario = api.post("/scenarios", {"name": "Atelier", "steps": [first, second]})
        assert scenario.status == 201, scenario.body
        assert [s["thread"] for s in scenario.body["steps"]] == ["same", second_thread or "same"]
        lead_id = str(lead.body["id"])
        return enrolled_campaign(api, "Atelier", str(scenario.body["id"]), lead_id), lead_id


def _both_steps_sent(tenant_id: str, second_thread: str | None) -> tuple[str, str]:
    """The sequence of :func:`_sequence`, its two steps run by the scheduler on Monday and Wednesday."""
    campaign_id, lead_id = _sequence(tenant_id, second_thread)
    run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    run_prospect_shard(tenant_id, campaign_id, lead_id, WED_1000_PARIS)
    return campaign_id, lead_id


def _outbound(tenant_id: str, lead_id: str) -> list[Activity]:
    """The lead's outbound messages, oldest first."""
    found = ActivityRepository(tenant_id).page_for_lead(lead_id, None, 50)
    return [a for a in reversed(found) if a.direction is Direction.OUT]


def _bare(header: str) -> str:
    assert header[0] + header[-1] == "<>", header
    return header[1:-1]


def test_a_same_thread_follow_up_answers_the_first_email_under_its_subject(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a two-step e-mail sequence whose second step keeps the default thread setting
    # When both steps run
    _, lead_id = _both_steps_sent(tenant_id, None)
    # Then the first e-mail started a thread with its own subject and our Message-ID
    first, second = resend.sent
    assert first["subject"] == "Votre planning atelier"
    assert set(first["headers"]) == {"Message-ID", *ONE_CLICK_HEADERS}
    first_id = _bare(first["headers"]["Message-ID"])
    # And the second answers it: In-Reply-To and References name it, the subject is "Re: " once
    assert second["subject"] == "Re: Votre planning atelier"
    assert second["headers"]["In-Reply-To"] == f"<{first_id}>"
    assert second["headers"]["References"] == f"<{first_id}>"
    second_id = _bare(second["headers"]["Message-ID"])
    assert second_id != first_id
    # And both ids name the lead, on the sender's domain, and replies go to the tenant's inbound address
    for sent_id in (first_id, second_id):
        assert sent_id.endswith(f".{lead_id}@bellepeau.fr")
    assert [e["reply_to"] for e in resend.sent] == [INBOUND, INBOUND]
    # And each message's activity keeps the id it was sent with
    assert [a.metadata["message_id"] for a in _outbound(tenant_id, lead_id)] == [first_id, second_id]


def test_a_new_thread_step_starts_its_own_thread_with_its_own_subject(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a two-step e-mail sequence whose second step starts a new thread
    # When both steps run
    _both_steps_sent(tenant_id, "new")
    # Then the second e-mail answers nothing and keeps its template's subject
    _, second = resend.sent
    assert second["subject"] == "Une autre idée pour vous"
    assert set(second["headers"]) == {"Message-ID", *ONE_CLICK_HEADERS}


def test_an_approved_same_thread_draft_answers_the_first_approved_email(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given an assisted tenant whose two-step sequence is drafted step by step
    campaign_id, lead_id = _sequence(tenant_id, None, Mode.ASSISTED)
    api = ApiClient(PROSPECTION, tenant_id)
    drafts = []
    # When each step's draft is approved minutes after the run that wrote it
    for run in (MON_1000_PARIS, WED_1000_PARIS + timedelta(hours=1)):
        run_prospect_shard(tenant_id, campaign_id, lead_id, run)
        with time_machine.travel(run + timedelta(minutes=5), tick=False):
            [draft] = api.get("/approvals", query={"kind": "draft", "status": "pending"}).body["items"]
            approved = api.post(f"/approvals/{draft['id']}", {"decision": "approve"})
        assert approved.status == 200, approved.body
        drafts.append(draft)
    # Then the second draft already showed the thread's subject, and its e-mail answers the first
    assert [d["subject"] for d in drafts] == ["Votre planning atelier", "Re: Votre planning atelier"]
    first, second = resend.sent
    assert second["subject"] == "Re: Votre planning atelier"
    assert second["headers"]["In-Reply-To"] == first["headers"]["Message-ID"]
    assert second["headers"]["References"] == first["headers"]["Message-ID"]


def test_a_send_delivered_again_under_its_key_carries_the_same_message_id(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given an e-mail delivered under a step's key
    _, lead_id = _sequence(tenant_id, None)
    request = SendMessageRequest(
        lead_id=lead_id, channel=ChannelChoice.EMAIL, subject="Bonjour", body="Bonjour"
    )
    key = f"step:01JFVENTS0DEMA0000000000CP:{lead_id}:1"
    first = MessagingService(tenant_id, lambda: MON_1000_PARIS).deliver(request, "max:campaign:c", key, {})
    # When it is delivered again as a resumed send (its worker died before recording it)
    again = MessagingService(tenant_id, lambda: MON_1000_PARIS + LEASE).deliver(
        request, "max:campaign:c", key, {}, resumed=True
    )
    # Then Resend got the very same e-mail twice, Message-ID included, and sent it once
    one, two = resend.requests
    assert one.body["headers"] == two.body["headers"]
    assert one.raw == two.raw
    assert len(resend.sent) == 1
    assert again.activity.id == first.activity.id


def test_a_client_key_used_again_once_expired_sends_an_email_with_a_new_message_id(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given an e-mail sent through POST /messages under a client's key
    _, lead_id = _sequence(tenant_id, None)
    api = ApiClient(MESSAGING, tenant_id)
    body = {"lead_id": lead_id, "channel": "email", "subject": "Votre devis", "body": "Bonjour Sophie"}
    key = {"idempotency-key": "devis-sophie-0001"}
    with time_machine.travel(MON_1000_PARIS, tick=False):
        assert api.post("/messages", body, headers=key).status == 201
    # When the client uses the key again two days later, once both we and Resend forgot it
    resend.idempotency.clear()  # Resend keeps a key 24 hours; the fake never forgets by itself
    with time_machine.travel(MON_1000_PARIS + timedelta(days=2), tick=False):
        again = api.post("/messages", body, headers=key)
    # Then it is another e-mail, with its own Message-ID (a mailbox drops a Message-ID it already holds)
    assert again.status == 201, again.body
    first, second = resend.sent
    assert first["headers"]["Message-ID"] != second["headers"]["Message-ID"]


def test_the_reply_to_is_the_sender_when_the_tenant_has_no_inbound_address(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given the inbound address cleared
    _, lead_id = _sequence(tenant_id, None)
    cleared = ApiClient(MESSAGING, tenant_id).request(
        "PUT", "/channels/email", json_body={"inbound_address": None}
    )
    assert (cleared.status, cleared.body["inbound_address"]) == (200, None), cleared.body
    # When a message goes out through POST /messages
    sent = ApiClient(MESSAGING, tenant_id).post(
        "/messages", {"lead_id": lead_id, "channel": "email", "subject": "Une question", "body": "Bonjour"}
    )
    assert sent.status in (200, 201), sent.body
    # Then replies go to the sender, and the message has its own Message-ID
    [email] = resend.sent
    assert email["reply_to"] == "contact@bellepeau.fr"
    assert _bare(email["headers"]["Message-ID"]).endswith(f".{lead_id}@bellepeau.fr")


def test_the_inbound_address_is_an_email_setting_checked_as_an_address(tenant_id: str) -> None:
    api = ApiClient(MESSAGING, tenant_id)
    # When an admin sets it in another case, Then it is kept normalised and shown
    saved = api.request("PUT", "/channels/email", json_body={"inbound_address": "Replies@BellePeau.Example"})
    assert (saved.status, saved.body["inbound_address"]) == (200, "replies@bellepeau.example"), saved.body
    assert api.get("/channels/email").body["inbound_address"] == "replies@bellepeau.example"
    # When it is not an address, or set on another channel, Then a 422 names the field
    for channel, value in (("email", "not an address"), ("sms", "replies@bellepeau.example")):
        refused = api.request("PUT", f"/channels/{channel}", json_body={"inbound_address": value})
        assert refused.status == 422, refused.body
        assert refused.body["error"]["details"][0]["field"] == "inbound_address"
    assert api.get("/channels/sms").body["inbound_address"] is None


# --- replies ---------------------------------------------------------------------------------------
def _reply(tenant_id: str, sender: str, in_reply_to: str | None, references: tuple[str, ...] = ()) -> None:
    at = WED_1000_PARIS + timedelta(hours=2)
    message = InboundMessage(
        channel=Channel.EMAIL,
        provider_message_id=f"in-{sender}-{in_reply_to}",
        sender=sender,
        text="Oui, parlons-en jeudi.",
        received_at=at,
        subject="Re: Votre planning atelier",
        in_reply_to=in_reply_to,
        references=references,
    )
    queued: list[tuple[str, str, datetime]] = []
    tenant = TenantProfileRepository(tenant_id).get()
    InboundService(tenant_id, lambda: at, lambda *job: queued.append(job)).receive(message, tenant)
    assert len(queued) == 1


def _inbound(tenant_id: str, lead_id: str) -> list[Activity]:
    found = ActivityRepository(tenant_id).page_for_lead(lead_id, None, 50)
    return [a for a in found if a.direction is Direction.IN]


def test_a_reply_from_another_address_naming_our_email_is_recorded_on_its_lead_and_step(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a sequence whose two e-mails left
    campaign_id, lead_id = _both_steps_sent(tenant_id, None)
    first_id, second_id = (_bare(e["headers"]["Message-ID"]) for e in resend.sent)
    step_two = _outbound(tenant_id, lead_id)[1]
    # When the prospect answers the second e-mail from a colleague's address
    _reply(tenant_id, "direction@bellepeau-sophie.fr", f"<{second_id}>", (first_id, second_id))
    # Then the reply is on the prospect's lead, naming the e-mail, campaign and step it answers
    [reply] = _inbound(tenant_id, lead_id)
    assert reply.metadata["in_reply_to_activity"] == step_two.id
    assert (reply.metadata["in_reply_to_campaign"], reply.metadata["in_reply_to_step"]) == (campaign_id, 2)
    assert reply.metadata["sender"] == "direction@bellepeau-sophie.fr"
    # And no lead was created for the other address
    assert LeadRepository(tenant_id).find_by_contact("email", "direction@bellepeau-sophie.fr") is None


def test_a_reply_whose_in_reply_to_is_foreign_is_found_by_its_references(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a sequence whose first e-mail left
    campaign_id, lead_id = _sequence(tenant_id, None)
    run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    [email] = resend.sent
    sent_id = _bare(email["headers"]["Message-ID"])
    # When a reply to a forward of it comes from an unknown address
    _reply(
        tenant_id,
        "assistant@example.org",
        "CAF=forward@mail.gmail.com",
        (sent_id, "CAF=forward@mail.gmail.com"),
    )
    # Then it is the prospect's, on the first step
    [reply] = _inbound(tenant_id, lead_id)
    assert reply.metadata["in_reply_to_step"] == 1


def test_a_forged_or_unknown_in_reply_to_falls_back_to_the_senders_address(
    tenant_id: str, other_tenant_id: str, resend: FakeResend
) -> None:
    # Given a prospect of this tenant, and a lead of another tenant
    _, lead_id = _sequence(tenant_id, None)
    with time_machine.travel(MON_1000_PARIS, tick=False):
        TenantProfileRepository(other_tenant_id).create_if_absent(
            Tenant(id=other_tenant_id, name="Autre", created_at=MON_1000_PARIS, updated_at=MON_1000_PARIS)
        )
    other = ApiClient(LEADS, other_tenant_id).post("/leads", {"first_name": "Eve", "email": "eve@example.fr"})
    assert other.status == 201, other.body
    forged = message_id(f"{other_tenant_id}:k", str(other.body["id"]), "contact@autre.fr")
    unknown = message_id(f"{tenant_id}:k", "01JFVENTS0DEMA0000000000SM", "contact@bellepeau.fr")
    # When the prospect writes naming the other tenant's lead, and an unknown sender names no lead
    _reply(tenant_id, "sophie@example.fr", f"<{forged}>")
    _reply(tenant_id, "nouveau@example.org", f"<{unknown}>")
    # Then the first is found by its address, answering nothing we know
    [reply] = _inbound(tenant_id, lead_id)
    assert "in_reply_to_activity" not in reply.metadata
    # And the second made a new lead of its sender, in this tenant only
    created = LeadRepository(tenant_id).find_by_contact("email", "nouveau@example.org")
    assert created not in (None, lead_id)
    assert _inbound(other_tenant_id, str(other.body["id"])) == []
