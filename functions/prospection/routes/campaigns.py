"""Campaigns: a scenario run in a send window, paused, resumed or deleted with its prospects."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.budget import CampaignCost
from maxcore.models.common import Ulid
from maxcore.models.prospection import (
    CampaignPage,
    CampaignResponse,
    CreateCampaignRequest,
    UpdateCampaignRequest,
)
from maxcore.services.campaign_cost import CampaignCostService
from maxcore.services.campaigns import CampaignService

router = create_router()


@router.get(
    "/campaigns",
    operation_id="listCampaigns",
    responses=responses(200, "The campaigns, newest first."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List campaigns",
)
def list_campaigns() -> CampaignPage:
    """Every campaign of the tenant, newest first."""
    service = CampaignService(principal(router).tenant_id)
    return CampaignPage(items=[service.response(c, with_counts=False) for c in service.list()])


@router.post(
    "/campaigns",
    operation_id="createCampaign",
    status_code=201,
    responses=responses(201, "The campaign."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Create a campaign",
)
def create_campaign(body: Annotated[CreateCampaignRequest, Body()]) -> CampaignResponse:
    """A campaign running a scenario in a send window (the tenant's window and timezone by default)."""
    service = CampaignService(principal(router).tenant_id)
    return service.response(service.create(body), with_counts=False)


@router.get(
    "/campaigns/<campaign_id>",
    operation_id="getCampaign",
    responses=responses(200, "The campaign with its prospects counted by status.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get a campaign",
)
def get_campaign(campaign_id: Annotated[Ulid, Path()]) -> CampaignResponse:
    """One campaign; another tenant's is a 404."""
    service = CampaignService(principal(router).tenant_id)
    return service.response(service.get(campaign_id))


@router.get(
    "/campaigns/<campaign_id>/cost",
    operation_id="getCampaignCost",
    responses=responses(200, "The AI token cost of the campaign's next 7 days and the balance.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Estimate a campaign's token cost",
)
def get_campaign_cost(campaign_id: Annotated[Ulid, Path()]) -> CampaignCost:
    """The steps its running prospects reach in the next 7 days, what the model would charge for them,
    and whether the balance covers it; nothing is sent or spent."""
    return CampaignCostService(principal(router).tenant_id).week(campaign_id)


@router.patch(
    "/campaigns/<campaign_id>",
    operation_id="updateCampaign",
    responses=responses(200, "The campaign.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Change, pause or resume a campaign",
)
def update_campaign(
    campaign_id: Annotated[Ulid, Path()], body: Annotated[UpdateCampaignRequest, Body()]
) -> CampaignResponse:
    """``status: paused`` holds every prospect; ``active`` puts them back in the schedule."""
    service = CampaignService(principal(router).tenant_id)
    return service.response(service.update(campaign_id, body))


@router.delete(
    "/campaigns/<campaign_id>",
    operation_id="deleteCampaign",
    status_code=204,
    responses=responses(204, "Deleted with its prospects and interactions; the leads stay.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Delete a campaign",
)
def delete_campaign(campaign_id: Annotated[Ulid, Path()]) -> None:
    """Delete a campaign."""
    CampaignService(principal(router).tenant_id).delete(campaign_id)
