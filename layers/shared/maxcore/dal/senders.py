"""The e-mail sender repository: each sender's count of the day, and the sender each send took.

A send takes a slot of one sender in one transaction: the pick, keyed by the send's key, is put only
if absent, and the sender's counter of the day is added to only below its limit. A worker that dies
after it leaves both written (the resumed send finds the pick and counts nothing more); one that dies
before leaves neither. A second try of the same key reads the pick: same sender, counted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.channels import COUNTER_TTL_SECONDS
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import SendCounterItem, SenderPickItem
from maxcore.models.channel import SenderSlot

PICK_TTL_SECONDS = 7 * 24 * 3600
"""A pick outlives a deferred or resumed send of the same key by days, then the TTL deletes it."""


class SenderTakenError(Exception):
    """Another try of the same send took its slot first: read its pick."""


class SenderRepository(TenantRepository):
    """The e-mail senders' daily counters and the sender each send took, of one tenant."""

    def picked(self, send_key: str) -> SenderSlot | None:
        """AP26b: the sender a send already took a slot of, or ``None`` (one GetItem)."""
        try:
            item = SenderPickItem.get(
                keys.send_counter_pk(self.tenant_id), keys.sender_pick_sk(send_key), consistent_read=True
            )
        except DoesNotExist:
            return None
        return SenderSlot(address=item.address, day=item.day)

    def sent_on(self, day: str, addresses: Iterable[str]) -> dict[str, int]:
        """AP26b: e-mails each of ``addresses`` counted on ``day`` (one BatchGetItem, at most 10 keys);
        an address that sent nothing that day is absent."""
        prefix = keys.sender_counters_prefix(day)
        pk = keys.send_counter_pk(self.tenant_id)
        wanted = [(pk, keys.sender_counter_sk(day, a)) for a in dict.fromkeys(addresses)]
        return {
            item.SK.removeprefix(prefix): int(item.sent or 0)
            for item in SendCounterItem.batch_get(wanted, consistent_read=True)
        }

    def take(self, send_key: str, slot: SenderSlot, limit: int, now: datetime) -> bool:
        """AP26b: count one e-mail on the sender of ``slot`` and keep it as the send's pick, atomically.

        ``False`` when the sender is at ``limit`` (nothing written).

        Raises
        ------
        SenderTakenError
            The send already has a pick (another try of it won a race): nothing written.
        """
        pick = SenderPickItem(
            keys.send_counter_pk(self.tenant_id),
            keys.sender_pick_sk(send_key),
            address=slot.address,
            day=slot.day,
            expires_at=int(now.timestamp()) + PICK_TTL_SECONDS,
        )
        counter = self._counter(slot)
        try:
            with self._transaction() as tx:
                tx.save(pick, condition=SenderPickItem.SK.does_not_exist())
                tx.update(
                    counter,
                    actions=[
                        SendCounterItem.sent.add(1),
                        SendCounterItem.expires_at.set(int(now.timestamp()) + COUNTER_TTL_SECONDS),
                    ],
                    condition=SendCounterItem.sent.does_not_exist() | (SendCounterItem.sent < limit),
                )
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            reasons = exc.cancellation_reasons or []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                raise SenderTakenError(send_key) from exc
            return False
        return True

    def give_back(self, send_key: str, slot: SenderSlot) -> None:
        """AP26b: a send that did not leave frees its slot and its pick (the next try chooses again)."""
        try:
            with self._transaction() as tx:
                tx.delete(
                    SenderPickItem(keys.send_counter_pk(self.tenant_id), keys.sender_pick_sk(send_key)),
                    condition=SenderPickItem.SK.exists(),
                )
                tx.update(
                    self._counter(slot),
                    actions=[SendCounterItem.sent.add(-1)],
                    condition=SendCounterItem.sent > 0,
                )
        except TransactWriteError as exc:
            # Already given back (or its counter expired): nothing left to free.
            if not condition_failed(exc):
                raise

    def _counter(self, slot: SenderSlot) -> SendCounterItem:
        return SendCounterItem(
            keys.send_counter_pk(self.tenant_id), keys.sender_counter_sk(slot.day, slot.address)
        )
