"""The survey counter repository: how many scores each template, campaign and month received, and their sum.

The score of an answer is added (an atomic ``ADD``) in the transaction that records the answer
(:func:`maxcore.dal.stats.add_to_transaction`): a redelivered answer that writes nothing counts
nothing, and no crash can record an answer without its score. The analytics read one range of one
partition, whatever the number of answers.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.items import SurveyCounterItem
from maxcore.rules.reporting import SurveyCount

TEMPLATE, CAMPAIGN, ALL = "template", "campaign", "all"
"""The groups a score is counted in: its template, its campaign (when it has one), the month's total."""


def score_writes(tenant_id: str, survey: SurveyCount) -> Iterator[tuple[SurveyCounterItem, list[Action]]]:
    """AP63: the counters one score adds to (its month's, its template's, its campaign's), each with its
    ``ADD`` actions, for the transaction that records the answer."""
    groups = [(ALL, ALL), (TEMPLATE, survey.template_id), (CAMPAIGN, survey.campaign_id)]
    for group, key in groups:
        if key is None:
            continue
        item = SurveyCounterItem(
            keys.survey_counter_pk(tenant_id), keys.survey_counter_sk(survey.month, group, key)
        )
        yield (
            item,
            [
                SurveyCounterItem.month.set(survey.month),
                SurveyCounterItem.group.set(group),
                SurveyCounterItem.key.set(key),
                SurveyCounterItem.entity.set(SurveyCounterItem),
                SurveyCounterItem.scores.add(1),
                SurveyCounterItem.total.add(survey.score),
            ],
        )


class SurveyCounterRepository(TenantRepository):
    """Survey score counters of one tenant."""

    def between(self, first_month: str, last_month: str) -> list[tuple[str, str, str, int, int]]:
        """AP63: every counter from ``first_month`` to ``last_month`` included, as
        (month, group, key, count, total): one Query of a sort-key range."""
        items = SurveyCounterItem.query(
            keys.survey_counter_pk(self.tenant_id),
            SurveyCounterItem.SK.between(f"{first_month}#", f"{last_month}#~"),
        )
        return [
            (item.month, item.group, item.key, int(item.scores), int(item.total))
            for item in items
            if isinstance(item, SurveyCounterItem)
        ]
