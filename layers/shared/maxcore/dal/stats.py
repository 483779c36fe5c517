"""The reporting counters of one tenant: per day and channel, per month and template.

The write paths add to them where they record a fact, in the transaction that records it
(:func:`add_to_transaction`): the counter moves exactly when the fact's own write succeeds, so a
redelivered webhook or a retried send that writes nothing counts nothing. A counter is one item
updated with ADD (created by the first one); a report reads a period's counters with one Query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.items import BaseItem, StatsItem
from maxcore.dal.surveys import score_writes
from maxcore.rules.reporting import Counts, TemplateMonth

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


def _plain(raw: Mapping[str, Mapping[str, str]]) -> tuple[str, dict[str, int]]:
    """A raw counter item as its sort key and its numbers."""
    numbers = {name: int(v["N"]) for name, v in raw.items() if "N" in v and name not in _NOT_COUNTERS}
    return raw["SK"]["S"], numbers
