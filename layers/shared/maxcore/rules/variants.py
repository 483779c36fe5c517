"""A/B variants: which variant a prospect gets, and when one variant has won (pure).

Assignment is a hash, never a draw: the campaign, the lead and the step give a number in
``[0, total weight)`` that falls in one variant's stretch of the cumulative weights, so the same
prospect gets the same variant on every run, in the preview and after a retry, with no state kept.
Once a winner is chosen for the step, every prospect not yet sent it gets the winner.

The winner is decided on the positive-reply rate (hot replies over messages sent: what a campaign is
for; opens are unreliable since mail clients pre-load images) with a two-proportion z-test at 95 %,
and only once every variant has sent :data:`MIN_SAMPLE` messages. With more than two variants the
leader must beat each other variant, at 5 % split between the comparisons (Bonferroni), and the
figures shown are those against the closest one.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from statistics import NormalDist

from maxcore.models.activity import ActivityStatus
from maxcore.models.intent import ReplyKind
from maxcore.models.prospection import Campaign, ScenarioStep
from maxcore.models.variants import VARIANT_LETTERS, VerdictStatus
from maxcore.models.webhook import DeliveryUpdate, SuppressionReason
from maxcore.texts import counted, render

MIN_SAMPLE = 100
"""Messages each variant must have sent before the test says anything."""

ALPHA = 0.05
"""The test's risk of calling a difference that is chance (95 % confidence)."""

METRIC = "positive_replies"
"""The rate the test compares."""

_NORMAL = NormalDist()


def assign(
    campaign_id: str, lead_id: str, step: int, weights: Sequence[int], winner: str | None = None
) -> str:
    """The letter of the variant the prospect gets at ``step``.

    Parameters
    ----------
    campaign_id, lead_id, step
        Who and where: the same three always give the same variant.
    weights
        The variants' weights, in letter order (all positive).
    winner
        The variant chosen for every new prospect of the step, if one was.

    Returns
    -------
    str
        ``A`` to ``D``.
    """
    if winner is not None and winner in VARIANT_LETTERS[: len(weights)]:
        return winner
    digest = hashlib.sha256(f"{campaign_id}:{lead_id}:{step}".encode()).digest()
    bounds = list(accumulate(weights))
    point = int.from_bytes(digest[:8], "big") % bounds[-1]
    return VARIANT_LETTERS[bisect_right(bounds, point)]


def variant_for(campaign: Campaign, lead_id: str, step: ScenarioStep | None) -> str | None:
    """The variant the lead gets at ``step`` of ``campaign`` (its winner, once chosen); ``None`` for
    a step without variants."""
    if step is None or not step.variants:
        return None
    chosen = campaign.winners.get(step.order)
    weights = [variant.weight for variant in step.variants]
    return assign(campaign.id, lead_id, step.order, weights, None if chosen is None else chosen.variant)


UNSUBSCRIBED = {"unsubscribes": 1}
"""What an opt-out adds to the figures of the variant of the message it concerns."""


def assignment_reason(campaign: Campaign, step: ScenarioStep, variant: str, locale: str) -> str:
    """Why a prospect gets ``variant`` at ``step`` (the step with its variants): the winner's reason
    once one is chosen, else the variant's share of the test's split."""
    chosen = campaign.winners.get(step.order)
    if chosen is not None and chosen.variant == variant:
        return chosen.reason
    weights = [v.weight for v in step.variants or []]
    share = weights[VARIANT_LETTERS.index(variant)] / sum(weights)
    return render("variants.assigned", locale, variant=variant, share=percent(share, locale))


def reply_figures(kind: ReplyKind | None) -> dict[str, int]:
    """What a reply that ended a sequence adds to the figures of the variant it answered: a reply a
    person wrote, and a hot one a positive reply too (the definitions of
    :mod:`maxcore.rules.prospection_analytics`). An opt-out adds nothing here: it is counted for the
    message it concerns, whichever way it came (:data:`UNSUBSCRIBED`)."""
    if kind is ReplyKind.OPT_OUT:
        return {}
    if kind is ReplyKind.HOT:
        return {"replies": 1, "positive_replies": 1}
    return {"replies": 1}


def provider_opt_out(update: DeliveryUpdate) -> bool:
    """Whether a provider's report on a message says its recipient opted out: Twilio's 21610 or a spam
    complaint (a bounce is no one's choice)."""
    return update.opted_out or update.suppress is SuppressionReason.COMPLAINED


_OPENED = frozenset(
    {ActivityStatus.OPENED, ActivityStatus.READ, ActivityStatus.CLICKED, ActivityStatus.REPLIED}
)
_DELIVERED = _OPENED | {ActivityStatus.DELIVERED}


def delivery_figures(status: ActivityStatus) -> dict[str, int]:
    """What a message reaching ``status`` adds to its variant's figures: delivered from ``delivered`` up,
    opened from ``opened``/``read`` up (a status may skip a rung: a late ``delivered`` is no news)."""
    figures = {}
    if status in _DELIVERED:
        figures["delivered"] = 1
    if status in _OPENED:
        figures["opened"] = 1
    return figures


@dataclass(frozen=True)
class Arm:
    """One variant's sample: messages sent and the successes among them."""

    variant: str
    sent: int
    successes: int

    @property
    def rate(self) -> float:
        """Successes over messages sent (0.0 before any)."""
        return self.successes / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class ZTest:
    """A two-proportion z-test: the statistic and its two-sided p-value."""

    z: float
    p_value: float


def z_test(first: Arm, second: Arm) -> ZTest:
    """The pooled two-proportion z-test of ``first`` against ``second`` (z > 0: ``first`` does better).

    Equal rates of 0 % or 100 % have no variance to test against: z = 0, p = 1.
    """
    pooled = (first.successes + second.successes) / (first.sent + second.sent)
    error = math.sqrt(pooled * (1 - pooled) * (1 / first.sent + 1 / second.sent))
    if error == 0:
        return ZTest(0.0, 1.0)
    z = (first.rate - second.rate) / error
    return ZTest(z, 2 * (1 - _NORMAL.cdf(abs(z))))


@dataclass(frozen=True)
class Verdict:
    """Where a step's test stands."""

    status: VerdictStatus
    threshold: float
    leader: Arm | None = None
    runner_up: Arm | None = None
    test: ZTest | None = None
    sends_needed: int | None = None

    @property
    def winner(self) -> str | None:
        """The winning variant, once significant."""
        if self.status is VerdictStatus.SIGNIFICANT and self.leader is not None:
            return self.leader.variant
        return None


def threshold(variants: int) -> float:
    """The p-value each comparison of the leader must be under: 5 % split over its comparisons."""
    return ALPHA / max(variants - 1, 1)


def decide(arms: Sequence[Arm], min_sample: int = MIN_SAMPLE) -> Verdict:
    """The verdict on a step's variants (at least two).

    Parameters
    ----------
    arms
        Each variant's messages sent and positive replies, in letter order.
    min_sample
        Messages each variant must have sent first.

    Returns
    -------
    Verdict
        ``collecting`` (with the sends still missing) until every variant has its sample; then
        ``significant`` when the leader beats every other variant, else ``not_significant`` with
        about how many more sends would show a difference as large as the one seen.
    """
    limit = threshold(len(arms))
    missing = sum(max(0, min_sample - arm.sent) for arm in arms)
    if missing:
        return Verdict(VerdictStatus.COLLECTING, limit, sends_needed=missing)
    leader = max(arms, key=lambda arm: arm.rate)  # the first letter on a tie
    others = [arm for arm in arms if arm is not leader]
    tests = {arm.variant: z_test(leader, arm) for arm in others}
    runner_up = max(others, key=lambda arm: tests[arm.variant].p_value)
    test = tests[runner_up.variant]
    if test.p_value < limit:
        return Verdict(VerdictStatus.SIGNIFICANT, limit, leader, runner_up, test)
    needed = _sample_needed(leader, runner_up, limit)
    sends = None if needed is None else max(1, sum(max(0, needed - arm.sent) for arm in arms))
    return Verdict(VerdictStatus.NOT_SIGNIFICANT, limit, leader, runner_up, test, sends)


def _sample_needed(first: Arm, second: Arm, limit: float) -> int | None:
    """Messages per variant at which the gap seen between two rates would be significant (equal
    samples, pooled variance); ``None`` when the rates are equal."""
    gap = first.rate - second.rate
    if gap == 0:
        return None
    pooled = (first.successes + second.successes) / (first.sent + second.sent)
    critical = _NORMAL.inv_cdf(1 - limit / 2)
    return math.ceil(critical**2 * 2 * pooled * (1 - pooled) / gap**2)


def reason(verdict: Verdict, locale: str) -> str:
    """The verdict in a sentence for the user, with the figures it rests on."""
    if verdict.status is VerdictStatus.COLLECTING:
        needed = verdict.sends_needed or 0
        return render(
            "variants.collecting",
            locale,
            sends=counted("variants.count.sends", needed, locale),
            min=MIN_SAMPLE,
        )
    assert verdict.leader is not None  # a test ran: it has a leader, a runner-up and figures
    assert verdict.runner_up is not None
    assert verdict.test is not None
    values = {
        "leader": verdict.leader.variant,
        "leader_rate": percent(verdict.leader.rate, locale),
        "other": verdict.runner_up.variant,
        "other_rate": percent(verdict.runner_up.rate, locale),
        "z": number(verdict.test.z, 2, locale),
        "p": number(verdict.test.p_value, 3, locale),
    }
    if verdict.status is VerdictStatus.SIGNIFICANT:
        return render("variants.significant", locale, **values)
    if verdict.sends_needed is None:
        return render("variants.tied", locale, **values)
    sends = counted("variants.count.sends", verdict.sends_needed, locale)
    return render("variants.not_significant", locale, sends=sends, **values)


def number(value: float, decimals: int, locale: str) -> str:
    """``value`` with ``decimals`` decimals, a decimal comma in French."""
    text = f"{value:.{decimals}f}"
    return text if locale == "en" else text.replace(".", ",")


def percent(rate: float, locale: str) -> str:
    """A rate between 0 and 1 as a percentage with one decimal ("12,5 %" / "12.5%")."""
    shown = number(rate * 100, 1, locale)
    return f"{shown}%" if locale == "en" else f"{shown}\u00a0%"
