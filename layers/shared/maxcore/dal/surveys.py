"""The survey counter repository: how many scores each template, campaign and month received, and their sum.

The write path adds to the counters as each score is recorded (an atomic ``ADD``), so the analytics
read one range of one partition, whatever the number of answers.
"""

from __future__ import annotations

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.items import SurveyCounterItem

TEMPLATE, CAMPAIGN, ALL = "template", "campaign", "all"
"""The groups a score is counted in: its template, its campaign (when it has one), the month's total."""


class SurveyCounterRepository(TenantRepository):
    """Survey score counters of one tenant."""

    def add(self, month: str, score: int, template_id: str | None, campaign_id: str | None) -> None:
        """AP63: count one score in its month, for its template and its campaign (one ADD each)."""
        groups = [(ALL, ALL), (TEMPLATE, template_id), (CAMPAIGN, campaign_id)]
        for group, key in groups:
            if key is None:
                continue
            item = SurveyCounterItem(
                keys.survey_counter_pk(self.tenant_id), keys.survey_counter_sk(month, group, key)
            )
            item.update(
                actions=[
                    SurveyCounterItem.month.set(month),
                    SurveyCounterItem.group.set(group),
                    SurveyCounterItem.key.set(key),
                    SurveyCounterItem.entity.set(SurveyCounterItem),
                    SurveyCounterItem.scores.add(1),
                    SurveyCounterItem.total.add(score),
                ]
            )

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
