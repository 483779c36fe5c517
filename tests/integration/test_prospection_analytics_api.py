"""Prospection analytics through the prospection handler, on numbers a real run produced.

One small prospection is played once for the module (the table stays small: moto copies it for each
item of a transaction), with the scheduler on a fixed clock and sends landing in the local outbox:

- a tenant scenario of three SMS steps: step 1 written by an active template, steps 2 and 3 by the
  built-in default message (no AI configured in the tests); step 3 never comes due here;
- campaign A (active): Léa, Marc, Nina and Omar enrolled on Monday 09:00 Paris, step 1 sent to the
  four; Omar is then removed; Léa replies on Monday asking for a meeting; step 2 goes to Marc and
  Nina on Wednesday; Marc replies and is marked converted;
- campaign B (paused before its first step): Paul, enrolled and held, never contacted.

So, over the tenant: 4 prospects (Omar removed), 3 contacted, 5 interactions, 2 replies out of 3
contacted; step 1 sent 4 times (Omar's send counts for the step) with 1 reply, step 2 sent twice
with 1 reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel, CreateActivityRequest, Direction
from maxcore.models.prospection import EnrollRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.services.activities import ActivityService
from maxcore.services.prospects import ProspectService
from maxcore.services.sequencer import Sequencer
from maxcore.services.templates import library_template_id, seed_library
from tests.support.api import ApiClient
from tests.support.dynamodb_requests import RequestCounter
from tests.support.prospection import LIBRARY_SMS, sms_step

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
TEMPLATES = "functions/templates/"

PARIS_WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
MON_0900_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WED_0900_PARIS = MON_0900_PARIS + timedelta(days=2)
ROUTES = ("/analytics/overview", "/analytics/funnel", "/analytics/steps", "/analytics/top-messages")


# --- the prospection played once -------------------------------------------------------------------
@dataclass(frozen=True)
class Played:
    """What the module's prospection made: its tenant, campaigns, scenario, template and leads."""

    tenant_id: str
    api: ApiClient
    campaign_a: str
    campaign_b: str
    scenario_id: str
    template_id: str
    leads: dict[str, str]


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _tenant(tenant_id: str) -> str:
    created = MON_0900_PARIS - timedelta(days=30)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(
            id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=created, updated_at=created
        )
    )
    # The built-in library: the steps name its templates by key.
    seed_library(tenant_id, created, fresh=True)
    return tenant_id


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, response.body
    return response.body


def _run(tenant_id: str, at: datetime) -> dict[str, int]:
    """Every shard of the tenant's due index at ``at``; the outcomes counted."""
    sequencer = Sequencer(tenant_id, clock=_at(at))
    outcomes: dict[str, int] = {}
    for shard in range(DUE_SHARDS):
        for name, n in sequencer.run_shard(shard).outcomes.items():
            outcomes[name] = outcomes.get(name, 0) + n
    return outcomes


def _reply(tenant_id: str, lead_id: str, at: datetime, text: str) -> None:
    """The lead writes back; the worker's re-evaluation stops its sequence."""
    ActivityService(tenant_id, clock=_at(at)).log(
        CreateActivityRequest(
            lead_id=lead_id, channel=ActivityChannel.SMS, direction=Direction.IN, preview=text
        )
    )
    assert Sequencer(tenant_id, clock=_at(at)).apply_reply(lead_id) == 1


@pytest.fixture(scope="module")
def played(ssm_endpoint: str) -> Played:
    tenant_id = _tenant(f"t-{new_id().lower()[-12:]}")
    api = ApiClient(PROSPECTION, tenant_id)
    leads_api = ApiClient(LEADS, tenant_id)
    templates = ApiClient(TEMPLATES, tenant_id)
    # A template for step 1, active; steps 2 and 3 have none (the default message writes them)
    template_id = _ok(
        templates.post(
            "/templates",
            {"channel": "sms", "name": "Présentation", "body": "Bonjour, un soin découverte vous tente ?"},
        ),
        201,
    )["id"]
    _ok(templates.post(f"/templates/{template_id}/activate"))
    steps = [
        {
            "order": 1,
            "delay_days": 0,
            "channel": "sms",
            "objective": "Se présenter",
            "template_id": template_id,
        },
        sms_step(2, 2, "Relancer"),
        # Never reached here: the replies below answer steps 1 and 2 of running sequences.
        sms_step(3, 7, "Dernier message"),
    ]
    scenario_id = _ok(api.post("/scenarios", {"name": "Trois SMS", "steps": steps}), 201)["id"]
    campaign = {"scenario_id": scenario_id, "send_window": PARIS_WINDOW, "timezone": "Europe/Paris"}
    campaign_a = _ok(api.post("/campaigns", {"name": "Rentrée", **campaign}), 201)["id"]
    campaign_b = _ok(api.post("/campaigns", {"name": "Noël", **campaign}), 201)["id"]
    phones = iter(f"+3361234560{n}" for n in range(10))
    leads = {
        name: _ok(leads_api.post("/leads", {"first_name": name, "phone": next(phones)}), 201)["id"]
        for name in ("Léa", "Marc", "Nina", "Omar", "Paul")
    }
    enroll = ProspectService(tenant_id, clock=_at(MON_0900_PARIS)).enroll
    in_a = [leads[n] for n in ("Léa", "Marc", "Nina", "Omar")]
    assert len(enroll(campaign_a, EnrollRequest(lead_ids=in_a)).accepted) == 4
    assert len(enroll(campaign_b, EnrollRequest(lead_ids=[leads["Paul"]])).accepted) == 1
    _ok(api.patch(f"/campaigns/{campaign_b}", {"status": "paused"}))

    # Monday 09:00: step 1 to the four of campaign A, campaign B's prospect held
    assert _run(tenant_id, MON_0900_PARIS) == {"sent": 4, "held": 1}
    _ok(api.delete(f"/campaigns/{campaign_a}/prospects/{leads['Omar']}"), 204)
    _reply(
        tenant_id,
        leads["Léa"],
        MON_0900_PARIS + timedelta(hours=1),
        "Avec plaisir, pouvons-nous prendre rendez-vous jeudi ?",
    )
    # Wednesday 09:00: step 2 to Marc and Nina; Marc replies and becomes a customer
    assert _run(tenant_id, WED_0900_PARIS) == {"sent": 2}
    _reply(tenant_id, leads["Marc"], WED_0900_PARIS + timedelta(hours=1), "Merci, je regarde ça")
    _ok(leads_api.patch(f"/leads/{leads['Marc']}", {"status": "converted"}))
    return Played(tenant_id, api, campaign_a, campaign_b, scenario_id, template_id, leads)


def _get(api: ApiClient, path: str, **query: str) -> Any:
    return _ok(api.get(path, query=query))


# --- overview ----------------------------------------------------------------------------------------
def test_the_overview_counts_prospects_interactions_replies_and_active_campaigns(played: Played) -> None:
    # When the tenant reads its overview
    overview = _get(played.api, "/analytics/overview")
    # Then Omar (removed) is no prospect, Paul is one never contacted, and 2 of the 3 contacted replied
    assert overview == {
        "prospects": 4,
        "contacted": 3,
        "interactions": 5,
        "replied": 2,
        "reply_rate": 0.6667,
        "positive_replied": 1,
        "positive_reply_rate": 0.3333,
        "declined": 0,
        "opted_out": 0,
        "out_of_office": 0,
        "opened": 0,
        "bounced": 0,
        "active_campaigns": 1,
    }


def test_the_overview_of_one_campaign_counts_that_campaign_only(played: Played) -> None:
    # When it is read for campaign A, then for the paused campaign B
    of_a = _get(played.api, "/analytics/overview", campaign_id=played.campaign_a)
    of_b = _get(played.api, "/analytics/overview", campaign_id=played.campaign_b)
    # Then each counts its own prospects; B is not active and reached nobody
    assert of_a == {
        "prospects": 3,
        "contacted": 3,
        "interactions": 5,
        "replied": 2,
        "reply_rate": 0.6667,
        "positive_replied": 1,
        "positive_reply_rate": 0.3333,
        "declined": 0,
        "opted_out": 0,
        "out_of_office": 0,
        "opened": 0,
        "bounced": 0,
        "active_campaigns": 1,
    }
    assert of_b == {
        "prospects": 1,
        "contacted": 0,
        "interactions": 0,
        "replied": 0,
        "reply_rate": 0.0,
        "positive_replied": 0,
        "positive_reply_rate": 0.0,
        "declined": 0,
        "opted_out": 0,
        "out_of_office": 0,
        "opened": 0,
        "bounced": 0,
        "active_campaigns": 0,
    }


# --- funnel ------------------------------------------------------------------------------------------
def test_the_funnel_follows_prospects_to_meetings_and_customers(
    played: Played, counter: RequestCounter
) -> None:
    # When the tenant reads its funnel
    funnel = _get(played.api, "/analytics/funnel")
    # Then Léa (meeting asked for) and Marc (converted) reach the meeting stage, Marc the last one
    assert [(s["stage"], s["count"], s["rate_from_previous"]) for s in funnel["stages"]] == [
        ("enrolled", 4, None),
        ("contacted", 3, 0.75),
        ("replied", 2, 0.6667),
        ("meeting", 2, 1.0),
        ("converted", 1, 0.5),
    ]
    # And it took one Query for the campaigns, one per campaign for the prospects, and one
    # BatchGetItem for the leads who replied: no GetItem per lead, no Scan
    assert counter.operations == ["Query", "Query", "Query", "BatchGetItem"]


def test_the_funnel_of_one_campaign(played: Played) -> None:
    of_b = _get(played.api, "/analytics/funnel", campaign_id=played.campaign_b)
    assert [(s["stage"], s["count"]) for s in of_b["stages"]] == [
        ("enrolled", 1),
        ("contacted", 0),
        ("replied", 0),
        ("meeting", 0),
        ("converted", 0),
    ]
    of_a = _get(played.api, "/analytics/funnel", campaign_id=played.campaign_a)
    assert [s["count"] for s in of_a["stages"]] == [3, 3, 2, 2, 1]


# --- steps -------------------------------------------------------------------------------------------
def test_steps_give_the_reply_rate_of_each_step_and_each_template(played: Played) -> None:
    # When the tenant reads its steps report
    report = _get(played.api, "/analytics/steps")
    # Then step 1 (Omar's send included) has Léa's reply, step 2 Marc's
    assert report["steps"] == [
        {
            "campaign_id": None,
            "scenario_id": played.scenario_id,
            "scenario_version": 1,
            "step": 1,
            "channel": "sms",
            "sent": 4,
            "replied": 1,
            "reply_rate": 0.25,
            "positive_replied": 1,
            "positive_reply_rate": 0.25,
            "opted_out": 0,
        },
        {
            "campaign_id": None,
            "scenario_id": played.scenario_id,
            "scenario_version": 1,
            "step": 2,
            "channel": "sms",
            "sent": 2,
            "replied": 1,
            "reply_rate": 0.5,
            "positive_replied": 0,
            "positive_reply_rate": 0.0,
            "opted_out": 0,
        },
    ]
    # And the step's own template and the library template of step 2 are counted apart
    library_id = library_template_id(played.tenant_id, LIBRARY_SMS, "fr")
    templates = [
        {"template_id": library_id, "source": "template", "sent": 2, "replied": 1, "reply_rate": 0.5},
        {
            "template_id": played.template_id,
            "source": "template",
            "sent": 4,
            "replied": 1,
            "reply_rate": 0.25,
        },
    ]
    assert report["templates"] == sorted(templates, key=lambda row: str(row["template_id"]))


def test_steps_by_campaign_name_the_campaign(played: Played) -> None:
    report = _get(played.api, "/analytics/steps", by_campaign="true")
    assert [(s["campaign_id"], s["step"], s["sent"], s["replied"]) for s in report["steps"]] == [
        (played.campaign_a, 1, 4, 1),
        (played.campaign_a, 2, 2, 1),
    ]
    assert _get(played.api, "/analytics/steps", campaign_id=played.campaign_b) == {
        "steps": [],
        "templates": [],
    }


# --- top messages ------------------------------------------------------------------------------------
def test_top_messages_rank_by_reply_rate_the_messages_sent_often_enough(
    played: Played, counter: RequestCounter
) -> None:
    # When the best messages are asked for with the default threshold (5 sends)
    assert _get(played.api, "/analytics/top-messages") == {"items": [], "min_sent": 5}
    # When the threshold is 2 sends
    counter.operations.clear()
    top = _get(played.api, "/analytics/top-messages", min_sent="2")
    library_id = library_template_id(played.tenant_id, LIBRARY_SMS, "fr")
    # Then the library message of step 2 (1 reply in 2) comes before the template of step 1 (1 in 4),
    # each with its step's objective
    assert top["min_sent"] == 2
    assert [
        (m["step"], m["source"], m["template_id"], m["objective"], m["sent"], m["replied"], m["reply_rate"])
        for m in top["items"]
    ] == [
        (2, "template", library_id, "Relancer", 2, 1, 0.5),
        (1, "template", played.template_id, "Se présenter", 4, 1, 0.25),
    ]
    assert {(m["scenario_id"], m["scenario_version"], m["channel"]) for m in top["items"]} == {
        (played.scenario_id, 1, "sms")
    }
    # And the scenario version was read once for both, after the campaigns and their prospects
    assert counter.operations == ["Query", "Query", "Query", "GetItem"]
    # When fewer are asked for, or a higher threshold, Then the ranking is cut accordingly
    one = _get(played.api, "/analytics/top-messages", min_sent="2", limit="1")
    assert [(m["step"], m["source"]) for m in one["items"]] == [(2, "template")]
    three = _get(played.api, "/analytics/top-messages", min_sent="3")
    assert [(m["step"], m["source"]) for m in three["items"]] == [(1, "template")]
    # And campaign B has nothing to rank
    of_b = _get(played.api, "/analytics/top-messages", campaign_id=played.campaign_b, min_sent="1")
    assert of_b == {"items": [], "min_sent": 1}


# --- scope, validation, empty tenant -----------------------------------------------------------------
@pytest.mark.parametrize("path", ROUTES)
def test_another_tenants_campaign_or_an_unknown_one_is_a_404(
    played: Played, other_tenant_id: str, path: str
) -> None:
    # Given another tenant, When it asks for the analytics of the played tenant's campaign
    other = ApiClient(PROSPECTION, _tenant(other_tenant_id))
    response = other.get(path, query={"campaign_id": played.campaign_a})
    # Then that campaign does not exist for it, no more than an unknown one does for the owner
    assert response.status == 404, response.body
    assert response.body["error"]["code"] == "not_found"
    assert played.api.get(path, query={"campaign_id": new_id()}).status == 404


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/analytics/overview", {"campaign_id": "not-a-campaign"}, "campaign_id"),
        ("/analytics/funnel", {"campaign_id": "01j0000000000000000000000z"}, "campaign_id"),
        ("/analytics/steps", {"by_campaign": "maybe"}, "by_campaign"),
        ("/analytics/top-messages", {"limit": "0"}, "limit"),
        ("/analytics/top-messages", {"limit": "51"}, "limit"),
        ("/analytics/top-messages", {"limit": "ten"}, "limit"),
        ("/analytics/top-messages", {"min_sent": "0"}, "min_sent"),
        ("/analytics/top-messages", {"min_sent": "-3"}, "min_sent"),
    ],
)
def test_bad_query_values_are_422_naming_the_parameter(
    played: Played, path: str, query: dict[str, str], field: str
) -> None:
    response = played.api.get(path, query=query)
    assert response.status == 422, response.body
    assert any(d["field"].endswith(field) for d in response.body["error"]["details"]), response.body


def test_a_tenant_without_prospection_gets_zeros_everywhere(tenant_id: str) -> None:
    # Given a tenant with no campaign at all
    api = ApiClient(PROSPECTION, _tenant(tenant_id))
    # When it reads its analytics, Then every number is zero and every list empty
    assert _get(api, "/analytics/overview") == {
        "prospects": 0,
        "contacted": 0,
        "interactions": 0,
        "replied": 0,
        "reply_rate": 0.0,
        "positive_replied": 0,
        "positive_reply_rate": 0.0,
        "declined": 0,
        "opted_out": 0,
        "out_of_office": 0,
        "opened": 0,
        "bounced": 0,
        "active_campaigns": 0,
    }
    stages = _get(api, "/analytics/funnel")["stages"]
    assert [(s["stage"], s["count"], s["rate_from_previous"]) for s in stages] == [
        ("enrolled", 0, None),
        ("contacted", 0, 0.0),
        ("replied", 0, 0.0),
        ("meeting", 0, 0.0),
        ("converted", 0, 0.0),
    ]
    assert _get(api, "/analytics/steps", by_campaign="true") == {"steps": [], "templates": []}
    assert _get(api, "/analytics/top-messages", min_sent="1") == {"items": [], "min_sent": 1}
