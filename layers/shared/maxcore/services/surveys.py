"""Satisfaction surveys: the 1-5 scores the leads' answers give, counted per template, campaign and month.

A survey is any message sent from a template of the ``satisfaction_survey`` category (by ``POST
/messages``, an automation or a campaign step): its activity keeps the template, the campaign if any
and the category, and the lead's reply within the survey's window is read as its answer
(:mod:`maxcore.services.answers`), which names the survey it answers. The transaction that records
that answer adds its score to the counters of the survey's template, campaign and month (the month
the answer came: :func:`maxcore.rules.appointments.survey_counts`); the analytics read those
counters, never the activities.
"""

from __future__ import annotations

import re
from datetime import date

from maxcore.dal.surveys import ALL, CAMPAIGN, TEMPLATE, SurveyCounterRepository
from maxcore.errors import InvalidInputError
from maxcore.models.appointment import SurveyAnalytics
from maxcore.models.common import MONTH_PATTERN
from maxcore.rules.appointments import average, survey_groups

MONTH = re.compile(MONTH_PATTERN)
MAX_MONTHS = 36
"""The longest period the analytics read at once (three years of counters)."""


class SurveyService:
    """The survey scores of one tenant."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.counters = SurveyCounterRepository(tenant_id)

    def analytics(self, first: str, last: str) -> SurveyAnalytics:
        """Counts and averages per template, campaign and month from ``first`` to ``last`` (YYYY-MM)."""
        start, end = _month("from", first), _month("to", last)
        if first > last:
            raise InvalidInputError("from must not be after to", {"from": first, "to": last})
        if (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            period = {"from": first, "to": last, "months": MAX_MONTHS}
            raise InvalidInputError(f"the period is at most {MAX_MONTHS} months", period)
        groups: dict[str, dict[str, tuple[int, int]]] = {ALL: {}, TEMPLATE: {}, CAMPAIGN: {}}
        for month, group, key, count, total in self.counters.between(first, last):
            name = month if group == ALL else key
            held = groups[group].get(name, (0, 0))
            groups[group][name] = (held[0] + count, held[1] + total)
        count = sum(c for c, _ in groups[ALL].values())
        total = sum(t for _, t in groups[ALL].values())
        return SurveyAnalytics(
            from_month=first,
            to_month=last,
            count=count,
            average=average(count, total),
            by_template=survey_groups(groups[TEMPLATE]),
            by_campaign=survey_groups(groups[CAMPAIGN]),
            by_month=survey_groups(groups[ALL]),
        )


def _month(name: str, value: str) -> date:
    """The first day of the month ``value`` (``YYYY-MM``); 422 for anything else, year 0 included."""
    try:
        if MONTH.match(value):
            return date.fromisoformat(f"{value}-01")
    except ValueError:
        pass
    raise InvalidInputError(f"{name} must be a month, YYYY-MM", {name: value})
