"""The tenant repository (profile and settings) and the tenant directory the schedulers fan out over."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from maxcore.dal import keys, table
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.items import TenantItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.tenant import Tenant


class TenantProfileRepository(TenantRepository):
    """The profile of one tenant."""

    def get(self) -> Tenant:
        """AP6: the tenant's profile and settings.

        A strongly consistent read: a mode switched to advise a moment ago must already stop a send.
        """
        try:
            item = TenantItem.get(
                keys.tenant_pk(self.tenant_id), keys.TENANT_PROFILE_SK, consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"tenant {self.tenant_id} not found", {"tenant_id": self.tenant_id}) from exc
        return _to_tenant(item)

    def create_if_absent(self, tenant: Tenant) -> bool:
        """AP6: store the profile unless the tenant exists; True when it was created now."""
        item = TenantItem(
            keys.tenant_pk(self.tenant_id),
            keys.TENANT_PROFILE_SK,
            GSI1PK=keys.directory_gsi1pk(keys.shard_of(self.tenant_id, keys.DIRECTORY_SHARDS)),
            GSI1SK=keys.directory_gsi1sk(self.tenant_id),
            tenant_id=tenant.id,
            name=tenant.name,
            plan=tenant.plan.value,
            mode=tenant.mode.value,
            locale=tenant.locale.value,
            timezone=tenant.timezone,
            default_country=tenant.default_country,
            alert_thresholds=tenant.alert_thresholds.model_dump(),
            send_window=tenant.send_window.model_dump(),
            marketing_hours=tenant.marketing_hours.model_dump(),
            business_profile=tenant.business_profile.model_dump(exclude_none=True),
            auto_mode_confirmed_at=tenant.auto_mode_confirmed_at,
            auto_mode_confirmed_by=tenant.auto_mode_confirmed_by,
            created_at=tenant.created_at,
            updated_at=tenant.updated_at,
        )
        try:
            item.save(condition=TenantItem.PK.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update(self, before: Tenant, after: Tenant) -> Tenant:
        """AP6: write the changed settings if the profile is still at ``before.version``.

        The plan is never written here (billing owns it). A concurrent change of the profile, or a
        profile deleted meanwhile, is a 409: read it again and retry.
        """
        item = TenantItem(keys.tenant_pk(self.tenant_id), keys.TENANT_PROFILE_SK)
        # With the version set, pynamodb adds the condition "version = before.version" and the
        # increment of the version to the same UpdateItem.
        item.version = before.version
        try:
            item.update(actions=_settings_actions(after))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise ConflictError(
                    "the tenant's settings changed while they were being saved; read them again and retry",
                    {"version": before.version},
                ) from exc
            raise
        return _to_tenant(item)


class TenantDirectory:
    """Every tenant, for the jobs that run for all of them (not bound to one tenant)."""

    def __init__(self) -> None:
        table.bind()

    def tenant_ids(self) -> Iterator[str]:
        """AP7: ids of all tenants, shard by shard of the GSI1 directory."""
        for shard in range(keys.DIRECTORY_SHARDS):
            for item in TenantItem.gsi1.query(keys.directory_gsi1pk(shard)):
                yield item.GSI1SK.removeprefix("TENANT#")


def _settings_actions(tenant: Tenant) -> list[Action]:
    actions: list[Action] = [
        TenantItem.name.set(tenant.name),
        TenantItem.mode.set(tenant.mode.value),
        TenantItem.locale.set(tenant.locale.value),
        TenantItem.timezone.set(tenant.timezone),
        TenantItem.default_country.set(tenant.default_country),
        TenantItem.alert_thresholds.set(tenant.alert_thresholds.model_dump()),
        TenantItem.send_window.set(tenant.send_window.model_dump()),
        TenantItem.marketing_hours.set(tenant.marketing_hours.model_dump()),
        TenantItem.business_profile.set(tenant.business_profile.model_dump(exclude_none=True)),
        TenantItem.updated_at.set(tenant.updated_at),
    ]
    # The auto-mode confirmation is written once and never cleared.
    if tenant.auto_mode_confirmed_at is not None:
        actions.append(TenantItem.auto_mode_confirmed_at.set(tenant.auto_mode_confirmed_at))
    if tenant.auto_mode_confirmed_by is not None:
        actions.append(TenantItem.auto_mode_confirmed_by.set(tenant.auto_mode_confirmed_by))
    return actions


def _to_tenant(item: TenantItem) -> Tenant:
    return Tenant.model_validate(
        {
            "id": item.tenant_id,
            "name": item.name,
            "plan": item.plan,
            "mode": item.mode,
            "locale": item.locale,
            "timezone": item.timezone,
            "default_country": item.default_country,
            "alert_thresholds": plain(item.alert_thresholds),
            "send_window": plain(item.send_window),
            # Profiles saved before marketing hours existed have the legal default.
            "marketing_hours": plain(item.marketing_hours) if item.marketing_hours else {},
            "business_profile": plain(item.business_profile) if item.business_profile else {},
            "auto_mode_confirmed_at": item.auto_mode_confirmed_at,
            "auto_mode_confirmed_by": item.auto_mode_confirmed_by,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "version": item.version,
        }
    )
