"""One-time timers on EventBridge Scheduler (moto): set once by name, cancelled by name, due ones queued."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.services.timers import Timers, timer_name

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("timers")


def _message(item: str) -> TenantJobMessage:
    return TenantJobMessage(job=Job.EVALUATE_LEAD, tenant_id="acme", scheduled_at=NOW, item_id=item)


def _scheduler(endpoint: str) -> object:
    return boto3.client("scheduler", endpoint_url=endpoint, region_name="eu-west-3")


def _drain(queue_url: str, endpoint: str) -> list[dict[str, object]]:
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="eu-west-3")
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_a_timer_is_an_at_schedule_that_delivers_its_message_to_the_fanout_queue(
    timers: str, fanout_queue: str
) -> None:
    name = timer_name("acme", "test", "01JTIMER0000000000000000A1")
    at = NOW + timedelta(hours=5, minutes=30, seconds=12, microseconds=400)

    Timers(clock=lambda: NOW).set(name, at, _message("01JTIMER0000000000000000A1"))
    # A retry: the first timer stands.
    Timers(clock=lambda: NOW).set(name, at + timedelta(hours=1), _message("other"))

    schedule = _scheduler(timers).get_schedule(Name=name, GroupName="default")  # type: ignore[attr-defined]
    assert schedule["ScheduleExpression"] == "at(2026-03-02T14:30:12)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    sqs = boto3.client("sqs", endpoint_url=timers, region_name="eu-west-3")
    queue = sqs.get_queue_attributes(QueueUrl=fanout_queue, AttributeNames=["QueueArn"])["Attributes"]
    assert schedule["Target"]["Arn"] == queue["QueueArn"]
    assert json.loads(schedule["Target"]["Input"])["item_id"] == "01JTIMER0000000000000000A1"

    Timers(clock=lambda: NOW).cancel(name)
    Timers(clock=lambda: NOW).cancel(name)  # cancelling twice is not an error
    names = [s["Name"] for s in _scheduler(timers).list_schedules()["Schedules"]]  # type: ignore[attr-defined]
    assert name not in names


def test_a_timer_due_within_a_minute_is_queued_at_once(timers: str, fanout_queue: str) -> None:
    _drain(fanout_queue, timers)
    name = timer_name("acme", "test", "soon")

    Timers(clock=lambda: NOW).set(name, NOW + timedelta(seconds=30), _message("soon"))

    assert [body["item_id"] for body in _drain(fanout_queue, timers)] == ["soon"]
    names = [s["Name"] for s in _scheduler(timers).list_schedules()["Schedules"]]  # type: ignore[attr-defined]
    assert name not in names


def test_timer_names_are_stable_and_fit_schedulers_rules() -> None:
    name = timer_name("tenant with spaces/é", "reminder", "01J")

    assert name == timer_name("tenant with spaces/é", "reminder", "01J")
    assert name != timer_name("tenant with spaces/é", "reminder", "01K")
    assert len(name) <= 64
    assert all(c.isalnum() or c in "-_." for c in name)
