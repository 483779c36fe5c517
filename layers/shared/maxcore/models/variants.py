"""A/B variants of a scenario step: what each variant is, the winner chosen, and their figures.

A step may carry 2 to 4 variants, lettered A to D in the order given; each prospect is given one by
:mod:`maxcore.rules.variants` (always the same one), and each variant's figures are counters the
write paths keep up to date.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from maxcore.models.common import LazyModel, StrictModel, Text, Ulid, exactly_one_of

VARIANT_LETTERS = "ABCD"
"""The names of a step's variants, in the order they are given."""

MIN_VARIANTS = 2
MAX_VARIANTS = len(VARIANT_LETTERS)

VariantLetter = Annotated[str, StringConstraints(pattern=r"^[A-D]$")]


class StepVariant(StrictModel):
    """One variant of a step: a template of the step's channel, or instructions for the model."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of("template_id", "instructions"))

    template_id: Ulid | None = Field(
        default=None, description="An active template of the tenant, written for the step's channel."
    )
    instructions: Annotated[Text, StringConstraints(min_length=1, max_length=2000)] | None = Field(
        default=None,
        description="What M.A.X. should write for this variant (the step's template, if any, is the "
        "fallback when AI is not available).",
    )
    weight: int = Field(
        default=1, ge=1, le=1000, description="Its share of the prospects, against the other variants'."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.template_id is None) == (self.instructions is None):
            raise ValueError("a variant has either a template_id or instructions")
        return self


class ChosenVariant(LazyModel):
    """The variant a step sends to every prospect not yet sent it, and why."""

    variant: str
    chosen_at: datetime
    chosen_by: str = Field(description="`auto` (the campaign's `auto_winner`) or the user's id.")
    reason: str = Field(description="Why, in a sentence for the user, with the figures it rests on.")


class VariantCounts(LazyModel):
    """What a variant's messages came to, as counted by the write paths."""

    sent: int = 0
    delivered: int = 0
    opened: int = 0
    replies: int = Field(default=0, description="People who answered (hot, neutral, declines).")
    positive_replies: int = Field(default=0, description="Hot replies: interested, a meeting, a question.")
    unsubscribes: int = Field(default=0, description="Opt-out replies (STOP, « désinscrivez-moi »).")


class VariantRates(LazyModel):
    """Each figure over the messages sent, between 0 and 1 (0.0 while nothing was sent)."""

    delivered: float
    opened: float
    replies: float
    positive_replies: float
    unsubscribes: float


class VariantStat(LazyModel):
    """One variant's figures."""

    variant: str
    template_id: str | None
    instructions: str | None
    weight: int
    counts: VariantCounts
    rates: VariantRates


class VerdictStatus(StrEnum):
    """Where a step's test stands."""

    COLLECTING = "collecting"
    """A variant has not reached the minimum sample yet."""
    NOT_SIGNIFICANT = "not_significant"
    """Every variant has its sample, but the difference may still be chance."""
    SIGNIFICANT = "significant"
    """One variant does better than every other at 95 %."""


class VariantVerdict(LazyModel):
    """The test of a step's variants on the positive-reply rate."""

    status: VerdictStatus
    metric: str = Field(description="The rate compared: `positive_replies`.")
    leader: str | None = Field(description="The variant with the best rate so far.")
    runner_up: str | None = Field(description="The variant the leader is compared with (the closest).")
    z: float | None = Field(description="The two-proportion z statistic, leader against runner-up.")
    p_value: float | None = Field(description="Its two-sided p-value.")
    threshold: float = Field(description="The p-value under which the difference is significant.")
    min_sample: int = Field(description="Messages each variant must have sent before any verdict.")
    sends_needed: int | None = Field(
        description="About how many more sends (all variants) a verdict needs; null when significant, "
        "or when the rates are equal (no sample size would tell them apart)."
    )
    reason: str = Field(description="The verdict in a sentence for the user.")


class StepVariants(LazyModel):
    """A step's variants with their figures, the verdict and the winner chosen, if any."""

    step: int
    channel: str
    variants: list[VariantStat]
    verdict: VariantVerdict
    winner: ChosenVariant | None = None


class VariantsReport(LazyModel):
    """The A/B variants of a campaign's scenario, step by step (steps without variants left out)."""

    campaign_id: str
    auto_winner: bool
    steps: list[StepVariants]


class ChooseWinnerRequest(StrictModel):
    """Send one variant to every new prospect of the step: the one named, else the test's winner."""

    variant: VariantLetter | None = Field(
        default=None,
        description="`A` to `D`. Without it the test's winner is taken, and the call is refused (409) "
        "while the difference is not significant.",
    )
