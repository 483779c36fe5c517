"""A step written by the model goes only once checked; the model writes from the business profile.

The tenant is provisioned as a real one is (its library seeded, its budget open) and set up through the
HTTP handlers, its business profile included. The model is the fake OpenAI-compatible server behind the
real openai SDK; the step runs through the scheduler's worker handler and the e-mail through the real
resend SDK to the fake Resend.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from maxcore.models.tenant import Locale, Mode
from maxcore.services.tenants import provision_tenant
from tests.integration.conftest import email_through_resend
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OFFER = "Cours de céramique en petit groupe, le soir et le samedi"
ENGLISH = (
    "Subject: A clear proposal\n"
    "Hello Camille, I wanted to follow up on my previous message about our pottery classes. "
    "Would you have ten minutes this week for a quick call?"
)
FRENCH = (
    "Objet : Une proposition claire\n"
    "Bonjour Camille, je reviens vers vous au sujet de nos cours de céramique du soir. "
    "Auriez-vous dix minutes cette semaine pour en parler ?"
)
TOO_LONG = "Objet : Nos cours\n" + "Bonjour Camille, nos cours de céramique vous attendent le soir. " * 70
BLANK = "Objet : Nos cours\nBonjour [Prénom], nos cours de céramique du soir vous attendent à l'atelier."


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend) -> FakeResend:
    return resend_for_sends


def _tenant_with_a_lead(tenant_id: str, locale: Locale) -> str:
    """A tenant provisioned the day before (auto mode, e-mail through Resend, a business profile) and a
    lead; the lead's id."""
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        provision_tenant(tenant_id, "Atelier Lumière", mode=Mode.AUTO, locale=locale)
        profile = ApiClient("functions/tenants/", tenant_id).patch(
            "/tenant",
            {"business_profile": {"offer": OFFER, "tone": "chaleureux", "signature": "Léa, Atelier Lumière"}},
        )
        assert profile.status == 200, profile.body
        email_through_resend(tenant_id, "contact@atelier-lumiere.fr")
        lead = ApiClient("functions/leads/", tenant_id).post(
            "/leads", {"first_name": "Camille", "email": "camille@example.fr"}
        )
        assert lead.status == 201, lead.body
        return str(lead.body["id"])


def _run(tenant_id: str, scenario_id: str, lead_id: str) -> dict[str, Any]:
    """Enroll the lead the day before, run its first step; the prospect's last decision."""
    api = ApiClient(PROSPECTION, tenant_id)
    with time_machine.travel(MON_1000_PARIS - timedelta(days=1), tick=False):
        campaign_id = enrolled_campaign(api, "Relance", scenario_id, lead_id)
    run_prospect_shard(tenant_id, campaign_id, lead_id, MON_1000_PARIS)
    [prospect] = api.get(f"/campaigns/{campaign_id}/prospects").body["items"]
    return dict(prospect["last_decision"])


def _system_prompt(llm: FakeChatCompletions) -> str:
    [request] = llm.requests
    return str(request["messages"][0]["content"])


def test_a_model_message_in_the_wrong_language_gives_way_to_the_steps_template(
    tenant_id: str, resend: FakeResend, llm: FakeChatCompletions
) -> None:
    # Given a French tenant whose predefined scenario's first e-mail has a template, and a model that
    # answers in English
    lead_id = _tenant_with_a_lead(tenant_id, Locale.FR)
    llm.script = [answer(ENGLISH)]
    # When the hourly run takes the step
    decision = _run(tenant_id, "relance-agressive", lead_id)
    # Then the model was asked once, from the tenant's offer, in French, without the signature to copy
    prompt = _system_prompt(llm)
    assert OFFER in prompt
    assert "en français" in prompt
    assert "Léa, Atelier Lumière" not in prompt
    # And the French template went instead of the English text
    [sent] = resend.sent
    assert sent["subject"] == "Une proposition claire"
    assert "pottery" not in sent["text"]
    assert (decision["outcome"], decision["source"]) == ("sent", "template")


@pytest.mark.parametrize(
    ("locale", "written", "code", "reason"),
    [
        (Locale.FR, ENGLISH, "message_wrong_language", "Le message prévu n'est pas rédigé en français"),
        (Locale.EN, FRENCH, "message_wrong_language", "The message written is not in English"),
        (Locale.FR, TOO_LONG, "message_too_long", "trop long pour le canal e-mail"),
        (Locale.FR, BLANK, "message_placeholder_left", "contient encore un champ à compléter"),
    ],
    ids=["english-for-fr", "french-for-en", "too-long", "blank-left"],
)
def test_a_model_message_that_fails_the_check_without_a_template_becomes_a_task_never_sent(
    tenant_id: str,
    resend: FakeResend,
    llm: FakeChatCompletions,
    locale: Locale,
    written: str,
    code: str,
    reason: str,
) -> None:
    # Given a tenant's own e-mail step that only the model writes, and the model's answer
    lead_id = _tenant_with_a_lead(tenant_id, locale)
    step = {
        "order": 1,
        "delay_days": 0,
        "channel": "email",
        "objective": "Relancer franchement",
        "ai_prompt": "Propose un appel de dix minutes.",
    }
    scenario = ApiClient(PROSPECTION, tenant_id).post("/scenarios", {"name": "Modèle seul", "steps": [step]})
    assert scenario.status == 201, scenario.body
    llm.script = [answer(written)]
    # When the hourly run takes the step
    decision = _run(tenant_id, str(scenario.body["id"]), lead_id)
    # Then the model wrote it from the tenant's offer, but nothing left
    assert OFFER in _system_prompt(llm)
    assert resend.sent == []
    # And the user has a task saying what is wrong with the message
    assert (decision["outcome"], decision["code"], decision["source"]) == ("task_created", code, None)
    assert reason in decision["reason"], decision["reason"]
    tasks = ApiClient(PROSPECTION, tenant_id).get("/approvals", query={"kind": "task", "status": "pending"})
    [task] = tasks.body["items"]
    assert task["lead_id"] == lead_id
    assert reason in task["reason"], task["reason"]
