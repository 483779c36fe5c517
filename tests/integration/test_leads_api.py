"""The Leads API through its Lambda handler, with API Gateway v2 events, on a real DynamoDB API."""

from __future__ import annotations

import base64

import pytest

from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

LEADS = "functions/leads/"


@pytest.fixture
def api(tenant_id: str) -> ApiClient:
    return ApiClient(LEADS, settings_only(tenant_id))


@pytest.fixture
def other_api(other_tenant_id: str) -> ApiClient:
    return ApiClient(LEADS, settings_only(other_tenant_id, "Another Shop"))


def _all_ids(api: ApiClient) -> list[str]:
    response = api.get("/leads", query={"limit": "100"})
    assert response.status == 200
    return [lead["id"] for lead in response.body["items"]]


def test_create_normalises_contacts_and_reads_back(api: ApiClient) -> None:
    # Given a lead typed the way people type
    body = {
        "first_name": "Hélène",
        "last_name": "Dupont",
        "phone": "06 12 34 56 78",
        "email": " Helene@Example.FR ",
    }
    # When it is created
    created = api.post("/leads", body)
    # Then the contacts are normalised and the lead reads back the same
    assert created.status == 201, created.body
    assert created.body["phone"] == "+33612345678"
    assert created.body["email"] == "helene@example.fr"
    assert created.body["name"] == "Hélène Dupont"
    assert created.body["status"] == "new"
    fetched = api.get(f"/leads/{created.body['id']}")
    assert fetched.status == 200
    assert fetched.body == created.body


def test_custom_fields_are_kept_replaced_as_a_whole_and_bounded(api: ApiClient) -> None:
    # Given a lead created with two fields of the tenant's own
    created = api.post(
        "/leads", {"first_name": "Inès", "custom_fields": {"Ville": "Besançon", "Secteur": "Beauté"}}
    )
    assert created.status == 201, created.body
    lead_id = created.body["id"]
    assert api.get(f"/leads/{lead_id}").body["custom_fields"] == {"Ville": "Besançon", "Secteur": "Beauté"}
    # When they are patched, then the new map replaces the old one; {} clears it
    changed = api.patch(f"/leads/{lead_id}", {"custom_fields": {"Ville": "Dijon"}})
    assert changed.status == 200, changed.body
    assert api.get(f"/leads/{lead_id}").body["custom_fields"] == {"Ville": "Dijon"}
    assert api.patch(f"/leads/{lead_id}", {"custom_fields": {}}).body["custom_fields"] == {}
    # And a name too long, a value on two lines or null is a 422 that changes nothing
    for custom_fields in ({"n" * 41: "x"}, {"Adresse": "1 rue Haute\nParis"}, None):
        refused = api.patch(f"/leads/{lead_id}", {"custom_fields": custom_fields})
        assert refused.status == 422, (custom_fields, refused.body)
    assert api.get(f"/leads/{lead_id}").body["custom_fields"] == {}


def test_duplicate_phone_is_409_naming_the_existing_lead_and_writes_nothing(api: ApiClient) -> None:
    first = api.post("/leads", {"first_name": "Ana", "phone": "+33 6 11 22 33 44"})
    assert first.status == 201
    # When another lead comes with the same number written differently
    second = api.post("/leads", {"first_name": "Bob", "phone": "0611223344", "email": "bob@example.com"})
    # Then it is refused with the existing lead's id, and Bob's e-mail guard was not written either
    assert second.status == 409
    assert second.body["error"]["code"] == "conflict"
    assert second.body["error"]["details"]["existing_lead_id"] == first.body["id"]
    assert second.body["error"]["details"]["field"] == "phone"
    assert _all_ids(api) == [first.body["id"]]
    assert api.post("/leads", {"first_name": "Bob", "email": "BOB@example.com"}).status == 201


def test_duplicate_email_is_409(api: ApiClient) -> None:
    first = api.post("/leads", {"email": "team@bella.fr"})
    again = api.post("/leads", {"company": "Bella", "email": "Team@Bella.FR"})
    assert again.status == 409
    assert again.body["error"]["details"] == {
        "field": "email",
        "value": "team@bella.fr",
        "existing_lead_id": first.body["id"],
    }


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"first_name": "A", "favourite_colour": "blue"}, "favourite_colour", "Champ non autorisé"),
        ({"first_name": "A", "phone": "12345"}, "phone", "trop peu de chiffres"),
        ({"first_name": "A", "phone": "+12"}, "phone", "n'est pas un numéro de téléphone"),
        ({"first_name": "A", "email": "not-an-email"}, "email", "n'est pas une adresse e-mail valide"),
        ({"first_name": "A", "status": "sleeping"}, "status", "Doit valoir 'new', "),
        ({"first_name": "A", "tags": ["a,b"]}, "tags.0", "Doit respecter le format"),
        ({}, "body", "un lead doit avoir un nom"),
        ({"first_name": ""}, "first_name", "Doit contenir au moins 1 caractère"),
    ],
)
def test_invalid_lead_is_422_naming_the_field_and_writes_nothing(
    api: ApiClient, body: dict[str, object], field: str, words: str
) -> None:
    response = api.post("/leads", body)
    assert response.status == 422
    error = response.body["error"]
    assert error["code"] == "validation_error"
    assert any(d["field"] == field and words in d["message"] for d in error["details"]), error
    assert _all_ids(api) == []


@pytest.mark.parametrize(
    ("phone", "reason", "words"),
    [
        # A British mobile typed nationally, read as French (the old rule stored +337911123456)
        ("07911 123456", "TOO_LONG", "lu comme un numéro national de FR"),
        # A French mobile one digit short, and a country code that does not exist
        ("+33 6 12 34 56 7", "TOO_SHORT", "trop peu de chiffres"),
        ("+999 12345678", "INVALID_COUNTRY_CODE", "indicatif de pays existant"),
        # The right length in a range France has not opened
        ("07 00 00 00 01", "INVALID_NUMBER", "n'est pas un numéro valide pour son pays"),
        ("06 12 ab 56 78", "NOT_A_NUMBER", "n'est pas un numéro de téléphone"),
    ],
)
def test_an_invalid_phone_is_422_naming_the_field_with_the_library_reason_and_writes_nothing(
    api: ApiClient, phone: str, reason: str, words: str
) -> None:
    # When a lead comes with a number that is not a real number
    response = api.post("/leads", {"first_name": "Ana", "email": "ana@example.com", "phone": phone})
    # Then it is a 422 naming phone, with the library's reason in a sentence
    assert response.status == 422, response.body
    error = response.body["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == [
        {"field": "phone", "message": error["message"], "type": "invalid_phone", "reason": reason}
    ]
    assert words in error["message"]
    # And nothing was written: no lead, and the e-mail is still free
    assert _all_ids(api) == []
    assert api.post("/leads", {"first_name": "Ana", "email": "ana@example.com"}).status == 201


def test_an_invalid_phone_in_a_patch_is_422_and_changes_nothing(api: ApiClient) -> None:
    lead = api.post("/leads", {"first_name": "Zoé", "phone": "06 12 34 56 78"}).body
    response = api.patch(f"/leads/{lead['id']}", {"phone": "07911 123456", "first_name": "Zoe"})
    assert response.status == 422, response.body
    assert response.body["error"]["details"][0]["field"] == "phone"
    assert response.body["error"]["details"][0]["reason"] == "TOO_LONG"
    assert api.get(f"/leads/{lead['id']}").body == lead
    # A valid one, typed nationally, is stored in E.164
    changed = api.patch(f"/leads/{lead['id']}", {"phone": "07 57 00 00 01"})
    assert changed.status == 200, changed.body
    assert changed.body["phone"] == "+33757000001"


def test_a_belgian_tenant_reads_national_numbers_as_belgian(tenant_id: str, api: ApiClient) -> None:
    # Given a tenant whose admin set its default country to Belgium
    provision_tenant(tenant_id, "Salon Bruxelles")
    admin = ApiClient("functions/tenants/", tenant_id, role="admin")
    assert admin.patch("/tenant", {"default_country": "BE"}).status == 200
    # When a lead is created with a Belgian mobile typed nationally
    created = api.post("/leads", {"first_name": "Lotte", "phone": "0470 12 34 56"})
    # Then it is stored as the Belgian number in E.164
    assert created.status == 201, created.body
    assert created.body["phone"] == "+32470123456"
    # And a French number must now carry its country code
    refused = api.post("/leads", {"first_name": "Hélène", "phone": "06 12 34 56 78"})
    assert refused.status == 422
    assert "lu comme un numéro national de BE" in refused.body["error"]["message"]
    french = api.post("/leads", {"first_name": "Hélène", "phone": "+33 4 70 12 34 56"})
    assert french.status == 201, french.body
    # When a member searches the Belgian number as it is typed in Belgium
    found = api.get("/leads", query={"q": "0470 12 34 56"})
    # Then it finds the Belgian lead only, not the French 04 70 12 34 56 that has the same digits
    assert found.status == 200, found.body
    assert [lead["first_name"] for lead in found.body["items"]] == ["Lotte"]
    # And the same number written in a duplicate is the same lead
    again = api.post("/leads", {"first_name": "L", "phone": "+32 470 12 34 56"})
    assert again.status == 409
    assert again.body["error"]["details"]["existing_lead_id"] == created.body["id"]


def test_search_by_a_whole_number_finds_that_number(api: ApiClient) -> None:
    # Given two leads whose numbers share every two-digit group in another order
    api.post("/leads", {"first_name": "Inès", "phone": "06 12 34 56 78"})
    api.post("/leads", {"first_name": "Paul", "phone": "06 78 56 34 12"})
    # When a member types one number as it is written in France
    found = api.get("/leads", query={"q": "06 12 34 56 78"})
    # Then only that lead comes back (the words 06, 12, 34... are in both)
    assert [lead["first_name"] for lead in found.body["items"]] == ["Inès"]


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        ('{"first_name": "A"', {}, 400, "invalid_json"),
        (b"\xff\xfe\x00garbage", {}, 400, "bad_request"),
        ('{"first_name": "' + "x" * 70_000 + '"}', {}, 413, "payload_too_large"),
        (
            "first_name=A",
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ("[1, 2, 3]", {}, 422, "validation_error"),
        ("null", {}, 422, "validation_error"),
        # 10 KB nesting 5,000 levels: refused before json.loads recurses into it (was a 500).
        ('{"first_name": ' + "[" * 5000 + "]" * 5000 + "}", {}, 400, "body_too_deep"),
        ("[" * 5000 + "]" * 5000, {"content-type": "application/json; charset=utf-8"}, 400, "body_too_deep"),
        ('{"first_name": "A", "tags": ' + "[" * 65 + "]" * 65 + "}", {}, 400, "body_too_deep"),
    ],
)
def test_unreadable_bodies_are_4xx_and_write_nothing(
    api: ApiClient, raw: str | bytes, headers: dict[str, str], status: int, code: str
) -> None:
    response = api.request("POST", "/leads", raw_body=raw, headers=headers)
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code
    assert response.body["error"]["message"]
    assert _all_ids(api) == []


def test_base64_body_is_read_like_api_gateway_sends_it(api: ApiClient) -> None:
    encoded = base64.b64encode('{"first_name": "Zoé"}'.encode()).decode()
    event_body = encoded
    # API Gateway base64-encodes some bodies; the handler must read them as the same JSON.
    from devserver.events import LocalContext, http_event

    event = http_event(
        "POST", "/leads", headers={"content-type": "application/json"}, body=event_body, claims=api.claims
    )
    event["isBase64Encoded"] = True
    result = api.handler(event, LocalContext())
    assert result["statusCode"] == 201


def test_list_pages_newest_first_without_gaps_or_repeats(api: ApiClient) -> None:
    created = [api.post("/leads", {"first_name": f"Lead {i}"}).body["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = api.get("/leads", query=query)
        assert page.status == 200
        seen += [lead["id"] for lead in page.body["items"]]
        pages += 1
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    assert pages == 3


def test_list_filters_by_status_tag_and_text(api: ApiClient) -> None:
    hot = api.post(
        "/leads",
        {"first_name": "Élodie", "last_name": "Martin", "tags": ["VIP", "beauty"], "status": "qualified"},
    )
    api.post("/leads", {"first_name": "Marc", "tags": ["beauty"], "phone": "+33757000001"})
    api.post("/leads", {"company": "TechCorp SAS", "email": "contact@techcorp.fr", "phone": "+33612000000"})

    def names(**query: str) -> list[str]:
        response = api.get("/leads", query=query)
        assert response.status == 200, response.body
        return sorted(lead["name"] for lead in response.body["items"])

    assert names(status="qualified") == ["Élodie Martin"]
    assert names(tag="vip") == ["Élodie Martin"]
    assert names(tag="beauty") == ["Marc", "Élodie Martin"]
    assert names(q="elodie") == ["Élodie Martin"]
    assert names(q="TECHCORP") == ["TechCorp SAS"]
    assert names(q="0612") == ["TechCorp SAS"]
    assert names(q="martin", status="qualified", tag="beauty") == ["Élodie Martin"]
    assert names(status="lost") == []
    assert hot.status == 201


def test_filtered_list_pages_through_more_than_one_read(api: ApiClient) -> None:
    # Given leads where only every third one matches the filter
    for i in range(12):
        api.post("/leads", {"first_name": f"N{i}", "tags": ["even"] if i % 3 == 0 else []})
    first = api.get("/leads", query={"tag": "even", "limit": "2"})
    second = api.get("/leads", query={"tag": "even", "limit": "2", "cursor": first.body["next_cursor"]})
    assert [x["first_name"] for x in first.body["items"]] == ["N9", "N6"]
    assert [x["first_name"] for x in second.body["items"]] == ["N3", "N0"]
    assert second.body["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxLCJhZnRlciI6IlRFTkFOVCNvdGhlciJ9", "!!!"])
def test_a_cursor_we_did_not_make_is_422_naming_it(api: ApiClient, cursor: str) -> None:
    # The cursor's pattern is in the OpenAPI document: anything else is an invalid query parameter.
    response = api.get("/leads", query={"cursor": cursor})
    assert response.status == 422
    assert [d["field"] for d in response.body["error"]["details"]] == ["query.cursor"]


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"status": "sleeping"}]
)
def test_bad_list_parameters_are_422(api: ApiClient, query: dict[str, str]) -> None:
    assert api.get("/leads", query=query).status == 422


def test_patch_changes_only_what_is_sent_and_moves_the_contact_guard(api: ApiClient) -> None:
    lead = api.post(
        "/leads", {"first_name": "Paul", "phone": "+33600000001", "email": "paul@example.com"}
    ).body
    response = api.patch(
        f"/leads/{lead['id']}", {"phone": "+33600000002", "email": None, "tags": ["Relance"]}
    )
    assert response.status == 200, response.body
    changed = response.body
    assert changed["phone"] == "+33600000002"
    assert changed["email"] is None
    assert changed["tags"] == ["relance"]
    assert changed["first_name"] == "Paul"
    assert changed["version"] == lead["version"] + 1
    # The old number and the cleared e-mail are free again; the new number is taken.
    assert api.post("/leads", {"phone": "+33600000001"}).status == 201
    assert api.post("/leads", {"email": "paul@example.com"}).status == 201
    assert api.post("/leads", {"phone": "+33600000002"}).status == 409


def test_a_delete_answers_204_without_any_body(api: ApiClient) -> None:
    from devserver.events import LocalContext, http_event

    # Given a lead
    lead = api.post("/leads", {"first_name": "Zoé"}).body
    # When it is deleted through the handler
    event = http_event("DELETE", f"/leads/{lead['id']}", claims=api.claims)
    result = api.handler(event, LocalContext())
    # Then the answer is a bare 204: no "null" body, no content type for a body that is not there
    assert result["statusCode"] == 204
    assert result["body"] == ""
    assert {name.lower() for name in result.get("headers") or {}}.isdisjoint(
        {"content-type", "content-length"}
    )
    assert api.get(f"/leads/{lead['id']}").status == 404


def test_patch_to_a_taken_contact_is_409_and_changes_nothing(api: ApiClient) -> None:
    ana = api.post("/leads", {"first_name": "Ana", "email": "ana@example.com"}).body
    bob = api.post("/leads", {"first_name": "Bob", "email": "bob@example.com"}).body
    response = api.patch(f"/leads/{bob['id']}", {"email": "ANA@example.com", "first_name": "Robert"})
    assert response.status == 409
    assert response.body["error"]["details"]["existing_lead_id"] == ana["id"]
    assert api.get(f"/leads/{bob['id']}").body == bob


@pytest.mark.parametrize(
    "body",
    [{}, {"status": None}, {"tags": None}, {"unknown": 1}, {"phone": "abc"}, {"consent": {"fax": True}}],
)
def test_bad_patch_is_422_and_changes_nothing(api: ApiClient, body: dict[str, object]) -> None:
    lead = api.post("/leads", {"first_name": "Zoé"}).body
    assert api.patch(f"/leads/{lead['id']}", body).status == 422
    assert api.get(f"/leads/{lead['id']}").body == lead


def test_consent_is_recorded_per_channel_with_its_reason(api: ApiClient) -> None:
    lead = api.post("/leads", {"first_name": "Léa", "consent": {"sms": False}}).body
    assert lead["consent"]["sms"]["granted"] is False
    changed = api.patch(f"/leads/{lead['id']}", {"consent": {"email": True}}).body
    assert changed["consent"]["sms"]["granted"] is False
    assert changed["consent"]["email"]["granted"] is True
    assert changed["consent"]["email"]["reason"] == "modifié par un utilisateur"
    assert changed["consent"]["sms"]["reason"] == "choisi à la création du lead"


def test_delete_removes_the_lead_and_frees_its_contacts(api: ApiClient) -> None:
    lead = api.post("/leads", {"phone": "+33600000009"}).body
    assert api.delete(f"/leads/{lead['id']}").status == 204
    assert api.get(f"/leads/{lead['id']}").status == 404
    assert api.delete(f"/leads/{lead['id']}").status == 404
    assert api.post("/leads", {"phone": "+33600000009"}).status == 201


def test_unknown_lead_is_404(api: ApiClient) -> None:
    response = api.get("/leads/01JAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status == 404
    assert response.body["error"]["code"] == "not_found"


def test_another_tenants_lead_is_invisible(api: ApiClient, other_api: ApiClient) -> None:
    # Given a lead of tenant A
    lead = api.post("/leads", {"first_name": "Secret", "phone": "+33600000077"}).body
    path = f"/leads/{lead['id']}"
    # When tenant B reads, lists, changes or deletes it, Then B sees nothing and changes nothing
    assert other_api.get(path).status == 404
    assert other_api.patch(path, {"first_name": "Hacked"}).status == 404
    assert other_api.delete(path).status == 404
    assert other_api.get("/leads").body["items"] == []
    # B may hold the same number: contacts are unique per tenant, not across tenants
    assert other_api.post("/leads", {"phone": "+33600000077"}).status == 201
    assert api.get(path).body == lead


def test_a_request_without_tenant_claims_is_401(tenant_id: str) -> None:
    anonymous = ApiClient(LEADS, None)
    assert anonymous.get("/leads").status == 401
    forged = ApiClient(LEADS, "TENANT#x")
    assert forged.get("/leads").status == 401


def test_an_unknown_route_is_a_404_envelope(api: ApiClient) -> None:
    response = api.get("/nothing-here")
    assert response.status == 404
    assert response.body["error"]["code"] == "not_found"
