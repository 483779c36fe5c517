"""Satisfaction survey analytics: the scores' counts and averages per template, campaign and month."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.appointment import SurveyAnalytics
from maxcore.models.common import MONTH_PATTERN
from maxcore.services.surveys import SurveyService

router = create_router()


@router.get(
    "/analytics/surveys",
    operation_id="getSurveyAnalytics",
    responses=responses(200, "Counts and averages of the survey scores over the months asked for."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Satisfaction survey scores",
)
def survey_analytics(
    first: Annotated[str, Query(alias="from", pattern=MONTH_PATTERN, description="First month, YYYY-MM.")],
    last: Annotated[str, Query(alias="to", pattern=MONTH_PATTERN, description="Last month, YYYY-MM.")],
) -> SurveyAnalytics:
    """Scores the leads gave to satisfaction surveys, answered from ``from`` to ``to`` (months included)."""
    return SurveyService(principal(router).tenant_id).analytics(first, last)
