"""Several e-mail senders per tenant: the list checked, and the order a send tries them in.

Each sender has a daily limit counted on the tenant's day. A send tries the active senders from the
least used today (ties: the order the tenant listed them), so the senders take turns and a new or
raised limit is filled first; a same-thread follow-up tries only its thread's sender, whose change
of address an inbox would find odd.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from maxcore.models.channel import EmailSender
from maxcore.models.contact import ContactFormatError, normalize_email


class SenderListError(ValueError):
    """A sender of the list cannot be kept: its position and why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"sender {index}: {reason}")
        self.index = index
        self.reason = reason


def checked_senders(senders: Sequence[EmailSender]) -> list[EmailSender]:
    """The senders with their addresses normalised.

    Raises
    ------
    SenderListError
        The first sender whose address is not one, or is listed twice.
    """
    seen: set[str] = set()
    checked = []
    for index, sender in enumerate(senders):
        try:
            address = normalize_email(sender.address)
        except ContactFormatError as exc:
            raise SenderListError(index, str(exc)) from exc
        if address in seen:
            raise SenderListError(index, f"{address} is listed twice")
        seen.add(address)
        checked.append(sender.model_copy(update={"address": address}))
    return checked


def turn_order(
    senders: Sequence[EmailSender], sent_today: Mapping[str, int], pinned: str | None = None
) -> list[EmailSender]:
    """The senders a send tries, in order: the active ones with room today, least used first.

    Parameters
    ----------
    senders
        The tenant's senders, in the order it listed them (which breaks ties).
    sent_today
        E-mails each address sent on the tenant's current day (absent: none).
    pinned
        A thread's sender: when it is still an active sender, it is the only one tried (full, it
        leaves nothing: the follow-up waits rather than arrive from another address).

    Returns
    -------
    list[EmailSender]
        Possibly empty: every sender is full (or inactive) today.
    """
    active = [s for s in senders if s.active]
    if pinned is not None and any(s.address == pinned for s in active):
        active = [s for s in active if s.address == pinned]
    with_room = [s for s in active if sent_today.get(s.address, 0) < s.daily_limit]
    return sorted(with_room, key=lambda s: sent_today.get(s.address, 0))
