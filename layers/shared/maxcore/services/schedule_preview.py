"""The schedule preview: what the hourly scheduler would do on one day of a tenant, and why.

Each due campaign step is followed from the first hourly run that would take it (the next one for a
step already overdue), and :func:`maxcore.rules.prospection.decide_step` is asked about it at that
run with the facts the scheduler itself gathers (:meth:`Sequencer.facts`). A step deferred to a
later run is asked about again at that run, so the item says what would really happen that day: a
step due on Friday evening shows on Friday as deferred and on Monday as sent, not on Saturday. A
prospect paused by an out-of-office reply shows on the day its step was due as paused, with the
day it resumes and why, and on that day as sent. The
sends of the day are then counted against the daily caps in run order, in memory.

Nothing is written: no claim, no decision, no send, no AI call, no token spent, no counter moved.
The facts are today's: a reply or a pause between now and the day previewed changes the answer, and
a step that becomes due after another step runs (the next step of a sequence) is not shown. The
tenant's active automations add the leads their triggers would act on that day
(:meth:`AutomationRunner.preview`), and the running bulk sends their next batch, one item per send
(:meth:`BulkSender.preview`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from maxcore.clock import utcnow
from maxcore.dal.enrollments import DueEnrollment, EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS
from maxcore.errors import InvalidInputError
from maxcore.models.common import Channel
from maxcore.models.prospection import (
    MessageSource,
    Outcome,
    PreviewDate,
    PreviewItem,
    PreviewKind,
    SchedulePreview,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.prospection import Verdict, decide_step, to_decision
from maxcore.rules.schedule_preview import CapTally, after_daily_cap, first_run, preview_day_problem
from maxcore.rules.send_window import day_bounds, local_day, next_hourly_run
from maxcore.rules.variants import assignment_reason
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.bulk_sender import BulkSender
from maxcore.services.sequencer import Sequencer, StepContext
from maxcore.services.tenants import tenant_settings

# The API types are re-exported so the handler imports this use case from one module.
__all__ = ["PreviewDate", "SchedulePreview", "SchedulePreviewService"]

MAX_EVALUATIONS = 4
"""Runs that take one step, the first included: a step deferred is asked about again at its next run.
A step outside its window needs two; the bound keeps a window the hourly runs never meet finite."""


@dataclass(frozen=True)
class _Run:
    """One due step as the day's runs would take it: when, the facts, and the verdict."""

    at: datetime
    due_key: str
    context: StepContext
    verdict: Verdict

    @property
    def again_at(self) -> datetime | None:
        """The hourly run that would take the step again after a deferral or a pause (the lead is
        away), if any."""
        if self.verdict.until is None:
            return None
        later = next_hourly_run(self.verdict.until)
        return later if later > self.at else None


class SchedulePreviewService:
    """Previews the scheduler's days of one tenant."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, tenant: Tenant | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.tenant = tenant or tenant_settings(tenant_id)
        self.enrollments = EnrollmentRepository(tenant_id)
        self.sequencer = Sequencer(tenant_id, clock, tenant=self.tenant)
        self._clock = clock
        self._sources: dict[tuple[str, int, int, str | None, bool], MessageSource | None] = {}
        self._channel_caps: dict[Channel, int | None] | None = None

    def preview(self, day: date) -> SchedulePreview:
        """What the scheduler would do on ``day`` (in the tenant's timezone), sending nothing.

        Parameters
        ----------
        day
            A day from the tenant's today to :data:`PREVIEW_HORIZON_DAYS` days ahead.

        Returns
        -------
        SchedulePreview
            The day's items in the order they would run, each with its local time, channel, message
            source, outcome and reason.

        Raises
        ------
        InvalidInputError
            When ``day`` is past or too far ahead (a 422 naming the ``date`` query parameter).
        """
        now = self._clock()
        self._check(day, now)
        start, end = day_bounds(day, self.tenant.timezone)
        # Each source of items gives them in run order; automations add theirs to this list.
        automations = AutomationRunner(self.tenant_id, self._clock, tenant=self.tenant)
        bulk_sends = BulkSender(self.tenant_id, self._clock, tenant=self.tenant)
        items = [
            *self._campaign_items(start, end, now),
            *automations.preview(start, end, now),
            *bulk_sends.preview(start, end, now),
        ]
        items.sort(key=lambda item: item.at)  # stable: each source's order is kept at equal times
        logger.info("schedule previewed", extra={"date": day.isoformat(), "items": len(items)})
        return SchedulePreview(
            date=day.isoformat(), timezone=self.tenant.timezone, generated_at=now, items=items
        )

    def _check(self, day: date, now: datetime) -> None:
        today = date.fromisoformat(local_day(now, self.tenant.timezone))
        problem = preview_day_problem(day, today)
        if problem is not None:
            raise InvalidInputError(problem, [{"field": "query.date", "message": problem}])

    # --- campaign steps -----------------------------------------------------------------------
    def _campaign_items(self, start: datetime, end: datetime, now: datetime) -> list[PreviewItem]:
        """AP14 on every shard up to the day's end: the steps the day's hourly runs take, in run order."""
        runs: list[_Run] = []
        for shard in range(DUE_SHARDS):
            for due in self.enrollments.due(shard, end):
                run = self._run(due, start, end, now)
                if run is not None:
                    runs.append(run)
        # Within one run a worker takes its shard oldest due first; the shards run side by side, so
        # the due key is as close as a single order gets.
        runs.sort(key=lambda r: (r.at, r.due_key))
        tally = CapTally()
        return [self._item(self._capped(run, tally, now)) for run in runs]

    def _run(self, due: DueEnrollment, start: datetime, end: datetime, now: datetime) -> _Run | None:
        """The step at the last run of the day that takes it; ``None`` when no run of the day does.

        The step is followed from the first run that takes it, which may come before the day: a step
        deferred then to a run of the day shows there, one settled before the day does not.
        """
        e = due.enrollment
        if e.next_action_at is None:
            return None
        at = first_run(e.next_action_at, now)
        self.sequencer.foresee_winners(e.campaign_id)
        last: _Run | None = None
        for _ in range(MAX_EVALUATIONS):
            if at >= end:
                break
            context = self.sequencer.facts(e, at)
            if context is None:  # the campaign is being deleted: the scheduler skips it
                return None
            run = _Run(at, due.due_key, context, decide_step(context.facts))
            if at >= start:
                last = run
            again = run.again_at
            if again is None:
                break
            at = again
        return last

    def _capped(self, run: _Run, tally: CapTally, now: datetime) -> _Run:
        """The run with the daily caps applied: a send past the campaign's or the channel's cap waits."""
        step = run.context.step
        channel = None if step is None else step.channel.channel
        if run.verdict.outcome is not Outcome.SENT or channel is None:
            return run
        campaign = run.context.campaign
        # The campaign's cap counts its local day; the channel's cap (the messaging service) UTC days.
        campaign_key = ("campaign", campaign.id, channel, local_day(run.at, campaign.timezone))
        utc_day = run.at.date().isoformat()
        channel_key = ("channel", channel, utc_day)
        limits = (
            (campaign_key, campaign.daily_caps.get(channel), _none),
            (channel_key, self._channel_cap(channel), lambda: self._sent_before(channel, utc_day, now)),
        )
        for key, cap, already in limits:
            if cap is not None and not tally.room(key, cap, already):
                until = after_daily_cap(run.context.facts.window, run.at)
                return replace(run, verdict=Verdict(Outcome.DEFERRED, "daily_cap", {"cap": cap}, until=until))
        tally.count(campaign_key)
        tally.count(channel_key)
        return run

    def _channel_cap(self, channel: Channel) -> int | None:
        if self._channel_caps is None:
            settings = self.sequencer.channel_settings.list_all()  # AP25
            self._channel_caps = {c: s.daily_cap for c, s in settings.items()}
        return self._channel_caps.get(channel)

    def _sent_before(self, channel: Channel, utc_day: str, now: datetime) -> int:
        """Messages already counted on ``channel`` for ``utc_day`` (only today's can be non-zero)."""
        if utc_day != now.date().isoformat():
            return 0
        return self.sequencer.channel_settings.sent_on(channel, utc_day)  # AP26

    def _item(self, run: _Run) -> PreviewItem:
        context, verdict, step = run.context, run.verdict, run.context.step
        source = self._source(context) if verdict.acts and step is not None else None
        campaign, locale = context.campaign, self.tenant.locale.value
        decision = to_decision(
            verdict,
            locale=locale,
            timezone=campaign.timezone,
            now=run.at,
            step=step,
            source=source,
        )
        return PreviewItem(
            kind=PreviewKind.CAMPAIGN_STEP,
            campaign_id=campaign.id,
            lead_id=context.facts.enrollment.lead_id,
            step=decision.step,
            at=run.at,
            local_time=run.at.astimezone(ZoneInfo(campaign.timezone)).isoformat(),
            channel=decision.channel,
            source=decision.source,
            variant=context.variant,
            variant_reason=_variant_reason(context, locale),
            outcome=decision.outcome,
            code=decision.code,
            reason=decision.reason,
            until=decision.until,
        )

    def _source(self, context: StepContext) -> MessageSource | None:
        """The source that would write the step (no AI call, no token), once per scenario step and
        way (a WhatsApp step out of the window is written by its template only)."""
        scenario, step, template_only = context.scenario, context.step, context.template_only
        assert step is not None  # a source is asked for a step that acts
        key = (scenario.id, scenario.version, step.order, context.variant, template_only)
        if key not in self._sources:
            self._sources[key] = self.sequencer.composer.planned_source(step, template_only=template_only)
        return self._sources[key]


def _variant_reason(context: StepContext, locale: str) -> str | None:
    """Why the prospect would get its A/B variant (``None`` for a step without variants)."""
    tested = None if context.step is None else context.scenario.step(context.step.order)
    if context.variant is None or tested is None:
        return None
    return assignment_reason(context.campaign, tested, context.variant, locale)


def _none() -> int:
    return 0
