"""The predefined scenarios: the seed's five sequences, complete, valid steps, the right durations."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter

from maxcore.library import scenarios as library
from maxcore.library.scenarios import PREDEFINED, PredefinedScenario, predefined
from maxcore.models.prospection import MAX_STEPS, ScenarioId, ScenarioStep, StepChannel, ThreadMode

EXPECTED = {
    "connexion-douce": ("Connexion Douce", 21),
    "relance-douce": ("Relance Douce", 21),
    "relance-agressive": ("Relance Agressive", 14),
    "nurturing-long-terme": ("Nurturing Long Terme", 45),
    "approche-premium": ("Approche Premium", 30),
}
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
SCENARIO_ID = TypeAdapter(ScenarioId)
# Words that only an English text would use: the user-facing texts are French.
ENGLISH = re.compile(r"\b(the|and|your|please|meeting|call to action|write)\b", re.IGNORECASE)


def _ids(scenario: PredefinedScenario) -> str:
    return scenario.id


def test_the_seed_has_exactly_five_scenarios_with_their_names() -> None:
    assert {s.id: s.name for s in PREDEFINED} == {k: name for k, (name, _) in EXPECTED.items()}
    assert len({s.id for s in PREDEFINED}) == len(PREDEFINED) == 5


@pytest.mark.parametrize("scenario", PREDEFINED, ids=_ids)
def test_each_scenario_lasts_its_total_in_five_steps(scenario: PredefinedScenario) -> None:
    assert len(scenario.steps) == 5 <= MAX_STEPS
    assert sum(step.delay_days for step in scenario.steps) == EXPECTED[scenario.id][1]
    assert scenario.duration_days == EXPECTED[scenario.id][1]


@pytest.mark.parametrize("scenario", PREDEFINED, ids=_ids)
def test_steps_are_numbered_in_order_and_the_first_runs_at_enrollment(scenario: PredefinedScenario) -> None:
    assert [step.order for step in scenario.steps] == [1, 2, 3, 4, 5]
    assert scenario.steps[0].delay_days == 0
    # Every later step waits at least a day: two messages the same day would read as spam.
    assert all(step.delay_days >= 1 for step in scenario.steps[1:])


@pytest.mark.parametrize("scenario", PREDEFINED, ids=_ids)
def test_every_step_is_a_valid_scenario_step(scenario: PredefinedScenario) -> None:
    for step in scenario.steps:
        model = ScenarioStep.model_validate(
            {
                "order": step.order,
                "delay_days": step.delay_days,
                "channel": step.channel,
                "objective": step.objective,
                "ai_prompt": step.ai_prompt,
                "cta": step.cta,
                "thread": step.thread,
            }
        )
        # Validation would strip surrounding spaces: the library's texts are already clean.
        assert (model.objective, model.ai_prompt, model.cta) == (step.objective, step.ai_prompt, step.cta)


@pytest.mark.parametrize("scenario", PREDEFINED, ids=_ids)
def test_ids_are_slugs_the_api_accepts_as_scenario_ids(scenario: PredefinedScenario) -> None:
    assert SLUG.fullmatch(scenario.id)
    assert SCENARIO_ID.validate_python(scenario.id) == scenario.id


def test_the_channels_are_the_step_channels() -> None:
    assert set(library.CHANNELS) == {c.value for c in StepChannel}
    used = {step.channel for scenario in PREDEFINED for step in scenario.steps}
    assert used <= set(library.CHANNELS)


def test_the_thread_settings_are_the_step_thread_modes_and_follow_ups_continue_the_thread() -> None:
    assert set(library.THREADS) == {m.value for m in ThreadMode}
    assert {step.thread for scenario in PREDEFINED for step in scenario.steps} == {ThreadMode.SAME.value}


def test_channels_are_mixed_sensibly() -> None:
    by_id = {s.id: s for s in PREDEFINED}
    # Most scenarios open with an e-mail; the premium one opens on LinkedIn, with the decision maker
    firsts = {s.id: s.steps[0].channel for s in PREDEFINED}
    assert firsts == dict.fromkeys(EXPECTED, "email") | {"approche-premium": "linkedin"}
    # Each has at least one manual step (LinkedIn or a call) for a salesperson
    for scenario in PREDEFINED:
        assert any(StepChannel(step.channel).is_manual for step in scenario.steps), scenario.id
    # The aggressive one texts, but not before the e-mail and the call have had their chance
    aggressive = [step.channel for step in by_id["relance-agressive"].steps]
    assert "sms" in aggressive
    assert aggressive.index("sms") >= 2


@pytest.mark.parametrize("scenario", PREDEFINED, ids=_ids)
def test_texts_are_french_and_say_what_to_write(scenario: PredefinedScenario) -> None:
    assert scenario.description
    for step in scenario.steps:
        for text in (step.objective, step.ai_prompt, step.cta):
            assert not ENGLISH.search(text), text
        # The prompt is a brief: it says how long the message or task should be
        assert re.search(r"\d+ (à \d+ )?(mots|caractères|secondes)", step.ai_prompt), step.ai_prompt


def test_a_predefined_scenario_is_found_by_its_id() -> None:
    assert predefined("relance-agressive") is PREDEFINED[2]
    for scenario in PREDEFINED:
        assert predefined(scenario.id) is scenario


@pytest.mark.parametrize("unknown", ["", "Connexion-Douce", "relance", "01JAAAAAAAAAAAAAAAAAAAAAAA"])
def test_an_unknown_id_is_no_predefined_scenario(unknown: str) -> None:
    assert predefined(unknown) is None


def test_the_scenarios_are_at_version_one() -> None:
    assert library.VERSION == 1
    assert library.RELEASED_AT.tzinfo is not None
