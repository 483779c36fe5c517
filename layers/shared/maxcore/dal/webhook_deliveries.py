"""The webhook delivery repository: one event for one endpoint, its claim, attempts and outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import WebhookDeliveryItem
from maxcore.errors import NotFoundError
from maxcore.ids import new_id
from maxcore.models.outbound_event import Delivery, DeliveryAttempt, DeliveryState, EventType

KEPT = timedelta(days=30)
"""How long a delivery's record is kept (the table's TTL)."""


class WebhookDeliveryRepository(TenantRepository):
    """Deliveries of one endpoint of one tenant."""

    def __init__(self, tenant_id: str, endpoint_id: str) -> None:
        super().__init__(tenant_id)
        self.endpoint_id = endpoint_id

    def _key(self, event_id: str) -> tuple[str, str]:
        return keys.webhook_delivery_pk(self.tenant_id, self.endpoint_id), keys.webhook_delivery_sk(event_id)

    def create_once(self, delivery: Delivery) -> bool:
        """AP74: write the delivery of an event unless it exists (a change read twice); True if written."""
        item = WebhookDeliveryItem(
            *self._key(delivery.id),
            event_id=delivery.id,
            endpoint_id=self.endpoint_id,
            event_type=delivery.event_type.value,
            state=delivery.state.value,
            payload=delivery.payload,
            created_at=delivery.created_at,
            expires_at=int((delivery.created_at + KEPT).timestamp()),
        )
        try:
            item.save(condition=WebhookDeliveryItem.PK.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def get(self, event_id: str) -> Delivery:
        """AP74: one delivery (consistent); 404 when unknown, also under another tenant or endpoint."""
        try:
            item = WebhookDeliveryItem.get(*self._key(event_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(f"delivery {event_id} not found", {"delivery_id": event_id}) from exc
        return _delivery(item)

    def page(self, limit: int, cursor: str | None) -> tuple[list[Delivery], str | None]:
        """AP74: the endpoint's deliveries newest first; the cursor resumes after an event id."""
        condition: Condition = WebhookDeliveryItem.SK.startswith(keys.WEBHOOK_DELIVERY_SK_PREFIX)
        if cursor is not None:
            bound = keys.webhook_delivery_sk(decode_cursor(cursor))
            condition = WebhookDeliveryItem.SK.between(keys.WEBHOOK_DELIVERY_SK_PREFIX, bound)
        found: list[Delivery] = []
        for item in WebhookDeliveryItem.query(
            keys.webhook_delivery_pk(self.tenant_id, self.endpoint_id),
            condition,
            scan_index_forward=False,
            page_size=limit + 2,
        ):
            if not isinstance(item, WebhookDeliveryItem) or (cursor is not None and item.event_id == cursor):
                continue
            if len(found) == limit:
                return found, encode_cursor(found[-1].id)
            found.append(_delivery(item))
        return found, None

    def claim(self, event_id: str, now: datetime, lease: timedelta) -> tuple[str, Delivery] | None:
        """AP75: take a pending delivery no other worker holds; the claim's token and the delivery, or None.

        A delivery already delivered or failed, or held by a live claim, is not taken: a message
        delivered twice sends one request.
        """
        token = new_id()
        item = WebhookDeliveryItem(*self._key(event_id))
        free = WebhookDeliveryItem.lease_until.does_not_exist() | (WebhookDeliveryItem.lease_until <= now)
        try:
            item.update(
                actions=[
                    WebhookDeliveryItem.claim_token.set(token),
                    WebhookDeliveryItem.lease_until.set(now + lease),
                ],
                condition=WebhookDeliveryItem.PK.exists()
                & (WebhookDeliveryItem.state == DeliveryState.PENDING.value)
                & free,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return token, _delivery(item)

    def settle(
        self,
        event_id: str,
        token: str,
        attempt: DeliveryAttempt | None,
        state: DeliveryState,
        next_attempt_at: datetime | None,
    ) -> Delivery | None:
        """AP75: record an attempt (if one was made) and where the delivery stands, releasing the claim.

        ``failures`` counts the failed attempts in a row since the delivery (or its replay) began.
        Returns None when the claim was lost (another worker took the delivery since).
        """
        item = WebhookDeliveryItem(*self._key(event_id))
        actions: list[Action] = [
            WebhookDeliveryItem.state.set(state.value),
            WebhookDeliveryItem.claim_token.remove(),
            WebhookDeliveryItem.lease_until.remove(),
        ]
        if attempt is not None:
            actions.append(
                WebhookDeliveryItem.attempts.set(WebhookDeliveryItem.attempts.append([_row(attempt)]))
            )
            if attempt.error_kind is not None:
                actions.append(WebhookDeliveryItem.failures.add(1))
        actions.append(
            WebhookDeliveryItem.next_attempt_at.remove()
            if next_attempt_at is None
            else WebhookDeliveryItem.next_attempt_at.set(next_attempt_at)
        )
        try:
            item.update(actions=actions, condition=WebhookDeliveryItem.claim_token == token)
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return _delivery(item)

    def replay(self, event_id: str) -> Delivery:
        """AP76: make a delivery pending again with its failures forgotten; 404 when unknown."""
        item = WebhookDeliveryItem(*self._key(event_id))
        try:
            item.update(
                actions=[
                    WebhookDeliveryItem.state.set(DeliveryState.PENDING.value),
                    WebhookDeliveryItem.failures.set(0),
                    WebhookDeliveryItem.next_attempt_at.remove(),
                    WebhookDeliveryItem.lease_until.remove(),
                    WebhookDeliveryItem.claim_token.remove(),
                ],
                condition=WebhookDeliveryItem.PK.exists(),
            )
        except UpdateError as exc:
            if condition_failed(exc):
                raise NotFoundError(f"delivery {event_id} not found", {"delivery_id": event_id}) from exc
            raise
        return _delivery(item)


def _row(attempt: DeliveryAttempt) -> dict[str, object]:
    row: dict[str, object] = {"at": to_iso(attempt.at), "duration_ms": attempt.duration_ms}
    if attempt.status_code is not None:
        row["status_code"] = attempt.status_code
    if attempt.error_kind is not None:
        row["error_kind"] = attempt.error_kind.value
    return row


def _delivery(item: WebhookDeliveryItem) -> Delivery:
    return Delivery(
        id=item.event_id,
        endpoint_id=item.endpoint_id,
        event_type=EventType(item.event_type),
        state=DeliveryState(item.state),
        payload=item.payload,
        attempts=[DeliveryAttempt.model_validate(dict(row)) for row in item.attempts or []],
        failures=int(item.failures or 0),
        next_attempt_at=item.next_attempt_at,
        created_at=item.created_at,
    )
