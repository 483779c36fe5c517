"""The schedules' fan-out and the per-tenant worker, through their handlers, on real SQS and DynamoDB APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import SAFETY_MARGIN_MS, utcnow
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.lead import CreateLeadRequest
from maxcore.services.alerts import AlertService
from maxcore.services.job_queue import queue_messages
from maxcore.services.leads import LeadService
from maxcore.services.scheduling import run_tenant_job
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.integration.conftest import drain, run_worker_until_idle
from tests.support.api import ApiClient
from tests.support.logs import captured_logs, emitted_metrics
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

SCHEDULER = "functions/scheduler/"


def test_daily_schedule_queues_one_message_per_tenant(
    fanout_queue: str, tenant_id: str, other_tenant_id: str
) -> None:
    # Given two tenants and an empty queue
    provision_tenant(tenant_id, "A")
    provision_tenant(other_tenant_id, "B")
    drain(fanout_queue)
    # When the daily schedule fires
    handler = load_handler(SCHEDULER, "app.lambda_handler")
    report = handler({"job": "generate_alerts", "scheduled_at": "2026-03-10T05:00:00Z"}, LocalContext())
    # Then each tenant gets exactly one message naming the job and the run
    messages = [json.loads(body) for body in drain(fanout_queue)]
    mine = [m for m in messages if m["tenant_id"] in {tenant_id, other_tenant_id}]
    assert sorted(m["tenant_id"] for m in mine) == sorted([tenant_id, other_tenant_id])
    assert {m["job"] for m in mine} == {"generate_alerts"}
    assert {m["scheduled_at"] for m in mine} == {"2026-03-10T05:00:00Z"}
    assert report["tenants"] == len(messages)


def test_hourly_schedule_queues_each_shard_and_the_automations_of_each_tenant(
    fanout_queue: str, tenant_id: str
) -> None:
    # Given a tenant and an empty queue
    provision_tenant(tenant_id, "A")
    drain(fanout_queue)
    # When the hourly schedule fires
    handler = load_handler(SCHEDULER, "app.lambda_handler")
    handler({"job": "run_pending_actions", "scheduled_at": "2026-11-24T09:00:00Z"}, LocalContext())
    # Then the tenant gets one message per shard of its due index, and one for its automations
    mine = [m for m in map(json.loads, drain(fanout_queue)) if m["tenant_id"] == tenant_id]
    assert sorted((m["job"], m.get("shard")) for m in mine) == [
        *(("run_automations", None),),
        *(("run_pending_actions", shard) for shard in range(8)),
    ]


@pytest.mark.parametrize(
    "event", [{}, {"job": "make_coffee"}, {"job": "generate_alerts", "scheduled_at": "soon"}]
)
def test_a_schedule_input_that_does_not_parse_fails_loudly(fanout_queue: str, event: dict[str, str]) -> None:
    handler = load_handler(SCHEDULER, "app.lambda_handler")
    drain(fanout_queue)
    with pytest.raises(ValueError, match="validation error"):
        handler(event, LocalContext())
    assert drain(fanout_queue) == []


def test_worker_runs_each_tenant_job_and_reports_only_the_bad_messages(tenant_id: str) -> None:
    # Given a tenant with three leads, and a batch holding its job and a poison message
    leads = ApiClient("functions/leads/", settings_only(tenant_id))
    for name in ("A", "B", "C"):
        assert leads.post("/leads", {"first_name": name}).status == 201
    good = json.dumps(
        {"job": "generate_alerts", "tenant_id": tenant_id, "scheduled_at": "2026-03-10T05:00:00Z"}
    )
    event = sqs_event(
        [("m-good", good), ("m-bad", '{"job": "generate_alerts", "tenant_id": "BAD#"}'), ("m-junk", "x")]
    )
    # When the worker processes it
    result = load_handler(SCHEDULER, "worker.lambda_handler")(event, LocalContext())
    # Then only the two bad messages are reported for retry (and, after five, the DLQ)
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == ["m-bad", "m-junk"]


def test_worker_generates_the_tenants_alerts_once(tenant_id: str) -> None:
    from datetime import timedelta

    from maxcore.clock import utcnow
    from maxcore.models.jobs import TenantJobMessage
    from maxcore.models.lead import CreateLeadRequest
    from maxcore.services.leads import LeadService
    from maxcore.services.scheduling import run_tenant_job

    # Given a tenant's lead nobody wrote to for 8 days and one created today
    settings_only(tenant_id)
    LeadService(tenant_id, clock=lambda: utcnow() - timedelta(days=8)).create(
        CreateLeadRequest(first_name="Ancien")
    )
    LeadService(tenant_id).create(CreateLeadRequest(first_name="Nouveau"))
    message = TenantJobMessage.model_validate(
        {"job": "generate_alerts", "tenant_id": tenant_id, "scheduled_at": "2026-03-10T05:00:00Z"}
    )
    # When the daily job runs for the tenant, Then the old lead gets its NoContact7d alert
    first = run_tenant_job(message)
    assert (first["leads"], first["opened"], first["unchanged"]) == (2, 1, 1)
    # And a redelivered message changes nothing
    second = run_tenant_job(message)
    assert (second["leads"], second["opened"], second["resolved"], second["unchanged"]) == (2, 0, 0, 2)


def test_monthly_reset_job_starts_the_period_once(tenant_id: str) -> None:
    from datetime import UTC, datetime

    from maxcore.dal.budget import BudgetRepository
    from maxcore.models.jobs import TenantJobMessage
    from maxcore.services.scheduling import run_tenant_job

    # Given a tenant provisioned in January, whose budget is still in that period
    provision_tenant(tenant_id, "Reset", clock=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    assert BudgetRepository(tenant_id).get().period == "2026-01"
    message = TenantJobMessage.model_validate(
        {"job": "reset_tokens", "tenant_id": tenant_id, "scheduled_at": "2026-04-01T00:05:00Z"}
    )
    # When the job runs twice (a redelivered message), Then the period starts once, with the plan's allowance
    assert run_tenant_job(message) == {"period_started": True}
    assert run_tenant_job(message) == {"period_started": False}
    budget = BudgetRepository(tenant_id).get()
    assert budget.balance == 100
    assert budget.period != "2026-01"


# --- operations: what a run counts, emits and carries ----------------------------------------------


def test_a_schedule_run_carries_its_execution_id_in_every_message_and_counts_tenants(
    fanout_queue: str, tenant_id: str, other_tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two tenants and an empty queue
    provision_tenant(tenant_id, "A")
    provision_tenant(other_tenant_id, "B")
    drain(fanout_queue)
    # When the hourly schedule fires with EventBridge Scheduler's execution id
    handler = load_handler(SCHEDULER, "app.lambda_handler")
    event = {
        "job": "run_pending_actions",
        "scheduled_at": "2026-11-24T09:05:00Z",
        "execution_id": "exec-7f3a",
    }
    with captured_logs() as lines:
        report = handler(event, LocalContext())
    # Then every message it queued names that run
    messages = [json.loads(body) for body in drain(fanout_queue)]
    assert messages
    assert {m["correlation_id"] for m in messages} == {"exec-7f3a"}
    # And it counts tenants and messages apart: eight shards and the automations make nine per tenant
    tenants = {m["tenant_id"] for m in messages}
    assert {tenant_id, other_tenant_id} <= tenants
    assert (report["tenants"], report["messages"]) == (len(tenants), len(messages))
    assert report["messages"] == 9 * report["tenants"]
    (fanned,) = [line for line in lines if line["message"] == "job fanned out"]
    assert (fanned["tenants"], fanned["messages"]) == (len(tenants), len(messages))
    assert fanned["correlation_id"] == "exec-7f3a"
    # And it emitted ScheduleRan once, with its job, next to the messages it queued
    emitted = emitted_metrics(capsys.readouterr().out)
    job = {"service": "max", "job": "run_pending_actions"}
    assert [m for m in emitted if m[0] == "ScheduleRan"] == [("ScheduleRan", job)]
    assert ("JobFannedOut", job) in emitted


def test_a_schedule_fired_by_hand_goes_by_its_lambda_request_id(fanout_queue: str, tenant_id: str) -> None:
    # Given a tenant, When the daily job is invoked without a Scheduler execution id (sam local invoke)
    provision_tenant(tenant_id, "A")
    drain(fanout_queue)
    context = LocalContext()
    report = load_handler(SCHEDULER, "app.lambda_handler")(
        {"job": "generate_alerts", "scheduled_at": "2026-03-10T05:00:00Z"}, context
    )
    # Then its messages carry the invocation's own request id
    messages = [json.loads(body) for body in drain(fanout_queue)]
    assert {m["correlation_id"] for m in messages} == {context.aws_request_id}
    assert report["correlation_id"] == context.aws_request_id


def test_a_fan_out_that_fails_emits_no_schedule_ran(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a scheduler that cannot reach its queue
    monkeypatch.setenv("FANOUT_QUEUE_URL", "")
    reset_settings()
    handler = load_handler(SCHEDULER, "app.lambda_handler")
    try:
        # When the hourly schedule fires, Then the run fails (and is retried, then goes to the
        # on-failure queue) and counts for nothing: the "no hourly run" alarm sees no run
        with pytest.raises(RuntimeError, match="FANOUT_QUEUE_URL"):
            handler({"job": "run_pending_actions", "scheduled_at": "2026-11-24T09:05:00Z"}, LocalContext())
    finally:
        monkeypatch.undo()
        reset_settings()
    assert "ScheduleRan" not in [name for name, _ in emitted_metrics(capsys.readouterr().out)]


def test_the_worker_logs_each_records_correlation_id_on_its_lines(
    tenant_id: str, other_tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a batch: two tenants' jobs from two different causes, an older message without a
    # correlation id, and a message that does not parse
    provision_tenant(tenant_id, "A")
    provision_tenant(other_tenant_id, "B")

    def job(tenant: str, **extra: str) -> str:
        return json.dumps(
            {"job": "reset_tokens", "tenant_id": tenant, "scheduled_at": "2026-04-01T00:05:00Z"} | extra
        )

    event = sqs_event(
        [
            ("m-1", job(tenant_id, correlation_id="exec-monthly")),
            ("m-2", job(other_tenant_id, correlation_id="req-webhook-42")),
            ("m-3", job(tenant_id)),
            ("m-4", '{"job": "reset_tokens"'),
        ]
    )
    # When the worker runs it
    with captured_logs() as lines:
        result = load_handler(SCHEDULER, "worker.lambda_handler")(event, LocalContext())
    # Then each job's line names its own cause (the message id when the message names none)
    assert result["batchItemFailures"] == [{"itemIdentifier": "m-4"}]
    ran = [
        (line["correlation_id"], line["tenant_id"]) for line in lines if line["message"] == "tenant job ran"
    ]
    assert ran == [("exec-monthly", tenant_id), ("req-webhook-42", other_tenant_id), ("m-3", tenant_id)]
    # And the message that failed is logged under its own id, without the previous record's tenant
    (failed,) = [line for line in lines if line["message"] == "tenant job failed"]
    assert failed["correlation_id"] == "m-4"
    assert "tenant_id" not in failed
    # And each run is counted under its job
    emitted = emitted_metrics(capsys.readouterr().out)
    ran_metrics = [m for m in emitted if m[0] == "TenantJobRan"]
    assert ran_metrics == [("TenantJobRan", {"service": "max", "job": "reset_tokens"})] * 3


# --- work that outgrows one invocation -------------------------------------------------------------

ONE_ITEM_MS = SAFETY_MARGIN_MS + 1
"""An invocation whose time is up after its first item: every part of a job takes a single item."""


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Segments of three leads, so a tenant of a few dozen leads is divided like a big one."""
    monkeypatch.setenv("SWEEP_SEGMENT_MIN_LEADS", "3")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _leads_of_two_ages(tenant_id: str, count: int) -> None:
    # Two leads in three untouched for 8 days (a NoContact7d alert), the others created yesterday.
    for n in range(count):
        days = 1 if n % 3 == 0 else 8
        LeadService(tenant_id, clock=lambda d=days: utcnow() - timedelta(days=d)).create(
            CreateLeadRequest(first_name=f"Lead {n:02d}")
        )


def _open_alerts(tenant_id: str) -> set[tuple[str, str]]:
    alerts, _ = AlertService(tenant_id).list(limit=100)
    return {(a.lead_name, a.type.value) for a in alerts}


def _daily(tenant_id: str) -> TenantJobMessage:
    return TenantJobMessage(job=Job.GENERATE_ALERTS, tenant_id=tenant_id, scheduled_at=RUN_AT)


def _evaluated(lines: list[dict[str, Any]], tenant_id: str) -> int:
    """Leads evaluated, as the sweep's parts logged them."""
    return sum(
        line["leads"]
        for line in lines
        if line["message"] == "alerts generated" and line.get("tenant_id") == tenant_id
    )


RUN_AT = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


def test_a_sweep_out_of_time_continues_in_parts_and_segments_with_the_alerts_of_one_run(
    fanout_queue: str, tenant_id: str, other_tenant_id: str, small_segments: None
) -> None:
    # Given two tenants with the same 26 leads
    for tenant in (tenant_id, other_tenant_id):
        provision_tenant(tenant, "Twin")
        _leads_of_two_ages(tenant, 26)
    drain(fanout_queue)
    # And the first tenant's sweep queued, the second swept in one uninterrupted run
    uninterrupted = run_tenant_job(_daily(other_tenant_id))
    assert uninterrupted["leads"] == 26
    queue_messages([_daily(tenant_id)])
    # When every invocation of the worker has time for one lead only
    with captured_logs() as lines:
        batches = run_worker_until_idle(fanout_queue, ONE_ITEM_MS)
    # Then the sweep went on over many invocations, divided into segments after its first part
    parts = [TenantJobMessage.model_validate_json(body) for batch in batches for body in batch]
    assert len(parts) > 26
    assert max(p.part for p in parts) >= 3
    assert len({p.segment for p in parts if p.segment is not None}) >= 4
    # And it opened exactly the alerts of the uninterrupted run
    assert _open_alerts(tenant_id) == _open_alerts(other_tenant_id)
    assert len(_open_alerts(tenant_id)) == uninterrupted["opened"] > 0
    # And each lead was evaluated once: 26 evaluations for 26 leads
    assert _evaluated(lines, tenant_id) == 26


def test_a_redelivered_continuation_evaluates_no_lead_again(
    fanout_queue: str, tenant_id: str, small_segments: None
) -> None:
    # Given a tenant's sweep run to its end in one-lead parts
    provision_tenant(tenant_id, "Redelivery")
    _leads_of_two_ages(tenant_id, 8)
    drain(fanout_queue)
    queue_messages([_daily(tenant_id)])
    batches = run_worker_until_idle(fanout_queue, ONE_ITEM_MS)
    continuations = [
        body for batch in batches for body in batch if TenantJobMessage.model_validate_json(body).part
    ]
    alerts = _open_alerts(tenant_id)
    # When SQS delivers every continuation once more
    with captured_logs() as lines:
        for body in continuations:
            queue_messages([TenantJobMessage.model_validate_json(body)])
        run_worker_until_idle(fanout_queue, ONE_ITEM_MS)
    # Then no lead is evaluated again, nothing more is queued, and the alerts are the same
    assert _evaluated(lines, tenant_id) == 0
    assert drain(fanout_queue) == []
    assert _open_alerts(tenant_id) == alerts


def test_a_sweep_with_time_enough_runs_in_one_invocation(fanout_queue: str, tenant_id: str) -> None:
    # Given a tenant of a few leads
    provision_tenant(tenant_id, "Small")
    _leads_of_two_ages(tenant_id, 5)
    drain(fanout_queue)
    queue_messages([_daily(tenant_id)])
    # When the worker has the real timeout
    with captured_logs() as lines:
        batches = run_worker_until_idle(fanout_queue, 300_000)
    # Then one invocation swept every lead and queued nothing more
    assert len(batches) == 1
    assert _evaluated(lines, tenant_id) == 5
