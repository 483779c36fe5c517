"""scripts/provision_tenant.py: one idempotent provisioning, usable from a shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maxcore.dal.tenants import TenantProfileRepository
from scripts.provision_tenant import main

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_provisions_once_and_prints_the_tenant(tenant_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--tenant", tenant_id, "--name", "Rapid'Colis", "--plan", "pro", "--locale", "en"]
    # When the script runs twice, the second time with other values
    assert main([*args, "--timezone", "America/Montreal"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*args[:3], "Renamed", "--plan", "studio"]) == 0
    second = json.loads(capsys.readouterr().out)
    # Then the first creates the tenant, the second changes nothing
    assert first["created"] is True
    assert first["tenant"]["id"] == tenant_id
    assert first["tenant"]["plan"] == "pro"
    assert first["tenant"]["locale"] == "en"
    assert first["tenant"]["timezone"] == "America/Montreal"
    assert second == {"created": False, "tenant": first["tenant"]}
    assert TenantProfileRepository(tenant_id).get().name == "Rapid'Colis"


def test_bad_timezone_is_refused_and_creates_nothing(
    tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--tenant", tenant_id, "--name", "X", "--timezone", "Paris"]) == 2
    assert "unknown timezone" in capsys.readouterr().err
    assert main(["--tenant", tenant_id, "--name", "X"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] is True


def test_country_sets_where_national_numbers_are_read(
    tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--tenant", tenant_id, "--name", "X", "--country", "XX"]) == 2
    assert "ISO 3166 alpha-2" in capsys.readouterr().err
    assert main(["--tenant", tenant_id, "--name", "Salon Bruxelles", "--country", "BE"]) == 0
    assert json.loads(capsys.readouterr().out)["tenant"]["default_country"] == "BE"
    assert TenantProfileRepository(tenant_id).get().default_country == "BE"


def test_runs_from_a_shell(tenant_id: str) -> None:
    # The environment (TABLE_NAME, DYNAMODB_ENDPOINT) is the one the suite points at its DynamoDB.
    result = subprocess.run(
        [sys.executable, "scripts/provision_tenant.py", "--tenant", tenant_id, "--name", "Shell"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tenant"]["name"] == "Shell"


def test_an_invalid_tenant_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--tenant", "TENANT#x", "--name", "X"])
    assert exit_.value.code == 2
    assert "not a tenant id" in capsys.readouterr().err
