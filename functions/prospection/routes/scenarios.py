"""Scenarios: the five predefined ones and the tenant's own, each change a new version."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.prospection import (
    CreateScenarioRequest,
    ScenarioId,
    ScenarioList,
    ScenarioResponse,
    UpdateScenarioRequest,
)
from maxcore.services.scenarios import ScenarioService

router = create_router()


@router.get(
    "/scenarios",
    operation_id="listScenarios",
    responses=responses(200, "The predefined scenarios, then the tenant's own."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List scenarios",
)
def list_scenarios() -> ScenarioList:
    """The five predefined scenarios and the tenant's own (latest versions)."""
    service = ScenarioService(principal(router).tenant_id)
    return ScenarioList(items=[ScenarioResponse.of(s) for s in service.list()])


@router.post(
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
    return ScenarioResponse.of(ScenarioService(principal(router).tenant_id).create(body))


@router.get(
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
    service = ScenarioService(principal(router).tenant_id)
    found = service.latest(scenario_id) if version is None else service.version(scenario_id, version)
    return ScenarioResponse.of(found)


@router.patch(
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
    return ScenarioResponse.of(ScenarioService(principal(router).tenant_id).update(scenario_id, body))
