"""The unified inbox: one conversation per lead across channels, its thread, what is unread, and the
team's work on it (status, owner, notes, routing, counts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.base import decode_cursor, decode_position, encode_cursor, encode_position, timeline_position
from maxcore.dal.inbox import InboxRepository
from maxcore.dal.leads import ConversationFilter, LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import ConflictError, InvalidInputError
from maxcore.ids import new_id
from maxcore.models.activity import Activity
from maxcore.models.common import Channel
from maxcore.models.inbox import (
    Assignment,
    ConversationQuery,
    ConversationState,
    InboxCounts,
    InboxSettings,
    Note,
    RoutingReason,
    TeamConversation,
    UpdateConversationRequest,
    UpdateInboxSettingsRequest,
)
from maxcore.models.lead import Lead
from maxcore.models.message import InboxConversation, ReadReceipt
from maxcore.rules.inbox import (
    change_problem,
    changed,
    effective_status,
    joined,
    needs_routing,
    pick_owner,
    reason_text,
    routed,
    search_words,
    tally,
)
from maxcore.rules.summary import mark_read

ATTEMPTS = 3


class InboxService:
    """The inbox of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.leads = LeadRepository(tenant_id)
        self.activities = ActivityRepository(tenant_id)
        self.inbox = InboxRepository(tenant_id)
        self._clock = clock

    def conversations(
        self,
        channel: Channel | None,
        limit: int,
        cursor: str | None,
        query: ConversationQuery | None = None,
        caller: str | None = None,
    ) -> tuple[list[InboxConversation], str | None]:
        """Leads with messages, newest last message first, optionally those that used ``channel``
        and those ``query`` keeps (``mine``: owned by ``caller``)."""
        query = query or ConversationQuery()
        if query.mine and query.unassigned:
            raise InvalidInputError(
                "mine and unassigned exclude each other", {"mine": True, "unassigned": True}
            )
        now = self._clock()
        filters = ConversationFilter(
            now=now,
            status=query.status,
            unread=query.unread,
            owner=caller if query.mine else None,
            unassigned=query.unassigned,
            intent=None if query.intent is None else query.intent.value,
            words=search_words(query.q),
        )
        before = None if cursor is None else decode_position(cursor)
        leads, position = self.leads.conversations(channel, limit, before, filters)
        locale = self._locale() if leads else "fr"
        rows = [_row(lead, self._response(lead, locale)) for lead in leads]
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

    # --- the team's work ------------------------------------------------------------------------
    def route(self, lead_id: str, reason: RoutingReason, lead: Lead | None = None) -> ConversationState:
        """Give the lead's latest inbound message an owner by the tenant's assignment rule.

        Parameters
        ----------
        lead_id
            The lead whose message came in (already recorded).
        reason
            Why it goes to a person (``inbox.reason.<code>`` of the catalogue, and its values),
            shown with the conversation in the tenant's language.
        lead
            The lead as its caller just wrote it (the recording of the message), to route without
            reading it again; a lead changed since is read again when the write finds it stale.

        Returns
        -------
        ConversationState
            The conversation's state: unchanged when it already has an owner or was routed for
            this very message (a redelivered webhook routes once).

        Raises
        ------
        NotFoundError
            The lead is not the tenant's.
        """
        if lead is None or lead.id != lead_id:
            lead = self.leads.get(lead_id)
        if not needs_routing(lead.summary):
            return lead.summary.conversation
        owner = self._pick_owner()
        now = self._clock()
        for attempt in range(1, ATTEMPTS + 1):
            state = routed(lead.summary, owner, reason, now)
            try:
                self.leads.set_summary(lead, lead.summary.model_copy(update={"conversation": state}))
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                lead = self.leads.get(lead_id)
                if not needs_routing(lead.summary):
                    return lead.summary.conversation
                continue
            return state
        raise AssertionError("unreachable")  # pragma: no cover

    def _pick_owner(self) -> str | None:
        settings = self.inbox.settings()
        turn = (
            self.inbox.take_turn() if settings.assignment is Assignment.ROUND_ROBIN and settings.users else 0
        )
        return pick_owner(settings, turn)

    def conversation(self, lead_id: str) -> TeamConversation:
        """The team's state of one lead's conversation (404 for another tenant's lead)."""
        return self._response(self.leads.get(lead_id), self._locale())

    def change(self, lead_id: str, request: UpdateConversationRequest, actor: str) -> TeamConversation:
        """Change a conversation's status or owner, on condition that it did not change since it was
        read (``request.version`` when given, else this read): a 409 otherwise, and nothing changes."""
        now = self._clock()
        problem = change_problem(request, now)
        if problem is not None:
            raise InvalidInputError(problem, {"lead_id": lead_id})
        lead = self.leads.get(lead_id)
        if request.version is not None and request.version != lead.version:
            raise ConflictError(
                "the conversation changed since it was read; read it again",
                {"lead_id": lead_id, "version": lead.version},
            )
        state = changed(lead.summary.conversation, request, actor, now)
        saved = self.leads.set_summary(lead, lead.summary.model_copy(update={"conversation": state}))
        return self._response(saved, self._locale())

    def add_note(self, lead_id: str, text: str, author: str) -> Note:
        """An internal note on the lead's conversation: the team reads it, it is never sent."""
        self.leads.get(lead_id)
        note = Note(id=new_id(), lead_id=lead_id, author=author, text=text, created_at=self._clock())
        self.inbox.add_note(note)
        return note

    def notes(self, lead_id: str, limit: int, cursor: str | None) -> tuple[list[Note], str | None]:
        """A page of the conversation's notes, oldest first (404 for another tenant's lead)."""
        self.leads.get(lead_id)
        notes, last = self.inbox.notes(lead_id, limit, None if cursor is None else decode_cursor(cursor))
        return notes, None if last is None else encode_cursor(last)

    def counts(self, subject: str) -> InboxCounts:
        """How many conversations are open, snoozed, closed, unread, unassigned and the caller's."""
        return tally(self.inbox.counters(), subject, self._clock())

    def join_existing(self) -> int:
        """Add the conversations stored before the counters to them (and to the search), once.

        Reads the tenant's leads in 1 MB pages; each one joins in a write conditional on the version
        read, with its counters. A lead written meanwhile is left out (a message joined it already;
        a run again takes any other). Returns how many joined.
        """
        count = 0
        for lead in self.leads.iter_all():
            summary = joined(lead.summary)
            if summary is None:
                continue
            try:
                self.leads.set_summary(lead, summary)
            except ConflictError:
                continue
            count += 1
        return count

    def settings(self) -> InboxSettings:
        """The tenant's assignment rule."""
        return self.inbox.settings()

    def save_settings(self, request: UpdateInboxSettingsRequest, actor: str) -> InboxSettings:
        """Set the assignment rule: ``round_robin`` needs users, ``fixed`` exactly one, ``none`` none."""
        users = list(dict.fromkeys(request.users))
        wanted = {Assignment.NONE: (0, 0), Assignment.FIXED: (1, 1), Assignment.ROUND_ROBIN: (1, 50)}
        low, high = wanted[request.assignment]
        if not low <= len(users) <= high:
            raise InvalidInputError(
                "round_robin needs at least one user, fixed exactly one, none no user",
                {"assignment": request.assignment.value, "users": len(users)},
            )
        now = self._clock()
        self.inbox.save_settings(InboxSettings(assignment=request.assignment, users=users), actor, now)
        return InboxSettings(assignment=request.assignment, users=users, updated_by=actor, updated_at=now)

    def _locale(self) -> str:
        return TenantProfileRepository(self.tenant_id).get().locale.value

    def _response(self, lead: Lead, locale: str) -> TeamConversation:
        state = lead.summary.conversation
        status = effective_status(state, self._clock())
        return TeamConversation(
            lead_id=lead.id,
            status=status,
            snoozed_until=state.snoozed_until if status is state.status else None,
            owner=state.owner,
            reason=reason_text(state.reason, locale),
            reason_code=None if state.reason is None else state.reason.code,
            updated_by=state.updated_by,
            updated_at=state.updated_at,
            version=lead.version,
        )


def inbound_reason(activity: Activity) -> RoutingReason:
    """Why an inbound message goes to a person: it came in, on its channel, with its intent."""
    channel = activity.channel.value
    if activity.intent is None:
        return RoutingReason(code="inbound_plain", params={"channel": channel})
    return RoutingReason(code="inbound", params={"channel": channel, "intent": activity.intent})


def _row(lead: Lead, conversation: TeamConversation) -> InboxConversation:
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
        conversation=conversation,
    )
