"""The AI token cost of a campaign's coming days (pure): which steps fall due, and what the model charges.

A running prospect reaches its current step when it is due (at once when overdue), then each next
step ``delay_days`` later, at the campaign's next open time, as the sequencer schedules them. Every
step reached is counted as if it went: a reply, an opt-out or a refusal on the way only lowers the
cost. A step that sends a message costs what the model charges for writing it (a template costs
nothing), plus the automatic follow-up when the tenant's mode sends it on its own (auto); a step
nothing can write, or a manual one (a call, LinkedIn), becomes a task and costs nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from maxcore.models.budget import ActionPrice, StepCost, TokenAction
from maxcore.models.prospection import (
    Enrollment,
    EnrollmentStatus,
    MessageSource,
    Scenario,
    ScenarioStep,
    StepChannel,
)
from maxcore.models.tenant import Mode
from maxcore.rules.budget import ai_message_action
from maxcore.rules.send_window import Window, add_local_days, next_open

COST_HORIZON = timedelta(days=7)
"""How far ahead a campaign's cost is estimated."""


def steps_due(
    e: Enrollment, scenario: Scenario, window: Window, timezone: str, now: datetime, until: datetime
) -> list[ScenarioStep]:
    """The steps a prospect reaches from ``now`` until ``until``; none when it is not running."""
    if e.status is not EnrollmentStatus.ACTIVE or e.next_action_at is None:
        return []
    due = max(e.next_action_at, now)
    reached: list[ScenarioStep] = []
    step = scenario.step(e.current_step)
    while step is not None and due < until:
        reached.append(step)
        step = scenario.step(step.order + 1)
        if step is not None:
            due = next_open(window, add_local_days(due, step.delay_days, timezone))
    return reached


def unit_cost(
    channel: StepChannel,
    source: MessageSource | None,
    mode: Mode,
    prices: Mapping[TokenAction, ActionPrice],
) -> int:
    """Tokens one prospect's step on ``channel`` costs when its message comes from ``source``
    (``None``: nothing can write it) in ``mode``."""
    if source is None or channel.is_manual:
        return 0
    written = prices[ai_message_action(channel)].cost if source is MessageSource.AI else 0
    sent_on_its_own = prices[TokenAction.AUTO_FOLLOWUP].cost if mode is Mode.AUTO else 0
    return written + sent_on_its_own


def cost_by_step(
    planned: Iterable[tuple[ScenarioStep, MessageSource | None]],
    mode: Mode,
    prices: Mapping[TokenAction, ActionPrice],
) -> list[StepCost]:
    """The planned steps counted and priced per step, channel and source, in step order."""
    counts = Counter((step.order, step.channel, source) for step, source in planned)
    lines = []
    for (order, channel, source), due in sorted(counts.items(), key=_step_order):
        each = unit_cost(channel, source, mode, prices)
        lines.append(
            StepCost(step=order, channel=channel, source=source, due=due, unit_cost=each, cost=each * due)
        )
    return lines


def _step_order(line: tuple[tuple[int, StepChannel, MessageSource | None], int]) -> tuple[int, str, str]:
    (order, channel, source), _ = line
    return order, channel.value, "" if source is None else source.value
