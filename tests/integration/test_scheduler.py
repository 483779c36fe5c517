"""The schedules' fan-out and the per-tenant worker, through their handlers, on real SQS and DynamoDB APIs."""

from __future__ import annotations

import json

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.services.tenants import provision_tenant
from tests.integration.conftest import drain
from tests.support.api import ApiClient

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
    leads = ApiClient("functions/leads/", tenant_id)
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

    # Given a lead nobody wrote to for 8 days and one created today
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
