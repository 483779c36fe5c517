"""Bulk sends: one message to a segment of leads, sent by the worker within the window and the caps."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from maxcore.api import JWT_SECURITY, CursorQuery, LimitQuery, create_app, make_handler, principal, responses
from maxcore.models.bulk import (
    MAX_REQUEST_BYTES,
    BulkRecipientPage,
    BulkSend,
    BulkSendPage,
    CreateBulkSendRequest,
    RecipientStatus,
)
from maxcore.models.common import Ulid
from maxcore.models.message import IdempotencyKey
from maxcore.services.bulk_sends import BulkSendService

app = create_app("M.A.X. bulk sends")


@app.post(
    "/bulk-sends",
    operation_id="createBulkSend",
    status_code=202,
    responses=responses(202, "Accepted and queued: the worker sends it within the window and caps.", 422),
    security=JWT_SECURITY,
    tags=["bulk sends"],
    summary="Send one message to a segment of leads (admin)",
)
def create_bulk_send(
    body: Annotated[CreateBulkSendRequest, Body()],
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(alias="idempotency-key", description="Retrying with the same key accepts one bulk send."),
    ] = None,
) -> BulkSend:
    """One template or text, on one channel, to leads by status, tag and search, or to a list of ids
    (at most 10,000). An empty segment, a bigger one, or an unknown template is a 422."""
    caller = principal(app)
    caller.require_admin()
    return BulkSendService(caller.tenant_id).create(body, caller.subject, idempotency_key)


@app.get(
    "/bulk-sends",
    operation_id="listBulkSends",
    responses=responses(200, "The bulk sends, newest first."),
    security=JWT_SECURITY,
    tags=["bulk sends"],
    summary="List the bulk sends",
)
def list_bulk_sends(limit: LimitQuery = 20, cursor: CursorQuery = None) -> BulkSendPage:
    """Each bulk send with its state and progress."""
    return BulkSendService(principal(app).tenant_id).page(limit, cursor)


@app.get(
    "/bulk-sends/<bulk_id>",
    operation_id="getBulkSend",
    responses=responses(200, "The bulk send and its progress, readable while it runs.", 404),
    security=JWT_SECURITY,
    tags=["bulk sends"],
    summary="A bulk send and its progress",
)
def get_bulk_send(bulk_id: Annotated[Ulid, Path()]) -> BulkSend:
    """Recipients queued, pending (put off to a later run), sent and refused, and the next run planned."""
    return BulkSendService(principal(app).tenant_id).get(bulk_id)


@app.get(
    "/bulk-sends/<bulk_id>/recipients",
    operation_id="listBulkSendRecipients",
    responses=responses(200, "A page of the report, by lead.", 404),
    security=JWT_SECURITY,
    tags=["bulk sends"],
    summary="The per-recipient report",
)
def list_recipients(
    bulk_id: Annotated[Ulid, Path()],
    status: Annotated[RecipientStatus | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> BulkRecipientPage:
    """Each recipient's status, and for those refused or put off, the reason code and its text."""
    return BulkSendService(principal(app).tenant_id).recipients(bulk_id, status, limit, cursor)


@app.post(
    "/bulk-sends/<bulk_id>/cancel",
    operation_id="cancelBulkSend",
    responses=responses(200, "Cancelled: what had not gone never goes.", 404, 409),
    security=JWT_SECURITY,
    tags=["bulk sends"],
    summary="Cancel a bulk send",
)
def cancel_bulk_send(bulk_id: Annotated[Ulid, Path()]) -> BulkSend:
    """Stop what has not gone; any member may stop a send. A finished one is a 409."""
    return BulkSendService(principal(app).tenant_id).cancel(bulk_id)


# Only accepting a send takes a list of up to 10,000 ids; the other routes keep the 64 KiB limit.
lambda_handler = make_handler(app, body_limits={"POST /bulk-sends": MAX_REQUEST_BYTES})
