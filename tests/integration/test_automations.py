"""Automations end to end: the API (through the prospection handler) and their scheduled run.

The run goes through ``AutomationRunner`` with a fixed clock, and through the scheduler's worker
handler for the SQS path. Tenants get their settings only (no built-in template library); each test
makes the one template it needs. Without SMS credentials every send lands in the tenant's local
outbox (provider ``outbox``), which is what the counts read.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import SAFETY_MARGIN_MS
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.automations import AutomationRepository
from maxcore.dal.outbox import OutboxRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel, CreateActivityRequest, Direction
from maxcore.models.common import Channel
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.prospection import Decision, Outcome, PreviewKind
from maxcore.models.template import CreateTemplateRequest
from maxcore.models.tenant import Mode, Tenant
from maxcore.rules.alerts import iso
from maxcore.services.activities import ActivityService
from maxcore.services.automation_runner import AutomationReport, AutomationRunner
from maxcore.services.budget import BudgetService
from maxcore.services.job_queue import queue_messages
from maxcore.services.leads import LeadService
from maxcore.services.schedule_preview import SchedulePreviewService
from maxcore.services.scheduling import run_tenant_job
from maxcore.services.sequencer import LEASE
from maxcore.services.templates import TemplateService
from tests.integration.conftest import drain, run_worker_until_idle
from tests.support.api import ApiClient
from tests.support.logs import captured_logs

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
TUE_1000_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
"""Inside the tenant's default window (Monday to Friday, 09:00-18:00 Europe/Paris)."""
SAT_1000_PARIS = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _ssm(ssm_endpoint: str) -> str:
    """Credential look-ups (none stored: sends go to the outbox) hit moto's SSM, never AWS."""
    return ssm_endpoint


def _tenant(tenant_id: str, mode: Mode, locale: str = "fr", **settings: Any) -> None:
    now = datetime.now(UTC)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant.model_validate(
            {
                "id": tenant_id,
                "name": "Institut Belle Peau",
                "mode": mode,
                "locale": locale,
                "created_at": now,
                "updated_at": now,
                **settings,
            }
        )
    )


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _template(tenant_id: str, *, active: bool = True, body: str | None = None) -> str:
    service = TemplateService(tenant_id, actor="user-1")
    template = service.create(
        CreateTemplateRequest(
            channel=Channel.SMS,
            name=f"Relance {new_id()[-6:]}",
            body=body or "Bonjour {{firstName|}}, avez-vous pu regarder notre proposition ?",
        )
    )
    if active:
        service.activate(template.id)
    return template.id


def _lead(tenant_id: str, *, created: datetime, **fields: Any) -> str:
    digits = str(int(new_id()[-10:], 36))[-7:].rjust(7, "0")
    # +33 61: a French mobile range that is open whatever the digits (+33 69... is overseas, refused).
    request = CreateLeadRequest.model_validate({"first_name": "Sophie", "phone": f"+3361{digits}", **fields})
    return LeadService(tenant_id, clock=_at(created)).create(request).id


def _log(tenant_id: str, lead_id: str, direction: Direction, at: datetime, preview: str = "Bonjour") -> None:
    ActivityService(tenant_id, _at(at)).log(
        CreateActivityRequest(
            lead_id=lead_id, channel=ActivityChannel.SMS, direction=direction, preview=preview, occurred_at=at
        )
    )


def _automation(api: ApiClient, template_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Relance silence",
        "trigger_type": "silence",
        "trigger_config": {"days": 3},
        "template_id": template_id,
        "enabled": True,
        **fields,
    }
    response = api.post("/automations", body)
    assert response.status == 201, response.body
    return dict(response.body)


def _run(tenant_id: str, at: datetime) -> AutomationReport:
    return AutomationRunner(tenant_id, clock=_at(at)).run()


def _outbox(tenant_id: str) -> list[Any]:
    return OutboxRepository(tenant_id).page(100, None)[0]


def _runs(api: ApiClient, automation_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/automations/{automation_id}/runs")
    assert response.status == 200, response.body
    return list(response.body["items"])


def _silent_leads(tenant_id: str) -> dict[str, str]:
    """Three leads: one silent for 4 days (fires), one for 1 day, one who answered."""
    now = TUE_1000_PARIS
    silent = _lead(tenant_id, created=now - timedelta(days=10), first_name="Camille")
    recent = _lead(tenant_id, created=now - timedelta(days=10), first_name="Léa")
    answered = _lead(tenant_id, created=now - timedelta(days=10), first_name="Inès")
    _log(tenant_id, silent, Direction.OUT, now - timedelta(days=4))
    _log(tenant_id, recent, Direction.OUT, now - timedelta(days=1))
    _log(tenant_id, answered, Direction.OUT, now - timedelta(days=5))
    _log(tenant_id, answered, Direction.IN, now - timedelta(days=4, hours=20), "Merci, je regarde")
    return {"silent": silent, "recent": recent, "answered": answered}


# --- the API ----------------------------------------------------------------------------------------
def test_an_automation_is_created_read_changed_toggled_and_deleted(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    template_id = _template(tenant_id)
    # When an automation is created without `enabled`
    created = _automation(api, template_id, enabled=False, trigger_config={})
    automation_id = created["id"]
    # Then it is off, with the trigger's default config and the three stop conditions
    assert (created["status"], created["enabled"]) == ("off", False)
    assert created["trigger_config"] == {"days": 3}
    assert created["stop_conditions"] == ["replied", "status_converted", "opted_out"]
    assert [a["id"] for a in api.get("/automations").body["items"]] == [automation_id]
    # When its trigger changes type without a config, Then it takes that type's defaults
    changed = api.patch(f"/automations/{automation_id}", {"trigger_type": "opened_no_reply"})
    assert changed.status == 200, changed.body
    assert (changed.body["trigger_type"], changed.body["trigger_config"]) == (
        "opened_no_reply",
        {"hours": 24},
    )
    # When it is toggled twice, Then it is on, then off again
    assert api.post(f"/automations/{automation_id}/toggle").body["status"] == "on"
    assert api.post(f"/automations/{automation_id}/toggle").body["status"] == "off"
    assert api.get(f"/automations/{automation_id}").body["status"] == "off"
    # When it is deleted, Then it is gone
    assert api.delete(f"/automations/{automation_id}").status == 204
    assert api.get(f"/automations/{automation_id}").status == 404
    assert api.get("/automations").body["items"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"trigger_type": "make_coffee"}, "trigger_type"),
        ({"trigger_config": {"days": 0}}, "trigger_config"),
        ({"trigger_config": {"hours": 3}}, "trigger_config"),
        ({"template_id": "01J0000000000000000000000Z"}, "template_id"),
        (
            {"trigger_type": "inbound_intent", "trigger_config": {}, "stop_conditions": ["replied"]},
            "stop_conditions",
        ),
        ({"stop_conditions": ["replied", "replied"]}, "stop_conditions"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_automation_is_422_naming_the_field_and_nothing_is_saved(
    tenant_id: str, changes: dict[str, Any], field: str
) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    body = {"name": "Relance", "trigger_type": "silence", "template_id": _template(tenant_id), **changes}
    response = api.post("/automations", body)
    assert response.status == 422, response.body
    assert field in json.dumps(response.body)
    assert api.get("/automations").body["items"] == []


def test_an_automation_turns_on_only_with_an_active_template(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    draft = _template(tenant_id, active=False)
    # A draft template may be named, but the automation cannot be on with it
    refused = api.post(
        "/automations", {"name": "R", "trigger_type": "silence", "template_id": draft, "enabled": True}
    )
    assert refused.status == 422, refused.body
    assert "template_id" in json.dumps(refused.body)
    created = _automation(api, draft, enabled=False)
    toggled = api.post(f"/automations/{created['id']}/toggle")
    assert toggled.status == 422, toggled.body
    assert api.get(f"/automations/{created['id']}").body["status"] == "off"
    # Once the template is validated, it can be turned on
    TemplateService(tenant_id, actor="user-1").activate(draft)
    assert api.post(f"/automations/{created['id']}/toggle").body["status"] == "on"


def test_another_tenants_automation_is_invisible(tenant_id: str, other_tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    _tenant(other_tenant_id, Mode.AUTO)
    mine = _automation(ApiClient(PROSPECTION, tenant_id), _template(tenant_id))
    other = ApiClient(PROSPECTION, other_tenant_id)
    path = f"/automations/{mine['id']}"
    assert other.get(path).status == 404
    assert other.patch(path, {"name": "À moi"}).status == 404
    assert other.post(f"{path}/toggle").status == 404
    assert other.get(f"{path}/runs").status == 404
    assert other.delete(path).status == 404
    assert other.get("/automations").body["items"] == []
    # Nor can it point its own automation at my template
    stolen = other.post(
        "/automations", {"name": "R", "trigger_type": "silence", "template_id": mine["template_id"]}
    )
    assert stolen.status == 422, stolen.body
    assert ApiClient(PROSPECTION, tenant_id).get(path).body["name"] == "Relance silence"


# --- the run ---------------------------------------------------------------------------------------
def test_auto_mode_sends_to_the_silent_lead_once_with_its_reason(tenant_id: str) -> None:
    # Given an auto tenant, a silence-3-days automation and three leads
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    leads = _silent_leads(tenant_id)
    # When the hourly run goes
    report = _run(tenant_id, TUE_1000_PARIS)
    # Then only the lead silent for 4 days gets the template, rendered for it
    assert (report.leads, report.fired, report.outcomes) == (3, 1, {"sent": 1})
    [sent] = _outbox(tenant_id)
    # (an automation's SMS is marketing: the opt-out mention ends it)
    assert (
        sent.body
        == "Bonjour Camille, avez-vous pu regarder notre proposition ?\nRépondez STOP pour vous désinscrire"
    )
    activities = ActivityRepository(tenant_id).page_for_lead(leads["silent"], None, 10)
    outbound = [a for a in activities if a.metadata.get("automation_id") == automation["id"]]
    assert len(outbound) == 1
    # And the run says why, in French
    [run] = _runs(api, automation["id"])
    assert run["lead_id"] == leads["silent"]
    assert run["state"] == "done"
    assert run["decision"]["outcome"] == "sent"
    assert run["decision"]["reason"] == (
        "« Relance silence » : aucune réponse depuis 4 jours après votre dernier message. "
        "Message envoyé (mode Automatique)."
    )
    assert run["decision"]["activity_id"] == outbound[0].id
    # When the run goes again an hour later, Then nothing more is sent: the occurrence is done
    # (the message just sent starts a new silence, 3 days from now)
    again = _run(tenant_id, TUE_1000_PARIS + timedelta(hours=1))
    assert again.outcomes == {}
    assert len(_outbox(tenant_id)) == 1


def test_the_same_occurrence_is_acted_on_once_by_two_workers_at_once(tenant_id: str) -> None:
    # Given an auto tenant with a silent lead and the automation on
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    _automation(api, _template(tenant_id))
    _silent_leads(tenant_id)
    # When two workers run at the same instant
    reports: list[AutomationReport] = []
    threads = [
        threading.Thread(target=lambda: reports.append(_run(tenant_id, TUE_1000_PARIS))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then one message leaves, and the other worker found it handled or lost the claim
    assert len(_outbox(tenant_id)) == 1
    assert sum(r.outcomes.get("sent", 0) for r in reports) == 1
    assert sum(r.already_handled + r.lost_races for r in reports) == 1


def test_the_worker_handler_given_the_same_message_twice_sends_once(tenant_id: str) -> None:
    # The worker reads the wall clock: a window open at every hour of every day
    always = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}
    _tenant(tenant_id, Mode.AUTO, send_window=always, timezone="UTC")
    api = ApiClient(PROSPECTION, tenant_id)
    _automation(api, _template(tenant_id), trigger_type="never_contacted", trigger_config={"days": 0})
    _lead(tenant_id, created=datetime.now(UTC) - timedelta(days=1))
    message = json.dumps(
        {"job": "run_automations", "tenant_id": tenant_id, "scheduled_at": "2026-11-24T09:00:00Z"}
    )
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    for attempt in ("first", "redelivered"):
        result = worker(sqs_event([(f"m-{attempt}", message)]), LocalContext())
        assert result["batchItemFailures"] == []
    # Then the lead got one message, and its occurrence is done
    assert len(_outbox(tenant_id)) == 1
    runs = AutomationRepository(tenant_id).runs(api.get("/automations").body["items"][0]["id"], 10, None)[0]
    assert [(r.state, r.decision.outcome if r.decision else None) for r in runs] == [("done", Outcome.SENT)]


def test_nothing_runs_outside_the_tenants_send_window(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    _silent_leads(tenant_id)
    # On Saturday nothing is even claimed
    report = _run(tenant_id, SAT_1000_PARIS)
    assert report.outside_window
    assert (report.leads, report.outcomes) == (0, {})
    assert _runs(api, automation["id"]) == []
    assert _outbox(tenant_id) == []
    # On Monday morning the leads silent for 3 days or more get their message (both, by then)
    assert _run(tenant_id, SAT_1000_PARIS + timedelta(days=2)).outcomes == {"sent": 2}


def test_a_marketing_sms_waits_for_the_tenant_s_marketing_hours(tenant_id: str) -> None:
    # Given an auto tenant whose marketing texts go from 11:00 to 19:00, and a silence automation
    _tenant(tenant_id, Mode.AUTO, marketing_hours={"start": "11:00", "end": "19:00"})
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    leads = _silent_leads(tenant_id)
    # When the run goes on Tuesday at 10:00 Paris (inside the send window, before 11:00)
    assert _run(tenant_id, TUE_1000_PARIS).outcomes == {"deferred": 1}
    # Then nothing leaves, and the run says why and until when
    assert _outbox(tenant_id) == []
    [run] = _runs(api, automation["id"])
    assert run["lead_id"] == leads["silent"]
    assert run["decision"]["code"] == "quiet_hours"
    assert "hors 11:00-19:00 chez le destinataire" in run["decision"]["reason"]
    assert datetime.fromisoformat(run["decision"]["until"]) == TUE_1000_PARIS + timedelta(hours=1)
    # When the next run goes after 11:00 (a deferred occurrence is claimed once its time has passed),
    # Then the SMS leaves, with its STOP mention
    assert _run(tenant_id, TUE_1000_PARIS + timedelta(hours=1, minutes=5)).outcomes == {"sent": 1}
    [sent] = _outbox(tenant_id)
    assert sent.body.endswith("\nRépondez STOP pour vous désinscrire")


def test_assisted_mode_drafts_and_the_approved_draft_is_sent_once(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.ASSISTED)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    leads = _silent_leads(tenant_id)
    # When the run goes, Then a draft waits for approval and nothing leaves
    assert _run(tenant_id, TUE_1000_PARIS).outcomes == {"drafted": 1}
    assert _outbox(tenant_id) == []
    [draft] = api.get("/approvals", query={"kind": "draft"}).body["items"]
    assert draft["lead_id"] == leads["silent"]
    assert draft["origin"]["automation_id"] == automation["id"]
    assert draft["body"].startswith("Bonjour Camille, avez-vous pu regarder notre proposition ?\n")
    assert "Brouillon prêt" in draft["reason"]
    [run] = _runs(api, automation["id"])
    assert run["decision"]["approval_id"] == draft["id"]
    # When the user approves it twice, Then it is sent once
    first = api.post(f"/approvals/{draft['id']}", {"decision": "approve"})
    assert first.status == 200, first.body
    assert api.post(f"/approvals/{draft['id']}", {"decision": "approve"}).status == 409
    assert len(_outbox(tenant_id)) == 1
    # And the next run does not draft again for the same silence
    assert _run(tenant_id, TUE_1000_PARIS + timedelta(hours=1)).outcomes == {}


def test_advise_mode_only_suggests(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.ADVISE, locale="en")
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    _silent_leads(tenant_id)
    assert _run(tenant_id, TUE_1000_PARIS).outcomes == {"recommended": 1}
    assert _outbox(tenant_id) == []
    [suggestion] = api.get("/approvals", query={"kind": "recommendation"}).body["items"]
    assert suggestion["reason"] == (
        '"Relance silence": no answer for 4 days after your last message. '
        "M.A.X. suggests a follow-up; nothing is sent (advise mode)."
    )
    assert _runs(api, automation["id"])[0]["decision"]["outcome"] == "recommended"


@pytest.mark.parametrize("mode", [Mode.ADVISE, Mode.AUTO])
def test_a_template_whose_filled_html_is_refused_is_skipped_with_its_reason(
    tenant_id: str, mode: Mode
) -> None:
    # Given an e-mail template whose link falls back to an http URL: refused once filled in
    _tenant(tenant_id, mode)
    service = TemplateService(tenant_id, actor="user-1")
    template = service.create(
        CreateTemplateRequest(
            channel=Channel.EMAIL,
            name="Agenda",
            subject="Votre rendez-vous",
            body="Réservez ici : {{calendarLink|http://agenda.example}}",
            html='<a href="{{calendarLink|http://agenda.example}}">Agenda</a>',
            variables=["calendarLink"],
        )
    )
    service.activate(template.id)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, template.id)
    lead_id = _lead(tenant_id, created=TUE_1000_PARIS - timedelta(days=10), email="camille@example.fr")
    _log(tenant_id, lead_id, Direction.OUT, TUE_1000_PARIS - timedelta(days=4))
    # When the hourly run goes, Then nothing is sent or suggested, and the run says why
    assert _run(tenant_id, TUE_1000_PARIS).outcomes == {"skipped": 1}
    assert _outbox(tenant_id) == []
    [run] = _runs(api, automation["id"])
    assert run["decision"]["outcome"] == "skipped"
    assert "un lien ou une image" in run["decision"]["reason"], run["decision"]["reason"]


def test_an_opted_out_lead_is_skipped_with_its_reason_or_stopped_before_anything(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    template_id = _template(tenant_id)
    without_stop = _automation(api, template_id, stop_conditions=["replied"])
    with_stop = _automation(api, template_id, name="Avec arrêt")
    now = TUE_1000_PARIS
    lead_id = _lead(tenant_id, created=now - timedelta(days=10), consent={"sms": False})
    _log(tenant_id, lead_id, Direction.OUT, now - timedelta(days=4))
    # When the run goes
    report = _run(tenant_id, now)
    # Then the automation listing `opted_out` does nothing (no occurrence at all), and the other
    # records why nothing left
    assert report.outcomes == {"skipped": 1}
    assert _runs(api, with_stop["id"]) == []
    [run] = _runs(api, without_stop["id"])
    assert run["decision"]["code"] == "opted_out"
    assert run["decision"]["reason"].endswith("Rien n'est parti : le lead s'est désinscrit du canal SMS.")
    assert _outbox(tenant_id) == []


def test_a_crash_after_the_send_started_is_never_followed_by_a_second_send(tenant_id: str) -> None:
    # Given a worker that claimed an occurrence, noted the send, and died
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    leads = _silent_leads(tenant_id)
    now = TUE_1000_PARIS
    episode = f"silence:{iso(now - timedelta(days=4))}"
    repository = AutomationRepository(tenant_id)
    token = new_id()
    assert repository.claim_run(automation["id"], leads["silent"], episode, token, now + LEASE, now) == "new"
    assert repository.mark_run_sending(automation["id"], leads["silent"], episode, token, now)
    # When the run goes during the lease, Then the occurrence is left alone
    during = _run(tenant_id, now + LEASE - timedelta(minutes=1))
    assert (during.fired, during.already_handled, during.outcomes) == (1, 1, {})
    # When it goes after the lease, Then it is recorded as interrupted and nothing is sent
    # (the outbox does not deduplicate on the key)
    after = _run(tenant_id, now + LEASE + timedelta(minutes=1))
    assert after.outcomes == {"unconfirmed": 1}
    [run] = _runs(api, automation["id"])
    assert (run["state"], run["decision"]["outcome"]) == ("done", "unconfirmed")
    assert _outbox(tenant_id) == []


def test_an_automation_whose_template_was_archived_is_left_out(tenant_id: str) -> None:
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    template_id = _template(tenant_id)
    automation = _automation(api, template_id)
    _silent_leads(tenant_id)
    TemplateService(tenant_id, actor="user-1").archive(template_id)
    report = _run(tenant_id, TUE_1000_PARIS)
    assert report.unusable == [automation["id"]]
    assert (report.leads, report.outcomes) == (0, {})
    assert _outbox(tenant_id) == []


# --- the schedule preview ---------------------------------------------------------------------------
def test_the_schedule_preview_shows_when_each_trigger_will_hold_and_writes_nothing(tenant_id: str) -> None:
    # Given an auto tenant, a silence-3-days automation, and on Friday 20 November at 11:00 Paris
    # our last messages to two leads, one of them blacklisted since
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    camille = _lead(tenant_id, created=friday - timedelta(days=5), first_name="Camille")
    blocked = _lead(tenant_id, created=friday - timedelta(days=5), first_name="Noé")
    for lead_id in (camille, blocked):
        _log(tenant_id, lead_id, Direction.OUT, friday)
    phone = LeadService(tenant_id).get(blocked).phone
    assert api.post("/blacklist", {"phone": phone, "reason": "demande"}).status == 201
    # When Monday is previewed at 07:00 Paris
    monday_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    preview = SchedulePreviewService(tenant_id, clock=_at(monday_0600)).preview(date(2026, 11, 23))
    # Then both show at the 11:00 run (3 days after the message): one sent, one blocked and why
    items = {i.lead_id: i for i in preview.items if i.kind is PreviewKind.AUTOMATION}
    assert {i.local_time for i in items.values()} == {"2026-11-23T11:00:00+01:00"}
    assert (items[camille].outcome, items[camille].automation_id) == (Outcome.SENT, automation["id"])
    assert items[camille].reason.startswith("« Relance silence » : aucune réponse depuis 3 jours")
    assert (items[blocked].outcome, items[blocked].code) == (Outcome.SKIPPED, "blacklisted")
    # And nothing was claimed or sent
    assert _runs(api, automation["id"]) == []
    assert _outbox(tenant_id) == []
    # When the 11:00 run has acted, Then a preview of the same day no longer shows Camille
    assert _run(tenant_id, datetime(2026, 11, 23, 10, 0, tzinfo=UTC)).outcomes == {"sent": 1, "skipped": 1}
    later = SchedulePreviewService(tenant_id, clock=_at(monday_0600)).preview(date(2026, 11, 23))
    assert [i for i in later.items if i.kind is PreviewKind.AUTOMATION] == []


def test_a_lead_gets_one_automated_message_per_run_and_the_next_run_sees_it(tenant_id: str) -> None:
    # Given two automations whose triggers both hold for the same silent lead
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    template_id = _template(tenant_id)
    _automation(api, template_id, name="Trois jours")
    _automation(api, template_id, name="Deux jours", trigger_config={"days": 2})
    _silent_leads(tenant_id)
    # When the run goes, Then the silent lead gets one message, the other automation waits
    first = _run(tenant_id, TUE_1000_PARIS)
    assert (first.outcomes, first.left_for_next_run) == ({"sent": 1}, 1)
    # And the next run finds the lead just written to, so silent for 0 days: nothing more
    second = _run(tenant_id, TUE_1000_PARIS + timedelta(hours=1))
    assert (second.fired, second.outcomes) == (0, {})
    assert len(_outbox(tenant_id)) == 1


def _left_open(tenant_id: str, lead_id: str, automation_id: str, *, sending: bool) -> str:
    """An occurrence a worker claimed on Tuesday 10:00, then noted as sending and died, or put off."""
    episode = f"silence:{iso(TUE_1000_PARIS - timedelta(days=4))}"
    _leave_open(tenant_id, (automation_id, lead_id, episode), TUE_1000_PARIS, sending=sending)
    return episode


def _leave_open(tenant_id: str, key: tuple[str, str, str], at: datetime, *, sending: bool) -> None:
    """Claim the occurrence ``key`` at ``at``, then note it as sending or put it off, and leave it."""
    repository = AutomationRepository(tenant_id)
    token = new_id()
    assert repository.claim_run(*key, token, at + LEASE, at) == "new"
    if sending:
        assert repository.mark_run_sending(*key, token, at)
    else:
        put_off = Decision(outcome=Outcome.DEFERRED, code="daily_cap", reason="Reporté", at=at)
        assert repository.defer_run(*key, token, put_off, at + LEASE, at)


@pytest.mark.parametrize(
    ("sending", "outcome", "reason"),
    [
        (
            True,
            "unconfirmed",
            "« Relance silence » : l'envoi a été interrompu et n'est pas relancé, pour ne jamais écrire "
            "deux fois ; son arrivée n'est pas confirmée.",
        ),
        (
            False,
            "skipped",
            "« Relance silence » : le déclencheur ne tient plus pour ce lead ; rien n'est parti.",
        ),
    ],
)
def test_an_occurrence_left_open_whose_trigger_stopped_holding_is_closed_with_its_reason(
    tenant_id: str, sending: bool, outcome: str, reason: str
) -> None:
    # Given an occurrence left sending by a dead worker, or put off, on the silent lead
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    silent = _silent_leads(tenant_id)["silent"]
    episode = _left_open(tenant_id, silent, automation["id"], sending=sending)
    # And the lead answered meanwhile, so the silence is over
    _log(tenant_id, silent, Direction.IN, TUE_1000_PARIS + timedelta(minutes=5), "Oui, rappelez-moi")
    # When the run goes after the lease
    later = TUE_1000_PARIS + LEASE + timedelta(minutes=1)
    report = _run(tenant_id, later)
    # Then the sweep no longer fires on the lead, the occurrence left open is closed with the reason,
    # and nothing is sent
    assert (report.fired, report.left_open, report.outcomes) == (0, 1, {outcome: 1})
    [run] = _runs(api, automation["id"])
    assert (run["episode"], run["state"]) == (episode, "done")
    assert (run["decision"]["outcome"], run["decision"]["code"]) == (outcome, "left_open")
    assert run["decision"]["reason"] == reason
    assert _outbox(tenant_id) == []
    # And the next run finds nothing left open
    assert _run(tenant_id, later + timedelta(hours=1)).left_open == 0


def test_an_occurrence_left_open_is_not_closed_before_its_lease_ends(tenant_id: str) -> None:
    # Given an occurrence a worker is still sending, on a lead who answered meanwhile
    _tenant(tenant_id, Mode.AUTO)
    api = ApiClient(PROSPECTION, tenant_id)
    automation = _automation(api, _template(tenant_id))
    silent = _silent_leads(tenant_id)["silent"]
    _left_open(tenant_id, silent, automation["id"], sending=True)
    _log(tenant_id, silent, Direction.IN, TUE_1000_PARIS + timedelta(minutes=5), "Oui, rappelez-moi")
    # When a run goes during the lease, Then the worker's occurrence is left to it
    report = _run(tenant_id, TUE_1000_PARIS + LEASE - timedelta(minutes=1))
    assert (report.left_open, report.outcomes) == (0, {})
    [run] = _runs(api, automation["id"])
    assert run["state"] == "sending"


# --- a run that outgrows one invocation -----------------------------------------------------------------

ONE_LEAD_MS = SAFETY_MARGIN_MS + 1
"""An invocation whose time is up after its first lead: every part of the run takes a single lead."""


def _hourly(tenant_id: str) -> TenantJobMessage:
    return TenantJobMessage(job=Job.RUN_AUTOMATIONS, tenant_id=tenant_id, scheduled_at=TUE_1000_PARIS)


def _twin_tenant(tenant_id: str) -> tuple[list[str], list[str]]:
    """Eight never contacted leads, two automations on them, and three occurrences left open.

    The worker reads the wall clock: the window is open at every hour. Leads 2 and 5 were written to
    since a worker died on them (one ``sending``, one put off): their trigger no longer holds. Lead
    6 was put off and its trigger still holds: the part that takes lead 6 finds it again (and, the
    other automation having written to the lead, leaves it for the next run), no part closes it.
    Returns the automations and the leads, each in creation order.
    """
    always = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}
    _tenant(tenant_id, Mode.AUTO, send_window=always, timezone="UTC")
    # (two set-ups and six automatic follow-ups cost more than the plan's 100 tokens: a pack pays)
    BudgetService(tenant_id).add_packs(1, "two automations and their follow-ups")
    api = ApiClient(PROSPECTION, tenant_id)
    never_contacted = {"trigger_type": "never_contacted", "trigger_config": {"days": 0}}
    automations = [_automation(api, _template(tenant_id), **never_contacted)["id"] for _ in range(2)]
    now = datetime.now(UTC)
    leads = [_lead(tenant_id, created=now - timedelta(days=1)) for _ in range(8)]
    for lead_id, sending in ((leads[2], True), (leads[5], False)):
        _leave_open(tenant_id, (automations[0], lead_id, "never"), now - timedelta(days=1), sending=sending)
        _log(tenant_id, lead_id, Direction.OUT, now - timedelta(hours=2))
    _leave_open(tenant_id, (automations[0], leads[6], "never"), now - timedelta(days=1), sending=False)
    return automations, leads


def _occurrences(tenant_id: str, automations: list[str], leads: list[str]) -> set[tuple[int, int, str, Any]]:
    """(automation, lead, state, outcome) of every occurrence, by creation order: twins compare equal."""
    repository = AutomationRepository(tenant_id)
    return {
        (
            index,
            leads.index(run.lead_id),
            run.state,
            run.decision and (run.decision.outcome, run.decision.code),
        )
        for index, automation_id in enumerate(automations)
        for run in repository.runs(automation_id, 100, None)[0]
    }


def _automation_parts(lines: list[dict[str, Any]], tenant_id: str) -> list[dict[str, Any]]:
    return [
        line
        for line in lines
        if line["message"] == "tenant job ran"
        and line.get("job") == "run_automations"
        and line.get("tenant_id") == tenant_id
    ]


def test_a_run_out_of_time_continues_in_parts_with_the_outcomes_of_one_run(
    fanout_queue: str, tenant_id: str, other_tenant_id: str
) -> None:
    # Given twin tenants, the second run in one uninterrupted invocation
    twins = {tenant: _twin_tenant(tenant) for tenant in (tenant_id, other_tenant_id)}
    drain(fanout_queue)
    uninterrupted = run_tenant_job(_hourly(other_tenant_id))
    assert (uninterrupted["leads"], uninterrupted["left_open"], uninterrupted["stopped_after"]) == (
        8,
        2,
        None,
    )
    # When the first tenant's run goes through invocations that have time for one lead each
    queue_messages([_hourly(tenant_id)])
    with captured_logs() as lines:
        batches = run_worker_until_idle(fanout_queue, ONE_LEAD_MS)
    # Then it went on in eight parts, each after the lead the part before stopped at
    walks = [line for line in lines if line["message"] == "automations run over leads"]
    assert [walk["leads"] for walk in walks] == [1] * 8
    parts = _automation_parts(lines, tenant_id)
    _, leads = twins[tenant_id]
    assert [p["part"] for p in parts] == list(range(8))
    assert [p.get("stopped_after") for p in parts] == [*leads[:7], None]
    assert [TenantJobMessage.model_validate_json(b).after_lead for batch in batches for b in batch] == [
        None,
        *leads[:7],
    ]
    # And each lead was evaluated once, with the counts of the uninterrupted run
    assert sum(p["leads"] for p in parts) == 8
    for count in ("fired", "left_for_next_run", "left_open"):
        assert sum(p[count] for p in parts) == uninterrupted[count] > 0
    outcomes = Counter[str]()
    for p in parts:
        outcomes.update(p["outcomes"])
    assert outcomes == uninterrupted["outcomes"]
    # And every occurrence ended as in the uninterrupted run, one message per lead, none left claimed
    assert _occurrences(tenant_id, *twins[tenant_id]) == _occurrences(
        other_tenant_id, *twins[other_tenant_id]
    )
    assert len(_outbox(tenant_id)) == len(_outbox(other_tenant_id)) == 6
    assert {state for _, _, state, _ in _occurrences(tenant_id, *twins[tenant_id])} == {"done", "deferred"}


def test_a_redelivered_automation_continuation_changes_nothing(fanout_queue: str, tenant_id: str) -> None:
    # Given a tenant's run ended in one-lead parts
    automations, leads = _twin_tenant(tenant_id)
    drain(fanout_queue)
    queue_messages([_hourly(tenant_id)])
    batches = run_worker_until_idle(fanout_queue, ONE_LEAD_MS)
    continuations = [b for batch in batches for b in batch if TenantJobMessage.model_validate_json(b).part]
    occurrences, sent = _occurrences(tenant_id, automations, leads), len(_outbox(tenant_id))
    # When SQS delivers every continuation once more
    with captured_logs() as lines:
        queue_messages([TenantJobMessage.model_validate_json(b) for b in continuations])
        run_worker_until_idle(fanout_queue, ONE_LEAD_MS)
    # Then no lead is evaluated again, nothing more is queued or sent, and the occurrences are the same
    assert [line for line in lines if line["message"] == "automations run over leads"] == []
    assert drain(fanout_queue) == []
    assert (_occurrences(tenant_id, automations, leads), len(_outbox(tenant_id))) == (occurrences, sent)
