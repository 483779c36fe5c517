"""The layer ships exactly the runtime dependencies the project is tested with."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _requirements(lines: list[str]) -> dict[str, str]:
    pinned = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.split("[")[0].lower()] = version
    return pinned


def test_layer_requirements_match_the_project_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = (ROOT / "layers" / "shared" / "requirements.txt").read_text().splitlines()
    assert _requirements(layer) == _requirements(project)


def test_every_layer_requirement_is_pinned() -> None:
    layer = _requirements((ROOT / "layers" / "shared" / "requirements.txt").read_text().splitlines())
    assert all(version for version in layer.values()), layer
