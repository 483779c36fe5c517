"""The backfill of the reporting counters: a tenant's history recorded before the counters, counted
once from its stored facts, through the operator script and the worker, in parts, and never twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import TimeBudget
from maxcore.dal import keys
from maxcore.dal.items import StatsItem
from maxcore.dal.stats import StatsRepository
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.rules import reporting as rules
from maxcore.services.continuations import run_stats_backfill
from maxcore.services.stats_backfill import StatsBackfill
from scripts import backfill_stats
from tests.integration import test_reporting as reporting
from tests.integration import test_webhooks as hooks
from tests.integration.conftest import drain
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeTwilio
from tests.support.webhook_samples import resend_payload

pytestmark = pytest.mark.integration

Figures = dict[str, dict[str, int]]


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A provisioned tenant with the providers' webhook secrets; an empty queue."""
    return hooks.webhook_tenant(tenant_id, fanout_queue)


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    yield from hooks.twilio_for_tenants(monkeypatch)


def figures(tenant_id: str) -> Figures:
    """Every counter of the tenant: campaigns', days' and templates' (the backfill's state apart)."""
    return dict(StatsRepository(tenant_id)._query("CAMP#", "TPL#~"))


def added(*parts: Figures) -> Figures:
    total: dict[str, Counter[str]] = {}
    for part in parts:
        for sk, counters in part.items():
            total.setdefault(sk, Counter()).update(counters)
    return {sk: dict(counters) for sk, counters in total.items()}


def forget_counters(tenant_id: str) -> None:
    """The counters as the deployment before them left them: none."""
    for item in StatsItem.query(keys.stats_pk(tenant_id)):
        item.delete()
    assert figures(tenant_id) == {}


def history(tenant_id: str) -> None:
    """A tenant's month, written by the real write paths: an SMS sent, delivered and answered with
    interest by a lead then converted; an e-mail delivered and opened, another bounced; a call and a
    message logged by hand, days ago."""
    sms_lead, sid = reporting.sms_lead_with_message(tenant_id)
    for status in ("sent", "delivered"):
        reporting.twilio_status(tenant_id, sid, status)
    hot = hooks.inbound(tenant_id, "Oui ça m'intéresse, vous pouvez m'appeler ?", "SM" + "e1" * 16)
    assert hooks.webhook(hot)["statusCode"] == 200
    assert hooks.leads(tenant_id).patch(f"/leads/{sms_lead}", {"status": "converted"}).status == 200
    _, email_id = hooks._email_lead_with_message(tenant_id, "manon@example.fr")
    now = datetime.now(UTC)
    for event, svix_id in (("email.delivered", "msg_d1"), ("email.opened", "msg_o1")):
        assert (
            hooks.resend(tenant_id, resend_payload(event, email_id, "manon@example.fr", now), svix_id)[
                "statusCode"
            ]
            == 200
        )
    _, bounced_id = hooks._email_lead_with_message(tenant_id, "ancienne@example.fr")
    bounce = hooks.hard_bounce(bounced_id, "ancienne@example.fr")
    assert hooks.resend(tenant_id, bounce, "msg_b1")["statusCode"] == 200
    log_message(tenant_id, "ines@example.fr", "email", now - timedelta(days=4))
    log_message(tenant_id, "chloe@example.fr", "call", now - timedelta(days=9))


def log_message(tenant_id: str, email: str, channel: str, at: datetime) -> None:
    lead = hooks.leads(tenant_id).post("/leads", {"first_name": "Inès", "email": email}).body
    logged = ApiClient("functions/alerts/", tenant_id).post(
        "/activities",
        {
            "lead_id": lead["id"],
            "channel": channel,
            "direction": "out",
            "preview": "Bonjour",
            "occurred_at": at.isoformat(),
        },
    )
    assert logged.status == 201, logged.body


def backfill_through_the_worker(tenant_id: str, fanout_queue: str, cutover: datetime) -> None:
    """The operator's script queues the tenant's job; the worker takes it."""
    assert backfill_stats.main(["--tenant", tenant_id, "--cutover", cutover.isoformat()]) == 0
    bodies = drain(fanout_queue)
    assert [TenantJobMessage.model_validate_json(b).job for b in bodies] == [Job.BACKFILL_STATS]
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    assert worker(sqs_event([("m-0", bodies[0])]), LocalContext()) == {"batchItemFailures": []}


def test_a_history_counted_back_gives_what_the_write_paths_had_counted_and_again_the_same(
    tenant: str, fake_twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given a tenant's history written by the write paths, whose counters the old deployment never had
    history(tenant)
    counted_live = figures(tenant)
    forget_counters(tenant)
    drain(fanout_queue)

    # When the operator backfills it, with the cut-over after that history, then runs it again
    cutover = datetime.now(UTC)
    backfill_through_the_worker(tenant, fanout_queue, cutover)
    first = figures(tenant)
    backfill_through_the_worker(tenant, fanout_queue, cutover + timedelta(hours=1))

    # Then the counters are what the write paths had counted, and the second run added nothing
    assert first == counted_live
    assert figures(tenant) == counted_live
    state = StatsRepository(tenant).backfill()
    assert state is not None
    assert state.finished_at is not None
    assert (state.cutover, state.progress.endswith(":done"), state.leads) == (cutover, True, 5)
    # And the reports read them: the SMS sent, delivered, answered with interest, converted
    today = reporting.today_of(tenant)
    sms = reporting.by_channel(reporting.channels(tenant, today, today))["sms"]
    assert (sms["sent"], sms["delivered"], sms["positive_replied"], sms["conversions"]) == (1, 1, 1, 1)


def test_what_the_write_paths_counted_after_the_cutover_is_not_counted_again(
    tenant: str, fake_twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given an SMS sent and an e-mail sent before the counters existed
    _, sid = reporting.sms_lead_with_message(tenant)
    _, email_id = hooks._email_lead_with_message(tenant, "manon@example.fr")
    before = figures(tenant)
    forget_counters(tenant)
    # And the counters deployed: the cut-over recorded, then the SMS delivered and a new e-mail sent
    cutover = datetime.now(UTC)
    StatsBackfill(tenant).start(cutover)
    reporting.twilio_status(tenant, sid, "delivered")
    hooks._email_lead_with_message(tenant, "louise@example.fr")
    # And an e-mail logged by hand after the cut-over, though it went before it
    log_message(tenant, "ines@example.fr", "email", cutover - timedelta(days=2))
    after = figures(tenant)
    drain(fanout_queue)

    # When the history before the cut-over is backfilled
    backfill_through_the_worker(tenant, fanout_queue, cutover)

    # Then each fact counts once: the sends before by the backfill, the delivery, the new send and the
    # late log by their write paths
    assert figures(tenant) == added(before, after)
    day = f"DAY#{reporting.today_of(tenant).isoformat()}#"
    assert (figures(tenant)[day + "sms"]["sent"], figures(tenant)[day + "sms"]["delivered"]) == (1, 1)
    assert figures(tenant)[day + "email"]["sent"] == 2
    logged_day = rules.tenant_day(cutover - timedelta(days=2), "Europe/Paris").isoformat()
    assert figures(tenant)[f"DAY#{logged_day}#email"]["sent"] == 1
    assert email_id


def test_a_backfill_stopped_after_each_lead_resumes_in_parts_to_the_same_figures(
    tenant: str, fanout_queue: str
) -> None:
    # Given four leads each sent an e-mail, whose counters are forgotten, and the cut-over recorded
    for n in range(4):
        hooks._email_lead_with_message(tenant, f"lead{n}@example.fr")
    counted_live = figures(tenant)
    forget_counters(tenant)
    drain(fanout_queue)
    StatsBackfill(tenant).start(datetime.now(UTC))

    # When each part of the job has no time left after its first lead, and queues its continuation
    message = TenantJobMessage(job=Job.BACKFILL_STATS, tenant_id=tenant, scheduled_at=datetime.now(UTC))
    no_time = TimeBudget(lambda: 0.0)
    outcomes = []
    while True:
        outcomes.append(run_stats_backfill(message, no_time))
        queued = drain(fanout_queue)
        if not queued:
            break
        (body,) = queued
        message = TenantJobMessage.model_validate_json(body)

    # Then it went a lead a part, resumed where it stopped, and counted every lead once
    assert [o["counted_now"] for o in outcomes] == [1, 1, 1, 1, 0]
    assert [o["part"] for o in outcomes] == [0, 1, 2, 3, 4]
    assert outcomes[-1]["done"] is True
    assert figures(tenant) == counted_live


def test_ap71_the_backfill_keeps_its_first_cutover_and_adds_a_lead_once(
    tenant: str, other_tenant_id: str
) -> None:
    # Given a backfill started, then started again with another instant
    repository = StatsRepository(tenant)
    cutover = datetime(2026, 12, 1, 9, tzinfo=UTC)
    first = repository.start_backfill(cutover, cutover)
    again = repository.start_backfill(cutover + timedelta(days=1), cutover + timedelta(days=1))
    # And one transaction of a lead's counts added
    one = rules.Counts((rules.DayCount(cutover.date(), "sms", {"sent": 1}),))
    assert repository.add_backfilled("start", "L1:done", one, lead_done=True)

    # When a stale run adds the same transaction from the progress it had read
    stale = repository.add_backfilled("start", "L1:done", one, lead_done=True)

    # Then the first cut-over holds, the stale run added nothing, and another tenant has no backfill
    assert (first.cutover, again.cutover, first.progress) == (cutover, cutover, "start")
    assert stale is False
    state = repository.backfill()
    assert state is not None
    assert (state.progress, state.leads) == ("L1:done", 1)
    assert repository.days(cutover.date(), cutover.date()) == [(cutover.date(), "sms", {"sent": 1})]
    assert StatsRepository(other_tenant_id).backfill() is None


def test_the_script_refuses_an_instant_without_offset_and_an_unknown_tenant(tenant_id: str) -> None:
    with pytest.raises(SystemExit):
        backfill_stats.main(["--tenant", tenant_id, "--cutover", "2026-12-05T09:00:00"])

    assert backfill_stats.main(["--tenant", tenant_id, "--cutover", "2026-12-05T09:00:00Z"]) == 2
    assert StatsRepository(tenant_id).backfill() is None
