"""A/B variants of a campaign's steps: their figures and verdicts, and the winner sent to new prospects."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.common import Ulid
from maxcore.models.prospection import MAX_STEPS
from maxcore.models.variants import ChooseWinnerRequest, StepVariants, VariantsReport
from maxcore.services.variants import VariantService

router = create_router()


@router.get(
    "/campaigns/<campaign_id>/variants",
    operation_id="getCampaignVariants",
    responses=responses(200, "Each step with variants: their figures, rates, verdict and winner.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Compare a campaign's A/B variants",
)
def get_variants(campaign_id: Annotated[Ulid, Path()]) -> VariantsReport:
    """Sent, delivered, opened, replies, positive replies and unsubscribes per variant, with the
    two-proportion test on the positive-reply rate; another tenant's campaign is a 404."""
    return VariantService(principal(router).tenant_id).report(campaign_id)


@router.post(
    "/campaigns/<campaign_id>/steps/<order>/winner",
    operation_id="chooseVariantWinner",
    responses=responses(200, "The step's variants with the winner chosen.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Send one variant to every new prospect",
)
def choose_winner(
    campaign_id: Annotated[Ulid, Path()],
    order: Annotated[int, Path(ge=1, le=MAX_STEPS)],
    body: Annotated[ChooseWinnerRequest, Body()],
) -> StepVariants:
    """Every prospect not yet sent the step gets the variant named, else the test's winner (409 while
    no variant is significantly better); prospects already sent it keep theirs."""
    caller = principal(router)
    return VariantService(caller.tenant_id).choose(campaign_id, order, body, caller.subject)
