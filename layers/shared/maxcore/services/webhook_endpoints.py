"""Webhook endpoints: a tenant registers where its outbound events go; the URL is checked, the secret ours.

The signing secret is generated here and stored in SSM Parameter Store as a SecureString under the
tenant's own path (``/max/<stage>/tenants/<tenant>/webhooks/<endpoint>``), as the tenants' provider
credentials are (:mod:`maxcore.dal.secrets`): never in the table, whose stream, backups and exports
would carry it, and never in an answer but the one that creates (or rotates) it.

A rotation writes the new secret under a name of its own (``<endpoint>.<ulid>``) and switches the
endpoint item to it with a conditional write; the secret it replaced keeps signing, next to the new
one, for :data:`~maxcore.rules.outbound_events.SECRET_OVERLAP` (the item says until when: the
deliveries stop reading it then), and is deleted from SSM by the next rotation, by
``expire_previous_now``, or with the endpoint.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.secrets import SecretRepository
from maxcore.dal.webhook_endpoints import WebhookEndpointRepository
from maxcore.errors import ConflictError, InvalidInputError
from maxcore.ids import new_id
from maxcore.models.outbound_event import (
    CreateWebhookEndpointRequest,
    EventType,
    RotateSecretRequest,
    UpdateWebhookEndpointRequest,
    WebhookEndpoint,
    WebhookEndpointCreated,
    WebhookEndpointPage,
)
from maxcore.rules.outbound_events import (
    SECRET_BYTES,
    SECRET_OVERLAP,
    Address,
    Target,
    UnsafeUrlError,
    check_addresses,
    new_secret,
    parse_target,
    previous_secret_signs,
)
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings
from maxcore.texts import render

SECRET_PROVIDER = "webhooks"  # noqa: S105 (a path segment, not a secret)
"""The SSM path segment of the endpoints' signing secrets (the credential is the endpoint's id)."""

Resolver = Callable[[str, int], Iterable[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (none when it does not resolve)."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def checked_target(url: str, resolve: Resolver = resolve_host) -> tuple[Target, list[Address]]:
    """The URL's target and the addresses its host resolves to now, every one of them public.

    Raises
    ------
    InvalidInputError
        When the URL is not https, carries credentials, or its host resolves to nothing or to an
        address that is not public (loopback too, unless the local test setting allows it).
    """
    allow_local = get_settings().outbound_events_allow_local
    try:
        target = parse_target(url, allow_local)
        return target, check_addresses(target.host, resolve(target.host, target.port), allow_local)
    except UnsafeUrlError as exc:
        raise InvalidInputError(str(exc), exc.details) from exc


def signing_secrets(tenant_id: str, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with at ``now``: the endpoint's, then the one its last rotation
    replaced while their overlap lasts; none when its secret is gone (the endpoint deleted meanwhile)."""
    secrets = SecretRepository(tenant_id)
    current = secrets.get(SECRET_PROVIDER, endpoint.secret_credential)
    if current is None:
        return []
    previous = endpoint.previous_secret_credential
    if previous is None or not previous_secret_signs(endpoint.previous_secret_expires_at, now):
        return [current]
    replaced = secrets.get(SECRET_PROVIDER, previous)
    return [current] if replaced is None else [current, replaced]


def shown_to_tenant(endpoint: WebhookEndpoint, locale: str) -> WebhookEndpoint:
    """The endpoint with the reason it was disabled (a catalogue key) written in ``locale``."""
    if endpoint.disabled_reason is None:
        return endpoint
    return endpoint.model_copy(update={"disabled_reason": render(endpoint.disabled_reason, locale)})


def _unique(types: list[EventType]) -> list[EventType]:
    return list(dict.fromkeys(types))


class WebhookEndpointService:
    """The webhook endpoints of one tenant (admin routes)."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        resolve: Resolver = resolve_host,
    ) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self._resolve = resolve
        self.repository = WebhookEndpointRepository(tenant_id)
        self.secrets = SecretRepository(tenant_id)

    def create(self, request: CreateWebhookEndpointRequest) -> WebhookEndpointCreated:
        """Check the URL now, then store a new secret and the endpoint; a 422 writes nothing."""
        checked_target(request.url, self._resolve)
        now, endpoint_id = self._clock(), new_id()
        endpoint = WebhookEndpoint(
            id=endpoint_id,
            url=request.url,
            event_types=_unique(request.event_types),
            description=request.description,
            created_at=now,
            updated_at=now,
            secret_credential=endpoint_id,  # its first secret is named by its id
        )
        # The secret first: an endpoint never exists without one (a secret left by a crash is unused).
        secret = self._new_secret(endpoint.secret_credential)
        self.repository.create(endpoint)
        return WebhookEndpointCreated(**endpoint.model_dump(), secret=secret)

    def page(self) -> WebhookEndpointPage:
        """Every endpoint of the tenant, oldest first."""
        locale = self._locale()
        return WebhookEndpointPage(items=[shown_to_tenant(e, locale) for e in self.repository.every()])

    def get(self, endpoint_id: str) -> WebhookEndpoint:
        """One endpoint; 404 when unknown, also for another tenant's."""
        return shown_to_tenant(self.repository.get(endpoint_id), self._locale())

    def change(self, endpoint_id: str, request: UpdateWebhookEndpointRequest) -> WebhookEndpoint:
        """Change the fields sent; a new URL is checked as at registration."""
        current = self.repository.get(endpoint_id)
        if not request.model_fields_set:
            raise InvalidInputError("send at least one field to change")
        if request.url is not None:
            checked_target(request.url, self._resolve)
        changed = current.model_copy(
            update={
                "url": request.url or current.url,
                "event_types": _unique(request.event_types or current.event_types),
                "description": current.description if request.description is None else request.description,
                "enabled": current.enabled if request.enabled is None else request.enabled,
                "updated_at": self._clock(),
            }
        )
        return shown_to_tenant(self.repository.change(changed), self._locale())

    def delete(self, endpoint_id: str) -> None:
        """Delete the endpoint, then its secrets: its pending deliveries are dropped by the worker."""
        endpoint = self.repository.get(endpoint_id)
        self.repository.delete(endpoint_id)
        self._forget_secrets(endpoint.secret_credential, endpoint.previous_secret_credential)

    def rotate_secret(self, endpoint_id: str, request: RotateSecretRequest) -> WebhookEndpointCreated:
        """Replace the endpoint's secret; the new one is shown once, the replaced one still signs for
        :data:`SECRET_OVERLAP` (or stops at once with ``expire_previous_now``)."""
        endpoint = self.repository.get(endpoint_id)
        now = self._clock()
        credential = f"{endpoint_id}.{new_id()}"
        secret = self._new_secret(credential)
        overlap_until = None if request.expire_previous_now else now + SECRET_OVERLAP
        try:
            rotated = self.repository.rotate_secret(
                endpoint_id, endpoint.secret_credential, credential, overlap_until, now
            )
        except ConflictError:
            self._forget_secrets(credential)
            raise
        # No delivery reads these any more: the secret the last overlap kept, and the replaced one
        # when it expires now.
        replaced = endpoint.secret_credential if overlap_until is None else None
        self._forget_secrets(endpoint.previous_secret_credential, replaced)
        return WebhookEndpointCreated(**shown_to_tenant(rotated, self._locale()).model_dump(), secret=secret)

    def _new_secret(self, credential: str) -> str:
        secret = new_secret(os.urandom(SECRET_BYTES))
        self.secrets.put(SECRET_PROVIDER, credential, secret)
        return secret

    def _forget_secrets(self, *credentials: str | None) -> None:
        for credential in credentials:
            if credential is not None:
                self.secrets.delete(SECRET_PROVIDER, credential)

    def _locale(self) -> str:
        return tenant_settings(self.tenant_id).locale.value
