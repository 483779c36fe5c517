"""The budget repository: the token balance, reservations and the monthly ledger of one tenant.

Every change is one transaction: the balance moves under a condition (never below zero, a
reservation settles once), and the ledger entry explaining it is written in the same transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import BudgetItem, LedgerEntryItem, ReservationItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.budget import Budget, LedgerEntry, LedgerKind, Reservation, ReservationState

MAX_ATTEMPTS = 12
"""Transactions on one hot budget item conflict under load; they are retried with jittered backoff."""


class InsufficientBalanceError(Exception):
    """The balance does not cover the cost (raised by the repository, priced by the service)."""


class BudgetRepository(TenantRepository):
    """The tokens of one tenant."""

    # --- reads --------------------------------------------------------------------------------
    def get(self) -> Budget:
        """AP17: the budget item."""
        try:
            item = BudgetItem.get(keys.tenant_pk(self.tenant_id), keys.BUDGET_SK, consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(
                "this account has no token budget yet", {"tenant_id": self.tenant_id}
            ) from exc
        return Budget(
            balance=int(item.balance),
            reserved=int(item.reserved),
            allowance=int(item.allowance),
            pack_tokens=int(item.pack_tokens),
            period=item.period,
            spent=int(item.spent),
        )

    def get_reservation(self, reservation_id: str) -> Reservation:
        """AP18: one reservation."""
        try:
            item = ReservationItem.get(
                keys.reservation_pk(self.tenant_id), keys.reservation_sk(reservation_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"reservation {reservation_id} not found") from exc
        return Reservation.model_validate(
            {
                "id": item.reservation_id,
                "action": item.action,
                "category": item.category,
                "cost": int(item.cost),
                "mode": item.mode,
                "about": plain(item.about) or {},
                "state": item.state,
                "created_at": item.created_at,
                "settled_at": item.settled_at,
            }
        )

    def ledger(self, month: str) -> Iterator[LedgerEntry]:
        """AP16: a month's ledger, oldest first."""
        for item in LedgerEntryItem.query(keys.ledger_pk(self.tenant_id, month)):
            yield _entry(item)

    def ledger_page(self, month: str, limit: int, cursor: str | None) -> tuple[list[LedgerEntry], str | None]:
        """AP70: a page of a month's ledger, newest first; the cursor resumes after an entry's id."""
        condition = None
        if cursor is not None:
            condition = LedgerEntryItem.SK < keys.ledger_sk(decode_cursor(cursor))  # noqa: SIM300
        found: list[LedgerEntry] = []
        for item in LedgerEntryItem.query(
            keys.ledger_pk(self.tenant_id, month), condition, scan_index_forward=False, limit=limit + 1
        ):
            if len(found) == limit:
                return found, encode_cursor(found[-1].id)
            found.append(_entry(item))
        return found, None

    # --- writes -------------------------------------------------------------------------------
    def open(self, allowance: int, period: str, now: datetime) -> bool:
        """AP17: create the budget with the plan's allowance unless it exists; True when created now."""
        item = BudgetItem(
            keys.tenant_pk(self.tenant_id),
            keys.BUDGET_SK,
            balance=allowance,
            reserved=0,
            allowance=allowance,
            pack_tokens=0,
            period=period,
            updated_at=now,
        )
        grant = self._new_entry(
            LedgerKind.RESET,
            "plan_allowance",
            None,
            allowance,
            "system",
            {},
            "granted",
            None,
            now,
        )
        # The budget and the entry explaining its first tokens are written together, or not at all.
        try:
            with self._transaction() as tx:
                tx.save(item, condition=BudgetItem.PK.does_not_exist())
                tx.save(grant)
        except TransactWriteError as exc:
            reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
            if "ConditionalCheckFailed" in reasons:
                return False
            raise
        return True

    def reserve(self, reservation: Reservation, *, after_refund: bool = False) -> None:
        """AP17: take ``cost`` from the balance into ``reserved``, only if the balance covers it.

        A reservation id is reserved once; ``after_refund`` lets a refunded one be reserved again (an
        action charged once per key that was put off and is tried again).
        """
        budget = BudgetItem(keys.tenant_pk(self.tenant_id), keys.BUDGET_SK)
        item = ReservationItem(
            keys.reservation_pk(self.tenant_id),
            keys.reservation_sk(reservation.id),
            reservation_id=reservation.id,
            action=reservation.action.value,
            category=reservation.category.value,
            cost=reservation.cost,
            mode=reservation.mode.value,
            about=reservation.about,
            state=ReservationState.RESERVED.value,
            created_at=reservation.created_at,
        )
        new = ReservationItem.PK.does_not_exist()
        if after_refund:
            new = new | (ReservationItem.state == ReservationState.REFUNDED.value)

        def write() -> None:
            with self._transaction() as tx:
                tx.update(
                    budget,
                    actions=[
                        BudgetItem.balance.add(-reservation.cost),
                        BudgetItem.reserved.add(reservation.cost),
                        BudgetItem.updated_at.set(reservation.created_at),
                    ],
                    condition=BudgetItem.balance >= reservation.cost,
                )
                tx.save(item, condition=new)
                tx.save(
                    self._entry(
                        LedgerKind.RESERVE, reservation, -reservation.cost, "reserved", reservation.created_at
                    )
                )

        self._with_retries(write, on_condition=InsufficientBalanceError)

    def settle(self, reservation: Reservation, state: ReservationState, outcome: str, now: datetime) -> None:
        """AP17 and AP18: commit or refund a reservation once; settling it again is a 409."""
        refund = state is ReservationState.REFUNDED
        budget = BudgetItem(keys.tenant_pk(self.tenant_id), keys.BUDGET_SK)
        item = ReservationItem(keys.reservation_pk(self.tenant_id), keys.reservation_sk(reservation.id))
        kind = LedgerKind.REFUND if refund else LedgerKind.COMMIT
        actions: list[Action] = [BudgetItem.reserved.add(-reservation.cost), BudgetItem.updated_at.set(now)]
        if refund:
            actions.append(BudgetItem.balance.add(reservation.cost))
        else:
            actions.append(BudgetItem.spent.add(reservation.cost))

        def write() -> None:
            with self._transaction() as tx:
                tx.update(
                    item,
                    actions=[ReservationItem.state.set(state.value), ReservationItem.settled_at.set(now)],
                    condition=ReservationItem.state == ReservationState.RESERVED.value,
                )
                tx.update(budget, actions=actions, condition=BudgetItem.PK.exists())
                # A commit moves no available tokens (they left at reserve time); record what was spent.
                tx.save(
                    self._entry(
                        kind, reservation, reservation.cost if refund else -reservation.cost, outcome, now
                    )
                )

        def already_settled() -> Exception:
            return ConflictError(
                f"reservation {reservation.id} is already settled", {"reservation_id": reservation.id}
            )

        self._with_retries(write, on_condition=already_settled)

    def add_tokens(self, tokens: int, *, pack: bool, note: str | None, now: datetime) -> None:
        """AP17: add a pack (carried over resets) to the balance, with its ledger entry (and the admin's
        ``note``)."""
        budget = BudgetItem(keys.tenant_pk(self.tenant_id), keys.BUDGET_SK)
        actions: list[Action] = [BudgetItem.balance.add(tokens), BudgetItem.updated_at.set(now)]
        if pack:
            actions.append(BudgetItem.pack_tokens.add(tokens))

        def write() -> None:
            with self._transaction() as tx:
                tx.update(budget, actions=actions, condition=BudgetItem.PK.exists())
                tx.save(
                    self._new_entry(
                        LedgerKind.PACK,
                        "pack",
                        None,
                        tokens,
                        "admin",
                        {} if note is None else {"note": note},
                        "granted",
                        None,
                        now,
                    )
                )

        self._with_retries(write, on_condition=lambda: NotFoundError("this account has no token budget yet"))

    def reset(self, period: str, allowance: int, now: datetime) -> bool:
        """AP17: start ``period``: balance = allowance + unspent pack tokens; once per period.

        Plan tokens are taken first, so what is left of the balance, up to the packs bought, is pack
        tokens and carries over; unused plan tokens expire. Reservations in flight keep their tokens.
        """
        current = self.get()
        if current.period >= period:
            return False
        carried = min(max(current.balance, 0), current.pack_tokens)
        budget = BudgetItem(keys.tenant_pk(self.tenant_id), keys.BUDGET_SK)
        try:
            with self._transaction() as tx:
                tx.update(
                    budget,
                    actions=[
                        BudgetItem.balance.set(allowance + carried),
                        BudgetItem.allowance.set(allowance),
                        BudgetItem.pack_tokens.set(carried),
                        BudgetItem.period.set(period),
                        BudgetItem.spent.set(0),
                        BudgetItem.updated_at.set(now),
                    ],
                    # Nobody reserved or reset meanwhile: the balance read above is still the one reset.
                    condition=(BudgetItem.period == current.period) & (BudgetItem.balance == current.balance),
                )
                tx.save(
                    self._new_entry(
                        LedgerKind.RESET,
                        "monthly_reset",
                        None,
                        allowance + carried - current.balance,
                        "system",
                        {"period": period, "plan_tokens": str(allowance), "carried": str(carried)},
                        "granted",
                        None,
                        now,
                    )
                )
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError("the budget changed during the reset; run it again") from exc
        return True

    # --- helpers ------------------------------------------------------------------------------
    def _entry(
        self, kind: LedgerKind, reservation: Reservation, amount: int, outcome: str, now: datetime
    ) -> LedgerEntryItem:
        return self._new_entry(
            kind,
            reservation.action.value,
            reservation.category.value,
            amount,
            reservation.mode.value,
            reservation.about,
            outcome,
            reservation.id,
            now,
        )

    def _new_entry(
        self,
        kind: LedgerKind,
        action: str,
        category: str | None,
        amount: int,
        mode: str,
        about: dict[str, str],
        outcome: str,
        reservation_id: str | None,
        now: datetime,
    ) -> LedgerEntryItem:
        entry_id = new_id()
        return LedgerEntryItem(
            keys.ledger_pk(self.tenant_id, now.strftime("%Y-%m")),
            keys.ledger_sk(entry_id),
            entry_id=entry_id,
            kind=kind.value,
            action=action,
            category=category,
            amount=amount,
            mode=mode,
            about=about,
            outcome=outcome,
            reservation_id=reservation_id,
            created_at=now,
        )

    @staticmethod
    def _with_retries(write: Callable[[], None], on_condition: Callable[[], Exception]) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                write()
                return
            except TransactWriteError as exc:
                reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
                if "ConditionalCheckFailed" in reasons:
                    raise on_condition() from exc
                retryable = "TransactionConflict" in reasons or exc.cause_response_code in {
                    "TransactionConflictException",
                    "TransactionInProgressException",
                    "ThrottlingException",
                }
                if not retryable or attempt == MAX_ATTEMPTS - 1:
                    raise
                # Full jitter: concurrent reservers spread out instead of colliding again.
                time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))  # noqa: S311


LEGACY_PACK_NOTE = "pack purchased"
"""The English words an admin's pack got when no note was given, before notes were optional."""


def _entry(item: LedgerEntryItem) -> LedgerEntry:
    """A ledger entry as the domain sees it.

    An entry written before ``about`` was kept has only its English sentence: it reads from its
    action alone, except a pack's, whose sentence was the admin's own note.
    """
    about: dict[str, str] = plain(item.about) or {}
    if not about and item.kind == LedgerKind.PACK.value and item.reason and item.reason != LEGACY_PACK_NOTE:
        about = {"note": item.reason}
    return LedgerEntry(
        id=item.entry_id,
        kind=LedgerKind(item.kind),
        action=item.action,
        category=item.category,
        amount=int(item.amount),
        mode=item.mode,
        about=about,
        outcome=item.outcome,
        reservation_id=item.reservation_id,
        created_at=item.created_at,
    )
