"""The mode guard reads the stored mode of the tenant: what sends, the assistant and the scheduler call."""

from __future__ import annotations

import pytest

from maxcore.errors import ModeForbiddenError, NotFoundError
from maxcore.models.tenant import Mode, UpdateTenantRequest
from maxcore.services.modes import ActionKind, ModeGuard
from maxcore.services.tenants import TenantService, provision_tenant

pytestmark = pytest.mark.integration


def _switch(tenant_id: str, mode: Mode) -> None:
    TenantService(tenant_id).update(
        UpdateTenantRequest(mode=mode, confirm_auto_mode=mode is Mode.AUTO), actor="u"
    )


@pytest.mark.parametrize("kind", [ActionKind.SEND, ActionKind.EXECUTE_AUTOMATION, ActionKind.DRAFT])
def test_advise_mode_refuses_to_act_even_approved(tenant_id: str, kind: ActionKind) -> None:
    # Given a tenant stored in advise mode
    provision_tenant(tenant_id, "Conseil", mode=Mode.ADVISE)
    guard = ModeGuard(tenant_id)
    # When a service asks to act, approved or not, Then the guard refuses with the mode and the reason
    for approved in (False, True):
        with pytest.raises(ModeForbiddenError) as refused:
            guard.require(kind, approved=approved)
        error = refused.value
        assert (error.status, error.code) == (403, "mode_forbids_action")
        assert error.details["mode"] == "advise"
        assert error.details["action"] == kind.value
        assert "advise mode only reads and suggests" in error.details["reason"]
    # But reading and suggesting go through
    assert guard.require(ActionKind.READ).allowed
    assert guard.require(ActionKind.SUGGEST).allowed


def test_assisted_mode_sends_only_approved(tenant_id: str) -> None:
    provision_tenant(tenant_id, "Assisté", mode=Mode.ASSISTED)
    guard = ModeGuard(tenant_id)
    assert guard.require(ActionKind.DRAFT).allowed
    with pytest.raises(ModeForbiddenError) as refused:
        guard.require(ActionKind.SEND)
    assert refused.value.details["mode"] == "assisted"
    assert "approve it first" in refused.value.details["reason"]
    assert guard.require(ActionKind.SEND, approved=True).needs_approval


def test_the_guard_follows_a_mode_switch_at_once(tenant_id: str) -> None:
    # Given a tenant that confirmed auto mode: sends go without approval
    provision_tenant(tenant_id, "Auto")
    _switch(tenant_id, Mode.AUTO)
    guard = ModeGuard(tenant_id)
    assert guard.mode() is Mode.AUTO
    assert guard.require(ActionKind.SEND).allowed
    # When an admin switches to advise, Then the very next send is refused
    _switch(tenant_id, Mode.ADVISE)
    with pytest.raises(ModeForbiddenError):
        guard.require(ActionKind.SEND, approved=True)


def test_the_guard_reads_its_own_tenant_only(tenant_id: str, other_tenant_id: str) -> None:
    provision_tenant(tenant_id, "A", mode=Mode.ADVISE)
    provision_tenant(other_tenant_id, "B")
    _switch(other_tenant_id, Mode.AUTO)
    with pytest.raises(ModeForbiddenError):
        ModeGuard(tenant_id).require(ActionKind.SEND)
    assert ModeGuard(other_tenant_id).require(ActionKind.SEND).allowed


def test_an_unprovisioned_tenant_cannot_act(tenant_id: str) -> None:
    with pytest.raises(NotFoundError):
        ModeGuard(tenant_id).require(ActionKind.SEND)
