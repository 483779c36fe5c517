"""Measure each function's import against the stack's own floor, in CPU time, tracing on as deployed.

For each handler of template.yaml, a fresh interpreter imports the module as Lambda does: the layer
folder and the function folder on the path, the function's environment from the template, and the
variables Lambda itself sets (``LAMBDA_TASK_ROOT`` among them, so Powertools' Tracer is on and patches
botocore as in a deployed function). The interpreter reports the CPU time of that import (and its
wall-clock time, shown for reference): on a machine whose cores are shared, the wall clock mostly
measures the neighbours, while an import is CPU work that a Lambda's own vCPU does alone.

The floor is ``scripts/importtime_floor.py`` imported the same way: a boto3 DynamoDB client, pydantic,
pynamodb, Powertools' Logger, Metrics and Tracer and a validating HTTP resolver with one route, which
any function of this stack pays. Every round imports the floor and each function once, each round
starting one module further, so that a busy moment of the machine weighs on both sides of the ratios.
Each line gives a function's median, its ratio to the floor's median and which of the tracked
packages its import loaded; the last line checks every ratio against ``--max-ratio``.
``python -X importtime`` on one module tells where its time goes.
Run: ``python scripts/importtime.py [--runs N] [--max-ratio R]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import function_code, function_environment, load_template  # noqa: E402

FLOOR_MODULE = "importtime_floor"
REGION = "eu-west-3"
TRACKED = (
    "openai",
    "twilio",
    "resend",
    "phonenumbers",
    "nh3",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parameters",
)
"""Packages a function should load only if it uses them at once: reported per function."""

_PROBE = """\
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import {module}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({{"cpu": cpu, "wall": wall, "modules": sorted(sys.modules)}}))
"""


@dataclass(frozen=True)
class Target:
    """One module to import in a fresh interpreter, with the folder it lives in and its environment."""

    name: str
    folder: Path
    module: str
    environment: dict[str, str]

    @property
    def source(self) -> str:
        return str((self.folder / f"{self.module}.py").relative_to(ROOT))


@dataclass(frozen=True)
class Sample:
    """One import: its CPU and wall-clock times and every module loaded once it is done."""

    cpu_ms: float
    wall_ms: float
    modules: frozenset[str]


def _as_deployed(variables: dict[str, Any], folder: Path, name: str) -> dict[str, str]:
    """The environment a Lambda function sees: the template's variables and Lambda's own.

    Intrinsic values (``!Ref MaxTable``) become a placeholder string: only their presence matters to an
    import. Nothing is inherited from this shell but ``PATH``, so a local ``POWERTOOLS_TRACE_DISABLED``
    cannot turn the tracer off.
    """
    return {
        "PATH": os.environ.get("PATH", ""),
        **{key: value if isinstance(value, str) else key.lower() for key, value in variables.items()},
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(folder),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "shared"), str(folder)]),
    }


def targets(template: dict[str, Any]) -> tuple[Target, list[Target]]:
    """The floor and every distinct handler module of the template."""
    shared = template.get("Globals", {}).get("Function", {})
    globals_variables = shared.get("Environment", {}).get("Variables", {})
    scripts = ROOT / "scripts"
    floor = Target("floor", scripts, FLOOR_MODULE, _as_deployed(globals_variables, scripts, "floor"))
    functions: dict[tuple[str, str], Target] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        code = function_code(template, logical_id)
        module = code.handler.rpartition(".")[0]
        folder = ROOT / code.code_uri
        environment = _as_deployed(function_environment(template, logical_id), folder, logical_id)
        functions.setdefault((code.code_uri, module), Target(logical_id, folder, module, environment))
    return floor, list(functions.values())


def measure(target: Target) -> Sample:
    """Import ``target`` in a fresh interpreter; what it cost and what it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=target.module)],
        env=target.environment,
        cwd=target.folder,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    return Sample(report["cpu"] * 1000, report["wall"] * 1000, frozenset(report["modules"]))


def loads(modules: frozenset[str], package: str) -> bool:
    """Whether ``package`` or one of its submodules is among ``modules``."""
    return package in modules or any(name.startswith(f"{package}.") for name in modules)


def _shorten(package: str) -> str:
    return package.removeprefix("aws_lambda_powertools.utilities.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (one fresh import of each module each)")
    parser.add_argument("--max-ratio", type=float, default=1.3, help="the most a function may cost, x floor")
    args = parser.parse_args()
    floor, functions = targets(load_template())
    everything = [floor, *functions]
    for target in everything:  # a round not counted: compiled files written, disk cache warm
        measure(target)
    samples: dict[str, list[Sample]] = {target.name: [] for target in everything}
    for round_ in range(args.runs):
        # Each round starts one module further: every module, the floor included, takes every place.
        start = round_ % len(everything)
        for target in everything[start:] + everything[:start]:
            samples[target.name].append(measure(target))

    def medians(target: Target) -> tuple[float, float]:
        runs = samples[target.name]
        return statistics.median(s.cpu_ms for s in runs), statistics.median(s.wall_ms for s in runs)

    floor_ms = medians(floor)[0]
    print(f"floor ({floor.source}): {floor_ms:.1f} ms of CPU, median of {args.runs} rounds, tracing on")
    header = f"{'function':<26} {'module':<30} {'CPU ms':>7} {'x floor':>7} {'wall ms':>8}"
    print(f"{header}  tracked packages loaded")
    above = []
    for target in functions:
        cpu_ms, wall_ms = medians(target)
        ratio = cpu_ms / floor_ms
        tracked = {p for p in TRACKED for sample in samples[target.name] if loads(sample.modules, p)}
        packages = ", ".join(_shorten(package) for package in sorted(tracked)) or "none"
        print(
            f"{target.name:<26} {target.source:<30} {cpu_ms:>7.1f} {ratio:>7.2f} {wall_ms:>8.1f}  {packages}"
        )
        if ratio > args.max_ratio:
            above.append(f"{target.name} {ratio:.2f}x")
    verdict = "ok" if not above else "above: " + ", ".join(above)
    print(f"check: every function <= {args.max_ratio}x the floor: {verdict}")


if __name__ == "__main__":
    main()
