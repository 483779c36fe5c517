"""The bulk send repository: a bulk send, its list of lead ids, and one item per recipient.

A bulk send (``TENANT#t#BULK`` / ``BULK#id``) keeps its progress counters, moved with ADD in the same
transaction as the recipient write that changes them, so they are exact and readable while it runs.
Its recipients live in a partition of their own (``TENANT#t#BULK#id`` / ``RCPT#<lead id>``): one
item per lead, put once under a condition; the chunks of a list segment's ids sit there too
(``LIST#00000``...). While it is queued or running, a bulk send is on GSI1 too
(``TENANT#t#BULK#ACTIVE``): the hourly sweep looks for stalled ones there. The items are declared
here rather than in ``items.py``: no other aggregate reads them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import Attribute, BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.alerts import TRANSACTION_ITEMS
from maxcore.dal.attributes import IsoDateTimeAttribute
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor, from_index
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import BaseItem
from maxcore.errors import NotFoundError
from maxcore.models.bulk import BulkProgress, BulkSend, BulkSendState, SegmentView
from maxcore.models.common import Channel

LIST_CHUNK = 2500
"""Lead ids per chunk item of a list segment (65 kB: well under DynamoDB's 400 kB); 10,000 ids are
four chunks, written in one transaction with their bulk send."""

RECIPIENTS_PER_WRITE = TRANSACTION_ITEMS - 1
"""Recipients put in one transaction with the bulk send's update (the counters and the cursor)."""

COUNTERS = ("recipients", "queued", "pending", "sent", "refused")

ACTIVE = (BulkSendState.QUEUED, BulkSendState.RUNNING)
"""The states a bulk send is on the active index in (GSI1)."""


class BulkSendItem(BaseItem, discriminator="BulkSend"):
    """One bulk send, its progress counters and where its segment's resolution stands."""

    bulk_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    channel = UnicodeAttribute()
    template_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    segment = UnicodeAttribute()
    """The segment as JSON."""
    matched = NumberAttribute(null=True)
    resolved = BooleanAttribute(default=False)
    resolved_after = UnicodeAttribute(null=True)
    """The last lead id the resolution went past (leads in id order, a list's ids sorted)."""
    recipients = NumberAttribute(default=0)
    queued = NumberAttribute(default=0)
    pending = NumberAttribute(default=0)
    sent = NumberAttribute(default=0)
    refused = NumberAttribute(default=0)
    next_run_at = IsoDateTimeAttribute(null=True)
    held_by = UnicodeAttribute(null=True)
    """What holds the send until its next run (a code; none when nothing does)."""
    created_by = UnicodeAttribute()
    created_at = IsoDateTimeAttribute()
    updated_at = IsoDateTimeAttribute()


class BulkLeadListItem(BaseItem, discriminator="BulkLeadList"):
    """One chunk of a list segment's lead ids, sorted."""

    lead_ids = ListAttribute[str](default=list)


class BulkRecipientItem(BaseItem, discriminator="BulkRecipient"):
    """One recipient of a bulk send: claimed, noted and settled once."""

    lead_id = UnicodeAttribute()
    state = UnicodeAttribute()
    """``queued``, ``deferred`` (put off until ``not_before``), ``sending``, ``sent``, ``refused``."""
    put_off = BooleanAttribute(default=False)
    """Put off at least once: it counts as ``pending`` rather than ``queued`` until settled."""
    claim_token = UnicodeAttribute(null=True)
    lease_until = IsoDateTimeAttribute(null=True)
    not_before = IsoDateTimeAttribute(null=True)
    code = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    activity_id = UnicodeAttribute(null=True)
    updated_at = IsoDateTimeAttribute()


@dataclass(frozen=True)
class Recipient:
    """One recipient as stored (the worker's view; the report maps its state)."""

    lead_id: str
    state: str
    put_off: bool
    code: str | None
    reason: str | None
    not_before: datetime | None
    activity_id: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Settlement:
    """What a recipient comes to: its new state, why, and how the counters move."""

    state: str
    counters: Mapping[str, int]
    code: str | None = None
    reason: str | None = None
    activity_id: str | None = None
    not_before: datetime | None = None


class BulkSendRepository(TenantRepository):
    """Bulk sends of one tenant."""

    # --- AP52: the bulk send ----------------------------------------------------------------------
    def create(self, bulk: BulkSend, lead_ids: Sequence[str]) -> None:
        """AP52: put a new bulk send and, for a list segment, its sorted lead ids in chunks, together."""
        with self._transaction() as tx:
            tx.save(_bulk_item(self.tenant_id, bulk), condition=BulkSendItem.PK.does_not_exist())
            ordered = sorted(lead_ids)
            for chunk, start in enumerate(range(0, len(ordered), LIST_CHUNK)):
                tx.save(
                    BulkLeadListItem(
                        keys.bulk_recipients_pk(self.tenant_id, bulk.id),
                        keys.lead_list_sk(chunk),
                        lead_ids=ordered[start : start + LIST_CHUNK],
                    )
                )

    def get(self, bulk_id: str) -> tuple[BulkSend, str | None]:
        """AP52: a bulk send (consistent) and the lead id its resolution went past; 404 when unknown."""
        try:
            item = BulkSendItem.get(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(f"bulk send {bulk_id} not found", {"bulk_send_id": bulk_id}) from exc
        return _bulk(item), item.resolved_after

    def page(self, limit: int, cursor: str | None) -> tuple[list[BulkSend], str | None]:
        """AP52: the tenant's bulk sends, newest first."""
        condition: Condition = BulkSendItem.SK.startswith(keys.BULK_SK_PREFIX)
        if cursor is not None:
            condition = BulkSendItem.SK < keys.bulk_sk(decode_cursor(cursor))  # noqa: SIM300
        found = list(
            BulkSendItem.query(
                keys.bulk_pk(self.tenant_id),
                condition,
                scan_index_forward=False,
                limit=limit + 1,
            )
        )
        page = [_bulk(item) for item in found[:limit]]
        return page, encode_cursor(page[-1].id) if len(found) > limit else None

    def change_state(
        self, bulk_id: str, to: BulkSendState, from_states: Sequence[BulkSendState], now: datetime
    ) -> bool:
        """AP52: move the bulk send to ``to`` if it is in one of ``from_states``; ``False`` otherwise."""
        item = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        allowed = BulkSendItem.state.is_in(*(s.value for s in from_states))
        actions: list[Action] = [BulkSendItem.state.set(to.value), BulkSendItem.updated_at.set(now)]
        if to not in ACTIVE:
            actions += _off_active_index()
        return _applied(item, actions, allowed)

    def finish(self, bulk_id: str, now: datetime) -> bool:
        """AP52: running, resolved, and nobody left queued or pending: done."""
        item = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        condition = (
            (BulkSendItem.state == BulkSendState.RUNNING.value)
            & (BulkSendItem.resolved == True)  # noqa: E712 (a condition, not a comparison)
            & (BulkSendItem.queued == 0)
            & (BulkSendItem.pending == 0)
        )
        actions: list[Action] = [
            BulkSendItem.state.set(BulkSendState.DONE.value),
            BulkSendItem.updated_at.set(now),
            BulkSendItem.next_run_at.remove(),
            BulkSendItem.held_by.remove(),
            *_off_active_index(),
        ]
        return _applied(item, actions, condition)

    def plan(self, bulk_id: str, at: datetime | None, now: datetime, held_by: str | None = None) -> None:
        """AP52: note when the next run goes (none: it continues at once or is over), and what holds
        the send until then."""
        item = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        actions = [
            _set_or_remove(BulkSendItem.next_run_at, at),
            _set_or_remove(BulkSendItem.held_by, held_by),
            BulkSendItem.updated_at.set(now),
        ]
        _applied(item, actions, BulkSendItem.PK.exists())

    # --- AP64-AP65: the hourly sweep of stalled bulk sends ----------------------------------------
    def active(self) -> Iterator[BulkSend]:
        """AP64: the bulk sends still queued or running, oldest first (sparse GSI1, then the items
        read consistently: one that ended since the index was read is left out)."""
        entries = BulkSendItem.gsi1.query(keys.bulk_active_gsi1pk(self.tenant_id))
        for item in from_index(BulkSendItem, entries, consistent=True):
            if BulkSendState(item.state) in ACTIVE:
                yield _bulk(item)

    def take_over(self, bulk_id: str, seen: datetime, now: datetime) -> bool:
        """AP65: take over a stalled bulk send, conditional on its not having moved since it was read
        (``updated_at`` still ``seen``, still queued or running); ``False`` when another sweep or a
        run got there first. The planned run it waited for is forgotten: the taker runs it now."""
        item = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        still = BulkSendItem.state.is_in(*(s.value for s in ACTIVE)) & (BulkSendItem.updated_at == seen)
        actions: list[Action] = [
            BulkSendItem.updated_at.set(now),
            BulkSendItem.next_run_at.remove(),
            BulkSendItem.held_by.remove(),
        ]
        return _applied(item, actions, still)

    # --- AP53: resolving the segment into recipients ---------------------------------------------
    def listed_lead_ids(self, bulk_id: str) -> Iterator[str]:
        """AP53: a list segment's lead ids, sorted, chunk after chunk."""
        for chunk in BulkLeadListItem.query(
            keys.bulk_recipients_pk(self.tenant_id, bulk_id),
            BulkLeadListItem.SK.startswith(keys.LEAD_LIST_SK_PREFIX),
        ):
            yield from chunk.lead_ids

    def add_recipients(
        self, bulk_id: str, lead_ids: Sequence[str], went_past: str, was_past: str | None, now: datetime
    ) -> bool:
        """AP53: put ``lead_ids`` as queued recipients and move the cursor and the counters with them.

        Conditional on the cursor still being ``was_past`` and the send still running, and on each
        recipient being new: ``False`` (nothing written) when another worker got there first or the
        send was cancelled.
        """
        pk = keys.bulk_recipients_pk(self.tenant_id, bulk_id)
        bulk = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        where = BulkSendItem.state == BulkSendState.RUNNING.value
        where &= (
            BulkSendItem.resolved_after.does_not_exist()
            if was_past is None
            else BulkSendItem.resolved_after == was_past
        )
        added = len(lead_ids)
        actions: list[Action] = [
            BulkSendItem.resolved_after.set(went_past),
            BulkSendItem.recipients.add(added),
            BulkSendItem.queued.add(added),
            BulkSendItem.updated_at.set(now),
        ]
        try:
            with self._transaction() as tx:
                tx.update(bulk, actions=actions, condition=where)
                for lead_id in lead_ids:
                    recipient = BulkRecipientItem(
                        pk, keys.recipient_sk(lead_id), lead_id=lead_id, state="queued", updated_at=now
                    )
                    tx.save(recipient, condition=BulkRecipientItem.PK.does_not_exist())
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def mark_resolved(self, bulk_id: str, was_past: str | None, now: datetime) -> bool:
        """AP53: every recipient is written down (conditional on the cursor, as :meth:`add_recipients`)."""
        item = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        where = (
            BulkSendItem.resolved_after.does_not_exist()
            if was_past is None
            else BulkSendItem.resolved_after == was_past
        )
        actions: list[Action] = [BulkSendItem.resolved.set(True), BulkSendItem.updated_at.set(now)]
        return _applied(item, actions, where)

    def recipients(
        self, bulk_id: str, states: Sequence[str] | None, limit: int, cursor: str | None
    ) -> tuple[list[Recipient], str | None]:
        """AP53: a page of recipients by lead id, optionally in some states only."""
        condition: Condition = BulkRecipientItem.SK.startswith(keys.RECIPIENT_SK_PREFIX)
        if cursor is not None:
            condition = BulkRecipientItem.SK.between(
                keys.recipient_sk(decode_cursor(cursor)) + "\x00", keys.recipient_sk("\uffff")
            )
        filters = None if states is None else BulkRecipientItem.state.is_in(*states)
        found: list[Recipient] = []
        more = False
        for item in BulkRecipientItem.query(
            keys.bulk_recipients_pk(self.tenant_id, bulk_id),
            condition,
            filter_condition=filters,
            page_size=max(limit + 1, 100),
        ):
            if len(found) == limit:
                more = True
                break
            found.append(_recipient(item))
        return found, encode_cursor(found[-1].lead_id) if more else None

    # --- AP54: claiming and settling one recipient -----------------------------------------------
    def due(self, bulk_id: str, now: datetime) -> Iterator[Recipient]:
        """AP54: the recipients to try now, by lead id: queued, put off until now or earlier, or
        ``sending`` (1 MB pages of the recipients' partition). One another worker holds is among
        them: its claim fails while the lease lasts, which tells the run to come back after it."""
        queued = BulkRecipientItem.state.is_in("queued", "sending")
        deferred = (BulkRecipientItem.state == "deferred") & (BulkRecipientItem.not_before <= now)
        for item in BulkRecipientItem.query(
            keys.bulk_recipients_pk(self.tenant_id, bulk_id),
            BulkRecipientItem.SK.startswith(keys.RECIPIENT_SK_PREFIX),
            filter_condition=queued | deferred,
        ):
            yield _recipient(item)

    def claim(
        self, bulk_id: str, recipient: Recipient, token: str, lease_until: datetime, now: datetime
    ) -> bool:
        """AP54: take a due recipient, as it was read, while the bulk send runs; ``False`` if lost.

        The lease lets a later run take over a recipient whose worker died mid-send.
        """
        item = _recipient_key(self.tenant_id, bulk_id, recipient.lead_id)
        still = BulkRecipientItem.state == recipient.state
        free = BulkRecipientItem.lease_until.does_not_exist() | (BulkRecipientItem.lease_until < now)
        try:
            with self._transaction() as tx:
                tx.condition_check(
                    BulkSendItem,
                    keys.bulk_pk(self.tenant_id),
                    keys.bulk_sk(bulk_id),
                    condition=BulkSendItem.state == BulkSendState.RUNNING.value,
                )
                tx.update(
                    item,
                    actions=[
                        BulkRecipientItem.claim_token.set(token),
                        BulkRecipientItem.lease_until.set(lease_until),
                        BulkRecipientItem.updated_at.set(now),
                    ],
                    condition=still & free,
                )
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def mark_sending(self, bulk_id: str, lead_id: str, token: str, now: datetime) -> bool:
        """AP54: the send starts (noted before the provider call), conditional on the claim."""
        item = _recipient_key(self.tenant_id, bulk_id, lead_id)
        actions: list[Action] = [
            BulkRecipientItem.state.set("sending"),
            BulkRecipientItem.updated_at.set(now),
        ]
        return _applied(item, actions, BulkRecipientItem.claim_token == token)

    def settle(self, bulk_id: str, lead_id: str, token: str, settlement: Settlement, now: datetime) -> bool:
        """AP54: write what the recipient came to and move the counters, together, conditional on the
        claim; ``False`` when another worker took it over."""
        item = _recipient_key(self.tenant_id, bulk_id, lead_id)
        actions: list[Action] = [
            BulkRecipientItem.state.set(settlement.state),
            BulkRecipientItem.claim_token.remove(),
            BulkRecipientItem.lease_until.remove(),
            BulkRecipientItem.updated_at.set(now),
            _set_or_remove(BulkRecipientItem.code, settlement.code),
            _set_or_remove(BulkRecipientItem.reason, settlement.reason),
            _set_or_remove(BulkRecipientItem.activity_id, settlement.activity_id),
            _set_or_remove(BulkRecipientItem.not_before, settlement.not_before),
        ]
        if settlement.state == "deferred":
            actions.append(BulkRecipientItem.put_off.set(True))
        bulk = BulkSendItem(keys.bulk_pk(self.tenant_id), keys.bulk_sk(bulk_id))
        moves: list[Action] = [
            getattr(BulkSendItem, name).add(delta) for name, delta in settlement.counters.items()
        ]
        try:
            with self._transaction() as tx:
                tx.update(item, actions=actions, condition=BulkRecipientItem.claim_token == token)
                if moves:
                    tx.update(bulk, actions=[*moves, BulkSendItem.updated_at.set(now)])
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True


def _applied(item: BaseItem, actions: list[Action], condition: Condition) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return False
    return True


def _off_active_index() -> list[Action]:
    """The actions that take a bulk send off the active index (it is done or cancelled)."""
    return [BulkSendItem.GSI1PK.remove(), BulkSendItem.GSI1SK.remove()]


def _set_or_remove(attribute: Attribute[Any], value: Any) -> Action:
    return attribute.remove() if value is None else attribute.set(value)


def _recipient_key(tenant_id: str, bulk_id: str, lead_id: str) -> BulkRecipientItem:
    return BulkRecipientItem(keys.bulk_recipients_pk(tenant_id, bulk_id), keys.recipient_sk(lead_id))


def _bulk_item(tenant_id: str, bulk: BulkSend) -> BulkSendItem:
    progress = bulk.progress
    active = bulk.state in ACTIVE
    return BulkSendItem(
        keys.bulk_pk(tenant_id),
        keys.bulk_sk(bulk.id),
        GSI1PK=keys.bulk_active_gsi1pk(tenant_id) if active else None,
        GSI1SK=keys.bulk_sk(bulk.id) if active else None,
        bulk_id=bulk.id,
        name=bulk.name,
        state=bulk.state.value,
        channel=bulk.channel.value,
        template_id=bulk.template_id,
        body=bulk.body,
        subject=bulk.subject,
        segment=bulk.segment.model_dump_json(exclude_none=True),
        matched=bulk.matched,
        resolved=bulk.resolved,
        **{name: getattr(progress, name) for name in COUNTERS},
        created_by=bulk.created_by,
        created_at=bulk.created_at,
        updated_at=bulk.updated_at,
    )


def _bulk(item: BulkSendItem) -> BulkSend:
    return BulkSend(
        id=item.bulk_id,
        name=item.name,
        state=BulkSendState(item.state),
        channel=Channel(item.channel),
        template_id=item.template_id,
        body=item.body,
        subject=item.subject,
        segment=SegmentView.model_validate(json.loads(item.segment)),
        matched=None if item.matched is None else int(item.matched),
        resolved=bool(item.resolved),
        progress=BulkProgress(**{name: int(getattr(item, name)) for name in COUNTERS}),
        created_by=item.created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        next_run_at=item.next_run_at,
        held_by=item.held_by,
    )


def _recipient(item: BulkRecipientItem) -> Recipient:
    return Recipient(
        lead_id=item.lead_id,
        state=item.state,
        put_off=bool(item.put_off),
        code=item.code,
        reason=item.reason,
        not_before=item.not_before,
        activity_id=item.activity_id,
        updated_at=item.updated_at,
    )
