"""The CSV rules of the exports: what Excel opens without asking, and cells that never run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from enum import StrEnum

import pytest

from maxcore.models.export import ExportKind
from maxcore.rules.csv_export import BOM, cell_text, csv_line, csv_row, export_delimiter, guard_formula
from maxcore.rules.exports import COLUMNS, header

AT = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)


class _Colour(StrEnum):
    RED = "red"


def test_a_french_spreadsheet_gets_semicolons_and_any_other_commas() -> None:
    assert (export_delimiter("fr"), export_delimiter("en"), export_delimiter("de")) == (";", ",", ",")


def test_the_byte_order_mark_is_utf8s() -> None:
    assert BOM.encode("utf-8") == b"\xef\xbb\xbf"


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_prefixed(first: str) -> None:
    assert guard_formula(f"{first}SUM(A1:A9)") == f"'{first}SUM(A1:A9)"


@pytest.mark.parametrize("number", ["+33612345678", "-3", "+1.5", "-0,25", "42"])
def test_a_plain_number_is_left_as_it_is(number: str) -> None:
    assert guard_formula(number) == number


@pytest.mark.parametrize("text", ["Léa", "a=b", "contact@example.fr", "", " =1"])
def test_text_that_does_not_start_a_formula_is_left_as_it_is(text: str) -> None:
    assert guard_formula(text) == text


def test_a_formula_hidden_behind_a_sign_and_a_number_is_still_guarded() -> None:
    assert guard_formula("-1+cmd|' /C calc'!A0") == "'-1+cmd|' /C calc'!A0"


def test_cells_holding_the_delimiter_a_quote_or_a_line_break_are_quoted() -> None:
    line = csv_line(["Dupont; fils", 'dit "Jo"', "deux\nlignes", "simple"], ";")

    assert line == '"Dupont; fils";"dit ""Jo""";"deux\nlignes";simple\r\n'
    assert next(csv.reader(io.StringIO(line, newline=""), delimiter=";")) == [
        "Dupont; fils",
        'dit "Jo"',
        "deux\nlignes",
        "simple",
    ]


def test_values_become_cells_in_the_tenants_time_zone_and_decimal_separator() -> None:
    assert cell_text(AT, "fr", "Europe/Paris") == "2026-11-16 09:30:00"
    assert cell_text(AT, "en", "America/New_York") == "2026-11-16 03:30:00"
    assert (cell_text(0.125, "fr", "UTC"), cell_text(0.125, "en", "UTC")) == ("0,125", "0.125")
    assert (cell_text(0.5, "fr", "UTC"), cell_text(1.0, "en", "UTC")) == ("0,5", "1")
    assert (cell_text(None, "fr", "UTC"), cell_text(True, "fr", "UTC"), cell_text(7, "fr", "UTC")) == (
        "",
        "1",
        "7",
    )
    assert cell_text(_Colour.RED, "en", "UTC") == "red"
    assert cell_text(["vip", "=cmd"], "en", "UTC") == "vip, =cmd"
    assert cell_text(["=cmd", "vip"], "en", "UTC") == "'=cmd, vip"


def test_a_row_is_written_in_the_locales_delimiter_with_formulas_guarded() -> None:
    row = ("01J", '=HYPERLINK("http://x")', 0.25, AT)

    assert (
        csv_row(row, "fr", "Europe/Paris") == '01J;"\'=HYPERLINK(""http://x"")";0,25;2026-11-16 09:30:00\r\n'
    )
    assert (
        csv_row(row, "en", "Europe/Paris") == '01J,"\'=HYPERLINK(""http://x"")",0.25,2026-11-16 09:30:00\r\n'
    )


@pytest.mark.parametrize("kind", list(ExportKind))
def test_every_column_has_a_french_and_an_english_title(kind: ExportKind) -> None:
    french, english = header(kind, "fr"), header(kind, "en")

    assert len(french) == len(english) == len(COLUMNS[kind])
    assert all(french)
    assert all(english)
    assert len(set(french)) == len(french)


def test_headers_are_in_the_tenants_language() -> None:
    assert header(ExportKind.LEADS, "fr")[:3] == ["Identifiant du lead", "Prénom", "Nom"]
    assert header(ExportKind.LEADS, "en")[:3] == ["Lead ID", "First name", "Last name"]
