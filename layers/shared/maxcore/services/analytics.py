"""Prospection analytics: the overview, the funnel, the steps and the best messages of a tenant.

The numbers are computed by the pure rules of :mod:`maxcore.rules.prospection_analytics`; this
service reads what they need, and nothing more:

- the campaigns with one Query (AP30), or the one campaign asked for with a GetItem (AP30: another
  tenant's or an unknown campaign is a 404);
- what providers reported of the campaigns' messages (opens, bounces), from the reporting counters
  with one Query (AP56);
- the enrollments campaign by campaign, each partition in 1 MB pages (AP31); never a Scan;
- for the funnel, the leads of the prospects who replied, 100 keys per BatchGetItem (AP2): only a
  prospect who replied can reach the ``meeting`` stage, the one stage that looks at the lead;
- for the top messages, the scenario versions of the messages ranked, through
  :class:`~maxcore.services.scenarios.ScenarioService` (versions cached, predefined ones without I/O).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.stats import StatsRepository
from maxcore.errors import NotFoundError
from maxcore.models.analytics import Funnel, Overview, StepsReport, TopMessages
from maxcore.models.prospection import Campaign, Enrollment, Scenario
from maxcore.rules import prospection_analytics as rules
from maxcore.services.scenarios import ScenarioService

DEFAULT_MIN_SENT = 5
DEFAULT_LIMIT = 10


class AnalyticsService:
    """The prospection analytics of one tenant, of all its campaigns or of one."""

    def __init__(self, tenant_id: str, scenarios: ScenarioService | None = None) -> None:
        self.tenant_id = tenant_id
        self.campaigns = CampaignRepository(tenant_id)
        self.enrollments = EnrollmentRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.scenarios = scenarios or ScenarioService(tenant_id)

    def overview(self, campaign_id: str | None = None) -> Overview:
        """Prospects, contacted, interactions, replies, reply rate and active campaigns.

        Parameters
        ----------
        campaign_id
            One campaign only (404 when the tenant has no such campaign); all of them by default.
        """
        campaigns = self._campaigns(campaign_id)
        return rules.overview(
            self._enrollments(campaigns), campaigns, StatsRepository(self.tenant_id).campaigns()
        )

    def funnel(self, campaign_id: str | None = None) -> Funnel:
        """Enrolled, contacted, replied, meeting, converted (see :func:`rules.funnel`).

        Parameters
        ----------
        campaign_id
            One campaign only (404 when the tenant has no such campaign); all of them by default.
        """
        enrollments = list(self._enrollments(self._campaigns(campaign_id)))
        # The funnel looks at a lead only once its prospect replied: the other leads are not read.
        replied = (e.lead_id for e in enrollments if e.replied_at is not None)
        return rules.funnel(enrollments, self.leads.get_many(replied))

    def steps(self, campaign_id: str | None = None, by_campaign: bool = False) -> StepsReport:
        """Sends, replies and reply rate per scenario step and per template or message source.

        Parameters
        ----------
        campaign_id
            One campaign only (404 when the tenant has no such campaign); all of them by default.
        by_campaign
            Each campaign's steps apart, rather than every campaign on a scenario version together.
        """
        enrollments = self._enrollments(self._campaigns(campaign_id))
        return rules.steps(enrollments, by_campaign=by_campaign)

    def top_messages(
        self,
        campaign_id: str | None = None,
        min_sent: int = DEFAULT_MIN_SENT,
        limit: int = DEFAULT_LIMIT,
    ) -> TopMessages:
        """The step messages with the best reply rates, each with its step's objective.

        Parameters
        ----------
        campaign_id
            One campaign only (404 when the tenant has no such campaign); all of them by default.
        min_sent
            Sends a message needs to be ranked.
        limit
            Most messages returned.
        """
        enrollments = self._enrollments(self._campaigns(campaign_id))
        return rules.top_messages(enrollments, _ScenarioVersions(self.scenarios), min_sent, limit)

    # --- reads --------------------------------------------------------------------------------
    def _campaigns(self, campaign_id: str | None) -> list[Campaign]:
        if campaign_id is None:
            return self.campaigns.list_all()
        return [self.campaigns.get(campaign_id)]

    def _enrollments(self, campaigns: list[Campaign]) -> Iterator[Enrollment]:
        for campaign in campaigns:
            for enrollment in self.enrollments.iter_campaign(campaign.id):
                # The decisions kept on each enrollment count for nothing here: drop them rather than
                # hold up to 20 per prospect in memory while a whole tenant is read.
                yield enrollment.model_copy(update={"decisions": []})


class _ScenarioVersions(Mapping[tuple[str, int], Scenario]):
    """Scenario versions by (id, version), read on first look-up: only the ranked messages' are.

    Iterating or sizing it covers the versions looked up so far. A version the tenant no longer has
    is absent (its messages keep a null objective).
    """

    def __init__(self, service: ScenarioService) -> None:
        self._service = service
        self._read: dict[tuple[str, int], Scenario | None] = {}

    def __getitem__(self, key: tuple[str, int]) -> Scenario:
        if key not in self._read:
            try:
                self._read[key] = self._service.version(*key)
            except NotFoundError:
                self._read[key] = None
        found = self._read[key]
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return (key for key, found in self._read.items() if found is not None)

    def __len__(self) -> int:
        return sum(1 for found in self._read.values() if found is not None)
