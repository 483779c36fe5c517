"""The API keeps the promises of its own OpenAPI document, whatever a client sends.

Schemathesis sends every operation of the merged document valid and invalid requests through the real
path: HTTP, template routing, dev-token authorization, the v2 event, the handler, DynamoDB (an embedded
moto). A 5xx, an undocumented status code or content type, or a body that does not match its schema
fails the test with the exact request to replay.

Why the schema is built at import rather than fetched by a fixture: ``schemathesis.pytest.from_fixture``
(schemathesis 4.32.5, the latest) renames test nodes through ``request.node._nodeid``, which pytest 9.2
no longer has, so a lazily loaded schema cannot run here. Collection needs the document before any
server exists, so it comes from ``merged_openapi``, the very function behind ``GET /openapi.json``, and
``test_the_served_document_is_the_one_under_test`` proves the served document is that same document.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devserver.seed import DEMO_TENANT_ID
from devserver.server import HOST, DevServer, merged_openapi, running_dev_server
from devserver.template import load_template
from devserver.token import sign_dev_token
from maxcore.settings import reset_settings
from tests.support.fake_llm import FakeChatCompletions, answer, fake_chat_completions, tool_call

pytestmark = pytest.mark.contract

SEED = 20251227
"""Fixed so a failure replays identically on every machine."""

MAX_EXAMPLES = 80
"""Fuzzed examples per operation, on top of the explicit examples and the coverage phase."""

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

PLACEHOLDER_URL = f"http://{HOST}"
"""`servers` of the document at collection; each call gets the running server's URL as its base."""

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

# Filled by the dev_server fixture, read by the hook below at draw time: path parameter -> seeded ids.
_SEEDED_IDS: dict[str, list[str]] = {}

schema = schemathesis.openapi.from_dict(
    merged_openapi(load_template(), PLACEHOLDER_URL),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


@schema.hook("flatmap_path_parameters")
def _existing_items_too(_: Any, parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    """Swap valid generated lead and template ids for seeded ones half the time.

    Random ULIDs only ever reach the 404 branch; seeded ids make reads, changes and deletes run on real
    items. Invalid ids are kept as generated: they are how the 422s get tested.
    """
    if not parameters:
        return st.just(parameters)
    for name, ids in _SEEDED_IDS.items():
        if ids and _ULID.match(str(parameters.get(name, ""))):
            seeded = st.sampled_from(list(ids)).map(lambda value, name=name: {**parameters, name: value})
            return st.one_of(st.just(parameters), seeded)
    return st.just(parameters)


@pytest.fixture(scope="module")
def token() -> str:
    """An admin dev token of the demo tenant, so every operation is allowed and has data to act on."""
    return sign_dev_token(DEMO_TENANT_ID, role="admin", sub="schemathesis")


def _words_or_a_reply(request: dict[str, Any]) -> dict[str, Any]:
    tools = {tool["function"]["name"] for tool in request.get("tools") or []}
    if "write_reply" in tools:
        written = {"answerable": True, "body": "Bien sûr, avec plaisir.", "subject": "Votre demande"}
        return tool_call("write_reply", written)
    return answer("Bien sûr, je m'en occupe.")


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeChatCompletions]:
    """A chat-completions fake that answers in words, or writes a reply when asked to (its tool offered),
    so the assistant's and the suggested replies' routes run end to end."""
    saved = {name: os.environ.get(name) for name in ("ASSISTANT_API_KEY", "ASSISTANT_BASE_URL")}
    with fake_chat_completions() as fake:
        fake.default = _words_or_a_reply
        os.environ.update({"ASSISTANT_API_KEY": "sk-contract", "ASSISTANT_BASE_URL": fake.url})
        reset_settings()
        yield fake
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    reset_settings()


@pytest.fixture(scope="module")
def dev_server(token: str, llm: FakeChatCompletions) -> Iterator[DevServer]:
    """The dev server on a free port, with its own embedded moto and the seeded demo tenant."""
    with running_dev_server(quiet=True) as server:
        headers = {"Authorization": f"Bearer {token}"}
        for name, path in (("lead_id", "/leads"), ("template_id", "/templates")):
            listed = requests.get(f"{server.url}{path}", params={"limit": "100"}, headers=headers, timeout=30)
            _SEEDED_IDS[name] = [item["id"] for item in listed.json()["items"]]
        yield server
        _SEEDED_IDS.clear()


def test_the_served_document_is_the_one_under_test(dev_server: DevServer) -> None:
    served = requests.get(f"{dev_server.url}/openapi.json", timeout=30).json()
    assert served["servers"] == [{"url": dev_server.url, "description": "local dev server"}]
    under_test = merged_openapi(load_template(), PLACEHOLDER_URL)
    assert {**served, "servers": None} == {**under_test, "servers": None}


@schema.parametrize()
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case[Any], dev_server: DevServer, token: str
) -> None:
    """No 5xx, and every status, content type and body is the one the document declares."""
    case.call_and_validate(
        base_url=dev_server.url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
