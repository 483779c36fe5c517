"""Tenant provisioning: one idempotent operation that creates a tenant with its defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.tenant import Locale, Mode, Plan, Tenant
from maxcore.observability import logger


def provision_tenant(
    tenant_id: str,
    name: str,
    *,
    plan: Plan = Plan.STANDARD,
    mode: Mode = Mode.ASSISTED,
    locale: Locale = Locale.FR,
    timezone: str = "Europe/Paris",
    clock: Callable[[], datetime] = utcnow,
) -> tuple[Tenant, bool]:
    """Create the tenant unless it exists; return it and whether it was created now.

    Running it again never changes an existing tenant's settings: a script and the local run can
    both call it at every start.
    """
    repository = TenantProfileRepository(tenant_id)
    now = clock()
    candidate = Tenant(
        id=tenant_id,
        name=name,
        plan=plan,
        mode=mode,
        locale=locale,
        timezone=timezone,
        created_at=now,
        updated_at=now,
    )
    created = repository.create_if_absent(candidate)
    if created:
        logger.info("tenant provisioned", extra={"tenant_id": tenant_id, "plan": plan.value})
    return repository.get(), created
