"""The gate of issue 17 §3: the reply rules on the evaluation sets written apart from them (bench/intent).

Two sets: the corpus the rules were measured against kind by kind, and a held-out set nobody tuned a
rule on (bench/README.md). A reply that fails here is fixed by the kind of rule that failed, never by
its sentence. The figures printed by ``python -m bench.intent [--corpus ...]`` are the same ones.
"""

from __future__ import annotations

import pytest

from bench.intent.corpus import CORPUS, LABELS, load
from bench.intent.scoring import Confusion
from maxcore.models.intent import HOT_INTENTS, Intent
from maxcore.rules.intent import classify

ACCURACY_GOAL = 0.95
HOT_PRECISION_GOAL = 0.95


HOLDOUT = CORPUS.with_name("holdout.jsonl")


@pytest.fixture(scope="module", params=[CORPUS, HOLDOUT], ids=["corpus", "holdout"])
def confusion(request: pytest.FixtureRequest) -> Confusion:
    replies = load(request.param)
    decided = (classify(r.text, received_at=r.received_at).intent.value for r in replies)
    return Confusion(LABELS, ((r.label, d) for r, d in zip(replies, decided, strict=True)))


def test_the_rules_read_at_least_95_percent_of_the_corpus_right(confusion: Confusion) -> None:
    accuracy = confusion.accuracy()
    assert accuracy is not None
    assert accuracy >= ACCURACY_GOAL, f"accuracy {accuracy:.3f}"


def test_every_opt_out_of_the_corpus_is_read_as_one(confusion: Confusion) -> None:
    # An opt-out read as anything else keeps writing to someone who said stop.
    assert confusion.score(Intent.UNSUBSCRIBE.value).recall == 1.0


def test_a_hot_decision_is_almost_always_a_hot_reply(confusion: Confusion) -> None:
    precision = confusion.group({intent.value for intent in HOT_INTENTS}).precision
    assert precision is not None
    assert precision >= HOT_PRECISION_GOAL, f"hot precision {precision:.3f}"
