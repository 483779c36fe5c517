"""Measure the import cost of every function module with ``python -X importtime``.

For each handler of template.yaml, a fresh interpreter imports the module as Lambda would (the
layer folder on the path, the function folder as the working module) and the cumulative time of
that import is read from the ``-X importtime`` report. It also lists which heavy SDKs (openai,
twilio, resend) got imported. Run: ``python scripts/importtime.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devserver.template import function_code, load_template  # noqa: E402

HEAVY = ("openai", "twilio", "resend")
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)$")


def measure(code_uri: str, module: str) -> tuple[int, set[str]]:
    """Cumulative import time of ``module`` (microseconds) and the heavy SDKs it pulled in."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "shared"), str(ROOT / code_uri)]),
        "TABLE_NAME": "importtime",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        cwd=ROOT / code_uri,
        capture_output=True,
        text=True,
        check=True,
    )
    total, heavy = 0, set()
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        cumulative, indent, name = int(match.group(2)), match.group(3), match.group(4)
        if name == module and len(indent) == 1:
            total = cumulative
        if name.split(".")[0] in HEAVY:
            heavy.add(name.split(".")[0])
    return total, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per module (median kept)")
    args = parser.parse_args()
    template = load_template()
    seen: set[tuple[str, str]] = set()
    print(f"{'function':<28} {'module':<28} {'import ms (median)':>18}  heavy SDKs imported")
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        code = function_code(template, logical_id)
        module = code.handler.rpartition(".")[0]
        if (code.code_uri, module) in seen:
            continue
        seen.add((code.code_uri, module))
        samples = [measure(code.code_uri, module) for _ in range(args.runs)]
        median_ms = statistics.median(total for total, _ in samples) / 1000
        heavy = set().union(*(h for _, h in samples))
        source = f"{code.code_uri}{module}.py"
        print(f"{logical_id:<28} {source:<28} {median_ms:>18.1f}  {', '.join(sorted(heavy)) or 'none'}")


if __name__ == "__main__":
    main()
