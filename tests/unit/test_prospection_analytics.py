"""Prospection analytics: who was reached and replied, the funnel, the steps and the best messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.analytics import FunnelStage
from maxcore.models.intent import ReplyKind
from maxcore.models.lead import Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import (
    Campaign,
    CampaignStatus,
    Enrollment,
    EnrollmentStatus,
    MessageSource,
    Scenario,
    ScenarioStep,
    SentStep,
    StepChannel,
)
from maxcore.rules.prospection_analytics import funnel, overview, rate, steps, top_messages

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = timedelta(days=1)
EMAIL, SMS, LINKEDIN, CALL = StepChannel.EMAIL, StepChannel.SMS, StepChannel.LINKEDIN, StepChannel.CALL
AI, TEMPLATE, DEFAULT = MessageSource.AI, MessageSource.TEMPLATE, MessageSource.DEFAULT
TPL_A = "01JTTTTTTTTTTTTTTTTTTTTTTA"
TPL_B = "01JTTTTTTTTTTTTTTTTTTTTTTB"

_counter = iter(range(10_000))


def _sent(
    step: int, channel: StepChannel = EMAIL, source: MessageSource | None = AI, **extra: str
) -> SentStep:
    return SentStep(step=step, channel=channel, source=source, at=T0 + step * D, **extra)


def _enrollment(
    *sent: SentStep,
    replied_step: int | None = None,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
    campaign: str = "camp-1",
    scenario: tuple[str, int] = ("connexion-douce", 1),
    lead_id: str | None = None,
) -> Enrollment:
    """An enrollment that got ``sent``, replying after ``replied_step`` when given."""
    replied_at = None
    if replied_step is not None:
        replied_at = max(s.at for s in sent if s.step == replied_step) + timedelta(hours=3)
    return Enrollment(
        campaign_id=campaign,
        lead_id=lead_id or f"01JE{next(_counter):022d}",
        scenario_id=scenario[0],
        scenario_version=scenario[1],
        status=status,
        current_step=len(sent) + 1,
        sent=list(sent),
        replied_at=replied_at,
        replied_step=replied_step,
        enrolled_at=T0,
        updated_at=T0 + 10 * D,
    )


def _campaign(status: CampaignStatus) -> Campaign:
    return Campaign(
        id=f"camp-{next(_counter)}",
        name="Printemps",
        scenario_id="connexion-douce",
        scenario_version=1,
        status=status,
        created_at=T0,
        updated_at=T0,
    )


def _lead(lead_id: str, status: LeadStatus = LeadStatus.CONTACTED, intent: str | None = None) -> Lead:
    return Lead(
        id=lead_id,
        first_name="Jean",
        status=status,
        summary=LeadSummary(last_intent=intent),
        created_at=T0,
        updated_at=T0,
    )


# --- rates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(1, 3, 0.3333), (2, 3, 0.6667), (0, 0, 0.0), (5, 5, 1.0)]
)
def test_rates_are_rounded_to_four_decimals_and_zero_without_a_whole(
    part: int, whole: int, expected: float
) -> None:
    assert rate(part, whole) == expected


# --- overview ------------------------------------------------------------------------------------------
def test_the_overview_counts_prospects_contacts_interactions_and_replies() -> None:
    # Given four prospects: two reached by e-mail (one replied), one with a LinkedIn task only,
    # one not reached yet; and one removed after two e-mails and a reply
    enrollments = [
        _enrollment(_sent(1), _sent(2, LINKEDIN, None), _sent(3), replied_step=3),
        _enrollment(_sent(1)),
        _enrollment(_sent(1, LINKEDIN, None)),
        _enrollment(),
        _enrollment(_sent(1), _sent(2), replied_step=2, status=EnrollmentStatus.REMOVED),
    ]
    campaigns = [
        _campaign(CampaignStatus.ACTIVE),
        _campaign(CampaignStatus.PAUSED),
        _campaign(CampaignStatus.ACTIVE),
    ]

    result = overview(enrollments, campaigns)

    # Then the removed one counts nowhere, manual steps count as interactions but not as contacts
    assert result.prospects == 4
    assert result.contacted == 2
    assert result.interactions == 5
    assert result.replied == 1
    assert result.reply_rate == 0.5
    assert result.active_campaigns == 2


def test_the_reply_rate_is_over_the_contacted_prospects_only() -> None:
    # A lead that answered a LinkedIn task alone replied, but was never sent a message we can rate
    enrollments = [
        _enrollment(_sent(1, LINKEDIN, None), replied_step=1),
        _enrollment(_sent(1)),
        _enrollment(_sent(1)),
        _enrollment(_sent(1), replied_step=1),
    ]
    result = overview(enrollments, [])
    assert (result.contacted, result.replied) == (3, 2)
    assert result.reply_rate == 0.3333


def test_an_empty_overview_is_all_zeros() -> None:
    result = overview([], [])
    assert result.model_dump() == {
        "prospects": 0,
        "contacted": 0,
        "interactions": 0,
        "replied": 0,
        "reply_rate": 0.0,
        "positive_replied": 0,
        "positive_reply_rate": 0.0,
        "declined": 0,
        "opted_out": 0,
        "out_of_office": 0,
        "opened": 0,
        "bounced": 0,
        "active_campaigns": 0,
    }


def test_opens_and_bounces_are_the_providers_reports_of_the_campaigns_in_scope() -> None:
    # Given two campaigns whose messages were opened and bounced, and a third not in scope
    spring, autumn, other = (_campaign(CampaignStatus.ACTIVE) for _ in range(3))
    deliveries = {
        spring.id: {"delivered": 9, "read": 4, "bounced": 1},
        autumn.id: {"read": 2},
        other.id: {"read": 50, "bounced": 50},
    }

    # When the overview covers the first two
    result = overview([], [spring, autumn], deliveries)

    # Then their opens and bounces are added up, apart from the replies
    assert (result.opened, result.bounced) == (6, 1)


# --- funnel --------------------------------------------------------------------------------------------
def test_the_funnel_narrows_stage_by_stage() -> None:
    # Given ten prospects at different points, and one removed
    leads: dict[str, Lead] = {}

    def enrolled(
        lead_status: LeadStatus | None, *sent: SentStep, replied: int | None = None, intent: str | None = None
    ) -> Enrollment:
        enrollment = _enrollment(*sent, replied_step=replied)
        if lead_status is not None:
            leads[enrollment.lead_id] = _lead(enrollment.lead_id, lead_status, intent)
        return enrollment

    enrollments = [
        enrolled(LeadStatus.NEW),  # not contacted yet
        enrolled(LeadStatus.NEW, _sent(1, LINKEDIN, None)),  # a task only: not contacted
        enrolled(LeadStatus.CONTACTED, _sent(1)),
        enrolled(LeadStatus.CONTACTED, _sent(1), _sent(2)),
        enrolled(LeadStatus.CONTACTED, _sent(1), replied=1),  # replied, no meeting
        enrolled(LeadStatus.CONTACTED, _sent(1), replied=1, intent="meeting_request"),  # meeting asked
        enrolled(LeadStatus.QUALIFIED, _sent(1), _sent(2), replied=2),  # meeting
        enrolled(LeadStatus.CONVERTED, _sent(1), replied=1),  # converted
        enrolled(None, _sent(1), replied=1),  # lead deleted since: counts up to replied
        # Converted, but never replied to a message: not in the replied stage, so not beyond
        enrolled(LeadStatus.CONVERTED, _sent(1)),
        _enrollment(_sent(1), replied_step=1, status=EnrollmentStatus.REMOVED),
    ]

    result = funnel(enrollments, leads)

    assert result.stages == [
        FunnelStage(stage="enrolled", count=10, rate_from_previous=None),
        FunnelStage(stage="contacted", count=8, rate_from_previous=0.8),
        FunnelStage(stage="replied", count=5, rate_from_previous=0.625),
        FunnelStage(stage="meeting", count=3, rate_from_previous=0.6),
        FunnelStage(stage="converted", count=1, rate_from_previous=0.3333),
    ]


@pytest.mark.parametrize(
    ("status", "intent", "meeting"),
    [
        (LeadStatus.PROPOSAL, None, True),
        (LeadStatus.QUALIFIED, "question", True),
        (LeadStatus.CONTACTED, "interested", False),
        (LeadStatus.LOST, "meeting_request", True),
        (LeadStatus.LOST, None, False),
    ],
)
def test_a_meeting_is_the_intent_or_a_status_past_the_first_reply(
    status: LeadStatus, intent: str | None, meeting: bool
) -> None:
    enrollment = _enrollment(_sent(1), replied_step=1)
    result = funnel([enrollment], {enrollment.lead_id: _lead(enrollment.lead_id, status, intent)})
    assert result.stages[3].count == int(meeting)


def test_an_empty_funnel_has_its_five_stages_at_zero() -> None:
    result = funnel([], {})
    assert [(s.stage, s.count, s.rate_from_previous) for s in result.stages] == [
        ("enrolled", 0, None),
        ("contacted", 0, 0.0),
        ("replied", 0, 0.0),
        ("meeting", 0, 0.0),
        ("converted", 0, 0.0),
    ]


# --- steps ---------------------------------------------------------------------------------------------
def test_each_send_counts_for_its_step_and_a_reply_for_the_step_it_followed() -> None:
    enrollments = [
        _enrollment(_sent(1), _sent(2, LINKEDIN, None), _sent(3), replied_step=3),
        _enrollment(_sent(1), _sent(2, LINKEDIN, None), replied_step=2),
        _enrollment(_sent(1), replied_step=1),
        _enrollment(_sent(1)),
    ]

    report = steps(enrollments)

    assert [(s.step, s.channel, s.sent, s.replied, s.reply_rate) for s in report.steps] == [
        (1, "email", 4, 1, 0.25),
        (2, "linkedin", 2, 1, 0.5),
        (3, "email", 1, 1, 1.0),
    ]
    assert {(s.scenario_id, s.scenario_version, s.campaign_id) for s in report.steps} == {
        ("connexion-douce", 1, None)
    }


def test_steps_are_apart_per_scenario_version_and_sorted() -> None:
    enrollments = [
        _enrollment(_sent(2), _sent(1), scenario=("relance-douce", 1)),
        _enrollment(_sent(1), scenario=("01JSSSSSSSSSSSSSSSSSSSSSSS", 2)),
        _enrollment(_sent(1), scenario=("01JSSSSSSSSSSSSSSSSSSSSSSS", 1)),
        _enrollment(_sent(1), scenario=("connexion-douce", 1)),
    ]
    report = steps(enrollments)
    assert [(s.scenario_id, s.scenario_version, s.step) for s in report.steps] == [
        ("01JSSSSSSSSSSSSSSSSSSSSSSS", 1, 1),
        ("01JSSSSSSSSSSSSSSSSSSSSSSS", 2, 1),
        ("connexion-douce", 1, 1),
        ("relance-douce", 1, 1),
        ("relance-douce", 1, 2),
    ]


def test_steps_by_campaign_keep_each_campaign_apart() -> None:
    enrollments = [
        _enrollment(_sent(1), replied_step=1, campaign="camp-b"),
        _enrollment(_sent(1), campaign="camp-a"),
        _enrollment(_sent(1), campaign="camp-b"),
    ]
    together = steps(enrollments)
    apart = steps(enrollments, by_campaign=True)
    assert [(s.campaign_id, s.sent, s.replied) for s in together.steps] == [(None, 3, 1)]
    assert [(s.campaign_id, s.sent, s.replied) for s in apart.steps] == [("camp-a", 1, 0), ("camp-b", 2, 1)]


def test_a_removed_prospects_messages_still_count_in_the_steps() -> None:
    report = steps([_enrollment(_sent(1), replied_step=1, status=EnrollmentStatus.REMOVED)])
    assert [(s.sent, s.replied) for s in report.steps] == [(1, 1)]


def test_a_reply_is_credited_to_the_template_of_the_step_it_followed() -> None:
    enrollments = [
        _enrollment(_sent(1, source=TEMPLATE, template_id=TPL_A), _sent(2, source=AI), replied_step=2),
        _enrollment(_sent(1, source=TEMPLATE, template_id=TPL_A), replied_step=1),
        _enrollment(_sent(1, source=TEMPLATE, template_id=TPL_B), _sent(2, source=DEFAULT)),
        _enrollment(_sent(1, source=AI), _sent(2, LINKEDIN, None), replied_step=2),
    ]

    report = steps(enrollments)

    # AI and default messages are grouped by source alone; the LinkedIn task has no source: left out
    assert [(t.source, t.template_id, t.sent, t.replied, t.reply_rate) for t in report.templates] == [
        ("ai", None, 2, 1, 0.5),
        ("default", None, 1, 0, 0.0),
        ("template", TPL_A, 2, 1, 0.5),
        ("template", TPL_B, 1, 0, 0.0),
    ]


def test_a_template_id_on_an_ai_message_does_not_split_the_ai_messages() -> None:
    report = steps([_enrollment(_sent(1, source=AI, template_id=TPL_A)), _enrollment(_sent(1, source=AI))])
    assert [(t.source, t.template_id, t.sent) for t in report.templates] == [("ai", None, 2)]


def test_a_retried_step_credits_the_reply_once_to_the_send_before_it() -> None:
    first = SentStep(step=1, channel=EMAIL, source=DEFAULT, at=T0)
    retry = SentStep(step=1, channel=EMAIL, source=AI, at=T0 + D)
    enrollment = _enrollment(first, retry)
    enrollment.replied_at, enrollment.replied_step = T0 + timedelta(hours=5), 1

    report = steps([enrollment])

    assert [(s.sent, s.replied) for s in report.steps] == [(2, 1)]
    assert [(t.source, t.replied) for t in report.templates] == [("ai", 0), ("default", 1)]


def test_a_reply_without_a_step_sent_is_left_out() -> None:
    enrollment = _enrollment(_sent(1))
    enrollment.replied_at, enrollment.replied_step = T0 + 5 * D, 3
    report = steps([enrollment])
    assert [(s.step, s.sent, s.replied) for s in report.steps] == [(1, 1, 0)]


# --- top messages --------------------------------------------------------------------------------------
def _scenario(scenario_id: str = "connexion-douce", version: int = 1) -> Scenario:
    return Scenario(
        id=scenario_id,
        version=version,
        name="Connexion Douce",
        steps=[
            ScenarioStep(order=1, delay_days=0, channel=EMAIL, objective="Se présenter"),
            ScenarioStep(order=2, delay_days=3, channel=SMS, objective="Rappel bref"),
        ],
        predefined=True,
        created_at=T0,
    )


def _batch(
    sent: int, replied: int, step: int = 1, source: MessageSource = AI, template_id: str | None = None
) -> list[Enrollment]:
    """``sent`` enrollments that got the step message, ``replied`` of them replied to it.

    Only the step itself is in ``sent``: earlier steps would be ranked too and blur the expectation.
    """
    channel = SMS if step == 2 else EMAIL
    extra = {} if template_id is None else {"template_id": template_id}
    return [
        _enrollment(_sent(step, channel, source, **extra), replied_step=step if i < replied else None)
        for i in range(sent)
    ]


def test_top_messages_rank_by_reply_rate_then_sends_with_the_steps_objective() -> None:
    enrollments = [
        *_batch(10, 2, step=1, source=AI),  # 20 %
        *_batch(5, 2, step=1, source=TEMPLATE, template_id=TPL_A),  # 40 %
        *_batch(8, 2, step=2, source=AI),  # 25 %
        *_batch(4, 4, step=2, source=DEFAULT),  # 100 % but too few sends to tell
        *_batch(20, 5, step=2, source=TEMPLATE, template_id=TPL_B),  # 25 %, more sends than the AI's
    ]

    result = top_messages(enrollments, {("connexion-douce", 1): _scenario()})

    assert result.min_sent == 5
    assert [(m.step, m.source, m.template_id, m.sent, m.replied, m.reply_rate) for m in result.items] == [
        (1, "template", TPL_A, 5, 2, 0.4),
        (2, "template", TPL_B, 20, 5, 0.25),
        (2, "ai", None, 8, 2, 0.25),
        (1, "ai", None, 10, 2, 0.2),
    ]
    assert [(m.channel, m.objective) for m in result.items] == [
        ("email", "Se présenter"),
        ("sms", "Rappel bref"),
        ("sms", "Rappel bref"),
        ("email", "Se présenter"),
    ]


def test_top_messages_honour_the_minimum_and_the_limit() -> None:
    enrollments = [*_batch(3, 1, source=AI), *_batch(2, 2, step=2, source=AI)]
    assert [m.sent for m in top_messages(enrollments, {}, min_sent=2).items] == [2, 3]
    assert [m.sent for m in top_messages(enrollments, {}, min_sent=3).items] == [3]
    assert [m.sent for m in top_messages(enrollments, {}, min_sent=2, limit=1).items] == [2]
    assert top_messages(enrollments, {}, min_sent=4).items == []


def test_a_message_of_an_unknown_scenario_version_has_no_objective() -> None:
    result = top_messages(_batch(5, 1, source=AI), {("connexion-douce", 2): _scenario(version=2)})
    assert [(m.scenario_version, m.objective) for m in result.items] == [(1, None)]


def test_manual_tasks_are_not_ranked_as_messages() -> None:
    enrollments = [_enrollment(_sent(1, LINKEDIN, None), replied_step=1) for _ in range(6)]
    assert top_messages(enrollments, {}).items == []


# --- replies by kind -----------------------------------------------------------------------------------
def _replied(kind: ReplyKind | None, *sent: SentStep) -> Enrollment:
    return _enrollment(*sent, replied_step=sent[-1].step).model_copy(update={"reply_kind": kind})


def test_the_reply_rate_counts_people_who_answered_and_sets_positives_opt_outs_and_absences_apart() -> None:
    # Given six prospects contacted at step 1: a hot reply, a neutral one, a decline, a reply from
    # before replies had a kind, an opt-out, and one whose absence notice paused it (no reply)
    hot, neutral, declined, older = (
        _replied(kind, _sent(1)) for kind in (ReplyKind.HOT, ReplyKind.NEUTRAL, ReplyKind.DECLINE, None)
    )
    opted_out = _replied(ReplyKind.OPT_OUT, _sent(1))
    away = _enrollment(_sent(1)).model_copy(update={"out_of_office_at": T0 + D})
    prospects = [hot, neutral, declined, older, opted_out, away]
    # When the overview, the funnel and the steps are computed
    result = overview(prospects, [])
    stages = funnel(prospects, {})
    (step,) = steps(prospects).steps
    # Then four of six answered, one positively; the opt-out and the absence are counted apart
    assert (result.replied, result.reply_rate) == (4, 0.6667)
    assert (result.positive_replied, result.positive_reply_rate) == (1, 0.1667)
    assert (result.declined, result.opted_out, result.out_of_office) == (1, 1, 1)
    assert [s.count for s in stages.stages[:3]] == [6, 6, 4]
    assert (stages.positive_replied, stages.opted_out, stages.out_of_office) == (1, 1, 1)
    assert (step.sent, step.replied, step.positive_replied, step.opted_out) == (6, 4, 1, 1)
    assert (step.reply_rate, step.positive_reply_rate) == (0.6667, 0.1667)
