"""The OpenAPI document states the rules the models enforce: a body is valid for both, or for neither.

Each case is checked twice: against the request model (what the API does) and against the schema of
the merged document (what a client and the contract run are told). A rule only a validator knows made
schema-valid requests come back 422.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from devserver.server import apply_local_defaults, merged_openapi
from devserver.template import load_template
from maxcore.models.automation import CreateAutomationRequest
from maxcore.models.channel import UpdateChannelRequest
from maxcore.models.lead import CreateLeadRequest, UpdateLeadRequest
from maxcore.models.message import SendMessageRequest
from maxcore.models.prospection import (
    AddBlacklistRequest,
    CreateCampaignRequest,
    EnrollRequest,
    ProspectChange,
    UpdateCampaignRequest,
)
from maxcore.models.template import CreateTemplateRequest, DraftFromChatRequest, UpdateTemplateRequest
from maxcore.models.tenant import UpdateTenantRequest
from maxcore.rules.templates import content_problems

LEAD = "01JAAAAAAAAAAAAAAAAAAAAAAA"
AUTOMATION = {"name": "A", "trigger_type": "silence", "template_id": LEAD}


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    apply_local_defaults()
    return dict(merged_openapi(load_template(), "http://127.0.0.1:3000")["components"]["schemas"])


def _schema_accepts(schemas: dict[str, Any], name: str, body: dict[str, Any]) -> bool:
    root = {"components": {"schemas": schemas}, "$ref": f"#/components/schemas/{name}"}
    return bool(Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(body))


def _model_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        request = model.model_validate(body)
    except ValidationError:
        return False
    if isinstance(request, DraftFromChatRequest):
        request = request.to_create()
    if isinstance(request, CreateTemplateRequest):
        # What the service checks before saving (the same rule, with its problem codes).
        return not content_problems(request.channel, request.content())
    return True


CASES: list[tuple[type[BaseModel], dict[str, Any], bool]] = [
    # a lead needs something to know it by
    (CreateLeadRequest, {}, False),
    (CreateLeadRequest, {"email": None, "notes": "x"}, False),
    (CreateLeadRequest, {"company": "Bella"}, True),
    (CreateLeadRequest, {"email": "ana@example.fr"}, True),
    (CreateLeadRequest, {"email": "not an address"}, False),
    (CreateLeadRequest, {"company": "Bella\x00"}, False),
    # a partial change changes something, and never nulls what cannot be empty
    (UpdateLeadRequest, {}, False),
    (UpdateLeadRequest, {"status": None}, False),
    (UpdateLeadRequest, {"tags": None}, False),
    (UpdateLeadRequest, {"notes": None}, True),
    (UpdateLeadRequest, {"status": "qualified"}, True),
    (UpdateTemplateRequest, {"name": None}, False),
    (UpdateTemplateRequest, {"html": None}, True),
    (UpdateCampaignRequest, {"timezone": None}, False),
    (UpdateCampaignRequest, {"objective": None}, True),
    (UpdateChannelRequest, {"enabled": None}, False),
    (UpdateChannelRequest, {"sender": None}, True),
    (UpdateTenantRequest, {"confirm_auto_mode": False}, False),
    (UpdateTenantRequest, {"locale": None}, False),
    (UpdateTenantRequest, {"alert_thresholds": {"no_reply_days": None}}, False),
    (UpdateTenantRequest, {"alert_thresholds": {"no_reply_days": 4}}, True),
    # exactly one of two
    (SendMessageRequest, {"lead_id": LEAD}, False),
    (SendMessageRequest, {"lead_id": LEAD, "body": "Bonjour", "template_id": LEAD}, False),
    (SendMessageRequest, {"lead_id": LEAD, "body": "Bonjour", "template_id": None}, True),
    (SendMessageRequest, {"lead_id": LEAD, "template_id": LEAD}, True),
    (SendMessageRequest, {"lead_id": LEAD, "template_id": LEAD, "variables": {"1st": "x"}}, False),
    (EnrollRequest, {}, False),
    (EnrollRequest, {"lead_ids": [LEAD], "csv": "email\na@b.fr"}, False),
    (EnrollRequest, {"csv": "email\na@b.fr"}, True),
    (AddBlacklistRequest, {"reason": "asked"}, False),
    (AddBlacklistRequest, {"reason": "asked", "email": "a@b.fr", "phone": "+33612345678"}, False),
    (AddBlacklistRequest, {"reason": "asked", "email": "a@b.fr"}, True),
    # subject and HTML are for e-mail only (the service refuses them elsewhere with a 422 naming them)
    (CreateTemplateRequest, {"channel": "sms", "name": "T", "body": "B", "html": "<p>B</p>"}, False),
    (CreateTemplateRequest, {"channel": "sms", "name": "T", "body": "B", "subject": None}, True),
    (CreateTemplateRequest, {"channel": "email", "name": "T", "body": "B", "html": "<p>B</p>"}, True),
    (DraftFromChatRequest, {"channel": "whatsapp", "name": "T", "content": "B", "subject": "S"}, False),
    # each trigger with its own config, and a reply trigger is not stopped by replies
    (CreateAutomationRequest, {"name": "A", "trigger_type": "silence", "template_id": LEAD}, True),
    (CreateAutomationRequest, {**AUTOMATION, "trigger_config": {"days": 5}}, True),
    (CreateAutomationRequest, {**AUTOMATION, "trigger_config": {"hours": 5}}, False),
    (CreateAutomationRequest, {**AUTOMATION, "stop_conditions": ["opted_out", "opted_out"]}, False),
    (CreateAutomationRequest, {**AUTOMATION, "trigger_type": "inbound_intent"}, False),
    (
        CreateAutomationRequest,
        {**AUTOMATION, "trigger_type": "inbound_intent", "stop_conditions": ["opted_out"]},
        True,
    ),
    (UpdateTenantRequest, {"send_window": {"days": [1, 1], "start": "09:00", "end": "18:00"}}, False),
    # enums narrower than their type, and time zones
    (CreateCampaignRequest, {"name": "C", "scenario_id": "relance-douce", "status": "completed"}, False),
    (CreateCampaignRequest, {"name": "C", "scenario_id": "relance-douce", "status": "paused"}, True),
    (CreateCampaignRequest, {"name": "C", "scenario_id": "relance-douce", "timezone": "paris"}, False),
    (CreateCampaignRequest, {"name": "C", "scenario_id": "relance-douce", "timezone": "Europe/Paris"}, True),
    (CreateCampaignRequest, {"name": "C", "scenario_id": "relance-douce", "timezone": "Etc/GMT+5"}, True),
    (ProspectChange, {"status": "removed"}, False),
    (ProspectChange, {"status": "paused"}, True),
]


@pytest.mark.parametrize(
    ("model", "body", "valid"), CASES, ids=[f"{m.__name__}-{i}" for i, (m, _, _) in enumerate(CASES)]
)
def test_the_schema_and_the_model_agree(
    schemas: dict[str, Any], model: type[BaseModel], body: dict[str, Any], valid: bool
) -> None:
    assert _model_accepts(model, body) is valid, "the model"
    assert _schema_accepts(schemas, model.__name__, body) is valid, "the OpenAPI schema"
