"""Reading lead lists as spreadsheets export them: French Excel first (``;``, Windows-1252 or UTF-8 BOM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from maxcore.models.lead import MAX_CUSTOM_FIELD_NAME, MAX_CUSTOM_FIELD_VALUE, MAX_CUSTOM_FIELDS
from maxcore.rules.lead_csv import CsvFormatError, decode, delimiter_of, read_leads

CSV = Path(__file__).parent / "fixtures" / "csv"


@pytest.mark.parametrize(
    ("file_name", "encoding", "columns"),
    [
        # "CSV (séparateur : point-virgule)": Windows-1252, CRLF
        (
            "excel_fr_windows1252.csv",
            "cp1252",
            {
                "Prénom": "first_name",
                "Nom": "last_name",
                "Société": "company",
                "E-mail": "email",
                "Téléphone": "phone",
                "Ville": "custom:Ville",
                "Secteur d’activité": "custom:Secteur d’activité",
            },
        ),
        # "CSV UTF-8": a BOM before "Prénom" (not part of the header), other French synonyms
        (
            "excel_fr_utf8_bom.csv",
            "utf-8",
            {
                "Prénom": "first_name",
                "Nom de famille": "last_name",
                "Entreprise": "company",
                "Courriel": "email",
                "Portable": "phone",
                "Code postal": "custom:Code postal",
            },
        ),
    ],
)
def test_a_french_excel_export_is_decoded_and_its_headers_found(
    file_name: str, encoding: str, columns: dict[str, str]
) -> None:
    # Given the file as a French Excel saves it; when it is read
    sheet = read_leads((CSV / file_name).read_bytes(), max_rows=500)
    # Then its encoding is found, ; separates its cells, and each header finds its column
    assert (sheet.encoding, sheet.delimiter) == (encoding, ";")
    assert sheet.columns == columns


def test_windows_1252_rows_keep_their_accents_quoted_delimiters_and_extra_columns() -> None:
    # Given the Windows-1252 export: a quoted company holding a ;, a blank line, an empty row (;;;;;;)
    sheet = read_leads((CSV / "excel_fr_windows1252.csv").read_bytes(), max_rows=500)
    # Then the blank line and the empty row are skipped, not counted
    assert [row.number for row in sheet.rows] == [1, 2, 3, 4, 5]
    first = sheet.rows[0]
    assert first.fields == {
        "first_name": "Jérôme",
        "last_name": "Lefèvre",
        "company": "Boulangerie; Pâtisserie Lefèvre",
        "email": "jerome@lefevre.fr",
        "phone": "06 12 34 56 78",
    }
    assert first.custom_fields == {"Ville": "Besançon", "Secteur d’activité": "Métiers de bouche – 2 500 €"}
    assert sheet.rows[1].fields["company"] == "Institut Œillet"
    # And empty cells are left out, of the lead's columns and of the custom ones
    assert sheet.rows[2].fields == {"first_name": "Zoé", "last_name": "Müller", "email": "zoe.muller@exemple"}
    assert sheet.rows[2].custom_fields == {"Ville": "Nîmes"}
    assert sheet.rows[3].custom_fields == {"Secteur d’activité": "Logistique"}


def test_utf8_rows_keep_their_letters_from_beyond_latin_1() -> None:
    data = (CSV / "excel_fr_utf8_bom.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    sheet = read_leads(data, max_rows=500)
    assert sheet.rows[0].fields["last_name"] == "Gaßmann"
    assert sheet.rows[0].fields["company"] == "Coaching Œuvre"
    assert sheet.rows[1].fields["last_name"] == "N'Diaye"
    assert sheet.rows[1].custom_fields == {"Code postal": "1000"}


def test_text_already_decoded_loses_a_leading_byte_order_mark_too() -> None:
    sheet = read_leads("\ufeffemail,Ville\nana@example.fr,Lyon\n", max_rows=500)
    assert sheet.columns == {"email": "email", "Ville": "custom:Ville"}
    assert sheet.rows[0].fields == {"email": "ana@example.fr"}


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("PRÉNOM", "first_name"),
        ("prenom", "first_name"),
        ("First Name", "first_name"),
        ("first_name", "first_name"),
        ("firstname", "first_name"),
        ("NOM", "last_name"),
        ("Nom de famille", "last_name"),
        ("Last name", "last_name"),
        ("SOCIÉTÉ", "company"),
        ("societe", "company"),
        ("Raison sociale", "company"),
        ("Company", "company"),
        ("e-mail", "email"),
        ("E-Mail", "email"),
        ("Adresse e-mail", "email"),
        ("courriel", "email"),
        ("Mail", "email"),
        ("Tél.", "phone"),
        ("TEL", "phone"),
        ("Téléphone portable", "phone"),
        ("Mobile", "phone"),
        ("Numéro de téléphone", "phone"),
        ("phone number", "phone"),
    ],
)
def test_headers_are_matched_without_case_accents_or_punctuation(header: str, column: str) -> None:
    contact = "Ville" if column in ("email", "phone") else "email"
    sheet = read_leads(f"{header};{contact}\nx;y\n", max_rows=500)
    assert sheet.columns[header] == column


@pytest.mark.parametrize(
    ("header_line", "delimiter"),
    [
        ("Prénom;Nom;E-mail", ";"),
        ("first_name,last_name,email", ","),
        ("first_name\tlast_name\temail", "\t"),
        # A comma inside a header does not outvote the semicolons between them
        ("Nom, prénom;E-mail;Téléphone", ";"),
        # One column: nothing to split on
        ("email", ","),
    ],
)
def test_the_delimiter_is_the_one_the_header_line_uses_most(header_line: str, delimiter: str) -> None:
    assert delimiter_of(header_line) == delimiter


def test_a_tab_separated_file_is_read() -> None:
    sheet = read_leads(b"Pr\xe9nom\tT\xe9l\xe9phone\nL\xe9a\t06 12 34 56 78\n", max_rows=500)
    assert (sheet.encoding, sheet.delimiter) == ("cp1252", "\t")
    assert sheet.rows[0].fields == {"first_name": "Léa", "phone": "06 12 34 56 78"}


def test_no_byte_sequence_fails_decoding() -> None:
    # Given every byte, some of which are neither UTF-8 nor assigned in Windows-1252
    text, encoding = decode(bytes(range(256)))
    # Then the text is read all the same, the unassigned bytes replaced
    assert encoding == "cp1252"
    assert len(text) == 256
    assert "é" in text
    assert "\ufffd" in text


def test_a_cell_over_several_lines_is_put_on_one() -> None:
    # Given a quoted cell with a line break (Alt+Enter in Excel)
    sheet = read_leads('email;Adresse\nana@example.fr;"12 rue Haute\r\n75001 Paris"\n', max_rows=500)
    # Then it is one row, and the cell one line
    assert len(sheet.rows) == 1
    assert sheet.rows[0].custom_fields == {"Adresse": "12 rue Haute 75001 Paris"}


def test_unnamed_columns_and_empty_cells_past_the_header_are_ignored() -> None:
    # Given Excel's trailing separators: an unnamed last column and empty cells past it
    sheet = read_leads("email;;\nana@example.fr;oublié;;;\n", max_rows=500)
    assert sheet.columns == {"email": "email"}
    assert sheet.rows[0].fields == {"email": "ana@example.fr"}
    assert sheet.rows[0].problem is None


def test_a_row_with_filled_cells_past_the_header_has_a_problem_of_its_own() -> None:
    sheet = read_leads("email;Ville\nana@example.fr;Lyon;en trop\nbob@example.fr;Metz\n", max_rows=500)
    assert (sheet.rows[0].problem, sheet.rows[0].problem_value) == ("extra_cells", "en trop")
    assert sheet.rows[1].problem is None


def test_a_custom_value_too_long_for_a_lead_is_a_problem_of_its_row() -> None:
    long = "x" * (MAX_CUSTOM_FIELD_VALUE + 1)
    sheet = read_leads(f"email;Notes\nana@example.fr;{long}\n", max_rows=500)
    row = sheet.rows[0]
    assert (row.problem, row.problem_column) == ("value_too_long", "Notes")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "no_header"),
        ("\n ; ;\n", "no_header"),
        ("Prénom;Nom;Ville\nAna;Lopez;Lyon\n", "no_contact_column"),
        ("E-mail;Courriel\na@example.fr;b@example.fr\n", "duplicate_column"),
        ("email;Ville;Ville\na@example.fr;Lyon;Lyon\n", "duplicate_column"),
        ("Prénom;E-mail\n", "no_rows"),
        ("Prénom;E-mail\n;\n\n", "no_rows"),
        (f"email;{'c' * (MAX_CUSTOM_FIELD_NAME + 1)}\na@example.fr;1\n", "column_name_too_long"),
    ],
)
def test_a_file_that_is_no_list_of_leads_says_why(text: str, code: str) -> None:
    with pytest.raises(CsvFormatError) as raised:
        read_leads(text, max_rows=500)
    assert raised.value.code == code


def test_a_cell_the_csv_module_refuses_makes_the_file_unreadable_not_a_crash() -> None:
    with pytest.raises(CsvFormatError) as raised:
        read_leads('email;Notes\na@example.fr;"' + "x" * 200_000 + '"\n', max_rows=500)
    assert (raised.value.code, raised.value.values) == ("unreadable", {"line": 2})


def test_custom_column_names_keep_their_case() -> None:
    sheet = read_leads("email;Ville;ville\na@example.fr;Lyon;Lille\n", max_rows=500)
    assert sheet.rows[0].custom_fields == {"Ville": "Lyon", "ville": "Lille"}


def test_more_custom_columns_than_a_lead_keeps_is_refused() -> None:
    names = [f"c{i}" for i in range(MAX_CUSTOM_FIELDS + 1)]
    with pytest.raises(CsvFormatError) as raised:
        read_leads(";".join(["email", *names]) + "\na@example.fr\n", max_rows=500)
    assert (raised.value.code, raised.value.values) == (
        "too_many_columns",
        {"count": MAX_CUSTOM_FIELDS + 1, "max": MAX_CUSTOM_FIELDS},
    )


def test_more_rows_than_allowed_is_refused_and_exactly_as_many_is_read() -> None:
    rows = "".join(f"lead{i}@example.fr\n" for i in range(3))
    assert len(read_leads("email\n" + rows, max_rows=3).rows) == 3
    with pytest.raises(CsvFormatError) as raised:
        read_leads("email\n" + rows, max_rows=2)
    assert (raised.value.code, raised.value.values) == ("too_many_rows", {"max_rows": 2})
