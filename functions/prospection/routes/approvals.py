"""Approvals: the drafts, tasks and recommendations waiting for the team's decision."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, CursorQuery, LimitQuery, create_router, principal, responses
from maxcore.models.common import Ulid
from maxcore.models.prospection import (
    Approval,
    ApprovalKind,
    ApprovalPage,
    ApprovalStatus,
    DecideApprovalRequest,
)
from maxcore.services.approvals import ApprovalService

router = create_router()


@router.get(
    "/approvals",
    operation_id="listApprovals",
    responses=responses(200, "Drafts, tasks and recommendations, newest first."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List approvals",
)
def list_approvals(
    kind: Annotated[ApprovalKind | None, Query()] = None,
    status: Annotated[ApprovalStatus | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ApprovalPage:
    """What waits for the team: drafts to approve (assisted), tasks (calls, LinkedIn), suggestions."""
    items, next_cursor = ApprovalService(principal(router).tenant_id).page(limit, cursor, kind, status)
    return ApprovalPage(items=items, next_cursor=next_cursor)


@router.get(
    "/approvals/<approval_id>",
    operation_id="getApproval",
    responses=responses(200, "The approval.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get an approval",
)
def get_approval(approval_id: Annotated[Ulid, Path()]) -> Approval:
    """One approval."""
    return ApprovalService(principal(router).tenant_id).get(approval_id)


@router.post(
    "/approvals/<approval_id>",
    operation_id="decideApproval",
    responses=responses(200, "Decided: a draft approved is sent, once.", 403, 404, 409, 429, 502),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Approve or reject",
)
def decide_approval(
    approval_id: Annotated[Ulid, Path()], body: Annotated[DecideApprovalRequest, Body()]
) -> Approval:
    """Approve (a draft is sent, possibly edited; a task is logged as done) or reject (the sequence
    moves on). A second decision is a 409."""
    caller = principal(router)
    return ApprovalService(caller.tenant_id).decide(approval_id, body, caller.subject)
