"""``python -m bench.intent``: the reply rules' figures on the evaluation corpus, against a naive floor.

python -m bench.intent [--lang fr|en] [--misses N] [--passes N] [--json] [--corpus PATH]

A report, not a gate: the exit status is 0 whatever the figures (the accuracy gate is a test).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAYER = REPO_ROOT / "layers" / "shared"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.intent", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("fr", "en"), help="only the replies of this language")
    parser.add_argument(
        "--misses", type=int, default=50, help="misclassified replies to list (default 50; 0: none)"
    )
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the corpus (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    parser.add_argument("--corpus", type=Path, help="another corpus file (default bench/intent/corpus.jsonl)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    for path in (LAYER, REPO_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from bench.intent.corpus import CORPUS, load
    from bench.intent.report import as_json, render
    from bench.intent.run import evaluate

    path = arguments.corpus or CORPUS
    replies = [r for r in load(path) if arguments.lang in (None, r.lang)]
    result = evaluate(replies, passes=max(arguments.passes, 1))
    source = path.name if arguments.lang is None else f"{path.name} ({arguments.lang} only)"
    if arguments.json:
        print(json.dumps(as_json(result, source, arguments.misses), ensure_ascii=False, indent=2))
    else:
        print("\n".join(render(result, source, arguments.misses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
