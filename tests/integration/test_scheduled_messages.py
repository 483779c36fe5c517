"""Scheduled messages (``POST /messages`` with ``send_at``) through the handlers, with real events.

The messaging function schedules, lists, changes and cancels; the worker (functions/scheduler/
worker.py) sends when a timer's message reaches it, as an SQS record carrying the schedule's
``Target.Input``, or when the hourly job sweeps the overdue ones. The SMS goes through the real Twilio
SDK to the local fake; timers are moto's EventBridge Scheduler schedules, which moto never fires:
a test fires one by handing its input to the worker, after moving the clock past its time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
import time_machine

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.scheduled_messages import ScheduledMessageRepository, Settlement
from maxcore.models.scheduled_message import ScheduledState
from maxcore.services.tenants import provision_tenant
from maxcore.services.timers import timer_name
from tests.integration.conftest import drain, sms_through_twilio
from tests.support.api import ApiClient, ApiResponse
from tests.support.fake_providers import FakeTwilio

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("timers")]

MESSAGING = "functions/messaging/"
SMS_SENDER = "+33757000001"
PARIS = ZoneInfo("Europe/Paris")


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def twilio(twilio_for_sends: FakeTwilio) -> FakeTwilio:
    """The fake Twilio, where every SMS of the process goes."""
    return twilio_for_sends


@pytest.fixture
def api(tenant_id: str, twilio: FakeTwilio, fanout_queue: str) -> ApiClient:
    """A rep of a tenant in Paris whose SMS channel sends through Twilio."""
    provision_tenant(tenant_id, "Institut Belle Peau")
    sms_through_twilio(tenant_id, SMS_SENDER)
    drain(fanout_queue)
    return ApiClient(MESSAGING, tenant_id, role="admin", sub="rep-1")


@pytest.fixture
def lead_id(tenant_id: str, api: ApiClient) -> str:
    response = ApiClient("functions/leads/", tenant_id).post(
        "/leads", {"first_name": "Sophie", "phone": "0612345678"}
    )
    assert response.status == 201, response.body
    return str(response.body["id"])


@pytest.fixture
def in_ten_minutes(api: ApiClient, lead_id: str, timers: str, tenant_id: str) -> tuple[dict[str, Any], str]:
    """A message scheduled in ten minutes, and what its timer will deliver."""
    scheduled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(minutes=10)))
    return scheduled, _timer_input(timers, tenant_id, scheduled["id"])


# --- helpers ------------------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC)


def _wall_clock(at: datetime) -> str:
    """``at`` as a rep writes it: Paris time, no offset."""
    return at.astimezone(PARIS).replace(tzinfo=None, microsecond=0).isoformat()


def _schedule(api: ApiClient, lead_id: str, send_at: str, **body: Any) -> dict[str, Any]:
    response = api.post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "À demain !", "send_at": send_at, **body}
    )
    assert response.status == 202, response.body
    return dict(response.body)


def _timer_input(timers: str, tenant_id: str, message_id: str) -> str:
    """The message the scheduled message's timer delivers (its schedule's ``Target.Input``)."""
    scheduler = boto3.client("scheduler", endpoint_url=timers, region_name="eu-west-3")
    name = timer_name(tenant_id, "scheduled-message", message_id)
    return str(scheduler.get_schedule(Name=name, GroupName="default")["Target"]["Input"])


def _timer_exists(timers: str, tenant_id: str, message_id: str) -> bool:
    scheduler = boto3.client("scheduler", endpoint_url=timers, region_name="eu-west-3")
    names = {s["Name"] for s in scheduler.list_schedules()["Schedules"]}
    return timer_name(tenant_id, "scheduled-message", message_id) in names


def _worker(*bodies: str) -> dict[str, Any]:
    """The worker handler given one SQS batch of ``bodies``."""
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    event = sqs_event([(f"m-{index}", body) for index, body in enumerate(bodies)])
    result: dict[str, Any] = worker(event, LocalContext())
    return result


def _hourly(tenant_id: str) -> str:
    """The hourly job's message for the tenant's shard 0, as the fan-out queues it."""
    at = _now().replace(minute=0, second=0, microsecond=0)
    return json.dumps(
        {"job": "run_pending_actions", "tenant_id": tenant_id, "scheduled_at": at.isoformat(), "shard": 0}
    )


def _error(response: ApiResponse, status: int) -> dict[str, Any]:
    assert response.status == status, response.body
    return dict(response.body["error"])


# --- scheduling ---------------------------------------------------------------------------------
def test_a_message_scheduled_in_the_tenants_time_waits_with_its_timer_set(
    api: ApiClient, lead_id: str, twilio: FakeTwilio, timers: str, tenant_id: str
) -> None:
    # Given a time two hours ahead, written on the tenant's wall clock (Paris)
    at = (_now() + timedelta(hours=2)).replace(microsecond=0)

    # When the rep schedules a message for then
    scheduled = _schedule(api, lead_id, _wall_clock(at))

    # Then it waits, at that instant in UTC, on the channel chosen now, and nothing was sent
    assert scheduled["state"] == "scheduled"
    assert datetime.fromisoformat(scheduled["send_at"]) == at
    assert scheduled["channel"] == "sms"
    assert twilio.requests == []
    # And its timer delivers a send_scheduled job naming it at that time
    timer = json.loads(_timer_input(timers, tenant_id, scheduled["id"]))
    assert (timer["job"], timer["item_id"]) == ("send_scheduled", scheduled["id"])
    # And it can be read and listed, by lead and by state
    assert api.get(f"/messages/scheduled/{scheduled['id']}").body["id"] == scheduled["id"]
    listed = api.get("/messages/scheduled", query={"lead_id": lead_id, "state": "scheduled"}).body
    assert [m["id"] for m in listed["items"]] == [scheduled["id"]]
    assert api.get("/messages/scheduled", query={"state": "sent"}).body["items"] == []


def test_a_retried_request_with_its_idempotency_key_schedules_once(api: ApiClient, lead_id: str) -> None:
    body = {
        "lead_id": lead_id,
        "channel": "sms",
        "body": "À demain !",
        "send_at": _wall_clock(_now() + timedelta(hours=3)),
    }

    first = api.post("/messages", body, headers={"idempotency-key": "retry-0001-abcd"})
    again = api.post("/messages", body, headers={"idempotency-key": "retry-0001-abcd"})

    assert first.status == again.status == 202
    assert again.body == first.body
    assert [m["id"] for m in api.get("/messages/scheduled").body["items"]] == [first.body["id"]]


def test_an_offset_is_honoured(api: ApiClient, lead_id: str) -> None:
    scheduled = _schedule(api, lead_id, "2027-01-11T09:00:00-05:00")

    assert datetime.fromisoformat(scheduled["send_at"]) == datetime(2027, 1, 11, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "send_at",
    [
        lambda now: (now - timedelta(minutes=10)).isoformat(),  # in the past
        lambda now: (now + timedelta(days=400)).isoformat(),  # over a year ahead
    ],
    ids=["past", "too-far"],
)
def test_a_send_at_in_the_past_or_over_a_year_ahead_is_a_422_that_stores_nothing(
    api: ApiClient, lead_id: str, send_at: Any
) -> None:
    response = api.post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "body": "Hello", "send_at": send_at(_now())}
    )

    error = _error(response, 422)
    assert error["details"][0]["field"] == "send_at"
    assert api.get("/messages/scheduled").body["items"] == []


def test_a_message_that_could_not_be_sent_now_cannot_be_scheduled(api: ApiClient, tenant_id: str) -> None:
    # Given a lead without an e-mail address
    lead = ApiClient("functions/leads/", tenant_id).post(
        "/leads", {"first_name": "Paul", "phone": "0611111111"}
    )
    # When an e-mail is scheduled to them, it is refused now as a send would be, and nothing is kept
    response = api.post(
        "/messages",
        {
            "lead_id": lead.body["id"],
            "channel": "email",
            "subject": "Hi",
            "body": "Hi",
            "send_at": _wall_clock(_now() + timedelta(hours=1)),
        },
    )
    assert _error(response, 409)["code"] == "no_address"
    assert api.get("/messages/scheduled").body["items"] == []


# --- change and cancel --------------------------------------------------------------------------
def test_a_change_moves_the_timer_and_a_stale_version_is_a_409(
    api: ApiClient, lead_id: str, timers: str, tenant_id: str
) -> None:
    scheduled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=2)))
    later = (_now() + timedelta(hours=5)).replace(microsecond=0)

    changed = api.patch(
        f"/messages/scheduled/{scheduled['id']}", {"body": "Finalement jeudi", "send_at": later.isoformat()}
    )

    assert changed.status == 200, changed.body
    assert (changed.body["body"], changed.body["version"]) == ("Finalement jeudi", scheduled["version"] + 1)
    assert datetime.fromisoformat(changed.body["send_at"]) == later
    timer = json.loads(_timer_input(timers, tenant_id, scheduled["id"]))
    assert datetime.fromisoformat(timer["scheduled_at"]) == later
    # A write naming the version read before the change loses
    stale = ScheduledMessageRepository(tenant_id).get(scheduled["id"]).model_copy(update={"version": 1})
    with pytest.raises(Exception, match="changed meanwhile"):
        ScheduledMessageRepository(tenant_id).cancel(stale, "x", _now())


def test_a_cancelled_message_loses_its_timer_and_never_goes(
    api: ApiClient,
    lead_id: str,
    timers: str,
    tenant_id: str,
    twilio: FakeTwilio,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    scheduled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=1)))
    timer = _timer_input(timers, tenant_id, scheduled["id"])

    cancelled = api.delete(f"/messages/scheduled/{scheduled['id']}")

    assert cancelled.status == 200, cancelled.body
    assert cancelled.body["state"] == "cancelled"
    assert cancelled.body["reason"] == "Annulé avant son envoi : il ne partira pas."
    assert not _timer_exists(timers, tenant_id, scheduled["id"])
    # A timer already on its way, and the sweep, do nothing with it
    time_machine.move_to(_now() + timedelta(hours=2))
    assert _worker(timer, _hourly(tenant_id)) == {"batchItemFailures": []}
    assert twilio.requests == []
    assert (
        _error(api.delete(f"/messages/scheduled/{scheduled['id']}"), 409)["details"]["state"] == "cancelled"
    )


def test_a_template_messages_text_cannot_change(api: ApiClient, lead_id: str, tenant_id: str) -> None:
    templates = ApiClient("functions/templates/", tenant_id)
    template = templates.post(
        "/templates", {"name": "Rappel", "channel": "sms", "body": "Bonjour {{firstName}} !"}
    )
    assert template.status == 201, template.body
    assert templates.post(f"/templates/{template.body['id']}/activate").status == 200
    scheduled = _schedule(
        api, lead_id, _wall_clock(_now() + timedelta(hours=1)), template_id=template.body["id"], body=None
    )

    response = api.patch(f"/messages/scheduled/{scheduled['id']}", {"body": "Autre chose"})

    assert _error(response, 422)["details"][0]["field"] == "body"


def test_another_tenants_scheduled_message_is_a_404(
    api: ApiClient, lead_id: str, other_tenant_id: str
) -> None:
    scheduled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=1)))
    provision_tenant(other_tenant_id, "Autre")
    other = ApiClient(MESSAGING, other_tenant_id)

    for response in (
        other.get(f"/messages/scheduled/{scheduled['id']}"),
        other.patch(f"/messages/scheduled/{scheduled['id']}", {"body": "pirate"}),
        other.delete(f"/messages/scheduled/{scheduled['id']}"),
    ):
        assert _error(response, 404)["code"] == "not_found"
    assert other.get("/messages/scheduled").body["items"] == []
    assert api.get(f"/messages/scheduled/{scheduled['id']}").body["state"] == "scheduled"


# --- delivery -----------------------------------------------------------------------------------
def test_a_timer_delivered_twice_sends_once_and_the_message_is_then_locked(
    api: ApiClient,
    lead_id: str,
    twilio: FakeTwilio,
    in_ten_minutes: tuple[dict[str, Any], str],
    tenant_id: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # Given a message scheduled in ten minutes, and its timer's message
    scheduled, timer = in_ten_minutes
    # When its time comes and the timer's message reaches the worker twice, then the hourly sweep runs
    time_machine.move_to(_now() + timedelta(minutes=30))
    assert _worker(timer, timer) == {"batchItemFailures": []}
    assert _worker(timer, _hourly(tenant_id)) == {"batchItemFailures": []}

    # Then Twilio received exactly one message, and the scheduled message is sent, pointing at it
    assert len(twilio.requests) == 1
    sent = api.get(f"/messages/scheduled/{scheduled['id']}").body
    assert (sent["state"], sent["code"], sent["reason"]) == ("sent", None, None)
    thread = api.get(f"/leads/{lead_id}/messages").body["items"]
    assert [(m["id"], m["preview"]) for m in thread] == [(sent["activity_id"], "À demain !")]
    # And it can no longer be changed or cancelled
    assert (
        _error(api.patch(f"/messages/scheduled/{scheduled['id']}", {"body": "trop tard"}), 409)["details"][
            "state"
        ]
        == "sent"
    )
    assert _error(api.delete(f"/messages/scheduled/{scheduled['id']}"), 409)["code"] == "conflict"


def test_the_hourly_sweep_sends_an_overdue_message_whose_timer_never_fired(
    api: ApiClient,
    lead_id: str,
    twilio: FakeTwilio,
    timers: str,
    tenant_id: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # Given a message whose timer was lost
    scheduled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(minutes=10)))
    scheduler = boto3.client("scheduler", endpoint_url=timers, region_name="eu-west-3")
    scheduler.delete_schedule(
        Name=timer_name(tenant_id, "scheduled-message", scheduled["id"]), GroupName="default"
    )
    # When the hourly job runs a few minutes after its time, it is swept and sent
    time_machine.move_to(_now() + timedelta(minutes=12))
    assert _worker(_hourly(tenant_id)) == {"batchItemFailures": []}
    assert twilio.requests == [], "within the grace minutes, the timer is left to send it"
    time_machine.move_to(_now() + timedelta(minutes=10))
    assert _worker(_hourly(tenant_id)) == {"batchItemFailures": []}

    assert len(twilio.requests) == 1
    assert api.get(f"/messages/scheduled/{scheduled['id']}").body["state"] == "sent"


def test_a_lead_blacklisted_meanwhile_ends_failed_with_the_reason(
    api: ApiClient,
    twilio: FakeTwilio,
    in_ten_minutes: tuple[dict[str, Any], str],
    tenant_id: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    scheduled, timer = in_ten_minutes
    blacklisted = ApiClient("functions/prospection/", tenant_id).post(
        "/blacklist", {"phone": "+33612345678", "reason": "asked us to stop"}
    )
    assert blacklisted.status == 201, blacklisted.body

    time_machine.move_to(_now() + timedelta(minutes=15))
    assert _worker(timer) == {"batchItemFailures": []}

    failed = api.get(f"/messages/scheduled/{scheduled['id']}").body
    assert (failed["state"], failed["code"]) == ("failed", "blacklisted")
    assert (
        failed["reason"]
        == "Le message programmé n'est pas parti : l'adresse du lead est sur votre liste noire."
    )
    assert twilio.requests == []


def test_a_send_whose_sender_died_is_settled_and_never_sent_twice(
    api: ApiClient,
    twilio: FakeTwilio,
    in_ten_minutes: tuple[dict[str, Any], str],
    tenant_id: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # Given a sender that claimed the message when it was due, then died before Twilio answered
    scheduled, timer = in_ten_minutes
    time_machine.move_to(_now() + timedelta(minutes=11))
    now = _now()
    claimed = ScheduledMessageRepository(tenant_id).claim(
        scheduled["id"], "dead-worker", now + timedelta(minutes=15), now, now
    )
    assert claimed is not None
    # When its timer comes again after the dead sender's lease
    time_machine.move_to(now + timedelta(minutes=20))
    assert _worker(timer) == {"batchItemFailures": []}

    # Then Twilio (which takes no idempotency key) gets nothing more: the message may have left
    assert twilio.requests == []
    settled = api.get(f"/messages/scheduled/{scheduled['id']}").body
    assert (settled["state"], settled["code"]) == ("sent", "send_interrupted")
    assert "pas l'envoyer deux fois" in settled["reason"]


def test_a_message_due_within_a_minute_is_queued_at_once_and_sent(
    api: ApiClient, lead_id: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    scheduled = _schedule(api, lead_id, _now().isoformat())

    (queued,) = drain(fanout_queue)
    assert _worker(queued) == {"batchItemFailures": []}

    assert len(twilio.requests) == 1
    assert api.get(f"/messages/scheduled/{scheduled['id']}").body["state"] == "sent"


# --- access patterns ----------------------------------------------------------------------------
def test_ap50_a_scheduled_message_is_listed_changed_and_claimed_once(
    api: ApiClient, lead_id: str, tenant_id: str
) -> None:
    first = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=1)))
    second = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=2)))
    third = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=3)))
    repository = ScheduledMessageRepository(tenant_id)

    # Newest first, a page at a time
    page, cursor = repository.page(2, None)
    assert [m.id for m in page] == [third["id"], second["id"]]
    rest, end = repository.page(2, cursor)
    assert ([m.id for m in rest], end) == ([first["id"]], None)
    # A claim takes a due message once; the settle needs the claim
    now = _now()
    due_by = now + timedelta(hours=1, minutes=1)
    claimed = repository.claim(first["id"], "token-a", now + timedelta(minutes=15), now, due_by)
    assert claimed is not None
    assert claimed.previous is ScheduledState.SCHEDULED
    assert repository.claim(first["id"], "token-b", now + timedelta(minutes=15), now, due_by) is None
    assert repository.claim(second["id"], "token-b", now + timedelta(minutes=15), now, due_by) is None, (
        "not due"
    )
    assert not repository.settle(first["id"], "token-b", Settlement(ScheduledState.SENT), now)
    assert repository.settle(first["id"], "token-a", Settlement(ScheduledState.SENT), now)
    assert repository.get(first["id"]).state is ScheduledState.SENT


def test_ap51_only_overdue_waiting_messages_are_on_the_due_index(
    api: ApiClient, lead_id: str, tenant_id: str
) -> None:
    soon = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=1)))
    cancelled = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=1)))
    later = _schedule(api, lead_id, _wall_clock(_now() + timedelta(hours=3)))
    assert api.delete(f"/messages/scheduled/{cancelled['id']}").status == 200
    repository = ScheduledMessageRepository(tenant_id)

    assert list(repository.overdue(_now() + timedelta(hours=2))) == [soon["id"]]
    assert list(repository.overdue(_now() + timedelta(hours=4))) == [soon["id"], later["id"]]
    assert list(repository.overdue(_now())) == []
