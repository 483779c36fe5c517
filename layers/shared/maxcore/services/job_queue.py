"""The job queues: the fan-out queue, where the schedules, the webhooks and the continuations of long
jobs queue work, and the delivery queue, where the outbound events' deliveries wait for their own workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from maxcore.models.jobs import TenantJobMessage
from maxcore.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_BATCH = 10
"""SendMessageBatch takes at most ten entries."""

FANOUT_MAX_RECEIVES = 5
"""The fan-out queue's ``maxReceiveCount`` (template.yaml): its message's last delivery before the DLQ."""


def sqs_client() -> SQSClient:
    """The SQS client of this process (endpoint overridable for the local run)."""
    import boto3

    settings = get_settings()
    return boto3.client("sqs", region_name=settings.region, endpoint_url=settings.sqs_endpoint)


def fanout_queue_url() -> str:
    """The fan-out queue's URL; a function deployed without one fails loudly."""
    queue_url = get_settings().fanout_queue_url
    if not queue_url:
        raise RuntimeError("FANOUT_QUEUE_URL is not set")
    return queue_url


@dataclass(frozen=True)
class QueueTarget:
    """A queue as both its senders know it: SQS by URL, EventBridge Scheduler (a timer) by ARN."""

    url: str
    arn: str


def delivery_queue() -> QueueTarget:
    """The delivery queue of the outbound events; a function deployed without it fails loudly."""
    settings = get_settings()
    if not settings.delivery_queue_url or not settings.delivery_queue_arn:
        raise RuntimeError("DELIVERY_QUEUE_URL and DELIVERY_QUEUE_ARN are not set")
    return QueueTarget(settings.delivery_queue_url, settings.delivery_queue_arn)


def send_batch(client: Any, queue_url: str, messages: Sequence[TenantJobMessage]) -> None:
    """Send at most :data:`SQS_BATCH` messages in one request.

    Raises
    ------
    RuntimeError
        When SQS refuses some entries: the caller fails, and what queued it is retried.
    """
    response = client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": str(i), "MessageBody": m.model_dump_json()} for i, m in enumerate(messages)],
    )
    if failed := response.get("Failed"):
        raise RuntimeError(f"SQS refused {len(failed)} fan-out messages: {failed}")


def queue_messages(messages: Sequence[TenantJobMessage], queue_url: str | None = None) -> None:
    """Send ``messages`` to ``queue_url`` (the fan-out queue when not given), ten per request."""
    client, queue_url = sqs_client(), queue_url or fanout_queue_url()
    for start in range(0, len(messages), SQS_BATCH):
        send_batch(client, queue_url, messages[start : start + SQS_BATCH])
