"""Prospection API: scenarios, campaigns, their prospects and interactions, the blacklist, approvals."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import (
    JWT_SECURITY,
    CursorQuery,
    PositionCursorQuery,
    create_app,
    make_handler,
    principal,
    responses,
)
from maxcore.models.analytics import Funnel, Overview, StepsReport, TopMessages
from maxcore.models.automation import (
    AutomationList,
    AutomationResponse,
    AutomationRunPage,
    CreateAutomationRequest,
    UpdateAutomationRequest,
)
from maxcore.models.common import Ulid
from maxcore.models.prospection import (
    AddBlacklistRequest,
    Approval,
    ApprovalKind,
    ApprovalPage,
    ApprovalStatus,
    BlacklistEntry,
    BlacklistKind,
    BlacklistPage,
    CampaignPage,
    CampaignResponse,
    CreateCampaignRequest,
    CreateScenarioRequest,
    DecideApprovalRequest,
    EnrollmentReport,
    EnrollRequest,
    InteractionPage,
    ProspectChange,
    ProspectPage,
    ProspectResponse,
    ScenarioId,
    ScenarioList,
    ScenarioResponse,
    UpdateCampaignRequest,
    UpdateScenarioRequest,
)
from maxcore.services.analytics import AnalyticsService
from maxcore.services.approvals import ApprovalService
from maxcore.services.automations import AutomationService
from maxcore.services.blacklist import BlacklistService
from maxcore.services.campaigns import CampaignService
from maxcore.services.prospects import ProspectService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.schedule_preview import PreviewDate, SchedulePreview, SchedulePreviewService

app = create_app("M.A.X. prospection")

Limit = Annotated[int, Query(ge=1, le=100)]


# --- scenarios -----------------------------------------------------------------------------------
@app.get(
    "/scenarios",
    operation_id="listScenarios",
    responses=responses(200, "The predefined scenarios, then the tenant's own."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List scenarios",
)
def list_scenarios() -> ScenarioList:
    """The five predefined scenarios and the tenant's own (latest versions)."""
    service = ScenarioService(principal(app).tenant_id)
    return ScenarioList(items=[ScenarioResponse.of(s) for s in service.list()])


@app.post(
    "/scenarios",
    operation_id="createScenario",
    status_code=201,
    responses=responses(201, "The scenario, version 1."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Create a scenario",
)
def create_scenario(body: Annotated[CreateScenarioRequest, Body()]) -> ScenarioResponse:
    """A scenario of the tenant: steps numbered from 1, each with its delay, channel and objective."""
    return ScenarioResponse.of(ScenarioService(principal(app).tenant_id).create(body))


@app.get(
    "/scenarios/<scenario_id>",
    operation_id="getScenario",
    responses=responses(200, "The scenario's latest version, or the one asked for.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get a scenario",
)
def get_scenario(
    scenario_id: Annotated[ScenarioId, Path()],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> ScenarioResponse:
    """One scenario; ``version`` reads an older one (what running enrollments follow)."""
    service = ScenarioService(principal(app).tenant_id)
    found = service.latest(scenario_id) if version is None else service.version(scenario_id, version)
    return ScenarioResponse.of(found)


@app.patch(
    "/scenarios/<scenario_id>",
    operation_id="updateScenario",
    responses=responses(200, "The new version.", 404, 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Change a scenario (new version)",
)
def update_scenario(
    scenario_id: Annotated[ScenarioId, Path()], body: Annotated[UpdateScenarioRequest, Body()]
) -> ScenarioResponse:
    """A new version; prospects already enrolled keep the version they started. Predefined: 409."""
    return ScenarioResponse.of(ScenarioService(principal(app).tenant_id).update(scenario_id, body))


# --- campaigns -----------------------------------------------------------------------------------
@app.get(
    "/campaigns",
    operation_id="listCampaigns",
    responses=responses(200, "The campaigns, newest first."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List campaigns",
)
def list_campaigns() -> CampaignPage:
    """Every campaign of the tenant, newest first."""
    service = CampaignService(principal(app).tenant_id)
    return CampaignPage(items=[service.response(c, with_counts=False) for c in service.list()])


@app.post(
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
    service = CampaignService(principal(app).tenant_id)
    return service.response(service.create(body), with_counts=False)


@app.get(
    "/campaigns/<campaign_id>",
    operation_id="getCampaign",
    responses=responses(200, "The campaign with its prospects counted by status.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get a campaign",
)
def get_campaign(campaign_id: Annotated[Ulid, Path()]) -> CampaignResponse:
    """One campaign; another tenant's is a 404."""
    service = CampaignService(principal(app).tenant_id)
    return service.response(service.get(campaign_id))


@app.patch(
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
    service = CampaignService(principal(app).tenant_id)
    return service.response(service.update(campaign_id, body))


@app.delete(
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
    CampaignService(principal(app).tenant_id).delete(campaign_id)


# --- prospects -----------------------------------------------------------------------------------
@app.post(
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
    return ProspectService(principal(app).tenant_id).enroll(campaign_id, body)


@app.get(
    "/campaigns/<campaign_id>/prospects",
    operation_id="listProspects",
    responses=responses(200, "A page of prospects with their last decision.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List a campaign's prospects",
)
def list_prospects(
    campaign_id: Annotated[Ulid, Path()], limit: Limit = 50, cursor: CursorQuery = None
) -> ProspectPage:
    """The campaign's prospects: status, step, next action time and why."""
    items, next_cursor = ProspectService(principal(app).tenant_id).page(campaign_id, limit, cursor)
    return ProspectPage(items=items, next_cursor=next_cursor)


@app.get(
    "/campaigns/<campaign_id>/prospects/<lead_id>",
    operation_id="getProspect",
    responses=responses(200, "The prospect with every decision kept.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get a prospect",
)
def get_prospect(campaign_id: Annotated[Ulid, Path()], lead_id: Annotated[Ulid, Path()]) -> ProspectResponse:
    """One prospect of a campaign."""
    return ProspectService(principal(app).tenant_id).get(campaign_id, lead_id)


@app.patch(
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
    caller = principal(app)
    return ProspectService(caller.tenant_id).set_status(campaign_id, lead_id, body.status, caller.subject)


@app.delete(
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
    caller = principal(app)
    ProspectService(caller.tenant_id).remove(campaign_id, lead_id, caller.subject)


@app.get(
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
    limit: Limit = 50,
    cursor: PositionCursorQuery = None,
) -> InteractionPage:
    """Everything the scheduler did or did not do, and why (sent, skipped, deferred, stopped...)."""
    items, next_cursor = ProspectService(principal(app).tenant_id).interactions(
        campaign_id, limit, cursor, lead_id
    )
    return InteractionPage(items=items, next_cursor=next_cursor)


# --- automations ---------------------------------------------------------------------------------
@app.get(
    "/automations",
    operation_id="listAutomations",
    responses=responses(200, "The automations, newest first."),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="List automations",
)
def list_automations() -> AutomationList:
    """Every automation of the tenant, on or off."""
    service = AutomationService(principal(app).tenant_id)
    return AutomationList(items=[AutomationResponse.of(a) for a in service.list()])


@app.post(
    "/automations",
    operation_id="createAutomation",
    status_code=201,
    responses=responses(201, "The automation."),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Create an automation",
)
def create_automation(body: Annotated[CreateAutomationRequest, Body()]) -> AutomationResponse:
    """A trigger (silence, opened without reply, not opened, never contacted, inbound intent) with its
    config, one of the tenant's templates and stop conditions. It starts off unless ``enabled``; it
    is turned on only with an active (validated) template."""
    return AutomationResponse.of(AutomationService(principal(app).tenant_id).create(body))


@app.get(
    "/automations/<automation_id>",
    operation_id="getAutomation",
    responses=responses(200, "The automation.", 404),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Get an automation",
)
def get_automation(automation_id: Annotated[Ulid, Path()]) -> AutomationResponse:
    """One automation; another tenant's is a 404."""
    return AutomationResponse.of(AutomationService(principal(app).tenant_id).get(automation_id))


@app.patch(
    "/automations/<automation_id>",
    operation_id="updateAutomation",
    responses=responses(200, "The automation.", 404, 409),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Change an automation",
)
def update_automation(
    automation_id: Annotated[Ulid, Path()], body: Annotated[UpdateAutomationRequest, Body()]
) -> AutomationResponse:
    """Change the fields sent; a new trigger type without a config takes that type's defaults."""
    return AutomationResponse.of(AutomationService(principal(app).tenant_id).update(automation_id, body))


@app.delete(
    "/automations/<automation_id>",
    operation_id="deleteAutomation",
    status_code=204,
    responses=responses(204, "Deleted; what it did stays on the leads' timelines.", 404, 409),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Delete an automation",
)
def delete_automation(automation_id: Annotated[Ulid, Path()]) -> None:
    """Delete an automation."""
    AutomationService(principal(app).tenant_id).delete(automation_id)


@app.post(
    "/automations/<automation_id>/toggle",
    operation_id="toggleAutomation",
    responses=responses(200, "The automation, now on or off.", 404, 409),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Turn an automation on or off",
)
def toggle_automation(automation_id: Annotated[Ulid, Path()]) -> AutomationResponse:
    """Off becomes on (the template must be active), on becomes off."""
    return AutomationResponse.of(AutomationService(principal(app).tenant_id).toggle(automation_id))


@app.get(
    "/automations/<automation_id>/runs",
    operation_id="listAutomationRuns",
    responses=responses(200, "What the automation did to each lead, and why.", 404),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="List an automation's runs",
)
def list_automation_runs(
    automation_id: Annotated[Ulid, Path()], limit: Limit = 50, cursor: PositionCursorQuery = None
) -> AutomationRunPage:
    """Each occurrence of the trigger on a lead: sent, drafted, suggested, skipped or put off, and why."""
    items, next_cursor = AutomationService(principal(app).tenant_id).runs(automation_id, limit, cursor)
    return AutomationRunPage(items=items, next_cursor=next_cursor)


# --- blacklist -----------------------------------------------------------------------------------
@app.get(
    "/blacklist",
    operation_id="listBlacklistEntries",
    responses=responses(200, "The blacklist."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List the blacklist",
)
def list_blacklist() -> BlacklistPage:
    """Addresses the tenant never prospects."""
    return BlacklistPage(items=BlacklistService(principal(app).tenant_id).list())


@app.post(
    "/blacklist",
    operation_id="addBlacklistEntry",
    status_code=201,
    responses=responses(201, "Blacklisted.", 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Blacklist an address",
)
def add_blacklist(body: Annotated[AddBlacklistRequest, Body()]) -> BlacklistEntry:
    """Blacklist an e-mail or a phone (checked at enrollment and before every step)."""
    caller = principal(app)
    return BlacklistService(caller.tenant_id).add(body, caller.subject)


@app.delete(
    "/blacklist/<kind>/<value>",
    operation_id="removeBlacklistEntry",
    status_code=204,
    responses=responses(204, "Off the blacklist.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Take an address off the blacklist",
)
def remove_blacklist(
    kind: Annotated[BlacklistKind, Path()], value: Annotated[str, Path(min_length=3, max_length=254)]
) -> None:
    """Take an e-mail (``/blacklist/email/<address>``) or a phone off the blacklist."""
    BlacklistService(principal(app).tenant_id).remove(kind, value)


# --- analytics -----------------------------------------------------------------------------------
CampaignScope = Annotated[
    Ulid | None, Query(description="One campaign only; every campaign of the tenant by default.")
]


@app.get(
    "/analytics/overview",
    operation_id="getAnalyticsOverview",
    responses=responses(200, "Prospects, interactions, replies, reply rate, active campaigns.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Prospection overview",
)
def analytics_overview(campaign_id: CampaignScope = None) -> Overview:
    """The headline numbers of the prospection, or of one campaign (another tenant's is a 404)."""
    return AnalyticsService(principal(app).tenant_id).overview(campaign_id)


@app.get(
    "/analytics/funnel",
    operation_id="getAnalyticsFunnel",
    responses=responses(200, "Enrolled, contacted, replied, meeting, converted.", 404, 503),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Prospection funnel",
)
def analytics_funnel(campaign_id: CampaignScope = None) -> Funnel:
    """Each stage counts the prospects of the stage before that reach it, with its share of it."""
    return AnalyticsService(principal(app).tenant_id).funnel(campaign_id)


@app.get(
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
    return AnalyticsService(principal(app).tenant_id).steps(campaign_id, by_campaign)


@app.get(
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
    return AnalyticsService(principal(app).tenant_id).top_messages(campaign_id, min_sent, limit)


# --- approvals -----------------------------------------------------------------------------------
@app.get(
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
    limit: Limit = 50,
    cursor: CursorQuery = None,
) -> ApprovalPage:
    """What waits for the team: drafts to approve (assisted), tasks (calls, LinkedIn), suggestions."""
    items, next_cursor = ApprovalService(principal(app).tenant_id).page(limit, cursor, kind, status)
    return ApprovalPage(items=items, next_cursor=next_cursor)


@app.get(
    "/approvals/<approval_id>",
    operation_id="getApproval",
    responses=responses(200, "The approval.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Get an approval",
)
def get_approval(approval_id: Annotated[Ulid, Path()]) -> Approval:
    """One approval."""
    return ApprovalService(principal(app).tenant_id).get(approval_id)


@app.post(
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
    caller = principal(app)
    return ApprovalService(caller.tenant_id).decide(approval_id, body, caller.subject)


# --- schedule preview ----------------------------------------------------------------------------
@app.get(
    "/schedule/preview",
    operation_id="previewSchedule",
    responses=responses(200, "What the hourly scheduler would do that day, in run order; nothing is sent."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Preview a day of the scheduler",
)
def preview_schedule(date: Annotated[PreviewDate, Query()]) -> SchedulePreview:
    """Each step and each automation occurrence the scheduler would take that day (tenant's
    timezone): its local time, channel, message source, outcome and reason, blocked ones included.
    A past day, or one more than 90 days ahead, is a 422."""
    return SchedulePreviewService(principal(app).tenant_id).preview(date)


lambda_handler = make_handler(app)
