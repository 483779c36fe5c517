"""`sam build` (no container) yields a deployable layer and functions for the chosen architecture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cfnlint.decode import decode
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.infrastructure

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
LAYER_LOCK = ROOT / "layers" / "shared" / "requirements.txt"

# ELF e_machine values (offset 18, little endian) and the wheel platform suffixes.
ELF_MACHINE = {"arm64": 183, "x86_64": 62}
WHEEL_PLATFORM = {"arm64": "aarch64", "x86_64": "x86_64"}
# Lambda refuses a function whose code and layers unzip to more than 250 MB.
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


@dataclass(frozen=True)
class Build:
    directory: Path
    architecture: str
    result: subprocess.CompletedProcess[str]
    seconds: float


def _sam() -> str:
    candidate = Path(sys.executable).parent / "sam"
    found = str(candidate) if candidate.exists() else shutil.which("sam")
    if found is None:
        pytest.fail(f"sam not found next to {sys.executable} nor on PATH")
    return found


def _architecture() -> str:
    template, matches = decode(str(TEMPLATE))
    assert not matches
    assert template is not None
    (architecture,) = template["Globals"]["Function"]["Architectures"]
    return str(architecture)


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(header[18:20], "little")


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Run `sam build` once for the module, into a temporary build directory."""
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    started = time.monotonic()
    result = subprocess.run(
        [
            _sam(),
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(build_dir),
            "--parallel",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return Build(build_dir, _architecture(), result, time.monotonic() - started)


@pytest.fixture
def built(build: Build) -> Build:
    """The build, for tests that inspect its output: fails with sam's output if it did not succeed."""
    if build.result.returncode != 0:
        pytest.fail("sam build failed:\n" + build.result.stdout[-4000:] + build.result.stderr[-4000:])
    return build


def test_sam_build_succeeds(build: Build) -> None:
    assert build.result.returncode == 0, build.result.stdout[-4000:] + build.result.stderr[-4000:]
    print(f"sam build took {build.seconds:.1f} s")


def test_layer_puts_maxcore_under_python(built: Build) -> None:
    layer = built.directory / "SharedLayer"

    assert (layer / "python" / "maxcore" / "__init__.py").is_file()
    assert not (layer / "python" / "python").exists(), "layers/shared must not contain python/ itself"
    assert not (layer / "maxcore").exists()


def test_layer_pydantic_core_is_compiled_for_the_function_architecture(built: Build) -> None:
    site = built.directory / "SharedLayer" / "python"
    modules = list((site / "pydantic_core").glob("_pydantic_core*.so"))
    (wheel_file,) = site.glob("pydantic_core-*.dist-info/WHEEL")
    tags = [
        line.split(":", 1)[1].strip()
        for line in wheel_file.read_text().splitlines()
        if line.startswith("Tag:")
    ]

    assert len(modules) == 1, modules
    assert _elf_machine(modules[0]) == ELF_MACHINE[built.architecture], modules[0].name
    assert WHEEL_PLATFORM[built.architecture] in modules[0].name
    assert tags
    assert all(tag.startswith("cp311-cp311-") for tag in tags), tags
    assert all(tag.endswith(WHEEL_PLATFORM[built.architecture]) for tag in tags), tags


def test_every_compiled_module_in_the_layer_matches_the_architecture(built: Build) -> None:
    modules = list((built.directory / "SharedLayer" / "python").rglob("*.so"))

    assert modules
    for module in modules:
        assert _elf_machine(module) == ELF_MACHINE[built.architecture], module


def test_functions_are_built_with_their_handlers(built: Build) -> None:
    template = json.loads(json.dumps(decode(str(built.directory / "template.yaml"))[0]))

    for function_id, handler_file in (
        ("LeadsFunction", "app.py"),
        ("SchedulerFunction", "app.py"),
        ("SchedulerWorkerFunction", "worker.py"),
    ):
        code_uri = template["Resources"][function_id]["Properties"]["CodeUri"]
        assert (built.directory / code_uri / handler_file).is_file(), function_id


def test_functions_are_built_with_every_module_of_their_folder(built: Build) -> None:
    """A function split into modules (the prospection API's routes/) ships all of them."""
    source = json.loads(json.dumps(decode(str(TEMPLATE))[0]))
    output = json.loads(json.dumps(decode(str(built.directory / "template.yaml"))[0]))
    missing = []
    for function_id, resource in source["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        folder = ROOT / resource["Properties"]["CodeUri"]
        shipped = built.directory / output["Resources"][function_id]["Properties"]["CodeUri"]
        missing += [
            f"{function_id}: {module.relative_to(folder)}"
            for module in folder.rglob("*.py")
            if not (shipped / module.relative_to(folder)).is_file()
        ]
    assert (ROOT / "functions" / "prospection" / "routes" / "campaigns.py").is_file()
    assert missing == []


def test_layer_holds_exactly_the_locked_packages(built: Build) -> None:
    locked = {
        (canonicalize_name(name), version)
        for name, _, version in (
            line.split(" ", 1)[0].partition("==")
            for line in LAYER_LOCK.read_text().splitlines()
            if line[:1].isalnum()
        )
    }
    installed = {
        (canonicalize_name(name), version)
        for name, _, version in (
            path.name.removesuffix(".dist-info").partition("-")
            for path in (built.directory / "SharedLayer" / "python").glob("*.dist-info")
        )
    }

    assert installed == locked


def test_layer_lock_hashes_cover_the_wheels_lambda_needs(tmp_path: Path) -> None:
    # sam build checks the lock's hashes when pip downloads the requirements, but then fetches the
    # wheels of the function architecture package by package, without hashes: this download, as
    # strict as a hash-checked install for Lambda, proves those wheels are the locked ones too.
    architecture = _architecture()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "--only-binary=:all:",
            f"--platform=manylinux2014_{WHEEL_PLATFORM[architecture]}",
            "--python-version=3.11",
            "--implementation=cp",
            "--abi=cp311",
            f"--requirement={LAYER_LOCK}",
            f"--dest={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wheels = [path.name for path in tmp_path.glob("*.whl")]
    locked = [line for line in LAYER_LOCK.read_text().splitlines() if line[:1].isalnum()]

    assert result.returncode == 0, result.stderr[-4000:]
    assert len(wheels) == len(locked)
    assert any(name.endswith(f"{WHEEL_PLATFORM[architecture]}.whl") for name in wheels), wheels


def test_layer_and_largest_function_fit_lambda_size_limit(built: Build) -> None:
    layer = _size(built.directory / "SharedLayer")
    functions = max(
        _size(built.directory / name)
        for name in ("LeadsFunction", "SchedulerFunction", "SchedulerWorkerFunction")
    )

    assert layer + functions < LAMBDA_UNZIPPED_LIMIT, f"{(layer + functions) / 2**20:.0f} MiB"
