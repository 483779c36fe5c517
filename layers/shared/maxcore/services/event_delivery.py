"""Outbound events delivered at least once, signed, retried, with the history and replays of the API.

The worker claims a pending delivery (a conditional write, so two copies of a message make one
request), re-reads the endpoint (disabled or deleted: dropped), checks its URL again after DNS
resolution, and POSTs the stored body to the checked address, signed as Standard Webhooks says, with
the event id as ``webhook-id`` every time. A 2xx is delivered; anything else is recorded and retried
after :data:`~maxcore.rules.outbound_events.RETRY_DELAYS` (an SQS delay up to 15 minutes, a one-time
timer beyond, both on the delivery queue), then failed. An endpoint failing every attempt for five
days is disabled.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from maxcore.channels import webhook_http
from maxcore.clock import utcnow
from maxcore.dal.webhook_deliveries import WebhookDeliveryRepository
from maxcore.dal.webhook_endpoints import WebhookEndpointRepository
from maxcore.errors import InvalidInputError
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.outbound_event import (
    Delivery,
    DeliveryAttempt,
    DeliveryPage,
    DeliveryState,
    ErrorKind,
    WebhookEndpoint,
)
from maxcore.observability import logger
from maxcore.rules.outbound_events import (
    retry_delay,
    should_disable,
    signatures,
)
from maxcore.services.event_publisher import delivery_message
from maxcore.services.job_queue import delivery_queue, queue_messages, sqs_client
from maxcore.services.timers import Timers, timer_name
from maxcore.services.webhook_endpoints import Resolver, checked_target, resolve_host, signing_secrets

LEASE = timedelta(minutes=2)
"""How long a worker holds a delivery it claimed: far beyond one request's timeout."""

TIMEOUT_SECONDS = 5.0
"""How long an endpoint has to answer (connect and respond)."""

SQS_MAX_DELAY_SECONDS = 900
"""The longest delay SQS gives a message (15 minutes)."""

DISABLED_REASON = "outbound.endpoint.disabled"
"""The catalogue key of why an endpoint was disabled."""

Poster = Callable[..., webhook_http.PostResult]


class EventDelivery:
    """Deliveries of one tenant's events: the worker's attempts and the API's history and replays."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        timers: Timers | None = None,
        resolve: Resolver = resolve_host,
        post: Poster = webhook_http.post,
    ) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self._timers = timers or Timers(clock)
        self._resolve = resolve
        self._post = post
        self.endpoints = WebhookEndpointRepository(tenant_id)

    # --- the API's side ---------------------------------------------------------------------------
    def page(self, endpoint_id: str, limit: int, cursor: str | None) -> DeliveryPage:
        """The endpoint's deliveries newest first, with their attempts; 404 for an unknown endpoint."""
        self.endpoints.get(endpoint_id)
        found, next_cursor = WebhookDeliveryRepository(self.tenant_id, endpoint_id).page(limit, cursor)
        return DeliveryPage(items=found, next_cursor=next_cursor)

    def replay(self, endpoint_id: str, event_id: str) -> Delivery:
        """Send a delivery again (whatever its state), with the same ``webhook-id``; 404 when unknown."""
        self.endpoints.get(endpoint_id)
        delivery = WebhookDeliveryRepository(self.tenant_id, endpoint_id).replay(event_id)
        message = delivery_message(self.tenant_id, endpoint_id, event_id, self._clock())
        queue_messages([message], delivery_queue().url)
        return delivery

    # --- the worker's side ------------------------------------------------------------------------
    def deliver(self, endpoint_id: str, event_id: str) -> dict[str, Any]:
        """Make one attempt at a pending delivery, if no other worker holds it."""
        now = self._clock()
        deliveries = WebhookDeliveryRepository(self.tenant_id, endpoint_id)
        claimed = deliveries.claim(event_id, now, LEASE)
        if claimed is None:
            return {"event_id": event_id, "outcome": "not_pending"}
        token, delivery = claimed
        endpoint = self.endpoints.find(endpoint_id)
        secrets = [] if endpoint is None else signing_secrets(self.tenant_id, endpoint, now)
        if endpoint is None or not endpoint.enabled or not secrets:
            # Deleted or disabled since: nothing is sent; a replay after enabling it sends it.
            deliveries.settle(event_id, token, None, DeliveryState.FAILED, None)
            return {"event_id": event_id, "outcome": "endpoint_gone_or_disabled"}
        attempt = self._attempt(endpoint, delivery, secrets)
        if attempt.error_kind is None:
            deliveries.settle(event_id, token, attempt, DeliveryState.DELIVERED, None)
            if endpoint.failing_since is not None:
                self.endpoints.note_success(endpoint_id)
            return {"event_id": event_id, "outcome": "delivered", "status_code": attempt.status_code}
        return self._failed(endpoint, delivery, token, attempt)

    def _failed(
        self, endpoint: WebhookEndpoint, delivery: Delivery, token: str, attempt: DeliveryAttempt
    ) -> dict[str, Any]:
        now = attempt.at
        delay = retry_delay(delivery.failures + 1)
        next_at = None if delay is None else now + delay
        state = DeliveryState.FAILED if next_at is None else DeliveryState.PENDING
        settled = WebhookDeliveryRepository(self.tenant_id, endpoint.id).settle(
            delivery.id, token, attempt, state, next_at
        )
        failing = self.endpoints.note_failure(endpoint.id, now)
        if failing is not None and should_disable(failing.failing_since, now):
            if self.endpoints.disable(endpoint.id, DISABLED_REASON, now):
                logger.warning("webhook endpoint disabled", extra={"endpoint_id": endpoint.id})
        elif settled is not None and next_at is not None:
            self._retry(endpoint.id, delivery.id, settled.failures, next_at, now)
        outcome = {"event_id": delivery.id, "outcome": state.value, "error_kind": attempt.error_kind}
        return {**outcome, "status_code": attempt.status_code, "retry_at": next_at}

    def _retry(self, endpoint_id: str, event_id: str, failures: int, at: datetime, now: datetime) -> None:
        # Up to SQS's longest delay the message waits in the queue; beyond, a one-time timer holds it.
        message = delivery_message(self.tenant_id, endpoint_id, event_id, at)
        queue = delivery_queue()
        wait = math.ceil((at - now).total_seconds())
        if wait <= SQS_MAX_DELAY_SECONDS:
            sqs_client().send_message(
                QueueUrl=queue.url, MessageBody=message.model_dump_json(), DelaySeconds=max(wait, 0)
            )
            return
        name = timer_name(self.tenant_id, "webhook-delivery", endpoint_id, event_id, str(failures))
        self._timers.set(name, at, message, queue)

    def _attempt(self, endpoint: WebhookEndpoint, delivery: Delivery, secrets: list[str]) -> DeliveryAttempt:
        started = self._clock()
        try:
            target, addresses = checked_target(endpoint.url, self._resolve)
        except InvalidInputError:
            return DeliveryAttempt(at=started, duration_ms=0, error_kind=ErrorKind.BLOCKED_ADDRESS)
        timestamp = int(started.timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "MAX-Webhooks/1.0",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures(secrets, delivery.id, timestamp, delivery.payload),
        }
        began = time.monotonic()
        try:
            result = self._post(target, addresses[0], headers, delivery.payload.encode(), TIMEOUT_SECONDS)
        except OSError:
            result = None
        duration_ms = int((time.monotonic() - began) * 1000)
        return DeliveryAttempt(
            at=started,
            status_code=None if result is None else result.status_code,
            duration_ms=duration_ms,
            error_kind=_error_kind(result),
        )


def _error_kind(result: webhook_http.PostResult | None) -> ErrorKind | None:
    if result is None:
        return ErrorKind.CONNECTION
    if result.timed_out:
        return ErrorKind.TIMEOUT
    status = result.status_code
    return None if status is not None and 200 <= status < 300 else ErrorKind.HTTP_STATUS


def run_delivery(message: TenantJobMessage) -> dict[str, Any]:
    """The delivery function's runner of a ``deliver_event`` job (``item_id``: ``<endpoint>#<event>``)."""
    if message.job is not Job.DELIVER_EVENT:
        raise ValueError(f"the delivery queue takes deliver_event jobs only, not {message.job.value}")
    if message.item_id is None or "#" not in message.item_id:
        raise ValueError("a deliver_event message needs its item_id, <endpoint>#<event>")
    endpoint_id, event_id = message.item_id.split("#", 1)
    return EventDelivery(message.tenant_id).deliver(endpoint_id, event_id)


def forward_delivery(message: TenantJobMessage, *_: object) -> dict[str, Any]:
    """The fan-out worker's runner of a ``deliver_event`` job: on to the delivery queue.

    Deliveries queued, and retry timers set, before the delivery queue existed still name the fan-out
    queue; they reach the delivery function this way instead of taking the worker's time.
    """
    queue_messages([message], delivery_queue().url)
    return {"item_id": message.item_id, "outcome": "forwarded"}
