"""scripts/check_phone_numbers.py: lists stored numbers the phone library finds invalid, writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.leads import LeadRepository
from maxcore.ids import new_id
from maxcore.models.lead import Lead
from maxcore.models.prospection import BlacklistEntry, BlacklistKind
from maxcore.services.tenants import provision_tenant
from scripts.check_phone_numbers import main
from tests.support.dynamodb_requests import RequestCounter, counting_requests

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def _lead(tenant_id: str, first_name: str, phone: str) -> Lead:
    # Written through the repository, which stores what it is given: as the old lax rule did.
    lead = Lead(id=new_id(), first_name=first_name, phone=phone, created_at=NOW, updated_at=NOW)
    return LeadRepository(tenant_id).create(lead)


def _blacklist(tenant_id: str, value: str) -> None:
    BlacklistRepository(tenant_id).add(
        BlacklistEntry(kind=BlacklistKind.PHONE, value=value, reason="STOP", source="manual", created_at=NOW)
    )


def test_lists_the_invalid_numbers_of_the_tenant_with_the_reason_and_writes_nothing(
    tenant_id: str, other_tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a lead with the number the old rule stored for the British 07911 123456, a good lead,
    # a blacklisted number one digit short, and another tenant with a bad number of its own
    bad = _lead(tenant_id, "Oliver", "+337911123456")
    _lead(tenant_id, "Hélène", "+33612345678")
    _blacklist(tenant_id, "+3361234567")
    _blacklist(tenant_id, "+32470123456")
    _lead(other_tenant_id, "Other", "+99912345678")

    # When the script checks the tenant
    with counting_requests() as counter:
        status = main(["--tenant", tenant_id])
    report = json.loads(capsys.readouterr().out)

    # Then it lists each invalid number with where it is and the library's reason, and fails
    assert status == 1
    [tenant] = report["tenants"]
    assert tenant["tenant"] == tenant_id
    assert tenant["checked"] == {"leads": 2, "blacklist": 2, "contact_guards": 2}
    found = [(i["where"], i.get("lead_id"), i["value"], i["reason"]) for i in tenant["invalid"]]
    assert found == [
        ("leads", bad.id, "+337911123456", "TOO_LONG"),
        ("blacklist", None, "+3361234567", "TOO_SHORT"),
        ("contact_guards", bad.id, "+337911123456", "TOO_LONG"),
    ]
    assert tenant["invalid"][0]["name"] == "Oliver"
    assert "too many digits" in tenant["invalid"][0]["message"]
    # And it only read, with Queries (no Scan, no write), and left the lead as it was
    _only_queries(counter)
    assert LeadRepository(tenant_id).get(bad.id).phone == "+337911123456"


def _only_queries(counter: RequestCounter) -> None:
    assert counter.operations, "the script read nothing"
    assert set(counter.operations) <= {"Query", "GetItem"}, counter.operations
    assert not WRITES & set(counter.operations)


def test_a_tenant_whose_numbers_are_all_valid_exits_0(
    tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _lead(tenant_id, "Lotte", "+32470123456")
    assert main(["--tenant", tenant_id]) == 0
    assert json.loads(capsys.readouterr().out)["tenants"][0]["invalid"] == []


def test_all_tenants_walks_the_tenant_directory(tenant_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    provision_tenant(tenant_id, "Directory")
    _lead(tenant_id, "Gus", "+99912345678")
    assert main(["--all-tenants"]) == 1
    reports = {r["tenant"]: r for r in json.loads(capsys.readouterr().out)["tenants"]}
    assert [i["reason"] for i in reports[tenant_id]["invalid"]] == ["INVALID_COUNTRY_CODE"] * 2


def test_ap5_phone_guards_of_a_tenant_are_listed_with_their_lead(
    tenant_id: str, other_tenant_id: str
) -> None:
    lead = _lead(tenant_id, "Ana", "+33611223344")
    _lead(other_tenant_id, "Bob", "+33655667788")
    assert list(LeadRepository(tenant_id).contact_guards("phone")) == [("+33611223344", lead.id)]
    assert list(LeadRepository(tenant_id).contact_guards("email")) == []


def test_runs_from_a_shell(tenant_id: str) -> None:
    _lead(tenant_id, "Fred", "+3361234567")
    # The environment (TABLE_NAME, DYNAMODB_ENDPOINT) is the one the suite points at its DynamoDB.
    result = subprocess.run(
        [sys.executable, "scripts/check_phone_numbers.py", "--tenant", tenant_id],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["tenants"][0]["invalid"][0]["reason"] == "TOO_SHORT"


def test_without_a_tenant_it_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "--tenant" in capsys.readouterr().err
