"""Reading a list of leads exported from a spreadsheet (Excel, LibreOffice, Google Sheets, a CRM).

A French Excel saves "CSV" with ``;`` between cells (the comma is the decimal separator) and in
Windows-1252 unless "CSV UTF-8" is chosen, which adds a byte-order mark; the headers are whatever the
user typed (``Prénom``, ``E-mail``, ``Téléphone portable``). This module turns such a file into rows
of lead fields and custom fields. Pure: no I/O; the service decides what each row becomes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from maxcore.models.lead import MAX_CUSTOM_FIELD_NAME, MAX_CUSTOM_FIELD_VALUE, MAX_CUSTOM_FIELDS
from maxcore.rules.contact import fold

LEAD_COLUMNS = ("first_name", "last_name", "company", "email", "phone")
CONTACT_COLUMNS = ("email", "phone")
DELIMITERS = (";", ",", "\t")

# What people call the lead's columns, in French and English; matched without case, accents,
# spaces or punctuation (see _key).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "prénom", "prenom"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom", "nom de famille"),
    "company": (
        "company",
        "company name",
        "organisation",
        "organization",
        "business",
        "société",
        "entreprise",
        "raison sociale",
        "nom de l'entreprise",
        "nom de la société",
    ),
    "email": (
        "email",
        "e-mail",
        "mail",
        "email address",
        "courriel",
        "adresse e-mail",
        "adresse email",
        "adresse mail",
    ),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "cell",
        "téléphone",
        "tél",
        "tel",
        "portable",
        "téléphone portable",
        "téléphone mobile",
        "numéro de téléphone",
        "gsm",
    ),
}


def _key(header: str) -> str:
    """``header`` without case, accents, spaces or punctuation: ``Téléphone`` and ``TELEPHONE`` meet."""
    return "".join(c for c in fold(header) if c.isalnum())


_COLUMN_OF = {_key(name): column for column, names in _SYNONYMS.items() for name in (column, *names)}


class CsvFormatError(ValueError):
    """A file that cannot be read as a list of leads at all; ``code`` names why, ``values`` say where.

    Codes: ``no_header``, ``no_contact_column``, ``duplicate_column``, ``too_many_columns``,
    ``column_name_too_long``, ``no_rows``, ``too_many_rows``, ``unreadable`` (the csv module refuses it).
    """

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class CsvRow:
    """One data row: ``number`` counts data rows from 1 (the header and blank lines are not counted).

    ``problem`` is set when the row cannot become a lead as it stands: ``extra_cells`` (cells past
    the last column) or ``value_too_long`` (a custom field's value; ``problem_column`` names it).
    """

    number: int
    fields: dict[str, str] = field(default_factory=dict)
    custom_fields: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    problem_column: str | None = None
    problem_value: str | None = None


@dataclass(frozen=True)
class CsvSheet:
    """A file read: how it was encoded and delimited, what each column became, and its rows."""

    encoding: str
    delimiter: str
    columns: dict[str, str]
    rows: list[CsvRow]


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read in: UTF-8 (a BOM is dropped), else Windows-1252.

    A file that is not UTF-8 is almost always Windows-1252 when it comes from Excel; its five
    unassigned bytes become U+FFFD rather than failing the whole upload.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def delimiter_of(header_line: str) -> str:
    """The delimiter the header line uses: the most frequent of ``;``, ``,`` and tab (``;`` on a tie).

    Counted rather than sniffed: csv.Sniffer guesses from character frequencies over the whole
    sample and can pick a letter or a space on a short file, or fail on a one-column file. Header
    names seldom contain any of the three, so the count on that one line is unambiguous.
    """
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_leads(data: bytes | str, max_rows: int) -> CsvSheet:
    """Read a CSV of leads, from the raw file (``bytes``) or text already decoded.

    Parameters
    ----------
    data
        The file as uploaded. Bytes are decoded as :func:`decode` says; text loses a leading BOM.
    max_rows
        The most data rows accepted.

    Returns
    -------
    CsvSheet
        Headers are matched to the lead's columns without case or accents, in French or English
        (``Prénom``, ``E-mail``, ``Société``...); other named columns become custom fields, and
        unnamed ones are ignored. Cells are put on one line; empty cells are left out; blank rows skipped.

    Raises
    ------
    CsvFormatError
        When the header is missing, names no e-mail or phone column, names a column twice, has
        more custom columns than a lead keeps, or the file has no rows, too many, or a cell the csv
        module refuses.
    """
    text, encoding = decode(data) if isinstance(data, bytes) else (data.lstrip("\ufeff"), "utf-8")
    lines = (line for line in text.splitlines() if line.strip())
    delimiter = delimiter_of(next(lines, ""))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _sheet(encoding, delimiter, (r for r in reader if _filled(r)), max_rows)
    except csv.Error as exc:
        # A cell over the csv module's field limit (128 KiB): no spreadsheet cell of a lead is that long.
        raise CsvFormatError("unreadable", line=reader.line_num) from exc


def _sheet(encoding: str, delimiter: str, records: Iterator[list[str]], max_rows: int) -> CsvSheet:
    header = next(records, None)
    if header is None:
        raise CsvFormatError("no_header")
    columns = _columns([h.strip() for h in header])
    rows: list[CsvRow] = []
    for number, record in enumerate(records, start=1):
        if number > max_rows:
            raise CsvFormatError("too_many_rows", max_rows=max_rows)
        rows.append(_row(number, columns, [_cell(cell) for cell in record]))
    if not rows:
        raise CsvFormatError("no_rows")
    return CsvSheet(encoding, delimiter, {h: c for h, c in zip(header, columns, strict=True) if c}, rows)


def _filled(record: list[str]) -> bool:
    """False for a blank line and for Excel's empty rows (``;;;;``)."""
    return any(cell.strip() for cell in record)


def _columns(header: list[str]) -> list[str]:
    """What each header cell becomes: a lead column, ``custom:<name>``, or ``""`` (ignored)."""
    columns: list[str] = []
    for name in header:
        if not name:
            columns.append("")
            continue
        column = _COLUMN_OF.get(_key(name))
        if column is None and len(name) > MAX_CUSTOM_FIELD_NAME:
            raise CsvFormatError("column_name_too_long", column=name, max=MAX_CUSTOM_FIELD_NAME)
        column = column or f"custom:{name}"
        if column in columns:
            raise CsvFormatError("duplicate_column", column=name)
        columns.append(column)
    if not any(c in CONTACT_COLUMNS for c in columns):
        raise CsvFormatError("no_contact_column")
    custom = sum(c.startswith("custom:") for c in columns)
    if custom > MAX_CUSTOM_FIELDS:
        raise CsvFormatError("too_many_columns", count=custom, max=MAX_CUSTOM_FIELDS)
    return columns


def _cell(value: str) -> str:
    """A cell on one line, its runs of spaces and line breaks (Alt+Enter in Excel) made one space."""
    return " ".join(value.split())


def _row(number: int, columns: list[str], cells: list[str]) -> CsvRow:
    extra = [c for c in cells[len(columns) :] if c]
    if extra:
        return CsvRow(number, problem="extra_cells", problem_value=";".join(extra)[:200])
    fields: dict[str, str] = {}
    custom: dict[str, str] = {}
    for column, value in zip(columns, cells, strict=False):
        if not column or not value:
            continue
        if not column.startswith("custom:"):
            fields[column] = value
            continue
        name = column.removeprefix("custom:")
        if len(value) > MAX_CUSTOM_FIELD_VALUE:
            return CsvRow(number, problem="value_too_long", problem_column=name, problem_value=value[:200])
        custom[name] = value
    return CsvRow(number, fields, custom)
