"""The backfill of a tenant's reporting counters: its history before the counters, counted once.

The write paths count each fact as it is recorded, from the day the counters were deployed; what a
tenant recorded before is missing from the reports. The backfill counts it from the stored facts (the
leads' activities, their conversions) with the rules the write paths use
(:func:`maxcore.rules.reporting.history_counts`), split at a cut-over instant recorded once per
tenant: the write paths have counted what was recorded from the cut-over on, the backfill counts what
was recorded before it.

It goes lead after lead, in the lead partition's order. Each lead's counts are added in transactions
that also move the backfill's progress, conditioned on the progress read (AP71): a retried, repeated
or concurrent run adds nothing twice, and a run stopped anywhere resumes where the progress says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.stats import START, StatsRepository, in_transactions
from maxcore.errors import NotFoundError
from maxcore.ids import id_time
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.reporting import BackfillState
from maxcore.observability import logger
from maxcore.rules.reporting import NOTHING, history_counts
from maxcore.services.tenants import tenant_settings

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""Before any fact of any tenant."""
DONE = "done"


def _position(progress: str) -> tuple[str | None, int | None]:
    """The lead a progress names and the transactions of it applied (None: all of them)."""
    if progress == START:
        return None, None
    lead_id, _, applied = progress.partition(":")
    return lead_id, None if applied == DONE else int(applied)


class StatsBackfill:
    """Counts one tenant's history before its cut-over into its reporting counters, once."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.stats = StatsRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.activities = ActivityRepository(tenant_id)
        self._clock = clock

    def start(self, cutover: datetime) -> BackfillState:
        """Record the cut-over (the first one recorded holds: a second start changes nothing)."""
        return self.stats.start_backfill(cutover, self._clock())

    def run(self, budget: TimeBudget = UNLIMITED) -> dict[str, Any]:
        """Count leads until the history is done or ``budget`` runs out, always finishing the lead in
        hand; what it did, and ``stopped_after`` (a lead id) when a continuation should go on.

        Raises
        ------
        NotFoundError
            When no cut-over was recorded for the tenant (:meth:`start`).
        """
        state = self.stats.backfill()
        if state is None:
            raise NotFoundError("no backfill was started for this tenant", {"tenant_id": self.tenant_id})
        if state.finished_at is not None:
            return {"done": True, "leads": state.leads, "counted_now": 0}
        timezone = tenant_settings(self.tenant_id).timezone
        read = state.progress
        lead_id, applied = _position(read)
        counted = 0
        pending = [] if lead_id is None or applied is None else self._unfinished(lead_id)
        for lead in chain(pending, self.leads.iter_all(lead_id)):
            skip = applied if applied is not None and lead.id == lead_id else 0
            moved = self._count(lead, state.cutover, timezone, read, skip)
            if moved is None:
                # Another run moved the progress meanwhile: it goes on from there, this one stops.
                return {"done": False, "raced": True, "counted_now": counted}
            read, counted = moved, counted + 1
            if budget.exhausted():
                return {"done": False, "counted_now": counted, "stopped_after": lead.id}
        self.stats.finish_backfill(read, self._clock())
        logger.info("counter backfill done", extra={"counted_now": counted})
        return {"done": True, "leads": state.leads + counted, "counted_now": counted}

    def _unfinished(self, lead_id: str) -> list[Lead]:
        """The lead a stopped run was counting, unless it was deleted since."""
        try:
            return [self.leads.get(lead_id)]
        except NotFoundError:
            return []

    def _count(self, lead: Lead, cutover: datetime, timezone: str, read: str, skip: int) -> str | None:
        """Add the lead's history before ``cutover``, the transactions from ``skip`` on; the progress
        written (None: another run had moved it)."""
        converted_at = lead.updated_at if lead.status is LeadStatus.CONVERTED else None
        # An activity occurs before it is recorded, and its id says when it was recorded: one logged
        # after the cut-over with a past time was counted by its write path.
        occurred = self.activities.between(lead.id, EPOCH, cutover)
        history = (activity for activity in occurred if id_time(activity.id) < cutover)
        parts = in_transactions(history_counts(history, converted_at, cutover, timezone))
        # A lead with nothing left to add still moves the progress past it.
        remaining = parts[skip:] or [NOTHING]
        for index, part in enumerate(remaining, start=skip):
            last = index == skip + len(remaining) - 1
            progress = f"{lead.id}:{DONE if last else index + 1}"
            if not self.stats.add_backfilled(read, progress, part, lead_done=last):
                return None
            read = progress
        return read
