"""What a reply does (rules/replies.py), and how the summary, sequences and automations follow it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.automation import DEFAULT_STOPS, Automation, TriggerType
from maxcore.models.common import Channel
from maxcore.models.intent import Intent, ReplyKind
from maxcore.models.lead import Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import (
    CampaignStatus,
    Enrollment,
    Outcome,
    ScenarioStep,
    StepChannel,
)
from maxcore.models.tenant import Mode, SendWindow
from maxcore.rules.automation_triggers import Fire, evaluate
from maxcore.rules.intent import classify
from maxcore.rules.prospection import StepFacts, away, decide_step, reason_text, reply_stop
from maxcore.rules.replies import inbound_effect, next_working_day, reply_effect, resume_date
from maxcore.rules.send_window import Window
from maxcore.rules.summary import apply_activity

# Tuesday 10 March 2026, 10:00 in Paris.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
D = timedelta(days=1)
LEAD = "01JAAAAAAAAAAAAAAAAAAAAAAA"
PARIS = Window.of(SendWindow(), "Europe/Paris")  # Monday-Friday 09:00-18:00


def _effect(
    intent: Intent | None,
    automatic: bool = False,
    every_channel: bool = False,
    return_date: date | None = None,
    channel: Channel | None = Channel.SMS,
):
    return reply_effect(
        intent,
        automatic=automatic,
        channel=channel,
        received_at=NOW,
        country="FR",
        return_date=return_date,
        every_channel=every_channel,
    )


# --- the rule: every intent, by a person or a machine -------------------------------------------------
PERSON_KINDS = {
    Intent.INTERESTED: (ReplyKind.HOT, "replied"),
    Intent.MEETING_REQUEST: (ReplyKind.HOT, "replied"),
    Intent.QUESTION: (ReplyKind.HOT, "replied"),
    Intent.NEUTRAL: (ReplyKind.NEUTRAL, "replied"),
    None: (ReplyKind.NEUTRAL, "replied"),
    Intent.NOT_INTERESTED: (ReplyKind.DECLINE, "declined"),
    Intent.UNSUBSCRIBE: (ReplyKind.OPT_OUT, "unsubscribed"),
    Intent.OUT_OF_OFFICE: (ReplyKind.OUT_OF_OFFICE, "out_of_office"),
}


@pytest.mark.parametrize("every_channel", [False, True])
@pytest.mark.parametrize("intent", list(PERSON_KINDS))
def test_a_person_s_reply_does_what_its_intent_says(intent: Intent | None, every_channel: bool) -> None:
    effect = _effect(intent, every_channel=every_channel)
    kind, code = PERSON_KINDS[intent]
    assert (effect.kind, effect.reason_code) == (kind, code)
    human = kind not in (ReplyKind.OUT_OF_OFFICE,)
    assert effect.counts_as_reply is human
    assert effect.counts_as_human_reply is (human and kind is not ReplyKind.OPT_OUT)
    assert effect.positive is (kind is ReplyKind.HOT)
    assert effect.suggested_status is (LeadStatus.LOST if kind is ReplyKind.DECLINE else None)
    assert (effect.resume_on is not None) is (kind is ReplyKind.OUT_OF_OFFICE)


@pytest.mark.parametrize("every_channel", [False, True])
@pytest.mark.parametrize("intent", [i for i in PERSON_KINDS if i is not Intent.OUT_OF_OFFICE])
def test_an_automatic_message_changes_nothing_and_counts_as_no_reply(
    intent: Intent | None, every_channel: bool
) -> None:
    effect = _effect(intent, automatic=True, every_channel=every_channel)
    assert effect.kind is ReplyKind.AUTOMATIC
    assert effect.reason_code is None
    assert not effect.counts_as_reply
    assert not effect.counts_as_human_reply
    assert not effect.positive
    assert effect.revoke_channels == ()
    assert effect.resume_on is None


def test_an_automatic_out_of_office_notice_still_pauses() -> None:
    effect = _effect(Intent.OUT_OF_OFFICE, automatic=True, return_date=date(2026, 3, 12))
    assert effect.kind is ReplyKind.OUT_OF_OFFICE
    assert effect.resume_on == date(2026, 3, 12)
    assert not effect.counts_as_reply


def test_an_opt_out_revokes_its_own_channel_or_every_channel_when_it_says_so() -> None:
    assert _effect(Intent.UNSUBSCRIBE, channel=Channel.WHATSAPP).revoke_channels == (Channel.WHATSAPP,)
    assert set(_effect(Intent.UNSUBSCRIBE, every_channel=True).revoke_channels) == set(Channel)
    # A call or a note has no channel of its own to revoke.
    assert _effect(Intent.UNSUBSCRIBE, channel=None).revoke_channels == ()


# --- the return day: the next working day of the country --------------------------------------------
@pytest.mark.parametrize(
    ("written", "country", "back"),
    [
        (date(2026, 3, 12), "FR", date(2026, 3, 12)),  # a Thursday: that very day
        (date(2026, 3, 14), "FR", date(2026, 3, 16)),  # a Saturday: the Monday
        (date(2026, 5, 1), "FR", date(2026, 5, 4)),  # Labour Day, a Friday: the Monday
        (date(2026, 5, 8), "FR", date(2026, 5, 11)),  # Victory Day, a Friday: the Monday
        (date(2026, 5, 14), "FR", date(2026, 5, 15)),  # Ascension Thursday: the Friday
        (date(2026, 5, 4), "GB", date(2026, 5, 5)),  # the UK's early May bank holiday
        (date(2026, 5, 4), "FR", date(2026, 5, 4)),  # ...a working day in France
        (date(2026, 3, 14), "ZZ", date(2026, 3, 16)),  # a country without calendar: weekends only
    ],
)
def test_the_return_day_is_moved_to_the_next_working_day(written: date, country: str, back: date) -> None:
    assert next_working_day(written, country) == back


def test_without_a_date_the_lead_is_back_seven_days_after_the_notice() -> None:
    assert resume_date(None, NOW, "FR") == date(2026, 3, 17)
    # 24 April + 7 days is Labour Day: the Monday after.
    assert resume_date(None, datetime(2026, 4, 24, 15, 0, tzinfo=UTC), "FR") == date(2026, 5, 4)


def test_a_written_return_date_wins_over_the_seven_days() -> None:
    assert resume_date(date(2026, 3, 11), NOW, "FR") == date(2026, 3, 11)


# --- keywords and bot commands are read by their mark ----------------------------------------------
def _marked(text: str, channel: ActivityChannel, **marks: object) -> Activity:
    """An inbound ``text`` with the inbound service's marks (``keyword``, ``command``)."""
    metadata = {"keyword": None, "command": None, **marks}
    return _inbound(NOW, channel=channel).model_copy(update={"preview": text, "metadata": metadata})


@pytest.mark.parametrize(
    ("text", "channel", "marks"),
    [
        ("HELP", ActivityChannel.SMS, {"keyword": "help"}),
        ("START", ActivityChannel.SMS, {"keyword": "opt_in"}),
        ("/start", ActivityChannel.TELEGRAM, {"command": "start"}),
        ("/rdv", ActivityChannel.TELEGRAM, {"command": "rdv"}),
    ],
)
def test_a_keyword_or_a_command_other_than_an_opt_out_changes_no_sequence(
    text: str, channel: ActivityChannel, marks: dict[str, object]
) -> None:
    # Whatever the classifier reads in the word ("/rdv" looks like a meeting asked for), the
    # provider or the bot answered it: no hot lead, no stop, no reply counted.
    verdict = classify(text, received_at=NOW)
    effect = inbound_effect(_marked(text, channel, **marks), verdict, "FR")
    assert effect.kind is ReplyKind.INSTRUCTION
    assert (effect.counts_as_reply, effect.counts_as_human_reply, effect.positive) == (False, False, False)
    assert effect.reason_code is None
    assert effect.revoke_channels == ()


@pytest.mark.parametrize(
    ("text", "channel", "marks"),
    [
        ("STOP", ActivityChannel.SMS, {"keyword": "opt_out"}),
        ("/stop", ActivityChannel.TELEGRAM, {"command": "stop"}),
    ],
)
def test_an_opt_out_keyword_or_stop_command_opts_out_of_its_channel(
    text: str, channel: ActivityChannel, marks: dict[str, object]
) -> None:
    effect = inbound_effect(_marked(text, channel, **marks), classify(text, received_at=NOW), "FR")
    assert effect.kind is ReplyKind.OPT_OUT
    assert effect.reason_code == "unsubscribed"
    assert effect.revoke_channels == (Channel(channel.value),)
    assert not effect.counts_as_human_reply


def test_a_sentence_that_mentions_stop_is_read_as_a_message() -> None:
    text = "Ne stoppez pas tout, appelez-moi demain matin"
    effect = inbound_effect(_marked(text, ActivityChannel.SMS), classify(text, received_at=NOW), "FR")
    assert effect.kind is ReplyKind.HOT


# --- the summary follows the effect ----------------------------------------------------------------
def _inbound(at: datetime, intent: str | None = None, channel: ActivityChannel = ActivityChannel.WHATSAPP):
    return Activity(
        id="01JBBBBBBBBBBBBBBBBBBBBBBB",
        lead_id=LEAD,
        channel=channel,
        direction=Direction.IN,
        status=ActivityStatus.DELIVERED,
        occurred_at=at,
        intent=intent,
    )


def _sent_summary() -> LeadSummary:
    outbound = Activity(
        id="01JCCCCCCCCCCCCCCCCCCCCCCC",
        lead_id=LEAD,
        channel=ActivityChannel.WHATSAPP,
        direction=Direction.OUT,
        status=ActivityStatus.SENT,
        occurred_at=NOW - 2 * D,
    )
    return apply_activity(LeadSummary(), outbound, NOW)


def test_an_automatic_message_moves_neither_the_last_inbound_time_nor_the_whatsapp_window() -> None:
    before = _sent_summary()
    after = apply_activity(
        before, _inbound(NOW, "neutral"), NOW, effect=_effect(Intent.NEUTRAL, automatic=True)
    )
    assert after.last_inbound_at is None
    assert after.last_inbound_by_channel == {}
    assert after.last_intent is None
    assert after.last_contact_at == before.last_contact_at
    assert after.daily_counts == before.daily_counts
    # Nor is it the inbox's last message, nor unread: a person's message stays on top.
    assert after.last_message == before.last_message
    assert after.unread == before.unread


def test_an_out_of_office_notice_records_the_return_day_and_is_no_reply() -> None:
    effect = _effect(Intent.OUT_OF_OFFICE, return_date=date(2026, 3, 14))
    after = apply_activity(_sent_summary(), _inbound(NOW, "out_of_office"), NOW, effect=effect)
    assert after.out_of_office_until == datetime(2026, 3, 16, tzinfo=UTC)
    assert after.last_inbound_at is None
    assert after.last_reply_kind is None


def test_an_opt_out_moves_the_conversation_but_not_the_reply_counters() -> None:
    after = apply_activity(
        _sent_summary(), _inbound(NOW, "unsubscribe"), NOW, effect=_effect(Intent.UNSUBSCRIBE)
    )
    assert after.last_inbound_at == NOW
    assert after.last_reply_kind is ReplyKind.OPT_OUT
    assert NOW.date().isoformat() not in after.daily_counts


def test_a_decline_suggests_lost_and_a_later_hot_reply_takes_the_suggestion_back() -> None:
    declined = apply_activity(
        _sent_summary(), _inbound(NOW, "not_interested"), NOW, effect=_effect(Intent.NOT_INTERESTED)
    )
    assert declined.suggested_status is LeadStatus.LOST
    assert declined.last_reply_kind is ReplyKind.DECLINE
    later = NOW + D
    warmed = apply_activity(declined, _inbound(later, "interested"), later, effect=_effect(Intent.INTERESTED))
    assert warmed.suggested_status is None
    assert warmed.last_reply_kind is ReplyKind.HOT
    assert warmed.daily_counts[later.date().isoformat()]["whatsapp"] == [0, 1]


def test_an_older_reply_recorded_late_does_not_overwrite_what_the_latest_one_did() -> None:
    hot = apply_activity(_sent_summary(), _inbound(NOW, "interested"), NOW, effect=_effect(Intent.INTERESTED))
    late = apply_activity(
        hot, _inbound(NOW - D, "not_interested"), NOW, effect=_effect(Intent.NOT_INTERESTED)
    )
    assert late.last_reply_kind is ReplyKind.HOT
    assert late.suggested_status is None


# --- the sequences follow the summary --------------------------------------------------------------
ENROLLED = NOW - 5 * D


def _lead(**summary: object) -> Lead:
    return Lead(
        id=LEAD,
        first_name="Inès",
        phone="+33612345678",
        status=LeadStatus.CONTACTED,
        summary=LeadSummary(**summary),
        created_at=ENROLLED - D,
        updated_at=NOW,
    )


def _enrollment() -> Enrollment:
    return Enrollment(
        campaign_id="01JDDDDDDDDDDDDDDDDDDDDDDD",
        lead_id=LEAD,
        scenario_id="connexion-douce",
        scenario_version=1,
        current_step=2,
        next_action_at=NOW,
        enrolled_at=ENROLLED,
        updated_at=ENROLLED,
    )


def _facts(lead: Lead, now: datetime = NOW) -> StepFacts:
    step = ScenarioStep(order=2, delay_days=3, channel=StepChannel.SMS, objective="Relancer")
    return StepFacts(
        now=now,
        enrollment=_enrollment(),
        campaign_status=CampaignStatus.ACTIVE,
        step=step,
        lead=lead,
        window=PARIS,
        mode=Mode.AUTO,
    )


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (ReplyKind.HOT, "replied"),
        (ReplyKind.NEUTRAL, "replied"),
        (None, "replied"),  # a reply recorded before replies had a kind
        (ReplyKind.DECLINE, "declined"),
        (ReplyKind.OPT_OUT, "unsubscribed"),
    ],
)
def test_a_reply_since_the_enrollment_ends_the_sequence_with_its_own_reason(
    kind: ReplyKind | None, code: str
) -> None:
    lead = _lead(last_inbound_at=NOW - D, last_reply_kind=kind)
    verdict = decide_step(_facts(lead))
    assert (verdict.outcome, verdict.code) == (Outcome.STOPPED, code)
    assert reply_stop(lead, _enrollment()) == verdict


def test_a_reply_before_the_enrollment_stops_nothing() -> None:
    lead = _lead(last_inbound_at=ENROLLED - D, last_reply_kind=ReplyKind.DECLINE)
    assert reply_stop(lead, _enrollment()) is None
    assert decide_step(_facts(lead)).outcome is Outcome.SENT


@pytest.mark.parametrize(
    ("intent", "kind"),
    [
        (Intent.INTERESTED, ReplyKind.ANSWER),  # "OUI" to a reminder
        (Intent.NOT_INTERESTED, ReplyKind.ANSWER),  # "NON" to a reminder
        (Intent.UNSUBSCRIBE, ReplyKind.OPT_OUT),  # an opt-out is always honoured
        (Intent.OUT_OF_OFFICE, ReplyKind.OUT_OF_OFFICE),
    ],
)
def test_an_answer_to_a_survey_or_a_reminder_moves_the_conversation_but_ends_nothing(
    intent: Intent, kind: ReplyKind
) -> None:
    # Given a reply marked as nothing but the answer to a survey or a reminder
    effect = reply_effect(
        intent, automatic=False, channel=Channel.SMS, received_at=NOW, country="FR", answer=True
    )

    # Then a person replied, but it is no sales reply: no reason to stop, not positive, no suggestion
    assert effect.kind is kind
    if kind is ReplyKind.ANSWER:
        assert (effect.counts_as_reply, effect.counts_as_human_reply) == (True, True)
        assert (effect.reason_code, effect.positive, effect.suggested_status) == (None, False, None)
        # And a sequence the lead is enrolled in goes on
        lead = _lead(last_inbound_at=NOW - D, last_reply_kind=kind)
        assert reply_stop(lead, _enrollment()) is None
        assert decide_step(_facts(lead)).outcome is Outcome.SENT


def test_a_lead_away_pauses_the_step_until_the_window_opens_on_the_day_it_is_back() -> None:
    # Given a lead back on Thursday 12 March
    lead = _lead(out_of_office_until=datetime(2026, 3, 12, tzinfo=UTC))
    # When its step comes due on Tuesday
    verdict = decide_step(_facts(lead))
    # Then the step pauses until 09:00 in Paris that Thursday
    assert (verdict.outcome, verdict.code) == (Outcome.PAUSED, "out_of_office")
    assert verdict.until == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert away(lead, PARIS, NOW) == verdict
    assert "jeudi 12 mars 09:00" in reason_text(verdict, "fr", "Europe/Paris")
    assert "Thursday 12 March 09:00" in reason_text(verdict, "en", "Europe/Paris")


def test_once_the_lead_is_back_the_step_goes_on() -> None:
    lead = _lead(out_of_office_until=datetime(2026, 3, 12, tzinfo=UTC))
    back = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert away(lead, PARIS, back) is None
    assert decide_step(_facts(lead, back)).outcome is Outcome.SENT
    assert decide_step(_facts(lead, back - timedelta(minutes=1))).outcome is Outcome.PAUSED


# --- automations wait for the lead to be back -----------------------------------------------------
def test_an_automation_does_not_fire_for_a_lead_away_until_it_is_back() -> None:
    automation = Automation(
        id="01JBBBBBBBBBBBBBBBBBBBBBBB",
        name="Relance",
        trigger_type=TriggerType.SILENCE,
        trigger_config={"days": 3},
        template_id="01JCCCCCCCCCCCCCCCCCCCCCCC",
        stop_conditions=list(DEFAULT_STOPS),
        enabled=True,
        created_at=NOW - 90 * D,
        updated_at=NOW - 90 * D,
    )
    lead = _lead(last_outbound_at=NOW - 5 * D, out_of_office_until=datetime(2026, 3, 12, tzinfo=UTC))
    assert evaluate(automation, lead, Channel.SMS, NOW) is None
    assert isinstance(evaluate(automation, lead, Channel.SMS, datetime(2026, 3, 12, 9, 0, tzinfo=UTC)), Fire)
