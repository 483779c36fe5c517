"""Tenant use cases: provisioning (one idempotent operation), the settings every service reads, and
the settings an admin changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import InvalidInputError, NotFoundError
from maxcore.models.contact import DEFAULT_COUNTRY, check_country
from maxcore.models.tenant import Locale, Mode, Plan, Tenant, UpdateTenantRequest, check_timezone
from maxcore.observability import logger, metrics
from maxcore.rules.modes import auto_mode_needs_confirmation

AUTO_MODE_CONFIRMATION = (
    "switching to auto mode needs an explicit confirmation: in auto mode M.A.X. sends messages and runs "
    'automations on its own, without asking anyone for approval; send "confirm_auto_mode": true with '
    '"mode": "auto" to confirm'
)


def tenant_settings(tenant_id: str) -> Tenant:
    """The settings of a provisioned tenant: what every service reads before it acts for the tenant.

    A tenant that was never provisioned has no settings, and nothing acts for it: this raises
    :class:`~maxcore.errors.NotFoundError` (a 404 on the API) rather than lend it the product's
    defaults. Its settings decide things that cannot be taken back or that cost money: the country
    its phone numbers are stored in, whether M.A.X. may send without approval, its time zone and send
    window, its token allowance. Guessing them would store wrong numbers and let a tenant act that
    the scheduler never runs for (it only knows provisioned tenants), so its leads would never be
    swept. Provisioning (:func:`provision_tenant`) is one idempotent call.

    Parameters
    ----------
    tenant_id
        The tenant, from the request's claims or a signed webhook's path.

    Returns
    -------
    Tenant
        The stored settings, read with a strongly consistent GetItem (AP6): a change applies at once.

    Raises
    ------
    NotFoundError
        The tenant was never provisioned.
    """
    try:
        return TenantProfileRepository(tenant_id).get()
    except NotFoundError as exc:
        raise NotFoundError(
            f"tenant {tenant_id} is not provisioned: provision it before acting for it",
            {"tenant_id": tenant_id},
        ) from exc


def provision_tenant(
    tenant_id: str,
    name: str,
    *,
    plan: Plan = Plan.STANDARD,
    mode: Mode = Mode.ASSISTED,
    locale: Locale = Locale.FR,
    timezone: str = "Europe/Paris",
    default_country: str = DEFAULT_COUNTRY,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[Tenant, bool]:
    """Create the tenant unless it exists; return it and whether it was created now.

    Running it again never changes an existing tenant's settings: a script and the local run can
    both call it at every start.

    Raises
    ------
    ValueError
        When ``tenant_id``, ``timezone`` or ``default_country`` is not valid.
    """
    # Imported here: every service reads settings from this module, only provisioning opens a budget
    # and seeds templates (and they cost a function that never provisions at cold start).
    from maxcore.dal.budget import BudgetRepository
    from maxcore.models.budget import PLAN_ALLOWANCE
    from maxcore.services.templates import seed_library

    repository = TenantProfileRepository(tenant_id)
    now = clock()
    candidate = Tenant(
        id=tenant_id,
        name=name,
        plan=plan,
        mode=mode,
        locale=locale,
        timezone=check_timezone(timezone),
        default_country=check_country(default_country),
        created_at=now,
        updated_at=now,
    )
    created = repository.create_if_absent(candidate)
    # The budget opens with the plan's allowance; on a rerun it is left as it is.
    BudgetRepository(tenant_id).open(PLAN_ALLOWANCE[plan], now.astimezone(UTC).strftime("%Y-%m"), now)
    # The built-in templates, once: a rerun neither duplicates them nor restores a deleted one.
    seed_library(tenant_id, now, fresh=created)
    if created:
        logger.info("tenant provisioned", extra={"tenant_id": tenant_id, "plan": plan.value})
    return repository.get(), created


class TenantService:
    """The settings of one tenant, as the API shows and changes them."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = TenantProfileRepository(tenant_id)
        self._clock = clock

    def get(self) -> Tenant:
        """The tenant's settings; a tenant that was never provisioned is a 404."""
        return tenant_settings(self.tenant_id)

    def update(self, request: UpdateTenantRequest, *, actor: str) -> Tenant:
        """Apply the settings sent; the first switch to auto needs ``confirm_auto_mode``.

        Parameters
        ----------
        request
            The fields to change; alert thresholds merge key by key, the send window is replaced.
        actor
            Who asks (the token's subject), recorded with the first confirmation of auto mode.

        Raises
        ------
        InvalidInputError
            On a first switch to auto without confirmation; nothing is written.
        ConflictError
            When the settings changed meanwhile; nothing is written.
        """
        before = self.repository.get()
        now = self._clock()
        changes: dict[str, Any] = request.changes()
        if "alert_thresholds" in changes:
            sent = changes.pop("alert_thresholds").changes()
            changes["alert_thresholds"] = before.alert_thresholds.model_copy(update=sent)
        mode: Mode = changes.get("mode", before.mode)
        if auto_mode_needs_confirmation(before.mode, mode, before.auto_mode_confirmed_at):
            if not request.confirm_auto_mode:
                raise InvalidInputError(
                    AUTO_MODE_CONFIRMATION,
                    [
                        {
                            "field": "confirm_auto_mode",
                            "message": AUTO_MODE_CONFIRMATION,
                            "type": "confirmation_required",
                        }
                    ],
                )
            changes["auto_mode_confirmed_at"] = now
            changes["auto_mode_confirmed_by"] = actor or None
        after = before.model_copy(update={**changes, "updated_at": now})
        updated = self.repository.update(before, after)
        if updated.mode is not before.mode:
            metrics.add_metric(name="ModeChanged", unit=MetricUnit.Count, value=1)
        logger.info(
            "tenant settings changed",
            extra={
                "fields": sorted(request.changes()),
                "mode_before": before.mode.value,
                "mode_after": updated.mode.value,
                "auto_mode_confirmed_now": "auto_mode_confirmed_at" in changes,
            },
        )
        return updated
