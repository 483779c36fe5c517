"""What each autonomy mode lets M.A.X. do: pure rules, no I/O.

advise (Conseil): M.A.X. reads, analyses and suggests; nothing is prepared, nothing leaves.
assisted (Assisté): M.A.X. prepares drafts; nothing leaves and nothing runs without a user's approval.
auto (Automatique): M.A.X. sends and runs automations on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from maxcore.models.tenant import Mode


class ActionKind(StrEnum):
    """What an action does, as far as the autonomy modes are concerned."""

    READ = "read"
    """Read CRM data, analyse it (lead scoring, summaries)."""
    SUGGEST = "suggest"
    """Show a recommendation the user may follow or not."""
    DRAFT = "draft"
    """Prepare something that does not leave: a message draft, a template, a scenario, a plan."""
    SEND = "send"
    """Make something leave: an SMS, a WhatsApp message, an e-mail, a Telegram message."""
    EXECUTE_AUTOMATION = "execute_automation"
    """Run an automation or a prospection step (which may send or change data on its own)."""


@dataclass(frozen=True)
class ModeDecision:
    """Whether an action may run in a mode, whether it first needs a user's approval, and why."""

    allowed: bool
    needs_approval: bool
    reason: str

    def permits(self, approved: bool) -> bool:
        """Whether the action may run now, given whether a user approved it."""
        return self.allowed and (approved or not self.needs_approval)


_ALWAYS = frozenset({ActionKind.READ, ActionKind.SUGGEST})


def decide(mode: Mode, kind: ActionKind) -> ModeDecision:
    """Decide whether an action of ``kind`` may run for a tenant in ``mode``.

    Parameters
    ----------
    mode
        The tenant's autonomy mode.
    kind
        What the action does.

    Returns
    -------
    ModeDecision
        ``allowed`` false: the mode refuses the action, approved or not. ``needs_approval`` true: it
        may run only once a user approved it. ``reason`` says why, for the logs and the API.
    """
    if kind in _ALWAYS:
        return ModeDecision(True, False, f"{mode.value} mode: reading and suggesting are always allowed")
    if mode is Mode.ADVISE:
        if kind is ActionKind.DRAFT:
            return ModeDecision(
                False, False, "advise mode only reads and suggests; switch to assisted to get drafts"
            )
        return ModeDecision(
            False,
            False,
            "advise mode only reads and suggests: nothing is sent or run, even approved; "
            "switch to assisted or auto",
        )
    if mode is Mode.ASSISTED:
        if kind is ActionKind.DRAFT:
            return ModeDecision(True, False, "assisted mode: M.A.X. prepares drafts for a user to approve")
        return ModeDecision(True, True, "assisted mode: nothing is sent or run without a user's approval")
    return ModeDecision(True, False, "auto mode: M.A.X. sends and runs automations without approval")


def auto_mode_needs_confirmation(current: Mode, requested: Mode, confirmed_at: datetime | None) -> bool:
    """Whether switching from ``current`` to ``requested`` needs the user's explicit confirmation.

    Only the first switch to auto does: once a user confirmed it, switching back to auto later does not.
    """
    return requested is Mode.AUTO and current is not Mode.AUTO and confirmed_at is None
