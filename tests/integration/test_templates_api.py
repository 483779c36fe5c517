"""The Templates API through its Lambda handler, with API Gateway v2 events, on a real DynamoDB API."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from maxcore.dal.templates import TemplateRepository, VersionWrite
from maxcore.errors import ConflictError
from maxcore.library import templates as library
from maxcore.models.tenant import Mode, UpdateTenantRequest
from maxcore.services.templates import release_pairs
from maxcore.services.tenants import TenantService, provision_tenant
from tests.support.api import ApiClient, ApiResponse
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

TEMPLATES = "functions/templates/"
LEADS = "functions/leads/"
BUILTINS = len(library.TEMPLATES)

SMS = {"channel": "sms", "name": "Relance SMS", "body": "Bonjour {{firstName|Madame}}, {{companyName}}"}
EMAIL = {
    "channel": "email",
    "name": "Confirmation",
    "category": "appointment_confirmation",
    "subject": "{{firstName|Bonjour}}, votre rendez-vous du {{appointmentDate}}",
    "body": "Bonjour {{firstName|there}}, rendez-vous le {{appointmentDate}} chez {{companyName}}.",
    "html": '<p>Bonjour {{firstName|there}}</p><p><a href="{{calendarLink}}">Agenda</a></p>',
    "variables": ["appointmentDate", "calendarLink"],
}


@pytest.fixture
def tenant(tenant_id: str) -> str:
    # Settings without the built-in library (as a tenant made before it existed); the library
    # tests provision for real.
    return settings_only(tenant_id, "Institut Belle Peau")


@pytest.fixture
def api(tenant: str) -> ApiClient:
    return ApiClient(TEMPLATES, tenant)


@pytest.fixture
def other_api(other_tenant_id: str) -> ApiClient:
    return ApiClient(TEMPLATES, settings_only(other_tenant_id, "Another Shop"))


@pytest.fixture
def provisioned(tenant_id: str) -> str:
    """A tenant provisioned the way a new customer is: settings, budget, built-in library."""
    provision_tenant(tenant_id, "Institut Belle Peau")
    return tenant_id


@pytest.fixture
def library_api(provisioned: str) -> ApiClient:
    return ApiClient(TEMPLATES, provisioned)


def _create(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/templates", body)
    assert response.status == 201, response.body
    return dict(response.body)


def _activate(api: ApiClient, template_id: str) -> dict[str, Any]:
    response = api.post(f"/templates/{template_id}/activate")
    assert response.status == 200, response.body
    return dict(response.body)


def _pages(api: ApiClient, limit: int, **query: str) -> list[list[dict[str, Any]]]:
    """Every page of ``GET /templates`` with these filters, following the cursor."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        page = api.get(
            "/templates", query={**query, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200, page.body
        pages.append(page.body["items"])
        cursor = page.body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not advance"


def _listed(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    return [item for page in _pages(api, 100, **query) for item in page]


def _ids(api: ApiClient, **query: str) -> set[str]:
    return {item["id"] for item in _listed(api, **query)}


def _problems(response: ApiResponse) -> list[dict[str, Any]]:
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    return list(response.body["error"]["details"]["problems"])


def _problem_codes(response: ApiResponse) -> list[str]:
    return [p["code"] for p in _problems(response)]


# --- create and read ----------------------------------------------------------------------------
def test_create_is_a_user_draft_with_its_placeholders_and_reads_back(api: ApiClient) -> None:
    # Given an SMS with a fallback and the tenant's company name
    created = api.post("/templates", SMS)
    # Then it is a draft written by a user, in the tenant's language, that would activate as it is
    assert created.status == 201, created.body
    body = created.body
    assert body["status"] == "draft"
    assert body["generated_by"] == "user"
    assert body["builtin"] is False
    assert body["locale"] == "fr"
    assert body["category"] == "custom"
    assert (body["version"], body["latest_version"], body["draft_version"]) == (1, 1, None)
    assert body["placeholders"] == ["firstName", "companyName"]
    assert body["created_by"] == "user-1"
    assert body["validated_by"] is None
    assert body["readiness"]["ready"] is True
    assert body["readiness"]["sms"]["encoding"] == "GSM-7"
    assert body["readiness"]["sms"]["segments"] == 1
    fetched = api.get(f"/templates/{body['id']}")
    assert fetched.status == 200
    assert fetched.body == body


def test_an_unknown_id_is_404(api: ApiClient) -> None:
    response = api.get("/templates/01J00000000000000000000000")
    assert response.status == 404
    assert response.body["error"]["code"] == "not_found"


# --- list: filters and pages --------------------------------------------------------------------
def test_list_filters_by_channel_status_category_generated_by_and_locale(api: ApiClient) -> None:
    sms_en = _create(api, SMS | {"locale": "en"})
    email = _create(api, EMAIL)
    active_sms = _create(api, SMS | {"category": "follow_up"})
    _activate(api, active_sms["id"])
    chat = api.post(
        "/templates/draft-from-chat",
        {"channel": "whatsapp", "name": "Merci", "content": "Merci {{firstName}} !", "generatedBy": "max"},
    )
    assert chat.status == 201, chat.body
    by_max = chat.body["template_id"]

    def ids(**query: str) -> set[str]:
        return _ids(api, **query)

    assert ids() == {sms_en["id"], email["id"], active_sms["id"], by_max}
    assert ids(channel="sms") == {sms_en["id"], active_sms["id"]}
    assert ids(channel="sms", status="draft") == {sms_en["id"]}
    assert ids(status="active") == {active_sms["id"]}
    assert ids(status="draft") == {sms_en["id"], email["id"], by_max}
    assert ids(status="archived") == set()
    assert ids(generated_by="max") == {by_max}
    assert ids(generated_by="max", status="draft") == {by_max}
    assert ids(generated_by="user", status="draft") == {sms_en["id"], email["id"]}
    assert ids(category="appointment_confirmation") == {email["id"]}
    assert ids(category="follow_up", channel="sms", status="active") == {active_sms["id"]}
    assert ids(locale="en") == {sms_en["id"]}
    assert ids(locale="fr", channel="whatsapp") == {by_max}
    assert ids(channel="telegram") == set()


@pytest.mark.parametrize(
    "query",
    [{"channel": "fax"}, {"status": "sleeping"}, {"generated_by": "robot"}, {"locale": "de"}, {"limit": "0"}],
)
def test_bad_list_parameters_are_422(api: ApiClient, query: dict[str, str]) -> None:
    response = api.get("/templates", query=query)
    assert response.status == 422
    assert response.body["error"]["code"] == "validation_error"


def test_list_pages_newest_first_without_gaps_or_repeats(api: ApiClient) -> None:
    created = {_create(api, SMS | {"name": f"T{i}"})["id"] for i in range(10)}
    # When the list is read 4 at a time
    pages = _pages(api, 4)
    seen = [item["id"] for page in pages for item in page]
    # Then every template comes once, newest (greatest ULID) first, in full pages but the last
    assert [len(page) for page in pages] == [4, 4, 2]
    assert len(seen) == len(set(seen))
    assert set(seen) == created
    assert seen == sorted(seen, reverse=True)


def test_a_page_exactly_full_has_no_next_cursor(api: ApiClient) -> None:
    for i in range(3):
        _create(api, SMS | {"name": f"T{i}"})
    assert [len(page) for page in _pages(api, 3)] == [3]
    assert [len(page) for page in _pages(api, 1)] == [1, 1, 1]


def test_a_filtered_list_pages_through_the_matches_only(library_api: ApiClient) -> None:
    # Given the built-in library (all active) and one draft among them
    draft = _create(library_api, SMS)
    # When the active ones are read 5 at a time
    pages = _pages(library_api, 5, status="active")
    seen = [item["id"] for page in pages for item in page]
    # Then each comes once, and the draft never
    assert len(seen) == len(set(seen)) == BUILTINS
    assert draft["id"] not in seen
    assert all(item["status"] == "active" for page in pages for item in page)
    full, rest = divmod(BUILTINS, 5)
    assert [len(page) for page in pages] == [5] * full + ([rest] if rest else [])
    english_sms = _listed(library_api, channel="sms", locale="en", status="active")
    expected = sum(1 for t in library.TEMPLATES if t.channel == "sms" and t.locale == "en")
    assert len(english_sms) == expected > 0
    assert all((t["channel"], t["locale"], t["builtin"]) == ("sms", "en", True) for t in english_sms)


def test_a_cursor_we_did_not_make_is_422(api: ApiClient) -> None:
    response = api.get("/templates", query={"cursor": "garbage"})
    assert response.status == 422
    assert [d["field"] for d in response.body["error"]["details"]] == ["query.cursor"]


# --- variables ----------------------------------------------------------------------------------
def test_lead_tenant_and_declared_variables_are_accepted(api: ApiClient) -> None:
    body = (
        "{{firstName}} {{lastName}} {{fullName}} {{company}} {{email}} {{phone}} {{companyName}} "
        "{{promoCode|BIENVENUE}}"
    )
    created = _create(api, {"channel": "telegram", "name": "All", "body": body, "variables": ["promoCode"]})
    assert created["variables"] == ["promoCode"]
    assert created["placeholders"] == [
        "firstName",
        "lastName",
        "fullName",
        "company",
        "email",
        "phone",
        "companyName",
        "promoCode",
    ]


def test_an_unknown_variable_is_422_naming_it_and_writes_nothing(api: ApiClient) -> None:
    before = _ids(api)
    response = api.post("/templates", SMS | {"body": "Bonjour {{firstName}}, code {{promoCode|X}}"})
    problems = _problems(response)
    assert [(p["code"], p["field"], p["details"]["variable"]) for p in problems] == [
        ("unknown_variable", "body", "promoCode")
    ]
    assert "promoCode" in response.body["error"]["message"]
    assert _ids(api) == before


def test_a_malformed_placeholder_is_422_naming_the_fragment(api: ApiClient) -> None:
    before = _ids(api)
    problems = _problems(api.post("/templates", SMS | {"body": "Bonjour {{first name}}"}))
    assert [(p["code"], p["details"]["fragment"]) for p in problems] == [
        ("malformed_placeholder", "{{first name}}")
    ]
    assert _ids(api) == before


# --- lifecycle: SMS, WhatsApp, e-mail -----------------------------------------------------------
def test_an_sms_of_11_segments_is_saved_but_not_activated(api: ApiClient) -> None:
    # Given a draft of 1531 GSM-7 characters: 11 segments
    draft = _create(api, SMS | {"body": "a" * 1531})
    assert draft["readiness"]["ready"] is False
    assert draft["readiness"]["sms"] == {
        "encoding": "GSM-7",
        "units": 1531,
        "segments": 11,
        "per_segment": 153,
        "non_gsm_characters": [],
    }
    # When a user activates it
    response = api.post(f"/templates/{draft['id']}/activate")
    # Then it is refused with the segment count, and it stays a draft
    problems = _problems(response)
    assert [(p["code"], p["details"]["segments"], p["details"]["limit"]) for p in problems] == [
        ("too_many_segments", 11, 10)
    ]
    assert api.get(f"/templates/{draft['id']}").body == draft
    # And once shortened to 10 segments it activates
    shorter = api.patch(f"/templates/{draft['id']}", {"body": "a" * 1530})
    assert shorter.status == 200, shorter.body
    assert shorter.body["readiness"]["sms"]["segments"] == 10
    active = _activate(api, draft["id"])
    assert active["status"] == "active"
    assert active["validated_by"] == "user-1"
    assert active["body"] == "a" * 1530


def test_an_sms_with_a_non_gsm_character_is_ucs2(api: ApiClient) -> None:
    created = _create(api, SMS | {"body": "Bonjour, ça vous dit ? " + "a" * 50})
    sms = created["readiness"]["sms"]
    assert (sms["encoding"], sms["units"], sms["segments"], sms["per_segment"]) == ("UCS-2", 73, 2, 67)
    assert sms["non_gsm_characters"] == ["ç"]


def test_a_whatsapp_body_over_1024_characters_is_saved_but_not_activated(api: ApiClient) -> None:
    draft = _create(api, {"channel": "whatsapp", "name": "Long", "body": "a" * 1025})
    problems = _problems(api.post(f"/templates/{draft['id']}/activate"))
    assert [(p["code"], p["details"]["length"], p["details"]["limit"]) for p in problems] == [
        ("too_long", 1025, 1024)
    ]
    assert api.get(f"/templates/{draft['id']}").body["status"] == "draft"
    assert api.patch(f"/templates/{draft['id']}", {"body": "a" * 1024}).status == 200
    assert _activate(api, draft["id"])["status"] == "active"


def test_an_email_needs_a_subject_to_activate(api: ApiClient) -> None:
    # Given an e-mail draft without a subject: it can be saved
    draft = _create(api, {k: v for k, v in EMAIL.items() if k != "subject"})
    assert draft["subject"] is None
    assert [p["code"] for p in draft["readiness"]["problems"]] == ["subject_required"]
    # When it is activated, Then it is refused naming the subject, and it stays a draft
    problems = _problems(api.post(f"/templates/{draft['id']}/activate"))
    assert [(p["code"], p["field"]) for p in problems] == [("subject_required", "subject")]
    assert api.get(f"/templates/{draft['id']}").body["status"] == "draft"
    # And with a subject it activates
    assert api.patch(f"/templates/{draft['id']}", {"subject": "Votre rendez-vous"}).status == 200
    active = _activate(api, draft["id"])
    assert (active["status"], active["subject"], active["readiness"]["ready"]) == (
        "active",
        "Votre rendez-vous",
        True,
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p>Bonjour</p><script>alert(1)</script>",
        '<p onclick="alert(1)">Bonjour</p>',
        '<a href="javascript:alert(1)">Agenda</a>',
        # Not on the e-mail allowlist: what nh3 would remove is refused, never rewritten.
        '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
        '<svg><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/></svg>',
        "<style>@import url(https://evil.example/a.css);</style><p>Bonjour</p>",
        '<p>Bonjour</p><img src="http://cdn.example.com/logo.png" alt="">',
    ],
)
def test_unsafe_html_is_422_on_create_and_on_patch_and_changes_nothing(api: ApiClient, html: str) -> None:
    before = _ids(api)
    assert _problem_codes(api.post("/templates", EMAIL | {"html": html})) == ["unsafe_html"]
    assert _ids(api) == before
    template = _create(api, EMAIL)
    assert _problem_codes(api.patch(f"/templates/{template['id']}", {"html": html})) == ["unsafe_html"]
    assert api.get(f"/templates/{template['id']}").body == template
    assert [v["number"] for v in api.get(f"/templates/{template['id']}/versions").body["items"]] == [1]


def test_html_off_the_allowlist_is_refused_naming_what_would_be_removed(api: ApiClient) -> None:
    html = '<p style="background:url(https://t.example/p.gif)">Bonjour</p>\n<a href="http://a.example">x</a>'
    response = api.post("/templates", EMAIL | {"html": html})
    assert response.status == 422, response.body
    [problem] = _problems(response)
    assert problem["message"].startswith(
        "le html contient ce que l'e-mail n'autorise pas ; le nettoyage retirerait : "
    )
    assert [(p["kind"], p["detail"], p["line"]) for p in problem["details"]["problems"]] == [
        (
            "not_allowed",
            "style on <p> (no url(), expression(), @import, behavior or -moz-binding in a style attribute)",
            1,
        ),
        ("not_allowed", 'href "http://a.example" on <a> (links must use https, mailto or tel)', 2),
    ]


def test_editing_a_draft_rewrites_it_in_place(api: ApiClient) -> None:
    draft = _create(api, SMS)
    changed = api.patch(f"/templates/{draft['id']}", {"body": "Salut {{firstName}}", "name": "Salut"})
    assert changed.status == 200, changed.body
    assert (changed.body["status"], changed.body["version"], changed.body["draft_version"]) == (
        "draft",
        1,
        None,
    )
    assert (changed.body["body"], changed.body["name"]) == ("Salut {{firstName}}", "Salut")
    versions = api.get(f"/templates/{draft['id']}/versions").body["items"]
    assert [(v["number"], v["state"], v["body"]) for v in versions] == [(1, "draft", "Salut {{firstName}}")]


def test_editing_an_active_template_writes_a_draft_and_the_active_version_keeps_serving(
    api: ApiClient,
) -> None:
    # Given an active e-mail template (version 1)
    template = _create(api, EMAIL)
    tid = template["id"]
    _activate(api, tid)
    # When its body is changed
    edited = api.patch(f"/templates/{tid}", {"body": "Nouveau texte pour {{firstName|vous}}."})
    # Then version 2 is a draft waiting, and version 1 still serves
    assert edited.status == 200, edited.body
    head = edited.body
    assert (head["status"], head["version"], head["latest_version"], head["draft_version"]) == (
        "active",
        1,
        2,
        2,
    )
    assert head["body"] == EMAIL["body"]
    assert head["draft"]["number"] == 2
    assert head["draft"]["state"] == "draft"
    assert head["draft"]["body"] == "Nouveau texte pour {{firstName|vous}}."
    assert head["draft"]["subject"] == EMAIL["subject"]  # what was not sent is carried over
    assert head["draft"]["readiness"]["ready"] is True
    assert api.get(f"/templates/{tid}").body["draft"]["number"] == 2
    served = api.post(f"/templates/{tid}/render", {"variables": {"firstName": "Léa"}})
    assert served.body["version"] == 1
    assert served.body["body"].startswith("Bonjour Léa, rendez-vous")
    # And editing again rewrites the same draft
    again = api.patch(f"/templates/{tid}", {"body": "Encore {{firstName|vous}}."})
    assert (again.body["draft_version"], again.body["latest_version"]) == (2, 2)
    assert again.body["draft"]["body"] == "Encore {{firstName|vous}}."
    states = [(v["number"], v["state"]) for v in api.get(f"/templates/{tid}/versions").body["items"]]
    assert states == [(1, "active"), (2, "draft")]
    # When the draft is activated
    active = _activate(api, tid)
    # Then version 2 serves, version 1 is superseded and still readable
    assert (active["version"], active["draft_version"], active["body"]) == (
        2,
        None,
        "Encore {{firstName|vous}}.",
    )
    assert api.get(f"/templates/{tid}").body["draft"] is None
    versions = api.get(f"/templates/{tid}/versions").body["items"]
    assert [(v["number"], v["state"]) for v in versions] == [(1, "superseded"), (2, "active")]
    first = api.get(f"/templates/{tid}/versions/1")
    assert first.status == 200
    assert (first.body["state"], first.body["body"]) == ("superseded", EMAIL["body"])
    old = api.post(f"/templates/{tid}/render", {"version": 1, "variables": {"firstName": "Léa"}})
    assert old.body["body"].startswith("Bonjour Léa, rendez-vous")
    # And the next change opens version 3
    third = api.patch(f"/templates/{tid}", {"subject": "Rappel"})
    assert (third.body["version"], third.body["draft_version"], third.body["latest_version"]) == (2, 3, 3)
    versions = api.get(f"/templates/{tid}/versions").body["items"]
    assert [(v["number"], v["state"]) for v in versions] == [(1, "superseded"), (2, "active"), (3, "draft")]
    assert api.get(f"/templates/{tid}/versions/4").status == 404


def test_a_draft_that_does_not_validate_leaves_the_active_version_serving(api: ApiClient) -> None:
    template = _create(api, EMAIL)
    _activate(api, template["id"])
    # A draft without its subject can be saved, not activated
    assert api.patch(f"/templates/{template['id']}", {"subject": None}).status == 200
    assert _problem_codes(api.post(f"/templates/{template['id']}/activate")) == ["subject_required"]
    head = api.get(f"/templates/{template['id']}").body
    assert (head["status"], head["version"], head["draft_version"], head["subject"]) == (
        "active",
        1,
        2,
        EMAIL["subject"],
    )


def test_an_archived_template_cannot_change_but_can_be_activated_again(api: ApiClient) -> None:
    template = _create(api, SMS)
    _activate(api, template["id"])
    # Activating an active template with no draft waiting is a conflict
    again = api.post(f"/templates/{template['id']}/activate")
    assert again.status == 409
    assert again.body["error"]["code"] == "conflict"
    # When it is archived
    archived = api.post(f"/templates/{template['id']}/archive")
    assert archived.status == 200, archived.body
    assert archived.body["status"] == "archived"
    assert _ids(api, status="archived") == {template["id"]}
    # Then it cannot be changed
    refused = api.patch(f"/templates/{template['id']}", {"body": "Autre chose"})
    assert refused.status == 409
    assert refused.body["error"]["details"]["status"] == "archived"
    assert api.get(f"/templates/{template['id']}").body == archived.body
    # But it can be activated again, with the same version
    reactivated = _activate(api, template["id"])
    assert (reactivated["status"], reactivated["version"], reactivated["body"]) == ("active", 1, SMS["body"])


def test_delete_removes_the_template_and_its_versions(api: ApiClient, tenant: str) -> None:
    template = _create(api, EMAIL)
    _activate(api, template["id"])
    api.patch(f"/templates/{template['id']}", {"body": "v2"})
    deleted = api.delete(f"/templates/{template['id']}")
    assert deleted.status == 204
    assert api.get(f"/templates/{template['id']}").status == 404
    assert api.get(f"/templates/{template['id']}/versions").status == 404
    assert template["id"] not in _ids(api)
    assert TemplateRepository(tenant).list_versions(template["id"]) == []
    assert api.delete(f"/templates/{template['id']}").status == 404


# --- render -------------------------------------------------------------------------------------
@pytest.fixture
def lead_id(tenant: str) -> str:
    created = ApiClient(LEADS, tenant).post(
        "/leads", {"first_name": "Hélène", "last_name": "Dupont", "company": "Dupont & Fils <SARL>"}
    )
    assert created.status == 201, created.body
    return str(created.body["id"])


def test_render_for_a_lead_fills_its_fields_and_escapes_them_in_html(api: ApiClient, lead_id: str) -> None:
    template = _create(
        api,
        EMAIL
        | {
            "body": (
                "{{firstName|there}} {{fullName}} de {{company}}, chez {{companyName}} le {{appointmentDate}}"
            ),
            "html": '<p>{{fullName}} de {{company}}</p><a href="{{calendarLink}}">{{firstName}}</a>',
        },
    )
    response = api.post(
        f"/templates/{template['id']}/render",
        {"lead_id": lead_id, "variables": {"calendarLink": "https://cal.example/r?a=1&b=2"}},
    )
    assert response.status == 200, response.body
    rendered = response.body
    assert rendered["subject"] == "Hélène, votre rendez-vous du "
    assert rendered["body"] == "Hélène Hélène Dupont de Dupont & Fils <SARL>, chez Institut Belle Peau le "
    assert rendered["html"] == (
        "<p>Hélène Dupont de Dupont &amp; Fils &lt;SARL&gt;</p>"
        '<a href="https://cal.example/r?a=1&amp;b=2">Hélène</a>'
    )
    assert (rendered["fallbacks"], rendered["missing"], rendered["complete"]) == (
        [],
        ["appointmentDate"],
        False,
    )
    assert (rendered["template_id"], rendered["version"], rendered["channel"]) == (template["id"], 1, "email")


def test_render_with_explicit_values_uses_fallbacks_and_says_what_is_missing(api: ApiClient) -> None:
    template = _create(
        api,
        SMS
        | {"body": "Bonjour {{firstName|Madame}}, le {{when}} chez {{companyName}}", "variables": ["when"]},
    )
    response = api.post(f"/templates/{template['id']}/render", {"variables": {"when": "lundi"}})
    assert response.status == 200, response.body
    rendered = response.body
    # (a custom SMS is marketing: the opt-out mention ends it)
    assert (
        rendered["body"]
        == "Bonjour Madame, le lundi chez Institut Belle Peau\nRépondez STOP pour vous désinscrire"
    )
    assert (rendered["fallbacks"], rendered["missing"], rendered["complete"]) == (["firstName"], [], True)
    assert (rendered["subject"], rendered["html"]) == (None, None)
    assert rendered["sms"]["segments"] == 1
    # Explicit values win over the lead's and the tenant's
    mine = api.post(
        f"/templates/{template['id']}/render", {"variables": {"when": "mardi", "companyName": "Bella"}}
    )
    assert mine.body["body"].startswith("Bonjour Madame, le mardi chez Bella\n")


def test_a_value_that_makes_the_html_unsafe_is_422(api: ApiClient) -> None:
    template = _create(api, EMAIL)
    response = api.post(
        f"/templates/{template['id']}/render", {"variables": {"calendarLink": "javascript:alert(1)"}}
    )
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    assert any("javascript:" in p["detail"] for p in response.body["error"]["details"]["problems"])
    # Markup in a value is escaped, so it is safe
    safe = api.post(
        f"/templates/{template['id']}/render",
        {"variables": {"firstName": "<script>alert(1)</script>", "calendarLink": "https://cal.example"}},
    )
    assert safe.status == 200, safe.body
    assert "<script>" not in safe.body["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in safe.body["html"]


def test_render_with_another_tenants_lead_is_404(api: ApiClient, other_tenant_id: str) -> None:
    settings_only(other_tenant_id, "Another Shop")
    theirs = ApiClient(LEADS, other_tenant_id).post("/leads", {"first_name": "Secret"}).body
    template = _create(api, SMS)
    response = api.post(f"/templates/{template['id']}/render", {"lead_id": theirs["id"]})
    assert response.status == 404
    assert response.body["error"]["code"] == "not_found"
    assert "Secret" not in str(response.body)


@pytest.mark.parametrize(
    "body",
    [{"lead_id": "not-a-ulid"}, {"variables": {"first name": "x"}}, {"version": 0}, {"colour": "red"}],
)
def test_a_bad_render_request_is_422(api: ApiClient, body: dict[str, Any]) -> None:
    template = _create(api, SMS)
    response = api.post(f"/templates/{template['id']}/render", body)
    assert response.status == 422
    assert response.body["error"]["code"] == "validation_error"


# --- the built-in library -----------------------------------------------------------------------
def test_a_new_tenant_has_the_built_in_library_in_french_and_english(library_api: ApiClient) -> None:
    templates = _listed(library_api)
    assert len(templates) == BUILTINS == 70
    by_locale = Counter(t["locale"] for t in templates)
    assert by_locale == {"fr": 35, "en": 35}
    assert all(t["builtin"] is True for t in templates)
    assert all(t["status"] == "active" and t["version"] == 1 for t in templates)
    assert all(t["readiness"]["ready"] for t in templates)
    assert {t["channel"] for t in templates} == {"sms", "whatsapp", "email", "telegram"}
    assert Counter((t["name"], t["locale"]) for t in templates) == Counter(
        (entry.name, entry.locale) for entry in library.TEMPLATES
    )


def test_provisioning_again_neither_duplicates_nor_restores_a_deleted_built_in(
    library_api: ApiClient, provisioned: str
) -> None:
    before = _listed(library_api)
    deleted = before[0]
    assert library_api.delete(f"/templates/{deleted['id']}").status == 204
    # When the tenant is provisioned again
    provision_tenant(provisioned, "Institut Belle Peau")
    # Then nothing came back and nothing was added
    after = _ids(library_api)
    assert after == {t["id"] for t in before} - {deleted["id"]}
    assert len(after) == BUILTINS - 1


def test_a_tenant_made_before_the_library_gets_it_once_next_to_its_own_templates(
    api: ApiClient, tenant: str
) -> None:
    own = _create(api, SMS)
    # When the existing tenant is provisioned (the library is new to it), twice
    provision_tenant(tenant, "Institut Belle Peau")
    provision_tenant(tenant, "Institut Belle Peau")
    # Then it has the built-ins once, and its own template as it was
    templates = _listed(api)
    assert len(templates) == BUILTINS + 1
    assert Counter(t["builtin"] for t in templates) == {True: BUILTINS, False: 1}
    assert api.get(f"/templates/{own['id']}").body == own


def test_a_tenant_seeded_with_the_first_release_gets_only_what_later_releases_added(
    api: ApiClient, tenant: str
) -> None:
    # Given a tenant seeded before the step templates existed, who then deleted a built-in
    seeded_at = datetime(2026, 11, 22, tzinfo=UTC)
    assert TemplateRepository(tenant).seed_library(1, release_pairs(tenant, 1, seeded_at), seeded_at)
    first_release = _listed(api)
    assert len(first_release) == len(library.released_in(1)) < BUILTINS
    assert api.delete(f"/templates/{first_release[0]['id']}").status == 204
    # When the tenant is provisioned again (the next deploy's run)
    provision_tenant(tenant, "Institut Belle Peau")
    # Then it has the templates of every later release, and the deleted built-in stays deleted
    templates = _listed(api)
    assert len(templates) == BUILTINS - 1
    added = {t["name"] for t in templates} - {t["name"] for t in first_release}
    later = range(2, library.LIBRARY_VERSION + 1)
    assert added == {entry.name for release in later for entry in library.released_in(release)}
    assert first_release[0]["id"] not in {t["id"] for t in templates}


def test_a_built_in_is_edited_like_any_other(library_api: ApiClient) -> None:
    api = library_api
    builtin = _listed(api, channel="sms", locale="fr")[0]
    edited = api.patch(f"/templates/{builtin['id']}", {"body": "Bonjour {{firstName}}, à demain !"})
    assert edited.status == 200, edited.body
    assert (edited.body["status"], edited.body["version"], edited.body["draft_version"]) == ("active", 1, 2)
    assert edited.body["body"] == builtin["body"]
    assert edited.body["builtin"] is True
    assert _activate(api, builtin["id"])["body"] == "Bonjour {{firstName}}, à demain !"


# --- drafts written by M.A.X. -------------------------------------------------------------------
DRAFT_FROM_CHAT = {
    "channel": "email",
    "name": "Relance J+7",
    "subject": "{{firstName|Bonjour}}, on en reparle ?",
    "content": "Bonjour {{firstName|there}}, votre offre {{offerName}} expire bientôt.",
    "variables": ["offerName"],
    "generatedBy": "max",
}


def test_draft_from_chat_saves_a_draft_written_by_max(api: ApiClient) -> None:
    response = api.post("/templates/draft-from-chat", DRAFT_FROM_CHAT)
    assert response.status == 201, response.body
    body = response.body
    assert (body["ok"], body["status"]) == (True, "draft")
    template = body["template"]
    assert template["id"] == body["template_id"]
    assert (template["generated_by"], template["status"], template["channel"]) == ("max", "draft", "email")
    assert template["body"] == DRAFT_FROM_CHAT["content"]
    assert template["variables"] == ["offerName"]
    assert api.get(f"/templates/{body['template_id']}").body["generated_by"] == "max"
    assert _ids(api, generated_by="max", status="draft") == {body["template_id"]}
    # And a user activates it like any other draft
    assert _activate(api, body["template_id"])["generated_by"] == "max"


def test_draft_from_chat_accepts_generated_by_in_snake_case(api: ApiClient) -> None:
    body = {k: v for k, v in DRAFT_FROM_CHAT.items() if k != "generatedBy"} | {"generated_by": "max"}
    response = api.post("/templates/draft-from-chat", body)
    assert response.status == 201, response.body
    assert response.body["template"]["generated_by"] == "max"


def test_draft_from_chat_checks_the_content_like_any_draft(api: ApiClient) -> None:
    before = _ids(api)
    response = api.post("/templates/draft-from-chat", DRAFT_FROM_CHAT | {"variables": []})
    assert [p["details"]["variable"] for p in _problems(response)] == ["offerName"]
    assert _ids(api) == before


def test_advise_mode_refuses_drafts_from_max_and_writes_nothing(api: ApiClient, tenant: str) -> None:
    TenantService(tenant).update(UpdateTenantRequest(mode=Mode.ADVISE), actor="x")
    before = _ids(api)
    response = api.post("/templates/draft-from-chat", DRAFT_FROM_CHAT)
    assert response.status == 403, response.body
    assert response.body["error"]["code"] == "mode_forbids_action"
    assert response.body["error"]["details"]["mode"] == "advise"
    assert _ids(api) == before


# --- bad input changes nothing ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (SMS | {"channel": "fax"}, "channel"),
        (SMS | {"body": "a" * 20_000}, "too_long"),
        (EMAIL | {"html": "<div><script>steal()</script></div>"}, "unsafe_html"),
        (SMS | {"body": "Bonjour {{nickname}}"}, "unknown_variable"),
        (SMS | {"favourite_colour": "blue"}, "favourite_colour"),
        (SMS | {"subject": "Hello"}, "not_for_channel"),
        (SMS | {"variables": ["firstName"]}, "reserved_variable"),
        (SMS | {"variables": ["first name"]}, "variables.0"),
        ({k: v for k, v in SMS.items() if k != "body"}, "body"),
        (SMS | {"name": ""}, "name"),
    ],
)
def test_a_bad_template_is_422_naming_the_problem_and_writes_nothing(
    api: ApiClient, body: dict[str, Any], code: str
) -> None:
    before = _ids(api)
    response = api.post("/templates", body)
    assert response.status == 422, response.body
    error = response.body["error"]
    assert error["code"] == "validation_error"
    details = error["details"]
    if isinstance(details, list):  # the schema refused it: the field is named
        assert code in [d["field"] for d in details], details
    else:  # a template rule refused it: the problem is named
        assert code in [p["code"] for p in details["problems"]], details
    assert _ids(api) == before


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        ('{"channel": "sms", ', {}, 400, "invalid_json"),
        (
            "channel=sms&name=x&body=y",
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ("[1, 2]", {}, 422, "validation_error"),
    ],
)
def test_an_unreadable_body_is_4xx_and_writes_nothing(
    api: ApiClient, raw: str, headers: dict[str, str], status: int, code: str
) -> None:
    before = _ids(api)
    response = api.request("POST", "/templates", raw_body=raw, headers=headers)
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code
    assert _ids(api) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": None},
        {"name": None},
        {"body": "Bonjour {{nickname}}"},
        {"body": "a" * 20_000},
        {"subject": "Hello"},
        {"html": "<p>x</p>"},
        {"colour": "red"},
        {"category": "spam"},
    ],
)
def test_a_bad_patch_is_4xx_and_changes_nothing(api: ApiClient, body: dict[str, Any]) -> None:
    template = _create(api, SMS)
    _activate(api, template["id"])
    before = api.get(f"/templates/{template['id']}").body
    response = api.patch(f"/templates/{template['id']}", body)
    assert response.status == 422, response.body
    assert api.get(f"/templates/{template['id']}").body == before
    assert len(api.get(f"/templates/{template['id']}/versions").body["items"]) == 1


# --- tenants are isolated -----------------------------------------------------------------------
def test_another_tenants_template_is_404_everywhere_and_stays_unchanged(
    api: ApiClient, other_api: ApiClient
) -> None:
    template = _create(api, EMAIL)
    _activate(api, template["id"])
    before = api.get(f"/templates/{template['id']}").body
    tid = template["id"]
    calls = [
        other_api.get(f"/templates/{tid}"),
        other_api.patch(f"/templates/{tid}", {"body": "pwned"}),
        other_api.delete(f"/templates/{tid}"),
        other_api.post(f"/templates/{tid}/activate"),
        other_api.post(f"/templates/{tid}/archive"),
        other_api.post(f"/templates/{tid}/render", {"variables": {}}),
        other_api.get(f"/templates/{tid}/versions"),
        other_api.get(f"/templates/{tid}/versions/1"),
    ]
    assert [call.status for call in calls] == [404] * len(calls)
    assert all(call.body["error"]["code"] == "not_found" for call in calls)
    assert tid not in _ids(other_api)
    assert api.get(f"/templates/{tid}").body == before
    assert [v["state"] for v in api.get(f"/templates/{tid}/versions").body["items"]] == ["active"]


# --- concurrent edits ---------------------------------------------------------------------------
def test_two_commits_from_the_same_read_the_second_is_a_conflict(api: ApiClient, tenant: str) -> None:
    template = _create(api, SMS)
    repository = TemplateRepository(tenant)
    read = repository.get(template["id"])
    first = read.model_copy(update={"name": "First"})
    second = read.model_copy(update={"name": "Second"})
    committed = repository.commit(first, expected_revision=read.revision)
    assert committed.revision == read.revision + 1
    with pytest.raises(ConflictError):
        repository.commit(second, expected_revision=read.revision)
    assert repository.get(template["id"]).name == "First"
    # A version written along with a losing head is not written either
    version = repository.get_version(template["id"], 1).model_copy(update={"number": 2})
    with pytest.raises(ConflictError):
        repository.commit(second, expected_revision=read.revision, versions=[(version, VersionWrite.CREATE)])
    assert [v.number for v in repository.list_versions(template["id"])] == [1]
