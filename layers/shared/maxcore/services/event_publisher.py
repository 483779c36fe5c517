"""Outbound events produced from the table's changes and fanned out to the endpoints subscribed.

The table's stream hands each change of an item to :meth:`EventPublisher.publish`. The pure rule
:func:`~maxcore.rules.outbound_events.events_of_change` says which events it makes; each gets an id
derived from the change (the stream record's id, the event type) and its time, so a stream batch read
twice gives the same ids. Each (event, endpoint) is one delivery item, written with a conditional put,
and one ``deliver_event`` job on the delivery queue, which the events' own delivery function runs
(:mod:`maxcore.services.event_delivery`): a slow endpoint never holds up the fan-out queue's jobs.
"""

from __future__ import annotations

import json
from datetime import datetime

from maxcore.dal.attributes import to_iso
from maxcore.dal.webhook_deliveries import WebhookDeliveryRepository
from maxcore.dal.webhook_endpoints import WebhookEndpointRepository
from maxcore.ids import stable_id
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.outbound_event import Delivery, DeliveryState, OutboundEvent, WebhookEndpoint
from maxcore.rules.outbound_events import Image, events_of_change, tenant_of
from maxcore.services.job_queue import delivery_queue, queue_messages


def outbound_events(
    change_id: str, at: datetime, old: Image | None, new: Image | None
) -> list[OutboundEvent]:
    """The events of one change, each with an id that the same change always gives again.

    Parameters
    ----------
    change_id
        What identifies the change for good (the stream record's ``eventID``).
    at
        When the change happened: the events' time, and their ids' time part (ULIDs sort by it).
    old, new
        The item before and after, as plain values (``None`` when it did not exist).
    """
    return [
        OutboundEvent(
            id=stable_id(at, change_id, event_type.value), type=event_type, occurred_at=at, data=data
        )
        for event_type, data in events_of_change(old, new)
    ]


def event_body(event: OutboundEvent) -> str:
    """The JSON body of an event, as the specification shapes it: type, timestamp and data."""
    body = {"type": event.type.value, "timestamp": to_iso(event.occurred_at), "data": event.data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def delivery_message(tenant_id: str, endpoint_id: str, event_id: str, at: datetime) -> TenantJobMessage:
    """The job (on the delivery queue) that delivers one event to one endpoint."""
    return TenantJobMessage(
        job=Job.DELIVER_EVENT, tenant_id=tenant_id, scheduled_at=at, item_id=f"{endpoint_id}#{event_id}"
    )


class EventPublisher:
    """Turns the table's changes into deliveries for the endpoints subscribed to them."""

    def __init__(self) -> None:
        self._endpoints: dict[str, list[WebhookEndpoint]] = {}

    def publish(self, change_id: str, at: datetime, old: Image | None, new: Image | None) -> int:
        """Record and queue the deliveries of one change's events; returns how many were queued."""
        events = outbound_events(change_id, at, old, new)
        tenant_id = None if new is None else tenant_of(new)
        if not events or tenant_id is None:
            return 0
        messages = []
        for event in events:
            payload = event_body(event)
            for endpoint in self._subscribed(tenant_id):
                if event.type not in endpoint.event_types:
                    continue
                delivery = Delivery(
                    id=event.id,
                    endpoint_id=endpoint.id,
                    event_type=event.type,
                    state=DeliveryState.PENDING,
                    payload=payload,
                    created_at=at,
                )
                WebhookDeliveryRepository(tenant_id, endpoint.id).create_once(delivery)
                # Queued even when the delivery existed: a crash may have come between the two.
                messages.append(delivery_message(tenant_id, endpoint.id, event.id, at))
        if messages:
            queue_messages(messages, delivery_queue().url)
        return len(messages)

    def _subscribed(self, tenant_id: str) -> list[WebhookEndpoint]:
        # A stream batch holds many changes of few tenants: their endpoints are read once per batch.
        if tenant_id not in self._endpoints:
            found = WebhookEndpointRepository(tenant_id).every()
            self._endpoints[tenant_id] = [e for e in found if e.enabled]
        return self._endpoints[tenant_id]
