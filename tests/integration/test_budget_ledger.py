"""The token ledger page through its handler: newest first, paged, each reason in the tenant's language,
read from what the entry was about (and from its action alone for an entry written before)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maxcore.dal import keys
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.items import LedgerEntryItem
from maxcore.ids import new_id
from maxcore.models.budget import TokenAction
from maxcore.models.tenant import Mode, Plan
from maxcore.services.budget import BudgetService
from maxcore.services.followup_charge import FollowUpCharge
from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient

pytestmark = pytest.mark.integration

BUDGET = "functions/budget/"


@pytest.fixture
def member(tenant_id: str) -> ApiClient:
    """A member of a French tenant on the Pro plan, its budget open."""
    provision_tenant(tenant_id, "Institut Ledger", plan=Plan.PRO)
    BudgetService(tenant_id).open()
    return ApiClient(BUDGET, tenant_id, role="member")


def legacy_entry(tenant_id: str, kind: str, action: str, amount: int, reason: str) -> None:
    """An entry as the ledger wrote it before it kept ids: an English sentence and nothing else."""
    now = datetime.now(UTC)
    entry_id = new_id()
    LedgerEntryItem(
        keys.ledger_pk(tenant_id, now.strftime("%Y-%m")),
        keys.ledger_sk(entry_id),
        entry_id=entry_id,
        kind=kind,
        action=action,
        category=None,
        amount=amount,
        mode="auto",
        reason=reason,
        outcome="granted",
        created_at=now,
    ).save()


def reasons(client: ApiClient, **query: str) -> list[str]:
    response = client.get("/budget/ledger", query=query)
    assert response.status == 200, response.body
    return [entry["reason"] for entry in response.body["entries"]]


def test_each_entry_reads_why_in_the_tenants_language_newest_first(member: ApiClient, tenant_id: str) -> None:
    # Given an automatic follow-up a campaign sent, charged by the send path, and a pack an admin added
    charge = FollowUpCharge(tenant_id, Mode.AUTO)
    reservation = charge.reserve("step:C1:L1:2", "max:campaign:C1")
    charge.settle(reservation, left=True, outcome="sent")
    admin = ApiClient(BUDGET, tenant_id, role="admin")
    assert admin.post("/budget/packs", {"packs": 1, "reason": "salon de printemps"}).status == 201
    # And two entries written before the ledger kept ids: a follow-up and a pack with its note
    legacy_entry(tenant_id, "commit", "auto_followup", -15, "automatic follow-up by max:campaign:C0")
    legacy_entry(tenant_id, "pack", "pack", 500, "pour les soldes")

    # When a member reads the month's ledger, in French then in English
    french = member.get("/budget/ledger")
    english_tenant = ApiClient("functions/tenants/", tenant_id)
    assert english_tenant.patch("/tenant", {"locale": "en"}).status == 200
    english = reasons(member)

    # Then every entry is there, newest first, each saying why in the tenant's language
    assert french.status == 200, french.body
    assert french.body["month"] == datetime.now(UTC).strftime("%Y-%m")
    assert [e["reason"] for e in french.body["entries"]] == [
        "Pack de tokens ajouté : pour les soldes",
        "Relance automatique",
        "Pack de tokens ajouté : salon de printemps",
        "Relance automatique envoyée par une campagne de prospection",
        "Relance automatique envoyée par une campagne de prospection",
        "Tokens du forfait à l'ouverture du budget",
    ]
    assert english == [
        "Token pack added: pour les soldes",
        "Automatic follow-up",
        "Token pack added: salon de printemps",
        "Automatic follow-up sent by a prospection campaign",
        "Automatic follow-up sent by a prospection campaign",
        "Plan tokens when the budget opened",
    ]
    committed = french.body["entries"][3]
    assert (committed["kind"], committed["amount"], committed["outcome"]) == ("commit", -15, "sent")
    assert committed["about"] == {"send_key": "step:C1:L1:2", "sent_by": "max:campaign:C1"}
    assert french.body["next_cursor"] is None


def test_a_pack_without_a_note_reads_as_a_pack(member: ApiClient, tenant_id: str) -> None:
    admin = ApiClient(BUDGET, tenant_id, role="admin")
    assert admin.post("/budget/packs", {"packs": 2}).status == 201

    assert reasons(member)[0] == "Pack de tokens ajouté"


def test_ap70_a_months_ledger_is_read_newest_first_a_page_at_a_time(
    member: ApiClient, tenant_id: str, other_tenant_id: str
) -> None:
    # Given five assistant turns spent after the budget opened, and another tenant's spending
    budget = BudgetService(tenant_id)
    for _ in range(5):
        with budget.spend(TokenAction.ASSISTANT_CHAT, mode=Mode.AUTO):
            pass
    provision_tenant(other_tenant_id, "Autre institut")
    with BudgetService(other_tenant_id).spend(TokenAction.LEAD_ANALYSIS, mode=Mode.AUTO):
        pass
    month = datetime.now(UTC).strftime("%Y-%m")
    everything = list(BudgetRepository(tenant_id).ledger(month))

    # When it is read three entries at a time
    pages, cursor = [], None
    while True:
        query = {"month": month, "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = member.get("/budget/ledger", query=query).body
        pages.append([e["id"] for e in page["entries"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then the pages hold every entry of its own once, newest first (each turn reserves and commits)
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [i for p in pages for i in p] == [e.id for e in reversed(everything)]
    assert len(everything) == 11


def test_a_month_without_entries_is_an_empty_page(member: ApiClient) -> None:
    page = member.get("/budget/ledger", query={"month": "2025-01"}).body

    assert (page["month"], page["entries"], page["next_cursor"]) == ("2025-01", [], None)


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "mars"},
        {"month": "2026-3"},
        {"limit": "0"},
        {"limit": "101"},
        {"cursor": "@@"},
    ],
)
def test_bad_input_is_a_422(member: ApiClient, query: dict[str, str]) -> None:
    response = member.get("/budget/ledger", query=query)

    assert response.status == 422, response.body
