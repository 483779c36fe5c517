"""A/B variants: the assignment of prospects, the two-proportion test and its verdicts (pure rules)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from maxcore.models.activity import ActivityStatus
from maxcore.models.intent import ReplyKind
from maxcore.models.prospection import Campaign, ScenarioStep
from maxcore.models.variants import ChosenVariant, VerdictStatus
from maxcore.models.webhook import DeliveryUpdate
from maxcore.rules.variants import (
    MIN_SAMPLE,
    Arm,
    assign,
    assignment_reason,
    decide,
    delivery_figures,
    provider_opt_out,
    reason,
    reply_figures,
    variant_for,
    z_test,
)

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TEMPLATE_A = "01JDA0000000000000000000AA"
TEMPLATE_B = "01JDA0000000000000000000BB"
LEADS = [f"01JLEAD{n:019d}" for n in range(10_000)]


def _step(**fields: Any) -> ScenarioStep:
    return ScenarioStep.model_validate(
        {"order": 1, "delay_days": 0, "channel": "sms", "objective": "Se présenter", **fields}
    )


def _campaign(**fields: Any) -> Campaign:
    return Campaign(
        id="01JCAMPAIGN000000000000000",
        name="Rentrée",
        scenario_id="s",
        scenario_version=1,
        created_at=AT,
        updated_at=AT,
        **fields,
    )


# --- assignment -----------------------------------------------------------------------------------
def test_the_same_prospect_always_gets_the_same_variant() -> None:
    # Given a lead of a campaign, When its variant is asked many times, Then it is always the same one
    first = assign("c1", LEADS[0], 1, [1, 1])
    assert {assign("c1", LEADS[0], 1, [1, 1]) for _ in range(50)} == {first}


def test_the_assignment_depends_on_the_campaign_the_lead_and_the_step() -> None:
    # Given the same leads in two campaigns and at two steps
    by_campaign = [assign("c1", lead, 1, [1, 1]) == assign("c2", lead, 1, [1, 1]) for lead in LEADS[:400]]
    by_step = [assign("c1", lead, 1, [1, 1]) == assign("c1", lead, 2, [1, 1]) for lead in LEADS[:400]]
    # Then the variants differ for some of them (about half): each test draws its own split
    assert 0.35 < by_campaign.count(True) / 400 < 0.65
    assert 0.35 < by_step.count(True) / 400 < 0.65


@pytest.mark.parametrize(
    "weights", [[1, 1], [1, 1, 1], [1, 1, 1, 1], [3, 1], [1, 2, 7], [10, 30, 20, 40]], ids=str
)
def test_the_split_over_many_prospects_is_close_to_the_weights(weights: list[int]) -> None:
    # Given 10,000 leads, When each is assigned, Then each variant's share is within 2 points of its weight's
    shares = Counter(assign("campaign", lead, 1, weights) for lead in LEADS)
    for letter, weight in zip("ABCD", weights, strict=False):
        assert abs(shares[letter] / len(LEADS) - weight / sum(weights)) < 0.02, (letter, shares)
    assert set(shares) == set("ABCD"[: len(weights)])


def test_a_winner_takes_every_new_prospect() -> None:
    assert {assign("c1", lead, 1, [1, 1], winner="B") for lead in LEADS[:200]} == {"B"}


def test_the_campaign_winner_of_a_step_is_the_variant_its_prospects_get() -> None:
    # Given a step with two variants and a campaign that chose B for it
    step = _step(variants=[{"template_id": TEMPLATE_A}, {"template_id": TEMPLATE_B}])
    chosen = ChosenVariant(variant="B", chosen_at=AT, chosen_by="u1", reason="r")
    # Then every lead gets B there; before the choice they were split; a step without variants has none
    assert {variant_for(_campaign(winners={1: chosen}), lead, step) for lead in LEADS[:100]} == {"B"}
    assert {variant_for(_campaign(), lead, step) for lead in LEADS[:100]} == {"A", "B"}
    assert variant_for(_campaign(), LEADS[0], _step(template_id=TEMPLATE_A)) is None


def test_a_variant_writes_the_step_with_its_template_or_its_instructions() -> None:
    # Given a step with its own template and prompt, and a template variant and an AI variant
    step = _step(
        template_id=TEMPLATE_A,
        ai_prompt="Présente-toi",
        variants=[{"template_id": TEMPLATE_B}, {"instructions": "Parle du prix", "weight": 2}],
    )
    # Then A is its template alone; B its instructions, with the step's template as the fallback
    a, b = step.variant("A"), step.variant("B")
    assert (a.template_id, a.ai_prompt, a.variants) == (TEMPLATE_B, None, None)
    assert (b.template_id, b.ai_prompt, b.variants) == (TEMPLATE_A, "Parle du prix", None)
    assert (a.order, a.channel, b.objective) == (1, step.channel, "Se présenter")


@pytest.mark.parametrize(
    ("variants", "error"),
    [
        ([{"template_id": TEMPLATE_A}], "too_short"),
        ([{"template_id": TEMPLATE_A}] * 5, "too_long"),
        ([{"template_id": TEMPLATE_A, "weight": 0}, {"template_id": TEMPLATE_B}], "greater_than_equal"),
        ([{"template_id": TEMPLATE_A, "weight": -2}, {"template_id": TEMPLATE_B}], "greater_than_equal"),
        ([{"template_id": TEMPLATE_A, "instructions": "x"}, {"template_id": TEMPLATE_B}], "value_error"),
        ([{}, {"template_id": TEMPLATE_B}], "value_error"),
    ],
)
def test_a_step_has_two_to_four_variants_each_with_one_source_and_a_positive_weight(
    variants: list[dict[str, Any]], error: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _step(variants=variants)
    assert error in {e["type"] for e in caught.value.errors()}


def test_a_manual_step_has_no_variants() -> None:
    with pytest.raises(ValidationError, match="done by a person"):
        _step(channel="call", variants=[{"instructions": "a"}, {"instructions": "b"}])


def test_the_reason_of_a_variant_is_its_share_of_the_split_until_a_winner_is_chosen() -> None:
    # Given a step whose variant B weighs 1 against 3
    step = _step(variants=[{"instructions": "a", "weight": 3}, {"instructions": "b"}])
    # Then a prospect given B is told so with B's share, in French and in English
    assert assignment_reason(_campaign(), step, "B", "fr") == (
        "Variante B du test A/B, attribuée à ce prospect par la répartition (25,0\u00a0% des "
        "prospects) : il recevra toujours la même."
    )
    assert "(75.0% of prospects)" in assignment_reason(_campaign(), step, "A", "en")
    # And once B is chosen for every new prospect, the reason is the winner's
    chosen = ChosenVariant(variant="B", chosen_at=AT, chosen_by="auto", reason="B l'emporte.")
    assert assignment_reason(_campaign(winners={1: chosen}), step, "B", "fr") == "B l'emporte."


# --- the figures a reply and a status add --------------------------------------------------------
def test_a_reply_counts_by_its_kind() -> None:
    assert reply_figures(ReplyKind.HOT) == {"replies": 1, "positive_replies": 1}
    assert reply_figures(ReplyKind.NEUTRAL) == {"replies": 1}
    assert reply_figures(ReplyKind.DECLINE) == {"replies": 1}
    assert reply_figures(None) == {"replies": 1}  # a reply recorded before replies had a kind
    # An opt-out is counted for the message it concerns, whichever way it came, not by the sequence
    assert reply_figures(ReplyKind.OPT_OUT) == {}


@pytest.mark.parametrize(
    ("report", "unsubscribed"),
    [
        ({"status": "failed", "error_code": "21610", "opted_out": True}, True),
        ({"status": None, "suppress": "complained"}, True),
        ({"status": "bounced", "suppress": "bounced"}, False),
        ({"status": "undelivered", "error_code": "30003"}, False),
    ],
    ids=["twilio-21610", "complaint", "hard-bounce", "unreachable"],
)
def test_a_provider_report_is_an_opt_out_when_the_recipient_chose_it(
    report: dict[str, Any], unsubscribed: bool
) -> None:
    update = DeliveryUpdate.model_validate(
        {"channel": "sms", "provider_message_id": "SM1", "occurred_at": AT, **report}
    )
    assert provider_opt_out(update) is unsubscribed


def test_a_status_counts_every_rung_it_reached() -> None:
    assert delivery_figures(ActivityStatus.SENT) == {}
    assert delivery_figures(ActivityStatus.FAILED) == {}
    assert delivery_figures(ActivityStatus.DELIVERED) == {"delivered": 1}
    assert delivery_figures(ActivityStatus.OPENED) == {"delivered": 1, "opened": 1}
    assert delivery_figures(ActivityStatus.READ) == {"delivered": 1, "opened": 1}


# --- the test -------------------------------------------------------------------------------------
def test_the_z_test_matches_the_figures_worked_by_hand() -> None:
    # Given 30 positive replies out of 200 against 15 out of 200
    # By hand: pooled p = 45/400 = 0.1125; SE = sqrt(0.1125 * 0.8875 * (1/200 + 1/200)) = 0.0315981;
    # z = (0.15 - 0.075) / 0.0315981 = 2.3735; p = 2 * (1 - Phi(2.3735)) = 0.01762
    test = z_test(Arm("A", 200, 30), Arm("B", 200, 15))
    assert test.z == pytest.approx(2.3735, abs=1e-4)
    assert test.p_value == pytest.approx(0.01762, abs=1e-4)
    # And the other way round, the sign turns and the p-value stays
    assert z_test(Arm("B", 200, 15), Arm("A", 200, 30)).z == pytest.approx(-2.3735, abs=1e-4)


def test_equal_rates_with_no_variance_are_no_difference() -> None:
    for none_or_all in (
        z_test(Arm("A", 150, 0), Arm("B", 120, 0)),
        z_test(Arm("A", 10, 10), Arm("B", 10, 10)),
    ):
        assert (none_or_all.z, none_or_all.p_value) == (0.0, 1.0)


def test_no_verdict_before_every_variant_has_its_minimum_sample() -> None:
    # Given a huge gap but one variant one send short of the minimum
    verdict = decide([Arm("A", MIN_SAMPLE, 60), Arm("B", MIN_SAMPLE - 1, 1)])
    # Then the test is still collecting, and says how many sends are missing
    assert (verdict.status, verdict.winner, verdict.test, verdict.sends_needed) == (
        VerdictStatus.COLLECTING,
        None,
        None,
        1,
    )
    assert decide([Arm("A", 20, 0), Arm("B", 0, 0)]).sends_needed == (MIN_SAMPLE - 20) + MIN_SAMPLE
    assert "encore 1 envoi au total" in reason(verdict, "fr")
    assert "1 send still missing in all" in reason(verdict, "en")


def test_a_significant_difference_names_the_winner_with_its_figures() -> None:
    # Given the worked example, every variant past the minimum sample
    verdict = decide([Arm("A", 200, 15), Arm("B", 200, 30)])
    # Then B wins at 95 %, against A, with the z and p of the test
    assert (verdict.status, verdict.winner, verdict.runner_up) == (
        VerdictStatus.SIGNIFICANT,
        "B",
        Arm("A", 200, 15),
    )
    assert verdict.test is not None
    assert verdict.test.p_value == pytest.approx(0.01762, abs=1e-4)
    assert verdict.sends_needed is None
    text = reason(verdict, "fr")
    assert "La variante B l'emporte" in text
    assert "15,0\u00a0%" in text
    assert "7,5\u00a0%" in text
    assert "z = 2,37" in text
    assert "p = 0,018" in text
    assert "Variant B wins: 15.0% positive replies against 7.5% for A (z = 2.37, p = 0.018)" in reason(
        verdict, "en"
    )


def test_a_gap_that_may_be_chance_says_about_how_many_more_sends_would_tell() -> None:
    # Given 12 % against 8 % over 100 sends each (z = 0.94, not significant)
    verdict = decide([Arm("A", 100, 12), Arm("B", 100, 8)])
    assert verdict.status is VerdictStatus.NOT_SIGNIFICANT
    assert verdict.winner is None
    # By hand: pooled 0.10; n = 1.95996^2 * 2 * 0.10 * 0.90 / 0.04^2 = 432.2 -> 433 per variant,
    # so 333 more for each of the two
    assert verdict.sends_needed == 2 * (433 - 100)
    assert "Encore environ 666 envois pour trancher" in reason(verdict, "fr")
    assert "Roughly 666 sends still needed to tell" in reason(verdict, "en")


def test_equal_rates_past_the_sample_are_a_tie_with_no_sample_size() -> None:
    verdict = decide([Arm("A", 150, 15), Arm("B", 150, 15)])
    assert (verdict.status, verdict.sends_needed, verdict.leader, verdict.runner_up) == (
        VerdictStatus.NOT_SIGNIFICANT,
        None,
        Arm("A", 150, 15),
        Arm("B", 150, 15),
    )
    assert "Égalité" in reason(verdict, "fr")


def test_with_more_variants_the_leader_must_beat_each_at_a_split_threshold() -> None:
    # Given B ahead of A (p = 0.0176 as worked above) and of C by far
    arms = [Arm("A", 200, 15), Arm("B", 200, 30), Arm("C", 200, 2)]
    verdict = decide(arms)
    # Then with three variants each comparison must be under 0.05 / 2 = 0.025: B wins, compared with A
    assert verdict.threshold == pytest.approx(0.025)
    assert (verdict.winner, verdict.runner_up) == ("B", Arm("A", 200, 15))
    # And with four, under 0.05 / 3 = 0.0167: the same gap to A is not enough any more
    four = decide([*arms, Arm("D", 200, 1)])
    assert four.threshold == pytest.approx(0.05 / 3)
    assert (four.status, four.winner) == (VerdictStatus.NOT_SIGNIFICANT, None)
    assert four.sends_needed is not None
    assert four.sends_needed > 0
    assert math.isclose(four.test.p_value if four.test else 0, verdict.test.p_value if verdict.test else 1)
