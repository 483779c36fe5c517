"""The design's structural rules, checked on the source so a regression fails the build."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAXCORE = ROOT / "layers" / "shared" / "maxcore"
DEPLOYED = sorted([*MAXCORE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")])
HEAVY = {"openai", "twilio", "resend"}

# What each layer of maxcore may import (DESIGN.md: functions -> services -> rules/dal/channels/ai -> models).
ALLOWED = {
    # The bottom: what a schema checks by itself lives in models (models/contact.py), never in rules.
    "models": {"models"},
    "rules": {"models", "rules", "texts"},
    # The model's client, prompts and tools: models and pure rules, never storage, providers or use
    # cases (a service hands ai/ what it read and records what it answered).
    "ai": {"models", "rules", "ai", "errors", "observability", "settings"},
    # The built-in template library is plain data.
    "library": set(),
    "dal": {"models", "rules", "dal", "errors", "settings", "ids", "clock"},
    "channels": {"models", "rules", "channels", "errors"},
    "services": {
        "models",
        "rules",
        "dal",
        "channels",
        "ai",
        "library",
        "services",
        "errors",
        "observability",
        "settings",
        "ids",
        "clock",
        "texts",
    },
}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module, line, at module level) of every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno, id(node) in top_level))
    return found


@pytest.mark.parametrize("path", DEPLOYED, ids=lambda p: str(p.relative_to(ROOT)))
def test_heavy_sdks_are_imported_lazily(path: Path) -> None:
    eager = [(m, line) for m, line, top in _imports(path) if top and m.split(".")[0] in HEAVY]
    assert eager == [], "openai/twilio/resend must be imported inside the code path that uses them"


@pytest.mark.parametrize("path", DEPLOYED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_scan_in_deployed_code(path: Path) -> None:
    tree = ast.parse(path.read_text())
    scans = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"scan", "parallel_scan"}
    ]
    assert scans == [], "every read is a GetItem, Query or BatchGet listed in docs/data-model.md"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_maxcore_imports_go_one_way(layer: str) -> None:
    wrong = []
    for path in (MAXCORE / layer).rglob("*.py"):
        for module, line, _ in _imports(path):
            parts = module.split(".")
            if parts[0] == "maxcore" and len(parts) > 1 and parts[1] not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []


# A handler validates, takes the tenant from the request and calls one service: it never reaches a
# repository, a rule, a provider adapter or the model directly.
HANDLERS_MAY_IMPORT = {"api", "models", "services", "errors", "observability", "settings"}


def test_handlers_go_through_the_services() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in (ROOT / "functions").rglob("*.py")
        for module, line, _ in _imports(path)
        if module.startswith("pynamodb")
        or (module.startswith("maxcore.") and module.split(".")[1] not in HANDLERS_MAY_IMPORT)
    ]
    assert wrong == []


def test_models_build_their_validators_on_first_use() -> None:
    # A model deriving from pydantic's BaseModel directly would be built at import, in every function
    # that imports its module, whether or not a request of that function uses it.
    direct = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in (MAXCORE / "models").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and node.name != "LazyModel"
        and any(isinstance(base, ast.Name) and base.id == "BaseModel" for base in node.bases)
    ]
    assert direct == [], "models derive from maxcore.models.common.LazyModel (or StrictModel)"
