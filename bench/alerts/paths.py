"""The two ways to generate a tenant's alerts, each measured by a :class:`RequestCounter`.

- the project's: :meth:`maxcore.services.alerts.AlertService.generate`, which reads the tenant
  profile and the lead partition (each lead item carries its summary) and writes only the changes;
- the naive one: the tenant profile, the lead partition, then for each lead one Query of its
  activities (every page), the summary rebuilt from them with the product's own rules
  (``apply_activity``, and the out-of-office return date of the intent rules), and the alert rules
  evaluated. It writes nothing: it only finds the alerts that hold.

Both run at the same fixed ``now`` and with the tenant's own settings.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.alerts.counting import RequestCounter, Stats, item_size
from bench.alerts.dataset import logged
from maxcore.clock import SAFETY_MARGIN_MS, TimeBudget
from maxcore.dal import keys
from maxcore.dal.activities import _to_activity as activity_from_item  # the repository's own conversion
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.items import ActivityItem, LeadItem
from maxcore.dal.leads import LeadRepository
from maxcore.models.activity import Activity, ActivityChannel
from maxcore.models.alert import AlertState, AlertType, GenerationReport
from maxcore.models.intent import Intent
from maxcore.models.lead import LeadSummary
from maxcore.rules import alerts as alert_rules
from maxcore.rules.intent import classify
from maxcore.services.alerts import AlertService
from maxcore.services.tenants import tenant_settings

Found = set[tuple[str, AlertType]]
"""The alerts found: (lead id, alert type)."""


WORKER_TIMEOUT_SECONDS = 300
"""The scheduler worker's timeout in template.yaml: a daily sweep's invocation ends there."""
WORKER_BUDGET_SECONDS = WORKER_TIMEOUT_SECONDS - SAFETY_MARGIN_MS / 1000
"""What a part of the sweep may spend: the timeout less the margin it keeps to stop cleanly."""


@dataclass
class ProjectRun:
    """One run of the project's generation."""

    stats: Stats
    report: GenerationReport
    parts: list[float] = field(default_factory=list)
    """Seconds of each part: the invocations the worker needs at the run's time budget."""


@dataclass
class NaiveRun:
    """One run of the naive generation."""

    stats: Stats
    leads: int = 0
    activities: int = 0
    found: Found = field(default_factory=set)


def run_project(
    tenant_id: str, now: datetime, counter: RequestCounter, budget_seconds: float = WORKER_BUDGET_SECONDS
) -> ProjectRun:
    """The project's generation as the daily worker runs it: parts of at most ``budget_seconds``.

    Each part resumes after the last lead of the one before, as a continuation does; the parts
    run one after the other here (a big tenant's segments would run side by side).
    """
    service = AlertService(tenant_id, clock=lambda: now)
    parts: list[float] = []
    reports: list[GenerationReport] = []
    after: str | None = None
    with counter.measure() as stats:
        while True:
            started = time.perf_counter()
            sweep = service.sweep(_budget(started + budget_seconds), after)
            parts.append(time.perf_counter() - started)
            reports.append(sweep.report)
            if sweep.stopped_after is None:
                break
            after = sweep.stopped_after
    total = {name: sum(getattr(r, name) for r in reports) for name in GenerationReport.model_fields}
    return ProjectRun(stats, GenerationReport(**total), parts)


def run_naive(tenant_id: str, now: datetime, counter: RequestCounter) -> NaiveRun:
    """The alerts found with one activities Query per lead and the summary rebuilt from it."""
    leads = LeadRepository(tenant_id)
    with counter.measure() as stats:
        run = NaiveRun(stats)
        tenant = tenant_settings(tenant_id)
        thresholds, timezone, locale = tenant.alert_thresholds, tenant.timezone, tenant.locale.value
        for lead in leads.iter_all():
            activities = ActivityItem.query(
                keys.lead_activity_pk(tenant_id, lead.id), ActivityItem.SK.startswith("ACT#")
            )
            history = [activity_from_item(item) for item in activities]
            summary = rebuild_summary(history, now, lead.summary.preferred_channel)
            drafts = alert_rules.evaluate(
                lead.model_copy(update={"summary": summary}), thresholds, now, timezone, locale
            )
            run.leads += 1
            run.activities += len(history)
            run.found.update((lead.id, draft.type) for draft in drafts)
    return run


def rebuild_summary(
    history: Iterable[Activity], now: datetime, preferred_channel: ActivityChannel | None = None
) -> LeadSummary:
    """A lead's summary from its activities (in time order), as of ``now``."""
    summary = LeadSummary(preferred_channel=preferred_channel)
    for activity in history:
        verdict = None
        if activity.intent == Intent.OUT_OF_OFFICE.value and activity.preview:
            # The return date is not stored on the activity: the intent rules read it again.
            verdict = classify(activity.preview, received_at=activity.occurred_at)
        summary = logged(summary, activity, now, verdict)
    return summary


def open_alerts(tenant_id: str, counter: RequestCounter) -> Found:
    """The tenant's open alerts, as ``GET /alerts`` pages them (not counted)."""
    service = AlertService(tenant_id)
    found: Found = set()
    cursor: str | None = None
    with counter.paused():
        while True:
            page, cursor = service.list(state=AlertState.OPEN, limit=100, cursor=cursor)
            found.update((alert.lead_id, alert.type) for alert in page)
            if cursor is None:
                return found


@dataclass(frozen=True)
class PartitionSize:
    """The lead items of a tenant as DynamoDB sizes them, and the 1 MB pages a Query reads them in."""

    items: int
    bytes: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.bytes // PAGE_BYTES))


PAGE_BYTES = 1024 * 1024
"""A Query reads at most 1 MB of items per page."""


def _budget(deadline: float) -> TimeBudget:
    # The benchmark's parts stop at their deadline: the margin is already out of the budget.
    return TimeBudget(lambda: (deadline - time.perf_counter()) * 1000, margin_ms=0)


def count_lead_ids(tenant_id: str, counter: RequestCounter) -> tuple[int, float]:
    """Leads counted and seconds taken by a big sweep's division: AP11b's keys-only pages (not counted)."""
    started = time.perf_counter()
    with counter.paused():
        counted = sum(len(page) for page in AlertRepository(tenant_id).lead_id_pages())
    return counted, time.perf_counter() - started


def lead_partition_size(tenant_id: str, counter: RequestCounter) -> PartitionSize:
    """Sum the DynamoDB item sizes of the tenant's lead items, read raw (not counted)."""
    connection = LeadItem._get_connection()
    items = size = 0
    start: dict[str, Any] | None = None
    with counter.paused():
        while True:
            page = connection.query(
                keys.lead_pk(tenant_id),
                LeadItem.SK.startswith(keys.LEAD_SK_PREFIX),
                exclusive_start_key=start,
            )
            items += len(page["Items"])
            size += sum(item_size(item) for item in page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return PartitionSize(items, size)
