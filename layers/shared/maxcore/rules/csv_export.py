"""How a CSV file written for a spreadsheet looks: delimiter, encoding, cells that cannot run as formulas.

Pure: the callers write the lines these functions return. The rules are Excel's, since that is what
the tenants open their exports with:

- the cell separator is the one the tenant's spreadsheet opens without asking (``;`` in French);
- the file starts with a UTF-8 byte-order mark, without which Excel reads UTF-8 as Windows-1252;
- lines end with CRLF (RFC 4180), and cells holding the delimiter, a quote or a line break are quoted;
- a cell a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return
  first, as OWASP's "CSV Injection" page lists) is prefixed with ``'``, so a lead named
  ``=HYPERLINK(...)`` is shown as text, never run. A plain number (``+33612345678``, ``-3``) cannot
  run anything and is left as it is: a phone number stays readable;
- numbers with decimals use the locale's decimal separator (``0,25`` in French), dates the tenant's
  time zone, in the ``YYYY-MM-DD HH:MM:SS`` form spreadsheets read as a date.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from zoneinfo import ZoneInfo

BOM = "\ufeff"
"""The byte-order mark that tells Excel the file is UTF-8."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")

Cell = str | int | float | bool | datetime | Enum | Iterable[str] | None
"""What a row of an export may hold before it is written."""


def export_delimiter(locale: str) -> str:
    """The cell separator a spreadsheet of ``locale`` opens without asking: ``;`` in French, ``,`` else.

    A French Excel reads ``,`` as the decimal separator, which is why its own CSV files use ``;``.
    """
    return ";" if locale == "fr" else ","


def guard_formula(text: str) -> str:
    """``text`` made inert for a spreadsheet: a ``'`` before a formula's first character."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def cell_text(value: Cell, locale: str, timezone: str) -> str:
    """One value as the text of its cell, guarded against formulas.

    ``None`` is an empty cell; a time is shown in ``timezone``; a float with the locale's decimal
    separator; a boolean as ``1``/``0``; an enum as its value; a list (tags) as ``a, b``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if locale == "fr" else text
    if isinstance(value, Enum):
        return guard_formula(str(value.value))
    if isinstance(value, int | str):
        return guard_formula(str(value))
    return guard_formula(", ".join(value))


def csv_line(cells: Iterable[str], delimiter: str) -> str:
    """One CSV line (CRLF included), quoting the cells that need it."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_row(values: Iterable[Cell], locale: str, timezone: str) -> str:
    """A row of values as its CSV line, in the tenant's delimiter and formats."""
    return csv_line((cell_text(v, locale, timezone) for v in values), export_delimiter(locale))
