"""The A/B variant counters of a campaign: one item per step and variant, moved by ADDs only.

The write paths add to them as things happen (a step sent, a reply that ends a sequence, in the same
transaction as the enrollment's change; a delivery or an open, in the same transaction as a mark on
the message's activity, so a figure is added once per message): the report reads a few items, never
the prospects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.activities import MessageRef
from maxcore.dal.base import TenantRepository
from maxcore.dal.items import ActivityItem, VariantCounterItem
from maxcore.models.prospection import SentStep
from maxcore.models.variants import VariantCounts

FIGURES = tuple(VariantCounts.model_fields)
"""The figures a variant counts, as its counter item names them."""


@dataclass(frozen=True)
class VariantCount:
    """What to add to one variant's figures."""

    campaign_id: str
    step: int
    variant: str
    added: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of_sent(cls, campaign_id: str, sent: SentStep) -> VariantCount | None:
        """A step's message that left, for the variant it was (``None``: a step without variants)."""
        if sent.variant is None:
            return None
        return cls(campaign_id, sent.step, sent.variant, {"sent": 1})


def counter_update(tenant_id: str, count: VariantCount) -> tuple[VariantCounterItem, list[Action]]:
    """AP49: the item and the ADDs of ``count``, for a transaction of the caller's (or alone)."""
    unknown = set(count.added) - set(FIGURES)
    if unknown:
        raise ValueError(f"not a variant figure: {sorted(unknown)}")
    item = VariantCounterItem(
        keys.enrollment_pk(tenant_id, count.campaign_id), keys.variant_sk(count.step, count.variant)
    )
    attributes = VariantCounterItem.get_attributes()
    actions: list[Action] = [
        # An ADD creates the item: its discriminator and names are set with the first one.
        VariantCounterItem.entity.set(VariantCounterItem),
        VariantCounterItem.step.set(count.step),
        VariantCounterItem.variant.set(count.variant),
    ]
    actions += [attributes[name].add(value) for name, value in count.added.items()]
    return item, actions


class VariantRepository(TenantRepository):
    """The A/B variant counters of one tenant's campaigns."""

    def figures(self, campaign_id: str) -> dict[tuple[int, str], VariantCounts]:
        """AP48: every variant's figures of a campaign, by step and letter (one Query of a few items)."""
        found: dict[tuple[int, str], VariantCounts] = {}
        for item in VariantCounterItem.query(
            keys.enrollment_pk(self.tenant_id, campaign_id),
            VariantCounterItem.SK.startswith(keys.VARIANT_SK_PREFIX),
        ):
            counts = {name: int(getattr(item, name) or 0) for name in FIGURES}
            found[(int(item.step), item.variant)] = VariantCounts(**counts)
        return found

    def count_once(self, ref: MessageRef, count: VariantCount) -> list[str]:
        """AP49: add each figure of ``count`` at most once for the message ``ref`` points to.

        Each figure is one transaction: a mark on the message's activity, conditional on the figure
        not being marked yet, and the ADD. A repeated or late status report finds the mark and
        adds nothing. Returns the figures added.
        """
        activity = ActivityItem(keys.lead_activity_pk(self.tenant_id, ref.lead_id), ref.activity_sk)
        added: list[str] = []
        for name, value in count.added.items():
            item, actions = counter_update(
                self.tenant_id, VariantCount(count.campaign_id, count.step, count.variant, {name: value})
            )
            try:
                with self._transaction() as tx:
                    tx.update(
                        activity,
                        actions=[ActivityItem.variant_counted.add({name})],
                        condition=ActivityItem.PK.exists() & ~ActivityItem.variant_counted.contains(name),
                    )
                    tx.update(item, actions=actions)
            except TransactWriteError as exc:
                reasons = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
                if reasons[:1] != ["ConditionalCheckFailed"]:
                    raise
                continue  # already counted for this message (or the activity is gone)
            added.append(name)
        return added
