"""The locks: every package pinned with its hashes, and the layer ships the versions the tests run with.

Whether a lock is what pyproject.toml resolves to today needs the index: `make lock-check` recompiles
both. These tests hold what can be read from the files alone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LAYER_LOCK = ROOT / "layers" / "shared" / "requirements.txt"
DEV_LOCK = ROOT / "requirements-dev.lock"

# Lambda's python3.11 arm64 runtime, and the development machines (Linux, x86_64 or aarch64).
LAMBDA = {"sys_platform": "linux", "platform_machine": "aarch64", "python_full_version": "3.11.14"}
DEVELOPMENT = [
    {"sys_platform": "linux", "platform_machine": machine, "python_full_version": "3.11.7"}
    for machine in ("x86_64", "aarch64")
]


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]


def _entries(text: str) -> list[str]:
    """Requirement lines with their backslash continuations joined, comments dropped."""
    entries: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        current += " " + line.removesuffix("\\").strip()
        if not line.endswith("\\"):
            entries.append(current.strip())
            current = ""
    assert not current, f"dangling continuation: {current}"
    return entries


def _parse(entry: str) -> tuple[Requirement, tuple[str, ...]]:
    requirement, *options = entry.split(" --")
    hashes = tuple(option.removeprefix("hash=") for option in options if option.startswith("hash="))
    assert len(hashes) == len(options), f"unexpected option in {entry[:80]}"
    return Requirement(requirement), hashes


def _lock(path: Path) -> list[Locked]:
    locked = []
    for entry in _entries(path.read_text()):
        requirement, hashes = _parse(entry)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {requirement} is not pinned with =="
        locked.append(Locked(requirement.name, specifier.version, requirement.marker, hashes))
    return locked


def _for(lock: list[Locked], environment: dict[str, str]) -> dict[str, str]:
    """What pip installs from the lock in that environment: name -> version."""
    chosen: dict[str, str] = {}
    for entry in lock:
        if entry.marker is None or entry.marker.evaluate(environment):
            name = canonicalize_name(entry.name)
            assert name not in chosen, f"{name} twice for {environment}"
            chosen[name] = entry.version
    return chosen


def _pins(requirements: list[str]) -> dict[str, str]:
    """The == pins of pyproject requirements (extras and markers aside): name -> version."""
    pins: dict[str, str] = {}
    for text in requirements:
        requirement = Requirement(text)
        for specifier in requirement.specifier:
            if specifier.operator == "==":
                pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.mark.parametrize("path", [LAYER_LOCK, DEV_LOCK], ids=["layer", "dev"])
def test_every_locked_package_is_pinned_with_its_hashes(path: Path) -> None:
    lock = _lock(path)

    assert lock
    for entry in lock:
        assert entry.hashes, f"{path.name}: {entry.name} has no --hash"
        assert all(digest.startswith("sha256:") and len(digest) == 71 for digest in entry.hashes), entry.name


def test_every_runtime_dependency_is_pinned_in_pyproject() -> None:
    dependencies = PYPROJECT["project"]["dependencies"]

    assert set(_pins(dependencies)) == {canonicalize_name(Requirement(d).name) for d in dependencies}


def test_layer_lock_holds_the_runtime_dependencies_at_their_pinned_versions() -> None:
    layer = _for(_lock(LAYER_LOCK), LAMBDA)

    for name, version in _pins(PYPROJECT["project"]["dependencies"]).items():
        assert layer.get(name) == version, name


def test_layer_lock_holds_no_development_tool() -> None:
    layer = _for(_lock(LAYER_LOCK), LAMBDA)

    assert not {"pytest", "moto", "aws-sam-cli", "mypy", "ruff", "uv", "schemathesis"} & set(layer)


def test_layer_lock_is_resolved_for_lambda_alone() -> None:
    # A universal lock would carry markers; the layer's is resolved for one platform, so sam build's
    # pip takes every line, on whatever machine it runs.
    assert all(entry.marker is None for entry in _lock(LAYER_LOCK))


@pytest.mark.parametrize("environment", DEVELOPMENT, ids=lambda e: e["platform_machine"])
def test_layer_ships_the_versions_the_tests_run_with(environment: dict[str, str]) -> None:
    layer = _for(_lock(LAYER_LOCK), LAMBDA)
    development = _for(_lock(DEV_LOCK), environment)

    assert {name: development.get(name) for name in layer} == layer


@pytest.mark.parametrize("environment", DEVELOPMENT, ids=lambda e: e["platform_machine"])
def test_dev_lock_holds_every_project_pin_on_both_development_machines(environment: dict[str, str]) -> None:
    development = _for(_lock(DEV_LOCK), environment)
    project = PYPROJECT["project"]
    pins = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])

    assert {name: development.get(name) for name in pins} == pins


def test_make_installs_from_the_dev_lock_and_ci_checks_both_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_steps = next(line for line in makefile.splitlines() if "--no-print-directory lint" in line)

    assert "DEV_LOCK := requirements-dev.lock" in makefile
    assert "LAYER_LOCK := layers/shared/requirements.txt" in makefile
    assert "uv pip sync --python $(BIN)/python --require-hashes $(DEV_LOCK)" in makefile
    assert "lock-check" in test_steps.split()
