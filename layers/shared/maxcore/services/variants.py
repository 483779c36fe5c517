"""A/B variants of a campaign: their figures and verdicts, and the winner sent to new prospects.

The figures are the counters the write paths keep (:mod:`maxcore.dal.variants`); the verdict is
:func:`maxcore.rules.variants.decide` on them. A winner is chosen by a user, or by the run itself when
the campaign says ``auto_winner``; it is written on the campaign (conditional on its version), with
the reason and the figures of the moment, and every prospect not yet sent the step gets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository, MessageRef
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.variants import VariantCount, VariantRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.models.activity import Activity, ActivityStatus
from maxcore.models.prospection import Campaign, ScenarioStep
from maxcore.models.variants import (
    VARIANT_LETTERS,
    ChooseWinnerRequest,
    ChosenVariant,
    StepVariant,
    StepVariants,
    VariantCounts,
    VariantRates,
    VariantsReport,
    VariantStat,
    VariantVerdict,
)
from maxcore.observability import logger, metrics
from maxcore.rules import variants as rules
from maxcore.rules.reporting import rate
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

Figures = Mapping[tuple[int, str], VariantCounts]

AUTO = "auto"
"""Who chose a winner the run chose by itself."""


class VariantService:
    """The A/B variants of one tenant's campaigns."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.campaigns = CampaignRepository(tenant_id)
        self.counters = VariantRepository(tenant_id)
        self.scenarios = ScenarioService(tenant_id, clock)
        self._clock = clock

    def report(self, campaign_id: str) -> VariantsReport:
        """Every step with variants of the campaign's scenario: figures, rates, verdict, winner (404 for
        another tenant's campaign)."""
        campaign = self.campaigns.get(campaign_id)
        steps = self._tested_steps(campaign)
        figures = self.counters.figures(campaign_id) if steps else {}
        locale = self._locale()
        return VariantsReport(
            campaign_id=campaign.id,
            auto_winner=campaign.auto_winner,
            steps=[_step_report(campaign, step, figures, locale) for step in steps],
        )

    def choose(self, campaign_id: str, order: int, request: ChooseWinnerRequest, user: str) -> StepVariants:
        """Send the variant named (else the test's winner: 409 until significant) to every new prospect
        of step ``order``; 404 for another tenant's campaign or a step it does not have."""
        campaign = self.campaigns.get(campaign_id)
        step = self._tested_step(campaign, order)
        assert step.variants is not None  # a tested step has variants
        figures = self.counters.figures(campaign_id)
        verdict = rules.decide(_arms(step, figures))
        locale = self._locale()
        chosen = request.variant or verdict.winner
        if chosen is None:
            raise ConflictError(
                "no variant of this step is significantly better yet; name the variant to send",
                {"step": order, "status": verdict.status.value},
            )
        letters = VARIANT_LETTERS[: len(step.variants)]
        if chosen not in letters:
            raise InvalidInputError(
                f"step {order} has no variant {chosen}",
                [{"field": "variant", "message": f"the step's variants are {', '.join(letters)}"}],
            )
        saved = self._chosen(campaign, step, chosen, user, rules.reason(verdict, locale), locale)
        return _step_report(saved, step, figures, locale)

    def choose_automatically(self, campaign: Campaign) -> Campaign:
        """The campaign with a winner for each tested step whose test became significant (``auto_winner``).

        Reads the figures once; a campaign changed meanwhile is left for the next run.
        """
        found = self._significant(campaign)
        if not found:
            return campaign
        locale = self._locale()
        for step, winner, verdict in found:
            try:
                campaign = self._chosen(campaign, step, winner, AUTO, rules.reason(verdict, locale), locale)
            except ConflictError:
                logger.info("campaign changed while choosing a winner", extra={"campaign_id": campaign.id})
                return campaign
        return campaign

    def foresee(self, campaign: Campaign) -> Campaign:
        """The campaign as its next run will see it once ``auto_winner`` has chosen the winners its
        tests found, each with why; nothing is written (the schedule preview)."""
        found = self._significant(campaign)
        if not found:
            return campaign
        locale = self._locale()
        winners = dict(campaign.winners)
        for step, winner, verdict in found:
            verdict_text = rules.reason(verdict, locale)
            winners[step.order] = ChosenVariant(
                variant=winner,
                chosen_at=self._clock(),
                chosen_by=AUTO,
                reason=render("variants.foreseen", locale, variant=winner, verdict=verdict_text),
            )
        return campaign.model_copy(update={"winners": winners})

    def _significant(self, campaign: Campaign) -> list[tuple[ScenarioStep, str, rules.Verdict]]:
        """The tested steps of an ``auto_winner`` campaign still without a winner whose test found one,
        with the winner and the verdict (the figures read once; nothing when the campaign does not
        choose)."""
        pending = [s for s in self._tested_steps(campaign) if s.order not in campaign.winners]
        if not campaign.auto_winner or not pending:
            return []
        figures = self.counters.figures(campaign.id)
        verdicts = [(step, rules.decide(_arms(step, figures))) for step in pending]
        return [(step, v.winner, v) for step, v in verdicts if v.winner is not None]

    def count_delivery(self, ref: MessageRef, status: ActivityStatus) -> list[str]:
        """AP49: what a message's new ``status`` adds to its A/B variant's figures, once per message;
        nothing for a message that carries no variant. Returns the figures added."""
        figures = rules.delivery_figures(status)
        if not figures:
            return []
        return self._count_once(ref, ActivityRepository(self.tenant_id).get(ref), figures)

    def count_unsubscribe(self, ref: MessageRef, message: Activity | None = None) -> list[str]:
        """AP49: an opt-out about the message ``ref`` points to (a provider's report, a link, a STOP
        answering it) as an unsubscribe of its A/B variant, once per message however often it is
        reported. ``message``: the message, when the caller has read it already."""
        found = message if message is not None else ActivityRepository(self.tenant_id).get(ref)
        return self._count_once(ref, found, rules.UNSUBSCRIBED)

    def _count_once(self, ref: MessageRef, message: Activity | None, figures: dict[str, int]) -> list[str]:
        marks = {} if message is None else message.metadata
        campaign_id, step, variant = marks.get("campaign_id"), marks.get("step"), marks.get("variant")
        if not (isinstance(campaign_id, str) and isinstance(variant, str) and step is not None):
            return []
        return self.counters.count_once(ref, VariantCount(campaign_id, int(str(step)), variant, figures))

    def _chosen(
        self, campaign: Campaign, step: ScenarioStep, variant: str, user: str, verdict: str, locale: str
    ) -> Campaign:
        """Write the winner of ``step`` on the campaign, with why (conditional on its version)."""
        key = "variants.chosen_automatically" if user == AUTO else "variants.chosen_by_user"
        now = self._clock()
        chosen = ChosenVariant(
            variant=variant,
            chosen_at=now,
            chosen_by=user,
            reason=render(key, locale, variant=variant, verdict=verdict),
        )
        winners = {**campaign.winners, step.order: chosen}
        saved = self.campaigns.save(campaign.model_copy(update={"winners": winners, "updated_at": now}))
        metrics.add_metric(name="VariantWinnerChosen", unit=MetricUnit.Count, value=1)
        logger.info(
            "A/B winner chosen",
            extra={"campaign_id": campaign.id, "step": step.order, "variant": variant, "by": user},
        )
        return saved

    def _tested_steps(self, campaign: Campaign) -> list[ScenarioStep]:
        scenario = self.scenarios.version(campaign.scenario_id, campaign.scenario_version)
        return [step for step in scenario.steps if step.variants]

    def _tested_step(self, campaign: Campaign, order: int) -> ScenarioStep:
        for step in self._tested_steps(campaign):
            if step.order == order:
                return step
        raise NotFoundError(
            f"step {order} of this campaign has no variants", {"campaign_id": campaign.id, "step": order}
        )

    def _locale(self) -> str:
        return tenant_settings(self.tenant_id).locale.value


def _arms(step: ScenarioStep, figures: Figures) -> list[rules.Arm]:
    letters = VARIANT_LETTERS[: len(step.variants or [])]
    counts = [figures.get((step.order, letter), VariantCounts()) for letter in letters]
    return [rules.Arm(letter, c.sent, c.positive_replies) for letter, c in zip(letters, counts, strict=True)]


def _step_report(campaign: Campaign, step: ScenarioStep, figures: Figures, locale: str) -> StepVariants:
    variants = step.variants or []
    verdict = rules.decide(_arms(step, figures))
    return StepVariants(
        step=step.order,
        channel=step.channel.value,
        variants=[
            _stat(letter, variant, figures.get((step.order, letter), VariantCounts()))
            for letter, variant in zip(VARIANT_LETTERS, variants, strict=False)
        ],
        verdict=VariantVerdict(
            status=verdict.status,
            metric=rules.METRIC,
            leader=None if verdict.leader is None else verdict.leader.variant,
            runner_up=None if verdict.runner_up is None else verdict.runner_up.variant,
            z=None if verdict.test is None else round(verdict.test.z, 4),
            p_value=None if verdict.test is None else round(verdict.test.p_value, 6),
            threshold=round(verdict.threshold, 6),
            min_sample=rules.MIN_SAMPLE,
            sends_needed=verdict.sends_needed,
            reason=rules.reason(verdict, locale),
        ),
        winner=campaign.winners.get(step.order),
    )


def _stat(letter: str, variant: StepVariant, counts: VariantCounts) -> VariantStat:
    return VariantStat(
        variant=letter,
        template_id=variant.template_id,
        instructions=variant.instructions,
        weight=variant.weight,
        counts=counts,
        rates=VariantRates(
            delivered=rate(counts.delivered, counts.sent),
            opened=rate(counts.opened, counts.sent),
            replies=rate(counts.replies, counts.sent),
            positive_replies=rate(counts.positive_replies, counts.sent),
            unsubscribes=rate(counts.unsubscribes, counts.sent),
        ),
    )
