"""The budget API through its handler: report, dry run, packs, roles, bad input, tenants apart."""

from __future__ import annotations

import pytest

from maxcore.models.budget import TokenAction
from maxcore.models.tenant import Locale, Mode, Plan
from maxcore.services.budget import BudgetService
from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient

pytestmark = pytest.mark.integration

BUDGET = "functions/budget/"


@pytest.fixture
def admin(tenant_id: str) -> ApiClient:
    provision_tenant(tenant_id, "Institut Budget", plan=Plan.PRO, locale=Locale.EN)
    return ApiClient(BUDGET, tenant_id, role="admin")


def test_budget_report_of_a_new_tenant(admin: ApiClient) -> None:
    response = admin.get("/budget")
    assert response.status == 200, response.body
    report = response.body
    assert (report["balance"], report["allowance"], report["spent_this_period"]) == (500, 500, 0)
    assert report["usage_level"] == "ok"
    assert report["usage_alert"] is None
    # Only what the code charges is on the list
    assert report["prices"] == {
        "whatsapp_message": {"cost": 5, "category": "messaging"},
        "automation_setup": {"cost": 8, "category": "automation"},
        "auto_followup": {"cost": 15, "category": "automation"},
        "lead_analysis": {"cost": 2, "category": "analysis"},
        "assistant_chat": {"cost": 3, "category": "assistant"},
        "scheduled_ai_message": {"cost": 2, "category": "messaging"},
        "suggested_reply": {"cost": 2, "category": "messaging"},
        "auto_reply": {"cost": 3, "category": "messaging"},
    }
    assert "No tokens spent" in report["recommendation"]
    assert len(report["weekly_usage"]) == 8


def test_report_reflects_spending_in_the_tenants_language(admin: ApiClient, tenant_id: str) -> None:
    service = BudgetService(tenant_id)
    for _ in range(3):
        with service.spend(TokenAction.WHATSAPP_MESSAGE, mode=Mode.AUTO):
            pass
    report = admin.get("/budget").body
    assert report["spent_by_category"] == {"messaging": 15}
    assert "lasts until the end of the month" in report["recommendation"]


def test_quote_is_a_dry_run(admin: ApiClient) -> None:
    response = admin.post("/budget/quote", {"action": "whatsapp_message"})
    assert response.status == 200
    assert response.body == {
        "action": "whatsapp_message",
        "cost": 5,
        "balance": 500,
        "balance_after": 495,
        "affordable": True,
    }
    assert admin.get("/budget").body["balance"] == 500


@pytest.mark.parametrize(
    "body", [{}, {"action": "teleport"}, {"action": "ai_call"}, {"action": "whatsapp_message", "extra": 1}]
)
def test_bad_quote_is_422(admin: ApiClient, body: dict[str, object]) -> None:
    assert admin.post("/budget/quote", body).status == 422


def test_admin_adds_packs(admin: ApiClient) -> None:
    response = admin.post("/budget/packs", {"packs": 2, "reason": "salon de printemps"})
    assert response.status == 201, response.body
    assert (response.body["balance"], response.body["pack_tokens"]) == (1500, 1000)


@pytest.mark.parametrize("body", [{"packs": 0}, {"packs": 21}, {"packs": "two"}, {"packs": 1, "reason": ""}])
def test_bad_pack_request_is_422_and_adds_nothing(admin: ApiClient, body: dict[str, object]) -> None:
    assert admin.post("/budget/packs", body).status == 422
    assert admin.get("/budget").body["balance"] == 500


def test_a_member_cannot_add_packs(admin: ApiClient, tenant_id: str) -> None:
    member = ApiClient(BUDGET, tenant_id, role="member")
    response = member.post("/budget/packs", {"packs": 1})
    assert response.status == 403
    assert member.get("/budget").body["balance"] == 500


def test_budgets_are_per_tenant(admin: ApiClient, other_tenant_id: str) -> None:
    admin.post("/budget/packs", {"packs": 1})
    other = ApiClient(BUDGET, other_tenant_id)
    assert other.get("/budget").status == 404
    provision_tenant(other_tenant_id, "Other")
    assert other.get("/budget").body["balance"] == 100
