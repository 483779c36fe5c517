"""The evaluation corpus of replies (bench/intent) is what it claims to be, and its report counts right."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bench.intent.__main__ import main
from bench.intent.corpus import LABELS, STYLES, CorpusError, Reply, load
from bench.intent.run import Timing
from bench.intent.scoring import Confusion

REPLIES = load()


def _count(attribute: str) -> Counter[str]:
    return Counter(getattr(reply, attribute) for reply in REPLIES)


def test_the_corpus_holds_at_least_450_replies() -> None:
    assert len(REPLIES) >= 450


def test_every_label_has_at_least_45_replies_and_opt_outs_at_least_70() -> None:
    labels = _count("label")
    assert set(labels) == set(LABELS)
    assert min(labels.values()) >= 45, labels
    assert labels["unsubscribe"] >= 70


def test_french_and_english_each_hold_a_large_share() -> None:
    languages = _count("lang")
    assert languages.keys() == {"fr", "en"}
    assert 0.40 <= languages["en"] / len(REPLIES) <= 0.50, languages


def test_every_style_of_channel_is_written() -> None:
    assert set(_count("style")) == set(STYLES)


def test_no_two_replies_have_the_same_text() -> None:
    """Same text give or take case and spacing: the classifier would see one reply twice."""
    texts = Counter(re.sub(r"\s+", " ", reply.text).strip().casefold() for reply in REPLIES)
    assert [text for text, n in texts.items() if n > 1] == []


def test_every_out_of_office_reply_carries_the_instant_it_was_received() -> None:
    absences = [r for r in REPLIES if r.label == "out_of_office"]
    assert all(r.received_at is not None for r in absences)
    assert sum(r.return_date is not None for r in absences) >= 40


def test_every_return_date_falls_after_the_instant_the_reply_was_received() -> None:
    dated = [r for r in REPLIES if r.return_date is not None]
    assert dated
    for reply in dated:
        assert reply.received_at is not None
        assert reply.received_at.date() < reply.return_date, reply.line


def _corpus_file(tmp_path: Path, *lines: dict[str, object]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


GOOD = {"text": "STOP", "label": "unsubscribe", "lang": "fr", "style": "sms"}


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ({**GOOD, "label": "angry"}, "label 'angry'"),
        ({**GOOD, "style": "fax"}, "style 'fax'"),
        ({**GOOD, "lang": "de"}, "lang 'de'"),
        ({**GOOD, "text": "  "}, "text"),
        ({**GOOD, "tone": "rude"}, "unknown"),
        ({"text": "STOP", "label": "unsubscribe", "lang": "fr"}, "missing"),
        ({**GOOD, "label": "out_of_office", "return_date": "2026-11-20"}, "received_at"),
        ({**GOOD, "label": "out_of_office", "received_at": "2026-11-16T08:00:00"}, "UTC offset"),
        ({**GOOD, "received_at": "2026-11-16T08:00:00Z", "return_date": "2026-11-20"}, "out_of_office"),
        (
            {**GOOD, "label": "out_of_office", "received_at": "2026-11-16T08:00:00Z", "return_date": "20/11"},
            "",
        ),
    ],
)
def test_a_bad_line_is_refused_with_its_number(
    tmp_path: Path, line: dict[str, object], complaint: str
) -> None:
    # Given a corpus whose second line is wrong
    path = _corpus_file(tmp_path, GOOD, line)

    # When it is loaded, Then the error names the file, the line and what is wrong
    with pytest.raises(CorpusError, match=rf"corpus\.jsonl:2: .*{re.escape(complaint)}"):
        load(path)


def test_a_good_line_is_loaded_with_its_dates(tmp_path: Path) -> None:
    absence = {
        **GOOD,
        "text": "Absent jusqu'au 20",
        "label": "out_of_office",
        "style": "email",
        "received_at": "2026-11-16T08:00:00Z",
        "return_date": "2026-11-21",
        "note": "until X: back the day after",
    }
    replies = load(_corpus_file(tmp_path, GOOD, absence))
    assert [r.line for r in replies] == [1, 2]
    assert replies[1].received_at == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert replies[1].return_date == date(2026, 11, 21)
    assert replies[0] == Reply(line=1, text="STOP", label="unsubscribe", lang="fr", style="sms")


# A tiny hand-made example: 10 replies over labels a, b, c (d is never expected nor decided).
#   expected a: 3 decided a, 1 decided b     expected b: 2 decided b, 1 decided a
#   expected c: 1 decided c, 2 decided b
PAIRS = [("a", "a")] * 3 + [("a", "b")] + [("b", "b")] * 2 + [("b", "a")] + [("c", "c")] + [("c", "b")] * 2
CONFUSION = Confusion(("a", "b", "c", "d"), PAIRS)


def test_the_matrix_counts_each_pair_of_expected_and_decided_labels() -> None:
    assert CONFUSION.total == 10
    assert [[CONFUSION.count(e, d) for d in "abcd"] for e in "abcd"] == [
        [3, 1, 0, 0],
        [1, 2, 0, 0],
        [0, 2, 1, 0],
        [0, 0, 0, 0],
    ]
    assert CONFUSION.correct == 6
    assert CONFUSION.accuracy() == pytest.approx(0.6)


def test_precision_recall_and_f1_of_each_label() -> None:
    a, b, c = CONFUSION.score("a"), CONFUSION.score("b"), CONFUSION.score("c")
    # a: 3 right of 4 decided a, of 4 expected a
    assert (a.precision, a.recall, a.f1) == pytest.approx((0.75, 0.75, 0.75))
    # b: 2 right of 5 decided b, of 3 expected b; F1 = 2 x 0.4 x 2/3 / (0.4 + 2/3)
    assert (b.precision, b.recall, b.f1) == pytest.approx((0.4, 2 / 3, 0.5))
    assert (b.support, b.decided, b.correct) == (3, 5, 2)
    # c: its only decision is right, but it found one of three
    assert (c.precision, c.recall, c.f1) == pytest.approx((1.0, 1 / 3, 0.5))


def test_a_label_never_expected_nor_decided_has_unknown_ratios_not_zero() -> None:
    d = CONFUSION.score("d")
    assert (d.precision, d.recall, d.f1, d.support, d.decided) == (None, None, None, 0, 0)


def test_a_group_of_labels_counts_a_confusion_inside_it_as_right() -> None:
    # a and b taken as one (as the hot intents are): a <-> b swaps are right, c decided b is wrong
    group = CONFUSION.group({"a", "b"})
    assert (group.support, group.decided, group.correct) == (7, 9, 7)
    assert (group.precision, group.recall) == pytest.approx((7 / 9, 1.0))


def test_a_label_outside_the_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="'z'"):
        Confusion(("a", "b"), [("a", "z")])


def test_throughput_is_derived_from_the_fastest_pass() -> None:
    timing = Timing(replies=500, seconds=0.25, passes=3)
    assert timing.per_second == pytest.approx(2000)
    assert timing.micros_per_reply == pytest.approx(500)


def test_the_json_report_adds_up_to_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    # When the benchmark runs on the English replies with its JSON output
    assert main(["--lang", "en", "--json", "--misses", "3", "--passes", "1"]) == 0
    report = json.loads(capsys.readouterr().out)

    # Then every English reply is in the matrix once, and the figures are the matrix's
    english = _count("lang")["en"]
    matrix = report["confusion"]
    assert report["replies"] == english
    assert sum(sum(row.values()) for row in matrix.values()) == english
    diagonal = sum(matrix[label][label] for label in LABELS)
    assert report["accuracy"] == pytest.approx(diagonal / english)
    assert report["misclassified"] == english - diagonal
    assert len(report["misses"]) == min(3, english - diagonal)
    unsubscribe = report["labels"]["unsubscribe"]
    assert unsubscribe["support"] == _count("label")["unsubscribe"] - sum(
        r.label == "unsubscribe" and r.lang == "fr" for r in REPLIES
    )
    assert report["opt_out_recall"] == pytest.approx(
        matrix["unsubscribe"]["unsubscribe"] / unsubscribe["support"]
    )
    carrying = sum(r.return_date is not None and r.lang == "en" for r in REPLIES)
    assert report["return_dates"]["carrying"] == carrying


def test_the_text_report_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--misses", "0", "--passes", "1"]) == 0
    out = capsys.readouterr().out
    for section in ("accuracy", "opt-out recall", "hot precision", "return dates found", "confusion (rows"):
        assert section in out
    assert "naive baseline" in out
    assert re.search(r"misclassified: \d+ \(showing 0\)", out)
