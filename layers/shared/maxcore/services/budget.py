"""The token budget of a tenant: price, reserve before, commit on success, refund on failure.

The assistant, the sending paths and the scheduler spend through :meth:`BudgetService.spend`::

    with budget.spend(TokenAction.ASSISTANT_CHAT, mode=tenant.mode):
        call_the_llm()

which reserves the cost (refused with a 402 when the balance does not cover it, and then nothing
runs), commits it when the block succeeds and refunds it when the block raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.budget import BudgetRepository, InsufficientBalanceError
from maxcore.errors import InsufficientTokensError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.budget import (
    DEFAULT_PRICES,
    PACK_SIZE,
    PLAN_ALLOWANCE,
    ActionPrice,
    Budget,
    BudgetReport,
    CostQuote,
    LedgerEntry,
    LedgerLine,
    LedgerPage,
    Reservation,
    ReservationState,
    TokenAction,
    UsageLevel,
)
from maxcore.models.tenant import Mode
from maxcore.observability import logger, metrics
from maxcore.rules import budget as rules
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings
from maxcore.texts import render


def month_of(moment: datetime) -> str:
    """The budget period of ``moment``: its UTC month, ``YYYY-MM``."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def _month_start(period: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year, month, 1, tzinfo=UTC)


def _next_month(period: str) -> datetime:
    start = _month_start(period)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def configured_prices() -> dict[TokenAction, ActionPrice]:
    """The product's default prices with the deployment's overrides (``TOKEN_PRICES``) applied.

    Raises
    ------
    ValueError
        When an override names an unknown action or a negative cost: a misconfiguration fails loudly.
    """
    prices = dict(DEFAULT_PRICES)
    for action, cost in get_settings().token_prices.items():
        key = TokenAction(action)
        prices[key] = ActionPrice(cost=cost, category=prices[key].category)
    return prices


def keyed_reservation_id(action: TokenAction, key: str) -> str:
    """The id of the one reservation of ``action`` for ``key`` (an automation, a send)."""
    return f"{action.value}:{key}"


class BudgetService:
    """The tokens of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        prices: Mapping[TokenAction, ActionPrice] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.repository = BudgetRepository(tenant_id)
        self._clock = clock
        self.prices = dict(prices or configured_prices())
        self._opened = False
        """The budget is known to exist (it is never deleted): a reservation need not read it again."""

    # --- the budget ---------------------------------------------------------------------------
    def open(self) -> Budget:
        """The budget, opened with the plan's allowance the first time (idempotent)."""
        try:
            return self.repository.get()
        except NotFoundError:
            tenant = tenant_settings(self.tenant_id)
            self.repository.open(PLAN_ALLOWANCE[tenant.plan], month_of(self._clock()), self._clock())
            return self.repository.get()

    def quote(self, action: TokenAction) -> CostQuote:
        """What ``action`` would cost and the balance after it: shown before anything runs."""
        cost = self.prices[action].cost
        balance = self.open().balance
        return CostQuote(
            action=action,
            cost=cost,
            balance=balance,
            balance_after=balance - cost,
            affordable=balance >= cost,
        )

    # --- spending -----------------------------------------------------------------------------
    def reserve(
        self, action: TokenAction, *, mode: Mode, about: Mapping[str, str] | None = None
    ) -> Reservation:
        """Set the action's cost aside, or raise a 402 naming the cost and the balance.

        ``about``: what the action is about (its key and ids), from which the ledger reads its reason.
        """
        reservation = self._reservation(new_id(), action, about, mode)
        try:
            self.repository.reserve(reservation)
        except InsufficientBalanceError as exc:
            raise self._refused(action) from exc
        return reservation

    def hold(
        self, action: TokenAction, key: str, *, mode: Mode, about: Mapping[str, str] | None = None
    ) -> Reservation | None:
        """Set the action's cost aside once for ``key``, or raise a 402 naming the cost and the balance.

        An action retried or resumed under the same key is charged once: the reservation an earlier
        try left reserved is returned to be settled, and nothing (``None``) when that try's tokens
        were already spent. A refunded try (put off) is reserved again.
        """
        reservation = self._reservation(keyed_reservation_id(action, key), action, about, mode)
        try:
            self.repository.reserve(reservation, after_refund=True)
        except InsufficientBalanceError as exc:
            earlier = self.held(action, key)
            if earlier is None or earlier.state is ReservationState.REFUNDED:
                raise self._refused(action) from exc
            return earlier if earlier.state is ReservationState.RESERVED else None
        return reservation

    def held(self, action: TokenAction, key: str) -> Reservation | None:
        """AP18: the reservation of ``action`` for ``key``, in whatever state, if there is one."""
        try:
            return self.repository.get_reservation(keyed_reservation_id(action, key))
        except NotFoundError:
            return None

    def _reservation(
        self, reservation_id: str, action: TokenAction, about: Mapping[str, str] | None, mode: Mode
    ) -> Reservation:
        if not self._opened:  # the reservation's own condition checks the balance: one read per service
            self.open()
            self._opened = True
        price = self.prices[action]
        return Reservation(
            id=reservation_id,
            action=action,
            category=price.category,
            cost=price.cost,
            mode=mode,
            about=dict(about or {}),
            state=ReservationState.RESERVED,
            created_at=self._clock(),
        )

    def _refused(self, action: TokenAction) -> InsufficientTokensError:
        cost = self.prices[action].cost
        balance = self.repository.get().balance
        metrics.add_metric(name="TokensRefused", unit=MetricUnit.Count, value=1)
        return InsufficientTokensError(
            f"{action.value} costs {cost} tokens and the balance is {balance}",
            {"action": action.value, "cost": cost, "balance": balance},
        )

    def commit(self, reservation: Reservation, outcome: str = "succeeded") -> None:
        """The action succeeded: its tokens are spent."""
        self.repository.settle(reservation, ReservationState.COMMITTED, outcome, self._clock())
        metrics.add_metric(name="TokensSpent", unit=MetricUnit.Count, value=reservation.cost)

    def refund(self, reservation: Reservation, outcome: str) -> None:
        """The action failed: its tokens come back, and the ledger says why."""
        self.repository.settle(reservation, ReservationState.REFUNDED, outcome, self._clock())
        metrics.add_metric(name="TokensRefunded", unit=MetricUnit.Count, value=reservation.cost)

    @contextmanager
    def spend(
        self, action: TokenAction, *, mode: Mode, about: Mapping[str, str] | None = None
    ) -> Iterator[Reservation]:
        """Reserve, run the block, then commit; refund if the block raises (and re-raise)."""
        reservation = self.reserve(action, mode=mode, about=about)
        with self._settled(reservation):
            yield reservation

    @contextmanager
    def spend_once(
        self, action: TokenAction, key: str, *, mode: Mode, about: Mapping[str, str] | None = None
    ) -> Iterator[None]:
        """:meth:`spend` charged once for ``key`` (:meth:`hold`): run again after its tokens were
        spent, the block costs nothing more."""
        with self._settled(self.hold(action, key, mode=mode, about=about)):
            yield

    @contextmanager
    def _settled(self, reservation: Reservation | None) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if reservation is not None:
                self.refund(reservation, f"failed: {type(exc).__name__}")
            raise
        if reservation is not None:
            self.commit(reservation)

    # --- admin and schedule -------------------------------------------------------------------
    def add_packs(self, packs: int, note: str | None = None) -> Budget:
        """Add ``packs`` packs of tokens at once (the admin's ``note`` shows in the ledger as written)."""
        self.open()
        self.repository.add_tokens(packs * PACK_SIZE, pack=True, note=note, now=self._clock())
        logger.info("token packs added", extra={"packs": packs})
        return self.repository.get()

    def reset_month(self) -> bool:
        """Start the current month with the plan's allowance; nothing happens if it already started."""
        self.open()
        tenant = tenant_settings(self.tenant_id)
        started = self.repository.reset(month_of(self._clock()), PLAN_ALLOWANCE[tenant.plan], self._clock())
        if started:
            logger.info("token period reset", extra={"period": month_of(self._clock())})
        return started

    # --- the ledger -----------------------------------------------------------------------------
    def ledger(self, month: str | None, limit: int, cursor: str | None) -> LedgerPage:
        """A page of a month's ledger (the current period by default), newest first, each entry's reason
        in the tenant's language."""
        month = month or month_of(self._clock())
        entries, next_cursor = self.repository.ledger_page(month, limit, cursor)
        locale = tenant_settings(self.tenant_id).locale.value
        return LedgerPage(
            month=month,
            entries=[_line(entry, locale) for entry in entries],
            next_cursor=next_cursor,
        )

    # --- report -------------------------------------------------------------------------------
    def report(self, locale: str | None = None) -> BudgetReport:
        """Balance, spending by category and week, the exhaustion forecast and plain-language advice.

        Written in ``locale``, by default the tenant's own.
        """
        locale = locale or tenant_settings(self.tenant_id).locale.value
        now = self._clock()
        budget = self.open()
        # The weekly series looks eight weeks back: this month's ledger and the two before.
        recent_months = {month_of(now.replace(day=1) - timedelta(days=offset)) for offset in (0, 1, 32)}
        # Each month's ledger is read once; the period's entries come from the same reads.
        ledgers = {
            month: list(self.repository.ledger(month)) for month in sorted(recent_months | {budget.period})
        }
        period_entries = ledgers[budget.period]
        history = [entry for month in sorted(recent_months) for entry in ledgers[month]]
        spent = rules.spent(period_entries)
        by_category = rules.spent_by_category(period_entries)
        ratio, level = rules.usage_level(spent, budget.balance + budget.reserved)
        exhaustion = rules.forecast_exhaustion(budget.balance, spent, _month_start(budget.period), now)
        key, values = rules.recommendation(by_category, exhaustion, _next_month(budget.period).date())
        alert = {
            UsageLevel.OK: None,
            UsageLevel.WARNING: render("budget.usage.warning", locale, percent=round(ratio * 100)),
            UsageLevel.EXHAUSTED: render("budget.usage.exhausted", locale),
        }[level]
        return BudgetReport(
            balance=budget.balance,
            reserved=budget.reserved,
            allowance=budget.allowance,
            pack_tokens=budget.pack_tokens,
            period=budget.period,
            spent_this_period=spent,
            spent_by_category=by_category,
            weekly_usage=rules.weekly_usage(history, now.date()),
            used_ratio=round(ratio, 4),
            usage_level=level,
            usage_alert=alert,
            forecast_exhaustion_date=exhaustion,
            recommendation=render(key, locale, **values),
            prices={action.value: price for action, price in self.prices.items()},
        )


def _line(entry: LedgerEntry, locale: str) -> LedgerLine:
    """The ledger page's view of an entry: its reason read in ``locale``."""
    return LedgerLine(
        **entry.model_dump(exclude={"about"}),
        about=entry.about,
        reason=rules.ledger_reason(entry.action, entry.about, locale),
    )
