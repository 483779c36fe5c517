"""The reporting counters of one tenant: per day and channel, per month and template.

The write paths add to them where they record a fact, in the transaction that records it
(:func:`add_to_transaction`): the counter moves exactly when the fact's own write succeeds, so a
redelivered webhook or a retried send that writes nothing counts nothing. A counter is one item
updated with ADD (created by the first one); a report reads a period's counters with one Query.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import BaseItem, StatsBackfillItem, StatsItem
from maxcore.dal.surveys import score_writes
from maxcore.models.reporting import BackfillState
from maxcore.rules.reporting import Counts, TemplateMonth

COUNTERS_PER_TRANSACTION = 24
"""Counter items one backfill transaction adds to, with the progress it moves (25 items in all, the
smallest limit of the table's emulators)."""
CONFLICT_ATTEMPTS = 6
"""Tries of a backfill transaction that met a write path's transaction on the same counter."""
START = "start"
"""The progress of a backfill that counted no lead yet."""

_ENTITY = UnicodeAttribute(attr_name="entity")
_NOT_COUNTERS = frozenset({"PK", "SK", "entity", "expires_at"})


def _actions(facts: Mapping[str, int]) -> list[Action]:
    """ADD each fact, and name the item's entity (the first ADD creates it)."""
    actions: list[Action] = [NumberAttribute(attr_name=name).add(n) for name, n in sorted(facts.items())]
    actions.append(_ENTITY.set("Stats"))
    return actions


def _writes(tenant_id: str, counts: Counts) -> Iterator[tuple[BaseItem, list[Action]]]:
    """Each counter item ``counts`` adds to, with its actions."""
    pk = keys.stats_pk(tenant_id)
    for day in counts.days:
        yield StatsItem(pk, keys.stats_day_sk(day.day.isoformat(), day.channel)), _actions(day.facts)
    for template in counts.templates:
        sk = keys.stats_template_sk(template.month, template.template_id)
        yield StatsItem(pk, sk), _actions(template.facts)
    for campaign in counts.campaigns:
        yield StatsItem(pk, keys.stats_campaign_sk(campaign.campaign_id)), _actions(campaign.facts)
    for survey in counts.surveys:
        yield from score_writes(tenant_id, survey)


def add_to_transaction(tx: TransactWrite, tenant_id: str, counts: Counts) -> None:
    """AP55, AP56, AP63: add ``counts`` to the tenant's counters within the caller's transaction.

    The caller's transaction puts its own items first, so the positions of their cancellation
    reasons do not move.
    """
    for item, actions in _writes(tenant_id, counts):
        tx.update(item, actions=actions)


class StatsRepository(TenantRepository):
    """The reporting counters of one tenant."""

    def days(self, first: date, last: date) -> list[tuple[date, str, dict[str, int]]]:
        """AP55: every channel's counter of the tenant's days ``first`` to ``last``: one Query.

        Returns (day, channel, counters) in day then channel order; a day without facts has none.
        """
        low, high = keys.stats_days_range(first.isoformat(), last.isoformat())
        found = []
        for sk, counters in self._query(low, high):
            _, day, channel = sk.split("#", 2)
            found.append((date.fromisoformat(day), channel, counters))
        return found

    def templates_of_month(self, month: str) -> list[TemplateMonth]:
        """AP56: every template's sends and positive replies of one month (``YYYY-MM``): one Query."""
        prefix = keys.stats_templates_prefix(month)
        return [
            TemplateMonth(sk.removeprefix(prefix), counters.get("sent", 0), counters.get("positive", 0))
            for sk, counters in self._query(prefix, prefix + "~")
        ]

    def campaigns(self) -> dict[str, dict[str, int]]:
        """AP56: what became of each campaign's messages (delivered, read, bounced), by campaign:
        one Query."""
        prefix = keys.CAMPAIGN_STATS_PREFIX
        return {sk.removeprefix(prefix): counters for sk, counters in self._query(prefix, prefix + "~")}

    def _query(self, low: str, high: str) -> Iterator[tuple[str, dict[str, int]]]:
        """The counters whose sort key is between ``low`` and ``high``, page after page: each sort
        key and its numbers. Low-level: the facts are attributes no item class declares."""
        start = None
        while True:
            page = StatsItem._get_connection().query(
                keys.stats_pk(self.tenant_id),
                range_key_condition=StatsItem.SK.between(low, high),
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                yield _plain(raw)
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    # --- the backfill -------------------------------------------------------------------------------
    def backfill(self) -> BackfillState | None:
        """AP71: where the backfill of the tenant's counters stands (consistent), None before it starts."""
        try:
            item = StatsBackfillItem.get(
                keys.stats_pk(self.tenant_id), keys.STATS_BACKFILL_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return BackfillState(
            cutover=item.cutover,
            progress=item.progress,
            leads=int(item.leads),
            started_at=item.started_at,
            finished_at=item.finished_at,
        )

    def start_backfill(self, cutover: datetime, now: datetime) -> BackfillState:
        """AP71: record the backfill's cut-over unless one is recorded (the first one holds); its state."""
        item = StatsBackfillItem(
            keys.stats_pk(self.tenant_id),
            keys.STATS_BACKFILL_SK,
            cutover=cutover,
            progress=START,
            leads=0,
            started_at=now,
        )
        try:
            item.save(condition=StatsBackfillItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
        state = self.backfill()
        assert state is not None  # written above, or by the run that came first
        return state

    def add_backfilled(self, read: str, progress: str, counts: Counts, *, lead_done: bool) -> bool:
        """AP71: add one transaction's share of a lead's counts and move the progress from ``read`` to
        ``progress``, only if it still reads ``read``: False (nothing added) when another run moved it.

        ``counts`` must fit one transaction (:data:`COUNTERS_PER_TRANSACTION` counter items).
        """
        state = StatsBackfillItem(keys.stats_pk(self.tenant_id), keys.STATS_BACKFILL_SK)
        actions: list[Action] = [StatsBackfillItem.progress.set(progress)]
        if lead_done:
            actions.append(StatsBackfillItem.leads.add(1))
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                with self._transaction() as tx:
                    tx.update(state, actions=actions, condition=StatsBackfillItem.progress == read)
                    add_to_transaction(tx, self.tenant_id, counts)
                return True
            except TransactWriteError as exc:
                codes = [r.code if r is not None else None for r in exc.cancellation_reasons or []]
                if codes and codes[0] == "ConditionalCheckFailed":
                    return False
                # A write path adding to the same counter at that instant: try again shortly.
                if "TransactionConflict" not in codes or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311
        raise AssertionError("unreachable")  # pragma: no cover

    def finish_backfill(self, read: str, now: datetime) -> None:
        """AP71: mark the backfill done, if its progress still reads ``read`` (another run's finish
        is as good)."""
        state = StatsBackfillItem(keys.stats_pk(self.tenant_id), keys.STATS_BACKFILL_SK)
        try:
            state.update(
                actions=[StatsBackfillItem.finished_at.set(now)],
                condition=(StatsBackfillItem.progress == read)
                & StatsBackfillItem.finished_at.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise


def in_transactions(counts: Counts, size: int = COUNTERS_PER_TRANSACTION) -> list[Counts]:
    """``counts`` cut into parts that each add to at most ``size`` counter items, in a stable order."""
    single = [Counts(days=(d,)) for d in counts.days]
    single += [Counts(templates=(t,)) for t in counts.templates]
    single += [Counts(campaigns=(c,)) for c in counts.campaigns]
    parts = [single[start : start + size] for start in range(0, len(single), size)]
    return [
        Counts(
            tuple(d for one in part for d in one.days),
            tuple(t for one in part for t in one.templates),
            tuple(c for one in part for c in one.campaigns),
        )
        for part in parts
    ]


def _plain(raw: Mapping[str, Mapping[str, str]]) -> tuple[str, dict[str, int]]:
    """A raw counter item as its sort key and its numbers."""
    numbers = {name: int(v["N"]) for name, v in raw.items() if "N" in v and name not in _NOT_COUNTERS}
    return raw["SK"]["S"], numbers
