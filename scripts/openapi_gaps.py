"""List requests the OpenAPI document calls valid that the API refuses: rules the schema does not state.

Sends schemathesis's positive data (valid by the document) to a dev server on a free port, with its own
embedded moto and the seeded demo tenant, and prints, per operation, each distinct refusal other than
those a valid request may legitimately get (401, 402, 403, 404, 409, 429), with one request that got it.
Each is a rule to state in the schema, or a refusal to question. Nothing is asserted: a tool for finding
gaps, run by hand (a few minutes):

    .venv/bin/python scripts/openapi_gaps.py [--examples 25] [--operation createLead ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared")]

LEGITIMATE = {401, 402, 403, 404, 409, 429}


def _reason(status: int, body: Any) -> str:
    """The refusal without the values in it, so the same rule broken twice counts once."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    details = error.get("details")
    if isinstance(details, list) and details:
        parts = [f"{d.get('field')}: {d.get('message')}" for d in details if isinstance(d, dict)]
    elif isinstance(details, dict) and "problems" in details:
        parts = [f"{p.get('field')}: {p.get('code')}" for p in details["problems"]]
    else:
        parts = [str(error.get("message", body))]
    text = "; ".join(parts)
    text = re.sub(r"'[^']*'", "'…'", text)
    return f"{status} {re.sub(r'[0-9A-Z]{26}', 'ULID', text)}"[:240]


def _refusals(operation: Any, url: str, headers: dict[str, str], examples: int) -> dict[str, Any]:
    """Each distinct refusal of positive data on ``operation``, with a request that got it."""
    import hypothesis
    from hypothesis import HealthCheck
    from schemathesis.generation import GenerationMode

    found: dict[str, Any] = {}

    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def probe(case: Any) -> None:
        response = case.call(base_url=url, headers=headers)
        if 400 <= response.status_code < 500 and response.status_code not in LEGITIMATE:
            try:
                body = response.json()
            except ValueError:
                body = response.text[:200]
            sent = {"path": case.path_parameters, "query": case.query, "body": case.body}
            found.setdefault(_reason(response.status_code, body), sent)

    probe()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="positive examples per operation")
    parser.add_argument("--operation", action="append", help="only this operationId (repeatable)")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

    import schemathesis

    from devserver.seed import DEMO_TENANT_ID
    from devserver.server import HOST, apply_local_defaults, merged_openapi, running_dev_server
    from devserver.template import load_template
    from devserver.token import sign_dev_token
    from tests.support.fake_llm import answer, fake_chat_completions

    apply_local_defaults()
    # The assistant's routes need a model: the tests' chat-completions fake, as in the contract run.
    llm = fake_chat_completions()
    fake = llm.__enter__()
    fake.default = answer("Bien sûr, je m'en occupe.")
    os.environ.update({"ASSISTANT_API_KEY": "sk-gaps", "ASSISTANT_BASE_URL": fake.url})
    headers = {"Authorization": f"Bearer {sign_dev_token(DEMO_TENANT_ID, role='admin', sub='openapi-gaps')}"}
    schema = schemathesis.openapi.from_dict(merged_openapi(load_template(), f"http://{HOST}"))
    gaps: dict[str, dict[str, Any]] = {}
    with running_dev_server(quiet=True) as server:
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            operation_id = str(operation.definition.raw.get("operationId", operation.label))
            if args.operation and operation_id not in args.operation:
                continue
            found = _refusals(operation, server.url, headers, args.examples)
            gaps[operation_id] = found
            print(f"{operation_id}: {len(found)} distinct refusals", file=sys.stderr)
    llm.__exit__(None, None, None)
    for operation_id, found in gaps.items():
        if found:
            print(f"\n## {operation_id}")
        for reason, sent in found.items():
            shown = json.dumps(sent, default=repr, ensure_ascii=False)[:300]
            print(f"  {reason}\n      e.g. {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
