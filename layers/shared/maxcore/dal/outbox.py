"""The outbox repository: messages recorded instead of sent, on channels without credentials.

It makes the local run work end to end: every send goes through the same checks and is recorded
as an activity; only the provider call is replaced by this record, visible through ``GET /outbox``.
"""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor
from maxcore.dal.items import OutboxItem
from maxcore.models.channel import OutboxEntry
from maxcore.models.common import Channel

OUTBOX_TTL_SECONDS = 30 * 24 * 3600


class OutboxRepository(TenantRepository):
    """The local outbox of one tenant."""

    def put(self, entry: OutboxEntry, idempotency_key: str) -> OutboxEntry:
        """AP28: record a message that would have been sent (a retried send records it once)."""
        item = OutboxItem(
            keys.outbox_pk(self.tenant_id),
            keys.outbox_sk(entry.id),
            outbox_id=entry.id,
            channel=entry.channel.value,
            to=entry.to,
            sender=entry.sender,
            subject=entry.subject,
            body=entry.body,
            html=entry.html,
            idempotency_key=idempotency_key,
            created_at=entry.created_at,
            expires_at=int(entry.created_at.timestamp()) + OUTBOX_TTL_SECONDS,
        )
        item.save(condition=OutboxItem.PK.does_not_exist())
        return entry

    def page(self, limit: int, cursor: str | None) -> tuple[list[OutboxEntry], str | None]:
        """AP28: the outbox, newest first."""
        condition: Condition = OutboxItem.SK.startswith("OUT#")
        if cursor is not None:
            condition = OutboxItem.SK.between("OUT#", keys.outbox_sk(decode_cursor(cursor)))
        bound = None if cursor is None else keys.outbox_sk(decode_cursor(cursor))
        items = [
            i
            for i in OutboxItem.query(
                keys.outbox_pk(self.tenant_id),
                condition,
                scan_index_forward=False,
                limit=limit + 2,
                page_size=limit + 2,
            )
            if isinstance(i, OutboxItem) and bound != i.SK
        ]
        entries = [_entry(i) for i in items[:limit]]
        next_cursor = encode_cursor(entries[-1].id) if len(items) > limit else None
        return entries, next_cursor


def _entry(item: OutboxItem) -> OutboxEntry:
    return OutboxEntry(
        id=item.outbox_id,
        channel=Channel(item.channel),
        to=item.to,
        sender=item.sender,
        subject=item.subject,
        body=item.body,
        html=item.html,
        created_at=item.created_at,
    )
