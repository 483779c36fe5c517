"""The scheduler benchmark at a tiny scale, on the suite's backend: its figures hold what the spec asks.

One run (load, naive path, project path, two crash rounds with real worker processes) is shared by the
tests of this module. The fake providers are started by the benchmark itself; SSM is the suite's moto.
One tenant with 24 due steps: at 12 due steps per tenant (3 tenants, 36 steps) the fan-out's per-shard
reads already made the project path cost more requests than the naive loop (bench/README.md).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest

from bench.scheduler.counting import READS
from bench.scheduler.dataset import Scale, plan_tenants, shares
from bench.scheduler.report import render
from bench.scheduler.run import DUE_INDEX, ENROLLMENTS_OF_A_LEAD, Result, checks, exit_status, run_benchmark
from maxcore.dal.keys import DUE_SHARDS
from maxcore.settings import reset_settings

pytestmark = pytest.mark.integration

SCALE = Scale(tenants=1, steps=24, seed=3)
CRASH = Scale(tenants=1, steps=8, seed=4)


@pytest.fixture(scope="module")
def result(tables: dict[str, str], ssm_endpoint: str) -> Iterator[Result]:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("ASSISTANT_API_KEY", "OPENAI_API_KEY", "ASSISTANT_API_KEY_PARAMETER", "PUBLIC_API_URL"):
            patch.delenv(name, raising=False)
        reset_settings()
        yield run_benchmark(
            f"t{uuid.uuid4().hex[:8]}", SCALE, progress=lambda _: None, warm_up=False, crash=CRASH
        )
    reset_settings()


def test_both_paths_process_every_due_step_once(result: Result) -> None:
    assert result.tally.steps == result.naive.due == result.project.due == SCALE.steps
    assert result.naive.outcomes == result.project.outcomes
    assert result.project.outcomes["sent"] == len(result.project.sends) > 0
    assert result.different == 0
    assert result.left_due == {"naive": 0, "project": 0}


def test_project_path_reads_the_due_index_not_one_query_per_prospect(result: Result) -> None:
    requests = result.project.stats.requests
    assert requests[DUE_INDEX] == SCALE.tenants * DUE_SHARDS  # one page per tenant x shard message
    assert requests[ENROLLMENTS_OF_A_LEAD] == 0
    reads = {label for label in requests if label.split(" ", 1)[0] in READS}
    assert "Query TENANT#<t>#LEAD" not in reads  # no sweep of the lead partition


def test_naive_path_queries_each_prospect(result: Result) -> None:
    requests = result.naive.stats.requests
    assert requests[ENROLLMENTS_OF_A_LEAD] == SCALE.steps
    assert requests[DUE_INDEX] == 0


def test_project_path_makes_fewer_requests_than_the_naive_one(result: Result) -> None:
    assert result.project.stats.total < result.naive.stats.total
    assert result.project.stats.read_requests < result.naive.stats.read_requests


SENT_SMS = "UpdateItem TENANT#<t>#SENDCOUNT <time>#sms"
SENT_EMAIL = "UpdateItem TENANT#<t>#SENDCOUNT <time>#email"
A_SENDS_OWN = 6
"""Per sent step: the claim with its note, the channel's daily counter, the follow-up's tokens reserved
and committed, the activity's transaction and the settle's (:mod:`maxcore.services.exactly_once`)."""
AN_EMAILS_OWN = 2
"""Per sent e-mail, besides: the senders' counters of the day and the sender's turn taken."""
PER_SHARD = 5
"""Per shard message: the due index, the enrollments behind it, the leads and their blacklist entries
(one BatchGet each per 25 steps), the token budget (read once per sequencer: it is never deleted)."""
PER_RUN = 12
"""Per tenant and worker batch: profile, channel settings, suppression list, campaigns, scenario
versions and templates (two scenarios of up to three steps each)."""


def test_a_due_step_reads_nothing_of_its_own_and_writes_what_exactly_once_needs(result: Result) -> None:
    requests = result.project.stats.requests
    # What does not change within a run is read once per run, and the step's lead comes prefetched
    per_step_reads = [
        label
        for label, n in requests.items()
        if label.startswith("GetItem") and n > PER_RUN and "BUDGET" not in label
    ]
    assert per_step_reads == []
    assert not [label for label in requests if "LEAD#<id>" in label and label.startswith("GetItem")]
    assert not [label for label in requests if "PICK#" in label]  # the take's condition finds a pick
    # And the whole run costs no more than each step's own writes on top of those reads
    sent = result.project.outcomes["sent"]
    assert requests[SENT_SMS] + requests[SENT_EMAIL] == sent
    unsent = result.project.due - sent
    bound = A_SENDS_OWN * sent + AN_EMAILS_OWN * requests[SENT_EMAIL] + unsent
    bound += SCALE.tenants * (DUE_SHARDS * PER_SHARD + PER_RUN)
    assert result.project.stats.total <= bound


def test_bulk_rounds_send_nothing_twice_and_lose_no_recipient(result: Result) -> None:
    assert [b.channel for b in result.bulk] == ["sms", "email"]
    for bulk in result.bulk:
        assert bulk.crashed, bulk.workers
        assert bulk.messages > 0
        assert bulk.duplicates == bulk.unnamed == 0
        assert bulk.lost == 0
        assert bulk.phantom == bulk.silent == bulk.miscounted == 0
        assert sum(bulk.final.values()) == bulk.recipients == CRASH.steps


def test_crash_rounds_send_nothing_twice_and_lose_nothing(result: Result) -> None:
    assert [c.channel for c in result.crash] == ["sms", "email"]
    for crash in result.crash:
        assert crash.crashed, crash.workers
        assert crash.duplicates == 0
        assert crash.lost == 0
        assert crash.phantom == crash.silent == crash.settled_twice == 0
        assert crash.sending_after_crash == 1  # the send the victim died in
    sms, email = result.crash
    # Twilio takes no idempotency key: the interrupted step is recorded, not sent again.
    assert sms.rerun_outcomes["unconfirmed"] == 1
    assert sms.unconfirmed_delivered == 1
    # Resend honours the key: the step is sent again and the provider answers the first e-mail.
    assert email.rerun_outcomes["sent"] == 1
    assert email.final["unconfirmed"] == 0
    assert exit_status(result) == 0


def test_every_check_passes_and_the_report_renders(result: Result) -> None:
    assert [c for c in checks(result) if not c.ok] == []
    text = "\n".join(render(result))
    assert "naive / project" in text
    assert "duplicate sends: 0; lost steps: 0" in text
    assert "FAIL" not in text


def test_the_data_are_deterministic_and_spread_as_asked() -> None:
    small = Scale(tenants=4, steps=50, seed=11)
    first, again = plan_tenants(small), plan_tenants(small)
    assert first == again
    assert sum(len(p.prospects) for p in first) == 50
    assert all(len(p.prospects) >= 1 for p in first)
    assert sum(shares(random.Random(1), 10_000, 50)) == 10_000


def test_scheduled_messages_go_once_whatever_delivers_them_and_none_is_lost(result: Result) -> None:
    scheduled = result.scheduled
    assert scheduled is not None
    due = scheduled.messages["due"] + scheduled.messages["timer_lost"]
    assert due > 0
    assert scheduled.duplicates == scheduled.unnamed == scheduled.lost == 0
    # Each due message went once; the cancelled and later ones, whose timers came too, did not
    assert scheduled.accepted == due
    assert scheduled.final["cancelled:cancelled"] == scheduled.messages["cancelled"]
    assert scheduled.final["later:scheduled"] == scheduled.messages["later"]
