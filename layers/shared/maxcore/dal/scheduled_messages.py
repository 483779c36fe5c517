"""The scheduled message repository: messages that wait for their time, and the index of those due.

Every write after the first is a conditional Update naming what it expects (the version read for a
rep's change, the claim for a sender's decision), so a change and a send never both win.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor, from_index, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ScheduledMessageItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.scheduled_message import ScheduledMessage, ScheduledState

Item = ScheduledMessageItem


@dataclass(frozen=True)
class Claimed:
    """A message a sender took, and the state it was in (``sending``: a sender died mid-send)."""

    previous: ScheduledState
    message: ScheduledMessage


@dataclass(frozen=True)
class Settlement:
    """What a sender writes on a scheduled message it claimed."""

    state: ScheduledState
    code: str | None = None
    reason: str | None = None
    activity_id: str | None = None
    due_at: datetime | None = None
    """A message put off (``state`` scheduled): when it is tried again."""


class ScheduledMessageRepository(TenantRepository):
    """Scheduled messages of one tenant."""

    def create(self, message: ScheduledMessage) -> None:
        """AP50: store a new scheduled message, on the due index at its time."""
        item = Item(
            keys.scheduled_message_pk(self.tenant_id),
            keys.scheduled_message_sk(message.id),
            message_id=message.id,
            lead_id=message.lead_id,
            channel=message.channel.value,
            template_id=message.template_id,
            variables=message.variables or None,
            body=message.body,
            subject=message.subject,
            send_at=message.send_at,
            due_at=message.send_at,
            state=message.state.value,
            created_by=message.created_by,
            created_at=message.created_at,
            updated_at=message.updated_at,
            version=message.version,
            GSI1PK=keys.scheduled_due_gsi1pk(self.tenant_id),
            GSI1SK=keys.scheduled_due_gsi1sk(to_iso(message.send_at), message.id),
        )
        item.save(condition=Item.PK.does_not_exist())

    def get(self, message_id: str) -> ScheduledMessage:
        """AP50: one scheduled message (consistent); 404 when unknown, another tenant's included."""
        return _message(self._item(message_id))

    def page(
        self, limit: int, cursor: str | None, lead_id: str | None = None, state: ScheduledState | None = None
    ) -> tuple[list[ScheduledMessage], str | None]:
        """AP50: the scheduled messages, newest first, of one lead and in one state when asked.

        One Query of the partition from the cursor on, filtered on the lead and the state, read
        until the page is full (each DynamoDB page is 1 MB at most).
        """
        pk = keys.scheduled_message_pk(self.tenant_id)
        condition: Condition = Item.SK.startswith(keys.SCHEDULED_MESSAGE_PREFIX)
        if cursor is not None:
            condition = Item.SK.between(
                keys.SCHEDULED_MESSAGE_PREFIX, keys.scheduled_message_sk(decode_cursor(cursor))
            )
        wanted: Condition | None = None
        if lead_id is not None:
            wanted = Item.lead_id == lead_id
        if state is not None:
            wanted = (Item.state == state.value) if wanted is None else wanted & (Item.state == state.value)
        found: list[ScheduledMessage] = []
        query = Item.query(pk, condition, filter_condition=wanted, scan_index_forward=False)
        for item in query:
            if not isinstance(item, Item) or item.message_id == cursor:
                continue
            found.append(_message(item))
            if len(found) == limit:
                return found, encode_cursor(item.message_id)
        return found, None

    def change(self, before: ScheduledMessage, changes: dict[str, object], now: datetime) -> ScheduledMessage:
        """AP50: change a message still waiting, conditional on the version read (409 otherwise)."""
        actions: list[Action] = [getattr(Item, name).set(value) for name, value in changes.items()]
        if "send_at" in changes:
            send_at = changes["send_at"]
            assert isinstance(send_at, datetime)
            actions += [
                Item.due_at.set(send_at),
                Item.GSI1SK.set(keys.scheduled_due_gsi1sk(to_iso(send_at), before.id)),
            ]
        return self._rep_write(before, actions, now)

    def cancel(self, before: ScheduledMessage, reason: str, now: datetime) -> ScheduledMessage:
        """AP50: cancel a message still waiting, conditional on the version read; off the due index."""
        actions: list[Action] = [
            Item.state.set(ScheduledState.CANCELLED.value),
            Item.reason.set(reason),
            Item.GSI1PK.remove(),
            Item.GSI1SK.remove(),
        ]
        return self._rep_write(before, actions, now)

    # --- the sender's side ------------------------------------------------------------------------
    def claim(
        self, message_id: str, token: str, lease_until: datetime, now: datetime, due_by: datetime
    ) -> Claimed | None:
        """AP50: take a message for one sender: a waiting one due by ``due_by``, or a ``sending`` one
        whose sender's lease is over at ``now`` (it died). ``None`` when not due, settled, another
        sender's, or unknown. The claim notes the send as started (``sending``) in the same write."""
        waiting = (Item.state == ScheduledState.SCHEDULED.value) & (Item.due_at <= due_by)
        abandoned = (Item.state == ScheduledState.SENDING.value) & (Item.lease_until < now)
        for previous, condition in ((ScheduledState.SCHEDULED, waiting), (ScheduledState.SENDING, abandoned)):
            item = self._sender_write(message_id, condition, self._claimed(message_id, token, lease_until))
            if item is not None:
                return Claimed(previous, _message(item))
        return None

    def settle(self, message_id: str, token: str, settlement: Settlement, now: datetime) -> bool:
        """AP50: write a claimed message's outcome, conditional on the claim; ``False`` when lost.

        A message put off goes back to waiting, on the due index at its new time; any other
        outcome leaves the index.
        """
        actions: list[Action] = [
            Item.state.set(settlement.state.value),
            _set_or_remove(Item.code, settlement.code),
            _set_or_remove(Item.reason, settlement.reason),
            _set_or_remove(Item.activity_id, settlement.activity_id),
            Item.claim_token.remove(),
            Item.lease_until.remove(),
            Item.updated_at.set(now),
            Item.version.add(1),
        ]
        if settlement.due_at is not None:
            actions += [
                Item.due_at.set(settlement.due_at),
                Item.GSI1SK.set(keys.scheduled_due_gsi1sk(to_iso(settlement.due_at), message_id)),
            ]
        else:
            actions += [Item.GSI1PK.remove(), Item.GSI1SK.remove()]
        return self._sender_write(message_id, Item.claim_token == token, actions) is not None

    def overdue(self, bound: datetime) -> Iterator[str]:
        """AP51: the ids of the messages due (or whose sender's lease ended) by ``bound``, oldest first.

        Sparse GSI1: only messages not settled are on it. Eventually consistent: the claim is the
        judge.
        """
        upper = f"{to_iso(bound)}#{keys.DUE_UPPER}"
        entries = Item.gsi1.query(keys.scheduled_due_gsi1pk(self.tenant_id), upper >= Item.GSI1SK)
        for item in from_index(Item, entries):
            if item.state in (ScheduledState.SCHEDULED.value, ScheduledState.SENDING.value):
                yield item.message_id

    # --- helpers ----------------------------------------------------------------------------------
    def _item(self, message_id: str) -> Item:
        try:
            return Item.get(
                keys.scheduled_message_pk(self.tenant_id),
                keys.scheduled_message_sk(message_id),
                consistent_read=True,
            )
        except DoesNotExist as exc:
            raise NotFoundError(
                f"scheduled message {message_id} not found", {"scheduled_message_id": message_id}
            ) from exc

    def _claimed(self, message_id: str, token: str, lease_until: datetime) -> list[Action]:
        return [
            Item.state.set(ScheduledState.SENDING.value),
            Item.claim_token.set(token),
            Item.lease_until.set(lease_until),
            # While it is sending, the index holds the end of the lease: a dead sender's is swept.
            Item.GSI1SK.set(keys.scheduled_due_gsi1sk(to_iso(lease_until), message_id)),
            Item.version.add(1),
        ]

    def _rep_write(self, before: ScheduledMessage, actions: list[Action], now: datetime) -> ScheduledMessage:
        item = Item(keys.scheduled_message_pk(self.tenant_id), keys.scheduled_message_sk(before.id))
        condition = (
            Item.PK.exists()
            & (Item.version == before.version)
            & (Item.state == ScheduledState.SCHEDULED.value)
        )
        try:
            item.update(
                actions=[*actions, Item.updated_at.set(now), Item.version.add(1)], condition=condition
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            now_state = self.get(before.id).state
            if now_state is not ScheduledState.SCHEDULED:
                raise ConflictError(
                    f"the scheduled message is {now_state.value} already: it can no longer change",
                    {"scheduled_message_id": before.id, "state": now_state.value},
                ) from exc
            raise ConflictError(
                "the scheduled message changed meanwhile; read it again", {"scheduled_message_id": before.id}
            ) from exc
        return _message(item)

    def _sender_write(self, message_id: str, condition: Condition, actions: list[Action]) -> Item | None:
        """The item as the write left it; ``None`` when its condition did not hold (or it is gone)."""
        item = Item(keys.scheduled_message_pk(self.tenant_id), keys.scheduled_message_sk(message_id))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return item


def _set_or_remove(attribute: UnicodeAttribute, value: str | None) -> Action:
    return attribute.remove() if value is None else attribute.set(value)


def _message(item: Item) -> ScheduledMessage:
    return ScheduledMessage(
        id=item.message_id,
        lead_id=item.lead_id,
        channel=Channel(item.channel),
        template_id=item.template_id,
        variables=plain(item.variables) or {},
        body=item.body,
        subject=item.subject,
        send_at=item.send_at,
        state=ScheduledState(item.state),
        code=item.code,
        reason=item.reason,
        activity_id=item.activity_id,
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version),
    )
