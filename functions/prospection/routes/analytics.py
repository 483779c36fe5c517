"""Analytics: the prospection's (overview, funnel, steps, best messages), per channel, and the
dashboard's reporting overview."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.analytics import Funnel, Overview, StepsReport, TopMessages
from maxcore.models.common import Ulid
from maxcore.models.reporting import ChannelReport, ReportingOverview
from maxcore.services.analytics import AnalyticsService
from maxcore.services.reporting import ReportingService

router = create_router()


CampaignScope = Annotated[
    Ulid | None, Query(description="One campaign only; every campaign of the tenant by default.")
]


@router.get(
    "/analytics/overview",
    operation_id="getAnalyticsOverview",
    responses=responses(200, "Prospects, interactions, replies, reply rate, active campaigns.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Prospection overview",
)
def analytics_overview(campaign_id: CampaignScope = None) -> Overview:
    """The headline numbers of the prospection, or of one campaign (another tenant's is a 404)."""
    return AnalyticsService(principal(router).tenant_id).overview(campaign_id)


@router.get(
    "/analytics/funnel",
    operation_id="getAnalyticsFunnel",
    responses=responses(200, "Enrolled, contacted, replied, meeting, converted.", 404, 503),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Prospection funnel",
)
def analytics_funnel(campaign_id: CampaignScope = None) -> Funnel:
    """Each stage counts the prospects of the stage before that reach it, with its share of it."""
    return AnalyticsService(principal(router).tenant_id).funnel(campaign_id)


@router.get(
    "/analytics/steps",
    operation_id="getAnalyticsSteps",
    responses=responses(200, "Sends and replies per scenario step and per template.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Reply rate per step and per template",
)
def analytics_steps(
    campaign_id: CampaignScope = None,
    by_campaign: Annotated[bool, Query(description="Each campaign's steps apart.")] = False,
) -> StepsReport:
    """Reply rate per step of each scenario version, and per template (or AI / default message)."""
    return AnalyticsService(principal(router).tenant_id).steps(campaign_id, by_campaign)


@router.get(
    "/analytics/top-messages",
    operation_id="getAnalyticsTopMessages",
    responses=responses(200, "The step messages with the best reply rates.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Best messages",
)
def analytics_top_messages(
    campaign_id: CampaignScope = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    min_sent: Annotated[int, Query(ge=1, le=100_000, description="Sends a message needs to be ranked.")] = 5,
) -> TopMessages:
    """Step messages (a step written by one template, the AI or the default) by reply rate."""
    return AnalyticsService(principal(router).tenant_id).top_messages(campaign_id, min_sent, limit)


@router.get(
    "/analytics/channels",
    operation_id="getChannelAnalytics",
    responses=responses(
        200,
        "Per channel: sent, delivered, read, replies, reply rate, median time to reply, conversions.",
        404,
        422,
    ),
    security=JWT_SECURITY,
    tags=["reporting"],
    summary="Per-channel analytics over a period",
)
def analytics_channels(
    start: Annotated[date, Query(alias="from", description="First day, in the tenant's time zone.")],
    end: Annotated[date, Query(alias="to", description="Last day, included; at most 366 days after `from`.")],
) -> ChannelReport:
    """Every channel's facts over the tenant's days `from` to `to`, read from the day counters."""
    return ReportingService(principal(router).tenant_id).channels(start, end)


@router.get(
    "/reporting/overview",
    operation_id="getReportingOverview",
    responses=responses(200, "The dashboard's figures.", 404),
    security=JWT_SECURITY,
    tags=["reporting"],
    summary="Reporting overview for the dashboard",
)
def reporting_overview() -> ReportingOverview:
    """Leads not followed up, hot leads waiting, messages this week against last, tokens, best template."""
    return ReportingService(principal(router).tenant_id).overview()
