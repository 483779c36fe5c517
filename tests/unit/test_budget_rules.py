"""Budget rules: what counts as spent, usage levels at 80 % and 100 %, forecast, advice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from maxcore.models.budget import LedgerEntry, LedgerKind, UsageLevel
from maxcore.rules import budget as rules

START = datetime(2026, 3, 1, tzinfo=UTC)


def _entry(kind: LedgerKind, amount: int, at: datetime, category: str = "messaging") -> LedgerEntry:
    return LedgerEntry(
        id="01JAAAAAAAAAAAAAAAAAAAAAAA",
        kind=kind,
        action="whatsapp_message",
        category=category,
        amount=amount,
        mode="auto",
        outcome="ok",
        created_at=at,
    )


def test_only_commits_count_as_spent() -> None:
    at = datetime(2026, 3, 3, tzinfo=UTC)
    entries = [
        _entry(LedgerKind.RESERVE, -5, at),
        _entry(LedgerKind.COMMIT, -5, at),
        _entry(LedgerKind.RESERVE, -100, at, "calls"),
        _entry(LedgerKind.REFUND, 100, at, "calls"),
        _entry(LedgerKind.PACK, 500, at),
    ]
    assert rules.spent(entries) == 5
    assert rules.spent_by_category(entries) == {"messaging": 5}


@pytest.mark.parametrize(
    ("spent", "available", "level"),
    [
        (0, 100, UsageLevel.OK),
        (79, 21, UsageLevel.OK),
        (80, 20, UsageLevel.WARNING),
        (99, 1, UsageLevel.WARNING),
        (100, 0, UsageLevel.EXHAUSTED),
    ],
)
def test_usage_levels_at_the_thresholds(spent: int, available: int, level: UsageLevel) -> None:
    assert rules.usage_level(spent, available)[1] is level


def test_forecast_follows_the_periods_pace() -> None:
    now = datetime(2026, 3, 11, tzinfo=UTC)  # ten days in, 50 spent: 5 a day
    assert rules.forecast_exhaustion(50, 50, START, now) == date(2026, 3, 21)
    assert rules.forecast_exhaustion(80, 0, START, now) is None
    assert rules.forecast_exhaustion(0, 100, START, now) == now.date()


def test_weekly_usage_buckets_by_iso_week_oldest_first() -> None:
    entries = [
        _entry(LedgerKind.COMMIT, -5, datetime(2026, 3, 2, 9, tzinfo=UTC)),  # Monday
        _entry(LedgerKind.COMMIT, -7, datetime(2026, 3, 8, 23, tzinfo=UTC)),  # Sunday, same week
        _entry(LedgerKind.COMMIT, -3, datetime(2026, 3, 9, 1, tzinfo=UTC)),  # next Monday
    ]
    series = rules.weekly_usage(entries, date(2026, 3, 10), weeks=3)
    assert [(w.week_start.isoformat(), w.spent) for w in series] == [
        ("2026-02-23", 0),
        ("2026-03-02", 12),
        ("2026-03-09", 3),
    ]


def test_advice() -> None:
    end = date(2026, 4, 1)
    assert rules.recommendation({}, None, end)[0] == "budget.reco.idle"
    assert rules.recommendation({"messaging": 20}, date(2026, 3, 20), end)[0] == "budget.reco.runs_out"
    assert rules.recommendation({"messaging": 20}, date(2026, 4, 20), end)[0] == "budget.reco.pace_ok"


# --- the ledger's reasons, read from what each entry was about -----------------------------------
@pytest.mark.parametrize(
    ("action", "about", "french", "english"),
    [
        (
            "auto_followup",
            {"send_key": "step:C1:L1:2", "sent_by": "max:campaign:C1"},
            "Relance automatique envoyée par une campagne de prospection",
            "Automatic follow-up sent by a prospection campaign",
        ),
        (
            "auto_followup",
            {"send_key": "auto:A1:L1:e1", "sent_by": "max:automation:A1"},
            "Relance automatique envoyée par une automatisation",
            "Automatic follow-up sent by an automation",
        ),
        (
            "whatsapp_message",
            {"step": "2"},
            "Message WhatsApp écrit par l'IA pour l'étape 2 de la prospection",
            "WhatsApp message written by the AI for prospection step 2",
        ),
        (
            "automation_setup",
            {"automation_id": "A1", "name": "Relance silence"},
            "Mise en place de l'automatisation « Relance silence »",
            "The automation “Relance silence” set up",
        ),
        (
            "monthly_reset",
            {"period": "2026-04", "plan_tokens": "500", "carried": "120"},
            "Nouveau mois (2026-04) : 500 tokens du forfait, 120 tokens de packs reportés",
            "New month (2026-04): 500 plan tokens, 120 pack tokens carried over",
        ),
        ("pack", {"note": "salon de printemps"}, "Pack de tokens ajouté : salon de printemps", None),
        ("lead_analysis", {}, "Deuxième avis de l'IA sur l'intention d'une réponse", None),
    ],
)
def test_a_ledger_reason_says_what_the_entry_was_about_in_the_tenants_language(
    action: str, about: dict[str, str], french: str, english: str | None
) -> None:
    assert rules.ledger_reason(action, about, "fr") == french
    if english is not None:
        assert rules.ledger_reason(action, about, "en") == english


@pytest.mark.parametrize(
    ("action", "about", "french"),
    [
        # Written before the ids were kept: the action alone says it
        ("auto_followup", {}, "Relance automatique"),
        ("monthly_reset", {}, "Nouveau mois : les tokens du forfait sont renouvelés"),
        ("pack", {}, "Pack de tokens ajouté"),
        # A sender the catalogue does not name, an id missing, an action it does not know
        ("auto_followup", {"send_key": "k", "sent_by": "user-7"}, "Relance automatique"),
        ("whatsapp_message", {"campaign_id": "C1"}, "Message WhatsApp écrit par l'IA"),
        ("teleportation", {"step": "1"}, "Mouvement de tokens"),
    ],
)
def test_a_ledger_entry_without_the_ids_its_sentence_needs_reads_as_its_action(
    action: str, about: dict[str, str], french: str
) -> None:
    assert rules.ledger_reason(action, about, "fr") == french
    assert rules.ledger_reason(action, about, "en") != french
