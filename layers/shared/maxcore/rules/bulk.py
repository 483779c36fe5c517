"""Bulk sends (pure): who is in a segment, how big a segment may be, when the next run goes, and
how each recipient's move changes the progress counters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from maxcore.models.bulk import MAX_RECIPIENTS, BulkSend, BulkSendState, RecipientStatus, SegmentView
from maxcore.rules.contact import fold
from maxcore.rules.send_window import Window, is_open, next_open

STALL_AFTER = timedelta(minutes=35)
"""How long a queued or running bulk send may go without moving before the hourly sweep runs it
again: a run writes at every recipient, so only a lost message or timer, or a dead worker, leaves it
still this long. It is the fan-out queue's redelivery of a dead worker's message (30 minutes of
visibility) plus one worker's run (5 minutes): the queue's own retry comes first. Resuming too early
would only cost a second run; the claims and the send key keep every recipient to one message."""


@dataclass(frozen=True)
class LeadFacts:
    """What a segment's filters read of a lead (kept on the lead item, read in 1 MB pages)."""

    lead_id: str
    status: str
    tags: frozenset[str]
    search_text: str


def in_segment(segment: SegmentView, lead: LeadFacts) -> bool:
    """Whether ``lead`` matches every filter the segment gives (status, tag, every search word).

    Tags compare without case or surrounding spaces; the search folds case and accents, as the
    lead list's search does. A list segment names its leads: no filter reads them.
    """
    if segment.status is not None and lead.status != segment.status.value:
        return False
    if segment.tag is not None and segment.tag.strip().lower() not in lead.tags:
        return False
    return segment.search is None or all(word in lead.search_text for word in fold(segment.search).split())


def size_problem(count: int) -> str | None:
    """``empty_segment`` or ``too_many_recipients`` when ``count`` recipients cannot be sent to."""
    if count == 0:
        return "empty_segment"
    if count > MAX_RECIPIENTS:
        return "too_many_recipients"
    return None


def wake_ups(
    now: datetime,
    window: Window,
    *,
    more_due: bool,
    capped_until: datetime | None = None,
    deferred_until: Iterable[datetime] = (),
    held_until: datetime | None = None,
) -> list[datetime]:
    """When the next runs of a bulk send go, so that it spreads within the window and the caps.

    Parameters
    ----------
    now
        The end of this run.
    window
        The tenant's send window: no run sends outside it.
    more_due
        Recipients due now are left (the run stopped before them, or the window is closed).
    capped_until
        A daily cap stopped the run: nothing goes before it resets (this instant).
    deferred_until
        When the recipients this run put off (quiet hours, provider down) may be tried.
    held_until
        The send is not over, yet nothing above wakes it: recipients are held by other workers'
        claims, and this is when the claims' leases have ended (a worker that died holding one
        leaves it to the run then).

    Returns
    -------
    list[datetime]
        The distinct instants, in order, each moved into the window; ``now`` itself when the run
        just continues (the window is open and no cap is hit).
    """
    wanted = set(deferred_until)
    if capped_until is not None:
        wanted.add(capped_until)
    elif more_due:
        wanted.add(now)
    if not wanted and held_until is not None:
        wanted.add(held_until)
    at_open = {at if is_open(window, at) else next_open(window, at) for at in wanted}
    if capped_until is not None:
        # A cap holds until it resets: what was put off to earlier waits for the reset too.
        at_open = {max(at, next_open(window, capped_until)) for at in at_open}
    return sorted(at_open)


def counter_changes(was_put_off: bool, to: RecipientStatus) -> dict[str, int]:
    """How the progress counters move when a recipient goes from queued (or put off) to ``to``.

    A recipient counts once: ``queued`` until first tried, then ``pending`` while put off, then
    ``sent`` or ``refused``. A put-off recipient put off again changes nothing.
    """
    origin = "pending" if was_put_off else "queued"
    if to is RecipientStatus.PENDING:
        return {} if was_put_off else {"queued": -1, "pending": 1}
    if to in (RecipientStatus.SENT, RecipientStatus.REFUSED):
        return {origin: -1, to.value: 1}
    raise ValueError(f"a recipient is not settled as {to.value}")


def is_stalled(bulk: BulkSend, now: datetime) -> bool:
    """Whether ``bulk`` is queued or running yet has not moved for :data:`STALL_AFTER` past the later
    of its last write and its planned next run (a timer that should have fired by then)."""
    if bulk.state not in (BulkSendState.QUEUED, BulkSendState.RUNNING):
        return False
    expected = max(bulk.updated_at, bulk.next_run_at or bulk.updated_at)
    return now - expected >= STALL_AFTER


@dataclass(frozen=True)
class NextBatch:
    """When a bulk send's next batch goes, and what holds it until then (``None``: nothing does)."""

    at: datetime
    held_by: str | None


def next_batch(bulk: BulkSend, window: Window, now: datetime) -> NextBatch:
    """The next batch of a queued or running bulk send: its planned run (else now, as it runs or
    continues), moved into the window; held by what its last run noted, or by the closed window."""
    planned = bulk.next_run_at is not None and bulk.next_run_at > now
    at = bulk.next_run_at if planned and bulk.next_run_at is not None else now
    held = bulk.held_by if planned else None
    if not is_open(window, at):
        at, held = next_open(window, at), held or "outside_window"
    return NextBatch(at, held)


def recipients_left(bulk: BulkSend) -> int:
    """Recipients not sent to or refused yet: those written down (queued or put off), and those of
    the segment not written down yet."""
    progress = bulk.progress
    unresolved = 0 if bulk.resolved else max((bulk.matched or 0) - progress.recipients, 0)
    return progress.queued + progress.pending + unresolved
