"""Token budget API: where the tenant's tokens stand, what an action would cost, packs."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from maxcore.api import JWT_SECURITY, CursorQuery, create_app, make_handler, principal, responses
from maxcore.models.budget import AddPackRequest, Budget, BudgetReport, CostQuote, LedgerPage, QuoteRequest
from maxcore.models.common import MONTH_PATTERN
from maxcore.services.budget import BudgetService

app = create_app("M.A.X. budget")


@app.get(
    "/budget",
    operation_id="getBudget",
    responses=responses(200, "The budget page.", 404),
    security=JWT_SECURITY,
    tags=["budget"],
    summary="Token budget",
)
def get_budget() -> BudgetReport:
    """Balance, allowance, spending by category and week, exhaustion forecast, advice, 80/100 % alerts."""
    return BudgetService(principal(app).tenant_id).report()


@app.get(
    "/budget/ledger",
    operation_id="listLedgerEntries",
    responses=responses(200, "A page of the month's ledger, newest first.", 404),
    security=JWT_SECURITY,
    tags=["budget"],
    summary="Token ledger of a month",
)
def get_ledger(
    month: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (UTC); the current period if absent.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> LedgerPage:
    """Every token movement of a month, newest first, with why in the tenant's language.

    Open to members as to admins: it details the spending the budget page shows everyone.
    """
    return BudgetService(principal(app).tenant_id).ledger(month, limit, cursor)


@app.post(
    "/budget/quote",
    operation_id="quoteAction",
    responses=responses(200, "The cost and the balance after; nothing runs.", 404),
    security=JWT_SECURITY,
    tags=["budget"],
    summary="Cost of an action (dry run)",
)
def quote(body: Annotated[QuoteRequest, Body()]) -> CostQuote:
    """What an action would cost and the balance after it, before anything runs."""
    return BudgetService(principal(app).tenant_id).quote(body.action)


@app.post(
    "/budget/packs",
    operation_id="addTokenPacks",
    status_code=201,
    responses=responses(201, "The budget with the packs added.", 404),
    security=JWT_SECURITY,
    tags=["budget"],
    summary="Add token packs (admin)",
)
def add_packs(body: Annotated[AddPackRequest, Body()]) -> Budget:
    """Add packs of +500 tokens at once; they carry over the monthly reset."""
    caller = principal(app)
    caller.require_admin()
    return BudgetService(caller.tenant_id).add_packs(body.packs, body.reason)


lambda_handler = make_handler(app)
