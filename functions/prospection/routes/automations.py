"""Automations: a trigger on a lead's state, a template and stop conditions; what each run did."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, LimitQuery, PositionCursorQuery, create_router, principal, responses
from maxcore.models.automation import (
    AutomationList,
    AutomationResponse,
    AutomationRunPage,
    CreateAutomationRequest,
    UpdateAutomationRequest,
)
from maxcore.models.common import Ulid
from maxcore.services.automations import AutomationService

router = create_router()


@router.get(
    "/automations",
    operation_id="listAutomations",
    responses=responses(200, "The automations, newest first."),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="List automations",
)
def list_automations() -> AutomationList:
    """Every automation of the tenant, on or off."""
    service = AutomationService(principal(router).tenant_id)
    return AutomationList(items=[AutomationResponse.of(a) for a in service.list()])


@router.post(
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
    return AutomationResponse.of(AutomationService(principal(router).tenant_id).create(body))


@router.get(
    "/automations/<automation_id>",
    operation_id="getAutomation",
    responses=responses(200, "The automation.", 404),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Get an automation",
)
def get_automation(automation_id: Annotated[Ulid, Path()]) -> AutomationResponse:
    """One automation; another tenant's is a 404."""
    return AutomationResponse.of(AutomationService(principal(router).tenant_id).get(automation_id))


@router.patch(
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
    return AutomationResponse.of(AutomationService(principal(router).tenant_id).update(automation_id, body))


@router.delete(
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
    AutomationService(principal(router).tenant_id).delete(automation_id)


@router.post(
    "/automations/<automation_id>/toggle",
    operation_id="toggleAutomation",
    responses=responses(200, "The automation, now on or off.", 404, 409),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="Turn an automation on or off",
)
def toggle_automation(automation_id: Annotated[Ulid, Path()]) -> AutomationResponse:
    """Off becomes on (the template must be active), on becomes off."""
    return AutomationResponse.of(AutomationService(principal(router).tenant_id).toggle(automation_id))


@router.get(
    "/automations/<automation_id>/runs",
    operation_id="listAutomationRuns",
    responses=responses(200, "What the automation did to each lead, and why.", 404),
    security=JWT_SECURITY,
    tags=["automations"],
    summary="List an automation's runs",
)
def list_automation_runs(
    automation_id: Annotated[Ulid, Path()], limit: LimitQuery = 50, cursor: PositionCursorQuery = None
) -> AutomationRunPage:
    """Each occurrence of the trigger on a lead: sent, drafted, suggested, skipped or put off, and why."""
    items, next_cursor = AutomationService(principal(router).tenant_id).runs(automation_id, limit, cursor)
    return AutomationRunPage(items=items, next_cursor=next_cursor)
