"""Tenant settings API: read them (any role), change them (admins only)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from maxcore.api import JWT_SECURITY, create_app, make_handler, principal, responses
from maxcore.models.tenant import TenantResponse, UpdateTenantRequest
from maxcore.services.tenants import TenantService

app = create_app("M.A.X. tenant settings")


@app.get(
    "/tenant",
    operation_id="getTenant",
    responses=responses(200, "The tenant's settings.", 404),
    security=JWT_SECURITY,
    tags=["tenant"],
    summary="Get the tenant's settings",
)
def get_tenant() -> TenantResponse:
    """The settings of the caller's tenant; a tenant not provisioned yet is a 404."""
    return TenantResponse.from_tenant(TenantService(principal(app).tenant_id).get())


@app.patch(
    "/tenant",
    operation_id="updateTenant",
    responses=responses(200, "The settings, changed.", 404, 409),
    security=JWT_SECURITY,
    tags=["tenant"],
    summary="Change the tenant's settings",
)
def update_tenant(body: Annotated[UpdateTenantRequest, Body()]) -> TenantResponse:
    """Change the settings sent (admins only); the first switch to auto needs ``confirm_auto_mode``."""
    caller = principal(app)
    caller.require_admin()
    return TenantResponse.from_tenant(TenantService(caller.tenant_id).update(body, actor=caller.subject))


lambda_handler = make_handler(app)
