"""The campaign repository: a tenant's prospection campaigns."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import CampaignItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.prospection import Campaign, CampaignStatus
from maxcore.models.tenant import SendWindow
from maxcore.models.variants import ChosenVariant


class CampaignRepository(TenantRepository):
    """Campaigns of one tenant."""

    def get(self, campaign_id: str) -> Campaign:
        """AP30: one campaign (a consistent read: a pause applies at once); 404 when unknown."""
        try:
            item = CampaignItem.get(
                keys.campaign_pk(self.tenant_id), keys.campaign_sk(campaign_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"campaign {campaign_id} not found", {"campaign_id": campaign_id}) from exc
        return _campaign(item)

    def list_all(self) -> list[Campaign]:
        """AP30: every campaign of the tenant, newest first (one Query)."""
        return [
            _campaign(i)
            for i in CampaignItem.query(
                keys.campaign_pk(self.tenant_id),
                CampaignItem.SK.startswith("CAMPAIGN#"),
                scan_index_forward=False,
            )
            if isinstance(i, CampaignItem)
        ]

    def save(self, campaign: Campaign, *, new: bool = False) -> Campaign:
        """AP30: create (``attribute_not_exists``) or replace if unchanged since read (``version``)."""
        item = CampaignItem(
            keys.campaign_pk(self.tenant_id),
            keys.campaign_sk(campaign.id),
            campaign_id=campaign.id,
            name=campaign.name,
            scenario_id=campaign.scenario_id,
            scenario_version=campaign.scenario_version,
            objective=campaign.objective,
            status=campaign.status.value,
            send_window=campaign.send_window.model_dump(),
            timezone=campaign.timezone,
            daily_caps={c.value: n for c, n in campaign.daily_caps.items()},
            auto_winner=campaign.auto_winner,
            winners={str(step): chosen.model_dump(mode="json") for step, chosen in campaign.winners.items()},
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
        )
        if not new:
            item.version = campaign.version
        try:
            item.save()
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the campaign changed meanwhile; read it again", {"campaign_id": campaign.id}
            ) from exc
        return campaign.model_copy(update={"version": item.version})

    def delete(self, campaign: Campaign) -> None:
        """AP30: delete the campaign if unchanged since read (its enrollments are deleted apart)."""
        item = CampaignItem(keys.campaign_pk(self.tenant_id), keys.campaign_sk(campaign.id))
        item.version = campaign.version
        try:
            item.delete()
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the campaign changed meanwhile; read it again", {"campaign_id": campaign.id}
            ) from exc


def _campaign(item: CampaignItem) -> Campaign:
    return Campaign(
        id=item.campaign_id,
        name=item.name,
        scenario_id=item.scenario_id,
        scenario_version=int(item.scenario_version),
        objective=item.objective,
        status=CampaignStatus(item.status),
        send_window=SendWindow.model_validate(plain(item.send_window)),
        timezone=item.timezone,
        daily_caps={Channel(c): int(n) for c, n in plain(item.daily_caps).items()},
        auto_winner=bool(item.auto_winner),
        winners={
            int(step): ChosenVariant.model_validate(chosen) for step, chosen in plain(item.winners).items()
        },
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 1),
    )
