"""A campaign's prospects: enrollment by lead id or CSV, pause, removal, and the interactions kept."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import (
    JWT_SECURITY,
    CursorQuery,
    LimitQuery,
    PositionCursorQuery,
    create_router,
    principal,
    responses,
)
from maxcore.models.common import Ulid
from maxcore.models.prospection import (
    EnrollmentReport,
    EnrollRequest,
    InteractionPage,
    ProspectChange,
    ProspectPage,
    ProspectResponse,
)
from maxcore.services.prospects import ProspectService

router = create_router()


@router.post(
    "/campaigns/<campaign_id>/prospects",
    operation_id="enrollProspects",
    responses=responses(200, "Row by row: accepted, or rejected with the reason.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Enroll prospects",
)
def enroll(campaign_id: Annotated[Ulid, Path()], body: Annotated[EnrollRequest, Body()]) -> EnrollmentReport:
    """Enroll leads by id, or CSV rows (leads are found by e-mail or phone, else created). Bad phone,
    bad e-mail, duplicate, opted out and blacklisted rows are rejected with their reason."""
    return ProspectService(principal(router).tenant_id).enroll(campaign_id, body)


@router.get(
    "/campaigns/<campaign_id>/prospects",
    operation_id="listProspects",
    responses=responses(200, "A page of prospects with their last decision.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List a campaign's prospects",
)
def list_prospects(
    campaign_id: Annotated[Ulid, Path()], limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ProspectPage:
    """The campaign's prospects: status, step, next action time and why."""
    items, next_cursor = ProspectService(principal(router).tenant_id).page(campaign_id, limit, cursor)
    return ProspectPage(items=items, next_cursor=next_cursor)


@router.get(
    "/campaigns/<campaign_id>/prospects/<lead_id>",
    operation_id="getProspect",
    responses=responses(200, "The prospect with every decision kept.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get a prospect",
)
def get_prospect(campaign_id: Annotated[Ulid, Path()], lead_id: Annotated[Ulid, Path()]) -> ProspectResponse:
    """One prospect of a campaign."""
    return ProspectService(principal(router).tenant_id).get(campaign_id, lead_id)


@router.patch(
    "/campaigns/<campaign_id>/prospects/<lead_id>",
    operation_id="updateProspect",
    responses=responses(200, "The prospect.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Pause or resume a prospect",
)
def change_prospect(
    campaign_id: Annotated[Ulid, Path()],
    lead_id: Annotated[Ulid, Path()],
    body: Annotated[ProspectChange, Body()],
) -> ProspectResponse:
    """``paused`` takes the prospect out of the schedule; ``active`` puts it back."""
    caller = principal(router)
    return ProspectService(caller.tenant_id).set_status(campaign_id, lead_id, body.status, caller.subject)


@router.delete(
    "/campaigns/<campaign_id>/prospects/<lead_id>",
    operation_id="removeProspect",
    status_code=204,
    responses=responses(204, "Removed; its history stays.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Remove a prospect",
)
def remove_prospect(campaign_id: Annotated[Ulid, Path()], lead_id: Annotated[Ulid, Path()]) -> None:
    """Take a prospect out of the campaign for good."""
    caller = principal(router)
    ProspectService(caller.tenant_id).remove(campaign_id, lead_id, caller.subject)


@router.get(
    "/campaigns/<campaign_id>/interactions",
    operation_id="listCampaignInteractions",
    responses=responses(200, "The campaign's decisions, newest first.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List a campaign's interactions",
)
def list_interactions(
    campaign_id: Annotated[Ulid, Path()],
    lead_id: Annotated[Ulid | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: PositionCursorQuery = None,
) -> InteractionPage:
    """Everything the scheduler did or did not do, and why (sent, skipped, deferred, stopped...)."""
    items, next_cursor = ProspectService(principal(router).tenant_id).interactions(
        campaign_id, limit, cursor, lead_id
    )
    return InteractionPage(items=items, next_cursor=next_cursor)
