"""Classify every reply of the corpus with the rules and with the naive baseline, and time both."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from bench.intent.baseline import classify_naively
from bench.intent.corpus import LABELS, Reply
from bench.intent.scoring import Confusion
from maxcore.models.intent import HOT_INTENTS, Intent
from maxcore.rules.intent import classify

OPT_OUT = frozenset({Intent.UNSUBSCRIBE.value})
HOT = frozenset(intent.value for intent in HOT_INTENTS)


@dataclass(frozen=True)
class Outcome:
    """What the rules decided for one reply, and on which cues."""

    reply: Reply
    decided: str
    cues: tuple[str, ...]
    """Each cue as ``<rule> "<fragment of the text>"``, strongest first."""
    return_date: date | None

    @property
    def missed(self) -> bool:
        """The rules decided another label than the expected one."""
        return self.decided != self.reply.label

    @property
    def return_date_expected(self) -> bool:
        """The corpus gives this reply a return date to find."""
        return self.reply.return_date is not None


@dataclass(frozen=True)
class Timing:
    """The fastest of several passes of one classifier over the corpus."""

    replies: int
    seconds: float
    passes: int

    @property
    def per_second(self) -> float:
        """Replies classified per second."""
        return self.replies / self.seconds

    @property
    def micros_per_reply(self) -> float:
        """Microseconds spent on one reply."""
        return self.seconds * 1e6 / self.replies


@dataclass(frozen=True)
class Result:
    """Both classifiers' decisions on the same replies, and their timings."""

    outcomes: tuple[Outcome, ...]
    rules: Confusion
    baseline: Confusion
    timing: Timing
    baseline_timing: Timing

    def return_dates(self) -> tuple[int, int]:
        """Out-of-office replies whose return date the rules found, out of those that carry one."""
        carrying = [o for o in self.outcomes if o.return_date_expected]
        return sum(o.return_date == o.reply.return_date for o in carrying), len(carrying)


def evaluate(replies: Sequence[Reply], passes: int = 5) -> Result:
    """Classify ``replies`` with the rules and the baseline; time ``passes`` passes of each."""
    outcomes = tuple(_outcome(reply) for reply in replies)
    baseline = Confusion(LABELS, ((r.label, classify_naively(r.text)) for r in replies))
    return Result(
        outcomes=outcomes,
        rules=Confusion(LABELS, ((o.reply.label, o.decided) for o in outcomes)),
        baseline=baseline,
        timing=_fastest(lambda r: classify(r.text, received_at=r.received_at), replies, passes),
        baseline_timing=_fastest(lambda r: classify_naively(r.text), replies, passes),
    )


def _outcome(reply: Reply) -> Outcome:
    decision = classify(reply.text, received_at=reply.received_at)
    return Outcome(
        reply=reply,
        decided=decision.intent.value,
        cues=tuple(f'{cue.pattern} "{cue.matched}"' for cue in decision.cues),
        return_date=decision.return_date,
    )


def _fastest(classifier: Callable[[Reply], object], replies: Sequence[Reply], passes: int) -> Timing:
    """The fastest pass: the least disturbed by the other processes of a shared machine."""
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        for reply in replies:
            classifier(reply)
        best = min(best, time.perf_counter() - started)
    return Timing(replies=len(replies), seconds=best, passes=passes)
