"""Control characters in free text are refused with a 422 naming the field, and nothing is written.

Through the leads and templates handlers with API Gateway v2 events: the rule is one type
(`maxcore.models.common.Text` / `Line`), so these two stand for every free-text field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.tenant import Tenant
from tests.support.api import ApiClient, ApiResponse

pytestmark = pytest.mark.integration


@pytest.fixture
def leads(tenant_id: str) -> ApiClient:
    return ApiClient("functions/leads/", tenant_id)


@pytest.fixture
def templates(tenant_id: str) -> ApiClient:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", created_at=now, updated_at=now)
    )
    return ApiClient("functions/templates/", tenant_id)


def _refused(response: ApiResponse, field: str) -> dict[str, Any]:
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    details = response.body["error"]["details"]
    assert [detail["field"] for detail in details] == [field], details
    return dict(details[0])


def _ids(api: ApiClient, path: str) -> list[str]:
    listed = api.get(path, query={"limit": "100"})
    assert listed.status == 200
    return [item["id"] for item in listed.body["items"]]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("first_name", "Ana\x00", "caractère de contrôle (U+0000) à la position 3"),
        ("last_name", "Du\x1bpont", "caractère de contrôle (U+001B) à la position 2"),
        ("company", "Bella\x7f", "caractère de contrôle (U+007F) à la position 5"),
        ("company", "Bella\u0085Shop", "caractère de contrôle (U+0085) à la position 5"),
        ("first_name", "Ana\nMarie", "une seule ligne : saut de ligne (U+000A) à la position 3"),
        ("last_name", "Du\rpont", "une seule ligne : saut de ligne (U+000D) à la position 2"),
        ("notes", "Rappeler\x00 lundi", "caractère de contrôle (U+0000) à la position 8"),
        ("notes", "ligne\x0bverticale", "caractère de contrôle (U+000B) à la position 5"),
    ],
)
def test_a_lead_with_a_control_character_is_422_naming_the_field_and_not_written(
    leads: ApiClient, field: str, value: str, words: str
) -> None:
    # Given a lead otherwise valid, When a free-text field carries a control character
    response = leads.post("/leads", {"email": "ana@example.fr", field: value})
    # Then it is refused naming the field and the character, and no lead exists
    assert words in _refused(response, field)["message"]
    assert _ids(leads, "/leads") == []


def test_notes_keep_their_line_breaks_and_tabs(leads: ApiClient) -> None:
    notes = "Appelée le 2 mars.\r\n\tRappeler lundi."
    created = leads.post("/leads", {"first_name": "Ana", "notes": notes})
    assert created.status == 201, created.body
    assert created.body["notes"] == notes


def test_a_change_with_a_control_character_is_422_and_the_lead_stays_as_it_was(leads: ApiClient) -> None:
    created = leads.post("/leads", {"first_name": "Ana", "company": "Bella"})
    assert created.status == 201
    response = leads.patch(f"/leads/{created.body['id']}", {"company": "Bella\x00 Shop"})
    _refused(response, "company")
    assert leads.get(f"/leads/{created.body['id']}").body == created.body


SMS = {"channel": "sms", "name": "Relance SMS", "body": "Bonjour {{firstName|Madame}}"}
EMAIL = {"channel": "email", "name": "Relance", "subject": "Bonjour", "body": "Bonjour {{firstName|there}}"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (SMS | {"body": "Bonjour\x00 {{firstName|Madame}}"}, "body"),
        (SMS | {"body": "Bonjour \u009b{{firstName|Madame}}"}, "body"),
        (SMS | {"name": "Relance\x07"}, "name"),
        (SMS | {"name": "Relance\nSMS"}, "name"),
        (EMAIL | {"subject": "Bonjour\r\nBcc: x@example.com"}, "subject"),
    ],
)
def test_a_template_with_a_control_character_is_422_naming_the_field_and_not_written(
    templates: ApiClient, body: dict[str, Any], field: str
) -> None:
    before = _ids(templates, "/templates")
    _refused(templates.post("/templates", body), field)
    assert _ids(templates, "/templates") == before


def test_a_template_body_keeps_its_line_breaks(templates: ApiClient) -> None:
    created = templates.post("/templates", SMS | {"body": "Bonjour {{firstName|Madame}},\n\nÀ bientôt."})
    assert created.status == 201, created.body
    changed = templates.patch(f"/templates/{created.body['id']}", {"body": "Bonjour\x00"})
    _refused(changed, "body")
    assert templates.get(f"/templates/{created.body['id']}").body == created.body
