"""The "À relancer aujourd'hui" list: the decision engine over every lead, with a template for each.

The decision per lead is the pure rule :func:`maxcore.rules.recommendations.recommend`; this service
reads the leads (their summaries carry everything the rule needs) and the tenant's active templates
once, and pairs each recommendation with a template of its category on its channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.leads import LeadRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.models.alert import (
    Recommendation,
    RecommendationList,
    RecommendationResponse,
    SuggestedTemplate,
)
from maxcore.models.common import Channel
from maxcore.models.template import Template, TemplateCategory, TemplateStatus
from maxcore.rules.recommendations import recommend
from maxcore.services.tenants import tenant_settings

MAX_LIMIT = 200


def pick_template(
    templates: Iterable[Template], category: TemplateCategory, channel: str | None, locale: str
) -> Template | None:
    """The active template to suggest for a follow-up of ``category`` on ``channel``.

    The tenant's language first, then the tenant's own templates before the built-in ones, then the
    most recently changed. None for a channel no template serves (a call) or when none fits.
    """
    if channel not in {c.value for c in Channel}:
        return None
    fitting = [
        t
        for t in templates
        if t.status is TemplateStatus.ACTIVE and t.category is category and t.channel.value == channel
    ]
    if not fitting:
        return None
    return min(
        fitting,
        key=lambda t: (t.locale.value != locale, t.builtin_key is not None, -t.updated_at.timestamp(), t.id),
    )


class RecommendationService:
    """The follow-up recommendations of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self._clock = clock

    def today(self, limit: int = 50) -> RecommendationList:
        """The follow-ups to make today, most urgent first, the longest waiting first within a priority."""
        tenant = tenant_settings(self.tenant_id)
        locale = tenant.locale.value
        now = self._clock()
        found: list[Recommendation] = []
        for lead in LeadRepository(self.tenant_id).iter_all():
            recommendation = recommend(lead, now, tenant.timezone, locale, thresholds=tenant.alert_thresholds)
            if recommendation is not None:
                found.append(recommendation)
        found.sort(key=lambda r: (r.priority, str(r.metadata.get("last_outbound_at", "")), r.lead_id))
        templates = [
            t for t in TemplateRepository(self.tenant_id).iter_all() if t.status is TemplateStatus.ACTIVE
        ]
        items = []
        for recommendation in found[: min(limit, MAX_LIMIT)]:
            channel = None if recommendation.channel is None else recommendation.channel.value
            template = pick_template(templates, recommendation.template_category, channel, locale)
            items.append(
                RecommendationResponse(
                    **recommendation.model_dump(),
                    suggested_template=None
                    if template is None
                    else SuggestedTemplate(
                        id=template.id,
                        name=template.name,
                        channel=template.channel,
                        locale=template.locale.value,
                    ),
                )
            )
        return RecommendationList(items=items, total=len(found), generated_at=now)
