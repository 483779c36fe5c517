"""The token budget on a real DynamoDB API: reserve, commit, refund, packs, reset, report."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from maxcore.dal.budget import BudgetRepository
from maxcore.errors import ConflictError, InsufficientTokensError, NotFoundError
from maxcore.models.budget import ActionPrice, LedgerKind, SpendCategory, TokenAction, UsageLevel
from maxcore.models.tenant import Mode, Plan
from maxcore.services.budget import BudgetService
from maxcore.services.tenants import provision_tenant

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def budget(tenant_id: str, clock: Clock) -> BudgetService:
    provision_tenant(tenant_id, "Institut Test", plan=Plan.STANDARD, clock=clock)
    return BudgetService(tenant_id, clock=clock)


def test_a_new_budget_starts_with_the_plans_allowance(budget: BudgetService) -> None:
    opened = budget.open()
    assert (opened.balance, opened.reserved, opened.allowance, opened.period) == (100, 0, 100, "2026-03")
    assert budget.open() == opened


def test_fifty_concurrent_reservations_against_a_balance_of_twenty(tenant_id: str, clock: Clock) -> None:
    # Given a balance that covers exactly twenty actions of one token
    provision_tenant(tenant_id, "Concurrent", clock=clock)
    service = BudgetService(tenant_id, clock=clock, prices={TokenAction.LEAD_ANALYSIS: _price(1)})
    service.open()
    BudgetRepository(tenant_id).add_tokens(-80, pack=False, note="test: leave 20", now=NOW)
    assert service.open().balance == 20

    # When fifty workers reserve and commit at once
    def attempt(_: int) -> str:
        try:
            with service.spend(TokenAction.LEAD_ANALYSIS, mode=Mode.AUTO):
                return "committed"
        except InsufficientTokensError:
            return "refused"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(50)))

    # Then exactly twenty were committed, the balance is zero and never went below
    assert outcomes.count("committed") == 20
    assert outcomes.count("refused") == 30
    final = service.open()
    assert (final.balance, final.reserved) == (0, 0)
    commits = [e for e in BudgetRepository(tenant_id).ledger("2026-03") if e.kind is LedgerKind.COMMIT]
    assert len(commits) == 20


def test_a_failed_action_gets_its_tokens_back_visibly(budget: BudgetService, tenant_id: str) -> None:
    with (
        pytest.raises(RuntimeError),
        budget.spend(TokenAction.WHATSAPP_MESSAGE, mode=Mode.AUTO, about={"step": "2"}),
    ):
        raise RuntimeError("provider down")
    assert budget.open().balance == 100
    ledger = list(BudgetRepository(tenant_id).ledger("2026-03"))
    kinds = [(e.kind, e.amount, e.outcome) for e in ledger if e.reservation_id]
    assert kinds == [
        (LedgerKind.RESERVE, -5, "reserved"),
        (LedgerKind.REFUND, 5, "failed: RuntimeError"),
    ]
    assert all(e.mode == "auto" and e.about == {"step": "2"} for e in ledger if e.reservation_id)


def test_insufficient_balance_is_a_402_naming_cost_and_balance_and_nothing_runs(
    budget: BudgetService,
) -> None:
    ran = []
    _spend(budget, TokenAction.WHATSAPP_MESSAGE, 19)
    with budget.spend(TokenAction.ASSISTANT_CHAT, mode=Mode.AUTO):
        ran.append("first")
    with (
        pytest.raises(InsufficientTokensError) as refused,
        budget.spend(TokenAction.WHATSAPP_MESSAGE, mode=Mode.ASSISTED),
    ):
        ran.append("second")
    assert ran == ["first"]
    assert refused.value.status == 402
    assert refused.value.details == {"action": "whatsapp_message", "cost": 5, "balance": 2}


def test_a_reservation_settles_once(budget: BudgetService) -> None:
    reservation = budget.reserve(TokenAction.LEAD_ANALYSIS, mode=Mode.ADVISE)
    budget.commit(reservation)
    with pytest.raises(ConflictError):
        budget.refund(reservation, "late failure")
    assert budget.open().balance == 98


def test_an_action_held_for_a_key_is_charged_once_and_reserved_again_only_once_refunded(
    budget: BudgetService,
) -> None:
    # Given a follow-up's tokens held for its send's key
    first = budget.hold(TokenAction.AUTO_FOLLOWUP, "step-1", mode=Mode.AUTO)
    assert first is not None
    # When it is held again (a resumed send), Then the same reservation comes back, nothing more is taken
    resumed = budget.hold(TokenAction.AUTO_FOLLOWUP, "step-1", mode=Mode.AUTO)
    assert resumed is not None
    assert (resumed.id, resumed.state) == (first.id, first.state)
    assert budget.open().balance == 85
    # When it was refunded (the send put off) and is held again, Then it is reserved anew
    budget.refund(first, "deferred")
    again = budget.hold(TokenAction.AUTO_FOLLOWUP, "step-1", mode=Mode.AUTO)
    assert again is not None
    assert budget.open().balance == 85
    # When it was spent, Then holding it again takes nothing and leaves nothing to settle
    budget.commit(again)
    assert budget.hold(TokenAction.AUTO_FOLLOWUP, "step-1", mode=Mode.AUTO) is None
    assert budget.open().balance == 85


def test_quote_shows_the_cost_before_running(budget: BudgetService) -> None:
    quote = budget.quote(TokenAction.WHATSAPP_MESSAGE)
    assert (quote.cost, quote.balance, quote.balance_after, quote.affordable) == (5, 100, 95, True)
    assert budget.open().balance == 100


def test_packs_carry_over_a_monthly_reset_but_plan_tokens_do_not(budget: BudgetService, clock: Clock) -> None:
    budget.add_packs(1, "pack bought")
    _spend(budget, TokenAction.WHATSAPP_MESSAGE, 20)  # the plan's 100 tokens go first
    assert budget.open().balance == 500
    clock.now = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)
    assert budget.reset_month() is True
    assert budget.reset_month() is False
    after = budget.open()
    assert (after.balance, after.pack_tokens, after.period) == (600, 500, "2026-04")


def test_report_counts_spending_and_raises_the_80_percent_alert(budget: BudgetService, clock: Clock) -> None:
    _spend(budget, TokenAction.WHATSAPP_MESSAGE, 12)
    clock.now = NOW + timedelta(days=1)
    _spend(budget, TokenAction.ASSISTANT_CHAT, 3)
    _spend(budget, TokenAction.LEAD_ANALYSIS, 1)
    report = budget.report("fr")
    assert report.spent_this_period == 71
    assert report.spent_by_category == {"messaging": 60, "assistant": 9, "analysis": 2}
    assert report.balance == 29
    assert report.usage_level is UsageLevel.OK
    assert sum(week.spent for week in report.weekly_usage) == 71
    assert report.forecast_exhaustion_date is not None
    assert report.forecast_exhaustion_date < datetime(2026, 4, 1, tzinfo=UTC).date()
    assert "épuisés le" in report.recommendation
    _spend(budget, TokenAction.WHATSAPP_MESSAGE, 3)
    warned = budget.report("en")
    assert warned.usage_level is UsageLevel.WARNING
    assert warned.usage_alert is not None
    assert "86%" in warned.usage_alert


def test_cross_tenant_budget_repository(budget: BudgetService, other_tenant_id: str) -> None:
    budget.open()
    with pytest.raises(NotFoundError):
        BudgetRepository(other_tenant_id).get()
    assert list(BudgetRepository(other_tenant_id).ledger("2026-03")) == []


def _spend(budget: BudgetService, action: TokenAction, times: int) -> None:
    for _ in range(times):
        with budget.spend(action, mode=Mode.AUTO):
            pass


def _price(cost: int) -> ActionPrice:
    return ActionPrice(cost=cost, category=SpendCategory.ANALYSIS)
