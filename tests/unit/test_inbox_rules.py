"""The team inbox's pure rules: status changes, snoozes that end, routing, counters, reasons, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.inbox import (
    Assignment,
    ConversationState,
    ConversationStatus,
    InboxSettings,
    RoutingReason,
    UpdateConversationRequest,
)
from maxcore.models.lead import LastMessage, LeadSummary
from maxcore.rules.inbox import (
    change_problem,
    changed,
    counter_delta,
    counter_names,
    effective_status,
    joined,
    needs_routing,
    pick_owner,
    reason_text,
    routed,
    search_words,
    tally,
    with_recent_text,
)
from maxcore.rules.summary import apply_activity

NOW = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
ALICE, BOB, CARLA = "user-alice", "user-bob", "user-carla"


def summary(
    state: ConversationState | None = None, unread: int = 0, inbound_at: datetime | None = NOW
) -> LeadSummary:
    """A lead in the inbox: one message, ``unread`` of them unread, the team's ``state``."""
    last = LastMessage(
        activity_id="01JA0000000000000000000000",
        channel=Channel.SMS,
        direction="in",
        status="delivered",
        preview="Bonjour",
        at=NOW,
    )
    return LeadSummary(
        last_message=last,
        unread=unread,
        last_inbound_at=inbound_at,
        conversation=state or ConversationState(counted=True),
    )


def snoozed_until(at: datetime) -> ConversationState:
    return ConversationState(status=ConversationStatus.SNOOZED, snoozed_until=at, counted=True)


def inbound(text: str, at: datetime = NOW, channel: ActivityChannel = ActivityChannel.WHATSAPP) -> Activity:
    return Activity(
        id="01JA0000000000000000000001",
        lead_id="01JA0000000000000000000002",
        channel=channel,
        direction=Direction.IN,
        status=ActivityStatus.DELIVERED,
        preview=text,
        occurred_at=at,
    )


# --- Status -------------------------------------------------------------------------------------
def test_a_snooze_reads_snoozed_until_its_end_then_open() -> None:
    state = snoozed_until(NOW + timedelta(hours=1))
    assert effective_status(state, NOW) is ConversationStatus.SNOOZED
    assert effective_status(state, NOW + timedelta(hours=1)) is ConversationStatus.OPEN
    assert (
        effective_status(ConversationState(status=ConversationStatus.CLOSED), NOW)
        is ConversationStatus.CLOSED
    )


@pytest.mark.parametrize(
    "before", [ConversationState(status=ConversationStatus.CLOSED), snoozed_until(NOW + timedelta(days=2))]
)
def test_a_message_from_the_lead_reopens_a_closed_or_snoozed_conversation(before: ConversationState) -> None:
    # Given a closed or snoozed conversation Bob owns
    state = before.model_copy(update={"owner": BOB})

    # When the lead writes on WhatsApp
    after = apply_activity(summary(state), inbound("Vous êtes là ?"), NOW)

    # Then it is open again, still Bob's, and says why
    assert after.conversation.status is ConversationStatus.OPEN
    assert after.conversation.snoozed_until is None
    assert after.conversation.owner == BOB
    assert reason_text(after.conversation.reason, "fr") == "rouverte par un nouveau message sur WhatsApp"
    assert reason_text(after.conversation.reason, "en") == "reopened by a new message on WhatsApp"


def test_a_message_sent_to_the_lead_leaves_a_closed_conversation_closed() -> None:
    state = ConversationState(status=ConversationStatus.CLOSED, counted=True)
    sent = inbound("Merci !").model_copy(update={"direction": Direction.OUT})
    assert apply_activity(summary(state), sent, NOW).conversation.status is ConversationStatus.CLOSED


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "nothing to change"),
        ({"owner": ALICE, "unassign": True}, "not both"),
        ({"status": "snoozed"}, "needs snoozed_until"),
        ({"status": "closed", "snoozed_until": NOW + timedelta(hours=1)}, "snoozed only"),
        ({"status": "snoozed", "snoozed_until": NOW}, "in the future"),
        ({"status": "snoozed", "snoozed_until": NOW + timedelta(days=366)}, "a year ahead"),
        ({"status": "snoozed", "snoozed_until": datetime(2026, 3, 11, 9, 0)}, "with its offset"),
    ],
)
def test_a_change_that_cannot_be_made_says_why(body: dict[str, object], problem: str) -> None:
    found = change_problem(UpdateConversationRequest.model_validate(body), NOW)
    assert found is not None
    assert problem in found


def test_a_snooze_is_kept_in_utc_to_the_second_with_who_did_it() -> None:
    request = UpdateConversationRequest(
        status=ConversationStatus.SNOOZED, snoozed_until=datetime(2026, 3, 11, 9, 0, 0, 500, tzinfo=UTC)
    )
    assert change_problem(request, NOW) is None
    state = changed(ConversationState(), request, BOB, NOW)
    assert state.snoozed_until == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert (state.updated_by, state.updated_at) == (BOB, NOW)
    assert reason_text(state.reason, "fr") == f"mise en attente par {BOB}"


def test_me_is_the_caller_and_unassign_clears_the_owner() -> None:
    mine = changed(ConversationState(), UpdateConversationRequest(owner="me"), ALICE, NOW)
    assert mine.owner == ALICE
    assert reason_text(mine.reason, "en") == f"assigned to {ALICE} by {ALICE}"
    cleared = changed(mine, UpdateConversationRequest(unassign=True), BOB, NOW)
    assert cleared.owner is None
    assert cleared.status is ConversationStatus.OPEN


# --- Routing ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "turns", "owners"),
    [
        (
            InboxSettings(assignment=Assignment.ROUND_ROBIN, users=[ALICE, BOB, CARLA]),
            [1, 2, 3, 4],
            [ALICE, BOB, CARLA, ALICE],
        ),
        (InboxSettings(assignment=Assignment.FIXED, users=[BOB]), [0, 0], [BOB, BOB]),
        (InboxSettings(assignment=Assignment.NONE), [0], [None]),
        (InboxSettings(assignment=Assignment.ROUND_ROBIN, users=[]), [0], [None]),
    ],
)
def test_the_rule_picks_the_owner(
    settings: InboxSettings, turns: list[int], owners: list[str | None]
) -> None:
    assert [pick_owner(settings, turn) for turn in turns] == owners


def test_a_conversation_is_routed_once_per_inbound_message_and_keeps_its_owner() -> None:
    # Given an unassigned conversation with a new inbound message
    waiting = summary()
    assert needs_routing(waiting)

    # When it is routed to the team's queue, then the same message is not routed again
    state = routed(waiting, None, RoutingReason(code="inbound", params={"channel": "sms"}), NOW)
    assert not needs_routing(waiting.model_copy(update={"conversation": state}))

    # But the next message is, and a conversation with an owner never is
    later = waiting.model_copy(update={"conversation": state, "last_inbound_at": NOW + timedelta(minutes=1)})
    assert needs_routing(later)
    assert not needs_routing(summary(ConversationState(owner=ALICE, counted=True)))
    assert not needs_routing(summary(inbound_at=None))


def test_the_reason_reads_in_the_tenants_language_and_an_unknown_code_reads_as_the_generic_one() -> None:
    reason = RoutingReason(code="inbound", params={"channel": "whatsapp", "intent": "question"})
    assert reason_text(reason, "fr") == "nouveau message sur WhatsApp, intention : question posée"
    assert reason_text(reason, "en") == "new message on WhatsApp, intent: a question asked"
    assert reason_text(RoutingReason(code="inbound", params={}), "fr") == "placée ici par l'équipe"
    assert reason_text(RoutingReason(code="no_such_code"), "en") == "placed here by the team"
    assert reason_text(None, "fr") is None


# --- Counters -----------------------------------------------------------------------------------
def test_a_conversation_counts_once_in_each_of_its_counters() -> None:
    assert counter_names(summary(ConversationState(owner=ALICE, counted=True), unread=2)) == {
        "open",
        "unread",
        f"owner#{ALICE}",
    }
    closed = ConversationState(status=ConversationStatus.CLOSED, owner=ALICE, counted=True)
    assert counter_names(summary(closed)) == {"closed"}
    assert counter_names(summary(snoozed_until(NOW))) == {f"snoozed#{NOW.isoformat()}", "unassigned"}
    # A lead without messages is no conversation; one stored before the counters joins them later
    assert counter_names(LeadSummary()) == frozenset()
    assert counter_names(summary(ConversationState())) == frozenset()


def test_a_transition_moves_only_the_counters_it_changes() -> None:
    before = summary(ConversationState(owner=ALICE, counted=True), unread=1)
    after = summary(ConversationState(status=ConversationStatus.CLOSED, owner=ALICE, counted=True), unread=1)
    assert counter_delta(before, after) == {"closed": 1, "open": -1, f"owner#{ALICE}": -1}
    assert counter_delta(before, before) == {}
    assert counter_delta(before, None) == {"open": -1, "unread": -1, f"owner#{ALICE}": -1}


def test_the_counts_see_an_ended_snooze_as_open() -> None:
    ended, waiting = (NOW - timedelta(minutes=1)).isoformat(), (NOW + timedelta(hours=1)).isoformat()
    counters = {
        "open": 2,
        "closed": 4,
        f"snoozed#{ended}": 1,
        f"snoozed#{waiting}": 3,
        "unread": 2,
        "unassigned": 1,
        f"owner#{ALICE}": 5,
        f"owner#{BOB}": 1,
    }
    counts = tally(counters, ALICE, NOW)
    assert (counts.open, counts.snoozed, counts.closed) == (3, 3, 4)
    assert (counts.unread, counts.unassigned, counts.mine) == (2, 1, 5)


# --- Search -------------------------------------------------------------------------------------
def test_the_search_text_keeps_the_last_three_messages_folded() -> None:
    text = None
    for preview in ("Premier", "Deuxième\nligne", "Troisième", "Quatrième ÉTÉ"):
        text = with_recent_text(text, preview)
    assert text is not None
    assert text.splitlines() == ["quatrieme ete", "troisieme", "deuxieme ligne"]
    assert with_recent_text(None, "   ") is None
    assert search_words("  Hélène  DURAND ") == ("helene", "durand")
    assert search_words(None) == ()


def test_an_inbound_message_joins_the_search_text() -> None:
    after = apply_activity(summary(), inbound("Un soin à Lyon ?"), NOW)
    assert after.recent_text is not None
    assert after.recent_text.splitlines()[0] == "un soin a lyon ?"


def test_a_conversation_from_before_joins_once_with_its_last_preview() -> None:
    before = summary(ConversationState())
    after = joined(before)
    assert after is not None
    assert after.conversation.counted
    assert after.recent_text == "bonjour"
    assert counter_delta(before, after) == {"open": 1, "unassigned": 1}
    assert joined(after) is None
    assert joined(LeadSummary()) is None


def test_a_refused_automatic_answer_says_why_in_the_tenants_language() -> None:
    refused = RoutingReason(code="send_refused", params={"refusal": "opted_out", "channel": "sms"})
    assert (
        reason_text(refused, "fr")
        == "la réponse de M.A.X. n'a pas pu partir : le lead s'est désinscrit du canal SMS."
    )
    assert reason_text(refused, "en") == "M.A.X.'s answer could not go out: the lead opted out of SMS."
    # A refusal the catalogue does not know, or stored without its channel, reads as before
    for params in ({"refusal": "unknown"}, {"refusal": "opted_out"}):
        stored = RoutingReason(code="send_refused", params=params)
        assert reason_text(stored, "fr") == "la réponse de M.A.X. n'a pas pu partir sur ce canal"
