"""The campaigns of a tenant, as the API manages them: a scenario run in a send window.

Their prospects are :mod:`maxcore.services.prospects`; the scheduler's side (running due steps) is
:mod:`maxcore.services.sequencer`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.prospection import (
    Campaign,
    CampaignResponse,
    CampaignStatus,
    CreateCampaignRequest,
    Scenario,
    UpdateCampaignRequest,
)
from maxcore.observability import logger
from maxcore.services.prospects import ProspectService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings


class CampaignService:
    """The campaigns of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = CampaignRepository(tenant_id)
        self.enrollments = EnrollmentRepository(tenant_id)
        self.scenarios = ScenarioService(tenant_id, clock)
        self._clock = clock

    def get(self, campaign_id: str) -> Campaign:
        """One campaign (404 for another tenant's)."""
        return self.repository.get(campaign_id)

    def list(self) -> list[Campaign]:
        """Every campaign, newest first."""
        return self.repository.list_all()

    def response(self, campaign: Campaign, with_counts: bool = True) -> CampaignResponse:
        """The campaign with its prospects counted by status (one paged read of its enrollments)."""
        counts: Counter[str] = Counter()
        if with_counts:
            counts.update(e.status.value for e in self.enrollments.iter_campaign(campaign.id))
        return CampaignResponse(**campaign.model_dump(), prospects=dict(counts))

    def create(self, request: CreateCampaignRequest) -> Campaign:
        """A new campaign on the latest version of its scenario (422 naming an unknown scenario)."""
        tenant = tenant_settings(self.tenant_id)
        scenario = self._scenario(request.scenario_id)
        now = self._clock()
        campaign = Campaign(
            id=new_id(),
            name=request.name,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            objective=request.objective,
            status=request.status,
            send_window=request.send_window or tenant.send_window,
            timezone=request.timezone or tenant.timezone,
            daily_caps=request.daily_caps,
            auto_winner=request.auto_winner,
            created_at=now,
            updated_at=now,
        )
        saved = self.repository.save(campaign, new=True)
        logger.info("campaign created", extra={"campaign_id": saved.id, "scenario_id": scenario.id})
        return saved

    def update(self, campaign_id: str, request: UpdateCampaignRequest) -> Campaign:
        """Change the fields sent; pausing holds its prospects, resuming puts them back in the schedule."""
        before = self.repository.get(campaign_id)
        changes = {name: getattr(request, name) for name in request.model_fields_set}
        if before.status is CampaignStatus.COMPLETED and changes.get("status", before.status) is not (
            CampaignStatus.COMPLETED
        ):
            raise ConflictError(
                "a completed campaign cannot be reopened; create a new one",
                {"campaign_id": campaign_id, "status": before.status.value},
            )
        if "scenario_id" in changes:
            scenario = self._scenario(changes["scenario_id"])
            changes["scenario_id"], changes["scenario_version"] = scenario.id, scenario.version
            # The A/B winners name variants of the old version's steps: the new one is tested afresh.
            changes["winners"] = {}
        after = before.model_copy(update={**changes, "updated_at": self._clock()})
        saved = self.repository.save(Campaign.model_validate(after.model_dump()))
        if before.status is CampaignStatus.PAUSED and saved.status is CampaignStatus.ACTIVE:
            released = ProspectService(self.tenant_id, self._clock).release_held(saved)
            logger.info("campaign resumed", extra={"campaign_id": saved.id, "released": released})
        return saved

    def delete(self, campaign_id: str) -> None:
        """Delete a campaign with its prospects and interactions (the leads stay)."""
        campaign = self.repository.get(campaign_id)
        self.repository.delete(campaign)
        removed = self.enrollments.remove_all(campaign_id)
        logger.info("campaign deleted", extra={"campaign_id": campaign_id, "items": removed})

    def _scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios.latest(scenario_id)
        except NotFoundError as exc:
            raise InvalidInputError(
                f"unknown scenario {scenario_id}",
                [{"field": "scenario_id", "message": "no such scenario for this tenant"}],
            ) from exc
