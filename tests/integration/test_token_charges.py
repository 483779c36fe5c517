"""Tokens as priced, charged where the action happens: a message the model writes at its channel's
price, an automation's set-up once, every follow-up the product sends on its own (a sequence step or
an automation in auto mode) inside the exactly-once send; and a campaign shows what its next 7 days
will cost before they run (GET /campaigns/{id}/cost)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import utcnow
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.keys import due_shard
from maxcore.dal.leads import LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.budget import TokenAction
from maxcore.models.prospection import MessageSource, ScenarioStep, StepChannel
from maxcore.models.tenant import Mode
from maxcore.rules.campaign_cost import COST_HORIZON
from maxcore.services.budget import BudgetService, month_of
from maxcore.services.composer import Composer, Unwritten
from maxcore.services.sequencer import Sequencer
from maxcore.services.tenants import provision_tenant
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer
from tests.support.fake_providers import FakeResend, resend_error
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
BUDGET = "functions/budget/"
EVERY_DAY = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "08:00", "end": "20:00"}
AI_WHATSAPP = ScenarioStep(
    order=1, delay_days=0, channel=StepChannel.WHATSAPP, objective="Relancer", ai_prompt="Chaleureux"
)
TEMPLATE_EMAIL = {"order": 1, "delay_days": 0, "channel": "email", "objective": "Se présenter"}
AI_TEXT = "Objet : Votre routine d'hiver\nBonjour Sophie, voici nos soins pour l'hiver."


@pytest.fixture
def llm(llm: FakeChatCompletions) -> FakeChatCompletions:
    """The configured model, answering a short French message by default."""
    llm.default = answer("Bonjour Sophie, on se parle cette semaine ?")
    return llm


@pytest.fixture
def tenant(tenant_id: str) -> str:
    """An automatic tenant on the Standard plan: 100 tokens."""
    provision_tenant(tenant_id, "Institut Belle Peau", mode=Mode.AUTO)
    return tenant_id


def _lead(tenant_id: str, n: int = 0) -> str:
    body = {"first_name": "Sophie", "phone": f"+3361234567{n}", "email": f"sophie{n}@example.fr"}
    response = ApiClient(LEADS, tenant_id).post("/leads", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _spend_down_to(tenant_id: str, balance: int) -> None:
    budget = BudgetService(tenant_id)
    while budget.open().balance > balance:
        with budget.spend(TokenAction.LEAD_ANALYSIS, mode=Mode.AUTO):
            pass


def _charges(tenant_id: str, action: TokenAction) -> list[tuple[str, int]]:
    """The ledger's entries for ``action`` this month: (kind, amount), oldest first."""
    ledger = BudgetRepository(tenant_id).ledger(month_of(utcnow()))
    return [(e.kind.value, e.amount) for e in ledger if e.action == action.value]


def _balance(tenant_id: str) -> int:
    response = ApiClient(BUDGET, tenant_id).get("/budget")
    assert response.status == 200, response.body
    return int(response.body["balance"])


# --- a message the model writes -------------------------------------------------------------------
def test_a_whatsapp_message_the_model_writes_is_charged_the_whatsapp_price(
    tenant: str, llm: FakeChatCompletions
) -> None:
    # Given a tenant with 100 tokens and a model configured
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When the model writes a WhatsApp step's message
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then the message is the model's, and the price list's 5 tokens were reserved then committed
    assert composed is not None
    assert (composed.source, len(llm.requests)) == (MessageSource.AI, 1)
    assert _balance(tenant) == 95
    assert _charges(tenant, TokenAction.WHATSAPP_MESSAGE) == [("reserve", -5), ("commit", -5)]


def test_without_the_tokens_the_model_does_not_write_and_nothing_is_charged(
    tenant: str, llm: FakeChatCompletions
) -> None:
    # Given a tenant left with 4 tokens, one fewer than an AI-written WhatsApp message costs, and a
    # step with no template to fall back on
    _spend_down_to(tenant, 4)
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When the step's message is written
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then the model is not asked, nothing can write it (the step will be a task), nothing is charged
    assert (composed, llm.requests) == (Unwritten(), [])
    assert _balance(tenant) == 4
    assert _charges(tenant, TokenAction.WHATSAPP_MESSAGE) == []


def test_a_model_that_fails_gives_the_tokens_back(tenant: str, llm: FakeChatCompletions) -> None:
    # Given a model that answers with nothing
    llm.default = answer("")
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When it is asked for the step's message
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then no message comes of it and the reservation is refunded
    assert composed == Unwritten()
    assert _balance(tenant) == 100
    assert _charges(tenant, TokenAction.WHATSAPP_MESSAGE) == [("reserve", -5), ("refund", 5)]


# --- the automatic follow-up of a sequence ----------------------------------------------------------
def _on_resend(tenant_id: str) -> None:
    response = ApiClient(MESSAGING, tenant_id).request(
        "PUT",
        "/channels/email",
        json_body={"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@bellepeau.fr"},
    )
    assert response.status == 200, response.body


def _email_campaign(tenant_id: str, step: dict[str, Any]) -> tuple[str, str]:
    """A campaign of one e-mail ``step`` sent through Resend, every day; one lead enrolled now."""
    _on_resend(tenant_id)
    lead_id = _lead(tenant_id)
    api = ApiClient(PROSPECTION, tenant_id)
    scenario = api.post("/scenarios", {"name": "Bienvenue", "steps": [step]})
    assert scenario.status == 201, scenario.body
    return enrolled_campaign(api, "Bienvenue", str(scenario.body["id"]), lead_id, EVERY_DAY), lead_id


def _last_decision(tenant_id: str, campaign_id: str, lead_id: str) -> dict[str, Any]:
    response = ApiClient(PROSPECTION, tenant_id).get(f"/campaigns/{campaign_id}/prospects/{lead_id}")
    assert response.status == 200, response.body
    return dict(response.body["last_decision"])


@pytest.fixture
def library_email(tenant: str) -> dict[str, Any]:
    """An e-mail step written by the tenant's copy of a built-in template (no model)."""
    return {**TEMPLATE_EMAIL, "template_key": "connexion_douce_1"}


def test_a_step_sent_on_its_own_is_charged_the_automatic_follow_up_once_sent(
    tenant: str, library_email: dict[str, Any], resend_for_sends: FakeResend
) -> None:
    # Given an automatic tenant with 100 tokens and a prospect due at a template e-mail step
    campaign_id, lead_id = _email_campaign(tenant, library_email)
    # When the scheduler's worker runs the prospect's shard
    run_prospect_shard(tenant, campaign_id, lead_id, utcnow() + timedelta(minutes=1))
    # Then the e-mail left once and the follow-up's 15 tokens were reserved, then spent
    assert len(resend_for_sends.sent) == 1
    assert _last_decision(tenant, campaign_id, lead_id)["outcome"] == "sent"
    assert _charges(tenant, TokenAction.AUTO_FOLLOWUP) == [("reserve", -15), ("commit", -15)]
    assert _balance(tenant) == 85


def test_a_send_the_provider_refuses_gives_the_follow_up_tokens_back(
    tenant: str, library_email: dict[str, Any], resend_for_sends: FakeResend
) -> None:
    # Given Resend refusing the next e-mail for good
    campaign_id, lead_id = _email_campaign(tenant, library_email)
    resend_for_sends.script = [resend_error(422, "validation_error", "The `to` address is not valid.")]
    # When the step is run
    run_prospect_shard(tenant, campaign_id, lead_id, utcnow() + timedelta(minutes=1))
    # Then the step failed, and the tokens reserved for it came back
    assert _last_decision(tenant, campaign_id, lead_id)["outcome"] == "failed"
    assert _charges(tenant, TokenAction.AUTO_FOLLOWUP) == [("reserve", -15), ("refund", 15)]
    assert _balance(tenant) == 100


def test_without_the_tokens_the_step_waits_with_its_reason_and_goes_once_a_pack_is_added(
    tenant: str, library_email: dict[str, Any], resend_for_sends: FakeResend
) -> None:
    # Given a tenant left with 10 tokens, fewer than the automatic follow-up's 15
    campaign_id, lead_id = _email_campaign(tenant, library_email)
    _spend_down_to(tenant, 10)
    # When the step is run
    run_prospect_shard(tenant, campaign_id, lead_id, utcnow() + timedelta(minutes=1))
    # Then nothing is sent or charged: the step waits, and says why in the tenant's French
    assert resend_for_sends.sent == []
    decision = _last_decision(tenant, campaign_id, lead_id)
    assert (decision["outcome"], decision["code"]) == ("deferred", "insufficient_tokens")
    assert decision["reason"].startswith(
        "Étape 1 en attente : une relance automatique coûte 15 tokens et il en reste 10."
    )
    assert _charges(tenant, TokenAction.AUTO_FOLLOWUP) == []
    # When an admin adds a pack and the step comes due again
    added = ApiClient(BUDGET, tenant).post("/budget/packs", {"packs": 1})
    assert added.status == 201, added.body
    run_prospect_shard(tenant, campaign_id, lead_id, datetime.fromisoformat(decision["until"]))
    # Then it goes, charged once
    assert len(resend_for_sends.sent) == 1
    assert _charges(tenant, TokenAction.AUTO_FOLLOWUP) == [("reserve", -15), ("commit", -15)]
    assert _balance(tenant) == 10 + 500 - 15


def test_a_worker_that_loses_the_step_gives_back_what_the_model_charged_it(
    tenant: str, llm: FakeChatCompletions, resend_for_sends: FakeResend
) -> None:
    # Given a prospect due at an e-mail the model writes, and a model that answers only once two
    # workers have both asked it (both write the message before either claims the step)
    ai_email = {**TEMPLATE_EMAIL, "ai_prompt": "Présente nos soins d'hiver en trois phrases."}
    campaign_id, lead_id = _email_campaign(tenant, ai_email)
    both_asked = threading.Barrier(2, timeout=10)

    def written_once_both_asked(_: dict[str, Any]) -> dict[str, Any]:
        both_asked.wait()
        return answer(AI_TEXT)

    llm.default = written_once_both_asked
    at = utcnow() + timedelta(minutes=1)
    shard = due_shard(campaign_id, lead_id)
    # When two workers run the prospect's shard at once
    workers = [
        threading.Thread(target=Sequencer(tenant, clock=lambda: at).run_shard, args=(shard,))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Then one e-mail left; the winner's message and follow-up are spent, the loser's message refunded
    assert (len(llm.requests), len(resend_for_sends.sent)) == (2, 1)
    message = _charges(tenant, TokenAction.SCHEDULED_AI_MESSAGE)
    assert sorted(message) == sorted([("reserve", -2), ("reserve", -2), ("commit", -2), ("refund", 2)])
    assert _charges(tenant, TokenAction.AUTO_FOLLOWUP) == [("reserve", -15), ("commit", -15)]
    assert _balance(tenant) == 100 - 2 - 15


# --- automations ----------------------------------------------------------------------------------
ALWAYS = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "23:59"}


def _automation_tenant(tenant_id: str) -> str:
    """An automatic tenant open at every hour (the worker reads the wall clock), with an active SMS
    template for its automations; the template's id."""
    provision_tenant(tenant_id, "Institut Belle Peau", mode=Mode.AUTO, timezone="UTC")
    opened = ApiClient("functions/tenants/", tenant_id).patch("/tenant", {"send_window": ALWAYS})
    assert opened.status == 200, opened.body
    templates = ApiClient("functions/templates/", tenant_id)
    body = {"channel": "sms", "name": "Bienvenue", "body": "Bonjour {{firstName|}}, bienvenue chez nous !"}
    template = templates.post("/templates", body)
    assert template.status == 201, template.body
    activated = templates.post(f"/templates/{template.body['id']}/activate", {})
    assert activated.status == 200, activated.body
    return str(template.body["id"])


def _create_automation(tenant_id: str, template_id: str) -> Any:
    body = {
        "name": "Bienvenue",
        "trigger_type": "never_contacted",
        "trigger_config": {"days": 0},
        "template_id": template_id,
        "enabled": True,
    }
    return ApiClient(PROSPECTION, tenant_id).post("/automations", body)


def test_setting_an_automation_up_is_charged_once(tenant_id: str) -> None:
    # Given an automatic tenant with 100 tokens
    template_id = _automation_tenant(tenant_id)
    # When an automation is created, then turned off and on again
    created = _create_automation(tenant_id, template_id)
    assert created.status == 201, created.body
    api = ApiClient(PROSPECTION, tenant_id)
    for _ in range(2):
        assert api.post(f"/automations/{created.body['id']}/toggle", {}).status == 200
    # Then its set-up cost the price list's 8 tokens, once
    assert _charges(tenant_id, TokenAction.AUTOMATION_SETUP) == [("reserve", -8), ("commit", -8)]
    assert _balance(tenant_id) == 92


def test_an_automation_the_balance_cannot_set_up_is_a_402_and_nothing_is_saved(tenant_id: str) -> None:
    # Given a tenant left with 6 tokens, fewer than a set-up costs
    template_id = _automation_tenant(tenant_id)
    _spend_down_to(tenant_id, 6)
    # When an automation is created
    response = _create_automation(tenant_id, template_id)
    # Then it is refused with the cost and the balance, and neither an automation nor a charge is written
    assert response.status == 402, response.body
    error = response.body["error"]
    assert (error["code"], error["details"]["cost"], error["details"]["balance"]) == (
        "insufficient_tokens",
        8,
        6,
    )
    assert ApiClient(PROSPECTION, tenant_id).get("/automations").body["items"] == []
    assert _charges(tenant_id, TokenAction.AUTOMATION_SETUP) == []
    assert _balance(tenant_id) == 6


def _run_automations(tenant_id: str) -> None:
    message = json.dumps(
        {"job": "run_automations", "tenant_id": tenant_id, "scheduled_at": utcnow().isoformat()}
    )
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    assert worker(sqs_event([("m-1", message)]), LocalContext())["batchItemFailures"] == []


def _automation_runs(tenant_id: str, automation_id: str) -> list[dict[str, Any]]:
    response = ApiClient(PROSPECTION, tenant_id).get(f"/automations/{automation_id}/runs")
    assert response.status == 200, response.body
    return list(response.body["items"])


def test_an_automations_send_is_an_automatic_follow_up_charged_once_sent(tenant_id: str) -> None:
    # Given an automation on for leads never contacted, and such a lead
    template_id = _automation_tenant(tenant_id)
    automation = _create_automation(tenant_id, template_id).body
    _lead(tenant_id)
    # When the automations' run goes (twice: a redelivered message)
    _run_automations(tenant_id)
    _run_automations(tenant_id)
    # Then the lead got its message, and the follow-up was charged once
    [run] = _automation_runs(tenant_id, automation["id"])
    assert run["decision"]["outcome"] == "sent"
    assert _charges(tenant_id, TokenAction.AUTO_FOLLOWUP) == [("reserve", -15), ("commit", -15)]
    assert _balance(tenant_id) == 100 - 8 - 15


def test_an_automations_send_without_the_tokens_waits_with_its_reason(tenant_id: str) -> None:
    # Given an automation set up, then a balance left at 10
    template_id = _automation_tenant(tenant_id)
    automation = _create_automation(tenant_id, template_id).body
    _lead(tenant_id)
    _spend_down_to(tenant_id, 10)
    # When the automations' run goes
    _run_automations(tenant_id)
    # Then nothing is sent or charged: the occurrence waits, and says why
    [run] = _automation_runs(tenant_id, automation["id"])
    assert (run["decision"]["outcome"], run["decision"]["code"]) == ("deferred", "insufficient_tokens")
    assert "une relance automatique coûte 15 tokens et il en reste 10" in run["decision"]["reason"]
    assert _charges(tenant_id, TokenAction.AUTO_FOLLOWUP) == []
    assert _balance(tenant_id) == 10


# --- a campaign's next 7 days ---------------------------------------------------------------------
def _campaign(tenant_id: str, steps: list[dict[str, Any]], *lead_ids: str) -> str:
    """A campaign of a new scenario of ``steps``, every day 08:00-20:00 (Paris), ``lead_ids`` enrolled."""
    api = ApiClient(PROSPECTION, tenant_id)
    scenario = api.post("/scenarios", {"name": "Relance", "steps": steps})
    assert scenario.status == 201, scenario.body
    first, *others = lead_ids
    campaign_id = enrolled_campaign(api, "Rentrée", str(scenario.body["id"]), first, EVERY_DAY)
    for lead_id in others:
        assert api.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": [lead_id]}).status == 200
    return campaign_id


FOUR_STEPS = [
    {"order": 1, "delay_days": 0, "channel": "sms", "objective": "Bonjour", "ai_prompt": "Chaleureux"},
    {"order": 2, "delay_days": 2, "channel": "whatsapp", "objective": "Relancer", "ai_prompt": "Bref"},
    {"order": 3, "delay_days": 1, "channel": "email", "objective": "Proposer un rendez-vous"},
    {"order": 4, "delay_days": 10, "channel": "whatsapp", "objective": "Dernier mot", "ai_prompt": "Bref"},
]


def test_the_campaign_shows_its_next_7_days_cost_against_the_balance_and_spends_nothing(
    tenant: str, llm: FakeChatCompletions
) -> None:
    # Given two prospects enrolled now on AI SMS (day 0), AI WhatsApp (day 2), an e-mail nothing can
    # write (day 3: a task) and an AI WhatsApp on day 13, and an automatic tenant left with 10 tokens
    campaign_id = _campaign(tenant, FOUR_STEPS, _lead(tenant, 1), _lead(tenant, 2))
    _spend_down_to(tenant, 10)
    # When the campaign's cost is asked for
    response = ApiClient(PROSPECTION, tenant).get(f"/campaigns/{campaign_id}/cost")
    # Then the week's three steps are priced by who writes them plus the automatic follow-up of each
    # message sent, and the balance does not cover them
    assert response.status == 200, response.body
    cost = response.body
    lines = [
        (s["step"], s["channel"], s["source"], s["due"], s["unit_cost"], s["cost"]) for s in cost["steps"]
    ]
    assert lines == [
        (1, "sms", "ai", 2, 2 + 15, 34),
        (2, "whatsapp", "ai", 2, 5 + 15, 40),
        (3, "email", None, 2, 0, 0),
    ]
    assert (cost["cost"], cost["balance"], cost["affordable"]) == (74, 10, False)
    assert datetime.fromisoformat(cost["until"]) - datetime.fromisoformat(cost["since"]) == COST_HORIZON
    # And nothing was written by the model or spent
    assert llm.requests == []
    assert BudgetRepository(tenant).get().balance == 10


def test_another_tenants_campaign_cost_is_a_404(tenant: str, other_tenant_id: str) -> None:
    campaign_id = _campaign(tenant, FOUR_STEPS[:1], _lead(tenant))
    provision_tenant(other_tenant_id, "Autre")
    response = ApiClient(PROSPECTION, other_tenant_id).get(f"/campaigns/{campaign_id}/cost")
    assert response.status == 404
