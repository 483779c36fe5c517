"""Prospection end to end: scenarios, campaigns, enrollment, the scheduler's decisions, approvals.

The routes go through the prospection handler; the scheduler through ``Sequencer.run_shard`` with a
fixed clock (the code reads the wall clock through default ``clock=`` arguments, so the services are
given one where a test needs a particular instant). Without SMS credentials every send lands in
the tenant's local outbox (provider ``outbox``), which is what the counts below read.

Tenants get their settings only (no built-in template library), to keep the module's table small.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pynamodb.exceptions import PutError

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import SAFETY_MARGIN_MS
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.enrollments import EnrollmentRepository
from maxcore.dal.keys import DUE_SHARDS, due_shard
from maxcore.dal.outbox import OutboxRepository
from maxcore.dal.scenarios import ScenarioRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import ConflictError
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel, CreateActivityRequest, Direction
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.prospection import (
    BlacklistEntry,
    BlacklistKind,
    EnrollRequest,
    MessageSource,
    Outcome,
    PendingSend,
    Scenario,
    ScenarioStep,
)
from maxcore.models.tenant import Mode, Tenant, UpdateTenantRequest
from maxcore.services.activities import ActivityService
from maxcore.services.budget import BudgetService
from maxcore.services.job_queue import sqs_client
from maxcore.services.prospects import ProspectService
from maxcore.services.queueing import fan_out
from maxcore.services.sequencer import LEASE, Sequencer
from maxcore.services.templates import seed_library
from maxcore.services.tenants import TenantService
from tests.integration.conftest import drain, run_worker_until_idle
from tests.support.api import ApiClient, ApiResponse
from tests.support.logs import captured_logs
from tests.support.prospection import sms_step, unique_phone

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
TEMPLATES = "functions/templates/"

PARIS_WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
FRI_1750_PARIS = datetime(2026, 11, 20, 16, 50, tzinfo=UTC)
FRI_1800_PARIS = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
MON_0900_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TWO_SMS_STEPS = [
    sms_step(1, 0, "Se présenter"),
    sms_step(2, 2, "Relancer"),
]


# --- fixtures and helpers ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _ssm(ssm_endpoint: str) -> str:
    """Credential look-ups (none stored: sends go to the outbox) hit moto's SSM, never AWS."""
    return ssm_endpoint


def _tenant(tenant_id: str, mode: Mode) -> str:
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=mode, created_at=now, updated_at=now)
    )
    # The built-in library: the steps name its templates by key.
    seed_library(tenant_id, now, fresh=True)
    return tenant_id


@pytest.fixture
def api(tenant_id: str) -> ApiClient:
    _tenant(tenant_id, Mode.AUTO)
    return ApiClient(PROSPECTION, tenant_id)


@pytest.fixture
def leads(tenant_id: str) -> ApiClient:
    return ApiClient(LEADS, tenant_id)


def _lead(leads: ApiClient, **fields: Any) -> str:
    body = {"first_name": "Sophie", "phone": unique_phone(), **fields}
    response = leads.post("/leads", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _scenario(api: ApiClient, steps: list[dict[str, Any]] | None = None) -> str:
    response = api.post("/scenarios", {"name": "Deux SMS", "steps": steps or TWO_SMS_STEPS})
    assert response.status == 201, response.body
    return str(response.body["id"])


def _campaign(api: ApiClient, scenario_id: str, **fields: Any) -> str:
    body = {
        "name": "Rentrée",
        "scenario_id": scenario_id,
        "send_window": PARIS_WINDOW,
        "timezone": "Europe/Paris",
        **fields,
    }
    response = api.post("/campaigns", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _enroll(api: ApiClient, campaign_id: str, *lead_ids: str) -> dict[str, Any]:
    response = api.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": list(lead_ids)})
    assert response.status == 200, response.body
    return dict(response.body)


def _prospect(api: ApiClient, campaign_id: str, lead_id: str) -> dict[str, Any]:
    response = api.get(f"/campaigns/{campaign_id}/prospects/{lead_id}")
    assert response.status == 200, response.body
    return dict(response.body)


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _run(tenant_id: str, at: datetime) -> dict[str, int]:
    """Every shard of the tenant's due index at ``at``; the outcomes counted."""
    sequencer = Sequencer(tenant_id, clock=_at(at))
    outcomes: dict[str, int] = {}
    for shard in range(DUE_SHARDS):
        for name, n in sequencer.run_shard(shard).outcomes.items():
            outcomes[name] = outcomes.get(name, 0) + n
    return outcomes


def _due_at(api: ApiClient, campaign_id: str, lead_id: str) -> datetime:
    return datetime.fromisoformat(_prospect(api, campaign_id, lead_id)["next_action_at"])


def _outbox(tenant_id: str) -> list[Any]:
    return OutboxRepository(tenant_id).page(100, None)[0]


def _outbound(tenant_id: str, lead_id: str) -> list[Any]:
    found = ActivityRepository(tenant_id).page_for_lead(lead_id, None, 50)
    return [a for a in found if a.direction is Direction.OUT]


# --- 1-2. scenarios --------------------------------------------------------------------------------
def test_the_five_predefined_scenarios_are_listed_with_their_steps_and_durations(api: ApiClient) -> None:
    # When a tenant lists its scenarios
    response = api.get("/scenarios")
    # Then the five predefined ones come first, five steps each, with their durations
    assert response.status == 200
    predefined = {s["id"]: s for s in response.body["items"] if s["predefined"]}
    assert {k: (len(s["steps"]), s["duration_days"]) for k, s in predefined.items()} == {
        "connexion-douce": (5, 21),
        "relance-douce": (5, 21),
        "relance-agressive": (5, 14),
        "nurturing-long-terme": (5, 45),
        "approche-premium": (5, 30),
    }


def test_a_scenario_change_is_a_new_version_and_running_prospects_keep_theirs(
    api: ApiClient, leads: ApiClient
) -> None:
    # Given a tenant scenario, a campaign on it and an enrolled prospect
    scenario_id = _scenario(api)
    campaign_id = _campaign(api, scenario_id)
    lead_id = _lead(leads)
    assert len(_enroll(api, campaign_id, lead_id)["accepted"]) == 1
    # When the scenario's steps change
    new_steps = [{"order": 1, "delay_days": 1, "channel": "email", "objective": "Nouveau"}]
    response = api.patch(f"/scenarios/{scenario_id}", {"steps": new_steps})
    # Then it is version 2, version 1 still reads as it was, and the prospect stays on version 1
    assert response.status == 200, response.body
    assert (response.body["version"], len(response.body["steps"])) == (2, 1)
    assert api.get(f"/scenarios/{scenario_id}").body["version"] == 2
    old = api.get(f"/scenarios/{scenario_id}", query={"version": "1"})
    assert old.status == 200
    assert [s["objective"] for s in old.body["steps"]] == ["Se présenter", "Relancer"]
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["scenario_version"], prospect["steps_total"]) == (1, 2)


def test_a_blank_description_is_no_description_and_saves(api: ApiClient) -> None:
    # Given a scenario posted with an empty description (every such save used to answer 409)
    created = api.post("/scenarios", {"name": "Sans texte", "description": "", "steps": TWO_SMS_STEPS})
    assert created.status == 201, created.body
    # Then it reads back without a description, and a blank one on a change saves as well
    assert created.body["description"] is None
    assert api.get(f"/scenarios/{created.body['id']}").body == created.body
    changed = api.patch(f"/scenarios/{created.body['id']}", {"description": "   "})
    assert changed.status == 200, changed.body
    assert (changed.body["version"], changed.body["description"]) == (2, None)


def test_only_a_failed_condition_is_a_conflict_when_a_scenario_is_saved(tenant_id: str) -> None:
    repository = ScenarioRepository(tenant_id)
    scenario = Scenario(
        id=new_id(),
        version=1,
        name="Deux SMS",
        steps=[ScenarioStep.model_validate(step) for step in TWO_SMS_STEPS],
        created_at=FRI_1750_PARIS,
    )
    repository.add_version(scenario)
    # The same version twice: its condition fails, a real conflict
    with pytest.raises(ConflictError):
        repository.add_version(scenario)
    # An item DynamoDB refuses (over 400 KB): a failure, not "changed meanwhile"
    with pytest.raises(PutError) as refused:
        repository.add_version(scenario.model_copy(update={"version": 2, "description": "x" * 500_000}))
    assert refused.value.cause_response_code == "ValidationException"


def test_a_predefined_scenario_cannot_be_changed(api: ApiClient) -> None:
    response = api.patch("/scenarios/connexion-douce", {"name": "Le mien"})
    assert response.status == 409, response.body
    assert api.get("/scenarios/connexion-douce").body["name"] != "Le mien"


def _sms_template(tenant_id: str) -> str:
    created = ApiClient(TEMPLATES, tenant_id).post(
        "/templates", {"channel": "sms", "name": "Bonjour", "body": "Bonjour {{firstName|}} !"}
    )
    assert created.status == 201, created.body
    return str(created.body["id"])


def test_a_step_names_only_a_template_of_the_tenant_for_its_channel(
    api: ApiClient, tenant_id: str, other_tenant_id: str
) -> None:
    # Given a template of this tenant and one of another tenant
    mine = _sms_template(tenant_id)
    theirs = _sms_template(_tenant(other_tenant_id, Mode.AUTO))
    before = api.get("/scenarios").body

    def steps(template_id: str, channel: str = "sms") -> list[dict[str, Any]]:
        second = {
            "order": 2,
            "delay_days": 2,
            "channel": channel,
            "objective": "Relancer",
            "template_id": template_id,
        }
        return [TWO_SMS_STEPS[0] | {"template_id": mine}, second]

    # When scenarios name another tenant's template, no template, or one of another channel
    refusals = [
        api.post("/scenarios", {"name": "Vol", "steps": steps(theirs)}),
        api.post("/scenarios", {"name": "Rien", "steps": steps("01J0000000000000000000000Z")}),
        api.post("/scenarios", {"name": "Mail", "steps": steps(mine, "email")}),
    ]
    # Then each is a 422 naming the step's field, and nothing is written
    for response, message in zip(
        refusals,
        ["ce template n'existe pas dans ce compte"] * 2 + ["écrit pour sms"],
        strict=True,
    ):
        assert response.status == 422, response.body
        [detail] = response.body["error"]["details"]
        assert detail["field"] == "steps.1.template_id"
        assert message in detail["message"]
    assert api.get("/scenarios").body == before
    # And the tenant's own template of the right channel is accepted, on create and on a change
    created = api.post("/scenarios", {"name": "Le mien", "steps": steps(mine)})
    assert created.status == 201, created.body
    path = f"/scenarios/{created.body['id']}"
    stolen = api.patch(path, {"steps": steps(theirs)})
    assert stolen.status == 422, stolen.body
    assert stolen.body["error"]["details"][0]["field"] == "steps.1.template_id"
    assert api.get(path).body == created.body
    assert api.patch(path, {"steps": steps(mine)}).body["version"] == 2


# --- 3. campaigns -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"send_window": {"days": [0], "start": "18:00", "end": "09:00"}}, "send_window"),
        ({"scenario_id": "01J0000000000000000000000Z"}, "scenario_id"),
        ({"name": None}, "name"),
    ],
)
def test_an_invalid_campaign_is_422_naming_the_field(
    api: ApiClient, changes: dict[str, Any], field: str
) -> None:
    body = {"name": "Rentrée", "scenario_id": "connexion-douce", **changes}
    body = {k: v for k, v in body.items() if v is not None}
    # When the campaign is created with one bad field
    response = api.post("/campaigns", body)
    # Then it is a 422 whose details name that field, and no campaign exists
    assert response.status == 422, response.body
    details = response.body["error"]["details"]
    assert any(d["field"] == field for d in details), details
    assert api.get("/campaigns").body["items"] == []


def test_another_tenants_campaign_is_a_404_everywhere(
    api: ApiClient, leads: ApiClient, other_tenant_id: str
) -> None:
    # Given a campaign of the tenant
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    other = ApiClient(PROSPECTION, _tenant(other_tenant_id, Mode.AUTO))
    # When another tenant reads, changes, enrolls in or deletes it, Then it does not exist for them
    assert other.get(f"/campaigns/{campaign_id}").status == 404
    assert other.patch(f"/campaigns/{campaign_id}", {"status": "paused"}).status == 404
    assert other.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": [lead_id]}).status == 404
    assert other.delete(f"/campaigns/{campaign_id}").status == 404
    # And the owner's campaign is untouched
    assert api.get(f"/campaigns/{campaign_id}").body["status"] == "active"


# --- 4. enrollment report ---------------------------------------------------------------------------
def test_enrollment_by_id_accepts_the_good_leads_and_says_why_the_others_are_not(
    api: ApiClient, leads: ApiClient
) -> None:
    # Given a campaign on an SMS-only scenario, and leads of every kind
    campaign_id = _campaign(api, _scenario(api))
    good = _lead(leads, first_name="Bon")
    already = _lead(leads, first_name="Déjà")
    assert len(_enroll(api, campaign_id, already)["accepted"]) == 1
    assert api.post("/blacklist", {"email": "Noir@Example.fr", "reason": "a demandé"}).status == 201
    blacklisted = _lead(leads, first_name="Noir", email="noir@example.fr")
    opted_out = _lead(leads, first_name="Refus", consent={"sms": False})
    unknown = new_id()
    # When they are enrolled by id (one listed twice)
    report = _enroll(api, campaign_id, good, unknown, good, blacklisted, opted_out, already)
    # Then only the good one is accepted, and each other row has its code
    assert [(a["row"], a["lead_id"], a["lead_created"]) for a in report["accepted"]] == [(1, good, False)]
    assert {r["row"]: r["code"] for r in report["rejected"]} == {
        2: "unknown_lead",
        3: "duplicate",
        4: "blacklisted",
        5: "opted_out",
        6: "duplicate",
    }
    assert all(r["reason"] for r in report["rejected"])
    counts = api.get(f"/campaigns/{campaign_id}").body["prospects"]
    assert counts == {"active": 2}


def test_csv_enrollment_creates_the_good_rows_and_rejects_the_bad_ones(
    api: ApiClient, leads: ApiClient
) -> None:
    # Given a campaign and a CSV with a bad phone, a bad e-mail and a repeated e-mail
    campaign_id = _campaign(api, _scenario(api))
    csv = (
        "first_name,last_name,email,phone\n"
        "Alice,Martin,alice@example.fr,+33611111111\n"
        "Bob,Durand,bob@example.fr,12\n"
        "Carl,Petit,pas-un-email,+33622222222\n"
        "Alicia,Martin,ALICE@example.fr,+33633333333\n"
        "Dan,Roux,dan@example.fr,+33644444444\n"
    )
    # When it is uploaded
    response = api.post(f"/campaigns/{campaign_id}/prospects", {"csv": csv})
    # Then the two good rows create leads and are enrolled; each bad row has its reason
    assert response.status == 200, response.body
    report = response.body
    assert [(a["row"], a["lead_created"]) for a in report["accepted"]] == [(1, True), (5, True)]
    assert {r["row"]: r["code"] for r in report["rejected"]} == {
        2: "bad_phone",
        3: "bad_email",
        4: "duplicate",
    }
    created = {leads.get(f"/leads/{a['lead_id']}").body["email"] for a in report["accepted"]}
    assert created == {"alice@example.fr", "dan@example.fr"}


def test_csv_rows_with_numbers_that_are_not_real_are_rejected_with_the_library_reason(
    api: ApiClient, leads: ApiClient
) -> None:
    # Given a CSV whose numbers the old rule took: a British mobile typed nationally, a French mobile
    # one digit short, a country code that does not exist; and a good French number typed nationally
    campaign_id = _campaign(api, _scenario(api))
    csv = (
        "first_name,phone\nEve,07911 123456\nFred,+33 6 12 34 56 7\nGus,+999 12345678\nHugo,06 12 34 56 78\n"
    )
    # When it is uploaded
    response = api.post(f"/campaigns/{campaign_id}/prospects", {"csv": csv})
    # Then each bad row is bad_phone with the library's reason and a French sentence (the tenant's
    # language), and only Hugo's lead is created
    assert response.status == 200, response.body
    rejected = {r["row"]: r for r in response.body["rejected"]}
    assert {row: r["code"] for row, r in rejected.items()} == {1: "bad_phone", 2: "bad_phone", 3: "bad_phone"}
    assert rejected[1]["reason"].startswith("TOO_LONG : ce numéro a trop de chiffres")
    assert "lu en FR" in rejected[1]["reason"]
    assert rejected[2]["reason"].startswith("TOO_SHORT : il manque des chiffres")
    assert rejected[3]["reason"].startswith("INVALID_COUNTRY_CODE : cet indicatif")
    assert rejected[1]["value"] == "07911 123456"
    [accepted] = response.body["accepted"]
    assert leads.get(f"/leads/{accepted['lead_id']}").body["phone"] == "+33612345678"
    assert len(leads.get("/leads").body["items"]) == 1


def test_csv_numbers_are_read_in_the_tenant_country(api: ApiClient, leads: ApiClient, tenant_id: str) -> None:
    # Given a Belgian tenant
    TenantService(tenant_id).update(UpdateTenantRequest(default_country="BE"), actor="admin-1")
    campaign_id = _campaign(api, _scenario(api))
    # When a CSV with a Belgian mobile typed nationally is uploaded
    response = api.post(
        f"/campaigns/{campaign_id}/prospects", {"csv": "first_name,phone\nLotte,0470 12 34 56\n"}
    )
    # Then the lead is created with the Belgian number
    assert response.status == 200, response.body
    [accepted] = response.body["accepted"]
    assert leads.get(f"/leads/{accepted['lead_id']}").body["phone"] == "+32470123456"


EXCEL_EXPORTS = Path(__file__).parents[1] / "unit" / "fixtures" / "csv"


def _upload(api: ApiClient, campaign_id: str, file_name: str) -> ApiResponse:
    data = base64.b64encode((EXCEL_EXPORTS / file_name).read_bytes()).decode()
    return api.post(f"/campaigns/{campaign_id}/prospects", {"csv_file": data})


def test_a_french_excel_file_creates_its_leads_with_accents_and_custom_fields_and_says_why_in_french(
    api: ApiClient, leads: ApiClient
) -> None:
    # Given a campaign, and a list a French rep saved from Excel: Windows-1252, ; between cells,
    # French headers, two columns of the rep's own, a bad e-mail and a number one digit short
    campaign_id = _campaign(api, _scenario(api))
    # When the file is uploaded as it is
    response = _upload(api, campaign_id, "excel_fr_windows1252.csv")
    # Then the three good rows create their leads, accents and the quoted ; intact
    assert response.status == 200, response.body
    accepted = {a["row"]: a for a in response.body["accepted"]}
    assert sorted(accepted) == [1, 2, 4]
    assert all(a["lead_created"] for a in accepted.values())
    jerome = leads.get(f"/leads/{accepted[1]['lead_id']}").body
    assert (jerome["name"], jerome["company"]) == ("Jérôme Lefèvre", "Boulangerie; Pâtisserie Lefèvre")
    assert (jerome["phone"], jerome["source"]) == ("+33612345678", "csv")
    # And the columns the lead has no field for are kept as its custom fields
    assert jerome["custom_fields"] == {
        "Ville": "Besançon",
        "Secteur d’activité": "Métiers de bouche – 2 500 €",
    }
    noel = leads.get(f"/leads/{accepted[4]['lead_id']}").body
    assert (noel["name"], noel["phone"]) == ("Transports Noël", "+33123456789")
    assert noel["custom_fields"] == {"Secteur d’activité": "Logistique"}
    # And each bad row keeps its number, its code and a reason in French (the tenant's language)
    rejected = {r["row"]: r for r in response.body["rejected"]}
    assert {row: r["code"] for row, r in rejected.items()} == {3: "bad_email", 5: "bad_phone"}
    assert rejected[3]["reason"] == "Ce n'est pas une adresse e-mail."
    assert rejected[3]["value"] == "zoe.muller@exemple"
    assert rejected[5]["reason"].startswith("TOO_SHORT : il manque des chiffres")
    assert len(leads.get("/leads").body["items"]) == 3


def test_an_excel_csv_utf8_file_with_its_byte_order_mark_is_read(api: ApiClient, leads: ApiClient) -> None:
    # Given Excel's "CSV UTF-8" export: a BOM, French synonyms (Courriel, Portable), a Belgian number
    campaign_id = _campaign(api, _scenario(api))
    # When it is uploaded
    response = _upload(api, campaign_id, "excel_fr_utf8_bom.csv")
    # Then both leads are created, the first column (behind the BOM) read as the first name
    assert response.status == 200, response.body
    assert response.body["rejected"] == []
    created = [leads.get(f"/leads/{a['lead_id']}").body for a in response.body["accepted"]]
    assert [(c["name"], c["email"], c["phone"]) for c in created] == [
        ("Émilie Gaßmann", "emilie@oeuvre.fr", "+33611223344"),
        ("François N'Diaye", "francois@ndiaye.fr", "+32470123456"),
    ]
    assert created[0]["custom_fields"] == {"Code postal": "75011"}


def test_row_reasons_and_file_errors_follow_the_tenants_language(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    campaign_id = _campaign(api, _scenario(api))
    url = f"/campaigns/{campaign_id}/prospects"
    # Given a French tenant, a file with no e-mail or phone column is a 422 that says so in French
    refused = api.post(url, {"csv": "Prénom;Nom;Ville\nAna;Lopez;Lyon\n"})
    assert refused.status == 422, refused.body
    assert refused.body["error"]["message"].startswith("L'en-tête doit avoir une colonne e-mail ou téléphone")
    assert refused.body["error"]["details"][0]["type"] == "no_contact_column"
    # When the tenant's locale is English
    TenantService(tenant_id).update(UpdateTenantRequest(locale="en"), actor="admin-1")
    refused = api.post(url, {"csv": "Prénom;Nom;Ville\nAna;Lopez;Lyon\n"})
    response = api.post(url, {"csv": "email;phone\npas-un-email;\n;\n"})
    # Then the same errors speak English, the codes unchanged
    assert refused.body["error"]["message"].startswith("The header needs an e-mail or phone column")
    assert response.status == 200, response.body
    [row] = response.body["rejected"]
    assert (row["code"], row["reason"]) == ("bad_email", "This is not an e-mail address.")
    assert leads.get("/leads").body["items"] == []


def test_a_csv_file_that_is_not_base64_is_a_422_and_writes_nothing(api: ApiClient, leads: ApiClient) -> None:
    campaign_id = _campaign(api, _scenario(api))
    response = api.post(f"/campaigns/{campaign_id}/prospects", {"csv_file": "pas du base64 !"})
    assert response.status == 422, response.body
    assert leads.get("/leads").body["items"] == []


def test_the_prospect_list_and_a_prospect_show_the_leads_name(api: ApiClient, leads: ApiClient) -> None:
    # Given a campaign with the leads of the French Excel file, one of which is then deleted
    campaign_id = _campaign(api, _scenario(api))
    accepted = _upload(api, campaign_id, "excel_fr_windows1252.csv").body["accepted"]
    lead_of = {a["row"]: a["lead_id"] for a in accepted}
    assert leads.delete(f"/leads/{lead_of[2]}").status == 204
    # When the prospects are listed
    page = api.get(f"/campaigns/{campaign_id}/prospects")
    # Then each shows its lead's name (first and last name, else the company); the deleted one none
    assert page.status == 200, page.body
    names = {p["lead_id"]: p["lead_name"] for p in page.body["items"]}
    assert names == {lead_of[1]: "Jérôme Lefèvre", lead_of[2]: None, lead_of[4]: "Transports Noël"}
    assert _prospect(api, campaign_id, lead_of[1])["lead_name"] == "Jérôme Lefèvre"


# --- 5. the done-when: window, send, reply ------------------------------------------------------------
def test_a_step_outside_the_window_waits_for_monday_then_a_reply_stops_the_sequence(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given an auto tenant, a Mon-Fri 09:00-18:00 Paris campaign of two SMS steps (day 0, day 2),
    # and a lead enrolled on Friday at 17:50 Paris
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    report = ProspectService(tenant_id, clock=_at(FRI_1750_PARIS)).enroll(
        campaign_id, EnrollRequest(lead_ids=[lead_id])
    )
    assert [a.lead_id for a in report.accepted] == [lead_id]

    # When the scheduler runs at 18:00 Paris (the window has just closed)
    assert _run(tenant_id, FRI_1800_PARIS) == {"deferred": 1}
    # Then nothing is sent, and the prospect waits for Monday 09:00 Paris, saying so
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (last["outcome"], last["code"]) == ("deferred", "outside_window")
    assert datetime.fromisoformat(last["until"]) == MON_0900_PARIS
    assert datetime.fromisoformat(prospect["next_action_at"]) == MON_0900_PARIS
    assert "lundi 23 novembre 09:00" in last["reason"], last["reason"]
    assert _outbox(tenant_id) == []
    # And running again before Monday changes nothing
    assert _run(tenant_id, MON_0900_PARIS - timedelta(minutes=1)) == {}

    # When the scheduler runs on Monday at 09:00 Paris
    assert _run(tenant_id, MON_0900_PARIS) == {"sent": 1}
    # Then step 1 is sent by SMS, once, with its source, and step 2 is due two days later
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (last["outcome"], last["code"], last["step"], last["source"]) == (
        "sent",
        "mode_auto",
        1,
        "template",
    )
    sent = _outbound(tenant_id, lead_id)
    assert [(a.channel, a.id) for a in sent] == [(ActivityChannel.SMS, last["activity_id"])]
    assert sent[0].metadata["campaign_id"] == campaign_id
    assert len(_outbox(tenant_id)) == 1
    assert prospect["current_step"] == 2
    step_two_due = datetime.fromisoformat(prospect["next_action_at"])
    assert step_two_due == MON_0900_PARIS + timedelta(days=2)

    # When the lead replies on Monday at 10:00 and step 2 comes due
    ActivityService(tenant_id, clock=_at(MON_0900_PARIS + timedelta(hours=1))).log(
        CreateActivityRequest(
            lead_id=lead_id, channel=ActivityChannel.SMS, direction=Direction.IN, preview="Oui, appelez-moi"
        )
    )
    assert _run(tenant_id, step_two_due) == {"stopped": 1}
    # Then the sequence stops because the lead replied, and nothing more is sent
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (last["outcome"], last["code"]) == ("stopped", "replied")
    assert prospect["status"] == "stopped"
    assert prospect["next_action_at"] is None
    assert prospect["replied_at"] is not None
    assert len(_outbound(tenant_id, lead_id)) == 1
    assert len(_outbox(tenant_id)) == 1
    assert _run(tenant_id, step_two_due + timedelta(days=7)) == {}


# --- 6-7. exactly once ------------------------------------------------------------------------------
def _enrolled_on_monday(api: ApiClient, leads: ApiClient, tenant_id: str) -> tuple[str, str]:
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    ProspectService(tenant_id, clock=_at(MON_0900_PARIS)).enroll(
        campaign_id, EnrollRequest(lead_ids=[lead_id])
    )
    return campaign_id, lead_id


def test_a_template_whose_filled_html_is_refused_turns_the_step_into_a_task_for_the_user(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given an active e-mail template whose link falls back to an http URL (refused once filled in)
    templates = ApiClient(TEMPLATES, tenant_id)
    template = templates.post(
        "/templates",
        {
            "channel": "email",
            "name": "Agenda",
            "subject": "Votre rendez-vous",
            "body": "Bonjour, réservez ici : {{calendarLink|http://agenda.example}}",
            "html": '<p>Bonjour</p><a href="{{calendarLink|http://agenda.example}}">Agenda</a>',
            "variables": ["calendarLink"],
        },
    )
    assert template.status == 201, template.body
    assert templates.post(f"/templates/{template.body['id']}/activate").status == 200
    step = {"order": 1, "delay_days": 0, "channel": "email", "objective": "Se présenter"}
    scenario_id = _scenario(api, [step | {"template_id": template.body["id"]}])
    campaign_id = _campaign(api, scenario_id)
    lead_id = _lead(leads, email="sophie@example.fr")
    ProspectService(tenant_id, clock=_at(MON_0900_PARIS)).enroll(
        campaign_id, EnrollRequest(lead_ids=[lead_id])
    )
    # When its step is due
    assert _run(tenant_id, MON_0900_PARIS + timedelta(minutes=5)) == {"task_created": 1}
    # Then nothing is sent (no model, no usable template): the user is asked to write it, and why
    last = _prospect(api, campaign_id, lead_id)["last_decision"]
    assert (last["outcome"], last["code"], last["source"]) == ("task_created", "no_message", None)
    assert "rédigez le message" in last["reason"], last["reason"]
    assert _outbound(tenant_id, lead_id) == []


def test_a_due_step_is_sent_once_whatever_the_number_of_workers(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given one step due on Monday at 09:00 Paris
    campaign_id, lead_id = _enrolled_on_monday(api, leads, tenant_id)
    shard = due_shard(campaign_id, lead_id)
    now = MON_0900_PARIS + timedelta(minutes=5)
    [due] = list(EnrollmentRepository(tenant_id).due(shard, now))
    # When two workers take the same due item
    first = Sequencer(tenant_id, clock=_at(now)).run_one(due)
    second = Sequencer(tenant_id, clock=_at(now)).run_one(due)
    # Then one sends it and the other loses
    assert (first, second) == (Outcome.SENT, None)
    # And the same shard run twice more, side by side, at the same instant finds nothing to do
    reports: list[Any] = []
    workers = [
        threading.Thread(target=lambda: reports.append(Sequencer(tenant_id, clock=_at(now)).run_shard(shard)))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [r.outcomes for r in reports] == [{}, {}]
    assert len(_outbound(tenant_id, lead_id)) == 1
    assert len(_outbox(tenant_id)) == 1


def test_two_workers_racing_on_a_fresh_shard_send_once(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given one step due
    campaign_id, lead_id = _enrolled_on_monday(api, leads, tenant_id)
    shard = due_shard(campaign_id, lead_id)
    now = MON_0900_PARIS + timedelta(minutes=5)
    # When two workers run the shard at the same instant, side by side
    barrier = threading.Barrier(2)
    reports: list[Any] = []

    def work() -> None:
        sequencer = Sequencer(tenant_id, clock=_at(now))
        barrier.wait()
        reports.append(sequencer.run_shard(shard))

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # Then the step is sent exactly once; whoever lost sent nothing
    assert sum(r.outcomes.get("sent", 0) for r in reports) == 1
    assert sum(sum(r.outcomes.values()) for r in reports) == 1
    assert len(_outbound(tenant_id, lead_id)) == 1
    assert _prospect(api, campaign_id, lead_id)["current_step"] == 2


def test_the_worker_runs_one_shard_per_message_and_a_redelivery_sends_nothing_more(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a campaign open at every hour of every day, and a prospect due a minute ago (the worker
    # reads the wall clock)
    always = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    # (a zone where it is not 23:59 right now: the window's only closed minute)
    zone = "UTC" if 1 <= a_minute_ago.hour <= 22 else "Asia/Tokyo"
    campaign_id = _campaign(api, _scenario(api), send_window=always, timezone=zone)
    lead_id = _lead(leads)
    ProspectService(tenant_id, clock=_at(a_minute_ago)).enroll(campaign_id, EnrollRequest(lead_ids=[lead_id]))
    shard = due_shard(campaign_id, lead_id)
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")

    def message(n: int) -> str:
        return json.dumps(
            {
                "job": "run_pending_actions",
                "tenant_id": tenant_id,
                "scheduled_at": "2026-11-20T08:00:00Z",
                "shard": n,
            }
        )

    # When the worker gets another shard's message, Then nothing happens to the prospect
    other = (shard + 1) % DUE_SHARDS
    assert worker(sqs_event([("m-other", message(other))]), LocalContext())["batchItemFailures"] == []
    assert _outbox(tenant_id) == []
    # When it gets the prospect's shard, twice (a redelivered message)
    for attempt in ("m-1", "m-2"):
        assert worker(sqs_event([(attempt, message(shard))]), LocalContext())["batchItemFailures"] == []
    # Then step 1 was sent once
    assert len(_outbound(tenant_id, lead_id)) == 1
    assert _prospect(api, campaign_id, lead_id)["current_step"] == 2


def test_a_worker_dying_mid_send_leaves_the_step_unconfirmed_never_sent_twice(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a worker that claimed the step and noted the send had started, then died
    campaign_id, lead_id = _enrolled_on_monday(api, leads, tenant_id)
    now = MON_0900_PARIS + timedelta(minutes=1)
    repository = EnrollmentRepository(tenant_id)
    [due] = list(repository.due(due_shard(campaign_id, lead_id), now))
    token = new_id()
    assert repository.claim(due, token, now + LEASE, now)
    pending = PendingSend(body="Bonjour Sophie", source=MessageSource.DEFAULT)
    assert repository.mark_sending(due.enrollment, token, 1, pending, now)
    # When the scheduler runs during the lease, Then the step is not due
    assert _run(tenant_id, now + LEASE - timedelta(minutes=1)) == {}
    # When it runs after the lease ended
    assert _run(tenant_id, now + LEASE + timedelta(minutes=1)) == {"unconfirmed": 1}
    # Then the step is recorded as interrupted (the outbox does not deduplicate), nothing is sent,
    # and the sequence moves on to step 2
    prospect = _prospect(api, campaign_id, lead_id)
    last = prospect["last_decision"]
    assert (last["outcome"], last["code"], last["step"]) == ("unconfirmed", "send_interrupted", 1)
    assert (prospect["status"], prospect["current_step"]) == ("active", 2)
    assert _outbox(tenant_id) == []
    assert _outbound(tenant_id, lead_id) == []


# --- 8. modes ---------------------------------------------------------------------------------------
def _mode_api(tenant_id: str, mode: Mode) -> ApiClient:
    _tenant(tenant_id, mode)
    return ApiClient(PROSPECTION, tenant_id)


def test_assisted_mode_drafts_and_an_approved_draft_is_sent_once(tenant_id: str, leads: ApiClient) -> None:
    # Given an assisted tenant with two prospects whose first step is due
    api = _mode_api(tenant_id, Mode.ASSISTED)
    campaign_id = _campaign(api, _scenario(api))
    approved_lead, rejected_lead = _lead(leads, first_name="Oui"), _lead(leads, first_name="Non")
    _enroll(api, campaign_id, approved_lead, rejected_lead)
    due = max(_due_at(api, campaign_id, approved_lead), _due_at(api, campaign_id, rejected_lead))
    # When the scheduler runs
    assert _run(tenant_id, due) == {"drafted": 2}
    # Then nothing is sent: each prospect waits for its draft's approval
    assert _outbox(tenant_id) == []
    prospect = _prospect(api, campaign_id, approved_lead)
    assert prospect["status"] == "awaiting_approval"
    assert (prospect["last_decision"]["outcome"], prospect["last_decision"]["code"]) == (
        "drafted",
        "mode_assisted",
    )
    drafts = api.get("/approvals", query={"kind": "draft"}).body["items"]
    assert {(d["lead_id"], d["status"], d["kind"]) for d in drafts} == {
        (approved_lead, "pending", "draft"),
        (rejected_lead, "pending", "draft"),
    }
    by_lead = {d["lead_id"]: d["id"] for d in drafts}
    assert prospect["last_decision"]["approval_id"] == by_lead[approved_lead]
    # When one draft is approved, and approved again
    first = api.post(f"/approvals/{by_lead[approved_lead]}", {"decision": "approve"})
    again = api.post(f"/approvals/{by_lead[approved_lead]}", {"decision": "approve"})
    # Then it is sent once, and the prospect moves on to step 2
    assert first.status == 200, first.body
    assert first.body["status"] == "approved"
    assert again.status == 409
    assert len(_outbound(tenant_id, approved_lead)) == 1
    prospect = _prospect(api, campaign_id, approved_lead)
    assert (prospect["status"], prospect["current_step"]) == ("active", 2)
    assert prospect["last_decision"]["outcome"] == "sent"
    # When the other draft is rejected, Then nothing is sent and its prospect moves on too
    assert api.post(f"/approvals/{by_lead[rejected_lead]}", {"decision": "reject"}).status == 200
    prospect = _prospect(api, campaign_id, rejected_lead)
    assert (prospect["status"], prospect["current_step"]) == ("active", 2)
    assert prospect["last_decision"]["outcome"] == "rejected"
    assert _outbound(tenant_id, rejected_lead) == []
    assert len(_outbox(tenant_id)) == 1


def test_advise_mode_recommends_and_sends_nothing(tenant_id: str, leads: ApiClient) -> None:
    # Given an advise tenant with a prospect whose first step is due
    api = _mode_api(tenant_id, Mode.ADVISE)
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    _enroll(api, campaign_id, lead_id)
    # When the scheduler runs
    assert _run(tenant_id, _due_at(api, campaign_id, lead_id)) == {"recommended": 1}
    # Then a recommendation waits for the team, and nothing is sent
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["last_decision"]["outcome"], prospect["last_decision"]["code"]) == (
        "recommended",
        "mode_advise",
    )
    recommendations = api.get("/approvals", query={"kind": "recommendation"}).body["items"]
    assert [(r["lead_id"], r["status"]) for r in recommendations] == [(lead_id, "pending")]
    assert api.get("/approvals", query={"kind": "draft"}).body["items"] == []
    assert _outbox(tenant_id) == []
    assert _outbound(tenant_id, lead_id) == []


# --- 9. pause, resume, remove -----------------------------------------------------------------------
def test_a_paused_campaign_holds_its_prospects_until_it_resumes(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a campaign with a prospect, paused before its first step
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    _enroll(api, campaign_id, lead_id)
    due = _due_at(api, campaign_id, lead_id)
    assert api.patch(f"/campaigns/{campaign_id}", {"status": "paused"}).body["status"] == "paused"
    # When the scheduler runs, Then the prospect is held and leaves the due index
    assert _run(tenant_id, due) == {"held": 1}
    last = _prospect(api, campaign_id, lead_id)["last_decision"]
    assert (last["outcome"], last["code"]) == ("held", "campaign_paused")
    assert _run(tenant_id, due + timedelta(days=30)) == {}
    assert _outbox(tenant_id) == []
    # When the campaign resumes, Then the prospect is due again and sent at the next run in the window
    assert api.patch(f"/campaigns/{campaign_id}", {"status": "active"}).status == 200
    prospect = _prospect(api, campaign_id, lead_id)
    assert prospect["last_decision"]["code"] == "resumed_by_user"
    assert prospect["last_decision"]["reason"].startswith("Séquence reprise : prochaine étape ")
    assert _run(tenant_id, datetime.fromisoformat(prospect["next_action_at"])) == {"sent": 1}
    assert len(_outbound(tenant_id, lead_id)) == 1


def test_a_prospect_can_be_paused_resumed_and_removed(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given an enrolled prospect
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    _enroll(api, campaign_id, lead_id)
    due = _due_at(api, campaign_id, lead_id)
    path = f"/campaigns/{campaign_id}/prospects/{lead_id}"
    # When it is paused, Then the scheduler leaves it alone
    response = api.patch(path, {"status": "paused"})
    assert response.status == 200, response.body
    assert response.body["status"] == "paused"
    assert _run(tenant_id, due) == {}
    # When it is resumed, Then it is due again
    assert api.patch(path, {"status": "active"}).body["status"] == "active"
    assert _prospect(api, campaign_id, lead_id)["next_action_at"] is not None
    # When it is removed, Then it stays listed as removed, with nothing due and nothing sent
    assert api.delete(path).status == 204
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("removed", "removed_by_user")
    assert _run(tenant_id, due + timedelta(days=30)) == {}
    assert _outbox(tenant_id) == []
    assert api.patch(path, {"status": "active"}).status == 409


@pytest.mark.parametrize(
    ("locale", "paused", "resumed"),
    [
        ("fr", "Prospect mis en pause.", "Séquence reprise : prochaine étape "),
        ("en", "Prospect paused.", "Sequence resumed: next step "),
    ],
)
def test_a_resumed_prospect_says_the_sequence_resumed_in_the_tenant_s_language(
    api: ApiClient, leads: ApiClient, tenant_id: str, locale: str, paused: str, resumed: str
) -> None:
    # Given a tenant in ``locale`` and an enrolled prospect
    tenants = ApiClient("functions/tenants/", tenant_id, role="admin")
    assert tenants.patch("/tenant", {"locale": locale}).status == 200
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads)
    _enroll(api, campaign_id, lead_id)
    path = f"/campaigns/{campaign_id}/prospects/{lead_id}"
    # When a user pauses it, then resumes it
    assert api.patch(path, {"status": "paused"}).body["last_decision"]["reason"] == paused
    reason = api.patch(path, {"status": "active"}).body["last_decision"]["reason"]
    # Then its reason says the sequence resumed, in the tenant's language
    assert reason.startswith(resumed), reason


def test_a_blacklisted_address_is_removed_by_its_percent_encoded_path(api: ApiClient) -> None:
    # Given an e-mail and a phone on the blacklist
    assert api.post("/blacklist", {"email": "noir@example.fr", "reason": "a demandé"}).status == 201
    assert api.post("/blacklist", {"phone": "+33655443322", "reason": "STOP"}).status == 201
    # When a client deletes them with their values percent-encoded in the path, as HTTP clients do
    deleted = [
        api.delete("/blacklist/email/noir%40example.fr").status,
        api.delete("/blacklist/phone/%2B33655443322").status,
    ]
    # Then both are off the list (the path reaches the handler decoded, as from API Gateway)
    assert deleted == [204, 204]
    assert api.get("/blacklist").body["items"] == []
    assert api.delete("/blacklist/email/noir%40example.fr").status == 404


# --- 10. blacklist at send time -----------------------------------------------------------------------
def test_a_lead_blacklisted_after_enrollment_is_stopped_before_its_step(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given an enrolled prospect whose phone is then blacklisted (written another way)
    campaign_id = _campaign(api, _scenario(api))
    lead_id = _lead(leads, phone="+33655443322")
    _enroll(api, campaign_id, lead_id)
    assert api.post("/blacklist", {"phone": "06 55 44 33 22", "reason": "STOP"}).status == 201
    # When its step comes due
    assert _run(tenant_id, _due_at(api, campaign_id, lead_id)) == {"stopped": 1}
    # Then the sequence stops, and nothing is sent
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("stopped", "blacklisted")
    assert _outbox(tenant_id) == []


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("07911 123456", "TOO_LONG"),
        ("+33 6 12 34 56 7", "TOO_SHORT"),
        ("+999 12345678", "INVALID_COUNTRY_CODE"),
    ],
)
def test_blacklisting_a_number_that_is_not_real_is_422_naming_phone_and_writes_nothing(
    api: ApiClient, phone: str, reason: str
) -> None:
    response = api.post("/blacklist", {"phone": phone, "reason": "STOP"})
    assert response.status == 422, response.body
    [detail] = response.body["error"]["details"]
    assert (detail["field"], detail["reason"]) == ("phone", reason)
    assert api.get("/blacklist").body["items"] == []


def test_a_blacklisted_national_number_is_read_in_the_tenant_country(api: ApiClient, tenant_id: str) -> None:
    TenantService(tenant_id).update(UpdateTenantRequest(default_country="BE"), actor="admin-1")
    response = api.post("/blacklist", {"phone": "0470 12 34 56", "reason": "STOP"})
    assert response.status == 201, response.body
    assert response.body["value"] == "+32470123456"
    # And it comes off the blacklist written nationally too
    assert api.delete("/blacklist/phone/0470123456").status == 204
    assert api.get("/blacklist").body["items"] == []


def test_an_entry_stored_before_numbers_were_validated_can_still_be_removed(
    api: ApiClient, tenant_id: str
) -> None:
    # Given an entry the old rule stored for the British 07911 123456 read as French
    BlacklistRepository(tenant_id).add(
        BlacklistEntry(
            kind=BlacklistKind.PHONE,
            value="+337911123456",
            reason="STOP",
            source="manual",
            created_at=datetime.now(UTC),
            created_by="admin-1",
        )
    )
    # When an admin removes it by its stored value, Then it is gone
    assert api.delete("/blacklist/phone/+337911123456").status == 204
    assert api.get("/blacklist").body["items"] == []


# --- 11. interactions -------------------------------------------------------------------------------
def test_interactions_list_the_decisions_newest_first_per_lead(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given two prospects enrolled on Friday evening, deferred, then sent on Monday
    campaign_id = _campaign(api, _scenario(api))
    first, second = _lead(leads, first_name="Un"), _lead(leads, first_name="Deux")
    ProspectService(tenant_id, clock=_at(FRI_1750_PARIS)).enroll(
        campaign_id, EnrollRequest(lead_ids=[first, second])
    )
    assert _run(tenant_id, FRI_1800_PARIS) == {"deferred": 2}
    assert _run(tenant_id, MON_0900_PARIS) == {"sent": 2}
    # When the campaign's interactions are read for one lead
    response = api.get(f"/campaigns/{campaign_id}/interactions", query={"lead_id": first})
    # Then they are that lead's decisions, newest first, with the message's preview on the send
    assert response.status == 200, response.body
    items = response.body["items"]
    assert [(i["lead_id"], i["decision"]["outcome"]) for i in items] == [(first, "sent"), (first, "deferred")]
    assert items[0]["preview"]
    # And unfiltered, both leads' four decisions are there, newest first, paged by limit
    everything = api.get(f"/campaigns/{campaign_id}/interactions").body["items"]
    assert len(everything) == 4
    times = [i["decision"]["at"] for i in everything]
    assert times == sorted(times, reverse=True)
    page = api.get(f"/campaigns/{campaign_id}/interactions", query={"limit": "3"}).body
    assert len(page["items"]) == 3
    assert page["next_cursor"]
    rest = api.get(
        f"/campaigns/{campaign_id}/interactions", query={"limit": "3", "cursor": page["next_cursor"]}
    ).body
    assert [i["id"] for i in page["items"] + rest["items"]] == [i["id"] for i in everything]


def test_a_reply_after_the_last_step_is_recorded_on_the_completed_sequence(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a one-step sequence sent and so completed
    campaign_id = _campaign(api, _scenario(api, TWO_SMS_STEPS[:1]))
    lead_id = _lead(leads)
    _enroll(api, campaign_id, lead_id)
    sent_at = _due_at(api, campaign_id, lead_id)
    assert _run(tenant_id, sent_at) == {"sent": 1}
    assert _prospect(api, campaign_id, lead_id)["status"] == "completed"
    # When the lead answers it the next day and the worker re-evaluates the lead (twice)
    answered = sent_at + timedelta(days=1)
    ActivityService(tenant_id, clock=_at(answered)).log(
        CreateActivityRequest(
            lead_id=lead_id, channel=ActivityChannel.SMS, direction=Direction.IN, preview="Oui"
        )
    )
    for _ in range(2):
        assert Sequencer(tenant_id, clock=_at(answered)).apply_reply(lead_id) == 0
    # Then the sequence stays completed, with the reply counted for its step, once
    prospect = _prospect(api, campaign_id, lead_id)
    assert (prospect["status"], prospect["replied_at"] is not None) == ("completed", True)
    assert (prospect["last_decision"]["code"], prospect["last_decision"]["outcome"]) == (
        "replied_after_last_step",
        "completed",
    )
    codes = [i["decision"]["code"] for i in api.get(f"/campaigns/{campaign_id}/interactions").body["items"]]
    assert codes.count("replied_after_last_step") == 1
    assert api.get("/analytics/overview", query={"campaign_id": campaign_id}).body["replied"] == 1


def test_a_shard_run_out_of_time_continues_where_it_stopped_and_takes_every_step_once(
    api: ApiClient, leads: ApiClient, tenant_id: str, fanout_queue: str
) -> None:
    # Given seventeen prospects due a minute ago in a campaign open at every hour (the worker reads
    # the wall clock), spread over the eight shards of the due index: one shard holds three at least
    always = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    zone = "UTC" if 1 <= a_minute_ago.hour <= 22 else "Asia/Tokyo"
    campaign_id = _campaign(api, _scenario(api), send_window=always, timezone=zone)
    lead_ids = [_lead(leads) for _ in range(17)]
    ProspectService(tenant_id, clock=_at(a_minute_ago)).enroll(campaign_id, EnrollRequest(lead_ids=lead_ids))
    # (seventeen automatic follow-ups cost more than the plan's 100 tokens: a pack pays for them)
    BudgetService(tenant_id).add_packs(1, "seventeen follow-ups")
    # And the hourly run queued for the tenant
    drain(fanout_queue)
    fan_out(Job.RUN_PENDING_ACTIONS, a_minute_ago, [tenant_id], sqs_client(), fanout_queue)
    # When every invocation of the worker has time for one step only
    with captured_logs() as lines:
        batches = run_worker_until_idle(fanout_queue, SAFETY_MARGIN_MS + 1)
    # Then the shards holding several steps continued over several parts
    parts = [TenantJobMessage.model_validate_json(body) for batch in batches for body in batch]
    assert max(p.part for p in parts) >= 2
    # And every step was taken once and sent once: none skipped, none sent twice
    ran = [
        line for line in lines if line["message"] == "tenant job ran" and line["job"] == "run_pending_actions"
    ]
    assert sum(line["due_steps"] for line in ran) == 17
    assert all(len(_outbound(tenant_id, lead_id)) == 1 for lead_id in lead_ids)
    assert len(_outbox(tenant_id)) == 17
    # And no step is left claimed: each prospect waits for its second step, two days later
    prospects = [EnrollmentRepository(tenant_id).get(campaign_id, lead_id) for lead_id in lead_ids]
    assert {(p.current_step, p.claim_token, p.lease_until, p.sending_step) for p in prospects} == {
        (2, None, None, None)
    }
