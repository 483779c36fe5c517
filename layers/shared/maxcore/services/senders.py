"""Which of the tenant's e-mail senders an e-mail goes from: in turn, within each one's daily limit.

A send's turn is taken once for its key (:class:`~maxcore.dal.senders.SenderRepository`): a retried
or resumed send of the exactly-once protocol finds the sender it took and counts nothing more; a
send that did not leave gives its slot back, and its next try chooses again. The day is the tenant's,
in its time zone. When no sender has room, :class:`~maxcore.errors.SenderLimitError` says when the
limits reset: the scheduled sends defer to then, never over a limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from maxcore.dal.senders import SenderRepository, SenderTakenError
from maxcore.errors import SenderLimitError
from maxcore.models.channel import EmailSender, SenderSlot
from maxcore.rules.send_window import day_bounds, local_day
from maxcore.rules.senders import turn_order


@dataclass(frozen=True)
class SenderTurn:
    """The sender a send goes from, the day it counted on, and whether this try counted it."""

    sender: EmailSender
    slot: SenderSlot
    counted: bool
    """``False`` when an earlier try of the same send took the slot (nothing to give back here)."""


class SenderRotation:
    """The e-mail senders of one tenant, taken in turn."""

    def __init__(self, tenant_id: str) -> None:
        self.repository = SenderRepository(tenant_id)

    def take(
        self,
        senders: Sequence[EmailSender],
        send_key: str,
        now: datetime,
        timezone: str,
        pinned: str | None = None,
    ) -> SenderTurn:
        """The sender of the send ``send_key``: the one it took already, else the next with room.

        A first try costs the day's counters (one BatchGetItem) and the take (one transaction); the
        pick of an earlier try is read only when the take's condition finds it, or no sender has room.

        Parameters
        ----------
        senders
            The e-mail channel's senders, as listed.
        send_key
            The send's idempotency key (every try of the send shares it).
        now
            The instant of the send.
        timezone
            The tenant's time zone: a limit counts its calendar day.
        pinned
            The address of the thread a follow-up continues: only it is tried while it is active.

        Raises
        ------
        SenderLimitError
            Every sender the send may go from is full today; ``details["resets_at"]`` is when the
            next day starts.
        """
        day = local_day(now, timezone)
        sent_today = self.repository.sent_on(day, (s.address for s in senders))
        for sender in turn_order(senders, sent_today, pinned):
            slot = SenderSlot(address=sender.address, day=day)
            try:
                if self.repository.take(send_key, slot, sender.daily_limit, now):
                    return SenderTurn(sender, slot, counted=True)
            except SenderTakenError:
                # An earlier try of this very send took a turn (the take's condition says so, with
                # no read before it): it is this send's sender.
                taken = self._taken(senders, send_key)
                if taken is not None:
                    return taken
        # No sender had room, or none may be tried: an earlier try's sender stays this send's.
        taken = self._taken(senders, send_key)
        if taken is not None:
            return taken
        resets_at = day_bounds(date.fromisoformat(day) + timedelta(days=1), timezone)[0]
        raise SenderLimitError(
            "every e-mail sender has reached its daily limit; sending resumes tomorrow",
            {"day": day, "resets_at": resets_at.isoformat(), "pinned": pinned},
        )

    def give_back(self, send_key: str, turn: SenderTurn) -> None:
        """Free the slot of a send that did not leave, so that its next try chooses again."""
        if turn.counted:
            self.repository.give_back(send_key, turn.slot)

    def _taken(self, senders: Sequence[EmailSender], send_key: str) -> SenderTurn | None:
        picked = self.repository.picked(send_key)
        if picked is None:
            return None
        # The sender it took stays its sender even if it was removed since: the provider
        # deduplicates a resumed send only when it is the same e-mail.
        listed = next((s for s in senders if s.address == picked.address), None)
        return SenderTurn(listed or EmailSender(address=picked.address), picked, counted=False)


@dataclass
class SenderHold:
    """A send's turn of a sender, given back at most once if the send does not leave."""

    rotation: SenderRotation
    send_key: str
    turn: SenderTurn
    released: bool = False

    def release(self) -> None:
        """Give the turn back (once)."""
        if not self.released:
            self.rotation.give_back(self.send_key, self.turn)
            self.released = True
