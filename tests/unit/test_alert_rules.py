"""The six living alerts: thresholds, wall-clock days across DST, statuses, supersessions, texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from maxcore.models.alert import AlertDraft, AlertType, Severity
from maxcore.models.common import Channel
from maxcore.models.lead import ConsentState, Lead, LeadStatus, LeadSummary
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.alerts import (
    SEVERITIES,
    elapsed_hours,
    evaluate,
    iso,
    local_days_between,
    reason_resolved,
)

PARIS = ZoneInfo("Europe/Paris")
TZ = "Europe/Paris"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LEAD_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"
DEFAULTS = AlertThresholds()


def _lead(
    created_at: datetime = NOW - timedelta(days=2),
    status: LeadStatus = LeadStatus.CONTACTED,
    phone: str | None = "+33612345678",
    email: str | None = "sophie@example.fr",
    consent: dict[Channel, ConsentState] | None = None,
    **summary: Any,
) -> Lead:
    return Lead(
        id=LEAD_ID,
        first_name="Sophie",
        last_name="Martin",
        phone=phone,
        email=email,
        status=status,
        consent=consent or {},
        summary=LeadSummary(**summary),
        created_at=created_at,
        updated_at=created_at,
    )


def _sent(at: datetime, channel: str = "whatsapp", **summary: Any) -> Lead:
    """A lead whose last contact is a message sent at ``at`` on ``channel``, unanswered."""
    return _lead(
        created_at=at - timedelta(days=1),
        last_outbound_at=at,
        last_contact_at=at,
        last_outbound_by_channel={channel: at},
        **summary,
    )


def _received(
    at: datetime, intent: str | None = None, channel: str = "whatsapp", sent_at: datetime | None = None
) -> Lead:
    """A lead who wrote at ``at`` on ``channel`` (after our message at ``sent_at``)."""
    sent_at = sent_at or at - timedelta(days=1)
    return _lead(
        created_at=sent_at - timedelta(days=1),
        last_outbound_at=sent_at,
        last_outbound_by_channel={channel: sent_at},
        last_inbound_at=at,
        last_inbound_by_channel={channel: at},
        last_contact_at=at,
        last_intent=intent,
        last_intent_at=at if intent else None,
    )


def _types(lead: Lead, now: datetime = NOW, thresholds: AlertThresholds = DEFAULTS) -> set[AlertType]:
    return {d.type for d in evaluate(lead, thresholds, now, TZ, "fr")}


def _one(lead: Lead, alert_type: AlertType, now: datetime = NOW, locale: str = "fr") -> AlertDraft:
    drafts = [d for d in evaluate(lead, DEFAULTS, now, TZ, locale) if d.type is alert_type]
    assert len(drafts) == 1, f"expected one {alert_type} draft"
    return drafts[0]


# --- counting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later", "days"),
    [
        # Summer time starts on Sunday 29 March 2026: 71 real hours are 3 wall-clock days.
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 10, 0, tzinfo=PARIS), 3),
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 9, 59, tzinfo=PARIS), 2),
        # Winter time comes back on Sunday 25 October 2026: 73 real hours are 3 days, 72h59 are 2.
        (datetime(2026, 10, 23, 10, 0, tzinfo=PARIS), datetime(2026, 10, 26, 10, 0, tzinfo=PARIS), 3),
        (datetime(2026, 10, 23, 10, 0, tzinfo=PARIS), datetime(2026, 10, 26, 9, 59, tzinfo=PARIS), 2),
        # Wall-clock days, not calendar days: 23:30 to 00:10 two nights later is under 2 days.
        (datetime(2026, 3, 7, 23, 30, tzinfo=PARIS), datetime(2026, 3, 9, 0, 10, tzinfo=PARIS), 1),
        (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), datetime(2026, 3, 9, 12, 0, tzinfo=UTC), -1),
    ],
)
def test_days_are_counted_on_the_tenants_wall_clock(earlier: datetime, later: datetime, days: int) -> None:
    assert local_days_between(earlier.astimezone(UTC), later.astimezone(UTC), TZ) == days
    assert local_days_between(earlier, later, TZ) == days


def test_hours_are_real_hours_even_with_the_same_timezone_on_both_sides() -> None:
    before = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    after = datetime(2026, 3, 29, 12, 0, tzinfo=PARIS)
    assert elapsed_hours(before, after) == 23


# --- NoReply3d, with DST -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "now", "fires"),
    [
        (NOW - timedelta(days=3), NOW, True),
        (NOW - timedelta(days=3) + timedelta(minutes=1), NOW, False),
        (NOW - timedelta(days=9), NOW, True),
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 10, 0, tzinfo=PARIS), True),
        (datetime(2026, 3, 27, 10, 0, tzinfo=PARIS), datetime(2026, 3, 30, 9, 59, tzinfo=PARIS), False),
        (datetime(2026, 10, 23, 10, 0, tzinfo=PARIS), datetime(2026, 10, 26, 10, 0, tzinfo=PARIS), True),
        (datetime(2026, 10, 23, 10, 0, tzinfo=PARIS), datetime(2026, 10, 26, 9, 59, tzinfo=PARIS), False),
    ],
    ids=["3d", "3d-1min", "9d", "dst-march-3d", "dst-march-2d23h59", "dst-october-3d", "dst-october-72h59"],
)
def test_no_reply_at_three_wall_clock_days(sent_at: datetime, now: datetime, fires: bool) -> None:
    assert (AlertType.NO_REPLY_3D in _types(_sent(sent_at.astimezone(UTC)), now.astimezone(UTC))) is fires


def test_no_reply_describes_its_inputs_and_episode() -> None:
    sent_at = NOW - timedelta(days=4)
    draft = _one(_sent(sent_at, channel="email"), AlertType.NO_REPLY_3D)
    assert draft.severity is Severity.MEDIUM
    assert draft.episode == "2026-03-06T12:00:00.000000Z"
    assert draft.metadata == {
        "days_since_last_outbound": 4,
        "threshold_days": 3,
        "last_outbound_at": "2026-03-06T12:00:00.000000Z",
        "last_outbound_channel": "email",
        "channel": "email",
    }


def test_a_reply_after_the_last_message_stops_no_reply() -> None:
    lead = _received(NOW - timedelta(days=3), sent_at=NOW - timedelta(days=5))
    assert AlertType.NO_REPLY_3D not in _types(lead)


def test_a_new_message_is_a_new_episode() -> None:
    first = _one(_sent(NOW - timedelta(days=4)), AlertType.NO_REPLY_3D)
    same = _one(_sent(NOW - timedelta(days=4)), AlertType.NO_REPLY_3D, now=NOW + timedelta(days=1))
    later = _one(_sent(NOW - timedelta(days=3)), AlertType.NO_REPLY_3D)
    assert first.episode == same.episode
    assert later.episode != first.episode


def test_no_reply_speaks_like_the_product_document() -> None:
    # The lead answers on WhatsApp, never by e-mail, and our last message was an e-mail.
    lead = _sent(
        NOW - timedelta(days=3),
        channel="email",
        daily_counts={"2026-03-02": {"whatsapp": [2, 2], "email": [2, 0]}},
    )
    draft = _one(lead, AlertType.NO_REPLY_3D)
    assert draft.message == "Sophie Martin n'a pas répondu depuis 3 jours. Peut-être essayer WhatsApp ?"
    assert draft.suggested_action == "Relance douce par WhatsApp"
    english = _one(lead, AlertType.NO_REPLY_3D, locale="en")
    assert english.message == "Sophie Martin hasn't replied in 3 days. Maybe try WhatsApp?"
    assert english.suggested_action == "Gentle follow-up on WhatsApp"


def test_no_reply_on_the_same_channel_suggests_a_gentle_nudge_there() -> None:
    draft = _one(_sent(NOW - timedelta(days=3), channel="email", phone=None), AlertType.NO_REPLY_3D)
    assert draft.message == "Sophie Martin n'a pas répondu depuis 3 jours. Une relance douce par e-mail ?"
    assert [c.action for c in draft.ctas] == ["openEmail", "draftMessage", "resolveAlert"]


def test_without_any_reachable_channel_the_texts_name_none() -> None:
    lead = _sent(NOW - timedelta(days=3), channel="email", phone=None, email=None)
    draft = _one(lead, AlertType.NO_REPLY_3D)
    assert draft.message == "Sophie Martin n'a pas répondu depuis 3 jours. Une relance douce ?"
    assert draft.suggested_action == "Relance douce"
    assert [c.action for c in draft.ctas] == ["draftMessage", "resolveAlert"]


def test_a_refused_consent_is_never_suggested() -> None:
    refused = {Channel.WHATSAPP: ConsentState(granted=False, updated_at=NOW, reason="STOP")}
    lead = _sent(NOW - timedelta(days=3), channel="whatsapp", consent=refused)
    draft = _one(lead, AlertType.NO_REPLY_3D)
    assert draft.metadata["channel"] == "email"
    assert "WhatsApp" not in draft.message


# --- NoContact7d ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fires"),
    [
        (timedelta(days=7), True),
        (timedelta(days=7) - timedelta(minutes=1), False),
        (timedelta(days=20), True),
    ],
    ids=["7d", "7d-1min", "20d"],
)
def test_no_contact_after_seven_days(age: timedelta, fires: bool) -> None:
    assert (AlertType.NO_CONTACT_7D in _types(_lead(created_at=NOW - age, status=LeadStatus.NEW))) is fires


def test_no_contact_needs_no_message_ever_sent() -> None:
    lead = _sent(NOW - timedelta(days=1)).model_copy(update={"created_at": NOW - timedelta(days=10)})
    assert AlertType.NO_CONTACT_7D not in _types(lead)


def test_no_contact_draft() -> None:
    created = NOW - timedelta(days=8)
    draft = _one(_lead(created_at=created, status=LeadStatus.NEW), AlertType.NO_CONTACT_7D)
    assert draft.episode == iso(created)
    assert draft.metadata == {
        "days_since_created": 8,
        "threshold_days": 7,
        "created_at": "2026-03-02T12:00:00.000000Z",
        "channel": "whatsapp",
    }
    assert draft.message == (
        "Sophie Martin attend un premier message depuis 8 jours. On prend contact par WhatsApp ?"
    )
    assert draft.ctas[0].label == "Écrire par WhatsApp"


# --- NoFollowup7d --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fires"),
    [(timedelta(days=7), True), (timedelta(days=7) - timedelta(minutes=1), False)],
    ids=["7d", "7d-1min"],
)
def test_no_followup_when_the_leads_message_waits_seven_days(age: timedelta, fires: bool) -> None:
    assert (AlertType.NO_FOLLOWUP_7D in _types(_received(NOW - age))) is fires


def test_no_reply_supersedes_no_followup() -> None:
    lead = _sent(NOW - timedelta(days=8))
    assert _types(lead) == {AlertType.NO_REPLY_3D}
    assert reason_resolved(AlertType.NO_FOLLOWUP_7D, lead, NOW, DEFAULTS, TZ, locale="en").startswith(
        "superseded by NoReply3d"
    )


def test_no_followup_with_custom_threshold() -> None:
    lead = _received(NOW - timedelta(days=2))
    custom = AlertThresholds(no_followup_days=2)
    assert AlertType.NO_FOLLOWUP_7D in _types(lead, thresholds=custom)
    assert AlertType.NO_FOLLOWUP_7D not in _types(lead)


# --- HotLead24h ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fires"),
    [
        (timedelta(minutes=5), True),
        (timedelta(hours=23, minutes=59), True),
        (timedelta(hours=24), False),
        (timedelta(hours=30), False),
    ],
    ids=["5min", "23h59", "24h00", "30h"],
)
def test_hot_lead_for_24_real_hours(age: timedelta, fires: bool) -> None:
    assert (AlertType.HOT_LEAD_24H in _types(_received(NOW - age, intent="interested"))) is fires


def test_hot_lead_hours_are_real_hours_across_dst() -> None:
    # 12:00 to 12:00 across the change to summer time is 23 real hours: still hot.
    received = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    now = datetime(2026, 3, 29, 12, 0, tzinfo=PARIS)
    assert AlertType.HOT_LEAD_24H in _types(_received(received, intent="question"), now)


@pytest.mark.parametrize(
    ("intent", "fires"),
    [
        ("interested", True),
        ("meeting_request", True),
        ("question", True),
        ("not_interested", False),
        ("out_of_office", False),
        ("unsubscribe", False),
        (None, False),
    ],
)
def test_only_hot_intents_make_a_hot_lead(intent: str | None, fires: bool) -> None:
    assert (AlertType.HOT_LEAD_24H in _types(_received(NOW - timedelta(hours=2), intent=intent))) is fires


def test_an_answered_hot_message_is_no_longer_an_alert() -> None:
    lead = _received(NOW - timedelta(hours=2), intent="interested")
    answered = lead.summary.model_copy(update={"last_outbound_at": NOW - timedelta(hours=1)})
    lead = lead.model_copy(update={"summary": answered})
    assert AlertType.HOT_LEAD_24H not in _types(lead)
    assert (
        reason_resolved(AlertType.HOT_LEAD_24H, lead, NOW, DEFAULTS, TZ, locale="en")
        == "a reply was sent on 2026-03-10"
    )


@pytest.mark.parametrize(
    ("intent_before_last_message", "fires"),
    [(timedelta(minutes=10), True), (timedelta(minutes=11), False)],
    ids=["same-burst", "older-message"],
)
def test_the_intent_must_belong_to_the_last_burst(intent_before_last_message: timedelta, fires: bool) -> None:
    lead = _received(NOW - timedelta(hours=1), intent="interested")
    summary = lead.summary.model_copy(
        update={"last_intent_at": NOW - timedelta(hours=1) - intent_before_last_message}
    )
    assert (AlertType.HOT_LEAD_24H in _types(lead.model_copy(update={"summary": summary}))) is fires


def test_hot_lead_buttons_follow_the_product_document() -> None:
    draft = _one(_received(NOW - timedelta(hours=2), intent="meeting_request"), AlertType.HOT_LEAD_24H)
    assert draft.severity is Severity.URGENT
    assert draft.message == (
        "Lead chaud ! Sophie Martin a répondu il y a 2 heures (demande de rendez-vous). "
        "On répond par WhatsApp sans tarder ?"
    )
    assert draft.suggested_action == "Répondre maintenant par WhatsApp"
    assert [(c.label, c.action, c.params) for c in draft.ctas] == [
        ("Répondre par WhatsApp", "openWhatsApp", {"leadId": LEAD_ID}),
        ("Préparer un message", "draftMessage", {"leadId": LEAD_ID, "channel": "whatsapp"}),
        ("Marquer comme traité", "resolveAlert", {"leadId": LEAD_ID}),
    ]
    assert draft.episode == iso(NOW - timedelta(hours=2))
    assert draft.metadata["intent"] == "meeting_request"
    assert draft.metadata["threshold_hours"] == 24


def test_hot_lead_replies_on_the_channel_the_lead_wrote_on() -> None:
    draft = _one(
        _received(NOW - timedelta(minutes=20), intent="question", channel="email"), AlertType.HOT_LEAD_24H
    )
    assert draft.ctas[0].action == "openEmail"
    english = _one(
        _received(NOW - timedelta(minutes=20), intent="question", channel="email"),
        AlertType.HOT_LEAD_24H,
        locale="en",
    )
    assert english.message == (
        "Hot lead! Sophie Martin replied less than an hour ago (a question asked). "
        "Shall we answer by e-mail right away?"
    )
    assert [c.label for c in english.ctas] == ["Reply by e-mail", "Draft a message", "Mark as done"]


# --- StaleLead30d --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "fires"),
    [(timedelta(days=30), True), (timedelta(days=30) - timedelta(minutes=1), False)],
    ids=["30d", "30d-1min"],
)
def test_stale_after_thirty_days(age: timedelta, fires: bool) -> None:
    assert (AlertType.STALE_LEAD_30D in _types(_received(NOW - age))) is fires


def test_stale_supersedes_no_reply_and_no_followup() -> None:
    lead = _sent(NOW - timedelta(days=32))
    drafts = evaluate(lead, DEFAULTS, NOW, TZ, "fr")
    assert [d.type for d in drafts] == [AlertType.STALE_LEAD_30D]
    assert drafts[0].severity is Severity.LOW
    assert drafts[0].message == (
        "Ça fait 32 jours que Sophie Martin ne donne plus de nouvelles... Dernier essai avant d'archiver ?"
    )
    assert [c.action for c in drafts[0].ctas] == ["draftMessage", "archiveLead", "resolveAlert"]
    assert reason_resolved(AlertType.NO_REPLY_3D, lead, NOW, DEFAULTS, TZ, locale="en") == (
        "superseded by StaleLead30d: no activity for 32 days"
    )


def test_a_lead_never_contacted_gets_no_contact_not_stale() -> None:
    lead = _lead(created_at=NOW - timedelta(days=40), status=LeadStatus.NEW)
    assert _types(lead) == {AlertType.NO_CONTACT_7D}
    assert reason_resolved(AlertType.STALE_LEAD_30D, lead, NOW, DEFAULTS, TZ, locale="en").startswith(
        "superseded by NoContact7d"
    )


def test_stale_counts_from_the_last_contact() -> None:
    lead = _received(NOW - timedelta(days=31), sent_at=NOW - timedelta(days=33))
    draft = _one(lead, AlertType.STALE_LEAD_30D)
    assert draft.metadata["days_since_last_activity"] == 31
    assert draft.metadata["never_contacted"] is False
    assert draft.episode == iso(NOW - timedelta(days=31))


def test_stale_counts_from_creation_when_nothing_ever_happened() -> None:
    # Only seen when the tenant set the first-contact threshold beyond the stale one.
    lead = _lead(created_at=NOW - timedelta(days=45), status=LeadStatus.NEW)
    drafts = evaluate(lead, AlertThresholds(no_contact_days=60), NOW, TZ, "fr")
    assert [d.type for d in drafts] == [AlertType.STALE_LEAD_30D]
    assert drafts[0].metadata["days_since_last_activity"] == 45
    assert drafts[0].metadata["never_contacted"] is True


# --- statuses and out of office ------------------------------------------------------------------


@pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.LOST])
def test_closed_leads_get_no_follow_up_alert(status: LeadStatus) -> None:
    quiet = _sent(NOW - timedelta(days=40)).model_copy(update={"status": status})
    assert evaluate(quiet, DEFAULTS, NOW, TZ, "fr") == []
    assert reason_resolved(AlertType.STALE_LEAD_30D, quiet, NOW, DEFAULTS, TZ, locale="en") == (
        f"the lead is {status.value}: no more follow-ups"
    )


@pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.LOST])
def test_a_closed_lead_writing_back_with_intent_is_still_hot(status: LeadStatus) -> None:
    lead = _received(NOW - timedelta(hours=3), intent="interested").model_copy(update={"status": status})
    assert _types(lead) == {AlertType.HOT_LEAD_24H}


@pytest.mark.parametrize(
    ("until", "silenced"),
    [(NOW + timedelta(days=2), True), (NOW, False), (NOW - timedelta(days=1), False)],
    ids=["away", "back-now", "back-yesterday"],
)
def test_out_of_office_silences_the_waiting_alerts_until_its_end(until: datetime, silenced: bool) -> None:
    waiting = _sent(NOW - timedelta(days=5), out_of_office_until=until)
    stale = _sent(NOW - timedelta(days=35), out_of_office_until=until)
    if silenced:
        assert _types(waiting) == set()
        assert _types(stale) == set()
        assert reason_resolved(AlertType.NO_REPLY_3D, waiting, NOW, DEFAULTS, TZ, locale="en") == (
            "the lead is out of office until 2026-03-12"
        )
    else:
        assert _types(waiting) == {AlertType.NO_REPLY_3D}
        assert _types(stale) == {AlertType.STALE_LEAD_30D}


# --- PreferredChannel and the whole set ----------------------------------------------------------


def test_preferred_channel_alert() -> None:
    lead = _received(NOW - timedelta(days=2), sent_at=NOW - timedelta(days=3))
    counts = {"2026-03-05": {"whatsapp": [5, 4], "email": [4, 1]}}
    lead = lead.model_copy(update={"summary": lead.summary.model_copy(update={"daily_counts": counts})})
    draft = _one(lead, AlertType.PREFERRED_CHANNEL)
    assert draft.severity is Severity.INFO
    assert draft.episode == "whatsapp"
    assert draft.message == (
        "Sophie Martin répond super bien par WhatsApp (80 % contre 25 % par e-mail). Continuons comme ça !"
    )
    assert draft.suggested_action == "Privilégier WhatsApp"
    assert draft.metadata["rate"] == 80
    assert draft.metadata["runner_up_rate"] == 25
    assert draft.metadata["stats"]["email"] == {"sent": 4, "replied": 1, "rate": 25}
    english = _one(lead, AlertType.PREFERRED_CHANNEL, locale="en")
    assert english.message == (
        "Sophie Martin answers really well on WhatsApp (80% vs 25% by e-mail). Let's keep it that way!"
    )
    closed = lead.model_copy(update={"status": LeadStatus.CONVERTED})
    assert AlertType.PREFERRED_CHANNEL not in _types(closed)


def test_alerts_are_sorted_most_severe_first() -> None:
    lead = _received(NOW - timedelta(hours=1), intent="interested", sent_at=NOW - timedelta(days=2))
    counts = {"2026-03-09": {"whatsapp": [2, 2], "sms": [2, 0]}}
    lead = lead.model_copy(update={"summary": lead.summary.model_copy(update={"daily_counts": counts})})
    assert [d.type for d in evaluate(lead, DEFAULTS, NOW, TZ, "fr")] == [
        AlertType.HOT_LEAD_24H,
        AlertType.PREFERRED_CHANNEL,
    ]


def test_a_fresh_lead_needs_nothing() -> None:
    assert evaluate(_lead(status=LeadStatus.NEW), DEFAULTS, NOW, TZ, "en") == []


@pytest.mark.parametrize("alert_type", list(AlertType))
def test_every_alert_type_has_a_severity_and_says_why_it_does_not_hold(alert_type: AlertType) -> None:
    # Given a fresh lead, for which no alert holds
    lead = _lead(status=LeadStatus.NEW)
    # Then every type, including one added later, has its severity and its own reason
    assert alert_type in SEVERITIES
    reason = reason_resolved(alert_type, lead, NOW, DEFAULTS, TZ, locale="en")
    assert reason not in {"", "the alert still holds"}


@pytest.mark.parametrize(("locale", "word"), [("fr", "jours"), ("en", "days"), ("de", "jours")])
def test_messages_follow_the_locale_with_french_by_default(locale: str, word: str) -> None:
    draft = evaluate(_sent(NOW - timedelta(days=3)), DEFAULTS, NOW, TZ, locale)[0]
    assert word in draft.message


def test_a_single_day_threshold_reads_in_the_singular() -> None:
    lead = _sent(NOW - timedelta(days=1), channel="email", phone=None)
    draft = next(d for d in evaluate(lead, AlertThresholds(no_reply_days=1), NOW, TZ, "en"))
    assert draft.message == "Sophie Martin hasn't replied in 1 day. A gentle nudge by e-mail?"


# --- reasons of resolution -----------------------------------------------------------------------


def test_reasons_say_what_changed() -> None:
    replied = _received(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), sent_at=NOW - timedelta(days=5))
    # 23:30 UTC is already the 10th in Paris.
    assert (
        reason_resolved(AlertType.NO_REPLY_3D, replied, NOW, DEFAULTS, TZ, locale="en")
        == "the lead replied on 2026-03-10"
    )
    contacted = _sent(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert reason_resolved(AlertType.NO_CONTACT_7D, contacted, NOW, DEFAULTS, TZ, locale="en") == (
        "a message was sent on 2026-03-09"
    )
    assert reason_resolved(
        AlertType.NO_REPLY_3D,
        contacted,
        NOW,
        DEFAULTS,
        TZ,
        episode="2026-03-01T08:00:00.000000Z",
        locale="en",
    ) == ("a new message was sent on 2026-03-09")
    fresh = _received(NOW - timedelta(days=1))
    assert reason_resolved(
        AlertType.STALE_LEAD_30D, fresh, NOW, DEFAULTS, TZ, episode="old", locale="en"
    ) == ("activity resumed on 2026-03-09")
    assert reason_resolved(AlertType.PREFERRED_CHANNEL, fresh, NOW, DEFAULTS, TZ, locale="en") == (
        "no channel has enough messages sent in the window any more"
    )
    waiting = _sent(NOW - timedelta(days=4))
    assert (
        reason_resolved(AlertType.NO_REPLY_3D, waiting, NOW, DEFAULTS, TZ, locale="en")
        == "the alert still holds"
    )


def test_reasons_follow_the_tenant_locale_with_local_dates_and_agreeing_counts() -> None:
    # Given a lead that replied on the 10th (Paris), and one whose last message is a day old
    replied = _received(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), sent_at=NOW - timedelta(days=5))
    recent = _sent(NOW - timedelta(days=1))
    # When a French tenant asks why the alerts no longer hold
    # Then it reads French, with dates as a rep writes them
    assert reason_resolved(AlertType.NO_REPLY_3D, replied, NOW, DEFAULTS, TZ, locale="fr") == (
        "Le lead a répondu le 10/03/2026."
    )
    assert reason_resolved(AlertType.NO_REPLY_3D, recent, NOW, DEFAULTS, TZ, locale="fr") == (
        "Le dernier message est parti il y a 1 jour, en deçà du seuil de 3 jours."
    )
    # And an English tenant reads English, with the same agreement
    assert reason_resolved(AlertType.NO_REPLY_3D, recent, NOW, DEFAULTS, TZ, locale="en") == (
        "the last message was sent 1 day ago, under the threshold of 3 days"
    )


def test_a_superseded_alert_says_so_in_french_with_its_days() -> None:
    lead = _sent(NOW - timedelta(days=32))
    assert reason_resolved(AlertType.NO_REPLY_3D, lead, NOW, DEFAULTS, TZ, locale="fr") == (
        "Remplacée par l'alerte « lead endormi » : aucune activité depuis 32 jours."
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (LeadStatus.CONVERTED, "Le lead est converti : plus de relance."),
        (LeadStatus.LOST, "Le lead est marqué perdu : plus de relance."),
    ],
)
def test_a_closed_lead_ends_its_follow_ups_in_french(status: LeadStatus, reason: str) -> None:
    quiet = _sent(NOW - timedelta(days=40)).model_copy(update={"status": status})
    assert reason_resolved(AlertType.STALE_LEAD_30D, quiet, NOW, DEFAULTS, TZ, locale="fr") == reason
