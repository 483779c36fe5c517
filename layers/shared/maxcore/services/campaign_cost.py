"""A campaign's AI token cost over its next 7 days, shown before its steps run (GET /campaigns/{id}/cost)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.models.budget import CampaignCost
from maxcore.models.prospection import MessageSource, Scenario, ScenarioStep
from maxcore.rules.campaign_cost import COST_HORIZON, cost_by_step, steps_due
from maxcore.rules.send_window import Window
from maxcore.services.budget import BudgetService
from maxcore.services.composer import Composer
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings


class CampaignCostService:
    """Estimates what one tenant's campaigns will spend; reads only, spends nothing."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.campaigns = CampaignRepository(tenant_id)
        self.enrollments = EnrollmentRepository(tenant_id)
        self.scenarios = ScenarioService(tenant_id)
        self.composer = Composer(tenant_settings(tenant_id))
        self.budget = BudgetService(tenant_id, clock)
        self._clock = clock
        self._sources: dict[tuple[str, int], dict[int, MessageSource | None]] = {}

    def week(self, campaign_id: str) -> CampaignCost:
        """The steps its running prospects reach in the next 7 days, priced, with the balance (404 for
        another tenant's campaign)."""
        campaign = self.campaigns.get(campaign_id)
        now = self._clock()
        until = now + COST_HORIZON
        window = Window.of(campaign.send_window, campaign.timezone)
        planned: list[tuple[ScenarioStep, MessageSource | None]] = []
        for e in self.enrollments.iter_campaign(campaign.id):  # AP31
            scenario = self.scenarios.version(e.scenario_id, e.scenario_version)
            sources = self._sources_of(scenario)
            due = steps_due(e, scenario, window, campaign.timezone, now, until)
            planned += [(step, sources[step.order]) for step in due]
        lines = cost_by_step(planned, self.composer.tenant.mode, self.budget.prices)
        cost = sum(line.cost for line in lines)
        balance = self.budget.open().balance
        return CampaignCost(
            campaign_id=campaign.id,
            since=now,
            until=until,
            steps=lines,
            cost=cost,
            balance=balance,
            affordable=balance >= cost,
        )

    def _sources_of(self, scenario: Scenario) -> dict[int, MessageSource | None]:
        """Where each step's message would come from (no AI call; ``None``: it becomes a task), read once
        per scenario version."""
        key = (scenario.id, scenario.version)
        if key not in self._sources:
            self._sources[key] = {step.order: self.composer.planned_source(step) for step in scenario.steps}
        return self._sources[key]
