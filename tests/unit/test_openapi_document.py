"""The merged OpenAPI document is one a front end can generate a client from, and docs/openapi.json is it."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from devserver.server import (
    _check_operation_id,
    _one_nullable_type,
    apply_local_defaults,
    openapi_json,
)
from devserver.template import load_template

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def exported() -> str:
    apply_local_defaults()
    return openapi_json(load_template())


@pytest.fixture(scope="module")
def document(exported: str) -> dict[str, Any]:
    return dict(json.loads(exported))


def test_docs_openapi_json_is_the_current_document(exported: str) -> None:
    # Given the document the code describes today, When compared with the checked-in file
    checked_in = CHECKED_IN.read_text(encoding="utf-8") if CHECKED_IN.exists() else ""
    # Then they are the same, or the failure says how to regenerate it
    if checked_in != exported:
        diff = "".join(
            list(
                difflib.unified_diff(
                    checked_in.splitlines(keepends=True),
                    exported.splitlines(keepends=True),
                    "docs/openapi.json",
                    "generated",
                )
            )[:60]
        )
        pytest.fail(f"docs/openapi.json is stale: run `make openapi` and commit it.\n{diff}")


def test_the_export_has_sorted_keys_and_a_final_newline(exported: str, document: dict[str, Any]) -> None:
    assert exported.endswith("}\n")
    assert list(document) == sorted(document)
    assert list(document["paths"]) == sorted(document["paths"])


def test_every_operation_has_an_explicit_camel_case_id(document: dict[str, Any]) -> None:
    ids = {
        (method.upper(), path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert len(set(ids.values())) == len(ids)
    assert all("_" not in operation_id for operation_id in ids.values())
    assert ids[("GET", "/leads")] == "listLeads"
    assert ids[("POST", "/leads")] == "createLead"
    assert ids[("GET", "/leads/{lead_id}")] == "getLead"
    assert ids[("PATCH", "/leads/{lead_id}")] == "updateLead"
    assert ids[("DELETE", "/leads/{lead_id}")] == "deleteLead"
    assert ids[("POST", "/campaigns")] == "createCampaign"


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        ({}, "needs an explicit camelCase operation_id"),
        ({"operationId": "list_leads_leads_get"}, "needs an explicit camelCase operation_id"),
        ({"operationId": "leads"}, "needs an explicit camelCase operation_id"),
        ({"operationId": "listLeads"}, "share the operation id 'listLeads'"),
    ],
)
def test_the_merge_refuses_a_missing_generated_or_duplicate_operation_id(
    operation: dict[str, Any], error: str
) -> None:
    seen = {"listLeads": "GET /leads"}
    with pytest.raises(ValueError, match=error):
        _check_operation_id(operation, "GET /other", seen)


def test_the_description_says_how_to_get_a_token(document: dict[str, Any]) -> None:
    description = document["info"]["description"]
    assert "python -m devserver token" in description
    for word in ("JwtIssuer", "JwtAudience", "tenant_id", "role", "Authorization: Bearer"):
        assert word in description


def test_every_schema_is_valid_json_schema_2020_12(document: dict[str, Any]) -> None:
    # OpenAPI 3.1 schemas are JSON Schema 2020-12: a type array must be one a validator accepts.
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


class _Kind(BaseModel):
    value: str


class _Sample(BaseModel):
    name: Annotated[str | None, Field(max_length=10)] = None
    count: int | None = None
    kind: _Kind | None = None
    mode: Annotated[str | None, Field(json_schema_extra={"enum": ["a", "b"]})] = None
    either: str | int = 0


def test_optional_fields_become_one_nullable_type() -> None:
    # Given pydantic's schema of optional fields (anyOf: [X, {type: null}])
    schema = _one_nullable_type(_Sample.model_json_schema(ref_template="#/components/schemas/{model}"))
    properties = schema["properties"]
    # Then a plain type folds into a type array, keeping its constraints
    assert properties["name"] == {
        "type": ["string", "null"],
        "maxLength": 10,
        "title": "Name",
        "default": None,
    }
    assert properties["count"]["type"] == ["integer", "null"]
    assert "anyOf" not in properties["name"]
    # And a reference stays the 3.1 spelling of a nullable reference
    assert properties["kind"]["anyOf"] == [{"$ref": "#/components/schemas/_Kind"}, {"type": "null"}]
    # And an enum admits null, else the type array would be a lie
    assert properties["mode"]["enum"] == ["a", "b", None]
    # And a real union is left alone
    assert properties["either"]["anyOf"] == [{"type": "string"}, {"type": "integer"}]
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"name": None, "mode": None})
    assert not validator.is_valid({"name": "x" * 11})


def test_an_optional_query_parameter_has_no_null() -> None:
    parameter = {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}], "title": "Cursor"},
    }
    assert _one_nullable_type(parameter)["schema"] == {"type": "string", "maxLength": 200, "title": "Cursor"}


def test_the_document_has_no_optional_field_left_in_the_anyof_form(document: dict[str, Any]) -> None:
    leftovers: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            branches = node.get("anyOf")
            if isinstance(branches, list) and {"type": "null"} in branches:
                other = [branch for branch in branches if branch != {"type": "null"}]
                if len(other) == 1 and "$ref" not in other[0] and "anyOf" not in other[0]:
                    leftovers.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert leftovers == []


def test_the_leads_summary_shows_none_of_the_inboxs_internals(document: dict[str, Any]) -> None:
    # Given the schema of a lead as GET /leads and GET /leads/{id} return it
    schemas = document["components"]["schemas"]
    summary_ref = schemas["LeadResponse"]["properties"]["summary"]["$ref"]
    summary = schemas[summary_ref.rsplit("/", 1)[-1]]

    # Then its summary has the rules' facts, without the inbox's search words nor its state
    assert "last_inbound_at" in summary["properties"]
    assert not {"recent_text", "conversation", "counted", "routed_inbound_at"} & set(summary["properties"])
