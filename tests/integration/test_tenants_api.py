"""The tenant settings API through its Lambda handler, with API Gateway v2 events, on a real DynamoDB API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from maxcore.dal import keys
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import ConflictError
from maxcore.models.tenant import Locale, Mode, Plan, UpdateTenantRequest
from maxcore.services.tenants import TenantService, provision_tenant
from tests.support.api import ApiClient

pytestmark = pytest.mark.integration

TENANTS = "functions/tenants/"


@pytest.fixture
def tenant(tenant_id: str) -> str:
    provision_tenant(tenant_id, "Institut Belle Peau", plan=Plan.PRO)
    return tenant_id


@pytest.fixture
def admin(tenant: str) -> ApiClient:
    return ApiClient(TENANTS, tenant, role="admin", sub="admin-1")


@pytest.fixture
def member(tenant: str) -> ApiClient:
    return ApiClient(TENANTS, tenant, role="member", sub="member-1")


@pytest.fixture
def english_admin(tenant_id: str) -> ApiClient:
    """An admin of a tenant that reads English: its errors read as pydantic and the code write them."""
    provision_tenant(tenant_id, "Institut Belle Peau", plan=Plan.PRO, locale=Locale.EN)
    return ApiClient(TENANTS, tenant_id, role="admin", sub="admin-1")


def _error_fields(body: dict[str, Any]) -> dict[str, str]:
    return {d["field"]: d["message"] for d in body["error"]["details"]}


def test_get_returns_the_settings_with_their_defaults(tenant: str, member: ApiClient) -> None:
    # Given a freshly provisioned tenant, When any member reads its settings
    response = member.get("/tenant")
    # Then every setting is there, with the product's defaults
    assert response.status == 200, response.body
    body = response.body
    assert body["id"] == tenant
    assert body["name"] == "Institut Belle Peau"
    assert body["plan"] == "pro"
    assert body["mode"] == "assisted"
    assert body["locale"] == "fr"
    assert body["timezone"] == "Europe/Paris"
    assert body["default_country"] == "FR"
    assert body["alert_thresholds"]["no_reply_days"] == 3
    assert body["send_window"] == {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
    assert body["marketing_hours"] == {"start": "08:00", "end": "20:00"}
    assert body["business_profile"] == {
        "offer": None,
        "audience": None,
        "value": None,
        "tone": None,
        "signature": None,
        "website": None,
    }
    assert body["auto_mode_confirmed_at"] is None
    assert body["version"] == 1
    assert set(body) == {
        "id",
        "name",
        "plan",
        "mode",
        "locale",
        "timezone",
        "default_country",
        "alert_thresholds",
        "marketing_hours",
        "business_profile",
        "send_window",
        "auto_mode_confirmed_at",
        "auto_mode_confirmed_by",
        "created_at",
        "updated_at",
        "version",
    }


def test_admin_patch_changes_only_what_is_sent(admin: ApiClient) -> None:
    before = admin.get("/tenant").body
    # When an admin changes some settings and two thresholds
    response = admin.patch(
        "/tenant",
        {
            "name": "  Belle Peau Paris ",
            "locale": "en",
            "timezone": "America/Montreal",
            "mode": "advise",
            "alert_thresholds": {"no_reply_days": 5, "hot_lead_hours": 48},
            "send_window": {"days": [5, 0, 2], "start": "08:30", "end": "12:00"},
        },
    )
    # Then those change, the other thresholds stay, the version moves on and it reads back the same
    assert response.status == 200, response.body
    after = response.body
    assert after["name"] == "Belle Peau Paris"
    assert after["locale"] == "en"
    assert after["timezone"] == "America/Montreal"
    assert after["mode"] == "advise"
    assert after["alert_thresholds"] == {
        **before["alert_thresholds"],
        "no_reply_days": 5,
        "hot_lead_hours": 48,
    }
    assert after["send_window"] == {"days": [0, 2, 5], "start": "08:30", "end": "12:00"}
    assert after["plan"] == before["plan"]
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]
    assert after["version"] == before["version"] + 1
    assert admin.get("/tenant").body == after


def test_admin_sets_the_default_country_and_it_reads_back(admin: ApiClient, member: ApiClient) -> None:
    # When an admin of a Belgian business sets its default country
    response = admin.patch("/tenant", {"default_country": "BE"})
    # Then it is stored and every member reads it
    assert response.status == 200, response.body
    assert response.body["default_country"] == "BE"
    assert member.get("/tenant").body["default_country"] == "BE"


def test_a_profile_stored_before_default_country_existed_reads_as_france(
    tenant: str, member: ApiClient, aws_endpoint: str, tables: dict[str, str]
) -> None:
    # Given a profile written by an older version: no default_country, the old unused country_code
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="eu-west-3")
    client.update_item(
        TableName=tables["MaxTable"],
        Key={"PK": {"S": keys.tenant_pk(tenant)}, "SK": {"S": keys.TENANT_PROFILE_SK}},
        UpdateExpression="REMOVE default_country SET country_code = :code",
        ExpressionAttributeValues={":code": {"S": "33"}},
    )
    # When it is read, Then national numbers are read as French
    assert member.get("/tenant").body["default_country"] == "FR"


def test_member_cannot_patch(admin: ApiClient, member: ApiClient) -> None:
    before = admin.get("/tenant").body
    response = member.patch("/tenant", {"name": "Taken over"})
    assert response.status == 403
    assert response.body["error"]["code"] == "forbidden"
    assert response.body["error"]["details"] == {"role": "member"}
    assert admin.get("/tenant").body == before


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "unknown timezone"),
        ({"timezone": "europe/paris"}, "timezone", "IANA"),
        ({"timezone": ""}, "timezone", "at least 1"),
        ({"locale": "de"}, "locale", "'fr' or 'en'"),
        ({"mode": "yolo"}, "mode", "'advise', 'assisted' or 'auto'"),
        ({"mode": None}, "mode", "cannot be null"),
        ({"name": ""}, "name", "at least 1"),
        ({"alert_thresholds": {"no_reply_days": 0}}, "alert_thresholds.no_reply_days", "greater than"),
        ({"alert_thresholds": {"hot_lead_hours": 500}}, "alert_thresholds.hot_lead_hours", "less than"),
        ({"alert_thresholds": {"no_reply_days": None}}, "alert_thresholds.no_reply_days", "cannot be null"),
        ({"alert_thresholds": {"snooze_days": 3}}, "alert_thresholds.snooze_days", "Extra inputs"),
        (
            {"send_window": {"days": [0], "start": "18:00", "end": "09:00"}},
            "send_window",
            "start (18:00) must be before end (09:00)",
        ),
        (
            {"send_window": {"days": [0], "start": "09:00", "end": "09:00"}},
            "send_window",
            "must be before",
        ),
        ({"send_window": {"days": [1, 1], "start": "09:00", "end": "10:00"}}, "send_window.days", "repeat"),
        ({"send_window": {"days": [7], "start": "09:00", "end": "10:00"}}, "send_window.days.0", "less than"),
        ({"send_window": {"days": [], "start": "09:00", "end": "10:00"}}, "send_window.days", "at least 1"),
        ({"send_window": {"days": [0], "start": "9h", "end": "10:00"}}, "send_window.start", "pattern"),
        ({"send_window": {"start": "10:00"}}, "send_window.days", "Field required"),
        ({"default_country": "XX"}, "default_country", "ISO 3166 alpha-2"),
        ({"default_country": "UK"}, "default_country", "ISO 3166 alpha-2"),
        ({"default_country": "be"}, "default_country", "pattern"),
        ({"default_country": "FRA"}, "default_country", "pattern"),
        ({"default_country": None}, "default_country", "cannot be null"),
        ({"plan": "studio"}, "plan", "plan cannot be changed here"),
        ({"name": "X", "plan": "standard"}, "plan", "plan cannot be changed here"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs"),
        ({"id": "other-tenant"}, "id", "Extra inputs"),
        ({}, "body", "nothing to change"),
        ({"mode": "assisted", "confirm_auto_mode": True}, "confirm_auto_mode", 'goes with "mode": "auto"'),
    ],
)
def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(
    english_admin: ApiClient, body: dict[str, Any], field: str, words: str
) -> None:
    before = english_admin.get("/tenant").body
    response = english_admin.patch("/tenant", body)
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    fields = _error_fields(response.body)
    assert field in fields, fields
    assert words in fields[field], fields
    assert english_admin.get("/tenant").body == before


@pytest.mark.parametrize(
    ("raw", "headers", "status"),
    [('{"name": "A"', {}, 400), ("name=A", {"content-type": "application/x-www-form-urlencoded"}, 415)],
)
def test_unreadable_patch_is_4xx_and_changes_nothing(
    admin: ApiClient, raw: str, headers: dict[str, str], status: int
) -> None:
    before = admin.get("/tenant").body
    assert admin.request("PATCH", "/tenant", raw_body=raw, headers=headers).status == status
    assert admin.get("/tenant").body == before


def test_first_switch_to_auto_without_confirmation_is_422_and_the_mode_stays(admin: ApiClient) -> None:
    before = admin.get("/tenant").body
    # When an admin asks for auto mode for the first time without confirming
    response = admin.patch("/tenant", {"mode": "auto", "name": "Not saved either"})
    # Then it is refused, saying what auto does, and nothing changed
    assert response.status == 422, response.body
    error = response.body["error"]
    assert error["code"] == "validation_error"
    assert "sans demander de validation à personne" in error["message"]
    assert error["details"][0]["field"] == "confirm_auto_mode"
    assert error["details"][0]["type"] == "confirmation_required"
    assert admin.get("/tenant").body == before


def test_confirmed_switch_to_auto_records_when_and_who(admin: ApiClient) -> None:
    # When an admin switches to auto and confirms it
    response = admin.patch("/tenant", {"mode": "auto", "confirm_auto_mode": True})
    # Then the tenant is in auto mode, with the time and the user of the confirmation
    assert response.status == 200, response.body
    assert response.body["mode"] == "auto"
    confirmed_at = response.body["auto_mode_confirmed_at"]
    assert confirmed_at is not None
    assert datetime.fromisoformat(confirmed_at) <= datetime.now(UTC)
    assert response.body["auto_mode_confirmed_by"] == "admin-1"
    # And later switches back to auto need no new confirmation and keep the first one
    assert admin.patch("/tenant", {"mode": "assisted"}).body["mode"] == "assisted"
    again = admin.patch("/tenant", {"mode": "auto"})
    assert again.status == 200, again.body
    assert again.body["mode"] == "auto"
    assert again.body["auto_mode_confirmed_at"] == confirmed_at
    assert again.body["auto_mode_confirmed_by"] == "admin-1"


def test_another_tenants_patch_never_touches_this_tenant(admin: ApiClient, other_tenant_id: str) -> None:
    # Given tenants A (admin) and B, both provisioned
    provision_tenant(other_tenant_id, "Autre Institut")
    other = ApiClient(TENANTS, other_tenant_id, role="admin", sub="admin-b")
    before = admin.get("/tenant").body
    # When B's admin changes B's settings, even naming A in the body or the query
    assert other.patch("/tenant", {"name": "B renamed", "mode": "advise"}).status == 200
    assert other.patch("/tenant", {"id": before["id"], "name": "A hijacked"}).status == 422
    assert other.get("/tenant", query={"tenant_id": before["id"]}).body["id"] == other_tenant_id
    # Then A is untouched and B sees only B
    assert admin.get("/tenant").body == before
    assert other.get("/tenant").body["name"] == "B renamed"


def test_unprovisioned_tenant_is_404(tenant_id: str) -> None:
    # Given a valid token for a tenant nobody provisioned
    ghost = ApiClient(TENANTS, tenant_id, role="admin")
    # When it reads or changes its settings, Then both are a 404 and nothing is created
    for response in (ghost.get("/tenant"), ghost.patch("/tenant", {"name": "Ghost"})):
        assert response.status == 404, response.body
        assert response.body["error"]["code"] == "not_found"
    assert ghost.get("/tenant").status == 404


def test_a_request_without_tenant_claims_is_401() -> None:
    assert ApiClient(TENANTS, None).get("/tenant").status == 401


def test_ap6_tenant_profile_update_is_conditional_on_version(tenant: str) -> None:
    # Given a change that reads the settings, and another writer that gets in before it writes
    def clock_with_a_concurrent_write() -> datetime:
        TenantService(tenant).update(UpdateTenantRequest(name="Written first"), actor="someone-else")
        return datetime.now(UTC)

    service = TenantService(tenant, clock=clock_with_a_concurrent_write)
    # When the first change writes, Then it is a 409 and the other writer's change stands
    with pytest.raises(ConflictError) as conflict:
        service.update(UpdateTenantRequest(name="Written second", mode=Mode.ADVISE), actor="admin-1")
    assert conflict.value.status == 409
    stored = TenantProfileRepository(tenant).get()
    assert stored.name == "Written first"
    assert stored.mode is Mode.ASSISTED
    assert stored.version == 2


def test_ap6_update_never_writes_the_plan(tenant: str) -> None:
    repository = TenantProfileRepository(tenant)
    before = repository.get()
    after = repository.update(before, before.model_copy(update={"plan": Plan.STUDIO, "name": "Renamed"}))
    assert after.plan is Plan.PRO
    assert after.name == "Renamed"
    assert repository.get() == after


def test_the_business_profile_is_replaced_whole_and_checked(admin: ApiClient) -> None:
    profile = {
        "offer": "Soins du visage et épilation laser",
        "audience": "Femmes actives de 25 à 55 ans à Lyon",
        "value": "Des résultats visibles dès la première séance",
        "tone": "chaleureux, vouvoiement",
        "signature": "Camille Martin\nInstitut Belle Peau",
        "website": "https://belle-peau.example",
    }
    first = admin.patch("/tenant", {"business_profile": profile})
    assert first.status == 200, first.body
    assert first.body["business_profile"] == profile

    second = admin.patch("/tenant", {"business_profile": {"offer": "  Épilation laser  "}})
    assert second.status == 200, second.body
    assert second.body["business_profile"]["offer"] == "Épilation laser"
    assert second.body["business_profile"]["signature"] is None

    for bad in ({"website": "javascript:alert(1)"}, {"tone": "a\nb"}, {"slogan": "x"}, {"offer": "x" * 1001}):
        refused = admin.patch("/tenant", {"business_profile": bad})
        assert refused.status == 422, (bad, refused.body)
    assert admin.get("/tenant").body["business_profile"]["offer"] == "Épilation laser"
