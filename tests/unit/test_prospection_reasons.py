"""A prospect's decision reasons: counts that agree, and a resumed sequence that says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.models.prospection import Outcome, ScenarioStep, StepChannel
from maxcore.rules.prospection import Verdict, to_decision

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
STEP = ScenarioStep(order=2, delay_days=2, channel=StepChannel.SMS, objective="Relancer")


def _reason(verdict: Verdict, locale: str, *, resumed: bool = False) -> str:
    decision = to_decision(
        verdict, locale=locale, timezone="Europe/Paris", now=NOW, step=STEP, resumed=resumed
    )
    return decision.reason


@pytest.mark.parametrize(
    ("cap", "locale", "words"),
    [
        (1, "fr", "plafond de 1 message par jour"),
        (2, "fr", "plafond de 2 messages par jour"),
        (1, "en", "daily cap of 1 message on SMS"),
        (5, "en", "daily cap of 5 messages on SMS"),
    ],
)
def test_a_daily_cap_counts_its_messages_in_the_locale(cap: int, locale: str, words: str) -> None:
    verdict = Verdict(Outcome.DEFERRED, "daily_cap", {"cap": cap}, until=NEXT_DAY)
    assert words in _reason(verdict, locale)


def test_a_step_after_an_absence_says_the_sequence_resumed_then_what_it_did() -> None:
    # Given the step sent when the lead is back from an absence
    sent = Verdict(Outcome.SENT, "mode_auto")
    # Then its reason says so first, in French by default and in English when asked
    assert _reason(sent, "fr", resumed=True) == (
        "Séquence reprise, le prospect est de retour. Étape 2 envoyée par SMS (mode Automatique)."
    )
    assert _reason(sent, "en", resumed=True) == (
        "Sequence resumed, the prospect is back. Step 2 sent by SMS (auto mode)."
    )
    # And a step that was never paused says only what it did
    assert _reason(sent, "fr") == "Étape 2 envoyée par SMS (mode Automatique)."


def test_a_user_resume_reads_sequence_resumed() -> None:
    verdict = Verdict(Outcome.DEFERRED, "resumed_by_user", until=NEXT_DAY)
    assert _reason(verdict, "fr").startswith("Séquence reprise : prochaine étape mardi 24 novembre 09:00")
    assert _reason(verdict, "en").startswith("Sequence resumed: next step Tuesday 24 November 09:00")
