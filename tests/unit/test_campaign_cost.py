"""A campaign's token cost ahead: the steps its running prospects reach in 7 days, priced by source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.budget import DEFAULT_PRICES, TokenAction
from maxcore.models.prospection import (
    Enrollment,
    EnrollmentStatus,
    MessageSource,
    Scenario,
    ScenarioStep,
    StepChannel,
)
from maxcore.models.tenant import Mode, SendWindow
from maxcore.rules.campaign_cost import COST_HORIZON, cost_by_step, steps_due, unit_cost
from maxcore.rules.send_window import Window

PARIS = "Europe/Paris"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVERY_DAY = Window.of(SendWindow(days=[0, 1, 2, 3, 4, 5, 6], start="09:00", end="18:00"), PARIS)
WEEKDAYS = Window.of(SendWindow(), PARIS)


def _scenario(*delays: int, channel: StepChannel = StepChannel.EMAIL) -> Scenario:
    steps = [
        ScenarioStep(order=n, delay_days=d, channel=channel, objective=f"step {n}")
        for n, d in enumerate(delays, 1)
    ]
    return Scenario(id="S", version=1, name="Relance", steps=steps, created_at=MON_1000_PARIS)


def _prospect(
    step: int, due: datetime | None, status: EnrollmentStatus = EnrollmentStatus.ACTIVE
) -> Enrollment:
    return Enrollment(
        campaign_id="C",
        lead_id="L",
        scenario_id="S",
        scenario_version=1,
        status=status,
        current_step=step,
        next_action_at=due,
        enrolled_at=MON_1000_PARIS - timedelta(days=3),
        updated_at=MON_1000_PARIS,
    )


def _orders(e: Enrollment, scenario: Scenario, window: Window = EVERY_DAY) -> list[int]:
    now = MON_1000_PARIS
    return [s.order for s in steps_due(e, scenario, window, PARIS, now, now + COST_HORIZON)]


def test_a_prospect_reaches_each_step_whose_delay_falls_within_the_week() -> None:
    # Given steps 0, 3, 3 and 5 days apart, the prospect due now at its first step
    scenario = _scenario(0, 3, 3, 5)
    # Then it reaches steps 1 (today), 2 (day 3) and 3 (day 6); step 4 (day 11) is past the week
    assert _orders(_prospect(1, MON_1000_PARIS), scenario) == [1, 2, 3]


def test_an_overdue_step_counts_from_now_and_a_far_one_not_at_all() -> None:
    scenario = _scenario(0, 7)
    assert _orders(_prospect(1, MON_1000_PARIS - timedelta(days=2)), scenario) == [1]
    assert _orders(_prospect(2, MON_1000_PARIS + timedelta(days=8)), scenario) == []


def test_the_next_step_waits_for_the_campaigns_next_open_time() -> None:
    # Given a weekday window and a step due on Friday, the next one two days later (Sunday: closed)
    friday = MON_1000_PARIS + timedelta(days=4)
    scenario = _scenario(0, 2, 1)
    # Then step 2 goes on Monday, and step 3 on Tuesday, eight days from now: out of the week
    assert _orders(_prospect(1, friday), scenario, WEEKDAYS) == [1, 2]


@pytest.mark.parametrize(
    "status", [EnrollmentStatus.PAUSED, EnrollmentStatus.COMPLETED, EnrollmentStatus.STOPPED]
)
def test_a_prospect_not_running_reaches_nothing(status: EnrollmentStatus) -> None:
    assert _orders(_prospect(1, MON_1000_PARIS, status), _scenario(0, 1)) == []


def test_in_assisted_mode_only_a_message_the_model_writes_costs_tokens_at_its_channels_price() -> None:
    # Given drafts a user approves (no automatic follow-up), the model's writing is all that costs
    whatsapp = DEFAULT_PRICES[TokenAction.WHATSAPP_MESSAGE].cost
    other = DEFAULT_PRICES[TokenAction.SCHEDULED_AI_MESSAGE].cost
    assisted = Mode.ASSISTED
    assert unit_cost(StepChannel.WHATSAPP, MessageSource.AI, assisted, DEFAULT_PRICES) == whatsapp
    assert unit_cost(StepChannel.EMAIL, MessageSource.AI, assisted, DEFAULT_PRICES) == other
    assert unit_cost(StepChannel.WHATSAPP, MessageSource.TEMPLATE, assisted, DEFAULT_PRICES) == 0
    assert unit_cost(StepChannel.CALL, MessageSource.AI, assisted, DEFAULT_PRICES) == 0


def test_in_auto_mode_every_message_sent_costs_the_automatic_follow_up_too() -> None:
    follow_up = DEFAULT_PRICES[TokenAction.AUTO_FOLLOWUP].cost
    whatsapp = DEFAULT_PRICES[TokenAction.WHATSAPP_MESSAGE].cost
    auto = Mode.AUTO
    assert unit_cost(StepChannel.WHATSAPP, MessageSource.AI, auto, DEFAULT_PRICES) == whatsapp + follow_up
    assert unit_cost(StepChannel.SMS, MessageSource.TEMPLATE, auto, DEFAULT_PRICES) == follow_up
    # A step nothing can write, or a manual one, becomes a task: no message, no tokens
    assert unit_cost(StepChannel.SMS, None, auto, DEFAULT_PRICES) == 0
    assert unit_cost(StepChannel.LINKEDIN, MessageSource.TEMPLATE, auto, DEFAULT_PRICES) == 0


def test_the_cost_is_counted_per_step_channel_and_source_in_step_order() -> None:
    # Given three prospects at an AI WhatsApp step 2, two at a template e-mail step 1, one at a step
    # nothing can write, in auto mode
    ai_whatsapp = ScenarioStep(
        order=2, delay_days=1, channel=StepChannel.WHATSAPP, objective="x", ai_prompt="y"
    )
    template_email = ScenarioStep(order=1, delay_days=0, channel=StepChannel.EMAIL, objective="x")
    unwritable = ScenarioStep(order=3, delay_days=1, channel=StepChannel.SMS, objective="x")
    planned: list[tuple[ScenarioStep, MessageSource | None]] = [(ai_whatsapp, MessageSource.AI)] * 3
    planned += [(template_email, MessageSource.TEMPLATE)] * 2 + [(unwritable, None)]
    # When it is priced
    lines = cost_by_step(planned, Mode.AUTO, DEFAULT_PRICES)
    # Then each line says how many reach the step, what one costs, and what they cost together
    ai = unit_cost(StepChannel.WHATSAPP, MessageSource.AI, Mode.AUTO, DEFAULT_PRICES)
    sent = unit_cost(StepChannel.EMAIL, MessageSource.TEMPLATE, Mode.AUTO, DEFAULT_PRICES)
    assert [(x.step, x.channel, x.source, x.due, x.unit_cost, x.cost) for x in lines] == [
        (1, StepChannel.EMAIL, MessageSource.TEMPLATE, 2, sent, 2 * sent),
        (2, StepChannel.WHATSAPP, MessageSource.AI, 3, ai, 3 * ai),
        (3, StepChannel.SMS, None, 1, 0, 0),
    ]
