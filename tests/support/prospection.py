"""Prospection set-ups the tests share, through the Prospection API."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

import time_machine

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.keys import due_shard
from tests.support.api import ApiClient

WORKING_HOURS = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
"""A send window of Monday to Friday, 09:00 to 18:00."""

LIBRARY_SMS = "relance_agressive_4"
"""A built-in SMS template (seeded with the tenant's library) that a test's SMS step can name."""


def sms_step(order: int, delay_days: int, objective: str) -> dict[str, Any]:
    """An SMS step written by the built-in SMS template :data:`LIBRARY_SMS` (no model in tests)."""
    return {
        "order": order,
        "delay_days": delay_days,
        "channel": "sms",
        "objective": objective,
        "template_key": LIBRARY_SMS,
    }


def enrolled_campaign(
    api: ApiClient, name: str, scenario_id: str, lead_id: str, send_window: dict[str, Any] = WORKING_HOURS
) -> str:
    """A campaign of ``scenario_id`` in ``send_window`` (Europe/Paris) with ``lead_id`` enrolled; its id."""
    campaign = api.post(
        "/campaigns",
        {"name": name, "scenario_id": scenario_id, "send_window": send_window, "timezone": "Europe/Paris"},
    )
    assert campaign.status == 201, campaign.body
    enrolled = api.post(f"/campaigns/{campaign.body['id']}/prospects", {"lead_ids": [lead_id]})
    assert enrolled.status == 200, enrolled.body
    assert len(enrolled.body["accepted"]) == 1, enrolled.body
    return str(campaign.body["id"])


def run_prospect_shard(tenant_id: str, campaign_id: str, lead_id: str, at: datetime) -> None:
    """The scheduler's worker takes the hourly message of the prospect's shard at ``at``."""
    body = json.dumps(
        {
            "job": "run_pending_actions",
            "tenant_id": tenant_id,
            "scheduled_at": at.isoformat(),
            "shard": due_shard(campaign_id, lead_id),
        }
    )
    with time_machine.travel(at, tick=False):
        result = load_handler("functions/scheduler/", "worker.lambda_handler")(
            sqs_event([("m-1", body)]), LocalContext()
        )
    assert result["batchItemFailures"] == []


_PHONES = itertools.count(1)


def unique_phone() -> str:
    """A French mobile number no other call of this test process returns.

    Derived from a ULID, two numbers could meet: with the clock frozen, the ULIDs of one millisecond
    only differ by one, and their digits repeat every ten.
    """
    return f"+3361{next(_PHONES):07d}"
