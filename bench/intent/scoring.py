"""The arithmetic of a classifier's figures, on labels as plain strings.

A ratio whose denominator is zero (the precision of a label never decided, the recall of a label with
no reply) is ``None``: it is unknown, not zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of a label (or a group of labels), with the counts behind them."""

    precision: float | None
    recall: float | None
    f1: float | None
    support: int
    """Replies whose expected label is this one (or one of the group)."""
    decided: int
    """Replies the classifier gave this label (or one of the group)."""
    correct: int
    """Replies both expected and decided so."""


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``, or None when ``whole`` is zero."""
    return part / whole if whole else None


class Confusion:
    """How many replies of each expected label got each decided label."""

    def __init__(self, labels: Sequence[str], pairs: Iterable[tuple[str, str]]) -> None:
        self.labels = tuple(labels)
        self._counts = Counter(pairs)
        strangers = {label for pair in self._counts for label in pair} - set(self.labels)
        if strangers:
            raise ValueError(f"labels outside {self.labels}: {sorted(strangers)}")

    def count(self, expected: str, decided: str) -> int:
        """Replies expected ``expected`` and decided ``decided`` (a cell of the matrix)."""
        return self._counts[(expected, decided)]

    @property
    def total(self) -> int:
        """Every reply counted."""
        return sum(self._counts.values())

    @property
    def correct(self) -> int:
        """Replies decided as expected (the diagonal)."""
        return sum(self.count(label, label) for label in self.labels)

    def accuracy(self) -> float | None:
        """The share of replies decided as expected."""
        return ratio(self.correct, self.total)

    def score(self, label: str) -> Score:
        """Precision, recall and F1 of one label."""
        return self.group({label})

    def group(self, labels: AbstractSet[str]) -> Score:
        """Precision and recall of a group taken as one label (a hot reply decided hot, whichever hot)."""
        support = sum(n for (expected, _), n in self._counts.items() if expected in labels)
        decided = sum(n for (_, chosen), n in self._counts.items() if chosen in labels)
        correct = sum(n for (e, d), n in self._counts.items() if e in labels and d in labels)
        precision, recall = ratio(correct, decided), ratio(correct, support)
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall
            else None
        )
        return Score(precision, recall, f1, support, decided, correct)
