"""What each autonomy mode lets M.A.X. do, for every kind of action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.models.tenant import Mode
from maxcore.rules.modes import ActionKind, ModeDecision, auto_mode_needs_confirmation, decide

READ, SUGGEST, DRAFT, SEND, RUN = (
    ActionKind.READ,
    ActionKind.SUGGEST,
    ActionKind.DRAFT,
    ActionKind.SEND,
    ActionKind.EXECUTE_AUTOMATION,
)

# mode, kind -> (allowed, needs_approval): the whole table, so a new mode or kind fails here first.
TABLE: dict[tuple[Mode, ActionKind], tuple[bool, bool]] = {
    (Mode.ADVISE, READ): (True, False),
    (Mode.ADVISE, SUGGEST): (True, False),
    (Mode.ADVISE, DRAFT): (False, False),
    (Mode.ADVISE, SEND): (False, False),
    (Mode.ADVISE, RUN): (False, False),
    (Mode.ASSISTED, READ): (True, False),
    (Mode.ASSISTED, SUGGEST): (True, False),
    (Mode.ASSISTED, DRAFT): (True, False),
    (Mode.ASSISTED, SEND): (True, True),
    (Mode.ASSISTED, RUN): (True, True),
    (Mode.AUTO, READ): (True, False),
    (Mode.AUTO, SUGGEST): (True, False),
    (Mode.AUTO, DRAFT): (True, False),
    (Mode.AUTO, SEND): (True, False),
    (Mode.AUTO, RUN): (True, False),
}


def test_the_table_covers_every_mode_and_every_kind() -> None:
    assert set(TABLE) == {(mode, kind) for mode in Mode for kind in ActionKind}


@pytest.mark.parametrize(("mode", "kind"), sorted(TABLE), ids=lambda v: str(v))
def test_decide(mode: Mode, kind: ActionKind) -> None:
    # Given a tenant in `mode`, When an action of `kind` asks, Then the decision is the table's
    decision = decide(mode, kind)
    assert (decision.allowed, decision.needs_approval) == TABLE[mode, kind]
    # and its reason names the mode, so a refusal explains itself
    assert mode.value in decision.reason


@pytest.mark.parametrize("kind", [SEND, RUN])
def test_advise_refuses_sends_and_runs_even_approved(kind: ActionKind) -> None:
    assert decide(Mode.ADVISE, kind).permits(approved=True) is False
    assert decide(Mode.ADVISE, kind).permits(approved=False) is False


@pytest.mark.parametrize("kind", [SEND, RUN])
def test_assisted_lets_sends_and_runs_through_only_approved(kind: ActionKind) -> None:
    assert decide(Mode.ASSISTED, kind).permits(approved=False) is False
    assert decide(Mode.ASSISTED, kind).permits(approved=True) is True
    assert "approval" in decide(Mode.ASSISTED, kind).reason


def test_auto_needs_no_approval() -> None:
    assert all(decide(Mode.AUTO, kind).permits(approved=False) for kind in ActionKind)


def test_a_decision_is_a_value() -> None:
    assert decide(Mode.AUTO, SEND) == decide(Mode.AUTO, SEND)
    assert isinstance(decide(Mode.AUTO, SEND), ModeDecision)


CONFIRMED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "requested", "confirmed_at", "needed"),
    [
        (Mode.ASSISTED, Mode.AUTO, None, True),
        (Mode.ADVISE, Mode.AUTO, None, True),
        (Mode.ASSISTED, Mode.AUTO, CONFIRMED, False),  # confirmed once: back to auto freely
        (Mode.AUTO, Mode.AUTO, None, False),  # not a switch
        (Mode.AUTO, Mode.ADVISE, None, False),
        (Mode.ADVISE, Mode.ASSISTED, None, False),
        (Mode.ASSISTED, Mode.ADVISE, None, False),
    ],
)
def test_only_the_first_switch_to_auto_needs_a_confirmation(
    current: Mode, requested: Mode, confirmed_at: datetime | None, needed: bool
) -> None:
    assert auto_mode_needs_confirmation(current, requested, confirmed_at) is needed
