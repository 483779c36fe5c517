"""Errors speak the tenant's language: the ``message`` follows its locale, the ``code`` never changes."""

from __future__ import annotations

from typing import Any

import pytest

from maxcore.ids import new_id
from maxcore.models.tenant import Locale
from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient

pytestmark = pytest.mark.integration

LEADS = "functions/leads/"


def _leads(tenant_id: str, locale: Locale) -> ApiClient:
    provision_tenant(tenant_id, "Institut Belle Peau", locale=locale)
    return ApiClient(LEADS, tenant_id)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status, response.body
    return dict(response.body["error"])


@pytest.mark.parametrize(
    ("locale", "message", "detail"),
    [
        (Locale.FR, "des champs manquent ou ne sont pas valides", "Champ non autorisé"),
        (Locale.EN, "some fields are missing or invalid", "Extra inputs are not permitted"),
    ],
)
def test_a_422_reads_in_the_tenants_language_with_its_field_and_type_unchanged(
    tenant_id: str, locale: Locale, message: str, detail: str
) -> None:
    # Given a tenant reading French or English
    api = _leads(tenant_id, locale)
    # When a lead comes with a field the API does not know
    error = _error(api.post("/leads", {"first_name": "Ana", "favourite_colour": "bleu"}), 422)
    # Then the message and the detail's message are in its language, the rest as always
    assert error == {
        "code": "validation_error",
        "message": message,
        "details": [{"field": "favourite_colour", "message": detail, "type": "extra_forbidden"}],
    }


@pytest.mark.parametrize(
    ("locale", "message"),
    [(Locale.FR, "lead {} introuvable"), (Locale.EN, "lead {} not found")],
)
def test_a_404_reads_in_the_tenants_language(tenant_id: str, locale: Locale, message: str) -> None:
    api = _leads(tenant_id, locale)
    missing = new_id()
    error = _error(api.get(f"/leads/{missing}"), 404)
    assert (error["code"], error["message"]) == ("not_found", message.format(missing))
    assert error["details"] == {"lead_id": missing}


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        (Locale.FR, "un autre lead de ce compte a déjà la même valeur pour email"),
        (Locale.EN, "another lead of this account already has this email"),
    ],
)
def test_a_409_reads_in_the_tenants_language(tenant_id: str, locale: Locale, message: str) -> None:
    # Given a lead with an e-mail address
    api = _leads(tenant_id, locale)
    assert api.post("/leads", {"email": "team@bella.fr"}).status == 201
    # When another lead comes with the same address
    error = _error(api.post("/leads", {"company": "Bella", "email": "Team@Bella.FR"}), 409)
    # Then the conflict says so in the tenant's language, its code unchanged
    assert (error["code"], error["message"]) == ("conflict", message)


def test_a_value_error_of_a_validator_reads_in_french(tenant_id: str) -> None:
    api = _leads(tenant_id, Locale.FR)
    error = _error(api.post("/leads", {}), 422)
    [detail] = error["details"]
    assert detail["message"] == (
        "un lead doit avoir un nom, une société, un téléphone, un e-mail ou un identifiant de "
        "conversation Telegram"
    )
    assert detail["type"] == "value_error"


def test_a_tenant_never_provisioned_reads_french(tenant_id: str) -> None:
    # Given a valid token for a tenant nobody provisioned, When it reads its settings
    error = _error(ApiClient("functions/tenants/", tenant_id).get("/tenant"), 404)
    # Then the 404 is in French, the product's default
    assert error["code"] == "not_found"
    assert error["message"] == (
        f"le compte {tenant_id} n'est pas encore créé : créez-le avant d'agir pour lui"
    )


def test_a_request_without_a_tenant_reads_french() -> None:
    error = _error(ApiClient(LEADS, None).get("/leads"), 401)
    assert (error["code"], error["message"]) == ("unauthorized", "le jeton ne désigne aucun compte valide")


def test_a_body_refused_before_the_resolver_reads_in_the_tenants_language(tenant_id: str) -> None:
    # Given an English tenant, When its body is not UTF-8 (refused before any route runs)
    api = _leads(tenant_id, Locale.EN)
    error = _error(api.request("POST", "/leads", raw_body=b"\xff\xfe"), 400)
    # Then the message is the English one, and French for a French tenant
    assert (error["code"], error["message"]) == ("bad_request", "the body is not UTF-8 text")
    french = _error(_leads(f"{tenant_id}-fr", Locale.FR).request("POST", "/leads", raw_body=b"\xff"), 400)
    assert french["message"] == "le corps de la requête n'est pas un texte UTF-8"
