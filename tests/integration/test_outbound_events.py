"""Outbound events through the handlers: endpoints registered, table changes read from the stream,
deliveries made by the worker to a local receiver, signed, retried, replayed.

The stream is moto's (or DynamoDB Local's) stream of the test table, handed to the stream handler as
Lambda would; the delivery function runs the ``deliver_event`` jobs from the delivery queue; signatures
are checked with the Resend SDK's own Svix verifier, an implementation of the same specification that
is not ours.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import resend
from time_machine import TimeMachineFixture

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from devserver.streams import TableStream
from maxcore.dal.keys import lead_activity_pk
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.dal.webhook_deliveries import WebhookDeliveryRepository
from maxcore.dal.webhook_endpoints import WebhookEndpointRepository
from maxcore.errors import ConflictError
from maxcore.models.outbound_event import DeliveryState
from maxcore.models.tenant import Locale, Tenant
from maxcore.rules.outbound_events import DISABLE_AFTER, SECRET_OVERLAP
from maxcore.services.event_delivery import EventDelivery
from maxcore.settings import reset_settings
from tests.integration.conftest import EVENT_DELIVERY, drain, run_worker_until_idle
from tests.support.api import ApiClient, ApiResponse
from tests.support.webhook_receiver import ReceivedRequest, WebhookReceiver, running_webhook_receiver

pytestmark = pytest.mark.integration

TABLE_STREAMS = True
"""This module's table has the stream the template declares (tests/integration/conftest.py)."""

EVENTS = "functions/events/"
LEADS = "functions/leads/"
ALERTS = "functions/alerts/"  # POST /activities


# --- fixtures and helpers ---------------------------------------------------------------------------
@pytest.fixture
def local_receivers(monkeypatch: pytest.MonkeyPatch, ssm_endpoint: str, timers: str) -> Iterator[None]:
    """The tests' setting that lets endpoints be http on loopback (never set outside tests)."""
    monkeypatch.setenv("OUTBOUND_EVENTS_ALLOW_LOCAL", "1")
    reset_settings()
    yield
    monkeypatch.delenv("OUTBOUND_EVENTS_ALLOW_LOCAL")
    reset_settings()


@pytest.fixture
def receiver(local_receivers: None) -> Iterator[WebhookReceiver]:
    with running_webhook_receiver() as running:
        yield running


def _tenant(tenant_id: str, locale: Locale = Locale.FR) -> str:
    now = datetime.now(UTC)
    tenant = Tenant(id=tenant_id, name="Institut Belle Peau", locale=locale, created_at=now, updated_at=now)
    TenantProfileRepository(tenant_id).create_if_absent(tenant)
    return tenant_id


def _ok(response: ApiResponse, status: int = 200) -> Any:
    assert response.status == status, response.body
    return response.body


def _register(tenant_id: str, url: str, *event_types: str) -> dict[str, Any]:
    body = {"url": url, "event_types": list(event_types), "description": "n8n"}
    return dict(_ok(ApiClient(EVENTS, tenant_id).post("/webhook-endpoints", body), 201))


def _publish(stream: TableStream) -> dict[str, Any]:
    """Hand the stream's new records to the stream handler; the event is returned to hand over again."""
    event = stream.event()
    _publish_again(event)
    return event


def _publish_again(event: dict[str, Any]) -> None:
    handler = load_handler(EVENTS, "stream.lambda_handler")
    assert handler(event, LocalContext(function_name="EventsStreamFunction"))["batchItemFailures"] == []


def _deliver(delivery_queue: str) -> None:
    run_worker_until_idle(delivery_queue, timeout_ms=90_000, consumer=EVENT_DELIVERY)


def _delivery_function() -> Any:
    return load_handler(EVENT_DELIVERY.code_uri, EVENT_DELIVERY.handler)


def _verified(requests: list[ReceivedRequest], secret: str) -> list[dict[str, Any]]:
    """Each request, checked by an independent verifier of its signature (5 minutes' tolerance)."""
    bodies = []
    for request in requests:
        headers = {
            "id": request.headers["webhook-id"],
            "timestamp": request.headers["webhook-timestamp"],
            "signature": request.headers["webhook-signature"],
        }
        resend.Webhooks.verify({"payload": request.body, "headers": headers, "webhook_secret": secret})
        bodies.append(json.loads(request.body))
    return bodies


def _lead(tenant_id: str, number: int = 0) -> str:
    body = {"first_name": "Ana", "phone": f"+33 6 11 22 33 {number:02d}"}
    created = ApiClient(LEADS, tenant_id).post("/leads", body)
    return str(_ok(created, 201)["id"])


def _endpoint_and_a_new_lead(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str, locale: Locale = Locale.FR
) -> tuple[dict[str, Any], TableStream]:
    """A tenant with an endpoint for new leads, and a lead created and read from the stream (not yet
    delivered); the stream, to read the next changes from."""
    _tenant(tenant_id, locale)
    endpoint = _register(tenant_id, receiver.url, "lead.created")
    drain(delivery_queue)
    stream = TableStream()
    _lead(tenant_id)
    _publish(stream)
    return endpoint, stream


def _fire_timers() -> int:
    """Fire every timer set (moto never does) as Scheduler would: its input to its target queue's
    consumer (the delivery function's, for the deliveries' timers)."""
    scheduler = boto3.client(
        "scheduler", endpoint_url=_settings().scheduler_endpoint, region_name="eu-west-3"
    )
    fired = 0
    for summary in scheduler.list_schedules(GroupName="default", NamePrefix="max-")["Schedules"]:
        schedule = scheduler.get_schedule(Name=summary["Name"], GroupName="default")
        assert schedule["Target"]["Arn"] == _settings().delivery_queue_arn
        event = sqs_event([(f"timer-{fired}", schedule["Target"]["Input"])])
        context = LocalContext(function_name=EVENT_DELIVERY.function_name)
        assert _delivery_function()(event, context)["batchItemFailures"] == []
        scheduler.delete_schedule(Name=summary["Name"], GroupName="default")
        fired += 1
    return fired


def _settings() -> Any:
    from maxcore.settings import get_settings

    return get_settings()


# --- tests --------------------------------------------------------------------------------------------
def test_ap74_a_lead_created_and_a_message_sent_reach_the_receiver_signed_once_each(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint subscribed to new leads and sent messages
    _tenant(tenant_id)
    endpoint = _register(tenant_id, receiver.url, "lead.created", "message.sent")
    assert endpoint["secret"].startswith("whsec_")
    drain(delivery_queue)
    stream = TableStream()

    # When a lead is created and a message to it logged as sent, and the stream and the worker run
    lead_id = _lead(tenant_id)
    logged = ApiClient(ALERTS, tenant_id).post(
        "/activities", {"lead_id": lead_id, "channel": "sms", "direction": "out", "preview": "Bonjour Ana"}
    )
    _ok(logged, 201)
    changes = _publish(stream)
    _deliver(delivery_queue)

    # Then each event reached the receiver once, signed with the endpoint's secret
    bodies = _verified(receiver.received, endpoint["secret"])
    assert sorted(b["type"] for b in bodies) == ["lead.created", "message.sent"]
    by_type = {b["type"]: b for b in bodies}
    assert by_type["lead.created"]["data"]["lead_id"] == lead_id
    assert by_type["message.sent"]["data"]["lead_id"] == lead_id
    assert by_type["message.sent"]["data"]["channel"] == "sms"
    assert len(set(receiver.ids())) == 2

    # And the same stream batch read again, and the worker run again, send nothing more
    _publish_again(changes)
    _deliver(delivery_queue)
    assert len(receiver.received) == 2

    # And the history shows both deliveries, newest first, each delivered with its attempt
    page = _ok(ApiClient(EVENTS, tenant_id).get(f"/webhook-endpoints/{endpoint['id']}/deliveries"))
    assert {d["state"] for d in page["items"]} == {"delivered"}
    assert [d["id"] for d in page["items"]] == sorted((d["id"] for d in page["items"]), reverse=True)
    assert all(d["attempts"][0]["status_code"] == 200 for d in page["items"])
    # And the secret is never shown again
    assert "secret" not in _ok(ApiClient(EVENTS, tenant_id).get(f"/webhook-endpoints/{endpoint['id']}"))


def test_ap75_a_receiver_failing_for_a_while_gets_the_same_webhook_id_until_it_answers(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str, time_machine: TimeMachineFixture
) -> None:
    # Given an endpoint whose receiver fails three times, then answers
    receiver.answer(500, 502, 500, 200)
    _fire_timers()  # none of another test's

    # When a lead is created: the first attempt fails and the retry waits 5 seconds in the queue
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    deliveries = f"/webhook-endpoints/{endpoint['id']}/deliveries"
    _deliver(delivery_queue)
    (pending,) = _ok(ApiClient(EVENTS, tenant_id).get(deliveries))["items"]
    assert pending["state"] == "pending"
    assert pending["attempts"][0]["status_code"] == 500
    assert pending["attempts"][0]["error_kind"] == "http_status"
    assert len(receiver.received) == 1

    # And the retries come: 5 seconds later (fails), 5 minutes later (fails), then 30 minutes later
    # from a one-time timer
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=6), tick=True)
    _deliver(delivery_queue)
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=5, seconds=1), tick=True)
    _deliver(delivery_queue)
    assert len(receiver.received) == 3
    assert _fire_timers() == 1

    # Then the receiver got the event four times with one webhook-id, and the delivery is delivered
    assert len(receiver.received) == 4
    assert len(set(receiver.ids())) == 1
    _verified(receiver.received[-1:], endpoint["secret"])  # signed anew at each attempt
    (delivery,) = _ok(ApiClient(EVENTS, tenant_id).get(deliveries))["items"]
    assert delivery["state"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 502, 500, 200]
    # And the endpoint no longer counts as failing
    assert (
        _ok(ApiClient(EVENTS, tenant_id).get(f"/webhook-endpoints/{endpoint['id']}"))["failing_since"] is None
    )


def test_ap76_a_replay_sends_the_event_again_with_the_same_id(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an event delivered
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    _deliver(delivery_queue)
    (delivery,) = _ok(ApiClient(EVENTS, tenant_id).get(f"/webhook-endpoints/{endpoint['id']}/deliveries"))[
        "items"
    ]

    # When an admin replays it
    replayed = ApiClient(EVENTS, tenant_id).post(
        f"/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/replay"
    )
    _deliver(delivery_queue)

    # Then the receiver gets it a second time, with the same id and body
    assert _ok(replayed, 202)["state"] == "pending"
    assert receiver.ids() == [delivery["id"], delivery["id"]]
    assert receiver.received[0].body == receiver.received[1].body
    _verified(receiver.received, endpoint["secret"])


def test_a_disabled_endpoint_receives_nothing(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint with a delivery waiting, then disabled
    endpoint, stream = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    api = ApiClient(EVENTS, tenant_id)
    assert (
        _ok(api.request("PATCH", f"/webhook-endpoints/{endpoint['id']}", json_body={"enabled": False}))[
            "enabled"
        ]
        is False
    )

    # When the worker runs, and another lead is created
    _deliver(delivery_queue)
    _lead(tenant_id, 1)
    _publish(stream)
    _deliver(delivery_queue)

    # Then nothing reached the receiver; the waiting delivery is failed, the new lead made none
    assert receiver.received == []
    (dropped,) = _ok(api.get(f"/webhook-endpoints/{endpoint['id']}/deliveries"))["items"]
    assert dropped["state"] == "failed"
    assert dropped["attempts"] == []


def test_ap73_an_endpoint_failing_for_five_days_is_disabled_and_says_why(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint whose receiver always fails, a first failure recorded now
    receiver.answer(503)
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue, Locale.EN)
    _deliver(delivery_queue)
    first = WebhookEndpointRepository(tenant_id).get(endpoint["id"])
    assert first.enabled
    assert first.failing_since is not None
    (delivery,) = WebhookDeliveryRepository(tenant_id, endpoint["id"]).page(10, None)[0]

    # When an attempt fails again five days later (the delivery replayed then)
    later = first.failing_since + DISABLE_AFTER
    WebhookDeliveryRepository(tenant_id, endpoint["id"]).replay(delivery.id)
    EventDelivery(tenant_id, clock=lambda: later).deliver(endpoint["id"], delivery.id)

    # Then the endpoint is disabled, and the tenant reads why in its language
    shown = _ok(ApiClient(EVENTS, tenant_id).get(f"/webhook-endpoints/{endpoint['id']}"))
    assert shown["enabled"] is False
    assert shown["disabled_reason"].startswith(
        "Disabled: every delivery to this address has failed for 5 days"
    )
    # And enabling it again forgets its failures
    enabled = ApiClient(EVENTS, tenant_id).request(
        "PATCH", f"/webhook-endpoints/{endpoint['id']}", json_body={"enabled": True}
    )
    assert _ok(enabled)["enabled"] is True
    assert enabled.body["disabled_reason"] is None
    assert enabled.body["failing_since"] is None


def test_ap72_an_endpoint_is_registered_listed_changed_rotated_and_deleted(
    tenant_id: str, receiver: WebhookReceiver
) -> None:
    # Given a registered endpoint
    _tenant(tenant_id)
    api = ApiClient(EVENTS, tenant_id)
    endpoint = _register(tenant_id, receiver.url, "lead.created", "lead.created", "alert.opened")

    # When it is listed, changed and its secret rotated
    listed = _ok(api.get("/webhook-endpoints"))["items"]
    changed = _ok(
        api.request(
            "PATCH",
            f"/webhook-endpoints/{endpoint['id']}",
            json_body={"event_types": ["message.failed"], "description": "Zapier"},
        )
    )
    rotated = _ok(api.post(f"/webhook-endpoints/{endpoint['id']}/rotate-secret"))

    # Then the list holds it (its events once each), the change shows, the new secret differs
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert listed[0]["event_types"] == ["lead.created", "alert.opened"]
    assert "secret" not in listed[0]
    assert (changed["event_types"], changed["description"]) == (["message.failed"], "Zapier")
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != endpoint["secret"]

    # And once deleted it is a 404, and its secret is gone from SSM
    assert api.request("DELETE", f"/webhook-endpoints/{endpoint['id']}").status == 204
    assert api.get(f"/webhook-endpoints/{endpoint['id']}").status == 404
    assert _parameters_of(tenant_id) == []


def _parameters_of(tenant_id: str) -> list[str]:
    ssm = boto3.client("ssm", endpoint_url=_settings().ssm_endpoint, region_name="eu-west-3")
    found = ssm.get_parameters_by_path(Path=f"/max/{_settings().stage}/tenants/{tenant_id}", Recursive=True)
    return [p["Name"] for p in found["Parameters"]]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://10.0.0.1/hooks", "10.0.0.1"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::ffff:127.0.0.1]/hooks", "127.0.0.1"),
        ("https://localhost:8443/hooks", "localhost"),
        ("http://example.com/hooks", "https"),
        ("https://admin:secret@example.com/hooks", "ni identifiant ni mot de passe"),
    ],
)
def test_an_ssrf_attempt_is_refused_and_writes_nothing(
    tenant_id: str, ssm_endpoint: str, url: str, problem: str
) -> None:
    # Given a tenant, without the tests' local setting
    _tenant(tenant_id)
    api = ApiClient(EVENTS, tenant_id)

    # When an endpoint aimed at a private, link-local or loopback address, or over http, is registered
    refused = api.post("/webhook-endpoints", {"url": url, "event_types": ["lead.created"]})

    # Then it is a 422 naming what is wrong, and nothing was written
    assert refused.status == 422, refused.body
    assert problem in refused.body["error"]["message"] + json.dumps(refused.body["error"]["details"])
    assert _ok(api.get("/webhook-endpoints"))["items"] == []
    assert _parameters_of(tenant_id) == []


def test_an_unknown_event_type_is_a_422_naming_it(tenant_id: str, ssm_endpoint: str) -> None:
    _tenant(tenant_id)
    refused = ApiClient(EVENTS, tenant_id).post(
        "/webhook-endpoints", {"url": "https://example.com/hooks", "event_types": ["lead.deleted"]}
    )
    assert refused.status == 422
    (problem,) = refused.body["error"]["details"]
    assert problem["field"] == "event_types.0"
    assert "lead.created" in problem["message"]


def test_another_tenant_s_endpoint_is_a_404(
    tenant_id: str, other_tenant_id: str, receiver: WebhookReceiver
) -> None:
    # Given an endpoint of another tenant
    _tenant(tenant_id)
    _tenant(other_tenant_id)
    endpoint = _register(other_tenant_id, receiver.url, "lead.created")
    api = ApiClient(EVENTS, tenant_id)

    # Then every route answers 404 for it, and a member may not register one
    path = f"/webhook-endpoints/{endpoint['id']}"
    assert api.get(path).status == 404
    assert api.request("PATCH", path, json_body={"enabled": False}).status == 404
    assert api.post(f"{path}/rotate-secret").status == 404
    assert api.get(f"{path}/deliveries").status == 404
    assert api.post(f"{path}/deliveries/{endpoint['id']}/replay").status == 404
    assert api.request("DELETE", path).status == 404
    member = ApiClient(EVENTS, tenant_id, role="member")
    assert (
        member.post("/webhook-endpoints", {"url": receiver.url, "event_types": ["lead.created"]}).status
        == 403
    )
    # And the other tenant's endpoint is untouched
    assert _ok(ApiClient(EVENTS, other_tenant_id).get(path))["enabled"] is True


def test_a_delivery_already_delivered_is_not_sent_again_by_a_late_copy(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given a delivered event
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    copies = drain(delivery_queue)
    deliver = _delivery_function()
    context = LocalContext(function_name=EVENT_DELIVERY.function_name)
    assert deliver(sqs_event([("m-1", copies[0])]), context)["batchItemFailures"] == []

    # When SQS delivers the same message again
    again = sqs_event([("m-1", copies[0])], receive_count=2)
    assert deliver(again, context)["batchItemFailures"] == []

    # Then one request went out
    assert len(receiver.received) == 1
    (delivery,) = WebhookDeliveryRepository(tenant_id, endpoint["id"]).page(10, None)[0]
    assert delivery.state is DeliveryState.DELIVERED


def test_deliveries_wait_on_their_own_queue_and_an_old_one_on_the_fanout_queue_is_passed_on(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str, fanout_queue: str
) -> None:
    # Given a new lead's delivery, queued by the stream handler
    drain(fanout_queue)
    _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)

    # Then it waits on the delivery queue, not on the fan-out queue the other jobs share
    assert drain(fanout_queue) == []
    (queued,) = drain(delivery_queue)
    assert json.loads(queued)["job"] == "deliver_event"

    # When the same job sits on the fan-out queue (queued there before the delivery queue existed)
    boto3.client("sqs", endpoint_url=_settings().sqs_endpoint, region_name="eu-west-3").send_message(
        QueueUrl=fanout_queue, MessageBody=queued
    )
    (forwarded,) = run_worker_until_idle(fanout_queue, timeout_ms=300_000)
    assert receiver.received == []

    # Then the worker passed it on, and the delivery function delivers it
    _deliver(delivery_queue)
    assert receiver.ids() == [json.loads(queued)["item_id"].split("#", 1)[1]]
    assert forwarded == [queued]


def _rotate(tenant_id: str, endpoint_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(
        _ok(ApiClient(EVENTS, tenant_id).post(f"/webhook-endpoints/{endpoint_id}/rotate-secret", body))
    )


def _refused_by(secret: str, request: ReceivedRequest) -> None:
    """The independent verifier refuses ``request`` with ``secret``."""
    with pytest.raises(ValueError, match="no matching signature"):
        _verified([request], secret)


def test_ap90_a_replaced_secret_still_signs_for_24_hours_next_to_the_new_one(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str, time_machine: TimeMachineFixture
) -> None:
    # Given an endpoint whose secret is rotated, its consumer still holding the replaced one
    endpoint, stream = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    _deliver(delivery_queue)
    rotated = _rotate(tenant_id, endpoint["id"])
    overlap = datetime.fromisoformat(rotated["previous_secret_expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < overlap <= SECRET_OVERLAP

    # When a lead is created during the overlap
    _lead(tenant_id, 1)
    _publish(stream)
    _deliver(delivery_queue)

    # Then its event is signed with both secrets: a consumer holding either one verifies it
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    _verified([during], endpoint["secret"])
    _verified([during], rotated["secret"])

    # When a lead is created once the overlap is over
    time_machine.move_to(datetime.now(UTC) + SECRET_OVERLAP + timedelta(minutes=1), tick=True)
    _lead(tenant_id, 2)
    _publish(stream)
    _deliver(delivery_queue)

    # Then only the new secret verifies it
    after = receiver.received[-1]
    assert len(receiver.received) == 3
    _verified([after], rotated["secret"])
    _refused_by(endpoint["secret"], after)


def test_a_leaked_secret_stops_signing_at_once_and_leaves_ssm(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint with a delivery waiting
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)

    # When its secret is rotated with expire_previous_now, then the delivery made
    rotated = _rotate(tenant_id, endpoint["id"], {"expire_previous_now": True})
    _deliver(delivery_queue)

    # Then the replaced secret no longer verifies it, and only the new secret is left in SSM
    assert rotated["previous_secret_expires_at"] is None
    (request,) = receiver.received
    _verified([request], rotated["secret"])
    _refused_by(endpoint["secret"], request)
    assert len(_parameters_of(tenant_id)) == 1


def test_a_second_rotation_forgets_the_secret_the_first_one_kept(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint rotated twice, a delivery waiting
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)
    first = _rotate(tenant_id, endpoint["id"])
    first_credential = WebhookEndpointRepository(tenant_id).get(endpoint["id"]).secret_credential
    second = _rotate(tenant_id, endpoint["id"])

    # When the delivery is made
    _deliver(delivery_queue)

    # Then it is signed with the last two secrets, the first one is gone from SSM
    (request,) = receiver.received
    _verified([request], second["secret"])
    _verified([request], first["secret"])
    _refused_by(endpoint["secret"], request)
    assert len(_parameters_of(tenant_id)) == 2
    # And a rotation that read the endpoint before the second one is refused
    stale = WebhookEndpointRepository(tenant_id)
    with pytest.raises(ConflictError):
        stale.rotate_secret(
            endpoint["id"], first_credential, f"{endpoint['id']}.late", None, datetime.now(UTC)
        )


def test_a_rotation_with_a_bad_body_is_a_422_and_changes_nothing(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint with a delivery waiting
    endpoint, _ = _endpoint_and_a_new_lead(tenant_id, receiver, delivery_queue)

    # When a rotation is asked with a body that does not say yes or no
    path = f"/webhook-endpoints/{endpoint['id']}/rotate-secret"
    refused = ApiClient(EVENTS, tenant_id).post(path, {"expire_previous_now": "soon"})

    # Then it is a 422, and the delivery is still signed with the one secret there is
    assert refused.status == 422, refused.body
    _deliver(delivery_queue)
    (request,) = receiver.received
    assert " " not in request.headers["webhook-signature"]
    _verified([request], endpoint["secret"])
    assert len(_parameters_of(tenant_id)) == 1


def _classify_later(tenant_id: str, lead_id: str, intent: str) -> None:
    """What a classifier filling in a recorded reply's intent writes: the activity item's ``intent``."""
    dynamodb = boto3.client("dynamodb", endpoint_url=_settings().dynamodb_endpoint, region_name="eu-west-3")
    (item,) = dynamodb.query(
        TableName=_settings().table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :act)",
        ExpressionAttributeValues={":pk": {"S": lead_activity_pk(tenant_id, lead_id)}, ":act": {"S": "ACT#"}},
    )["Items"]
    dynamodb.update_item(
        TableName=_settings().table_name,
        Key={"PK": item["PK"], "SK": item["SK"]},
        UpdateExpression="SET intent = :intent",
        ExpressionAttributeValues={":intent": {"S": intent}},
    )


def test_a_reply_is_lead_replied_at_once_and_lead_reply_classified_when_its_intent_lands(
    tenant_id: str, receiver: WebhookReceiver, delivery_queue: str
) -> None:
    # Given an endpoint for replies and their intents, and a lead
    _tenant(tenant_id)
    endpoint = _register(tenant_id, receiver.url, "lead.replied", "lead.reply_classified")
    lead_id = _lead(tenant_id)
    stream = TableStream()

    # When the lead replies with no text to read yet (a photo), and the stream and the deliveries run
    reply = {"lead_id": lead_id, "channel": "whatsapp", "direction": "in", "status": "delivered"}
    message_id = _ok(ApiClient(ALERTS, tenant_id).post("/activities", reply), 201)["id"]
    _publish(stream)
    _deliver(delivery_queue)

    # Then lead.replied went at once, saying the intent is not known yet
    (replied,) = _verified(receiver.received, endpoint["secret"])
    assert replied["type"] == "lead.replied"
    assert replied["data"] == {
        "message_id": message_id,
        "lead_id": lead_id,
        "channel": "whatsapp",
        "intent": None,
    }

    # When its intent is filled in afterwards
    _classify_later(tenant_id, lead_id, "interested")
    _publish(stream)
    _deliver(delivery_queue)

    # Then lead.reply_classified follows, with the intent, under an id of its own
    classified = _verified(receiver.received[1:], endpoint["secret"])
    assert [(b["type"], b["data"]["intent"], b["data"]["previous_intent"]) for b in classified] == [
        ("lead.reply_classified", "interested", None)
    ]
    assert classified[0]["data"]["message_id"] == message_id
    assert len(set(receiver.ids())) == 2
