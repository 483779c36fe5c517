"""Scenarios: the five predefined ones every tenant has, and the tenant's own, versioned."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from maxcore.clock import utcnow
from maxcore.dal.scenarios import ScenarioRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.library import scenarios as library
from maxcore.models.prospection import (
    CreateScenarioRequest,
    Scenario,
    ScenarioStep,
    StepChannel,
    ThreadMode,
    UpdateScenarioRequest,
)
from maxcore.services.templates import TemplateService

PREDEFINED_AT = datetime(2026, 11, 21, tzinfo=UTC)
"""When the predefined scenarios' version 1 was released."""


def predefined_scenario(scenario_id: str) -> Scenario | None:
    """A predefined scenario as a domain scenario (version 1), or ``None``."""
    found = library.predefined(scenario_id)
    if found is None:
        return None
    return Scenario(
        id=found.id,
        version=1,
        name=found.name,
        description=found.description,
        steps=[
            ScenarioStep(
                order=s.order,
                delay_days=s.delay_days,
                channel=StepChannel(s.channel),
                objective=s.objective,
                ai_prompt=s.ai_prompt,
                cta=s.cta,
                thread=ThreadMode(s.thread),
                template_key=s.template,
            )
            for s in found.steps
        ],
        predefined=True,
        created_at=PREDEFINED_AT,
    )


class ScenarioService:
    """The scenarios one tenant can run; versions are cached for the life of the service."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = ScenarioRepository(tenant_id)
        self._clock = clock
        self._versions: dict[tuple[str, int], Scenario] = {}

    def list(self) -> list[Scenario]:
        """The predefined scenarios, then the tenant's own (latest versions, newest first)."""
        builtin = [s for s in (predefined_scenario(p.id) for p in library.PREDEFINED) if s is not None]
        return [*builtin, *self.repository.list_latest()]

    def latest(self, scenario_id: str) -> Scenario:
        """The version new enrollments get (404 when unknown to the tenant)."""
        return predefined_scenario(scenario_id) or self.repository.latest(scenario_id)

    def version(self, scenario_id: str, version: int) -> Scenario:
        """One version, as running enrollments need it (cached: versions never change)."""
        cached = self._versions.get((scenario_id, version))
        if cached is not None:
            return cached
        builtin = predefined_scenario(scenario_id)
        if builtin is not None:
            if version != builtin.version:
                raise NotFoundError(
                    f"scenario {scenario_id} has no version {version}",
                    {"scenario_id": scenario_id, "version": version},
                )
            found = builtin
        else:
            found = self.repository.get(scenario_id, version)
        self._versions[(scenario_id, version)] = found
        return found

    def create(self, request: CreateScenarioRequest) -> Scenario:
        """A new scenario of the tenant, version 1 (422 naming a step's unknown template)."""
        self._check_templates(request.steps)
        scenario = Scenario(
            id=new_id(),
            version=1,
            name=request.name,
            description=_description(request.description),
            steps=request.steps,
            created_at=self._clock(),
        )
        return self.repository.add_version(scenario)

    def update(self, scenario_id: str, request: UpdateScenarioRequest) -> Scenario:
        """A new version; running enrollments stay on theirs. Predefined scenarios are read-only."""
        if predefined_scenario(scenario_id) is not None:
            raise ConflictError(
                "predefined scenarios cannot be changed: create your own scenario from its steps",
                {"scenario_id": scenario_id},
            )
        current = self.repository.latest(scenario_id)
        if request.steps is not None:
            self._check_templates(request.steps)
        changes = {name: getattr(request, name) for name in request.model_fields_set}
        if "description" in changes:
            changes["description"] = _description(changes["description"])
        scenario = current.model_copy(
            update={**changes, "version": current.version + 1, "created_at": self._clock()}
        )
        return self.repository.add_version(Scenario.model_validate(scenario.model_dump()))

    def _check_templates(self, steps: Sequence[ScenarioStep]) -> None:
        """Every step's template is one of the tenant's, written for the step's channel; else a 422.

        A draft is accepted (it can be validated before the step runs; until then the model writes the
        step, or it becomes a task for the user), a template of another tenant or of nothing is not.
        """
        templates = TemplateService(self.tenant_id)
        problems: builtins.list[dict[str, str]] = []
        for index, step in enumerate(steps):
            named = [(f"steps.{index}.template_id", step.template_id)]
            named += [
                (f"steps.{index}.variants.{n}.template_id", variant.template_id)
                for n, variant in enumerate(step.variants or [])
            ]
            for field, template_id in named:
                problem = (
                    None if template_id is None else _template_problem(templates, template_id, step, field)
                )
                if problem is not None:
                    problems.append(problem)
        if problems:
            raise InvalidInputError("a step names a template it cannot use", problems)


def _template_problem(
    templates: TemplateService, template_id: str, step: ScenarioStep, field: str
) -> dict[str, str] | None:
    """Why ``step`` cannot use the template ``template_id`` (none of the tenant's, another channel's)."""
    try:
        template = templates.get(template_id)
    except NotFoundError:
        return {"field": field, "message": "no such template for this tenant"}
    if template.channel.value != step.channel.value:
        return {
            "field": field,
            "message": f"the template is written for {template.channel.value}, "
            f"the step is a {step.channel.value} step",
        }
    return None


def _description(text: str | None) -> str | None:
    """A blank description is no description.

    Stored as absent, never as an empty string: DynamoDB before 2020 (and the DynamoDB Local the
    tests run on) refuses empty string attributes, which made every such save fail.
    """
    return text if text and text.strip() else None
