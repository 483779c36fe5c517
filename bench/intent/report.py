"""The benchmark's figures, as lines to print or as JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from bench.intent.corpus import LABELS
from bench.intent.run import HOT, OPT_OUT, Outcome, Result, Timing
from bench.intent.scoring import Confusion, Score

GOAL_ACCURACY = 0.95
"""Issue 17: at least 95 % of replies written apart from the rules read right."""
_SHORT = {
    "interested": "int",
    "meeting_request": "meet",
    "question": "quest",
    "not_interested": "not_int",
    "unsubscribe": "unsub",
    "out_of_office": "ooo",
    "neutral": "neut",
}
_WIDTH = 17
_COLUMN = 9
_TEXT = 110


def render(result: Result, source: str, misses: int) -> list[str]:
    """Every figure of ``result``, then the first ``misses`` misclassified replies."""
    rules, baseline = result.rules, result.baseline
    found, carrying = result.return_dates()
    return [
        *_corpus(result.outcomes, source),
        "",
        f"accuracy            {_fraction(rules.correct, rules.total)}"
        f"   (goal >= {GOAL_ACCURACY:.0%}; naive baseline {_percent(baseline.accuracy())})",
        f"opt-out recall      {_recall(rules.group(OPT_OUT))}   (goal 100%)",
        f"hot precision       {_precision(rules.group(HOT))}",
        f"hot recall          {_recall(rules.group(HOT))}",
        f"return dates found  {_fraction(found, carrying)}   (out-of-office replies that carry one)",
        "",
        *_per_label(rules),
        "",
        *_matrix(rules),
        "",
        *_throughput(result),
        "",
        *_misses(result.outcomes, misses),
    ]


def as_json(result: Result, source: str, misses: int) -> dict[str, Any]:
    """The same figures as JSON-friendly values (ratios as fractions, None when unknown)."""
    rules = result.rules
    found, carrying = result.return_dates()
    missed = [o for o in result.outcomes if o.missed]
    return {
        "corpus": source,
        "replies": rules.total,
        "accuracy": rules.accuracy(),
        "opt_out_recall": rules.group(OPT_OUT).recall,
        "hot": _score_json(rules.group(HOT)),
        "labels": {label: _score_json(rules.score(label)) for label in LABELS},
        "confusion": {e: {d: rules.count(e, d) for d in LABELS} for e in LABELS},
        "return_dates": {"found": found, "carrying": carrying},
        "timing": _timing_json(result.timing),
        "baseline": {
            "accuracy": result.baseline.accuracy(),
            "timing": _timing_json(result.baseline_timing),
        },
        "misclassified": len(missed),
        "misses": [_miss_json(o) for o in missed[: max(misses, 0)]],
        "return_date_misses": [_miss_json(o) for o in _date_misses(result.outcomes)],
    }


def _corpus(outcomes: Iterable[Outcome], source: str) -> list[str]:
    replies = [o.reply for o in outcomes]
    return [
        f"bench/intent: {len(replies)} replies from {source}",
        f"  languages: {_counts(Counter(r.lang for r in replies))}",
        f"  styles: {_counts(Counter(r.style for r in replies))}",
        f"  expected: {_counts(Counter(r.label for r in replies))}",
    ]


def _per_label(confusion: Confusion) -> list[str]:
    header = "".join(f"{name:>{_COLUMN}}" for name in ("precision", "recall", "F1", "support", "decided"))
    lines = [f"{'label':<{_WIDTH}}{header}"]
    for label in LABELS:
        score = confusion.score(label)
        cells = [_percent(score.precision), _percent(score.recall), _percent(score.f1)]
        cells += [str(score.support), str(score.decided)]
        lines.append(f"{label:<{_WIDTH}}" + "".join(f"{cell:>{_COLUMN}}" for cell in cells))
    return lines


def _matrix(confusion: Confusion) -> list[str]:
    header = "".join(f"{_SHORT.get(label, label):>{_COLUMN}}" for label in LABELS)
    lines = ["confusion (rows: expected, columns: decided)", f"{'':<{_WIDTH}}{header}"]
    for expected in LABELS:
        cells = "".join(f"{confusion.count(expected, decided) or '.':>{_COLUMN}}" for decided in LABELS)
        lines.append(f"{expected:<{_WIDTH}}{cells}")
    return lines


def _throughput(result: Result) -> list[str]:
    rules, naive = result.timing, result.baseline_timing
    accuracy, floor = result.rules.accuracy(), result.baseline.accuracy()
    gain = f"{accuracy / floor:.2f}x" if accuracy is not None and floor else "-"
    return [
        f"throughput (fastest of {rules.passes} passes over the {rules.replies} replies)",
        f"  rules            {_speed(rules)}",
        f"  naive baseline   {_speed(naive)}",
        f"  rules / baseline: {rules.seconds / naive.seconds:,.1f}x the time per reply, for "
        f"{_percent(accuracy)} accuracy against {_percent(floor)} ({gain})",
    ]


def _misses(outcomes: Iterable[Outcome], shown: int) -> list[str]:
    missed = [o for o in outcomes if o.missed]
    lines = [f"misclassified: {len(missed)} (showing {min(max(shown, 0), len(missed))})"]
    for outcome in missed[: max(shown, 0)]:
        lines += _miss_lines(outcome, f"expected {outcome.reply.label}, decided {outcome.decided}")
    dates = _date_misses(outcomes)
    lines += ["", f"return dates missed: {len(dates)}"]
    for outcome in dates:
        lines += _miss_lines(outcome, f"expected {outcome.reply.return_date}, found {outcome.return_date}")
    return lines


def _date_misses(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.return_date_expected and o.return_date != o.reply.return_date]


def _miss_lines(outcome: Outcome, verdict: str) -> list[str]:
    reply = outcome.reply
    text = " ⏎ ".join(line.strip() for line in reply.text.splitlines() if line.strip())
    if len(text) > _TEXT:
        text = text[: _TEXT - 1] + "…"
    lines = [f"  line {reply.line} ({reply.lang}, {reply.style}): {verdict}", f"    {text}"]
    if reply.received_at:
        lines.append(f"    received at {reply.received_at.isoformat()}")
    lines.append(f"    cues: {', '.join(outcome.cues) or 'none'}")
    return lines


def _miss_json(outcome: Outcome) -> dict[str, Any]:
    reply = outcome.reply
    return {
        "line": reply.line,
        "text": reply.text,
        "expected": reply.label,
        "decided": outcome.decided,
        "cues": list(outcome.cues),
        "expected_return_date": reply.return_date.isoformat() if reply.return_date else None,
        "return_date": outcome.return_date.isoformat() if outcome.return_date else None,
    }


def _score_json(score: Score) -> dict[str, Any]:
    return {
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "support": score.support,
        "decided": score.decided,
    }


def _timing_json(timing: Timing) -> dict[str, Any]:
    return {
        "replies_per_second": timing.per_second,
        "micros_per_reply": timing.micros_per_reply,
        "passes": timing.passes,
    }


def _speed(timing: Timing) -> str:
    return f"{timing.per_second:>12,.0f} replies/s {timing.micros_per_reply:>10,.1f} µs per reply"


def _precision(score: Score) -> str:
    return _fraction(score.correct, score.decided)


def _recall(score: Score) -> str:
    return _fraction(score.correct, score.support)


def _fraction(part: int, whole: int) -> str:
    return f"{_percent(part / whole if whole else None)} ({part} / {whole})"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counter.most_common())
