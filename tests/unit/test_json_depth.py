"""The nesting depth of a JSON text, found without parsing it."""

from __future__ import annotations

import json

import pytest

from maxcore.rules.json_depth import MAX_JSON_DEPTH, too_deep


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_five_thousand_levels_are_too_deep_and_the_scan_does_not_recurse() -> None:
    text = _nested(5000)
    with pytest.raises(RecursionError):
        json.loads(text)  # what the check spares the handlers
    assert too_deep(text)


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        (_nested(MAX_JSON_DEPTH), False),
        (_nested(MAX_JSON_DEPTH + 1), True),
        ('{"a": ' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH, False),
        ('{"a": [' * 40 + "1" + "]}" * 40, True),
        # Brackets inside strings, escaped quotes included, are text, not nesting.
        (json.dumps({"note": "[" * 1000 + '\\"{{{' * 100}), False),
        (json.dumps(["x\\", "[[[[" * 100]), False),
        # Sibling containers do not add up.
        ("[" + ",".join(["[[1]]"] * 500) + "]", False),
        # Not JSON at all: the parser refuses it later; the scan only must not crash.
        ("", False),
        ('"unterminated [[[', False),
        ("]]]][[[", False),
    ],
)
def test_depth_counts_only_open_containers_outside_strings(text: str, deep: bool) -> None:
    assert too_deep(text) is deep
