"""A tenant's stored settings for tests that need a tenant but not a whole provisioning."""

from __future__ import annotations

from datetime import UTC, datetime

from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.tenant import Tenant


def settings_only(tenant_id: str, name: str = "Institut Belle Peau") -> str:
    """Store the tenant's settings with the product's defaults, without budget or built-in templates.

    Nothing acts for a tenant without settings (``maxcore.services.tenants.tenant_settings``); a full
    ``provision_tenant`` also seeds 70 templates, which would make every test's table, and every
    transaction moto runs on it, needlessly large. A later ``provision_tenant`` keeps these settings.
    """
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name=name, created_at=now, updated_at=now)
    )
    return tenant_id
