"""The automatic follow-up of the price list: what a message the product sends on its own costs.

A sequence step or an automation's send in auto mode is a follow-up nobody approved one by one; the
price list charges it (``auto_followup``). The exactly-once protocol charges it around the provider
call, keyed on the send's key: reserved once the send is noted, committed when the message may have
left, refunded when it was refused or put off (a deferral keeps nothing reserved while it waits,
and is reserved again when tried). A send retried or resumed under its key settles the reservation
its first try left, so it is charged once. A draft a user approves is the user's send, not charged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.models.budget import Reservation, ReservationState, TokenAction
from maxcore.models.tenant import Mode
from maxcore.services.budget import BudgetService


class FollowUpCharge:
    """Charges one tenant's automatic follow-ups, once per send key."""

    def __init__(self, tenant_id: str, mode: Mode, clock: Callable[[], datetime] = utcnow) -> None:
        self.budget = BudgetService(tenant_id, clock)
        self.mode = mode

    def reserve(self, key: str, sent_by: str) -> Reservation | None:
        """Set the follow-up's tokens aside (``None``: an earlier try under ``key`` paid them).

        Raises
        ------
        InsufficientTokensError
            When the balance does not cover it: the send waits, it never goes for free.
        """
        return self.budget.hold(
            TokenAction.AUTO_FOLLOWUP, key, mode=self.mode, about={"send_key": key, "sent_by": sent_by}
        )

    def left_reserved(self, key: str) -> Reservation | None:
        """The reservation an interrupted try under ``key`` left to settle, if any."""
        held = self.budget.held(TokenAction.AUTO_FOLLOWUP, key)
        return held if held is not None and held.state is ReservationState.RESERVED else None

    def settle(self, reservation: Reservation | None, *, left: bool, outcome: str) -> None:
        """Spend the tokens of a message that may have left; give back those of one that did not."""
        if reservation is None:
            return
        if left:
            self.budget.commit(reservation, outcome)
        else:
            self.budget.refund(reservation, outcome)
