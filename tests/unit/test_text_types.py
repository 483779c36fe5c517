"""Free text refuses control characters, and the OpenAPI document says so with a pattern."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from pydantic import StringConstraints, TypeAdapter, ValidationError

from maxcore.models.common import LINE_PATTERN, TEXT_PATTERN, Line, Text, control_character_problem

TEXT = TypeAdapter(Annotated[Text, StringConstraints(max_length=20)])
LINE = TypeAdapter(Annotated[Line, StringConstraints(min_length=1, max_length=20)])

CONTROLS = [chr(code) for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]


@pytest.mark.parametrize("character", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_text_and_line_refuse_every_c0_c1_and_del_character(character: str) -> None:
    for adapter in (TEXT, LINE):
        with pytest.raises(ValidationError) as refused:
            adapter.validate_python(f"a{character}b")
        assert refused.value.errors()[0]["type"] == "string_pattern_mismatch"


@pytest.mark.parametrize("text", ["a\tb", "ligne 1\nligne 2", "a\r\nb", "Hélène — 10 €", "émoji 🙂", ""])
def test_text_keeps_tabs_line_breaks_and_any_printable_character(text: str) -> None:
    assert TEXT.validate_python(text) == text


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\r\nb"])
def test_line_refuses_line_breaks(text: str) -> None:
    with pytest.raises(ValidationError):
        LINE.validate_python(text)


def test_line_keeps_printable_text_and_tabs() -> None:
    assert LINE.validate_python("Hélène\tDupont") == "Hélène\tDupont"


def test_length_constraints_still_apply_with_their_own_message() -> None:
    with pytest.raises(ValidationError) as refused:
        LINE.validate_python("x" * 21)
    assert refused.value.errors()[0]["type"] == "string_too_long"


def test_the_json_schema_states_the_pattern_and_the_length() -> None:
    schema = TEXT.json_schema()
    assert schema == {"type": "string", "maxLength": 20, "pattern": TEXT_PATTERN}
    assert LINE.json_schema()["pattern"] == LINE_PATTERN


@pytest.mark.parametrize("pattern", [TEXT_PATTERN, LINE_PATTERN])
def test_the_schema_pattern_means_the_same_to_a_client(pattern: str) -> None:
    # A client (or schemathesis) reads the pattern with its own regex engine: Python's re stands for it.
    compiled = re.compile(pattern)
    assert all(compiled.match(f"a{character}b") is None for character in CONTROLS)
    assert compiled.match("a\tb Hélène 🙂")
    assert (compiled.match("a\nb") is None) == (pattern == LINE_PATTERN)


@pytest.mark.parametrize(
    ("value", "pattern", "problem"),
    [
        ("Ana\x00", TEXT_PATTERN, "contains a control character (U+0000) at position 3"),
        ("a\u009fb", LINE_PATTERN, "contains a control character (U+009F) at position 1"),
        ("Ana\nB", LINE_PATTERN, "must be a single line: line break (U+000A) at position 3"),
        ("Ana\nB", TEXT_PATTERN, None),
        ("Ana\x00", r"^[a-z]+$", None),
    ],
)
def test_the_problem_names_the_character_and_its_position(
    value: str, pattern: str, problem: str | None
) -> None:
    assert control_character_problem(value, pattern) == problem
