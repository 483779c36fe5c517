"""Outbound events API: the webhook endpoints a tenant registers, their deliveries and replays (admin)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import (
    JWT_SECURITY,
    CursorQuery,
    LimitQuery,
    admin,
    create_app,
    make_handler,
    responses,
)
from maxcore.models.common import Ulid
from maxcore.models.outbound_event import (
    CreateWebhookEndpointRequest,
    Delivery,
    DeliveryPage,
    RotateSecretRequest,
    UpdateWebhookEndpointRequest,
    WebhookEndpoint,
    WebhookEndpointCreated,
    WebhookEndpointPage,
)
from maxcore.services.event_delivery import EventDelivery
from maxcore.services.webhook_endpoints import WebhookEndpointService

app = create_app("M.A.X. outbound events")
TAGS = ["outbound events"]


@app.post(
    "/webhook-endpoints",
    operation_id="createWebhookEndpoint",
    status_code=201,
    responses=responses(201, "Registered; the secret is shown this once.", 422),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="Register a webhook endpoint (admin)",
)
def create_endpoint(body: Annotated[CreateWebhookEndpointRequest, Body()]) -> WebhookEndpointCreated:
    """An https URL whose host resolves to public addresses only, and the events it wants."""
    return WebhookEndpointService(admin(app).tenant_id).create(body)


@app.get(
    "/webhook-endpoints",
    operation_id="listWebhookEndpoints",
    responses=responses(200, "The endpoints, oldest first."),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="List the webhook endpoints (admin)",
)
def list_endpoints() -> WebhookEndpointPage:
    """Every endpoint, with whether it is enabled and why not."""
    return WebhookEndpointService(admin(app).tenant_id).page()


@app.get(
    "/webhook-endpoints/<endpoint_id>",
    operation_id="getWebhookEndpoint",
    responses=responses(200, "The endpoint (never its secret).", 404),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="A webhook endpoint (admin)",
)
def get_endpoint(endpoint_id: Annotated[Ulid, Path()]) -> WebhookEndpoint:
    """Its URL, events, state and since when it fails, if it does."""
    return WebhookEndpointService(admin(app).tenant_id).get(endpoint_id)


@app.patch(
    "/webhook-endpoints/<endpoint_id>",
    operation_id="updateWebhookEndpoint",
    responses=responses(200, "The endpoint as changed.", 404, 422),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="Change a webhook endpoint (admin)",
)
def update_endpoint(
    endpoint_id: Annotated[Ulid, Path()], body: Annotated[UpdateWebhookEndpointRequest, Body()]
) -> WebhookEndpoint:
    """URL (checked again), events, description, or `enabled` (enabling forgets its failures)."""
    return WebhookEndpointService(admin(app).tenant_id).change(endpoint_id, body)


@app.delete(
    "/webhook-endpoints/<endpoint_id>",
    operation_id="deleteWebhookEndpoint",
    status_code=204,
    responses=responses(204, "Deleted, with its secret; nothing more is sent to it.", 404),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="Delete a webhook endpoint (admin)",
)
def delete_endpoint(endpoint_id: Annotated[Ulid, Path()]) -> None:
    """Its deliveries not yet made are dropped."""
    WebhookEndpointService(admin(app).tenant_id).delete(endpoint_id)


@app.post(
    "/webhook-endpoints/<endpoint_id>/rotate-secret",
    operation_id="rotateWebhookEndpointSecret",
    responses=responses(200, "The endpoint with its new secret, shown this once.", 404, 409, 422),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="Replace an endpoint's signing secret (admin)",
)
def rotate_secret(
    endpoint_id: Annotated[Ulid, Path()], body: Annotated[RotateSecretRequest | None, Body()] = None
) -> WebhookEndpointCreated:
    """For 24 hours every delivery is signed with both the new and the replaced secret
    (`webhook-signature: v1,<new> v1,<replaced>`), so a consumer moves to the new one without losing an
    event; `{"expire_previous_now": true}` (a leaked secret) stops the replaced one at once."""
    request = body or RotateSecretRequest()
    return WebhookEndpointService(admin(app).tenant_id).rotate_secret(endpoint_id, request)


@app.get(
    "/webhook-endpoints/<endpoint_id>/deliveries",
    operation_id="listWebhookDeliveries",
    responses=responses(200, "A page of deliveries, newest first, with their attempts.", 404),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="An endpoint's deliveries (admin)",
)
def list_deliveries(
    endpoint_id: Annotated[Ulid, Path()], limit: LimitQuery = 20, cursor: CursorQuery = None
) -> DeliveryPage:
    """Each event sent or to send, its state, attempts (status code, duration, error) and next try."""
    return EventDelivery(admin(app).tenant_id).page(endpoint_id, limit, cursor)


@app.post(
    "/webhook-endpoints/<endpoint_id>/deliveries/<delivery_id>/replay",
    operation_id="replayWebhookDelivery",
    status_code=202,
    responses=responses(202, "Queued again, with the same webhook-id.", 404),
    security=JWT_SECURITY,
    tags=TAGS,
    summary="Send a delivery again (admin)",
)
def replay_delivery(endpoint_id: Annotated[Ulid, Path()], delivery_id: Annotated[Ulid, Path()]) -> Delivery:
    """Whatever its state; the consumer recognises the event by its unchanged `webhook-id`."""
    return EventDelivery(admin(app).tenant_id).replay(endpoint_id, delivery_id)


lambda_handler = make_handler(app)
