"""Scheduled jobs: run one tenant's share of a job (the worker's side; queueing is in ``queueing``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maxcore.clock import UNLIMITED, RemainingTime, TimeBudget
from maxcore.errors import NotFoundError
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.observability import count_for_job, logger
from maxcore.services.alerts import AlertService
from maxcore.services.auto_reply_sender import AutoReplySender
from maxcore.services.budget import BudgetService
from maxcore.services.continuations import (
    run_automations,
    run_bulk_send,
    run_due_steps,
    run_export,
    run_stats_backfill,
    sweep_alerts,
)
from maxcore.services.event_delivery import forward_delivery
from maxcore.services.idempotency import run_once
from maxcore.services.inbound_email import InboundEmailService
from maxcore.services.reminders import ReminderService
from maxcore.services.run_cache import RunCache
from maxcore.services.scheduled_messages import run_scheduled
from maxcore.services.sequencer import Sequencer


def _reset_tokens(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    # Idempotent per period: a redelivered message or a second run changes nothing.
    return {"period_started": BudgetService(message.tenant_id).reset_month()}


def _evaluate_lead(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    # Queued by the webhooks, which answer the provider at once and leave this to the worker.
    if message.lead_id is None:
        raise ValueError("an evaluate_lead message needs a lead_id")
    try:
        report = AlertService(message.tenant_id).evaluate_lead(message.lead_id)
    except NotFoundError:
        return {"lead_id": message.lead_id, "lead_deleted": True}
    # A reply steers the lead's sequences now (stops or pauses them), not only when a step comes due.
    steered = Sequencer(message.tenant_id).apply_reply(message.lead_id)
    # Then M.A.X. answers what the tenant lets it answer, and leaves the rest to a person.
    answers = AutoReplySender(message.tenant_id).answer_waiting(message.lead_id)
    return {
        "lead_id": message.lead_id,
        "opened": report.opened,
        "resolved": report.resolved,
        "sequences_steered": steered,
        **answers,
    }


def _read_email(message: TenantJobMessage, last_delivery: bool) -> dict[str, Any]:
    # Queued by Resend's email.received webhook, which answers at once and leaves the fetch to us.
    if message.email is None:
        raise ValueError("a read_email message needs its email")
    return InboundEmailService(message.tenant_id).read(message.email, last_delivery)


def _send_reminder(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    # Set by an appointment's timer: the reminder goes if the appointment still stands at that time.
    if message.item_id is None:
        raise ValueError("a send_reminder message needs its item_id")
    return ReminderService(message.tenant_id).fire(message.item_id, message.scheduled_at)


def _send_scheduled(message: TenantJobMessage, budget: TimeBudget, run: RunCache) -> dict[str, Any]:
    # Set by the scheduled message's timer; the claim makes a second delivery do nothing.
    if message.item_id is None:
        raise ValueError("a send_scheduled message needs the item_id of its scheduled message")
    return run_scheduled(message.tenant_id, message.item_id, budget, run.tenant(message.tenant_id).tenant)


PART_KEY_SECONDS = 2 * 24 * 3600
"""How long a continuation's part is remembered: well past the visibility timeout of its retries."""


def _part_key(message: TenantJobMessage) -> str:
    # Not where the part starts: two copies of one part are one part, wherever a rerun of the part
    # before them stopped (the first to run continues the run; the other is answered and stops).
    run = f"{message.tenant_id}#{message.job.value}#{message.scheduled_at.isoformat()}"
    shard = "" if message.shard is None else message.shard
    segment = "" if message.segment is None else message.segment
    # Runs of two items (two bulk sends) may share their instant: the item tells their parts apart.
    item = "" if message.item_id is None else f"#{message.item_id}"
    return f"{run}#{shard}#{segment}#{message.part}{item}"


JOB_RUNNERS: dict[Job, Callable[[TenantJobMessage, TimeBudget, RunCache], dict[str, Any]]] = {
    Job.GENERATE_ALERTS: sweep_alerts,
    Job.RUN_PENDING_ACTIONS: run_due_steps,
    Job.RUN_AUTOMATIONS: run_automations,
    Job.RESET_TOKENS: _reset_tokens,
    Job.EVALUATE_LEAD: _evaluate_lead,
    Job.SEND_REMINDER: _send_reminder,
    Job.EXPORT: run_export,
    Job.SEND_SCHEDULED: _send_scheduled,
    Job.RUN_BULK_SEND: run_bulk_send,
    Job.DELIVER_EVENT: forward_delivery,
    Job.BACKFILL_STATS: run_stats_backfill,
}


def run_tenant_job(
    message: TenantJobMessage,
    lambda_context: RemainingTime | None = None,
    *,
    run: RunCache | None = None,
    last_delivery: bool = True,
) -> dict[str, Any]:
    """Run one tenant's share of a job and log what ran.

    With the invocation's ``lambda_context``, a job that may outgrow it stops before its time runs
    out (:class:`~maxcore.clock.TimeBudget`) and queues its continuation; without, it runs to the end.
    ``run``: what the invocation already read (the worker passes one per batch of messages); a
    message run alone reads for itself.

    A continuation (``part`` above 0) runs once per run, segment and part: SQS may deliver it twice,
    and a worker that died after queuing it may queue it again. A repeat gets the first one's
    outcome; a repeat while the first still runs fails and is retried later. The message a schedule
    queued is not guarded: running it again writes nothing that is already true.

    ``last_delivery``: the queue will not deliver this message again (its receive count reached the
    queue's maximum; a message run alone has no second chance either). A ``read_email`` job then
    records what it has rather than fail.
    """
    logger.append_keys(tenant_id=message.tenant_id)
    budget = UNLIMITED if lambda_context is None else TimeBudget.of(lambda_context)
    reads = run or RunCache()
    if message.job is Job.READ_EMAIL:
        # The one job whose work depends on the delivery rather than on the time left.
        outcome = _read_email(message, last_delivery)
    elif message.part == 0:
        outcome = JOB_RUNNERS[message.job](message, budget, reads)
    else:
        outcome = run_once(
            "tenant-job-part",
            _part_key(message),
            lambda: JOB_RUNNERS[message.job](message, budget, reads),
            expires_after_seconds=PART_KEY_SECONDS,
            lambda_context=lambda_context,
        )
    # Per job: the dashboard shows each job's runs, and a worker's batch mixes jobs.
    count_for_job("TenantJobRan", message.job.value)
    logger.info(
        "tenant job ran",
        extra={"job": message.job.value, "scheduled_at": message.scheduled_at.isoformat(), **outcome},
    )
    return outcome
