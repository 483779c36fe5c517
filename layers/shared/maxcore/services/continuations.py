"""The jobs that may outgrow one invocation: a tenant's alert sweep, automation run, due steps, bulk
sends and exports.

Each runs until its :class:`~maxcore.time_budget.TimeBudget` is exhausted, always finishing the item
in hand (a lead evaluated and written, a lead's occurrences acted on, a claimed step settled or
released, an export's part uploaded), then queues its continuation: the same message with the next
``part`` and where it stopped (the last lead evaluated, the due key of the last step taken; a bulk
send and an export keep it on their own item). The continuation's Query starts past that key, so within a run
no lead and no step is taken twice, and none is skipped.

A sweep that did not finish in its first invocation belongs to a big tenant: its continuation first
divides the rest of the lead partition into segments (:class:`Segments`), one message each, so that
several workers sweep it side by side and the run ends within the hour.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from maxcore.clock import TimeBudget
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.keys import DUE_SHARDS
from maxcore.models.jobs import TenantJobMessage
from maxcore.observability import logger
from maxcore.services.alerts import AlertService
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.bulk_sender import BulkSender
from maxcore.services.bulk_sends import BulkSendService
from maxcore.services.exports import ExportService
from maxcore.services.job_queue import queue_messages
from maxcore.services.run_cache import RunCache
from maxcore.services.scheduled_messages import run_scheduled
from maxcore.services.sequencer import Sequencer
from maxcore.services.stats_backfill import StatsBackfill
from maxcore.settings import get_settings

MAX_SEGMENTS = 16
"""The most workers one tenant's sweep takes at once (they Query the same lead partition)."""


@dataclass
class Segments:
    """Cuts a stream of lead ids, in partition order, into at most ``limit`` runs of about ``size``.

    Only the cuts are kept, never the ids: when ``2 * limit`` cuts are reached, every other one is
    dropped and the size doubles, so a partition of any length is cut evenly in bounded memory.
    """

    size: int
    limit: int
    counted: int = 0
    last: str | None = None
    _cuts: list[tuple[int, str]] = field(default_factory=list)

    def add(self, lead_ids: list[str]) -> None:
        """Count the next ids of the partition."""
        for lead_id in lead_ids:
            self.counted += 1
            self.last = lead_id
            if self.counted - (self._cuts[-1][0] if self._cuts else 0) == self.size:
                self._cuts.append((self.counted, lead_id))
                if len(self._cuts) == 2 * self.limit:
                    self._cuts = self._cuts[1::2]
                    self.size *= 2

    def ends(self, to_the_end: bool) -> list[str | None]:
        """The last lead of each segment, in order; ``None`` ends the last one at the partition's end.

        With ``to_the_end`` false (the count stopped early), the last segment ends at the last id
        counted, and the rest is counted by another part. Nothing counted, no segment.
        """
        if self.last is None:
            return []
        cuts = [lead_id for _, lead_id in self._cuts if lead_id != self.last]
        while len(cuts) >= self.limit:
            cuts = cuts[1::2]
        return [*cuts, None if to_the_end else self.last]


def _next_part(message: TenantJobMessage, **changes: Any) -> TenantJobMessage:
    return message.model_copy(update={"part": message.part + 1, **changes})


def _part(message: TenantJobMessage) -> dict[str, Any]:
    return {"part": message.part, "segment": message.segment}


def sweep_alerts(message: TenantJobMessage, budget: TimeBudget, _: RunCache | None = None) -> dict[str, Any]:
    """Run one part of a tenant's alert sweep, or divide the rest of it into segments."""
    if message.segment_leads is not None:
        return _plan_segments(message, message.segment_leads, budget)
    sweep = AlertService(message.tenant_id).sweep(budget, message.after_lead, message.until_lead)
    outcome = {**sweep.report.model_dump(), **_part(message), "stopped_after": sweep.stopped_after}
    if sweep.stopped_after is not None:
        # A sweep that outgrew its first invocation is a big tenant's: the rest is divided first,
        # into segments of what one invocation evaluated. A segment just continues.
        plan = {"segment_leads": max(sweep.report.leads, 1)} if message.segment is None else {}
        queue_messages([_next_part(message, after_lead=sweep.stopped_after, **plan)])
    return outcome


def _plan_segments(message: TenantJobMessage, leads_per_part: int, budget: TimeBudget) -> dict[str, Any]:
    # Counting reads the same 1 MB pages as a sweep, keys only: no item sent, parsed or evaluated
    # (bench/alerts measures it). When even the count runs out of time, the segments counted so far
    # start now and another part counts the rest.
    segments = Segments(max(leads_per_part, get_settings().sweep_segment_min_leads), MAX_SEGMENTS)
    to_the_end = True
    for page in AlertRepository(message.tenant_id).lead_id_pages(message.after_lead):
        segments.add(page)
        if budget.exhausted():
            # The page read may have been the last: a count that then finds nothing ends the run.
            to_the_end = segments.counted == 0
            break
    ends = segments.ends(to_the_end)
    starts = [message.after_lead, *ends][: len(ends)]
    queued = [
        _next_part(message, segment=index, after_lead=start, until_lead=end, segment_leads=None)
        for index, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
    if not to_the_end:
        queued.append(_next_part(message, after_lead=segments.last or message.after_lead))
    queue_messages(queued)
    logger.info(
        "alert sweep divided into segments",
        extra={"leads_counted": segments.counted, "segments": len(ends), "counted_to_the_end": to_the_end},
    )
    return {**_part(message), "leads_counted": segments.counted, "segments_queued": len(ends)}


def run_automations(
    message: TenantJobMessage, budget: TimeBudget, run: RunCache | None = None
) -> dict[str, Any]:
    """Run one part of the tenant's active automations over its leads, inside its send window."""
    tenant = (run or RunCache()).tenant(message.tenant_id).tenant
    report = AutomationRunner(message.tenant_id, tenant=tenant).run(budget, message.after_lead)
    if report.stopped_after is not None:
        queue_messages([_next_part(message, after_lead=report.stopped_after)])
    return {
        "automations": report.automations,
        "unusable": report.unusable,
        "outside_window": report.outside_window,
        "leads": report.leads,
        "fired": report.fired,
        "already_handled": report.already_handled,
        "left_for_next_run": report.left_for_next_run,
        "left_open": report.left_open,
        "outcomes": report.outcomes,
        "lost_races": report.lost_races,
        "part": message.part,
        "stopped_after": report.stopped_after,
    }


def run_due_steps(
    message: TenantJobMessage, budget: TimeBudget, run: RunCache | None = None
) -> dict[str, Any]:
    """Run the due steps of the message's shard (every shard without one), from where it stopped.

    ``run``: what the invocation already read about the tenant for its other shards.
    """
    sequencer = Sequencer(message.tenant_id, run=(run or RunCache()).tenant(message.tenant_id))
    # The hourly run also sends the scheduled messages whose timer never came, and runs again the
    # bulk sends that stalled: once per tenant, first.
    overdue: dict[str, Any] = {}
    if message.part == 0 and message.shard in (None, 0):
        overdue = run_scheduled(message.tenant_id, None, budget, sequencer.tenant)
        overdue["bulk_sends_resumed"] = BulkSendService(message.tenant_id).resume_stalled()
    shards = list(range(DUE_SHARDS)) if message.shard is None else [message.shard]
    due, outcomes, lost = 0, Counter[str](), 0
    after, stopped_after = message.after_due, None
    for index, shard in enumerate(shards):
        report = sequencer.run_shard(shard, budget, after)
        due, lost = due + report.due, lost + report.lost_races
        outcomes.update(report.outcomes)
        if report.stopped_after is not None:
            # Each shard left continues in a message of its own, so they can run side by side.
            stopped_after = report.stopped_after
            queue_messages(
                [
                    _next_part(message, shard=shard, after_due=stopped_after),
                    *(_next_part(message, shard=rest, after_due=None) for rest in shards[index + 1 :]),
                ]
            )
            break
        after = None
    return {
        **overdue,
        "shard": message.shard,
        "due_steps": due,
        "outcomes": dict(outcomes),
        "lost_races": lost,
        "part": message.part,
        "stopped_after": stopped_after,
    }


def run_bulk_send(
    message: TenantJobMessage, budget: TimeBudget, run: RunCache | None = None
) -> dict[str, Any]:
    """Run one part of a bulk send (``item_id``): resolve, send, then plan its next runs."""
    if message.item_id is None:
        raise ValueError("a run_bulk_send message needs the bulk send's item_id")
    tenant = (run or RunCache()).tenant(message.tenant_id).tenant
    report = BulkSender(message.tenant_id, tenant=tenant).run(message.item_id, budget)
    if report.stopped:
        # Where it stopped is on the bulk send and its recipients: the continuation just runs again.
        queue_messages([_next_part(message)])
    return {
        "bulk_send_id": message.item_id,
        "state": report.state,
        "recipients_added": report.recipients_added,
        "outcomes": report.outcomes,
        "lost_races": report.lost_races,
        "window_closed": report.window_closed,
        "timers": [at.isoformat() for at in report.timers],
        "part": message.part,
        "stopped": report.stopped,
    }


def run_stats_backfill(
    message: TenantJobMessage, budget: TimeBudget, _: RunCache | None = None
) -> dict[str, Any]:
    """Count one part of a tenant's history into its counters; continue while leads are left.

    The backfill keeps where it stands itself (AP71): the continuation carries only the next part.
    """
    outcome = StatsBackfill(message.tenant_id).run(budget)
    if outcome.get("stopped_after") is not None:
        queue_messages([_next_part(message)])
    return {**outcome, **_part(message)}


def run_export(message: TenantJobMessage, budget: TimeBudget, _: RunCache | None = None) -> dict[str, Any]:
    """Write the next parts of an export's file (``item_id``), then queue the rest if time ran out."""
    if message.item_id is None:
        raise ValueError("an export message needs its item_id")
    report = ExportService(message.tenant_id).produce(message.item_id, budget)
    if report.get("stopped"):
        # Where it stopped is on the export (its upload's parts and cursor): the continuation claims it again.
        queue_messages([_next_part(message)])
    return {**report, "part": message.part}
