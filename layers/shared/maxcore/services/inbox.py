"""The unified inbox: one conversation per lead across channels, its thread, and what is unread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.base import decode_position, encode_position, timeline_position
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError
from maxcore.models.activity import Activity
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.message import InboxConversation, ReadReceipt
from maxcore.rules.summary import mark_read

ATTEMPTS = 3


class InboxService:
    """The inbox of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.leads = LeadRepository(tenant_id)
        self.activities = ActivityRepository(tenant_id)
        self._clock = clock

    def conversations(
        self, channel: Channel | None, limit: int, cursor: str | None
    ) -> tuple[list[InboxConversation], str | None]:
        """Leads with messages, newest last message first, optionally those that used ``channel``."""
        before = None if cursor is None else decode_position(cursor)
        leads, position = self.leads.conversations(channel, limit, before)
        rows = [_row(lead) for lead in leads]
        return rows, None if position is None else encode_position(position)

    def messages(self, lead_id: str, limit: int, cursor: str | None) -> tuple[list[Activity], str | None]:
        """One lead's messages on every channel, newest first (404 for an unknown lead)."""
        before = None if cursor is None else decode_position(cursor)
        self.leads.get(lead_id)
        found = self.activities.messages_page(lead_id, before, limit + 1)
        page = found[:limit]
        next_cursor = None
        if len(found) > limit:
            next_cursor = encode_position(timeline_position(page[-1].occurred_at, page[-1].id))
        return page, next_cursor

    def mark_read(self, lead_id: str) -> ReadReceipt:
        """Every message of the lead read as of now (a second call changes nothing but the time)."""
        now = self._clock()
        for attempt in range(1, ATTEMPTS + 1):
            lead = self.leads.get(lead_id)
            try:
                self.leads.set_summary(lead, mark_read(lead.summary, now))
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            return ReadReceipt(lead_id=lead_id, unread=0, read_at=now)
        raise AssertionError("unreachable")  # pragma: no cover


def _row(lead: Lead) -> InboxConversation:
    last = lead.summary.last_message
    assert last is not None  # the inbox index holds only leads with a message
    # A refused send is the last message without counting as contact: its channel is still used.
    used = {*lead.summary.last_inbound_by_channel, *lead.summary.last_outbound_by_channel, last.channel.value}
    return InboxConversation(
        lead_id=lead.id,
        lead_name=lead.display_name,
        channel=last.channel,
        direction=last.direction,
        status=last.status,
        preview=last.preview,
        last_message_at=last.at,
        unread=lead.summary.unread,
        channels=[c for c in Channel if c.value in used],
        opted_out=[c for c in Channel if c in lead.consent and not lead.consent[c].granted],
    )
