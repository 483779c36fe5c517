"""Tokens as priced: a message the model writes is charged at its channel's price, never for free, and a
campaign shows what its next 7 days will cost before they run (GET /campaigns/{id}/cost)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from maxcore.clock import utcnow
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.budget import TokenAction
from maxcore.models.prospection import MessageSource, ScenarioStep, StepChannel
from maxcore.models.tenant import Mode
from maxcore.rules.campaign_cost import COST_HORIZON
from maxcore.services.budget import BudgetService, month_of
from maxcore.services.composer import Composer
from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, answer, configured_model
from tests.support.prospection import enrolled_campaign

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
EVERY_DAY = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "08:00", "end": "20:00"}
AI_WHATSAPP = ScenarioStep(
    order=1, delay_days=0, channel=StepChannel.WHATSAPP, objective="Relancer", ai_prompt="Chaleureux"
)


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatCompletions]:
    with configured_model(monkeypatch) as fake:
        fake.default = answer("Bonjour Sophie, on se parle cette semaine ?")
        yield fake


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
        with budget.spend(TokenAction.LEAD_ANALYSIS, reason="earlier analyses", mode=Mode.AUTO):
            pass


def _charges(tenant_id: str) -> list[tuple[str, str, int]]:
    ledger = BudgetRepository(tenant_id).ledger(month_of(utcnow()))
    return [
        (e.kind.value, e.action, e.amount) for e in ledger if e.action == TokenAction.WHATSAPP_MESSAGE.value
    ]


# --- a message the model writes -------------------------------------------------------------------
def test_a_whatsapp_message_the_model_writes_is_charged_the_whatsapp_price(
    tenant: str, llm: FakeChatCompletions
) -> None:
    # Given a tenant with 100 tokens and a model configured
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When the model writes a WhatsApp step's message
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then the message is the model's, and the price list's 5 tokens were reserved then committed
    assert (composed.source, len(llm.requests)) == (MessageSource.AI, 1)
    assert BudgetRepository(tenant).get().balance == 95
    assert _charges(tenant) == [("reserve", "whatsapp_message", -5), ("commit", "whatsapp_message", -5)]


def test_without_the_tokens_the_model_does_not_write_and_nothing_is_charged(
    tenant: str, llm: FakeChatCompletions
) -> None:
    # Given a tenant left with 4 tokens, one fewer than an AI-written WhatsApp message costs
    _spend_down_to(tenant, 4)
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When the step's message is written
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then the model is not asked, the built-in message goes instead, and the balance is untouched
    assert (composed.source, llm.requests) == (MessageSource.DEFAULT, [])
    assert composed.body
    assert BudgetRepository(tenant).get().balance == 4
    assert _charges(tenant) == []


def test_a_model_that_fails_gives_the_tokens_back(tenant: str, llm: FakeChatCompletions) -> None:
    # Given a model that answers with nothing
    llm.default = answer("")
    lead = LeadRepository(tenant).get(_lead(tenant))
    # When it is asked for the step's message
    composed = Composer(TenantProfileRepository(tenant).get()).compose(AI_WHATSAPP, lead, [])
    # Then the built-in message goes and the reservation is refunded
    assert composed.source is MessageSource.DEFAULT
    assert BudgetRepository(tenant).get().balance == 100
    assert _charges(tenant) == [("reserve", "whatsapp_message", -5), ("refund", "whatsapp_message", 5)]


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
    # Given two prospects enrolled now on AI SMS (day 0), AI WhatsApp (day 2), a built-in e-mail (day 3)
    # and an AI WhatsApp on day 13, and a tenant left with 10 tokens
    campaign_id = _campaign(tenant, FOUR_STEPS, _lead(tenant, 1), _lead(tenant, 2))
    _spend_down_to(tenant, 10)
    # When the campaign's cost is asked for
    response = ApiClient(PROSPECTION, tenant).get(f"/campaigns/{campaign_id}/cost")
    # Then the week's three steps are priced by who writes them, and the balance does not cover them
    assert response.status == 200, response.body
    cost = response.body
    lines = [
        (s["step"], s["channel"], s["source"], s["due"], s["unit_cost"], s["cost"]) for s in cost["steps"]
    ]
    assert lines == [
        (1, "sms", "ai", 2, 2, 4),
        (2, "whatsapp", "ai", 2, 5, 10),
        (3, "email", "default", 2, 0, 0),
    ]
    assert (cost["cost"], cost["balance"], cost["affordable"]) == (14, 10, False)
    assert datetime.fromisoformat(cost["until"]) - datetime.fromisoformat(cost["since"]) == COST_HORIZON
    # And nothing was written by the model or spent
    assert llm.requests == []
    assert BudgetRepository(tenant).get().balance == 10


def test_another_tenants_campaign_cost_is_a_404(tenant: str, other_tenant_id: str) -> None:
    campaign_id = _campaign(tenant, FOUR_STEPS[:1], _lead(tenant))
    provision_tenant(other_tenant_id, "Autre")
    response = ApiClient(PROSPECTION, other_tenant_id).get(f"/campaigns/{campaign_id}/cost")
    assert response.status == 404
