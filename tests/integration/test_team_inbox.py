"""The team inbox through its handlers: routing, status, owner, notes, filters, search and counts.

Inbound messages come through the Twilio webhook, signed with the tenant's secret, on moto (or
DynamoDB Local); the users are the JWT subjects of the callers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from maxcore.dal import keys
from maxcore.dal.base import plain
from maxcore.dal.inbox import InboxRepository
from maxcore.dal.items import InboxCounterItem, LeadItem
from maxcore.dal.leads import ConversationFilter, LeadRepository
from maxcore.errors import ConflictError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.inbox import Assignment, ConversationStatus, InboxSettings, RoutingReason
from maxcore.models.lead import Lead
from maxcore.services.activities import ActivityService
from maxcore.services.inbox import InboxService
from scripts.count_inbox_conversations import main as count_inbox_conversations
from tests.integration.test_webhooks import inbound, webhook, webhook_tenant
from tests.support.api import ApiClient
from tests.support.dynamodb_requests import RequestCounter

pytestmark = pytest.mark.integration

ADMIN = "user-admin"
ALICE, BOB = "user-alice", "user-bob"
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A provisioned tenant whose Twilio webhooks are signed with its own secret."""
    return webhook_tenant(tenant_id, fanout_queue)


def inbox(tenant_id: str, sub: str = ADMIN, role: str = "member") -> ApiClient:
    return ApiClient("functions/messaging/", tenant_id, role=role, sub=sub)


def sms(tenant_id: str, text: str, sid: str, phone: str) -> None:
    """One inbound SMS from ``phone``, delivered by Twilio's webhook."""
    assert webhook(inbound(tenant_id, text, "SM" + sid * 16, phone=phone))["statusCode"] == 200


def round_robin(tenant_id: str, *users: str) -> None:
    answer = inbox(tenant_id, role="admin").request(
        "PUT", "/inbox/settings", json_body={"assignment": "round_robin", "users": list(users)}
    )
    assert answer.status == 200, answer.body


def rows(tenant_id: str, sub: str = ADMIN, **query: str) -> list[dict[str, Any]]:
    answer = inbox(tenant_id, sub).get("/conversations", query=query)
    assert answer.status == 200, answer.body
    found: list[dict[str, Any]] = answer.body["items"]
    return found


def lead_of(tenant_id: str, phone: str) -> str:
    lead_id = LeadRepository(tenant_id).find_by_contact("phone", phone)
    assert lead_id is not None
    return lead_id


# --- Routing ------------------------------------------------------------------------------------
def test_inbound_messages_are_routed_in_turn_with_their_reason_and_a_redelivery_routes_once(
    tenant: str,
) -> None:
    # Given a round robin over Alice and Bob
    round_robin(tenant, ALICE, BOB)

    # When two leads write, and Twilio delivers the first message twice
    sms(tenant, "Bonjour, quels sont vos tarifs ?", "a1", "+33611000001")
    sms(tenant, "Bonjour, quels sont vos tarifs ?", "a1", "+33611000001")
    sms(tenant, "Je voudrais un rendez-vous", "b2", "+33611000002")

    # Then each conversation went to the next user once, with the reason in French
    first = LeadRepository(tenant).get(lead_of(tenant, "+33611000001")).summary.conversation
    second = LeadRepository(tenant).get(lead_of(tenant, "+33611000002")).summary.conversation
    assert (first.owner, second.owner) == (ALICE, BOB)
    assert first.reason is not None
    assert first.reason.code == "inbound"
    by_lead = {row["lead_id"]: row for row in rows(tenant)}
    assert by_lead[lead_of(tenant, "+33611000001")]["conversation"]["reason"] == (
        "nouveau message sur SMS, intention : question posée"
    )
    # And the round robin's turn moved once per conversation, not per delivery
    assert InboxRepository(tenant).take_turn() == 3


def test_a_redelivery_routes_a_message_whose_first_delivery_died_before_routing(tenant: str) -> None:
    # Given a round robin, and an SMS the first delivery recorded on its lead before dying
    round_robin(tenant, ALICE, BOB)
    phone, sid = "+33611000009", "SM" + "d4" * 16
    lead = LeadRepository(tenant).create(
        Lead(id=new_id(), phone=phone, source="inbound", created_at=NOW, updated_at=NOW)
    )
    first = Activity(
        id=new_id(),
        lead_id=lead.id,
        channel=ActivityChannel.SMS,
        direction=Direction.IN,
        status=ActivityStatus.DELIVERED,
        preview="Bonjour, quels sont vos tarifs ?",
        provider_message_id=sid,
        occurred_at=NOW,
        metadata={"keyword": None, "command": None, "sender": phone},
    )
    ActivityService(tenant).record(first, evaluate=False)
    assert LeadRepository(tenant).get(lead.id).summary.conversation.routed_inbound_at is None

    # When Twilio delivers the message again, twice
    sms(tenant, "Bonjour, quels sont vos tarifs ?", "d4", phone)
    sms(tenant, "Bonjour, quels sont vos tarifs ?", "d4", phone)

    # Then the conversation went to Alice once, for that message, with its reason
    routed = LeadRepository(tenant).get(lead.id).summary
    assert routed.conversation.owner == ALICE
    assert routed.conversation.routed_inbound_at == routed.last_inbound_at
    assert routed.conversation.reason is not None
    assert routed.conversation.reason.code == "inbound"
    assert InboxRepository(tenant).take_turn() == 2


def test_a_redelivered_keyword_is_not_routed(tenant: str) -> None:
    # Given a lead's STOP, recorded and not routed
    round_robin(tenant, ALICE)
    sms(tenant, "STOP", "e5", "+33611000010")

    # When Twilio delivers it again
    sms(tenant, "STOP", "e5", "+33611000010")

    # Then nobody owns the conversation: a keyword is no conversation
    lead = LeadRepository(tenant).get(lead_of(tenant, "+33611000010"))
    assert lead.summary.conversation.owner is None
    assert lead.summary.conversation.routed_inbound_at is None


def test_route_keeps_an_owner_and_routes_the_same_message_once(tenant: str) -> None:
    # Given a conversation in the shared queue (no rule set), routed for its message
    sms(tenant, "Bonjour", "c3", "+33611000003")
    lead_id = lead_of(tenant, "+33611000003")
    service = InboxService(tenant)
    routed = LeadRepository(tenant).get(lead_id)

    # When another caller routes it again for the same message, with another reason
    again = service.route(lead_id, RoutingReason(code="other", params={}))

    # Then nothing changed: same state, same version
    assert again == routed.summary.conversation
    assert again.owner is None
    assert again.status is ConversationStatus.OPEN
    assert LeadRepository(tenant).get(lead_id).version == routed.version


# --- Access patterns ----------------------------------------------------------------------------
def test_ap77_the_assignment_rule_is_set_and_read_per_tenant(tenant: str, other_tenant_id: str) -> None:
    # Given no rule: the team's shared queue
    repository = InboxRepository(tenant)
    assert repository.settings().assignment is Assignment.NONE

    # When an admin sets a round robin and a turn is taken, then the rule changes
    repository.save_settings(InboxSettings(assignment=Assignment.ROUND_ROBIN, users=[ALICE, BOB]), ADMIN, NOW)
    first = repository.take_turn()
    repository.save_settings(InboxSettings(assignment=Assignment.FIXED, users=[BOB]), ADMIN, NOW)

    # Then the rule is the last one set, the turn carries on, and another tenant sees none of it
    settings = repository.settings()
    assert (settings.assignment, settings.users, settings.updated_by) == (Assignment.FIXED, [BOB], ADMIN)
    assert repository.take_turn() == first + 1
    assert InboxRepository(other_tenant_id).settings().assignment is Assignment.NONE


def test_ap78_turns_are_taken_once_each(tenant: str) -> None:
    # When eight callers take a turn at once
    repository = InboxRepository(tenant)
    with ThreadPoolExecutor(max_workers=8) as pool:
        turns = list(pool.map(lambda _: repository.take_turn(), range(8)))

    # Then each got its own
    assert sorted(turns) == list(range(1, 9))


def test_ap81_filters_read_the_state_on_the_index(tenant: str, counter: RequestCounter) -> None:
    # Given three conversations: one Alice's and unread, one closed, one snoozed for an hour
    for sid, phone in (("p6", "+33611000015"), ("q7", "+33611000016"), ("r8", "+33611000017")):
        sms(tenant, "Bonjour, une question sur vos horaires ?", sid, phone)
    alices, closed, snoozed = (lead_of(tenant, f"+3361100001{n}") for n in (5, 6, 7))
    change(tenant, alices, ALICE, owner="me")
    change(tenant, closed, ALICE, status="closed")
    change(tenant, snoozed, ALICE, status="snoozed", snoozed_until="2026-11-16T09:00:00Z")
    assert inbox(tenant).post(f"/conversations/{closed}/read", {}).status == 200
    leads = LeadRepository(tenant)

    def found(at: datetime, **narrowed: Any) -> set[str]:
        page, _ = leads.conversations(None, 10, None, ConversationFilter(now=at, **narrowed))
        return {lead.id for lead in page}

    # When the inbox is filtered, then one Query of the index and one BatchGetItem answer each filter
    counter.operations.clear()
    assert found(NOW, owner=ALICE) == {alices}
    assert counter.operations == ["Query", "BatchGetItem"]
    assert found(NOW, unassigned=True) == {closed, snoozed}
    assert found(NOW, unread=True) == {alices, snoozed}
    assert found(NOW, status=ConversationStatus.OPEN) == {alices}
    assert found(NOW, status=ConversationStatus.SNOOZED) == {snoozed}
    assert found(NOW, status=ConversationStatus.CLOSED) == {closed}
    assert found(NOW, intent="question", words=("horaires",)) == {alices, closed, snoozed}
    assert found(NOW, intent="interested") == set()
    # And once the snooze has ended, it is among the open ones
    later = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert found(later, status=ConversationStatus.OPEN) == {alices, snoozed}
    assert found(later, status=ConversationStatus.SNOOZED) == set()


def test_ap81_a_state_written_from_a_stale_read_is_refused(tenant: str) -> None:
    # Given a conversation read by two users
    sms(tenant, "Bonjour", "d4", "+33611000004")
    leads = LeadRepository(tenant)
    lead = leads.get(lead_of(tenant, "+33611000004"))
    closed = lead.summary.conversation.model_copy(update={"status": ConversationStatus.CLOSED})
    leads.set_summary(lead, lead.summary.model_copy(update={"conversation": closed}))

    # When the second writes from its stale read, then it is refused and the counters keep the first
    with pytest.raises(ConflictError):
        leads.set_summary(lead, lead.summary)
    assert InboxRepository(tenant).counters()["closed"] == 1
    assert InboxRepository(tenant).counters()["open"] == 0


def counts(tenant_id: str, sub: str) -> dict[str, int]:
    answer = inbox(tenant_id, sub).get("/conversations/counts")
    assert answer.status == 200, answer.body
    figures: dict[str, int] = answer.body
    return figures


def figures(open_: int, snoozed: int, closed: int, unread: int, unassigned: int, mine: int) -> dict[str, int]:
    """The counts expected, in the order the API lists them."""
    return {
        "open": open_,
        "snoozed": snoozed,
        "closed": closed,
        "unread": unread,
        "unassigned": unassigned,
        "mine": mine,
    }


def change(tenant_id: str, lead_id: str, sub: str, **body: Any) -> dict[str, Any]:
    answer = inbox(tenant_id, sub).patch(f"/conversations/{lead_id}", body)
    assert answer.status == 200, answer.body
    state: dict[str, Any] = answer.body
    return state


def test_ap79_counts_follow_every_transition(tenant: str) -> None:
    # Given a fixed rule: Alice takes every new conversation
    answer = inbox(tenant, role="admin").request(
        "PUT", "/inbox/settings", json_body={"assignment": "fixed", "users": [ALICE]}
    )
    assert answer.status == 200, answer.body

    # When two leads write, then both are open, unread and Alice's
    sms(tenant, "Bonjour", "e5", "+33611000005")
    sms(tenant, "Bonsoir", "f6", "+33611000006")
    first, second = lead_of(tenant, "+33611000005"), lead_of(tenant, "+33611000006")
    expected = figures(2, 0, 0, 2, 0, 2)
    assert counts(tenant, ALICE) == expected
    assert counts(tenant, BOB) == {**expected, "mine": 0}

    # When Alice reads one, gives the other to Bob and closes the first
    assert inbox(tenant, ALICE).post(f"/conversations/{first}/read", {}).status == 200
    change(tenant, second, ALICE, owner=BOB)
    change(tenant, first, ALICE, status="closed")

    # Then the counts follow, without reading a conversation
    expected = figures(1, 0, 1, 1, 0, 0)
    assert counts(tenant, ALICE) == expected
    assert counts(tenant, BOB) == {**expected, "mine": 1}

    # When Bob unassigns it and the first lead's lead is deleted, then they leave the counts
    change(tenant, second, BOB, unassign=True)
    assert ApiClient("functions/leads/", tenant).request("DELETE", f"/leads/{first}").status == 204
    assert counts(tenant, BOB) == figures(1, 0, 0, 1, 1, 0)


def test_ap79_a_snooze_counter_back_at_zero_is_deleted_and_one_still_counting_is_kept(tenant: str) -> None:
    # Given two conversations snoozed until the same time, and a third until another
    phones = ("+33611000020", "+33611000021", "+33611000022")
    for sid, phone in zip(("u1", "u2", "u3"), phones, strict=True):
        sms(tenant, "Bonjour", sid, phone)
    first, second, third = (lead_of(tenant, phone) for phone in phones)
    for lead_id, until in ((first, "2026-11-16T09:00:00Z"), (second, "2026-11-16T09:00:00Z")):
        change(tenant, lead_id, ALICE, status="snoozed", snoozed_until=until)
    change(tenant, third, ALICE, status="snoozed", snoozed_until="2026-11-16T10:00:00Z")
    nine, ten = "snoozed#2026-11-16T09:00:00+00:00", "snoozed#2026-11-16T10:00:00+00:00"
    assert {InboxRepository(tenant).counters()[name] for name in (nine, ten)} == {2, 1}

    # When the first is reopened by a rep, and the third by its lead's message
    change(tenant, first, ALICE, status="open")
    sms(tenant, "Vous êtes là ?", "u4", phones[2])

    # Then the 09:00 counter still counts the second; the 10:00 one, back at 0, is gone
    counters = InboxRepository(tenant).counters()
    assert counters[nine] == 1
    assert ten not in counters
    assert counts(tenant, ALICE) == figures(2, 1, 0, 3, 3, 0)

    # And a conversation snoozed to that time again counts from 1
    change(tenant, third, ALICE, status="snoozed", snoozed_until="2026-11-16T10:00:00Z")
    assert InboxRepository(tenant).counters()[ten] == 1


def test_ap80_notes_are_kept_in_order_and_never_sent(tenant: str, other_tenant_id: str) -> None:
    # Given a conversation
    sms(tenant, "Bonjour", "g7", "+33611000007")
    lead_id = lead_of(tenant, "+33611000007")

    # When Alice then Bob write a note each
    for sub, text in ((ALICE, "  Rappeler après 18 h  "), (BOB, "Client fidèle, remise possible")):
        answer = inbox(tenant, sub).post(f"/conversations/{lead_id}/notes", {"text": text})
        assert answer.status == 201, answer.body

    # Then they read oldest first with their authors, a page at a time
    page = inbox(tenant, BOB).get(f"/conversations/{lead_id}/notes", query={"limit": "1"}).body
    assert [(n["author"], n["text"]) for n in page["items"]] == [(ALICE, "Rappeler après 18 h")]
    rest = (
        inbox(tenant, BOB).get(f"/conversations/{lead_id}/notes", query={"cursor": page["next_cursor"]}).body
    )
    assert [(n["author"], n["text"]) for n in rest["items"]] == [(BOB, "Client fidèle, remise possible")]
    assert rest["next_cursor"] is None
    # And they are not messages: the thread holds the lead's SMS only
    thread = inbox(tenant).get(f"/leads/{lead_id}/messages").body["items"]
    assert [m["direction"] for m in thread] == ["in"]
    # And another tenant reads no note of this lead
    assert inbox(other_tenant_id).get(f"/conversations/{lead_id}/notes").status == 404


# --- The workflow -------------------------------------------------------------------------------
def ids(found: list[dict[str, Any]]) -> list[str]:
    return [row["lead_id"] for row in found]


def test_a_rep_works_a_conversation_from_routing_to_closing(tenant: str) -> None:
    # Given a round robin over Alice and Bob, and a first conversation routed to Alice
    round_robin(tenant, ALICE, BOB)
    sms(tenant, "Bonjour, je suis intéressé", "h8", "+33611000008")
    other = lead_of(tenant, "+33611000008")

    # When a second lead asks a question, then it goes to Bob, with the reason
    sms(tenant, "Quel est le prix de la formule découverte ?", "i9", "+33611000009")
    lead_id = lead_of(tenant, "+33611000009")
    mine = rows(tenant, BOB, mine="true", unread="true")
    assert ids(mine) == [lead_id]
    assert mine[0]["conversation"]["owner"] == BOB
    assert mine[0]["conversation"]["reason"] == "nouveau message sur SMS, intention : question posée"
    assert ids(rows(tenant, ALICE, mine="true")) == [other]
    assert ids(rows(tenant, BOB, intent="question")) == [lead_id]
    assert counts(tenant, BOB) == figures(2, 0, 0, 2, 0, 1)

    # When Bob reads it, notes it and snoozes it until tomorrow
    assert inbox(tenant, BOB).post(f"/conversations/{lead_id}/read", {}).status == 200
    assert rows(tenant, BOB, mine="true", unread="true") == []
    note = inbox(tenant, BOB).post(f"/conversations/{lead_id}/notes", {"text": "Envoyer la grille"})
    assert note.status == 201
    until = "2026-11-17T09:00:00+01:00"
    snoozed = change(tenant, lead_id, BOB, status="snoozed", snoozed_until=until)

    # Then it reads snoozed until then, in its own filter, and counts so
    assert snoozed["status"] == "snoozed"
    assert snoozed["snoozed_until"] == "2026-11-17T08:00:00Z"
    assert snoozed["reason"] == f"mise en attente par {BOB}"
    assert ids(rows(tenant, BOB, status="snoozed")) == [lead_id]
    assert ids(rows(tenant, BOB, status="open")) == [other]
    assert counts(tenant, BOB) == figures(1, 1, 0, 1, 0, 1)

    # When the lead writes again, then the conversation is open again, still Bob's, and unread
    sms(tenant, "Vous avez pu regarder ?", "j0", "+33611000009")
    row = rows(tenant, BOB, mine="true")[0]
    assert (row["conversation"]["status"], row["conversation"]["owner"], row["unread"]) == ("open", BOB, 1)
    assert row["conversation"]["reason"] == "rouverte par un nouveau message sur SMS"
    assert counts(tenant, BOB) == figures(2, 0, 0, 2, 0, 1)

    # When Bob closes it, then it leaves the open ones and his own open count
    change(tenant, lead_id, BOB, status="closed")
    assert ids(rows(tenant, BOB, status="closed")) == [lead_id]
    assert counts(tenant, BOB) == figures(1, 0, 1, 2, 0, 0)
    # And the note is there, never in the thread
    notes = inbox(tenant, ALICE).get(f"/conversations/{lead_id}/notes").body["items"]
    assert [(n["author"], n["text"]) for n in notes] == [(BOB, "Envoyer la grille")]
    assert len(inbox(tenant).get(f"/leads/{lead_id}/messages").body["items"]) == 2


def test_a_snooze_that_ended_reads_and_counts_as_open(tenant: str, time_machine: Any) -> None:
    # Given a conversation snoozed for an hour
    sms(tenant, "Bonjour", "k1", "+33611000010")
    lead_id = lead_of(tenant, "+33611000010")
    change(tenant, lead_id, ALICE, status="snoozed", snoozed_until="2026-11-16T09:00:00Z")
    assert counts(tenant, ALICE)["snoozed"] == 1

    # When the hour has passed, with no write at all
    time_machine.move_to(datetime(2026, 11, 16, 9, 0, 1, tzinfo=UTC))

    # Then it reads, filters and counts as open
    row = rows(tenant, ALICE)[0]
    assert row["conversation"]["status"] == "open"
    assert ids(rows(tenant, ALICE, status="open")) == [lead_id]
    assert rows(tenant, ALICE, status="snoozed") == []
    assert counts(tenant, ALICE)["open"] == 1
    assert counts(tenant, ALICE)["snoozed"] == 0


def test_search_finds_a_name_a_phone_or_a_recent_message(tenant: str) -> None:
    # Given two leads who wrote, one of them named
    sms(tenant, "Je cherche un soin du visage à Lyon", "l2", "+33611000011")
    sms(tenant, "Bonjour", "m3", "+33611000012")
    named, other = lead_of(tenant, "+33611000011"), lead_of(tenant, "+33611000012")
    answer = ApiClient("functions/leads/", tenant).patch(
        f"/leads/{named}", {"first_name": "Hélène", "last_name": "Durand"}
    )
    assert answer.status == 200, answer.body

    # Then words of the name (accents ignored), of the phone, and of a recent message find it
    assert ids(rows(tenant, q="helene")) == [named]
    assert ids(rows(tenant, q="0611000011")) == [named]
    assert ids(rows(tenant, q="VISAGE lyon")) == [named]
    assert ids(rows(tenant, q="bonjour")) == [other]
    assert rows(tenant, q="visage paris") == []


def test_bad_inputs_change_nothing_and_another_tenant_gets_404(tenant: str, other_tenant_id: str) -> None:
    # Given a conversation
    sms(tenant, "Bonjour", "n4", "+33611000013")
    lead_id = lead_of(tenant, "+33611000013")
    before = LeadRepository(tenant).get(lead_id)
    before_counts = counts(tenant, ALICE)
    client = inbox(tenant, ALICE)

    # When bad changes are asked
    refused = [
        client.patch(f"/conversations/{lead_id}", {"status": "archived"}),
        client.patch(
            f"/conversations/{lead_id}", {"status": "snoozed", "snoozed_until": "2026-11-15T08:00:00Z"}
        ),
        client.patch(f"/conversations/{lead_id}", {"status": "snoozed"}),
        client.patch(f"/conversations/{lead_id}", {}),
        client.patch(f"/conversations/{lead_id}", {"owner": ALICE, "unassign": True}),
        client.post(f"/conversations/{lead_id}/notes", {"text": "   "}),
        client.post(f"/conversations/{lead_id}/notes", {"text": "x" * 2001}),
        client.get("/conversations", query={"mine": "true", "unassigned": "true"}),
        client.get("/conversations", query={"status": "archived"}),
        inbox(tenant, role="member").request("PUT", "/inbox/settings", json_body={"assignment": "none"}),
        inbox(tenant, role="admin").request("PUT", "/inbox/settings", json_body={"assignment": "fixed"}),
        client.patch(f"/conversations/{lead_id}", {"owner": "alice\u0000admin"}),
        inbox(tenant, role="admin").request(
            "PUT", "/inbox/settings", json_body={"assignment": "fixed", "users": ["bob\nalice"]}
        ),
    ]

    # Then each is a clear 4xx in French, and nothing changed
    assert [r.status for r in refused] == [422, 422, 422, 422, 422, 422, 422, 422, 422, 403, 422, 422, 422]
    past = refused[1].body["error"]["message"]
    assert past == "snoozed_until doit être une heure avec son décalage, dans le futur, à un an au plus"
    assert LeadRepository(tenant).get(lead_id).version == before.version
    assert counts(tenant, ALICE) == before_counts
    assert client.get(f"/conversations/{lead_id}/notes").body["items"] == []
    assert InboxRepository(tenant).settings().assignment is Assignment.NONE

    # And another tenant's caller finds no such conversation
    stranger = inbox(other_tenant_id, ALICE)
    assert stranger.patch(f"/conversations/{lead_id}", {"status": "closed"}).status == 404
    assert stranger.post(f"/conversations/{lead_id}/notes", {"text": "coucou"}).status == 404
    assert LeadRepository(tenant).get(lead_id).version == before.version


def test_a_change_decided_on_an_old_version_is_a_409(tenant: str) -> None:
    # Given a conversation two reps read at the same version
    sms(tenant, "Bonjour", "o5", "+33611000014")
    lead_id = lead_of(tenant, "+33611000014")
    version = rows(tenant, ALICE)[0]["conversation"]["version"]

    # When Alice takes it, then Bob closes it from what he read
    assert change(tenant, lead_id, ALICE, owner="me", version=version)["owner"] == ALICE
    late = inbox(tenant, BOB).patch(f"/conversations/{lead_id}", {"status": "closed", "version": version})

    # Then Bob's change is refused and Alice's stands
    assert late.status == 409
    row = rows(tenant, ALICE)[0]["conversation"]
    assert (row["status"], row["owner"]) == ("open", ALICE)
    assert counts(tenant, ALICE)["closed"] == 0


def test_the_lead_api_shows_none_of_the_inboxs_internals_which_still_filter_and_search(tenant: str) -> None:
    # Given a lead who wrote, routed to Alice, its search words and routing kept in its summary
    round_robin(tenant, ALICE)
    sms(tenant, "Avez-vous des créneaux samedi ?", "t1", "+33611000019")
    lead_id = lead_of(tenant, "+33611000019")
    stored = LeadRepository(tenant).get(lead_id).summary
    assert stored.recent_text is not None
    assert stored.conversation.routed_inbound_at is not None

    # When the lead is read through the lead API, alone and in the list
    leads = ApiClient("functions/leads/", tenant)
    one = leads.get(f"/leads/{lead_id}")
    listed = leads.get("/leads")
    assert (one.status, listed.status) == (200, 200)

    # Then neither shows the search words nor the conversation's state and bookkeeping
    for summary in (one.body["summary"], listed.body["items"][0]["summary"]):
        assert summary["last_inbound_at"] is not None
        assert not {"recent_text", "conversation", "counted", "routed_inbound_at"} & set(summary)
    # And the inbox still filters and searches on them
    assert ids(rows(tenant, ALICE, q="creneaux samedi", mine="true")) == [lead_id]
    assert rows(tenant, ALICE, unassigned="true") == []


def test_conversations_stored_before_the_counters_join_them_once(tenant: str) -> None:
    # Given a named lead whose conversation was stored before the team inbox: no state, no search words
    sms(tenant, "Bonjour, avez-vous des disponibilités samedi ?", "s9", "+33611000018")
    lead_id = lead_of(tenant, "+33611000018")
    answer = ApiClient("functions/leads/", tenant).patch(f"/leads/{lead_id}", {"first_name": "Inès"})
    assert answer.status == 200, answer.body
    item = LeadItem.get(keys.lead_pk(tenant), keys.lead_sk(lead_id))
    old = {
        k: v
        for k, v in plain(item.summary).items()
        if k not in ("conversation", "contact_text", "recent_text")
    }
    item.update(actions=[LeadItem.summary.set(old)])
    for name in InboxRepository(tenant).counters():
        InboxCounterItem(keys.team_inbox_pk(tenant), keys.inbox_counter_sk(name)).delete()
    assert counts(tenant, ALICE) == figures(0, 0, 0, 0, 0, 0)
    assert rows(tenant, q="ines") == []

    # When the operator runs the script, twice
    assert count_inbox_conversations([f"--tenant={tenant}"]) == 0
    assert count_inbox_conversations([f"--tenant={tenant}"]) == 0

    # Then the conversation is counted once, and found by its name and its last message
    assert counts(tenant, ALICE) == figures(1, 0, 0, 1, 1, 0)
    assert ids(rows(tenant, q="ines")) == [lead_id]
    assert ids(rows(tenant, q="disponibilites samedi")) == [lead_id]
