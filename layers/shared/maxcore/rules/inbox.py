"""The team inbox's rules: status changes, snoozes that end, routing, counters (pure: ``now`` is given)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from maxcore.models.inbox import (
    Assignment,
    ConversationState,
    ConversationStatus,
    InboxCounts,
    InboxSettings,
    RoutingReason,
    UpdateConversationRequest,
)
from maxcore.models.lead import LeadSummary
from maxcore.rules.contact import fold
from maxcore.texts import CATALOGUE, render, with_channel_label

ME = "me"
"""The owner a request names for the caller."""

SNOOZE_MAX = timedelta(days=365)
"""Furthest a conversation can be snoozed."""

OPEN, CLOSED, UNREAD, UNASSIGNED = "open", "closed", "unread", "unassigned"
SNOOZED_PREFIX, OWNER_PREFIX = "snoozed#", "owner#"
"""Counter names: a status, a snooze ending at a time, the unread, the owner-less, one user's."""


def effective_status(state: ConversationState, now: datetime) -> ConversationStatus:
    """The status as read at ``now``: a snooze whose time has passed is open again."""
    if state.status is ConversationStatus.SNOOZED and (
        state.snoozed_until is None or state.snoozed_until <= now
    ):
        return ConversationStatus.OPEN
    return state.status


def after_message(state: ConversationState, inbound_channel: str | None, at: datetime) -> ConversationState:
    """The state after a conversation message: counted from now on, and when the lead wrote it (on
    ``inbound_channel``), a closed or snoozed conversation opens again."""
    if inbound_channel is None or state.status is ConversationStatus.OPEN:
        return state if state.counted else state.model_copy(update={"counted": True})
    return state.model_copy(
        update={
            "status": ConversationStatus.OPEN,
            "snoozed_until": None,
            "reason": RoutingReason(code="reopened", params={"channel": inbound_channel}),
            "updated_by": None,
            "updated_at": at,
            "counted": True,
        }
    )


RECENT_MESSAGES = 3
"""How many of the last messages' previews the inbox search reads."""


def with_recent_text(recent_text: str | None, preview: str) -> str | None:
    """The search text of the last messages with ``preview`` added as the newest (folded, one a line);
    None rather than empty (DynamoDB Local refuses an empty string in a map)."""
    lines = [line for line in [" ".join(fold(preview).split()), *(recent_text or "").splitlines()] if line]
    return "\n".join(lines[:RECENT_MESSAGES]) or None


def search_words(query: str | None) -> tuple[str, ...]:
    """The folded words a search must all find (in the lead's name, contacts or last messages)."""
    return tuple(fold(query).split()) if query else ()


def change_problem(request: UpdateConversationRequest, now: datetime) -> str | None:
    """What makes a change impossible, in English (the catalogue has its French), or None."""
    if request.status is None and request.owner is None and not request.unassign:
        return "nothing to change: give a status, an owner or unassign"
    if request.owner is not None and request.unassign:
        return "give an owner or unassign, not both"
    snoozing = request.status is ConversationStatus.SNOOZED
    if snoozing and request.snoozed_until is None:
        return "a snooze needs snoozed_until"
    if not snoozing and request.snoozed_until is not None:
        return "snoozed_until goes with status snoozed only"
    until = request.snoozed_until
    if until is not None and (until.tzinfo is None or until <= now or until > now + SNOOZE_MAX):
        return "snoozed_until must be a time with its offset, in the future, at most a year ahead"
    return None


def changed(
    state: ConversationState, request: UpdateConversationRequest, actor: str, now: datetime
) -> ConversationState:
    """The state after ``actor``'s change (already checked by :func:`change_problem`)."""
    update: dict[str, object] = {"updated_by": actor, "updated_at": now, "counted": True}
    reason = None
    if request.status is not None:
        until = request.snoozed_until
        # Whole seconds: the inbox filter compares the stored time with now as text.
        update["snoozed_until"] = None if until is None else until.astimezone(UTC).replace(microsecond=0)
        update["status"] = request.status
        reason = RoutingReason(code=f"status_{request.status.value}", params={"by": actor})
    if request.unassign:
        update["owner"] = None
        reason = RoutingReason(code="unassigned", params={"by": actor})
    elif request.owner is not None:
        owner = actor if request.owner == ME else request.owner
        update["owner"] = owner
        reason = RoutingReason(code="assigned", params={"owner": owner, "by": actor})
    update["reason"] = reason
    return state.model_copy(update=update)


def needs_routing(summary: LeadSummary) -> bool:
    """Whether the lead's latest inbound message still waits for an owner.

    A conversation with an owner keeps it; one routed for this very message (a redelivered webhook,
    a second caller) is not routed again.
    """
    state = summary.conversation
    inbound_at = summary.last_inbound_at
    return state.owner is None and inbound_at is not None and state.routed_inbound_at != inbound_at


def pick_owner(settings: InboxSettings, turn: int) -> str | None:
    """The owner the rule gives; ``turn`` is the round robin's counter after this pick (1, 2, ...)."""
    if settings.assignment is Assignment.NONE or not settings.users:
        return None
    if settings.assignment is Assignment.FIXED:
        return settings.users[0]
    return settings.users[(turn - 1) % len(settings.users)]


def routed(
    summary: LeadSummary, owner: str | None, reason: RoutingReason, now: datetime
) -> ConversationState:
    """The state of a conversation routed to ``owner`` (None: the team's shared queue) for ``reason``."""
    return summary.conversation.model_copy(
        update={
            "owner": owner,
            "reason": reason,
            "updated_by": None,
            "updated_at": now,
            "routed_inbound_at": summary.last_inbound_at,
            "counted": True,
        }
    )


def joined(summary: LeadSummary) -> LeadSummary | None:
    """The summary of a conversation stored before the counters, now counted and searchable by its
    last message; None when it needs nothing (no message, or counted already)."""
    last = summary.last_message
    if last is None or summary.conversation.counted:
        return None
    return summary.model_copy(
        update={
            "conversation": summary.conversation.model_copy(update={"counted": True}),
            "recent_text": summary.recent_text or with_recent_text(None, last.preview or ""),
        }
    )


def counter_names(summary: LeadSummary | None) -> frozenset[str]:
    """The inbox counters a lead's conversation adds 1 to (none for a lead without messages)."""
    if summary is None or summary.last_message is None or not summary.conversation.counted:
        return frozenset()
    state = summary.conversation
    names = {_status_counter(state)}
    if summary.unread > 0:
        names.add(UNREAD)
    if state.status is not ConversationStatus.CLOSED:
        names.add(UNASSIGNED if state.owner is None else OWNER_PREFIX + state.owner)
    return frozenset(names)


def _status_counter(state: ConversationState) -> str:
    if state.status is ConversationStatus.SNOOZED and state.snoozed_until is not None:
        # Keyed by when the snooze ends, so the counts see it open again without any write.
        return SNOOZED_PREFIX + state.snoozed_until.astimezone(UTC).isoformat()
    return CLOSED if state.status is ConversationStatus.CLOSED else OPEN


def counter_delta(before: LeadSummary | None, after: LeadSummary | None) -> dict[str, int]:
    """What a change of a lead's summary adds to each inbox counter (only the counters it moves)."""
    old, new = counter_names(before), counter_names(after)
    return {**dict.fromkeys(new - old, 1), **dict.fromkeys(old - new, -1)}


def lowered_snoozes(delta: Mapping[str, int]) -> list[str]:
    """The snooze counters a change lowered: each names a time, so once at 0 it is worth deleting
    (the status, unread, owner-less and users' counters are few, and come back up)."""
    return sorted(name for name, value in delta.items() if value < 0 and name.startswith(SNOOZED_PREFIX))


def tally(counters: Mapping[str, int], subject: str, now: datetime) -> InboxCounts:
    """The counts read from the counters at ``now``: an ended snooze counts as open."""
    figures = {OPEN: 0, "snoozed": 0, CLOSED: 0, UNREAD: 0, UNASSIGNED: 0, "mine": 0}
    for name, value in counters.items():
        if name.startswith(SNOOZED_PREFIX):
            ended = datetime.fromisoformat(name.removeprefix(SNOOZED_PREFIX)) <= now
            figures[OPEN if ended else "snoozed"] += value
        elif name == OWNER_PREFIX + subject:
            figures["mine"] += value
        elif name in figures:
            figures[name] += value
    return InboxCounts.model_validate(figures)


def reason_text(reason: RoutingReason | None, locale: str) -> str | None:
    """Why a conversation is where it is, in ``locale`` (``inbox.reason.<code>`` of the catalogue).

    A code the catalogue does not know, or values it lacks, read as the generic reason rather than
    fail the read: reasons are stored, texts change.
    """
    if reason is None:
        return None
    values = with_channel_label(reason.params, locale)
    intent = reason.params.get("intent")
    if intent is not None and f"intent.{intent}" in CATALOGUE:
        values["intent"] = render(f"intent.{intent}", locale)
    key = f"inbox.reason.{reason.code}"
    detail = _refusal_detail(reason.params.get("refusal"), values, locale)
    if detail is not None and f"{key}.detail" in CATALOGUE:
        return render(f"{key}.detail", locale, detail=detail)
    if key in CATALOGUE:
        try:
            return render(key, locale, **values)
        except KeyError:
            pass
    return render("inbox.reason.other", locale)


def _refusal_detail(refusal: str | None, values: Mapping[str, str], locale: str) -> str | None:
    """Why a send was refused (a code of ``automation.detail``), or None when the catalogue does not
    know it or lacks its values (a reason stored before the channel was kept with it)."""
    key = f"automation.detail.{refusal}"
    if refusal is None or key not in CATALOGUE:
        return None
    try:
        return render(key, locale, **values)
    except KeyError:
        return None
