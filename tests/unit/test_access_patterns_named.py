"""docs/data-model.md and the repositories name the same access patterns: every pattern the code
names is a row of the table, every row is named by a docstring, and each repository method is listed
in a row and names it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAXCORE = ROOT / "layers" / "shared" / "maxcore"
DATA_MODEL = ROOT / "docs" / "data-model.md"

PATTERN_ID = r"AP\d+[a-z]?'*"
_NAMED = re.compile(rf"\b{PATTERN_ID}")
_COLUMNS = ("#", "pattern", "index", "key condition", "example", "repository method", "test")


@dataclass(frozen=True)
class Row:
    """One row of the access pattern table."""

    pattern: str
    methods: tuple[str, ...]
    tests: tuple[str, ...]


def _rows() -> list[Row]:
    rows = []
    for line in DATA_MODEL.read_text().splitlines():
        if not line.startswith("| AP"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        assert len(cells) == len(_COLUMNS), f"a row of {len(cells)} cells, not {len(_COLUMNS)}: {line[:80]}"
        assert re.fullmatch(PATTERN_ID, cells[0]), f"{cells[0]!r} is not a pattern id like AP5 or AP10b"
        rows.append(Row(cells[0], tuple(_methods(cells[5])), tuple(re.findall(r"`(test_[\w.]+)`", cells[6]))))
    return rows


def _methods(cell: str) -> Iterator[str]:
    """``Class.method`` for each method a cell lists (``.other`` continues the class named before it)."""
    owner = ""
    for reference in re.findall(r"`([A-Z]\w*)?\.(\w+)", cell):
        owner = reference[0] or owner
        yield f"{owner}.{reference[1]}"


def _repository_methods() -> dict[str, str]:
    """``Class.method`` -> docstring of every public method of the repositories of maxcore/dal."""
    found = {}
    for path in sorted((MAXCORE / "dal").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Repository", "Directory")):
                for method in node.body:
                    if isinstance(method, ast.FunctionDef) and not method.name.startswith("_"):
                        found[f"{node.name}.{method.name}"] = ast.get_docstring(method) or ""
    return found


def _docstrings() -> Iterator[tuple[str, str]]:
    """(where, docstring) of every module, class and function of maxcore."""
    for path in sorted(MAXCORE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in [tree, *ast.walk(tree)]:
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                docstring = ast.get_docstring(node)
                if docstring:
                    where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 1)}"
                    yield where, docstring


def test_every_pattern_maxcore_names_is_a_row_of_the_data_model() -> None:
    listed = {row.pattern for row in _rows()}

    # Docstrings and comments alike: a pattern named anywhere in the code must be one the table has.
    unknown = [
        f"{path.relative_to(ROOT)}:{number} names {pattern}"
        for path in sorted(MAXCORE.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for pattern in _NAMED.findall(line)
        if pattern not in listed
    ]

    assert unknown == [], "docs/data-model.md has no row for these patterns"


def test_every_row_of_the_data_model_is_named_by_a_docstring() -> None:
    named = {pattern for _, docstring in _docstrings() for pattern in _NAMED.findall(docstring)}

    unnamed = [row.pattern for row in _rows() if row.pattern not in named]

    assert unnamed == [], "no docstring in maxcore names these patterns of docs/data-model.md"


def test_each_method_a_row_lists_exists_and_names_that_row() -> None:
    methods = _repository_methods()
    repositories = {name.split(".")[0] for name in methods}

    wrong = [
        f"{row.pattern}: {method} " + ("does not name it" if method in methods else "does not exist")
        for row in _rows()
        for method in row.methods
        # Other classes a row mentions (the service that uses a pattern) are context, not repositories.
        if method.split(".")[0] in repositories and row.pattern not in _NAMED.findall(methods.get(method, ""))
    ]

    assert wrong == []


def test_every_repository_method_is_listed_in_a_row() -> None:
    listed = {method for row in _rows() for method in row.methods}

    unlisted = sorted(set(_repository_methods()) - listed)

    assert unlisted == [], "each repository method reads or writes through a pattern of docs/data-model.md"


def test_every_test_a_row_names_exists() -> None:
    modules = sorted((ROOT / "tests").rglob("test_*.py"))
    defined = {name for path in modules for name in re.findall(r"^\s*def (test_\w+)", path.read_text(), re.M)}
    defined |= {path.name for path in modules}

    missing = [f"{row.pattern}: {name}" for row in _rows() for name in row.tests if name not in defined]

    assert missing == []
