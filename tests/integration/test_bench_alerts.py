"""The alerts benchmark at a tiny scale, on the suite's backend: its figures hold what the spec asks.

One run (load, naive path, three project runs) is shared by the tests of this module.
"""

from __future__ import annotations

import uuid

import pytest

from bench.alerts.counting import READS, item_size
from bench.alerts.dataset import Scale, generate
from bench.alerts.report import render
from bench.alerts.run import PAGES_FACTOR, Result, checks, run_benchmark
from maxcore.models.alert import AlertType

pytestmark = pytest.mark.integration

SCALE = Scale(leads=40, activities=600, days=60, seed=3)


@pytest.fixture(scope="module")
def result(tables: dict[str, str]) -> Result:
    return run_benchmark(f"t-{uuid.uuid4().hex[:12]}", SCALE, progress=lambda _: None, warm_up=False)


def test_the_tenant_is_the_scale_asked(result: Result) -> None:
    assert result.tally.leads == result.naive.leads == SCALE.leads
    assert result.tally.activities == result.naive.activities == SCALE.activities
    assert 0 < result.tally.silent_leads < SCALE.leads


def test_project_path_reads_the_profile_and_lead_pages_only(result: Result) -> None:
    for name, run, size in result.project_runs():
        reads = {label: n for label, n in run.stats.requests.items() if label.split(" ", 1)[0] in READS}
        assert reads.keys() == {result.profile, result.lead_partition}, name
        assert reads[result.profile] == 1, name
        assert 1 <= reads[result.lead_partition] <= PAGES_FACTOR * size.pages, name
        assert run.stats.count(result.activity_partitions) == 0, name
        assert run.stats.items_read == SCALE.leads + 1, name


def test_naive_path_queries_the_activities_of_every_lead(result: Result) -> None:
    stats = result.naive.stats
    assert stats.count(result.activity_partitions) >= SCALE.leads
    assert stats.requests[result.profile] == 1
    assert stats.items_read == 1 + SCALE.leads + SCALE.activities
    assert stats.write_requests == 0


def test_both_paths_find_the_same_alerts(result: Result) -> None:
    assert result.project_found == result.naive.found
    types = {alert_type for _, alert_type in result.naive.found}
    assert {AlertType.NO_CONTACT_7D, AlertType.NO_REPLY_3D} <= types


def test_first_run_writes_the_alerts_it_opens(result: Result) -> None:
    stats, report = result.first.stats, result.first.report
    lead_writes = stats.operations["TransactWriteItems"] + stats.operations["UpdateItem"]
    assert report.opened == len(result.project_found) > 0
    assert lead_writes == report.leads - report.unchanged
    assert stats.items_written == lead_writes + report.opened + report.resolved


def test_second_run_writes_nothing(result: Result) -> None:
    stats, report = result.second.stats, result.second.report
    assert stats.write_requests == stats.items_written == 0
    assert report.unchanged == report.leads == SCALE.leads
    assert stats.total == 2  # the profile and one page of 40 leads


def test_every_check_passes_and_the_report_renders(result: Result) -> None:
    assert [c for c in checks(result) if not c.ok] == []
    text = "\n".join(render(result))
    assert "naive / project" in text
    assert "FAIL" not in text


def test_a_run_fits_one_invocation_at_the_worker_budget(result: Result) -> None:
    assert [len(run.parts) for _, run, _ in result.project_runs()] == [1, 1, 1]
    assert result.division[0] == SCALE.leads
    assert "worker invocations" in "\n".join(render(result))


def test_a_run_in_parts_opens_what_one_run_opens(tables: dict[str, str], result: Result) -> None:
    # Given the same tenant, When every part of each run has no time beyond its first lead
    parted = run_benchmark(
        f"t-{uuid.uuid4().hex[:12]}", SCALE, progress=lambda _: None, warm_up=False, budget_seconds=0
    )
    # Then each run takes one invocation per lead and reports what the run in one part reported
    assert [len(run.parts) for _, run, _ in parted.project_runs()] == [SCALE.leads] * 3
    assert [run.report for _, run, _ in parted.project_runs()] == [
        run.report for _, run, _ in result.project_runs()
    ]
    assert len(parted.project_found) == len(result.project_found)


def test_the_data_are_deterministic() -> None:
    small = Scale(leads=5, activities=50, days=60, seed=11)
    first = [(lead, [a.id for a in history]) for lead, history in generate(small)]
    again = [(lead, [a.id for a in history]) for lead, history in generate(small)]
    assert first == again
    assert sum(len(ids) for _, ids in first) == 50


def test_item_size_follows_dynamodb_rules() -> None:
    # Names and strings in UTF-8 bytes; "123.45" has 5 significant digits: 3 bytes + 1.
    assert item_size({"PK": {"S": "été"}, "n": {"N": "123.45"}, "b": {"BOOL": True}}) == 2 + 5 + 1 + 4 + 1 + 1
    # A map: 3 bytes plus, per element, 1 byte, its key and its value; a list likewise without keys.
    assert item_size({"m": {"M": {"k": {"S": "v"}}}, "l": {"L": [{"S": "ab"}]}}) == 1 + 3 + 3 + 1 + 3 + 3
