"""Every sample event of events/ replayed through its handler, as ``sam local invoke -e`` would."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devserver.events import LocalContext
from devserver.functions import load_handler
from maxcore.dal.leads import LeadRepository
from maxcore.dal.secrets import SecretRepository
from maxcore.errors import ConflictError
from maxcore.models.lead import Lead
from maxcore.services.tenants import provision_tenant
from tests.support.webhook_samples import (
    EVENTS_DEMO_RESEND_SECRET,
    EVENTS_DEMO_TELEGRAM_SECRET,
    EVENTS_DEMO_TWILIO_AUTH_TOKEN,
    resign_svix,
)

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).resolve().parents[2] / "events"

# file -> (function folder, handler, what the answer must show)
EXPECTED: dict[str, tuple[str, str, dict[str, Any]]] = {
    "leads_create.json": ("functions/leads/", "app.lambda_handler", {"statusCode": 201}),
    "leads_create_invalid.json": ("functions/leads/", "app.lambda_handler", {"statusCode": 422}),
    "leads_list.json": ("functions/leads/", "app.lambda_handler", {"statusCode": 200}),
    "leads_get_unknown.json": ("functions/leads/", "app.lambda_handler", {"statusCode": 404}),
    "leads_patch_unknown.json": ("functions/leads/", "app.lambda_handler", {"statusCode": 404}),
    "tenants_get.json": ("functions/tenants/", "app.lambda_handler", {"statusCode": 200}),
    "tenants_patch_invalid.json": ("functions/tenants/", "app.lambda_handler", {"statusCode": 422}),
    "budget_get.json": ("functions/budget/", "app.lambda_handler", {"statusCode": 200}),
    "budget_quote.json": ("functions/budget/", "app.lambda_handler", {"statusCode": 200}),
    "budget_packs_member_forbidden.json": ("functions/budget/", "app.lambda_handler", {"statusCode": 403}),
    "templates_list_sms.json": ("functions/templates/", "app.lambda_handler", {"statusCode": 200}),
    "templates_create_unknown_variable.json": (
        "functions/templates/",
        "app.lambda_handler",
        {"statusCode": 422},
    ),
    "templates_draft_from_chat.json": ("functions/templates/", "app.lambda_handler", {"statusCode": 201}),
    "assistant_chat_dry_run.json": ("functions/assistant/", "app.lambda_handler", {"statusCode": 200}),
    "activities_log_unknown_lead.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 404}),
    "replies_classify.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 200}),
    "alerts_list_urgent.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 200}),
    "alerts_stats.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 200}),
    "alerts_generate.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 200}),
    "alerts_generate_member_forbidden.json": (
        "functions/alerts/",
        "app.lambda_handler",
        {"statusCode": 403},
    ),
    "alerts_resolve_unknown.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 404}),
    "recommendations.json": ("functions/alerts/", "app.lambda_handler", {"statusCode": 200}),
    "scenarios_list.json": ("functions/prospection/", "app.lambda_handler", {"statusCode": 200}),
    "campaigns_create_invalid.json": ("functions/prospection/", "app.lambda_handler", {"statusCode": 422}),
    "approvals_get_unknown.json": ("functions/prospection/", "app.lambda_handler", {"statusCode": 404}),
    "automations_create_invalid.json": ("functions/prospection/", "app.lambda_handler", {"statusCode": 422}),
    # Sent to the outbox: the events-demo tenant has no SMS credentials.
    "messaging_send.json": ("functions/messaging/", "app.lambda_handler", {"statusCode": 201}),
    "events_create_endpoint_link_local.json": (
        "functions/events/",
        "app.lambda_handler",
        {"statusCode": 422},
    ),
    # A new lead of a tenant without endpoints: read, nothing to deliver.
    "events_stream_lead_created.json": (
        "functions/events/",
        "stream.lambda_handler",
        {"batchItemFailures": []},
    ),
    "scheduler_monthly_reset.json": ("functions/scheduler/", "app.lambda_handler", {"job": "reset_tokens"}),
    "scheduler_daily_alerts.json": ("functions/scheduler/", "app.lambda_handler", {"job": "generate_alerts"}),
    "scheduler_hourly_actions.json": (
        "functions/scheduler/",
        "app.lambda_handler",
        {"job": "run_pending_actions"},
    ),
    "scheduler_worker_batch.json": (
        "functions/scheduler/",
        "worker.lambda_handler",
        {"batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]},
    ),
}


# The provider webhooks: signed with the events-demo tenant's secrets (tests/support/webhook_samples.py).
for _sample in sorted(p.name for p in EVENTS.glob("webhooks_*.json")):
    EXPECTED[_sample] = (
        "functions/webhooks/",
        "app.lambda_handler",
        {"statusCode": 403 if "forged" in _sample else 200},
    )


# The lead events/messaging_send.json writes to: a fixed id, as a sample event needs one.
SAMPLE_LEAD = Lead(
    id="01JFVENTS0DEMA0000000000SM",
    first_name="Claire",
    last_name="Dubois",
    phone="+33622334455",
    created_at=datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
    updated_at=datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
)


def _sample_lead() -> None:
    with suppress(ConflictError):  # already there from an earlier replay
        LeadRepository("events-demo").create(SAMPLE_LEAD)


def _events_demo_secrets() -> None:
    secrets = SecretRepository("events-demo")
    secrets.put("twilio", "auth_token", EVENTS_DEMO_TWILIO_AUTH_TOKEN)
    secrets.put("resend", "webhook_secret", EVENTS_DEMO_RESEND_SECRET)
    secrets.put("telegram", "webhook_secret", EVENTS_DEMO_TELEGRAM_SECRET)


def test_every_event_file_is_replayed() -> None:
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_replay(name: str, fanout_queue: str, ssm_endpoint: str) -> None:
    provision_tenant("events-demo", "Events demo")
    code_uri, handler, expected = EXPECTED[name]
    event = json.loads((EVENTS / name).read_text())
    if name.startswith("webhooks_"):
        _events_demo_secrets()
    if name.startswith("messaging_"):
        _sample_lead()
    if name.startswith("webhooks_resend_"):
        # Svix refuses timestamps older than 5 minutes: sign the sample again for now.
        event = resign_svix(event, EVENTS_DEMO_RESEND_SECRET, int(time.time()))
    result = load_handler(code_uri, handler)(event, LocalContext())
    assert {key: result[key] for key in expected} == expected, result
    if "body" in result and result["statusCode"] >= 400:
        assert set(json.loads(result["body"])["error"]) == {"code", "message", "details"}
