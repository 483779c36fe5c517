"""The webhook endpoint repository: where a tenant's outbound events go, and each endpoint's health."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import WebhookEndpointItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.outbound_event import EventType, WebhookEndpoint


class WebhookEndpointRepository(TenantRepository):
    """Webhook endpoints of one tenant."""

    def _key(self, endpoint_id: str) -> tuple[str, str]:
        return keys.webhook_endpoint_pk(self.tenant_id), keys.webhook_endpoint_sk(endpoint_id)

    def create(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """AP72: write a new endpoint, once."""
        item = WebhookEndpointItem(
            *self._key(endpoint.id),
            endpoint_id=endpoint.id,
            url=endpoint.url,
            event_types=[t.value for t in endpoint.event_types],
            description=endpoint.description or None,
            enabled=endpoint.enabled,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            secret_credential=endpoint.secret_credential or None,
        )
        try:
            item.save(condition=WebhookEndpointItem.PK.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise ConflictError("this endpoint exists already", {"endpoint_id": endpoint.id}) from exc
            raise
        return endpoint

    def get(self, endpoint_id: str) -> WebhookEndpoint:
        """AP72: one endpoint (consistent); 404 when unknown, also for another tenant's."""
        return _endpoint(self._item(endpoint_id))

    def find(self, endpoint_id: str) -> WebhookEndpoint | None:
        """AP72: one endpoint (consistent), or ``None`` when it was deleted."""
        try:
            return self.get(endpoint_id)
        except NotFoundError:
            return None

    def every(self) -> list[WebhookEndpoint]:
        """AP72: every endpoint of the tenant, oldest first (a tenant has a handful)."""
        items = WebhookEndpointItem.query(
            keys.webhook_endpoint_pk(self.tenant_id),
            WebhookEndpointItem.SK.startswith(keys.WEBHOOK_ENDPOINT_SK_PREFIX),
        )
        return [_endpoint(item) for item in items if isinstance(item, WebhookEndpointItem)]

    def change(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        """AP72: write what the tenant changed (URL, events, description, enabled), if it still exists.

        Enabling an endpoint forgets its failures and why it was disabled.
        """
        actions: list[Action] = [
            WebhookEndpointItem.url.set(endpoint.url),
            WebhookEndpointItem.event_types.set([t.value for t in endpoint.event_types]),
            WebhookEndpointItem.enabled.set(endpoint.enabled),
            WebhookEndpointItem.updated_at.set(endpoint.updated_at),
        ]
        actions.append(
            WebhookEndpointItem.description.set(endpoint.description)
            if endpoint.description
            else WebhookEndpointItem.description.remove()
        )
        if endpoint.enabled:
            actions += [
                WebhookEndpointItem.disabled_reason.remove(),
                WebhookEndpointItem.failing_since.remove(),
            ]
        self._update(endpoint.id, actions)
        return self.get(endpoint.id)

    def delete(self, endpoint_id: str) -> None:
        """AP72: delete the endpoint; 404 when it does not exist."""
        item = WebhookEndpointItem(*self._key(endpoint_id))
        try:
            item.delete(condition=WebhookEndpointItem.PK.exists())
        except DeleteError as exc:
            if condition_failed(exc):
                raise _not_found(endpoint_id) from exc
            raise

    def rotate_secret(
        self, endpoint_id: str, replaced: str, new: str, previous_until: datetime | None, now: datetime
    ) -> WebhookEndpoint:
        """AP90: sign with the secret named ``new`` from now on, if the current one is still ``replaced``.

        The replaced secret still signs until ``previous_until`` (not at all when ``None``); the one an
        earlier rotation kept is forgotten.

        Raises
        ------
        ConflictError
            When another rotation (or a deletion) came first.
        """
        still_current = WebhookEndpointItem.secret_credential == replaced
        if replaced == endpoint_id:  # an endpoint never rotated names its secret by its id
            still_current = still_current | WebhookEndpointItem.secret_credential.does_not_exist()
        actions: list[Action] = [
            WebhookEndpointItem.secret_credential.set(new),
            WebhookEndpointItem.updated_at.set(now),
        ]
        if previous_until is None:
            actions += [
                WebhookEndpointItem.previous_secret_credential.remove(),
                WebhookEndpointItem.previous_secret_until.remove(),
            ]
        else:
            actions += [
                WebhookEndpointItem.previous_secret_credential.set(replaced),
                WebhookEndpointItem.previous_secret_until.set(previous_until),
            ]
        item = WebhookEndpointItem(*self._key(endpoint_id))
        try:
            item.update(actions=actions, condition=WebhookEndpointItem.PK.exists() & still_current)
        except UpdateError as exc:
            if condition_failed(exc):
                raise ConflictError(
                    "the endpoint's secret was changed meanwhile; try again", {"endpoint_id": endpoint_id}
                ) from exc
            raise
        return _endpoint(item)

    def note_failure(self, endpoint_id: str, now: datetime) -> WebhookEndpoint | None:
        """AP73: remember since when the endpoint fails (the first failure in a row sets it)."""
        action = WebhookEndpointItem.failing_since.set(WebhookEndpointItem.failing_since | now)
        return self._update_if_exists(endpoint_id, [action])

    def note_success(self, endpoint_id: str) -> None:
        """AP73: the endpoint answered: its failures in a row are over."""
        self._update_if_exists(endpoint_id, [WebhookEndpointItem.failing_since.remove()])

    def disable(self, endpoint_id: str, reason: str, now: datetime) -> bool:
        """AP73: disable an enabled endpoint with a reason (a catalogue key); False if it was not enabled."""
        item = WebhookEndpointItem(*self._key(endpoint_id))
        try:
            item.update(
                actions=[
                    WebhookEndpointItem.enabled.set(False),
                    WebhookEndpointItem.disabled_reason.set(reason),
                    WebhookEndpointItem.updated_at.set(now),
                ],
                condition=WebhookEndpointItem.PK.exists() & (WebhookEndpointItem.enabled == True),  # noqa: E712
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _item(self, endpoint_id: str) -> WebhookEndpointItem:
        try:
            return WebhookEndpointItem.get(*self._key(endpoint_id), consistent_read=True)
        except DoesNotExist as exc:
            raise _not_found(endpoint_id) from exc

    def _update(self, endpoint_id: str, actions: list[Action]) -> WebhookEndpointItem:
        item = WebhookEndpointItem(*self._key(endpoint_id))
        try:
            item.update(actions=actions, condition=WebhookEndpointItem.PK.exists())
        except UpdateError as exc:
            if condition_failed(exc):
                raise _not_found(endpoint_id) from exc
            raise
        return item

    def _update_if_exists(self, endpoint_id: str, actions: list[Action]) -> WebhookEndpoint | None:
        try:
            return _endpoint(self._update(endpoint_id, actions))
        except NotFoundError:
            return None


def _not_found(endpoint_id: str) -> NotFoundError:
    return NotFoundError(f"webhook endpoint {endpoint_id} not found", {"endpoint_id": endpoint_id})


def _endpoint(item: WebhookEndpointItem) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=item.endpoint_id,
        url=item.url,
        event_types=[EventType(t) for t in item.event_types],
        description=item.description or "",
        enabled=item.enabled,
        disabled_reason=item.disabled_reason,
        failing_since=item.failing_since,
        previous_secret_expires_at=item.previous_secret_until if item.previous_secret_credential else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
        secret_credential=item.secret_credential or item.endpoint_id,
        previous_secret_credential=item.previous_secret_credential,
    )
