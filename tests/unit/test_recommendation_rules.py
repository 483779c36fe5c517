"""The decision engine: a reply stops everything, then opened > not opened > silence, and the channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import Recommendation, RecommendationKind
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadStatus, LeadSummary
from maxcore.models.template import TemplateCategory
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.recommendations import recommend

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)
H = timedelta(hours=1)
D = timedelta(days=1)
MIN = timedelta(minutes=1)


def _lead(
    sent: timedelta | None,
    channel: str = "email",
    opened: timedelta | None = None,
    delivered: timedelta | None = None,
    replied: timedelta | None = None,
    now: datetime = NOW,
    status: LeadStatus = LeadStatus.CONTACTED,
    contacts: dict[str, Any] | None = None,
    **summary: Any,
) -> Lead:
    """A lead written to ``sent`` ago on ``channel``, with its message opened/delivered/replied to."""

    def ago(delta: timedelta | None) -> datetime | None:
        return None if delta is None else now - delta

    fields: dict[str, Any] = {
        "last_outbound_at": ago(sent),
        "last_outbound_by_channel": {} if sent is None else {channel: now - sent},
        "last_opened_at": ago(opened),
        "last_delivered_at": ago(delivered),
        "last_inbound_at": ago(replied),
        "last_inbound_by_channel": {} if replied is None else {channel: now - replied},
    }
    return Lead(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        first_name="Jean",
        last_name="Dupont",
        **({"phone": "+33612345678", "email": "jean@example.fr"} | (contacts or {})),
        status=status,
        summary=LeadSummary(**(fields | summary)),
        created_at=now - timedelta(days=60),
        updated_at=now,
    )


def _kind(lead: Lead, now: datetime = NOW, **options: Any) -> RecommendationKind | None:
    reco = recommend(lead, now, TZ, "fr", **options)
    return None if reco is None else reco.kind


def _reco(lead: Lead, locale: str = "fr", **options: Any) -> Recommendation:
    reco = recommend(lead, NOW, TZ, locale, **options)
    assert reco is not None
    return reco


OPENED, CHANGE, SILENCE = (
    RecommendationKind.FOLLOW_UP_OPENED,
    RecommendationKind.CHANGE_CHANNEL,
    RecommendationKind.FOLLOW_UP_SILENCE,
)


@pytest.mark.parametrize(
    ("lead", "kind"),
    [
        # Silence: 3 wall-clock days after the last message, with nothing known of its fate.
        (_lead(3 * D), SILENCE),
        (_lead(3 * D - MIN), None),
        # Opened without reply: 24 real hours after the opening.
        (_lead(2 * D, opened=24 * H), OPENED),
        (_lead(2 * D, opened=24 * H - MIN), None),
        # Delivered and not opened: 48 real hours after the delivery.
        (_lead(2 * D, delivered=48 * H), CHANGE),
        (_lead(2 * D, delivered=48 * H - MIN), None),
        # When several hold, the most telling wins: opened, then not opened, then silence.
        (_lead(5 * D, opened=4 * D, delivered=5 * D), OPENED),
        (_lead(5 * D, delivered=5 * D), CHANGE),
        # An opening younger than 24 h does not let "not opened" fire; silence still can.
        (_lead(4 * D, opened=2 * H, delivered=4 * D), SILENCE),
        # An opening or a delivery of an older message says nothing of the last one.
        (_lead(2 * D, opened=3 * D), None),
        (_lead(4 * D, opened=5 * D), SILENCE),
        (_lead(2 * D, delivered=3 * D), None),
    ],
    ids=[
        "silence-3d",
        "silence-3d-1min",
        "opened-24h",
        "opened-23h59",
        "delivered-48h",
        "delivered-47h59",
        "opened-wins",
        "not-opened-beats-silence",
        "fresh-open-then-silence",
        "old-open-ignored",
        "old-open-then-silence",
        "old-delivery-ignored",
    ],
)
def test_the_first_rule_that_holds_decides(lead: Lead, kind: RecommendationKind | None) -> None:
    assert _kind(lead) is kind


@pytest.mark.parametrize(
    "lead",
    [
        _lead(5 * D, replied=4 * D),
        _lead(5 * D, opened=4 * D, replied=3 * D),
        _lead(5 * D, delivered=5 * D, replied=1 * H),
        _lead(40 * D, replied=39 * D),
    ],
    ids=["silence", "opened", "not-opened", "long-ago"],
)
def test_a_reply_stops_everything(lead: Lead) -> None:
    assert recommend(lead, NOW, TZ, "fr") is None


def test_a_reply_before_the_last_message_does_not_stop_the_follow_up() -> None:
    assert _kind(_lead(4 * D, replied=6 * D)) is SILENCE


@pytest.mark.parametrize(
    ("sent_at", "now", "kind"),
    [
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 10, 0, tzinfo=PARIS), SILENCE),
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 9, 59, tzinfo=PARIS), None),
        (datetime(2026, 10, 23, 10, 0, tzinfo=PARIS), datetime(2026, 10, 26, 9, 59, tzinfo=PARIS), None),
    ],
    ids=["march-71h", "march-70h59", "october-72h59"],
)
def test_silence_is_counted_in_wall_clock_days(
    sent_at: datetime, now: datetime, kind: RecommendationKind | None
) -> None:
    assert _kind(_lead(now - sent_at, now=now), now) is kind


def test_priorities_and_template_category() -> None:
    opened = _reco(_lead(2 * D, opened=30 * H))
    change = _reco(_lead(3 * D, delivered=3 * D))
    silence = _reco(_lead(3 * D))
    assert [r.priority for r in (opened, change, silence)] == [1, 2, 3]
    assert {r.template_category for r in (opened, change, silence)} == {TemplateCategory.FOLLOW_UP}
    assert opened.lead_name == silence.lead_name == "Jean Dupont"


@pytest.mark.parametrize(
    "lead",
    [
        _lead(None),
        _lead(10 * D, status=LeadStatus.CONVERTED),
        _lead(10 * D, status=LeadStatus.LOST),
        _lead(10 * D, out_of_office_until=NOW + D),
    ],
    ids=["never-written", "converted", "lost", "out-of-office"],
)
def test_nothing_to_propose(lead: Lead) -> None:
    assert recommend(lead, NOW, TZ, "fr") is None


def test_out_of_office_ends() -> None:
    assert _kind(_lead(10 * D, out_of_office_until=NOW)) is SILENCE


def test_silence_follows_the_tenants_threshold() -> None:
    assert _kind(_lead(2 * D), thresholds=AlertThresholds(no_reply_days=2)) is SILENCE
    assert _kind(_lead(2 * D)) is None
    assert _kind(_lead(2 * D, opened=13 * H), opened_hours=12) is OPENED


# --- channel and texts ---------------------------------------------------------------------------


def test_silence_follows_up_on_the_preferred_channel() -> None:
    counts = {"2026-03-02": {"whatsapp": [3, 3], "email": [3, 0]}}
    reco = _reco(_lead(4 * D, daily_counts=counts))
    assert reco.channel is ActivityChannel.WHATSAPP
    assert reco.action == "Relancer par WhatsApp"
    assert reco.reason == (
        "Pas de réponse de Jean Dupont depuis votre dernier e-mail, il y a 4 jours. "
        "Un petit mot suffit souvent à relancer l'échange."
    )
    assert reco.metadata == {
        "last_outbound_at": "2026-03-06T12:00:00.000000Z",
        "last_outbound_channel": "email",
        "days_since_last_outbound": 4,
        "threshold_days": 3,
        "channel": "whatsapp",
    }


def test_silence_without_preference_uses_the_last_channel() -> None:
    reco = _reco(_lead(4 * D, channel="sms"), locale="en")
    assert reco.channel is ActivityChannel.SMS
    assert reco.action == "Follow up by SMS"
    assert reco.reason == (
        "No reply from Jean Dupont since your last text message, 4 days ago. "
        "A short nudge is often all it takes."
    )


def test_opened_without_reply_texts() -> None:
    reco = _reco(_lead(2 * D, channel="email", opened=26 * H))
    assert reco.action == "Relancer par e-mail (a lu mais pas répondu)"
    assert reco.reason == (
        "Jean Dupont a ouvert votre e-mail il y a 26 heures, sans suite. "
        "Le sujet intéresse : c'est le bon moment pour relancer."
    )
    english = _reco(_lead(2 * D, channel="email", opened=26 * H), locale="en")
    assert english.action == "Follow up by e-mail (read, no reply yet)"
    assert english.metadata["hours_since_opened"] == 26
    assert english.metadata["threshold_hours"] == 24


def test_not_opened_switches_to_another_reachable_channel() -> None:
    reco = _reco(_lead(3 * D, channel="email", delivered=3 * D))
    assert reco.channel is ActivityChannel.WHATSAPP
    assert reco.action == "Changer de canal : relancer par WhatsApp"
    assert reco.reason == (
        "Jean Dupont n'a toujours pas ouvert votre e-mail, délivré il y a 3 jours. "
        "Un autre canal fera peut-être mouche."
    )
    assert reco.metadata["switched"] is True


def test_not_opened_with_no_other_channel_changes_the_angle() -> None:
    refused = {Channel.WHATSAPP: ConsentState(granted=False, updated_at=NOW, reason="STOP")}
    lead = _lead(3 * D, channel="email", delivered=3 * D, contacts={"phone": None})
    reco = _reco(lead)
    assert reco.channel is ActivityChannel.EMAIL
    assert reco.action == "Renvoyer avec un autre angle"
    assert reco.metadata["switched"] is False
    english = _reco(_lead(3 * D, channel="whatsapp", delivered=3 * D, contacts={"email": None}), "en")
    assert english.channel is ActivityChannel.SMS  # another channel on the same phone number
    refused_all = _lead(
        3 * D,
        channel="whatsapp",
        delivered=3 * D,
        contacts={"email": None, "consent": refused | {Channel.SMS: refused[Channel.WHATSAPP]}},
    )
    assert _reco(refused_all).channel is None
    assert _reco(refused_all, "en").action == "Resend with a new angle"
