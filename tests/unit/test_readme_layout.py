"""The README's layout is true to the tree: every function, layer package, script and doc is named there,
and everything it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAXCORE = ROOT / "layers" / "shared" / "maxcore"


def _layout() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"## Layout\n\n```\n(.*?)```", readme, re.S)
    assert match, "the README has a '## Layout' section with a code block"
    return match.group(1)


def _functions_listed(layout: str) -> set[str]:
    return set(re.findall(r"^  ([a-z_]+)/ ", layout, re.M))


def test_every_function_is_listed_and_every_listed_function_exists() -> None:
    on_disk = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    assert _functions_listed(_layout()) == on_disk


def test_every_package_of_the_layer_is_listed() -> None:
    layout = _layout()
    packages = {p.name for p in MAXCORE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    missing = {name for name in packages if f"maxcore/{name}/" not in layout}
    assert not missing, f"maxcore packages missing from the README's layout: {sorted(missing)}"


@pytest.mark.parametrize("folder", ["scripts", "docs"])
def test_every_script_and_doc_is_named(folder: str) -> None:
    layout = _layout()
    files = {p.name for p in (ROOT / folder).iterdir() if p.is_file() and p.name != "__init__.py"}
    missing = {name for name in files if name not in layout}
    assert not missing, f"{folder}/ files missing from the README's layout: {sorted(missing)}"


def test_every_path_the_layout_names_exists() -> None:
    layout = _layout()
    top = re.findall(r"^([A-Za-z][\w.-]*/?)\s", layout, re.M)
    nested = re.findall(r"^  (maxcore/[\w.]+/?)\s", layout, re.M)
    paths = [ROOT / name for name in top if "<" not in name]
    paths += [ROOT / "layers" / "shared" / name for name in nested]
    absent = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    assert not absent, f"the README's layout names paths that do not exist: {absent}"
    assert len(paths) > 20
