"""``GET /schedule/preview``: what the hourly scheduler would do on a day, computed without writing.

The exact times are checked on ``SchedulePreviewService`` given a fixed clock (the code reads the
wall clock through its ``clock=`` argument). The route reads the wall clock, so its tests use days
relative to the real today, with prospects whose steps are due on those days whatever the time is.

Tenants get their settings only (no built-in template library), to keep the module's table small.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import InvalidInputError
from maxcore.models.prospection import EnrollRequest, SchedulePreview
from maxcore.models.tenant import Locale, Mode, Tenant
from maxcore.services.prospects import ProspectService
from maxcore.services.schedule_preview import SchedulePreviewService
from maxcore.services.sequencer import Sequencer
from maxcore.services.templates import seed_library
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions
from tests.support.prospection import sms_step, unique_phone

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
PARIS = ZoneInfo("Europe/Paris")

PARIS_WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
EVERY_DAY = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "08:00", "end": "20:00"}
FRIDAY, SATURDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)
FRI_1750_PARIS = datetime(2026, 11, 20, 16, 50, tzinfo=UTC)
MON_0900_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TUE_0900_PARIS = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TWO_SMS_STEPS = [
    sms_step(1, 0, "Se présenter"),
    sms_step(2, 2, "Relancer"),
]


# --- fixtures and helpers ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _ssm(ssm_endpoint: str) -> str:
    """Credential look-ups (none stored: sends would go to the outbox) hit moto's SSM, never AWS."""
    return ssm_endpoint


def _tenant(tenant_id: str, mode: Mode = Mode.AUTO, locale: Locale = Locale.FR) -> str:
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(
            id=tenant_id, name="Institut Belle Peau", mode=mode, locale=locale, created_at=now, updated_at=now
        )
    )
    # The built-in library: the steps name its templates by key.
    seed_library(tenant_id, now, fresh=True)
    return tenant_id


@pytest.fixture
def api(tenant_id: str) -> ApiClient:
    _tenant(tenant_id)
    return ApiClient(PROSPECTION, tenant_id)


@pytest.fixture
def leads(tenant_id: str) -> ApiClient:
    return ApiClient(LEADS, tenant_id)


def _lead(leads: ApiClient, **fields: Any) -> str:
    body = {"first_name": "Sophie", "phone": unique_phone(), **fields}
    response = leads.post("/leads", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _campaign(api: ApiClient, steps: list[dict[str, Any]] | None = None, **fields: Any) -> str:
    scenario = api.post("/scenarios", {"name": "Deux SMS", "steps": steps or TWO_SMS_STEPS})
    assert scenario.status == 201, scenario.body
    body = {
        "name": "Rentrée",
        "scenario_id": scenario.body["id"],
        "send_window": PARIS_WINDOW,
        "timezone": "Europe/Paris",
        **fields,
    }
    response = api.post("/campaigns", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _enroll(tenant_id: str, campaign_id: str, at: datetime, *lead_ids: str, parallel: bool = False) -> None:
    report = ProspectService(tenant_id, clock=_at(at)).enroll(
        campaign_id, EnrollRequest(lead_ids=list(lead_ids), allow_parallel=parallel)
    )
    assert [a.lead_id for a in report.accepted] == list(lead_ids), report.rejected


def _preview(tenant_id: str, now: datetime, day: date) -> SchedulePreview:
    return SchedulePreviewService(tenant_id, clock=_at(now)).preview(day)


def _summary(preview: SchedulePreview) -> list[tuple[str, str, str, str | None]]:
    """(lead, outcome, code, local time) of each item, in order."""
    return [(i.lead_id, i.outcome.value, i.code, i.local_time) for i in preview.items]


@pytest.fixture
def snapshot(tables: dict[str, str], aws_endpoint: str) -> Callable[[str], list[dict[str, Any]]]:
    """Every item of a tenant (its keys all begin with ``TENANT#<id>``): a Scan, which only tests may do."""
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="eu-west-3")

    def take(tenant_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=tables["MaxTable"]):
            found += [i for i in page["Items"] if i["PK"]["S"].startswith(f"TENANT#{tenant_id}")]
        return sorted(found, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))

    return take


# --- the send window -------------------------------------------------------------------------------
def test_a_step_due_friday_evening_shows_deferred_on_friday_and_sent_on_monday_at_nine(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given an auto tenant, a Mon-Fri 09:00-18:00 Paris campaign, a lead enrolled on Friday at 17:50
    campaign_id = _campaign(api)
    lead_id = _lead(leads)
    _enroll(tenant_id, campaign_id, FRI_1750_PARIS, lead_id)

    # When Friday is previewed at 17:50
    friday = _preview(tenant_id, FRI_1750_PARIS, FRIDAY)
    # Then the 18:00 run defers the step to Monday 09:00, saying so, and nothing is to be written
    assert (friday.date, friday.timezone) == ("2026-11-20", "Europe/Paris")
    [item] = friday.items
    assert (item.kind.value, item.campaign_id, item.lead_id, item.step, item.channel) == (
        "campaign_step",
        campaign_id,
        lead_id,
        1,
        "sms",
    )
    assert (item.outcome.value, item.code, item.source) == ("deferred", "outside_window", None)
    assert item.local_time == "2026-11-20T18:00:00+01:00"
    assert item.until == MON_0900_PARIS
    assert item.reason == (
        "Étape 1 reportée : hors des horaires d'envoi, "
        "prochaine fenêtre lundi 23 novembre 09:00 (Europe/Paris)."
    )

    # When Monday is previewed (still on Friday at 17:50)
    monday = _preview(tenant_id, FRI_1750_PARIS, MONDAY)
    # Then the step is sent at 09:00 Paris by SMS, written by the built-in default (no AI configured)
    [item] = monday.items
    assert (item.outcome.value, item.code, item.local_time) == (
        "sent",
        "mode_auto",
        "2026-11-23T09:00:00+01:00",
    )
    assert (item.channel, item.source, item.at) == ("sms", "template", MON_0900_PARIS)
    assert item.reason == "Étape 1 envoyée par SMS (mode Automatique)."
    # And the weekend in between has nothing: the step was deferred on Friday evening
    assert _preview(tenant_id, FRI_1750_PARIS, SATURDAY).items == []


def test_a_marketing_sms_due_on_sunday_shows_deferred_to_monday_8_like_the_scheduler(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a campaign open every day 07:00-21:00 Paris and a French lead enrolled on Saturday at 21:00
    every_day = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "07:00", "end": "21:00"}
    campaign_id = _campaign(api, send_window=every_day)
    lead_id = _lead(leads)
    saturday_evening = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    _enroll(tenant_id, campaign_id, saturday_evening, lead_id)

    # When Sunday is previewed, Then its 07:00 run defers the SMS to Monday 08:00, naming Sunday
    [item] = _preview(tenant_id, saturday_evening, SATURDAY + timedelta(days=1)).items
    assert (item.outcome.value, item.code, item.local_time) == (
        "deferred",
        "quiet_sunday",
        "2026-11-22T07:00:00+01:00",
    )
    assert item.until == MON_0900_PARIS - timedelta(hours=1)
    assert "dimanche chez le destinataire" in item.reason
    # And Monday shows it sent at 08:00
    [item] = _preview(tenant_id, saturday_evening, MONDAY).items
    assert (item.outcome.value, item.local_time) == ("sent", "2026-11-23T08:00:00+01:00")


# --- what would be blocked, and why ---------------------------------------------------------------------
def test_blacklisted_and_opted_out_prospects_show_what_stops_them(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given three prospects due on Monday 09:00: one fine, one blacklisted since, one opted out since
    campaign_id = _campaign(api)
    fine = _lead(leads, first_name="Bon")
    blacklisted = _lead(leads, first_name="Noir", phone="+33655443322")
    opted_out = _lead(leads, first_name="Refus")
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, fine, blacklisted, opted_out)
    assert api.post("/blacklist", {"phone": "06 55 44 33 22", "reason": "STOP"}).status == 201
    assert leads.patch(f"/leads/{opted_out}", {"consent": {"sms": False}}).status == 200

    # When Monday is previewed at 08:30 Paris
    preview = _preview(tenant_id, MON_0900_PARIS - timedelta(minutes=30), MONDAY)
    # Then at the 09:00 run the fine one is sent, the blacklisted one stopped and the other skipped
    by_lead = {i.lead_id: i for i in preview.items}
    assert {k: (i.outcome.value, i.code, i.local_time) for k, i in by_lead.items()} == {
        fine: ("sent", "mode_auto", "2026-11-23T09:00:00+01:00"),
        blacklisted: ("stopped", "blacklisted", "2026-11-23T09:00:00+01:00"),
        opted_out: ("skipped", "opted_out", "2026-11-23T09:00:00+01:00"),
    }
    assert (
        by_lead[blacklisted].reason == "Séquence arrêtée : l'adresse du prospect est sur votre liste noire."
    )
    assert by_lead[opted_out].reason == "Étape 1 sautée : le prospect s'est désinscrit du canal SMS."
    assert (by_lead[blacklisted].source, by_lead[opted_out].source) == (None, None)


def test_a_paused_campaign_shows_its_prospects_held(api: ApiClient, leads: ApiClient, tenant_id: str) -> None:
    # Given a prospect due on Monday 09:00 in a campaign paused since
    campaign_id = _campaign(api)
    lead_id = _lead(leads)
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, lead_id)
    assert api.patch(f"/campaigns/{campaign_id}", {"status": "paused"}).status == 200
    # When Monday is previewed, Then the step is held at 09:00, with the reason
    [item] = _preview(tenant_id, MON_0900_PARIS, MONDAY).items
    assert (item.outcome.value, item.code, item.local_time) == (
        "held",
        "campaign_paused",
        "2026-11-23T09:00:00+01:00",
    )
    assert item.reason == "En attente : la campagne est en pause, l'étape 1 repartira à la reprise."


def test_assisted_mode_shows_drafts_in_the_tenants_language(tenant_id: str, leads: ApiClient) -> None:
    # Given an assisted tenant that reads English, with a prospect due on Monday 09:00
    api = ApiClient(PROSPECTION, _tenant(tenant_id, Mode.ASSISTED, Locale.EN))
    campaign_id = _campaign(api)
    lead_id = _lead(leads)
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, lead_id)
    # When Monday is previewed, Then a draft would be written, by the default message, and said in English
    [item] = _preview(tenant_id, MON_0900_PARIS, MONDAY).items
    assert (item.outcome.value, item.code, item.channel, item.source) == (
        "drafted",
        "mode_assisted",
        "sms",
        "template",
    )
    assert item.reason == "Step 1: SMS draft ready and waiting for your approval (assisted mode)."


def test_a_manual_call_step_shows_as_a_task(api: ApiClient, leads: ApiClient, tenant_id: str) -> None:
    # Given a scenario whose first step is a call, and a prospect due on Monday 09:00
    steps = [{"order": 1, "delay_days": 0, "channel": "call", "objective": "Appeler"}]
    campaign_id = _campaign(api, steps)
    lead_id = _lead(leads)
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, lead_id)
    # When Monday is previewed, Then a task would be created for the call, with no message source
    [item] = _preview(tenant_id, MON_0900_PARIS, MONDAY).items
    assert (item.outcome.value, item.code, item.channel, item.source) == (
        "task_created",
        "manual_call",
        "call",
        None,
    )
    assert item.reason == "Étape 1 : appel à passer, la tâche vous attend."


def test_a_daily_cap_of_one_defers_the_second_send_as_the_scheduler_then_does(
    api: ApiClient, leads: ApiClient, tenant_id: str
) -> None:
    # Given a campaign capped at one SMS a day, and two prospects due on Monday 09:00
    campaign_id = _campaign(api, daily_caps={"sms": 1})
    first, second = _lead(leads, first_name="Un"), _lead(leads, first_name="Deux")
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, first, second)
    # When Monday is previewed
    preview = _preview(tenant_id, MON_0900_PARIS, MONDAY)
    # Then the first in run order is sent and the second waits for Tuesday's window, saying why
    assert [(i.outcome.value, i.code) for i in preview.items] == [
        ("sent", "mode_auto"),
        ("deferred", "daily_cap"),
    ]
    capped = preview.items[1]
    assert capped.until == TUE_0900_PARIS
    assert (
        "plafond de 1 message par jour atteint pour le canal SMS, reprise mardi 24 novembre 09:00"
        in capped.reason
    )
    # And the scheduler's run at 09:00 does just that (the preview took none of the cap)
    outcomes: dict[str, int] = {}
    sequencer = Sequencer(tenant_id, clock=_at(MON_0900_PARIS))
    for shard in range(DUE_SHARDS):
        for name, n in sequencer.run_shard(shard).outcomes.items():
            outcomes[name] = outcomes.get(name, 0) + n
    assert outcomes == {"sent": 1, "deferred": 1}


# --- nothing written --------------------------------------------------------------------------------
def test_a_preview_writes_nothing_calls_no_model_and_spends_no_token(
    api: ApiClient,
    leads: ApiClient,
    tenant_id: str,
    llm: FakeChatCompletions,
    snapshot: Callable[[str], list[dict[str, Any]]],
) -> None:
    # Given a model configured, an AI-written step due on Monday 09:00 and a paused campaign's step
    steps = [
        {"order": 1, "delay_days": 0, "channel": "sms", "objective": "Bonjour", "ai_prompt": "Chaleureux"}
    ]
    written_by_ai = _campaign(api, steps)
    paused = _campaign(api)
    lead_id = _lead(leads)
    _enroll(tenant_id, written_by_ai, MON_0900_PARIS, lead_id)
    _enroll(tenant_id, paused, MON_0900_PARIS, lead_id, parallel=True)
    assert api.patch(f"/campaigns/{paused}", {"status": "paused"}).status == 200
    before = snapshot(tenant_id)
    assert len(before) >= 9  # profile, lead, its guard, two scenarios, campaigns and enrollments
    # When Friday and Monday are previewed
    friday = _preview(tenant_id, FRI_1750_PARIS, FRIDAY)
    monday = _preview(tenant_id, FRI_1750_PARIS, MONDAY)
    # Then Monday shows the AI would write the send, yet no model was called
    assert friday.items == []
    by_campaign = {i.campaign_id: (i.outcome.value, i.source) for i in monday.items}
    assert by_campaign == {written_by_ai: ("sent", "ai"), paused: ("held", None)}
    assert llm.requests == []
    # And not one item of the tenant changed: no claim, decision, message, outbox entry, counter or token
    assert snapshot(tenant_id) == before


# --- tenants ----------------------------------------------------------------------------------------
def test_another_tenant_sees_nothing_of_the_tenants_schedule(
    api: ApiClient, leads: ApiClient, tenant_id: str, other_tenant_id: str
) -> None:
    # Given a tenant with a step due on Monday
    campaign_id = _campaign(api)
    _enroll(tenant_id, campaign_id, MON_0900_PARIS, _lead(leads))
    assert len(_preview(tenant_id, MON_0900_PARIS, MONDAY).items) == 1
    # When another tenant previews the same day, Then its day is empty
    assert _preview(_tenant(other_tenant_id), MON_0900_PARIS, MONDAY).items == []


# --- the day asked for ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "day", "allowed"),
    [
        # Sunday 23:30 UTC is already Monday 00:30 in Paris: Sunday is past there, Monday is today.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), date(2026, 11, 22), False),
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), date(2026, 11, 23), True),
        (MON_0900_PARIS, MONDAY + timedelta(days=90), True),
        (MON_0900_PARIS, MONDAY + timedelta(days=91), False),
    ],
)
def test_the_day_is_today_to_90_days_ahead_in_the_tenants_timezone(
    tenant_id: str, now: datetime, day: date, allowed: bool
) -> None:
    service = SchedulePreviewService(_tenant(tenant_id), clock=_at(now))
    if allowed:
        assert service.preview(day).items == []
        return
    with pytest.raises(InvalidInputError) as raised:
        service.preview(day)
    assert raised.value.status == 422
    assert [d["field"] for d in raised.value.details] == ["query.date"]


# --- the route (wall clock) -------------------------------------------------------------------------
def _today_in_paris() -> date:
    return datetime.now(PARIS).date()


def test_the_route_previews_a_day_of_the_callers_tenant_only(
    api: ApiClient, leads: ApiClient, tenant_id: str, other_tenant_id: str
) -> None:
    # Given a prospect enrolled at noon, Paris time, two days from the real today (every day open)
    day = _today_in_paris() + timedelta(days=2)
    noon = datetime.combine(day, time(12), PARIS).astimezone(UTC)
    campaign_id = _campaign(api, send_window=EVERY_DAY)
    lead_id = _lead(leads)
    _enroll(tenant_id, campaign_id, noon, lead_id)
    # When that day is previewed through the API
    response = api.get("/schedule/preview", query={"date": day.isoformat()})
    # Then the step is sent at noon local time, by SMS, from the default message
    assert response.status == 200, response.body
    body = response.body
    assert (body["date"], body["timezone"]) == (day.isoformat(), "Europe/Paris")
    [item] = body["items"]
    assert {
        k: item[k] for k in ("kind", "campaign_id", "lead_id", "step", "channel", "source", "outcome", "code")
    } == {
        "kind": "campaign_step",
        "campaign_id": campaign_id,
        "lead_id": lead_id,
        "step": 1,
        "channel": "sms",
        "source": "template",
        "outcome": "sent",
        "code": "mode_auto",
    }
    assert datetime.fromisoformat(item["local_time"]) == noon
    assert item["local_time"].startswith(f"{day.isoformat()}T12:00:00")
    assert item["reason"]
    # And another tenant's caller sees nothing on that day
    other = ApiClient(PROSPECTION, _tenant(other_tenant_id))
    answer = other.get("/schedule/preview", query={"date": day.isoformat()})
    assert (answer.status, answer.body["items"]) == (200, [])


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"date": ""},
        {"date": "demain"},
        {"date": "2026-02-30"},
        {"date": "past"},
        {"date": "far"},
    ],
)
def test_a_missing_bad_past_or_too_distant_date_is_422_naming_date(
    api: ApiClient, query: dict[str, str]
) -> None:
    today = _today_in_paris()
    relative = {"past": today - timedelta(days=2), "far": today + timedelta(days=120)}
    if query.get("date") in relative:
        query = {"date": relative[query["date"]].isoformat()}
    response = api.get("/schedule/preview", query=query)
    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_error"
    assert [d["field"] for d in response.body["error"]["details"]] == ["query.date"]


def test_the_route_answers_today_for_a_tenant_with_nothing_due(api: ApiClient) -> None:
    response = api.get("/schedule/preview", query={"date": _today_in_paris().isoformat()})
    assert response.status == 200, response.body
    assert response.body["items"] == []
    assert datetime.fromisoformat(response.body["generated_at"]).tzinfo is not None
