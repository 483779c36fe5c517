"""Alert use cases: generate the living alerts of a tenant or of one lead, list them, count them,
resolve them.

One code path evaluates a lead, whether the daily sweep, ``POST /alerts/generate`` or a logged
activity asks: the rules give the alerts that hold (:mod:`maxcore.rules.alerts`), the lifecycle
compares them with the lead's pointers (:mod:`maxcore.rules.alert_lifecycle`), and only the
differences are written, together with the lead's preferred channel when it moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.alerts import SYSTEM, AlertRepository, LeadAlertState, PointerWrite
from maxcore.errors import ConflictError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import (
    SEVERITY_RANK,
    Alert,
    AlertPointer,
    AlertState,
    AlertStats,
    AlertType,
    BannerCounts,
    GenerationReport,
    PointerState,
    Severity,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger, metrics
from maxcore.rules import alerts as alert_rules
from maxcore.rules.alert_lifecycle import CloseAlert, OpenAlert, plan
from maxcore.rules.preferred_channel import preferred_channel
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

ATTEMPTS = 3
"""Tries on one lead when another writer changed its alerts between our read and our write."""

FOLLOW_UP_TYPES = (
    AlertType.NO_CONTACT_7D,
    AlertType.NO_REPLY_3D,
    AlertType.NO_FOLLOWUP_7D,
    AlertType.STALE_LEAD_30D,
)
"""The alerts the dashboard banner counts as "à relancer" (a lead has at most one of them open)."""

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Sweep:
    """What one part of a sweep did, and the lead after which the next part resumes (``None``: done)."""

    report: GenerationReport
    stopped_after: str | None


@dataclass
class _Tally:
    leads: int = 0
    opened: int = 0
    resolved: int = 0
    unchanged: int = 0
    preferred_channel_changed: int = 0
    conflicts: int = 0

    def report(self) -> GenerationReport:
        return GenerationReport(**self.__dict__)


class AlertService:
    """The living alerts of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = AlertRepository(tenant_id)
        self._clock = clock

    # --- generation ---------------------------------------------------------------------------
    def generate(self) -> GenerationReport:
        """Evaluate every lead of the tenant (``POST /alerts/generate``, a sweep with no deadline)."""
        return self.sweep().report

    def sweep(
        self, budget: TimeBudget = UNLIMITED, after: str | None = None, until: str | None = None
    ) -> Sweep:
        """Evaluate the leads after the lead id ``after`` up to ``until`` (every lead by default).

        The daily sweep runs in parts: each lead is evaluated to the end; before the next one,
        ``budget`` is checked, and when it is exhausted the sweep stops and says after which lead
        the next part resumes. A part evaluates one lead at least.
        """
        started = time.perf_counter()
        tenant = tenant_settings(self.tenant_id)
        now = self._clock()
        tally = _Tally()
        evaluated: str | None = None
        stopped_after = None
        for state in self.repository.iter_lead_states(after, until):
            # Checked once another lead is in hand: a part never ends on an empty continuation.
            if evaluated is not None and budget.exhausted():
                stopped_after = evaluated
                break
            self._evaluate(state, tenant, now, tally)
            evaluated = state.lead.id
        report = tally.report()
        metrics.add_metric(name="AlertsOpened", unit=MetricUnit.Count, value=report.opened)
        metrics.add_metric(name="AlertsSelfResolved", unit=MetricUnit.Count, value=report.resolved)
        logger.info(
            "alerts generated",
            extra={
                **report.model_dump(),
                "stopped_after": stopped_after,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return Sweep(report, stopped_after)

    def evaluate_lead(self, lead_id: str) -> GenerationReport:
        """Evaluate one lead now (after an activity); 404 for an unknown lead."""
        tally = _Tally()
        self._evaluate(
            self.repository.lead_state(lead_id), tenant_settings(self.tenant_id), self._clock(), tally
        )
        return tally.report()

    def _evaluate(self, state: LeadAlertState, tenant: Tenant, now: datetime, tally: _Tally) -> None:
        tally.leads += 1
        for attempt in range(1, ATTEMPTS + 1):
            writes, channel = self._changes(state, tenant, now)
            if not writes and channel == state.preferred_channel:
                tally.unchanged += 1
                return
            try:
                self.repository.apply(state, writes, channel, now)
            except ConflictError:
                if attempt == ATTEMPTS:
                    tally.conflicts += 1
                    logger.warning("alerts left for the next run", extra={"lead_id": state.lead.id})
                    return
                try:
                    state = self.repository.lead_state(state.lead.id)
                except NotFoundError:
                    return  # deleted meanwhile: nothing to alert about
                continue
            tally.opened += sum(1 for w in writes if w.put is not None)
            tally.resolved += sum(1 for w in writes if w.resolve_id is not None)
            tally.preferred_channel_changed += channel != state.preferred_channel
            return

    def _changes(
        self, state: LeadAlertState, tenant: Tenant, now: datetime
    ) -> tuple[list[PointerWrite], ActivityChannel | None]:
        """The pointer writes and the preferred channel that bring ``state`` in line with the rules."""
        lead, thresholds, timezone = state.lead, tenant.alert_thresholds, tenant.timezone
        drafts = alert_rules.evaluate(lead, thresholds, now, timezone, tenant.locale.value)

        def why(alert_type: AlertType, pointer: AlertPointer) -> str:
            return alert_rules.reason_resolved(
                alert_type, lead, now, thresholds, timezone, pointer.episode, locale=tenant.locale.value
            )

        writes: list[PointerWrite] = []
        for change in plan(drafts, state.pointers, why):
            if isinstance(change, OpenAlert):
                alert = Alert(
                    id=new_id(),
                    lead_id=lead.id,
                    lead_name=lead.display_name,
                    type=change.draft.type,
                    severity=change.draft.severity,
                    message=change.draft.message,
                    suggested_action=change.draft.suggested_action,
                    ctas=change.draft.ctas,
                    metadata=change.draft.metadata,
                    episode=change.draft.episode,
                    state=AlertState.OPEN,
                    created_at=now,
                )
                # The resolve button of the seed's example names the alert it resolves.
                for cta in alert.ctas:
                    if cta.action == "resolveAlert":
                        cta.params["alertId"] = alert.id
                previous = change.previous
                writes.append(
                    PointerWrite(
                        type=alert.type,
                        expected=previous,
                        new=AlertPointer(id=alert.id, episode=alert.episode, state=PointerState.OPEN),
                        put=alert,
                        resolve_id=previous.id
                        if previous is not None and previous.state is PointerState.OPEN
                        else None,
                        resolve_reason=change.previous_reason,
                    )
                )
            elif isinstance(change, CloseAlert):
                writes.append(
                    PointerWrite(
                        type=change.type,
                        expected=change.pointer,
                        new=None,
                        resolve_id=change.pointer.id,
                        resolve_reason=change.reason,
                    )
                )
        best = preferred_channel(
            lead.summary,
            now,
            timezone,
            thresholds.preferred_channel_window_days,
            thresholds.preferred_channel_min_sent,
            thresholds.preferred_channel_min_gap_points,
        )
        return writes, None if best is None else best.channel

    # --- reads --------------------------------------------------------------------------------
    def get(self, alert_id: str) -> Alert:
        """An alert, or a 404 (also for another tenant's alert)."""
        return self.repository.get(alert_id)

    def list(
        self,
        *,
        state: AlertState = AlertState.OPEN,
        severity: Severity | None = None,
        alert_type: AlertType | None = None,
        lead_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Alert], str | None]:
        """A page of alerts: open ones by severity then oldest first, resolved ones newest first.

        With a lead, every alert of that lead in the state is returned in that order (a lead has a
        handful), without a cursor.
        """
        if lead_id is not None:
            alerts = [
                a
                for a in self.repository.for_lead(lead_id)
                if a.state is state
                and (severity is None or a.severity is severity)
                and (alert_type is None or a.type is alert_type)
            ]
            if state is AlertState.OPEN:
                alerts.sort(key=lambda a: (SEVERITY_RANK[a.severity], a.created_at, a.id))
            return alerts[:limit], None
        return self.repository.list_by_state(
            state, severity=severity, alert_type=alert_type, limit=min(limit, MAX_PAGE_SIZE), cursor=cursor
        )

    def stats(self) -> AlertStats:
        """Counts of the open alerts, by severity and type, and the dashboard banner's three counts."""
        by_type = dict.fromkeys(AlertType, 0) | self.repository.open_counts()
        by_severity = dict.fromkeys(Severity, 0)
        for alert_type, count in by_type.items():
            by_severity[alert_rules.SEVERITIES[alert_type]] += count
        return AlertStats(
            total=sum(by_type.values()),
            urgent=by_severity[Severity.URGENT],
            by_severity=by_severity,
            by_type=by_type,
            banner=BannerCounts(
                to_follow_up=sum(by_type[t] for t in FOLLOW_UP_TYPES),
                hot_leads=by_type[AlertType.HOT_LEAD_24H],
                preferred_channel=by_type[AlertType.PREFERRED_CHANNEL],
            ),
        )

    # --- resolutions --------------------------------------------------------------------------
    def resolve(self, alert_id: str, user: str, note: str | None) -> Alert:
        """A user marks the alert as handled; the same episode will not open it again.

        Resolving an alert already resolved changes nothing and returns it as it is.
        """
        for attempt in range(1, ATTEMPTS + 1):
            alert = self.repository.get(alert_id)
            if alert.state is AlertState.RESOLVED:
                return alert
            now = self._clock()
            locale = tenant_settings(self.tenant_id).locale.value
            resolution = (
                render("alert.resolved.by_user_note", locale, note=note)
                if note
                else render("alert.resolved.by_user", locale)
            )
            try:
                self.repository.resolve_by_user(alert, user, resolution, now)
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            metrics.add_metric(name="AlertResolvedByUser", unit=MetricUnit.Count, value=1)
            logger.info(
                "alert resolved by a user", extra={"alert_id": alert.id, "alert_type": alert.type.value}
            )
            return alert.model_copy(
                update={
                    "state": AlertState.RESOLVED,
                    "resolved_at": now,
                    "resolved_by": user,
                    "resolution": resolution,
                }
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def close_for_deleted_lead(self, lead_id: str) -> int:
        """Resolve the open alerts of a lead that was just deleted; return how many."""
        closed = 0
        now = self._clock()
        reason = render("alert.resolved.lead_deleted", tenant_settings(self.tenant_id).locale.value)
        for alert in self.repository.for_lead(lead_id):
            if alert.state is AlertState.OPEN:
                try:
                    self.repository.resolve_alone(alert, SYSTEM, reason, now)
                except ConflictError:
                    continue
                closed += 1
        return closed
