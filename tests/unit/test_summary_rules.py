"""How an activity changes a lead's summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import LastMessage, LeadSummary
from maxcore.rules.summary import apply_activity, apply_delivery, mark_read

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LEAD = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def _activity(
    direction: Direction,
    at: datetime,
    channel: ActivityChannel = ActivityChannel.WHATSAPP,
    status: ActivityStatus = ActivityStatus.SENT,
    intent: str | None = None,
) -> Activity:
    return Activity(
        id="01JBBBBBBBBBBBBBBBBBBBBBBB",
        lead_id=LEAD,
        channel=channel,
        direction=direction,
        status=status,
        occurred_at=at,
        intent=intent,
    )


def test_outbound_then_inbound_sets_last_times_and_counts() -> None:
    sent_at, replied_at = NOW - timedelta(days=2), NOW - timedelta(days=1)
    summary = apply_activity(LeadSummary(), _activity(Direction.OUT, sent_at), NOW)
    summary = apply_activity(summary, _activity(Direction.IN, replied_at, intent="interested"), NOW)
    assert summary.last_outbound_at == sent_at
    assert summary.last_inbound_at == replied_at
    assert summary.last_contact_at == replied_at
    assert summary.last_inbound_by_channel == {"whatsapp": replied_at}
    assert summary.last_intent == "interested"
    assert summary.daily_counts == {"2026-03-08": {"whatsapp": [1, 0]}, "2026-03-09": {"whatsapp": [0, 1]}}


def test_an_older_activity_never_moves_last_times_back() -> None:
    recent = NOW - timedelta(hours=1)
    summary = apply_activity(LeadSummary(), _activity(Direction.OUT, recent), NOW)
    summary = apply_activity(summary, _activity(Direction.OUT, NOW - timedelta(days=5)), NOW)
    assert summary.last_outbound_at == recent


def test_failed_sends_are_not_contacts() -> None:
    summary = apply_activity(LeadSummary(), _activity(Direction.OUT, NOW, status=ActivityStatus.FAILED), NOW)
    assert summary.last_contact_at is None
    assert summary.last_outbound_at is None
    assert summary.daily_counts == {}


def test_counts_outside_the_rolling_window_are_dropped() -> None:
    summary = LeadSummary(daily_counts={"2026-01-01": {"email": [3, 1]}, "2026-03-01": {"email": [1, 0]}})
    summary = apply_activity(summary, _activity(Direction.OUT, NOW, channel=ActivityChannel.EMAIL), NOW)
    assert summary.daily_counts == {"2026-03-01": {"email": [1, 0]}, "2026-03-10": {"email": [1, 0]}}


def test_opened_sets_last_opened() -> None:
    summary = apply_activity(LeadSummary(), _activity(Direction.OUT, NOW, status=ActivityStatus.OPENED), NOW)
    assert summary.last_opened_at == NOW


@pytest.mark.parametrize(
    ("direction", "status", "delivered"),
    [
        (Direction.OUT, ActivityStatus.SENT, False),
        (Direction.OUT, ActivityStatus.DELIVERED, True),
        (Direction.OUT, ActivityStatus.OPENED, True),
        (Direction.OUT, ActivityStatus.CLICKED, True),
        (Direction.OUT, ActivityStatus.READ, True),
        (Direction.OUT, ActivityStatus.REPLIED, True),
        (Direction.OUT, ActivityStatus.FAILED, False),
        (Direction.OUT, ActivityStatus.BOUNCED, False),
        (Direction.IN, ActivityStatus.DELIVERED, False),
        (Direction.IN, ActivityStatus.READ, False),
    ],
)
def test_messages_that_reached_the_lead_set_last_delivered(
    direction: Direction, status: ActivityStatus, delivered: bool
) -> None:
    summary = apply_activity(LeadSummary(), _activity(direction, NOW, status=status), NOW)
    assert summary.last_delivered_at == (NOW if delivered else None)


def test_last_delivered_never_moves_back() -> None:
    recent = NOW - timedelta(hours=1)
    summary = apply_activity(
        LeadSummary(), _activity(Direction.OUT, recent, status=ActivityStatus.DELIVERED), NOW
    )
    older = _activity(Direction.OUT, NOW - timedelta(days=2), status=ActivityStatus.READ)
    assert apply_activity(summary, older, NOW).last_delivered_at == recent


def test_the_input_summary_is_left_untouched() -> None:
    before = LeadSummary()
    apply_activity(before, _activity(Direction.OUT, NOW), NOW)
    assert before == LeadSummary()


# --- the inbox: last message, unread, deliveries, reading -------------------------------------
def _message(
    activity_id: str,
    direction: Direction,
    at: datetime,
    channel: ActivityChannel = ActivityChannel.SMS,
    status: ActivityStatus = ActivityStatus.SENT,
    preview: str | None = "Bonjour",
    marks: dict[str, str | None] | None = None,
) -> Activity:
    return Activity(
        id=activity_id,
        lead_id=LEAD,
        channel=channel,
        direction=direction,
        status=status,
        occurred_at=at,
        preview=preview,
        metadata=marks or {},
    )


def _ids(n: int) -> list[str]:
    return [f"01JC{i:022d}" for i in range(n)]


def test_a_message_becomes_the_last_message_with_its_channel_direction_and_status() -> None:
    (first,) = _ids(1)
    at = NOW - timedelta(minutes=5)
    summary = apply_activity(
        LeadSummary(),
        _message(first, Direction.IN, at, ActivityChannel.WHATSAPP, ActivityStatus.REPLIED, "Oui"),
        NOW,
    )
    assert summary.last_message == LastMessage(
        activity_id=first, channel=Channel.WHATSAPP, direction="in", status="replied", preview="Oui", at=at
    )


def test_the_last_message_stays_the_newest_when_an_older_one_arrives_later() -> None:
    newer, older = _ids(2)
    summary = apply_activity(LeadSummary(), _message(newer, Direction.OUT, NOW - timedelta(hours=1)), NOW)
    summary = apply_activity(
        summary, _message(older, Direction.IN, NOW - timedelta(hours=3), preview="Ancien"), NOW
    )
    assert summary.last_message is not None
    assert summary.last_message.activity_id == newer
    assert summary.last_message.direction == "out"


def test_a_message_at_the_same_time_as_the_last_one_replaces_it() -> None:
    first, second = _ids(2)
    summary = apply_activity(LeadSummary(), _message(first, Direction.OUT, NOW), NOW)
    summary = apply_activity(summary, _message(second, Direction.IN, NOW), NOW)
    assert summary.last_message is not None
    assert summary.last_message.activity_id == second


@pytest.mark.parametrize(
    ("preview", "expected"),
    [
        ("x" * 159, "x" * 159),
        ("x" * 160, "x" * 160),
        ("é" * 161, "é" * 160),
        ("y" * 1000, "y" * 160),
        (None, None),
    ],
)
def test_the_last_message_preview_is_cut_at_160_characters(preview: str | None, expected: str | None) -> None:
    (first,) = _ids(1)
    summary = apply_activity(LeadSummary(), _message(first, Direction.IN, NOW, preview=preview), NOW)
    assert summary.last_message is not None
    assert summary.last_message.preview == expected


def test_unread_counts_inbound_messages_only() -> None:
    a, b, c, d = _ids(4)
    summary = LeadSummary()
    summary = apply_activity(summary, _message(a, Direction.OUT, NOW - timedelta(hours=4)), NOW)
    summary = apply_activity(summary, _message(b, Direction.IN, NOW - timedelta(hours=3)), NOW)
    summary = apply_activity(
        summary, _message(c, Direction.IN, NOW - timedelta(hours=2), ActivityChannel.EMAIL), NOW
    )
    summary = apply_activity(summary, _message(d, Direction.OUT, NOW - timedelta(hours=1)), NOW)
    assert summary.unread == 2


def test_unread_counts_only_what_came_after_the_conversation_was_read() -> None:
    before, at_read, after = _ids(3)
    read_at = NOW - timedelta(hours=1)
    summary = LeadSummary(read_at=read_at)
    summary = apply_activity(summary, _message(before, Direction.IN, read_at - timedelta(minutes=1)), NOW)
    summary = apply_activity(summary, _message(at_read, Direction.IN, read_at), NOW)
    assert summary.unread == 0
    summary = apply_activity(summary, _message(after, Direction.IN, read_at + timedelta(seconds=1)), NOW)
    assert summary.unread == 1


@pytest.mark.parametrize("channel", [ActivityChannel.CALL, ActivityChannel.MANUAL])
def test_calls_and_notes_leave_the_inbox_alone(channel: ActivityChannel) -> None:
    message, call = _ids(2)
    summary = apply_activity(LeadSummary(), _message(message, Direction.OUT, NOW - timedelta(hours=1)), NOW)
    for direction in (Direction.IN, Direction.OUT):
        summary = apply_activity(summary, _message(call, direction, NOW, channel, preview="Appel"), NOW)
    assert summary.last_message is not None
    assert summary.last_message.activity_id == message
    assert summary.unread == 0
    # Though they are contacts
    assert summary.last_inbound_at == NOW


def test_a_call_alone_makes_no_conversation() -> None:
    (call,) = _ids(1)
    summary = apply_activity(LeadSummary(), _message(call, Direction.IN, NOW, ActivityChannel.CALL), NOW)
    assert summary.last_message is None
    assert summary.unread == 0


@pytest.mark.parametrize(
    ("channel", "text", "marks"),
    [
        (ActivityChannel.SMS, "STOP", {"keyword": "opt_out", "command": None}),
        (ActivityChannel.WHATSAPP, "HELP", {"keyword": "help", "command": None}),
        (ActivityChannel.SMS, "START", {"keyword": "opt_in", "command": None}),
        (ActivityChannel.TELEGRAM, "/stop", {"keyword": "opt_out", "command": "stop"}),
        (ActivityChannel.TELEGRAM, "/start abc123", {"keyword": None, "command": "start"}),
        (ActivityChannel.TELEGRAM, "/rdv", {"keyword": None, "command": "rdv"}),
    ],
)
def test_a_keyword_or_a_command_is_neither_unread_nor_the_last_message(
    channel: ActivityChannel, text: str, marks: dict[str, str | None]
) -> None:
    # Given a conversation whose last message is the lead's question, read by the rep
    question, instruction = _ids(2)
    summary = apply_activity(
        LeadSummary(),
        _message(question, Direction.IN, NOW - timedelta(hours=2), channel, preview="Prix ?"),
        NOW,
    )
    summary = mark_read(summary, NOW - timedelta(hours=1))

    # When the lead sends a keyword or a bot command
    after = apply_activity(
        summary, _message(instruction, Direction.IN, NOW, channel, preview=text, marks=marks), NOW
    )

    # Then the inbox still shows the question and nothing is unread
    assert after.last_message == summary.last_message
    assert after.unread == 0


def test_a_keyword_alone_makes_no_conversation() -> None:
    (stop,) = _ids(1)
    marks: dict[str, str | None] = {"keyword": "opt_out", "command": None}
    summary = apply_activity(
        LeadSummary(), _message(stop, Direction.IN, NOW, preview="STOP", marks=marks), NOW
    )
    assert summary.last_message is None
    assert summary.unread == 0


def test_a_message_whose_marks_are_empty_is_conversation() -> None:
    # Given a sentence that merely contains "stop": the inbound service marks no keyword on it
    (sentence,) = _ids(1)
    marks: dict[str, str | None] = {"keyword": None, "command": None}
    text = "Stop, rappelez-moi plutôt demain"

    summary = apply_activity(
        LeadSummary(), _message(sentence, Direction.IN, NOW, preview=text, marks=marks), NOW
    )

    assert summary.unread == 1
    assert summary.last_message is not None
    assert summary.last_message.preview == text


def test_a_delivery_updates_the_status_of_the_last_message_it_is_about() -> None:
    sent = _ids(1)[0]
    summary = apply_activity(LeadSummary(), _message(sent, Direction.OUT, NOW - timedelta(minutes=5)), NOW)

    delivered = apply_delivery(summary, sent, ActivityStatus.DELIVERED, NOW)

    assert delivered.last_message is not None
    assert delivered.last_message.status == "delivered"
    assert delivered.last_message.at == NOW - timedelta(minutes=5)
    assert delivered.last_delivered_at == NOW
    assert delivered.last_opened_at is None
    assert summary.last_message is not None
    assert summary.last_message.status == "sent"  # the input is left untouched


def test_a_delivery_of_an_older_message_leaves_the_last_message_alone() -> None:
    older, newer = _ids(2)
    summary = apply_activity(LeadSummary(), _message(older, Direction.OUT, NOW - timedelta(hours=2)), NOW)
    summary = apply_activity(summary, _message(newer, Direction.IN, NOW - timedelta(hours=1)), NOW)

    read = apply_delivery(summary, older, ActivityStatus.READ, NOW)

    assert read.last_message == summary.last_message
    assert read.last_delivered_at == NOW
    assert read.last_opened_at == NOW
    assert read.unread == summary.unread


@pytest.mark.parametrize(
    ("status", "delivered", "opened"),
    [
        (ActivityStatus.SENT, False, False),
        (ActivityStatus.DELIVERED, True, False),
        (ActivityStatus.OPENED, True, True),
        (ActivityStatus.CLICKED, True, True),
        (ActivityStatus.READ, True, True),
        (ActivityStatus.FAILED, False, False),
        (ActivityStatus.UNDELIVERED, False, False),
        (ActivityStatus.BOUNCED, False, False),
    ],
)
def test_a_delivery_sets_last_delivered_and_last_opened_as_its_status_says(
    status: ActivityStatus, delivered: bool, opened: bool
) -> None:
    (sent,) = _ids(1)
    summary = apply_activity(LeadSummary(), _message(sent, Direction.OUT, NOW - timedelta(hours=1)), NOW)
    updated = apply_delivery(summary, sent, status, NOW)
    assert updated.last_delivered_at == (NOW if delivered else None)
    assert updated.last_opened_at == (NOW if opened else None)
    assert updated.last_message is not None
    assert updated.last_message.status == status.value


def test_a_late_delivery_never_moves_last_delivered_back() -> None:
    (sent,) = _ids(1)
    summary = LeadSummary(last_delivered_at=NOW, last_opened_at=NOW)
    updated = apply_delivery(summary, sent, ActivityStatus.READ, NOW - timedelta(days=1))
    assert updated.last_delivered_at == NOW
    assert updated.last_opened_at == NOW


def test_reading_clears_unread_and_keeps_the_last_message() -> None:
    a, b = _ids(2)
    summary = apply_activity(LeadSummary(), _message(a, Direction.IN, NOW - timedelta(hours=2)), NOW)
    summary = apply_activity(summary, _message(b, Direction.IN, NOW - timedelta(hours=1)), NOW)
    assert summary.unread == 2

    read = mark_read(summary, NOW)

    assert read.unread == 0
    assert read.read_at == NOW
    assert read.last_message == summary.last_message
    assert summary.unread == 2  # the input is left untouched


def test_after_reading_only_newer_inbound_messages_count() -> None:
    before, late, after = _ids(3)
    summary = apply_activity(LeadSummary(), _message(before, Direction.IN, NOW - timedelta(hours=1)), NOW)
    summary = mark_read(summary, NOW)
    # A message that happened before the read, recorded only now (a late webhook), was not unread
    summary = apply_activity(summary, _message(late, Direction.IN, NOW - timedelta(minutes=30)), NOW)
    assert summary.unread == 0
    later = NOW + timedelta(minutes=1)
    summary = apply_activity(summary, _message(after, Direction.IN, later), later)
    assert summary.unread == 1
