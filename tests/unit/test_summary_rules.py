"""How an activity changes a lead's summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.lead import LeadSummary
from maxcore.rules.summary import apply_activity

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
