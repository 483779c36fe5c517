"""One sequence at a time (issue 18 §6), through the handlers on the table.

A lead whose prospection sequence still runs in one campaign is refused by another, row by row,
unless the request allows parallel sequences; automations leave such a lead alone (by default) until
the sequence is over.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.enrollments import GUARD_SPAN, Enrolled, EnrollmentRepository, SequenceGuard
from maxcore.ids import new_id
from maxcore.models.activity import Direction
from maxcore.models.prospection import Enrollment
from maxcore.models.tenant import Mode
from tests.integration.test_automations import (
    TUE_1000_PARIS,
    _automation,
    _log,
    _outbox,
    _runs,
    _template,
)
from tests.integration.test_automations import _lead as _silent_lead
from tests.integration.test_automations import _run as _run_automations
from tests.integration.test_automations import _tenant as _tenant_in
from tests.integration.test_prospection import (
    LEADS,
    PROSPECTION,
    _campaign,
    _due_at,
    _enroll,
    _lead,
    _prospect,
    _run,
    _scenario,
)
from tests.support.api import ApiClient
from tests.support.dynamodb_requests import counting_requests

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ssm_endpoint")]

ONE_SMS_STEP = [{"order": 1, "delay_days": 0, "channel": "sms", "objective": "Se présenter"}]


@pytest.fixture
def api(tenant_id: str) -> ApiClient:
    """The prospection API (automations included) of a tenant in automatic mode."""
    _tenant_in(tenant_id, Mode.AUTO)
    return ApiClient(PROSPECTION, tenant_id)


def _new_lead(tenant_id: str, **fields: Any) -> str:
    return _lead(ApiClient(LEADS, tenant_id), **fields)


def _post(api: ApiClient, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"/campaigns/{campaign_id}/prospects", body)
    assert response.status == 200, response.body
    return dict(response.body)


def _codes(report: dict[str, Any]) -> list[str]:
    return [r["code"] for r in report["rejected"]]


# --- enrollment -------------------------------------------------------------------------------------
def test_a_lead_running_in_one_campaign_is_refused_by_another_unless_parallel_is_allowed(
    api: ApiClient, tenant_id: str
) -> None:
    # Given a lead enrolled in the campaign "Printemps"
    scenario_id = _scenario(api)
    spring = _campaign(api, scenario_id, name="Printemps")
    autumn = _campaign(api, scenario_id, name="Automne")
    lead_id = _new_lead(tenant_id, phone="+33612345678")
    _enroll(api, spring, lead_id)
    # When it is enrolled in "Automne", by id or by a CSV row with its number
    by_id = _enroll(api, autumn, lead_id)
    by_csv = _post(api, autumn, {"csv": "first_name,phone\nSophie,06 12 34 56 78\n"})
    # Then both rows are refused, naming the campaign it is in, in the tenant's French
    for report in (by_id, by_csv):
        assert report["accepted"] == []
        [row] = report["rejected"]
        assert (row["code"], row["lead_id"]) == ("already_in_sequence", lead_id)
        assert row["reason"] == (
            "Ce lead suit déjà la séquence de la campagne « Printemps » : une seule à la fois."
        )
    # And enrolled again in "Printemps", it is the duplicate it always was
    assert _codes(_enroll(api, spring, lead_id)) == ["duplicate"]
    # When the request allows parallel sequences, Then it is enrolled in "Automne" too
    report = _post(api, autumn, {"lead_ids": [lead_id], "allow_parallel": True})
    assert [a["lead_id"] for a in report["accepted"]] == [lead_id]
    assert _prospect(api, autumn, lead_id)["status"] == "active"


def test_a_paused_prospect_still_holds_the_lead_and_a_removed_one_lets_it_go(
    api: ApiClient, tenant_id: str
) -> None:
    # Given a lead enrolled in a campaign, then paused by the user
    scenario_id = _scenario(api)
    first, second = _campaign(api, scenario_id), _campaign(api, scenario_id)
    lead_id = _new_lead(tenant_id)
    _enroll(api, first, lead_id)
    path = f"/campaigns/{first}/prospects/{lead_id}"
    assert api.patch(path, {"status": "paused"}).status == 200
    # When another campaign enrolls it, Then it is refused: a paused sequence resumes
    assert _codes(_enroll(api, second, lead_id)) == ["already_in_sequence"]
    # When the prospect is removed from the first, Then the second accepts it
    assert api.delete(path).status == 204
    assert [a["lead_id"] for a in _enroll(api, second, lead_id)["accepted"]] == [lead_id]


def test_once_the_sequence_has_completed_another_campaign_accepts_the_lead(
    api: ApiClient, tenant_id: str
) -> None:
    # Given a lead in a one-step campaign
    first = _campaign(api, _scenario(api, ONE_SMS_STEP))
    second = _campaign(api, _scenario(api))
    lead_id = _new_lead(tenant_id)
    _enroll(api, first, lead_id)
    # When its step is sent, the sequence completes
    due = _due_at(api, first, lead_id)
    _run(tenant_id, due)
    _run(tenant_id, due + timedelta(hours=1))
    assert _prospect(api, first, lead_id)["status"] == "completed"
    # Then another campaign accepts it
    assert [a["lead_id"] for a in _enroll(api, second, lead_id)["accepted"]] == [lead_id]


def test_two_campaigns_enrolling_one_lead_at_once_enroll_it_once(api: ApiClient, tenant_id: str) -> None:
    # Given two campaigns and a lead in neither
    scenario_id = _scenario(api)
    campaigns = [_campaign(api, scenario_id), _campaign(api, scenario_id)]
    lead_id = _new_lead(tenant_id)
    # When both enroll it at the same moment
    barrier = threading.Barrier(2)
    reports: list[dict[str, Any]] = []

    def enroll(campaign_id: str) -> None:
        barrier.wait()
        reports.append(_enroll(api, campaign_id, lead_id))

    workers = [threading.Thread(target=enroll, args=(c,)) for c in campaigns]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # Then one accepts it and the other refuses it, whichever read first
    assert sorted(len(r["accepted"]) for r in reports) == [0, 1]
    assert [c for r in reports for c in _codes(r)] == ["already_in_sequence"]


def _enrollment(campaign_id: str, lead_id: str, at: datetime) -> Enrollment:
    return Enrollment(
        campaign_id=campaign_id,
        lead_id=lead_id,
        scenario_id="scenario",
        scenario_version=1,
        enrolled_at=at,
        updated_at=at,
    )


def test_ap31_an_enrollment_written_blind_loses_to_another_campaigns_within_the_guard_span(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given a lead just enrolled in campaign A
    repository = EnrollmentRepository(tenant_id)
    lead_id, now = new_id(), TUE_1000_PARIS
    assert repository.enroll(_enrollment("A", lead_id, now)) is Enrolled.ENROLLED
    # When B writes its enrollment in the same minute, without having seen A's
    # Then it is refused, and nothing of B's is written
    assert repository.enroll(_enrollment("B", lead_id, now)) is Enrolled.ENROLLING_ELSEWHERE
    assert [e.campaign_id for e in repository.for_lead(lead_id)] == ["A"]
    # And A again is the campaign's own duplicate
    assert repository.enroll(_enrollment("A", lead_id, now)) is Enrolled.ALREADY_IN_CAMPAIGN
    # When parallel sequences are asked for, Then B is written, and the guard names it
    assert repository.enroll(_enrollment("B", lead_id, now), parallel=True) is Enrolled.ENROLLED
    guard = repository.sequence_guard(lead_id)
    assert guard == SequenceGuard("B", now)
    # When C takes over a guard that moved since it was read, Then it is refused; as read, written
    moved = SequenceGuard("A", now)
    assert repository.enroll(_enrollment("C", lead_id, now), replacing=moved) is Enrolled.ENROLLING_ELSEWHERE
    assert repository.enroll(_enrollment("C", lead_id, now), replacing=guard) is Enrolled.ENROLLED
    # When the guard span is over, Then the guard no longer refuses anything
    later = now + GUARD_SPAN + timedelta(seconds=1)
    assert repository.enroll(_enrollment("D", lead_id, later)) is Enrolled.ENROLLED
    # And another tenant's guard is its own
    assert EnrollmentRepository(other_tenant_id).sequence_guard(lead_id) is None
    assert EnrollmentRepository(other_tenant_id).enroll(_enrollment("E", lead_id, now)) is Enrolled.ENROLLED


# --- automations ------------------------------------------------------------------------------------
def _silent_enrolled_lead(api: ApiClient, tenant_id: str) -> tuple[str, str]:
    """A lead silent for 4 days (a silence-3-days automation fires), enrolled in "Printemps"."""
    lead_id = _silent_lead(tenant_id, created=TUE_1000_PARIS - timedelta(days=10), first_name="Camille")
    _log(tenant_id, lead_id, Direction.OUT, TUE_1000_PARIS - timedelta(days=4))
    campaign_id = _campaign(api, _scenario(api), name="Printemps")
    _enroll(api, campaign_id, lead_id)
    return lead_id, campaign_id


def test_an_automation_leaves_a_lead_in_a_sequence_alone_and_writes_once_it_is_over(
    api: ApiClient, tenant_id: str
) -> None:
    # Given a silence automation (skipping leads in a sequence by default) and a silent lead in one
    automation = _automation(api, _template(tenant_id))
    assert automation["skip_leads_in_sequence"] is True
    lead_id, campaign_id = _silent_enrolled_lead(api, tenant_id)
    # When the hourly run goes, Then nothing is sent, and the run says why
    report = _run_automations(tenant_id, TUE_1000_PARIS)
    assert (report.fired, report.outcomes) == (1, {"deferred": 1})
    assert _outbox(tenant_id) == []
    [run] = _runs(api, automation["id"])
    assert (run["lead_id"], run["state"], run["decision"]["code"]) == (lead_id, "deferred", "in_sequence")
    assert "« Printemps »" in run["decision"]["reason"]
    # When the lead leaves the campaign, Then the next run writes to it, once
    assert api.delete(f"/campaigns/{campaign_id}/prospects/{lead_id}").status == 204
    report = _run_automations(tenant_id, TUE_1000_PARIS + timedelta(hours=1))
    assert report.outcomes == {"sent": 1}
    assert len(_outbox(tenant_id)) == 1


def test_an_automation_set_to_write_to_leads_in_a_sequence_does(api: ApiClient, tenant_id: str) -> None:
    # Given an automation turned to write to leads in a sequence, and a silent lead in one
    automation = _automation(api, _template(tenant_id))
    changed = api.patch(f"/automations/{automation['id']}", {"skip_leads_in_sequence": False})
    assert changed.status == 200, changed.body
    assert changed.body["skip_leads_in_sequence"] is False
    _silent_enrolled_lead(api, tenant_id)
    # When the hourly run goes, Then it writes to the lead
    assert _run_automations(tenant_id, TUE_1000_PARIS).outcomes == {"sent": 1}
    assert len(_outbox(tenant_id)) == 1


def _queries_of_a_run(tenant_id: str, automations: int) -> int:
    """The Query requests of a run of ``automations`` silence automations over a silent lead in a sequence."""
    api = ApiClient(PROSPECTION, tenant_id)
    _tenant_in(tenant_id, Mode.AUTO)
    template_id = _template(tenant_id)
    for days in range(2, 2 + automations):
        _automation(api, template_id, name=f"{days} jours", trigger_config={"days": days})
    _silent_enrolled_lead(api, tenant_id)
    with counting_requests() as counted:
        report = _run_automations(tenant_id, TUE_1000_PARIS)
    assert report.outcomes == {"deferred": automations}
    return counted.operations.count("Query")


def test_the_leads_enrollments_are_read_once_per_lead_whatever_the_automations(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given two tenants alike but for their number of automations firing for a lead in a sequence
    # When each runs, Then both are put off, and the second automation costs no query of its own
    assert _queries_of_a_run(tenant_id, 1) == _queries_of_a_run(other_tenant_id, 2)
