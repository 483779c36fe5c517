"""The blacklist: the e-mail addresses and phones the tenant never prospects."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.models.prospection import AddBlacklistRequest, BlacklistEntry, BlacklistKind, BlacklistPage
from maxcore.services.blacklist import BlacklistService

router = create_router()


@router.get(
    "/blacklist",
    operation_id="listBlacklistEntries",
    responses=responses(200, "The blacklist."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="List the blacklist",
)
def list_blacklist() -> BlacklistPage:
    """Addresses the tenant never prospects."""
    return BlacklistPage(items=BlacklistService(principal(router).tenant_id).list())


@router.post(
    "/blacklist",
    operation_id="addBlacklistEntry",
    status_code=201,
    responses=responses(201, "Blacklisted.", 409),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Blacklist an address",
)
def add_blacklist(body: Annotated[AddBlacklistRequest, Body()]) -> BlacklistEntry:
    """Blacklist an e-mail or a phone (checked at enrollment and before every step)."""
    caller = principal(router)
    return BlacklistService(caller.tenant_id).add(body, caller.subject)


@router.delete(
    "/blacklist/<kind>/<value>",
    operation_id="removeBlacklistEntry",
    status_code=204,
    responses=responses(204, "Off the blacklist.", 404),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Take an address off the blacklist",
)
def remove_blacklist(
    kind: Annotated[BlacklistKind, Path()], value: Annotated[str, Path(min_length=3, max_length=254)]
) -> None:
    """Take an e-mail (``/blacklist/email/<address>``) or a phone off the blacklist."""
    BlacklistService(principal(router).tenant_id).remove(kind, value)
