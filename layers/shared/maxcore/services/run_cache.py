"""What one scheduled run reads once per tenant, instead of once per step or per queue message.

The worker builds a :class:`RunCache` for each invocation (a batch of queue messages, in which
several shards of one tenant's hour travel together) and hands each sequencer it builds the
tenant's :class:`TenantRun`. It keeps what does not change within a run: the tenant's profile, its
channel settings, suppression list and provider adapters, its campaigns and scenario versions, and the
message writer with the templates it read. It
is an object passed in, never a module global: a warm Lambda container would otherwise carry a
tenant's settings into the next hour.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.campaigns import CampaignRepository
from maxcore.errors import NotFoundError
from maxcore.models.common import Channel
from maxcore.models.prospection import Campaign
from maxcore.models.tenant import Tenant
from maxcore.services.channels import ChannelService, RunChannels
from maxcore.services.composer import Composer
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings


class TenantRun:
    """One tenant's reads for a run, each made at most once."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, tenant: Tenant | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.channels = RunChannels(ChannelService(tenant_id, clock))
        self.scenarios = ScenarioService(tenant_id, clock)
        self._campaigns = CampaignRepository(tenant_id)
        self._found: dict[str, Campaign | None] = {}
        self._tenant = tenant
        self._composer: Composer | None = None

    @property
    def tenant(self) -> Tenant:
        """The tenant's profile (AP6, read once)."""
        if self._tenant is None:
            self._tenant = tenant_settings(self.tenant_id)
        return self._tenant

    @property
    def composer(self) -> Composer:
        """The message writer of the run's steps (built on first use: it checks whether AI is
        configured); each template it fills is read once per run."""
        if self._composer is None:
            self._composer = Composer(self.tenant, opt_out_number=self._opt_out_number)
        return self._composer

    def _opt_out_number(self) -> str | None:
        """The number the tenant's SMS opt-outs go to, for the mention a prospection SMS ends with."""
        return self.channels.settings()[Channel.SMS].opt_out_number

    def campaign(self, campaign_id: str) -> Campaign | None:
        """AP30: a campaign, read once; ``None`` when it was deleted."""
        if campaign_id not in self._found:
            try:
                self._found[campaign_id] = self._campaigns.get(campaign_id)
            except NotFoundError:
                self._found[campaign_id] = None
        return self._found[campaign_id]

    def remember(self, campaign: Campaign) -> None:
        """Keep ``campaign`` as this run changed it (an A/B winner chosen), for the rest of the run."""
        self._found[campaign.id] = campaign


class RunCache:
    """The reads of one run over one or more tenants (a worker invocation)."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._tenants: dict[str, TenantRun] = {}

    def tenant(self, tenant_id: str) -> TenantRun:
        """What this run read about ``tenant_id`` so far."""
        if tenant_id not in self._tenants:
            self._tenants[tenant_id] = TenantRun(tenant_id, self._clock)
        return self._tenants[tenant_id]
