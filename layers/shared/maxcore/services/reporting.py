"""Per-channel analytics and the dashboard's reporting overview of one tenant.

Everything is read from what the write paths keep up to date, never from the leads:

- per-channel analytics: the tenant (AP6, its time zone) and the period's day counters (AP55): one
  GetItem and one Query (a page per 1 MB: a year of four channels is about 1,500 small items);
- the overview: the tenant (AP6), the day counters of last week and this week (AP55), the open
  NoFollowup7d, NoReply3d and HotLead24h alerts (AP57: one Query of the open-alert index, one
  BatchGetItem of the first ones shown), the budget (AP17), the month's template counters (AP56)
  and the best template's name (AP13; a deleted built-in's from the library): at most seven
  requests, whatever the number of leads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta

from maxcore.clock import utcnow
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.stats import StatsRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.errors import InvalidInputError, NotFoundError
from maxcore.models.alert import Alert, AlertType
from maxcore.models.reporting import (
    BestTemplate,
    ChannelReport,
    LeadsWaiting,
    ReportingOverview,
    TokensSpent,
    WaitingLead,
)
from maxcore.rules import reporting as rules
from maxcore.services.budget import BudgetService
from maxcore.services.templates import builtin_name
from maxcore.services.tenants import tenant_settings
from maxcore.texts import counted

NOT_FOLLOWED_UP = (AlertType.NO_FOLLOWUP_7D, AlertType.NO_REPLY_3D)
"""The alerts that say a lead waits for a follow-up (a lead has one of them at most)."""
HOT_WAITING = (AlertType.HOT_LEAD_24H,)
"""The alert that says a hot reply waits for an answer."""
LEADS_SHOWN = 10
"""Leads listed with each count (the first page of the alert list gives the rest)."""


class ReportingService:
    """The reports of one tenant, read from counters and indexes."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.stats = StatsRepository(tenant_id)
        self._clock = clock

    def channels(self, first: date, last: date) -> ChannelReport:
        """Per-channel figures of the tenant's days ``first`` to ``last`` (422 beyond a year).

        Parameters
        ----------
        first, last
            The period, both days included, in the tenant's time zone.
        """
        if last < first:
            raise InvalidInputError(
                f"the period ends on {last} before it begins on {first}",
                {"from": first.isoformat(), "to": last.isoformat()},
            )
        days = (last - first).days + 1
        if days > rules.MAX_PERIOD_DAYS:
            raise InvalidInputError(
                f"the period covers {days} days; a report covers at most {rules.MAX_PERIOD_DAYS}",
                {"from": first.isoformat(), "to": last.isoformat()},
            )
        timezone = tenant_settings(self.tenant_id).timezone
        rows = self.stats.days(first, last)
        tallies = rules.tally_channels((channel, counters) for _, channel, counters in rows)
        return ChannelReport(
            first_day=first,
            last_day=last,
            timezone=timezone,
            channels=[rules.channel_stats(tally) for tally in tallies],
        )

    def overview(self) -> ReportingOverview:
        """The dashboard's figures today: leads waiting, messages by week, tokens, best template."""
        tenant = tenant_settings(self.tenant_id)
        locale = tenant.locale.value
        today = rules.tenant_day(self._clock(), tenant.timezone)
        sent: Counter[date] = Counter()
        for day, _, counters in self.stats.days(rules.week_start(today) - timedelta(days=7), today):
            sent[day] += counters.get(rules.SENT, 0)
        counts, alerts = AlertRepository(self.tenant_id).open_of_types(
            NOT_FOLLOWED_UP + HOT_WAITING, LEADS_SHOWN
        )
        budget = BudgetService(self.tenant_id, self._clock).open()
        return ReportingOverview(
            today=today,
            not_followed_up=_waiting(counts, alerts, NOT_FOLLOWED_UP, "reporting.not_followed_up", locale),
            hot_leads_waiting=_waiting(counts, alerts, HOT_WAITING, "reporting.hot_leads_waiting", locale),
            messages=rules.week_messages(sent, today),
            tokens=TokensSpent(
                period=budget.period, spent=budget.spent, balance=budget.balance, allowance=budget.allowance
            ),
            best_template_of_month=self._best_template(today.strftime("%Y-%m"), locale),
        )

    def _best_template(self, month: str, locale: str) -> BestTemplate | None:
        best = rules.best_template(self.stats.templates_of_month(month))
        if best is None:
            return None
        return BestTemplate(
            template_id=best.template_id,
            name=self._template_name(best.template_id, locale),
            sent=best.sent,
            positive_replied=best.positive,
            positive_reply_rate=rules.rate(best.positive, best.sent),
            min_sent=rules.MIN_TEMPLATE_SENT,
        )

    def _template_name(self, template_id: str, locale: str) -> str | None:
        """The template's name as the templates routes show it; a deleted built-in's from the library,
        in ``locale``; None for a deleted template of the tenant's own."""
        try:
            return TemplateRepository(self.tenant_id).get(template_id).name
        except NotFoundError:
            return builtin_name(self.tenant_id, template_id, locale)


def _waiting(
    counts: dict[AlertType, int], alerts: list[Alert], types: tuple[AlertType, ...], key: str, locale: str
) -> LeadsWaiting:
    """The leads the alerts of ``types`` name: their count in words and the first ones."""
    count = sum(counts.get(t, 0) for t in types)
    shown = [a for a in alerts if a.type in types][:LEADS_SHOWN]
    return LeadsWaiting(
        count=count,
        label=counted(key, count, locale),
        leads=[
            WaitingLead(
                lead_id=a.lead_id, name=a.lead_name, alert_type=a.type.value, since=a.created_at.isoformat()
            )
            for a in shown
        ],
    )
