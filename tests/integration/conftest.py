"""A real DynamoDB API for the integration suite: moto's server, or DynamoDB Local.

``MAX_TEST_DYNAMODB=local`` runs the very same tests against AWS's DynamoDB Local; the default is
an embedded moto server. Tables are created from template.yaml's own definitions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import boto3
import pytest

from devserver.moto import AtomicMotoServer
from devserver.template import create_tables, load_template
from maxcore.dal import table
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.dynamodb_requests import RequestCounter, counting_requests
from tests.support.fake_llm import FakeChatCompletions, configured_model
from tests.support.fake_providers import FakeResend, FakeTwilio, running_fake_resend, running_fake_twilio


def _start_backend(stack: ExitStack) -> str:
    backend = os.environ.get("MAX_TEST_DYNAMODB", "moto")
    if backend == "local":
        from scripts.dynamodb_local import running_dynamodb_local

        return stack.enter_context(running_dynamodb_local())
    if backend != "moto":
        raise pytest.UsageError(f"MAX_TEST_DYNAMODB must be 'moto' or 'local', not {backend!r}")
    server = AtomicMotoServer()
    server.start()
    stack.callback(server.stop)
    return server.endpoint()


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """Endpoint of the DynamoDB API (and, on moto, SQS) the suite runs against."""
    with ExitStack() as stack:
        yield _start_backend(stack)


@pytest.fixture(scope="module", autouse=True)
def tables(aws_endpoint: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """Create the template's tables under fresh names, for each test module, and point the code at them.

    One table per module keeps every table small: moto copies the whole table for each item of a
    TransactWriteItems (its rollback), so a session-wide table would make transactions slower and
    slower as the suite fills it.
    """
    suffix = uuid.uuid4().hex[:8]
    names = {"MaxTable": f"max-{suffix}", "IdempotencyTable": f"max-idem-{suffix}"}
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="eu-west-3")
    # A module that reads the table's stream says so (``TABLE_STREAMS = True``): the others go without.
    create_tables(
        client, names, load_template(), with_streams=getattr(request.module, "TABLE_STREAMS", False)
    )
    os.environ.update(
        {
            "TABLE_NAME": names["MaxTable"],
            "IDEMPOTENCY_TABLE_NAME": names["IdempotencyTable"],
            "DYNAMODB_ENDPOINT": aws_endpoint,
        }
    )
    reset_settings()
    table.bind()
    return names


@pytest.fixture
def tenant_id() -> str:
    """A tenant of its own for each test, so tests never see each other's data."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def other_tenant_id() -> str:
    """A second tenant, for the cross-tenant tests."""
    return f"o-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def moto_endpoint(aws_endpoint: str) -> Iterator[str]:
    """A moto server for the AWS services DynamoDB Local lacks (SQS, SSM); the same server on moto."""
    with ExitStack() as stack:
        endpoint = aws_endpoint
        if os.environ.get("MAX_TEST_DYNAMODB", "moto") == "local":
            server = AtomicMotoServer()
            server.start()
            stack.callback(server.stop)
            endpoint = server.endpoint()
        yield endpoint


@pytest.fixture(scope="session")
def fanout_queue(moto_endpoint: str) -> str:
    """The fan-out queue on a moto server (DynamoDB Local has no SQS, so moto serves it there too)."""
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="eu-west-3")
    url = sqs.create_queue(QueueName=f"fanout-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    os.environ.update({"FANOUT_QUEUE_URL": url, "SQS_ENDPOINT": moto_endpoint})
    reset_settings()
    return url


@pytest.fixture(scope="session")
def delivery_queue(moto_endpoint: str) -> str:
    """The outbound events' delivery queue on the moto server, as the fan-out queue is made."""
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="eu-west-3")
    url = sqs.create_queue(QueueName=f"delivery-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    os.environ.update({"DELIVERY_QUEUE_URL": url, "DELIVERY_QUEUE_ARN": arn, "SQS_ENDPOINT": moto_endpoint})
    reset_settings()
    return url


@pytest.fixture(scope="session")
def timers(moto_endpoint: str, fanout_queue: str) -> str:
    """One-time timers on moto's EventBridge Scheduler, aimed at the fan-out queue (moto never fires them).

    Returns the endpoint; a test lists the schedules set there, or fires one by putting its input on
    the fan-out queue.
    """
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="eu-west-3")
    queue_arn = sqs.get_queue_attributes(QueueUrl=fanout_queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    os.environ.update(
        {
            "SCHEDULER_ENDPOINT": moto_endpoint,
            "TIMER_TARGET_ARN": queue_arn,
            "TIMER_ROLE_ARN": "arn:aws:iam::123456789012:role/max-test-timers",
            "TIMER_GROUP": "default",
        }
    )
    reset_settings()
    return moto_endpoint


@pytest.fixture(scope="session")
def ssm_endpoint(moto_endpoint: str) -> str:
    """SSM Parameter Store (the tenants' provider credentials) on the moto server."""
    os.environ["SSM_ENDPOINT"] = moto_endpoint
    reset_settings()
    return moto_endpoint


RESEND_LIVE_KEY = "re_live_Key_0123456789"
"""The Resend API key of the tenants whose e-mails :func:`resend_for_sends` receives."""
TWILIO_ACCOUNT_SID = "AC" + "5" * 32
TWILIO_AUTH_TOKEN = "tenanttwiliotoken0123456789abcd"
"""The Twilio credentials of the tenants whose SMS :func:`twilio_for_sends` receives."""


@pytest.fixture
def resend_for_sends(ssm_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResend]:
    """A fake Resend taking :data:`RESEND_LIVE_KEY`, where every e-mail the process sends goes."""
    with running_fake_resend(api_key=RESEND_LIVE_KEY) as fake:
        monkeypatch.setenv("RESEND_API_URL", fake.url)
        reset_settings()
        yield fake
    reset_settings()


@pytest.fixture
def twilio_for_sends(ssm_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    """A fake Twilio taking :data:`TWILIO_AUTH_TOKEN`, where every SMS the process sends goes."""
    with running_fake_twilio(auth_token=TWILIO_AUTH_TOKEN) as fake:
        monkeypatch.setenv("TWILIO_API_URL", fake.url)
        monkeypatch.delenv("PUBLIC_API_URL", raising=False)
        reset_settings()
        yield fake
    reset_settings()


def sms_through_twilio(tenant_id: str, sender: str, account_sid: str = TWILIO_ACCOUNT_SID) -> None:
    """Turn on the tenant's SMS channel, sending from ``sender`` through the Twilio account given,
    with :data:`TWILIO_AUTH_TOKEN`."""
    credentials = {"account_sid": account_sid, "auth_token": TWILIO_AUTH_TOKEN}
    response = ApiClient("functions/messaging/", tenant_id).request(
        "PUT", "/channels/sms", json_body={"credentials": credentials, "sender": sender}
    )
    assert response.status == 200, response.body


def email_through_resend(tenant_id: str, sender: str) -> None:
    """Turn on the tenant's e-mail channel, sending as ``sender`` with :data:`RESEND_LIVE_KEY`."""
    response = ApiClient("functions/messaging/", tenant_id).request(
        "PUT", "/channels/email", json_body={"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": sender}
    )
    assert response.status == 200, response.body


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatCompletions]:
    """A language model configured: the fake chat-completions server, which records every request."""
    with configured_model(monkeypatch) as fake:
        yield fake


def drain(queue_url: str) -> list[str]:
    """Receive and delete every message of the queue; return their bodies."""
    from maxcore.services.job_queue import sqs_client

    client = sqs_client()
    bodies: list[str] = []
    while True:
        received = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@dataclass(frozen=True)
class QueueConsumer:
    """A function an SQS queue feeds: where its handler is, and its name."""

    code_uri: str
    handler: str
    function_name: str


FANOUT_WORKER = QueueConsumer("functions/scheduler/", "worker.lambda_handler", "SchedulerWorkerFunction")
EVENT_DELIVERY = QueueConsumer("functions/events/", "deliver.lambda_handler", "EventsDeliveryFunction")


def run_worker_until_idle(
    queue_url: str, timeout_ms: int, most: int = 200, consumer: QueueConsumer = FANOUT_WORKER
) -> list[list[str]]:
    """Hand the queue's messages to its consumer (the fan-out worker unless told) as Lambda does, until
    the queue is empty.

    Each batch (ten messages at most) is one invocation whose timeout is ``timeout_ms``; its
    messages are deleted once it returns without failures, as the event source mapping does.
    Returns the bodies of each invocation's batch; fails after ``most`` invocations.
    """
    from devserver.events import LocalContext, sqs_event
    from devserver.functions import load_handler
    from maxcore.services.job_queue import sqs_client

    worker = load_handler(consumer.code_uri, consumer.handler)
    client = sqs_client()
    batches: list[list[str]] = []
    for _ in range(most):
        received = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            return batches
        event = sqs_event([(m["MessageId"], m["Body"]) for m in messages])
        result = worker(event, LocalContext(function_name=consumer.function_name, timeout_ms=timeout_ms))
        assert result["batchItemFailures"] == []
        for message in messages:
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        batches.append([m["Body"] for m in messages])
    raise AssertionError(f"the queue was still not empty after {most} invocations")


@pytest.fixture
def counter() -> Iterator[RequestCounter]:
    """The DynamoDB operations a test sends (for the access-pattern tests)."""
    with counting_requests() as counting:
        yield counting


@pytest.fixture(scope="session")
def export_bucket(moto_endpoint: str) -> str:
    """The exports' S3 bucket on the moto server (DynamoDB Local has no S3, so moto serves it there too)."""
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="eu-west-3")
    name = f"exports-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    os.environ.update({"EXPORT_BUCKET": name, "S3_ENDPOINT": moto_endpoint})
    reset_settings()
    return name
