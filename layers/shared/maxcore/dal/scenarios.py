"""The scenario repository: a tenant's own scenarios, one item per version."""

from __future__ import annotations

import json

from pynamodb.exceptions import PutError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ScenarioItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.prospection import Scenario, ScenarioStep


class ScenarioRepository(TenantRepository):
    """Versions of one tenant's scenarios (the predefined ones live in the library, not here)."""

    def get(self, scenario_id: str, version: int) -> Scenario:
        """AP29: one version of a scenario (404 when unknown)."""
        try:
            item = ScenarioItem.get(keys.scenario_pk(self.tenant_id), keys.scenario_sk(scenario_id, version))
        except ScenarioItem.DoesNotExist as exc:
            raise NotFoundError(f"scenario {scenario_id} not found", {"scenario_id": scenario_id}) from exc
        return _scenario(item)

    def latest(self, scenario_id: str) -> Scenario:
        """AP29: the newest version of a scenario: one Query, descending, limit 1."""
        for item in ScenarioItem.query(
            keys.scenario_pk(self.tenant_id),
            ScenarioItem.SK.startswith(f"SCENARIO#{scenario_id}#V#"),
            scan_index_forward=False,
            limit=1,
            consistent_read=True,
        ):
            if isinstance(item, ScenarioItem):
                return _scenario(item)
        raise NotFoundError(f"scenario {scenario_id} not found", {"scenario_id": scenario_id})

    def list_latest(self) -> list[Scenario]:
        """AP29: the newest version of each of the tenant's scenarios, newest scenario first."""
        newest: dict[str, ScenarioItem] = {}
        for item in ScenarioItem.query(
            keys.scenario_pk(self.tenant_id), ScenarioItem.SK.startswith("SCENARIO#")
        ):
            if isinstance(item, ScenarioItem):
                newest[item.scenario_id] = item  # versions sort ascending: the last one wins
        return sorted((_scenario(i) for i in newest.values()), key=lambda s: s.id, reverse=True)

    def add_version(self, scenario: Scenario) -> Scenario:
        """AP29: write a new version; a version that already exists (a concurrent edit) is a 409."""
        item = ScenarioItem(
            keys.scenario_pk(self.tenant_id),
            keys.scenario_sk(scenario.id, scenario.version),
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            name=scenario.name,
            description=scenario.description,
            steps=json.dumps([s.model_dump(mode="json") for s in scenario.steps]),
            created_at=scenario.created_at,
        )
        try:
            item.save(condition=ScenarioItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the scenario changed meanwhile; read it again", {"scenario_id": scenario.id}
            ) from exc
        return scenario


def _scenario(item: ScenarioItem) -> Scenario:
    return Scenario(
        id=item.scenario_id,
        version=int(item.scenario_version),
        name=item.name,
        description=item.description,
        steps=[ScenarioStep.model_validate(s) for s in json.loads(item.steps)],
        predefined=False,
        created_at=item.created_at,
    )
