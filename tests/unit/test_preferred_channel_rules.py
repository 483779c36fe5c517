"""The preferred channel: 2 messages minimum, the 30-point gap, ties, the window, the channel to use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadSummary
from maxcore.rules.preferred_channel import (
    ChannelStats,
    channel_stats,
    is_reachable,
    latest_channel,
    percent,
    preferred_channel,
    suggested_channel,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TZ = "Europe/Paris"
WA, EMAIL, SMS, TELEGRAM, CALL = (
    ActivityChannel.WHATSAPP,
    ActivityChannel.EMAIL,
    ActivityChannel.SMS,
    ActivityChannel.TELEGRAM,
    ActivityChannel.CALL,
)


def _summary(counts: dict[str, list[int]], day: str = "2026-03-09", **fields: Any) -> LeadSummary:
    return LeadSummary(daily_counts={day: counts}, **fields)


def _lead(summary: LeadSummary | None = None, **contacts: Any) -> Lead:
    values: dict[str, Any] = {"phone": "+33612345678", "email": "sophie@example.fr"} | contacts
    return Lead(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        first_name="Sophie",
        summary=summary or LeadSummary(),
        created_at=NOW - timedelta(days=40),
        updated_at=NOW,
        **values,
    )


@pytest.mark.parametrize(
    ("counts", "channel"),
    [
        ({"whatsapp": [1, 1]}, None),
        ({"whatsapp": [1, 1], "email": [1, 0]}, None),
        ({"whatsapp": [2, 0]}, WA),
        ({"whatsapp": [1, 1], "email": [2, 0]}, EMAIL),
        ({"whatsapp": [0, 3]}, None),
    ],
    ids=["one-sent", "one-sent-each", "two-sent-no-reply", "only-valid-wins", "replies-without-sends"],
)
def test_a_channel_counts_from_two_messages_sent(
    counts: dict[str, list[int]], channel: ActivityChannel | None
) -> None:
    result = preferred_channel(_summary(counts), NOW, TZ)
    assert (result.channel if result else None) is channel


def test_a_single_valid_channel_is_preferred_without_standing_out() -> None:
    result = preferred_channel(_summary({"whatsapp": [4, 3], "email": [1, 0]}), NOW, TZ)
    assert result is not None
    assert result.channel is WA
    assert result.rate == 75
    assert result.runner_up is None
    assert result.runner_up_rate is None
    assert result.gap_points is None
    assert result.stands_out is False
    assert result.stats == {WA: ChannelStats(4, 3), EMAIL: ChannelStats(1, 0)}


@pytest.mark.parametrize(
    ("counts", "stands_out"),
    [
        ({"whatsapp": [10, 10], "email": [10, 6]}, True),  # 100 vs 60: 40 points
        ({"whatsapp": [10, 9], "email": [10, 6]}, False),  # 90 vs 60: exactly 30, not more
        ({"whatsapp": [3, 2], "email": [3, 1]}, True),  # 66.7 vs 33.3: 33.3 points
        ({"whatsapp": [4, 2], "email": [4, 1]}, False),  # 50 vs 25
        ({"whatsapp": [2, 0], "email": [2, 0]}, False),  # nothing stands out of nothing
    ],
)
def test_the_preferred_channel_stands_out_beyond_a_30_point_gap(
    counts: dict[str, list[int]], stands_out: bool
) -> None:
    result = preferred_channel(_summary(counts), NOW, TZ)
    assert result is not None
    assert result.channel is WA
    assert result.runner_up is EMAIL
    assert result.stands_out is stands_out


def test_the_gap_is_the_tenants_setting() -> None:
    summary = _summary({"whatsapp": [4, 2], "email": [4, 1]})
    assert preferred_channel(summary, NOW, TZ, min_gap_points=20).stands_out  # type: ignore[union-attr]
    assert not preferred_channel(summary, NOW, TZ, min_gap_points=25).stands_out  # type: ignore[union-attr]
    assert preferred_channel(summary, NOW, TZ, min_sent=5) is None


@pytest.mark.parametrize(
    ("counts", "best", "runner_up"),
    [
        ({"email": [4, 2], "whatsapp": [2, 1]}, EMAIL, WA),  # same rate: more messages sent first
        ({"email": [2, 1], "whatsapp": [2, 1]}, WA, EMAIL),  # then the document's order
        ({"sms": [2, 2], "email": [2, 2]}, EMAIL, SMS),
        ({"call": [2, 1], "telegram": [2, 1], "sms": [2, 1]}, SMS, TELEGRAM),
    ],
)
def test_ties_are_broken_deterministically(
    counts: dict[str, list[int]], best: ActivityChannel, runner_up: ActivityChannel
) -> None:
    result = preferred_channel(_summary(counts), NOW, TZ)
    assert result is not None
    assert (result.channel, result.runner_up) == (best, runner_up)


def test_replies_are_capped_at_the_messages_sent() -> None:
    result = preferred_channel(_summary({"whatsapp": [2, 5], "email": [2, 1]}), NOW, TZ)
    assert result is not None
    assert result.rate == 100
    assert result.stats[WA].replied == 5
    assert result.gap_points == 50


@pytest.mark.parametrize(
    ("day", "counted"),
    [("2026-03-10", True), ("2026-02-09", True), ("2026-02-08", False), ("2026-03-11", True)],
    ids=["today", "30th-day", "31st-day", "utc-date-ahead"],
)
def test_the_window_holds_the_last_30_local_days(day: str, counted: bool) -> None:
    stats = channel_stats({day: {"email": [2, 1]}}, date(2026, 3, 10), window_days=30)
    assert (EMAIL in stats) is counted


def test_today_is_the_tenants_local_date() -> None:
    # 23:30 UTC on 10 March is already 11 March in Paris: the window moves on by one day there.
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    summary = LeadSummary(daily_counts={"2026-02-09": {"whatsapp": [2, 2]}})
    assert preferred_channel(summary, late, "America/New_York") is not None
    assert preferred_channel(summary, late, TZ) is None


def test_a_window_mixes_days_and_drops_the_old_ones() -> None:
    summary = LeadSummary(
        daily_counts={
            "2026-01-01": {"email": [10, 10]},
            "2026-03-01": {"email": [1, 0], "whatsapp": [1, 1]},
            "2026-03-09": {"email": [1, 0], "whatsapp": [1, 1], "manual": [3, 0], "pigeon": [2, 2]},
            "not-a-day": {"email": [5, 5]},
        }
    )
    result = preferred_channel(summary, NOW, TZ, window_days=30)
    assert result is not None
    assert result.stats == {WA: ChannelStats(2, 2), EMAIL: ChannelStats(2, 0)}
    assert (result.channel, result.runner_up, result.stands_out) == (WA, EMAIL, True)


@pytest.mark.parametrize(("rate", "shown"), [(12.5, 13), (66.666, 67), (33.333, 33), (0.0, 0), (100.0, 100)])
def test_rates_are_shown_rounded_half_up(rate: float, shown: int) -> None:
    assert percent(rate) == shown


# --- the channel to follow up on -----------------------------------------------------------------


def test_the_computed_preferred_channel_comes_first() -> None:
    summary = _summary(
        {"email": [2, 2], "whatsapp": [2, 0]},
        preferred_channel=Channel.SMS,
        last_outbound_by_channel={"whatsapp": NOW},
    )
    assert suggested_channel(_lead(summary), NOW, TZ) is EMAIL


def test_a_preferred_channel_without_replies_is_not_followed() -> None:
    summary = _summary({"whatsapp": [3, 0]}, preferred_channel=Channel.SMS)
    assert suggested_channel(_lead(summary), NOW, TZ) is SMS
    summary = _summary({"whatsapp": [3, 0]}, last_inbound_by_channel={"email": NOW - timedelta(days=1)})
    assert suggested_channel(_lead(summary), NOW, TZ) is EMAIL


@pytest.mark.parametrize(
    ("outbound", "inbound", "channel"),
    [
        ({"email": NOW - timedelta(days=2)}, {"sms": NOW - timedelta(days=1)}, SMS),
        ({"email": NOW - timedelta(days=1)}, {"sms": NOW - timedelta(days=2)}, EMAIL),
        ({}, {}, WA),
        ({"manual": NOW}, {}, WA),
    ],
    ids=["last-inbound", "last-outbound", "default", "manual-ignored"],
)
def test_without_preference_the_last_channel_used_then_whatsapp(
    outbound: dict[str, datetime], inbound: dict[str, datetime], channel: ActivityChannel
) -> None:
    summary = LeadSummary(last_outbound_by_channel=outbound, last_inbound_by_channel=inbound)
    assert suggested_channel(_lead(summary), NOW, TZ) is channel


def test_suggestions_skip_unreachable_and_excluded_channels() -> None:
    summary = _summary({"whatsapp": [2, 2]})
    no_phone = _lead(summary, phone=None)
    assert suggested_channel(no_phone, NOW, TZ) is EMAIL
    refused = {Channel.EMAIL: ConsentState(granted=False, updated_at=NOW, reason="unsubscribed")}
    assert suggested_channel(_lead(summary, phone=None, consent=refused), NOW, TZ) is None
    assert suggested_channel(_lead(summary), NOW, TZ, exclude=WA) is EMAIL
    telegram_only = _lead(summary, phone=None, email=None, telegram_chat_id="12345")
    assert suggested_channel(telegram_only, NOW, TZ) is TELEGRAM


@pytest.mark.parametrize(
    ("channel", "contacts", "reachable"),
    [
        (CALL, {}, True),
        (CALL, {"phone": None}, False),
        (SMS, {"phone": None}, False),
        (EMAIL, {"email": None}, False),
        (TELEGRAM, {}, False),
        (ActivityChannel.MANUAL, {}, False),
    ],
)
def test_reachability(channel: ActivityChannel, contacts: dict[str, Any], reachable: bool) -> None:
    assert is_reachable(_lead(**contacts), channel) is reachable


def test_latest_channel_breaks_ties_in_the_documents_order() -> None:
    assert latest_channel({"email": NOW, "whatsapp": NOW}) is WA
    assert latest_channel({"email": NOW}, {"sms": NOW + timedelta(seconds=1)}) is SMS
    assert latest_channel({"manual": NOW, "fax": NOW}) is None
