"""Outbound events: the endpoints a tenant registers, the events they receive, and each delivery's record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from maxcore.models.common import LazyModel, Line, StrictModel, Ulid

URL_MAX = 2048
"""The longest endpoint URL accepted."""


class EventType(StrEnum):
    """What an endpoint may subscribe to."""

    LEAD_CREATED = "lead.created"
    LEAD_REPLIED = "lead.replied"
    LEAD_REPLY_CLASSIFIED = "lead.reply_classified"
    LEAD_OPTED_OUT = "lead.opted_out"
    MESSAGE_SENT = "message.sent"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_FAILED = "message.failed"
    ALERT_OPENED = "alert.opened"
    ALERT_RESOLVED = "alert.resolved"
    PROSPECT_COMPLETED = "prospect.completed"
    APPROVAL_PENDING = "approval.pending"


EndpointUrl = Annotated[str, Field(min_length=8, max_length=URL_MAX, pattern=r"^\S+$")]
Description = Annotated[Line, Field(max_length=200)]


class CreateWebhookEndpointRequest(StrictModel):
    """An endpoint to register: where to POST, what it wants, a note for the people who read the list."""

    url: EndpointUrl = Field(description="An https URL whose host resolves to public addresses only.")
    event_types: list[EventType] = Field(
        min_length=1, max_length=len(EventType), description="The events it receives (see the README)."
    )
    description: Description = ""


class UpdateWebhookEndpointRequest(StrictModel):
    """What may change on an endpoint; the fields left out stay."""

    url: EndpointUrl | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=len(EventType))
    description: Description | None = None
    enabled: bool | None = Field(
        default=None, description="`true` enables a disabled endpoint again (its failures are forgotten)."
    )


class RotateSecretRequest(StrictModel):
    """How a secret is replaced: with a day's overlap, or at once (a leaked secret)."""

    expire_previous_now: bool = Field(
        default=False,
        description="`true`: the replaced secret stops signing at once, rather than 24 hours later.",
    )


class WebhookEndpoint(LazyModel):
    """A registered endpoint; its secret is never part of it."""

    id: Ulid
    url: str
    event_types: list[EventType]
    description: str = ""
    enabled: bool = True
    disabled_reason: str | None = Field(
        default=None, description="Why it was disabled, in the tenant's language (failing for days)."
    )
    failing_since: datetime | None = Field(
        default=None, description="Since when every attempt failed (cleared by a success)."
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None,
        description="Until when the secret the last rotation replaced still signs, next to the new one.",
    )
    created_at: datetime
    updated_at: datetime
    # Where its secrets are in SSM (their credential names); never serialized.
    secret_credential: str = Field(default="", exclude=True)
    previous_secret_credential: str | None = Field(default=None, exclude=True)


class WebhookEndpointCreated(WebhookEndpoint):
    """The endpoint just registered (or its secret just rotated), with the secret shown this once."""

    secret: str = Field(description="`whsec_<base64>`: keep it, it is never shown again.")


class WebhookEndpointPage(LazyModel):
    """The tenant's endpoints, oldest first."""

    items: list[WebhookEndpoint]


class OutboundEvent(LazyModel):
    """One event as produced from a change of the table: the same change always gives the same id."""

    id: Ulid
    type: EventType
    occurred_at: datetime
    data: dict[str, Any]


class DeliveryState(StrEnum):
    """Where a delivery is."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Every retry failed (or the endpoint was disabled meanwhile): only a replay sends it again."""


class ErrorKind(StrEnum):
    """Why an attempt failed without a status code, or with a bad one."""

    HTTP_STATUS = "http_status"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BLOCKED_ADDRESS = "blocked_address"


class DeliveryAttempt(LazyModel):
    """One POST to the endpoint."""

    at: datetime
    status_code: int | None = None
    duration_ms: int
    error_kind: ErrorKind | None = None


class Delivery(LazyModel):
    """One event for one endpoint, with its attempts (``webhook-id`` is the event id, every time)."""

    id: Ulid = Field(description="The event's id: the `webhook-id` header of every attempt.")
    endpoint_id: Ulid
    event_type: EventType
    state: DeliveryState
    payload: str = Field(description="The JSON body sent, byte for byte the same at every attempt.")
    attempts: list[DeliveryAttempt] = Field(default_factory=list)
    failures: int = Field(default=0, description="Failed attempts in a row since it (or its replay) began.")
    next_attempt_at: datetime | None = None
    created_at: datetime


class DeliveryPage(LazyModel):
    """A page of an endpoint's deliveries, newest first."""

    items: list[Delivery]
    next_cursor: str | None = None
