"""Scheduled jobs: run one tenant's share of a job (the worker's side; queueing is in ``queueing``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from maxcore.dal.keys import DUE_SHARDS
from maxcore.errors import NotFoundError
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.observability import count_for_job, logger
from maxcore.services.alerts import AlertService
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.budget import BudgetService
from maxcore.services.sequencer import Sequencer


def _generate_alerts(message: TenantJobMessage) -> dict[str, Any]:
    # Every lead of the tenant, on the code path a logged activity also takes.
    return AlertService(message.tenant_id).generate().model_dump()


def _run_pending_actions(message: TenantJobMessage) -> dict[str, Any]:
    # The prospection steps due in one shard of the tenant's due index (every shard without one).
    sequencer = Sequencer(message.tenant_id)
    shards = range(DUE_SHARDS) if message.shard is None else [message.shard]
    due, outcomes, lost = 0, Counter[str](), 0
    for shard in shards:
        report = sequencer.run_shard(shard)
        due, lost = due + report.due, lost + report.lost_races
        outcomes.update(report.outcomes)
    return {"shard": message.shard, "due_steps": due, "outcomes": dict(outcomes), "lost_races": lost}


def _run_automations(message: TenantJobMessage) -> dict[str, Any]:
    # The tenant's active automations over its leads, inside its send window.
    report = AutomationRunner(message.tenant_id).run()
    return {
        "automations": report.automations,
        "unusable": report.unusable,
        "outside_window": report.outside_window,
        "leads": report.leads,
        "fired": report.fired,
        "already_handled": report.already_handled,
        "left_for_next_run": report.left_for_next_run,
        "outcomes": report.outcomes,
        "lost_races": report.lost_races,
    }


def _reset_tokens(message: TenantJobMessage) -> dict[str, Any]:
    # Idempotent per period: a redelivered message or a second run changes nothing.
    return {"period_started": BudgetService(message.tenant_id).reset_month()}


def _evaluate_lead(message: TenantJobMessage) -> dict[str, Any]:
    # Queued by the webhooks, which answer the provider at once and leave this to the worker.
    if message.lead_id is None:
        raise ValueError("an evaluate_lead message needs a lead_id")
    try:
        report = AlertService(message.tenant_id).evaluate_lead(message.lead_id)
    except NotFoundError:
        return {"lead_id": message.lead_id, "lead_deleted": True}
    # A reply stops the lead's sequences now, not only when their next step comes due.
    stopped = Sequencer(message.tenant_id).stop_on_reply(message.lead_id)
    return {
        "lead_id": message.lead_id,
        "opened": report.opened,
        "resolved": report.resolved,
        "sequences_stopped": stopped,
    }


JOB_RUNNERS: dict[Job, Callable[[TenantJobMessage], dict[str, Any]]] = {
    Job.GENERATE_ALERTS: _generate_alerts,
    Job.RUN_PENDING_ACTIONS: _run_pending_actions,
    Job.RUN_AUTOMATIONS: _run_automations,
    Job.RESET_TOKENS: _reset_tokens,
    Job.EVALUATE_LEAD: _evaluate_lead,
}


def run_tenant_job(message: TenantJobMessage) -> dict[str, Any]:
    """Run one tenant's share of a job and log what ran."""
    logger.append_keys(tenant_id=message.tenant_id)
    outcome = JOB_RUNNERS[message.job](message)
    # Per job: the dashboard shows each job's runs, and a worker's batch mixes jobs.
    count_for_job("TenantJobRan", message.job.value)
    logger.info(
        "tenant job ran",
        extra={"job": message.job.value, "scheduled_at": message.scheduled_at.isoformat(), **outcome},
    )
    return outcome
