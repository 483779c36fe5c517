"""Without a language model, a fresh tenant's predefined scenario sends its own templates, never the
step's objective; a step that nothing can write becomes a task for the user.

The tenant is provisioned as a real one is (its built-in library seeded), set up through the HTTP
handlers; the step runs through the scheduler's worker handler and the e-mail through the real resend
SDK to the fake Resend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maxcore.library.scenarios import predefined
from maxcore.models.tenant import Locale, Mode
from maxcore.services.composer import ai_configured
from maxcore.services.tenants import provision_tenant
from tests.integration.conftest import email_through_resend
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SUBJECTS = {Locale.FR: "Une proposition claire", Locale.EN: "A clear proposal"}


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend) -> FakeResend:
    return resend_for_sends


def _fresh_tenant_with_a_lead(tenant_id: str, locale: Locale) -> str:
    """A tenant provisioned the day before (automatic mode, e-mail through Resend) and a lead; its id."""
    assert not ai_configured(), "these tests are about a tenant without a language model"
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        provision_tenant(tenant_id, "Atelier Lumière", mode=Mode.AUTO, locale=locale)
        email_through_resend(tenant_id, "contact@atelier-lumiere.fr")
        lead = ApiClient("functions/leads/", tenant_id).post(
            "/leads",
            {"first_name": "Camille", "email": "camille@example.fr", "company": "Boulangerie Durand"},
        )
        assert lead.status == 201, lead.body
        return str(lead.body["id"])


def _enrolled(tenant_id: str, scenario_id: str, lead_id: str) -> str:
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        return enrolled_campaign(ApiClient(PROSPECTION, tenant_id), "Relance", scenario_id, lead_id)


@pytest.mark.parametrize("locale", [Locale.FR, Locale.EN])
def test_a_predefined_scenario_sends_its_template_not_its_objective(
    tenant_id: str, resend: FakeResend, locale: Locale
) -> None:
    # Given a fresh tenant without a model, and a lead enrolled in "Relance Agressive"
    lead_id = _fresh_tenant_with_a_lead(tenant_id, locale)
    campaign_id = _enrolled(tenant_id, "relance-agressive", lead_id)
    # When the hourly run takes its first step (an e-mail)
    run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    # Then Resend received the step's template in the tenant's language, filled in for the lead
    [sent] = resend.sent
    assert sent["subject"] == SUBJECTS[locale]
    assert "Camille" in sent["text"]
    assert "Atelier Lumière" in sent["text"]
    assert "{{" not in sent["text"]
    # And nothing of the step's internal brief reached the lead
    first_step = predefined("relance-agressive").steps[0]  # type: ignore[union-attr]
    assert first_step.objective not in sent["subject"] + sent["text"]
    # And the decision says a template wrote it
    prospects = ApiClient(PROSPECTION, tenant_id).get(f"/campaigns/{campaign_id}/prospects").body["items"]
    assert [(p["last_decision"]["outcome"], p["last_decision"]["source"]) for p in prospects] == [
        ("sent", "template")
    ]


def test_a_step_with_no_template_and_no_model_becomes_a_task_with_its_reason(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a fresh tenant without a model, and its own one-step e-mail scenario without a template
    lead_id = _fresh_tenant_with_a_lead(tenant_id, Locale.FR)
    api = ApiClient(PROSPECTION, tenant_id)
    step = {"order": 1, "delay_days": 0, "channel": "email", "objective": "Relancer franchement"}
    scenario = api.post("/scenarios", {"name": "Sans texte", "steps": [step]})
    assert scenario.status == 201, scenario.body
    campaign_id = _enrolled(tenant_id, str(scenario.body["id"]), lead_id)
    # When the hourly run takes the step
    run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    # Then nothing is sent: the user has a task saying why
    assert resend.sent == []
    [task] = api.get("/approvals", query={"kind": "task", "status": "pending"}).body["items"]
    assert task["lead_id"] == lead_id
    assert "Aucun modèle ni texte pour cette étape : rédigez le message" in task["reason"], task["reason"]
    [prospect] = api.get(f"/campaigns/{campaign_id}/prospects").body["items"]
    assert (prospect["last_decision"]["outcome"], prospect["last_decision"]["code"]) == (
        "task_created",
        "no_message",
    )
