"""Bulk sends through the handlers: the API accepts one, the worker sends it, the report says why.

The bulk sends API and the scheduler's worker run on moto (or DynamoDB Local); the real Twilio SDK
talks to the fake Twilio of tests/support, which records every message it receives.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import time_machine

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import TimeBudget
from maxcore.dal.bulk_sends import BulkSendRepository, Settlement
from maxcore.dal.items import LeadItem
from maxcore.dal.leads import _to_item as lead_to_item  # the repository's own conversion
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.ids import new_id
from maxcore.models.bulk import MAX_RECIPIENTS
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.tenant import Mode, SendWindow, Tenant
from maxcore.rules.bulk import STALL_AFTER
from maxcore.services.bulk_sender import BulkSender
from tests.integration.conftest import drain, run_worker_until_idle, sms_through_twilio
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeTwilio

pytestmark = pytest.mark.integration

BULK = "functions/bulk/"
LEADS = "functions/leads/"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SMS_SENDER = "+33757000009"
MENTION = "Répondez STOP pour vous désinscrire"
TEXT = "Nos soins d'hiver arrivent : -20 % cette semaine à l'institut."

TUE_1000_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TUE_2030_PARIS = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)
WED_0800_PARIS = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
EVERY_DAY = SendWindow(days=[0, 1, 2, 3, 4, 5, 6], start="07:00", end="21:00")
WORKER_MS = 300_000


@pytest.fixture(autouse=True)
def twilio(twilio_for_sends: FakeTwilio) -> FakeTwilio:
    return twilio_for_sends


@pytest.fixture(autouse=True)
def tuesday_morning(time_machine: time_machine.TimeMachineFixture, fanout_queue: str) -> None:
    """Every test starts on Tuesday 10:00 in Paris (inside the window), with an empty fan-out queue."""
    time_machine.move_to(TUE_1000_PARIS, tick=False)
    drain(fanout_queue)


def _tenant(tenant_id: str, window: SendWindow | None = None) -> str:
    """An auto-mode tenant whose SMS go through Twilio (Monday-Friday 09:00-18:00 unless told)."""
    now = datetime.now(UTC)
    tenant = Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    if window is not None:
        tenant = tenant.model_copy(update={"send_window": window})
    TenantProfileRepository(tenant_id).create_if_absent(tenant)
    sms_through_twilio(tenant_id, SMS_SENDER, ACCOUNT_SID)
    return tenant_id


def _lead(tenant_id: str, number: int, tags: list[str], **fields: Any) -> str:
    body = {"first_name": f"Cliente {number}", "tags": tags, **fields}
    response = ApiClient(LEADS, tenant_id).post("/leads", body)
    assert response.status == 201, response.body
    return str(response.body["id"])


def _phone(number: int) -> str:
    return f"+336123450{number:02d}"


def _audience(tenant_id: str) -> dict[str, list[str]]:
    """30 leads tagged ``hiver`` (24 reachable, 2 opted out of SMS, 2 blacklisted, 2 without a phone)
    and 3 other leads; their ids by kind."""
    kinds: dict[str, list[str]] = {"reachable": [], "opted_out": [], "blacklisted": [], "no_address": []}
    for n in range(24):
        kinds["reachable"].append(_lead(tenant_id, n, ["hiver"], phone=_phone(n)))
    for n in range(24, 26):
        kinds["opted_out"].append(_lead(tenant_id, n, ["hiver"], phone=_phone(n), consent={"sms": False}))
    prospection = ApiClient("functions/prospection/", tenant_id)
    for n in range(26, 28):
        kinds["blacklisted"].append(_lead(tenant_id, n, ["hiver"], phone=_phone(n)))
        assert prospection.post("/blacklist", {"phone": _phone(n), "reason": "demande"}).status == 201
    for n in range(28, 30):
        kinds["no_address"].append(_lead(tenant_id, n, ["hiver"], email=f"cliente{n}@example.fr"))
    for n in range(30, 33):
        _lead(tenant_id, n, ["ete"], phone=_phone(n))
    return kinds


def _accepted(tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = ApiClient(BULK, tenant_id).post("/bulk-sends", body)
    assert response.status == 202, response.body
    return dict(response.body)


def _bulk(tenant_id: str, bulk_id: str) -> dict[str, Any]:
    response = ApiClient(BULK, tenant_id).get(f"/bulk-sends/{bulk_id}")
    assert response.status == 200, response.body
    return dict(response.body)


def _report(tenant_id: str, bulk_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """Every line of the report (of one status), page after page."""
    lines: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {
            "limit": "10",
            **({"status": status} if status else {}),
            **({"cursor": cursor} if cursor else {}),
        }
        response = ApiClient(BULK, tenant_id).get(f"/bulk-sends/{bulk_id}/recipients", query=query)
        assert response.status == 200, response.body
        lines += response.body["items"]
        cursor = response.body.get("next_cursor")
        if cursor is None:
            return lines


def _run(message: str) -> None:
    """One worker invocation for one fan-out message, as SQS hands it over."""
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    result = worker(sqs_event([("m-1", message)]), LocalContext(timeout_ms=WORKER_MS))
    assert result["batchItemFailures"] == []


def _hourly(tenant_id: str) -> str:
    """The hourly run's message for the tenant's shard 0 (where the stalled bulk sends are swept)."""
    at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return json.dumps(
        {"job": "run_pending_actions", "tenant_id": tenant_id, "scheduled_at": at.isoformat(), "shard": 0}
    )


def _stopping_after(checks: int) -> TimeBudget:
    """An invocation's budget that runs out at its ``checks``-th look (a worker about to time out)."""
    left = iter(range(checks - 1, -1, -1))
    return TimeBudget(lambda: float(next(left, 0)), margin_ms=0)


def _sent_to(twilio: FakeTwilio) -> Counter[str]:
    return Counter(str(message["to"]) for message in twilio.sent)


def test_a_bulk_sms_reaches_its_segment_once_and_reports_every_refusal_with_its_reason(
    tenant_id: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given 30 leads tagged hiver: 24 reachable, 2 opted out, 2 blacklisted, 2 without a phone
    kinds = _audience(_tenant(tenant_id))

    # When an admin sends one text to the tag, and the worker runs what the API queued
    accepted = _accepted(
        tenant_id, {"name": "Hiver", "channel": "sms", "body": TEXT, "segment": {"tag": "hiver"}}
    )
    run_worker_until_idle(fanout_queue, WORKER_MS)

    # Then it was accepted queued, the segment counted
    assert (accepted["state"], accepted["matched"]) == ("queued", 30)
    # And each reachable lead got one SMS, with the STOP mention; nobody else got any
    sent = _sent_to(twilio)
    assert sorted(sent) == sorted(_phone(n) for n in range(24))
    assert set(sent.values()) == {1}
    assert all(message["body"] == f"{TEXT}\n{MENTION}" for message in twilio.sent)
    # And the progress adds up: done, 24 sent, 6 refused, nobody left
    bulk = _bulk(tenant_id, accepted["id"])
    assert bulk["state"] == "done"
    assert bulk["progress"] == {"recipients": 30, "queued": 0, "pending": 0, "sent": 24, "refused": 6}
    # And the report says why each refused lead got nothing, in the tenant's French
    refused = {line["lead_id"]: line for line in _report(tenant_id, accepted["id"], "refused")}
    for code in ("opted_out", "blacklisted", "no_address"):
        assert {refused[lead_id]["code"] for lead_id in kinds[code]} == {code}
    assert all(line["reason"].startswith("Non envoyé : ") for line in refused.values())
    sent_lines = _report(tenant_id, accepted["id"], "sent")
    assert {line["lead_id"] for line in sent_lines} == set(kinds["reachable"])
    assert all(line["activity_id"] for line in sent_lines)
    # And a finished send cannot be cancelled
    assert ApiClient(BULK, tenant_id).post(f"/bulk-sends/{accepted['id']}/cancel").status == 409


@pytest.mark.parametrize("taken_over_by", ["redelivery", "hourly_sweep"])
def test_a_run_that_died_half_way_is_taken_over_without_a_second_message(
    tenant_id: str,
    twilio: FakeTwilio,
    fanout_queue: str,
    time_machine: time_machine.TimeMachineFixture,
    taken_over_by: str,
) -> None:
    # Given a bulk send to 30 leads, accepted (its first run queued)
    ids = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(30)]
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": ids}})
    first_run = drain(fanout_queue)
    # And a worker that ran out of time half-way, then died with a recipient in the middle of its
    # send: the message left and was recorded, the recipient was never settled, and the
    # continuation the worker would have queued is lost
    sender = BulkSender(tenant_id)
    partial = sender.run(accepted["id"], _stopping_after(15))
    assert partial.stopped
    drain(fanout_queue)
    repository = BulkSendRepository(tenant_id)
    dying = next(repository.due(accepted["id"], datetime.now(UTC)))
    lease_until = datetime.now(UTC) + timedelta(minutes=15)
    assert repository.claim(accepted["id"], dying, "dead-worker", lease_until, datetime.now(UTC))
    assert repository.mark_sending(accepted["id"], dying.lead_id, "dead-worker", datetime.now(UTC))
    sender.sending.messaging.deliver(
        SendMessageRequest(lead_id=dying.lead_id, channel=ChannelChoice.SMS, body=f"{TEXT}\n{MENTION}"),
        f"max:bulk:{accepted['id']}",
        f"bulk:{accepted['id']}:{dying.lead_id}",
        {"bulk_send_id": accepted["id"]},
    )
    before = _sent_to(twilio)

    # When SQS delivers the first run's message again after the dead worker's lease ran out, or
    # else the hourly run finds the send stalled
    if taken_over_by == "redelivery":
        time_machine.move_to(TUE_1000_PARIS + timedelta(minutes=16), tick=False)
        _run(first_run[0])
    else:
        time_machine.move_to(TUE_1000_PARIS + STALL_AFTER, tick=False)
        _run(_hourly(tenant_id))
    run_worker_until_idle(fanout_queue, WORKER_MS)

    # Then every lead got exactly one message: the one in flight was not sent again
    assert before[_phone(ids.index(dying.lead_id))] == 1
    assert _sent_to(twilio) == Counter({_phone(n): 1 for n in range(30)})
    # And nobody is lost or counted twice
    bulk = _bulk(tenant_id, accepted["id"])
    assert bulk["state"] == "done"
    assert bulk["progress"] == {"recipients": 30, "queued": 0, "pending": 0, "sent": 30, "refused": 0}
    taken_over = next(line for line in _report(tenant_id, accepted["id"]) if line["lead_id"] == dying.lead_id)
    assert taken_over["status"] == "sent"
    assert taken_over["activity_id"]


def _schedule_inputs(endpoint: str) -> list[str]:
    """The messages of the one-time timers set on moto's EventBridge Scheduler (moto never fires them)."""
    scheduler = boto3.client("scheduler", endpoint_url=endpoint, region_name="eu-west-3")
    names = [s["Name"] for s in scheduler.list_schedules()["Schedules"]]
    return [scheduler.get_schedule(Name=name, GroupName="default")["Target"]["Input"] for name in names]


def test_quiet_hours_put_the_texts_off_and_the_timer_sends_them_in_the_morning(
    tenant_id: str,
    twilio: FakeTwilio,
    fanout_queue: str,
    timers: str,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # Given a tenant open every day 07:00-21:00, and three leads, at 20:30 in Paris (past 20:00,
    # when marketing texts stop)
    time_machine.move_to(TUE_2030_PARIS, tick=False)
    ids = [
        _lead(_tenant(tenant_id, EVERY_DAY) if n == 0 else tenant_id, n, ["soir"], phone=_phone(n))
        for n in range(3)
    ]

    # When a bulk SMS is sent to them now
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"tag": "soir"}})
    run_worker_until_idle(fanout_queue, WORKER_MS)

    # Then nothing leaves tonight: each recipient is pending until 08:00, saying why
    assert twilio.sent == []
    bulk = _bulk(tenant_id, accepted["id"])
    assert bulk["progress"] == {"recipients": 3, "queued": 0, "pending": 3, "sent": 0, "refused": 0}
    assert datetime.fromisoformat(bulk["next_run_at"]) == WED_0800_PARIS
    pending = _report(tenant_id, accepted["id"], "pending")
    assert {line["code"] for line in pending} == {"quiet_hours"}
    assert all(line["reason"].startswith("Reporté à ") for line in pending)
    assert {datetime.fromisoformat(line["not_before"]) for line in pending} == {WED_0800_PARIS}
    # And a timer for 08:00 will run it again
    wake = [m for m in _schedule_inputs(timers) if json.loads(m).get("item_id") == accepted["id"]]
    assert [json.loads(m)["scheduled_at"] for m in wake] == ["2026-11-25T07:00:00Z"]

    # When the timer fires at 08:00
    time_machine.move_to(WED_0800_PARIS, tick=False)
    _run(wake[0])

    # Then each lead gets its text once, and the send is done
    assert _sent_to(twilio) == Counter({_phone(n): 1 for n in range(3)})
    assert _bulk(tenant_id, accepted["id"])["state"] == "done"
    assert {line["lead_id"] for line in _report(tenant_id, accepted["id"], "sent")} == set(ids)


def test_cancel_stops_what_has_not_gone_and_the_report_says_so(
    tenant_id: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given a bulk send to 12 leads whose first run ran out of time after a few texts
    ids = [
        _lead(_tenant(tenant_id) if n == 0 else tenant_id, n, ["promo"], phone=_phone(n)) for n in range(12)
    ]
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"tag": "promo"}})
    drain(fanout_queue)
    assert BulkSender(tenant_id).run(accepted["id"], _stopping_after(5)).stopped
    continuation = drain(fanout_queue)
    gone = len(twilio.sent)

    # When a member cancels it, and the continuation runs anyway
    member = ApiClient(BULK, tenant_id, role="member")
    cancelled = member.post(f"/bulk-sends/{accepted['id']}/cancel")
    for message in continuation:
        _run(message)

    # Then nothing more leaves; the send says cancelled, and cancelling again changes nothing
    assert cancelled.status == 200, cancelled.body
    assert cancelled.body["state"] == "cancelled"
    assert 0 < gone < 12
    assert len(twilio.sent) == gone
    assert member.post(f"/bulk-sends/{accepted['id']}/cancel").body["state"] == "cancelled"
    # And the report shows who got it and who never will
    lines = _report(tenant_id, accepted["id"])
    assert Counter(line["status"] for line in lines) == Counter({"sent": gone, "cancelled": 12 - gone})
    assert {line["lead_id"] for line in lines} == set(ids)
    assert len(_report(tenant_id, accepted["id"], "cancelled")) == 12 - gone
    assert _report(tenant_id, accepted["id"], "queued") == []


def test_ap52_a_bulk_send_is_read_listed_and_cancelled_within_its_tenant(
    tenant_id: str, other_tenant_id: str, fanout_queue: str
) -> None:
    # Given two bulk sends of one tenant
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))
    first = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}})
    second = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"status": "new"}})
    api, intruder = ApiClient(BULK, tenant_id), ApiClient(BULK, _tenant(other_tenant_id))

    # When the tenant lists them, one a page, and another tenant asks for them
    page = api.get("/bulk-sends", query={"limit": "1"}).body
    rest = api.get("/bulk-sends", query={"limit": "1", "cursor": page["next_cursor"]}).body

    # Then they come newest first
    assert [b["id"] for b in page["items"] + rest["items"]] == [second["id"], first["id"]]
    assert rest["next_cursor"] is None
    # And another tenant neither sees, reads, reports nor cancels them
    assert intruder.get("/bulk-sends").body["items"] == []
    for path in (f"/bulk-sends/{first['id']}", f"/bulk-sends/{first['id']}/recipients"):
        assert intruder.get(path).status == 404
    assert intruder.post(f"/bulk-sends/{first['id']}/cancel").status == 404
    assert _bulk(tenant_id, first["id"])["state"] == "queued"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"channel": "sms", "body": TEXT, "segment": {"tag": "personne"}},
            "le segment ne contient aucun lead",
        ),
        ({"template_id": "01JB0000000000000000000000", "segment": {"tag": "vip"}}, "modèle inconnu"),
        ({"body": TEXT, "segment": {"tag": "vip"}}, "un texte a besoin de son canal"),
    ],
)
def test_a_bulk_send_that_cannot_go_is_a_422_that_says_why(
    tenant_id: str, fanout_queue: str, body: dict[str, Any], message: str
) -> None:
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))

    response = ApiClient(BULK, tenant_id).post("/bulk-sends", body)

    assert response.status == 422, response.body
    assert message in json.dumps(response.body, ensure_ascii=False)
    assert ApiClient(BULK, tenant_id).get("/bulk-sends").body["items"] == []
    assert drain(fanout_queue) == []


def test_only_an_admin_starts_a_bulk_send(tenant_id: str) -> None:
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))

    response = ApiClient(BULK, tenant_id, role="member").post(
        "/bulk-sends", {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}}
    )

    assert response.status == 403


def test_ap53_a_segment_resolves_once_into_recipients_and_counters(
    tenant_id: str, twilio: FakeTwilio
) -> None:
    # Given a list segment naming 3 leads and one id that is no lead of the tenant
    ids = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(3)]
    unknown = new_id()
    accepted = _accepted(
        tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": [*ids, ids[0], unknown]}}
    )

    # When two workers run it one after the other
    BulkSender(tenant_id).run(accepted["id"])
    BulkSender(tenant_id).run(accepted["id"])

    # Then each id is one recipient, counted once; the unknown one is refused, saying why
    assert accepted["matched"] == 4
    bulk = _bulk(tenant_id, accepted["id"])
    assert bulk["progress"] == {"recipients": 4, "queued": 0, "pending": 0, "sent": 3, "refused": 1}
    assert (bulk["segment"]["listed"], bulk["segment"]["duplicates"]) == (4, 1)
    (refused,) = _report(tenant_id, accepted["id"], "refused")
    assert (refused["lead_id"], refused["code"]) == (unknown, "lead_not_found")
    assert len(twilio.sent) == 3


def test_ap54_a_recipient_is_claimed_once_and_settled_with_its_counters(tenant_id: str) -> None:
    # Given a bulk send whose segment is resolved, its one recipient not tried yet (the run stopped)
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}})
    assert BulkSender(tenant_id).run(accepted["id"], _stopping_after(1)).stopped
    repository, now = BulkSendRepository(tenant_id), datetime.now(UTC)
    (due,) = list(repository.due(accepted["id"], now))

    # When two workers claim it, and both try to note and settle it
    lease = now + timedelta(minutes=15)
    claims = [repository.claim(accepted["id"], due, worker, lease, now) for worker in ("w-1", "w-2")]
    noted = [repository.mark_sending(accepted["id"], due.lead_id, worker, now) for worker in ("w-1", "w-2")]
    sent = Settlement("sent", {"queued": -1, "sent": 1})
    settled = [repository.settle(accepted["id"], due.lead_id, worker, sent, now) for worker in ("w-2", "w-1")]

    # Then one wins each step; the recipient is due no more and counted once
    assert (claims, noted, settled) == ([True, False], [True, False], [False, True])
    assert list(repository.due(accepted["id"], now)) == []
    progress = _bulk(tenant_id, accepted["id"])["progress"]
    assert progress == {"recipients": 1, "queued": 0, "pending": 0, "sent": 1, "refused": 0}


def test_a_segment_over_ten_thousand_leads_is_a_422_that_names_its_size(
    tenant_id: str, fanout_queue: str
) -> None:
    # Given 10,001 leads of one status (written in batches, as an import would leave them)
    _tenant(tenant_id)
    now = datetime.now(UTC)
    with LeadItem.batch_write() as batch:
        for n in range(MAX_RECIPIENTS + 1):
            lead = Lead(
                id=new_id(),
                first_name=f"Cliente {n}",
                status=LeadStatus.QUALIFIED,
                created_at=now,
                updated_at=now,
            )
            batch.save(lead_to_item(tenant_id, lead))

    # When an admin sends to that status
    response = ApiClient(BULK, tenant_id).post(
        "/bulk-sends", {"channel": "sms", "body": TEXT, "segment": {"status": "qualified"}}
    )

    # Then it is refused, naming how many leads the segment holds; nothing is queued
    assert response.status == 422, response.body
    assert response.body["error"]["message"] == (
        "un envoi groupé touche au plus 10000 destinataires : ce segment en compte 10001"
    )
    assert drain(fanout_queue) == []


def test_a_retried_request_with_its_idempotency_key_accepts_one_bulk_send(
    tenant_id: str, fanout_queue: str
) -> None:
    # Given a lead, and a client that sends the same request twice with its key (a timeout, a retry)
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))
    api, body = ApiClient(BULK, tenant_id), {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}}
    headers = {"idempotency-key": "retry-0001"}

    first = api.post("/bulk-sends", body, headers=headers)
    again = api.post("/bulk-sends", body, headers=headers)

    # Then both answers are the same bulk send; one is stored, one run is queued
    assert (first.status, again.status) == (202, 202)
    assert again.body["id"] == first.body["id"]
    assert [b["id"] for b in api.get("/bulk-sends").body["items"]] == [first.body["id"]]
    assert len(drain(fanout_queue)) == 1


def test_a_list_of_ten_thousand_ids_is_accepted_stored_in_pages_and_sent(
    tenant_id: str, fanout_queue: str, twilio: FakeTwilio
) -> None:
    # Given 3 leads, and a list of 10,000 ids: theirs, 9,995 ids of no lead, 2 given twice
    known = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(3)]
    unknown = [new_id() for _ in range(MAX_RECIPIENTS - len(known) - 2)]
    ids = [*known, *unknown, known[0], unknown[0]]
    assert len(ids) == MAX_RECIPIENTS

    # When an admin sends to it (a body of about 290 kB, over the other routes' 64 KiB)
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": ids}})

    # Then it is accepted with the distinct ids counted and the duplicates reported, its run queued
    segment = accepted["segment"]
    assert (accepted["matched"], segment["listed"], segment["duplicates"]) == (9_998, 9_998, 2)
    assert len(drain(fanout_queue)) == 1
    # And the distinct ids are kept in order, in pages under DynamoDB's item size
    repository = BulkSendRepository(tenant_id)
    distinct = sorted(set(ids))
    assert list(repository.listed_lead_ids(accepted["id"])) == distinct

    # When the worker runs it to the end
    BulkSender(tenant_id).run(accepted["id"])

    # Then every distinct id has its line: the 3 leads sent to, the 9,995 others refused as unknown
    progress = _bulk(tenant_id, accepted["id"])["progress"]
    assert progress == {"recipients": 9_998, "queued": 0, "pending": 0, "sent": 3, "refused": 9_995}
    assert _sent_to(twilio) == Counter(_phone(n) for n in range(3))


def test_a_list_over_ten_thousand_ids_is_a_422_naming_its_count_and_other_routes_keep_64_kib(
    tenant_id: str, fanout_queue: str
) -> None:
    # Given a list of 10,001 ids, and a body over 64 KiB on another route of the function
    _tenant(tenant_id)
    api = ApiClient(BULK, tenant_id)
    too_many = {"channel": "sms", "body": TEXT, "segment": {"lead_ids": [new_id() for _ in range(10_001)]}}

    # When both are sent
    response = api.post("/bulk-sends", too_many)
    elsewhere = api.post(f"/bulk-sends/{new_id()}/cancel", {"padding": "x" * 70_000})

    # Then the list is refused, naming its count; the other body is too large; nothing is queued
    assert response.status == 422, response.body
    assert "10001" in json.dumps(response.body["error"]["details"])
    assert (elsewhere.status, elsewhere.body["error"]["code"]) == (413, "payload_too_large")
    assert drain(fanout_queue) == []


def test_ap64_only_the_bulk_sends_still_queued_or_running_are_on_the_active_index(
    tenant_id: str, other_tenant_id: str, fanout_queue: str
) -> None:
    # Given three bulk sends: one done, one cancelled, one still queued
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))
    body = {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}}
    done, cancelled, waiting = (_accepted(tenant_id, body)["id"] for _ in range(3))
    BulkSender(tenant_id).run(done)
    assert ApiClient(BULK, tenant_id).post(f"/bulk-sends/{cancelled}/cancel").status == 200

    # When the active ones are read, for the tenant and for another
    active = [bulk.id for bulk in BulkSendRepository(tenant_id).active()]
    others = list(BulkSendRepository(_tenant(other_tenant_id)).active())

    # Then only the queued one is there, and nothing of it for the other tenant
    assert _bulk(tenant_id, done)["state"] == "done"
    assert (active, others) == ([waiting], [])


def test_ap65_a_bulk_send_whose_first_run_was_lost_is_resumed_once_by_racing_hourly_runs(
    tenant_id: str, twilio: FakeTwilio, fanout_queue: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a bulk send to 5 leads whose first run's message was lost
    ids = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(5)]
    accepted = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": ids}})
    drain(fanout_queue)

    # When the hourly run comes before the stall delay: the send is left alone
    time_machine.move_to(TUE_1000_PARIS + STALL_AFTER - timedelta(minutes=1), tick=False)
    _run(_hourly(tenant_id))
    assert drain(fanout_queue) == []
    # And when two hourly runs come after it, one after the other at the same instant (racing)
    time_machine.move_to(TUE_1000_PARIS + STALL_AFTER, tick=False)
    _run(_hourly(tenant_id))
    _run(_hourly(tenant_id))

    # Then one run of the send is queued, and it sends each lead one message
    (resumed,) = drain(fanout_queue)
    assert json.loads(resumed)["item_id"] == accepted["id"]
    _run(resumed)
    assert _sent_to(twilio) == Counter({_phone(n): 1 for n in range(5)})
    assert _bulk(tenant_id, accepted["id"])["state"] == "done"


def test_ap65_two_sweeps_that_read_a_stalled_send_together_take_it_over_once(
    tenant_id: str, fanout_queue: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a bulk send whose first run's message was lost, read as stalled by two sweeps at once
    _lead(_tenant(tenant_id), 0, ["vip"], phone=_phone(0))
    _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"tag": "vip"}})
    drain(fanout_queue)
    time_machine.move_to(TUE_1000_PARIS + STALL_AFTER, tick=False)
    repository, now = BulkSendRepository(tenant_id), datetime.now(UTC)
    (first,), (second,) = list(repository.active()), list(repository.active())

    # When both take it over
    taken = [repository.take_over(bulk.id, bulk.updated_at, now) for bulk in (first, second)]

    # Then one does; and the send moved, so it is not stalled again until the delay has passed anew
    assert taken == [True, False]
    assert _bulk(tenant_id, first.id)["updated_at"] == now.isoformat().replace("+00:00", "Z")


def _bulk_preview(tenant_id: str, day: str) -> list[dict[str, Any]]:
    response = ApiClient("functions/prospection/", tenant_id).get("/schedule/preview", query={"date": day})
    assert response.status == 200, response.body
    return [item for item in response.body["items"] if item["kind"] == "bulk_send"]


def test_the_schedule_preview_shows_a_bulk_send_held_by_the_window_then_its_next_batch(
    tenant_id: str,
    fanout_queue: str,
    timers: str,
    twilio: FakeTwilio,
    time_machine: time_machine.TimeMachineFixture,
) -> None:
    # Given a bulk send to 5 leads whose first run came on Tuesday evening, the window closed
    ids = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(5)]
    time_machine.move_to(TUE_2030_PARIS, tick=False)
    bulk_id = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": ids}})["id"]
    (first_run,) = drain(fanout_queue)
    _run(first_run)

    # When the schedule of Tuesday, Wednesday and Thursday is previewed
    tuesday, wednesday, thursday = (_bulk_preview(tenant_id, f"2026-11-{day}") for day in (24, 25, 26))

    # Then Tuesday shows the send in one item, its 5 recipients held by the window until Wednesday
    (held,) = tuesday
    assert (held["bulk_send_id"], held["recipients"], held["outcome"]) == (bulk_id, 5, "deferred")
    assert (held["code"], held["until"], held["lead_id"]) == ("outside_window", "2026-11-25T08:00:00Z", None)
    assert held["reason"] == (
        "Envoi groupé : 5 destinataires en attente, retenus jusqu'à mercredi 25 novembre 09:00 "
        "(Europe/Paris) : la fenêtre d'envoi est fermée jusque-là."
    )
    # And Wednesday shows the batch going at the window's opening; Thursday nothing
    (goes,) = wednesday
    assert (goes["at"], goes["outcome"], goes["recipients"], goes["channel"]) == (
        "2026-11-25T08:00:00Z",
        "sent",
        5,
        "sms",
    )
    assert thursday == []
    # And nothing was sent by previewing
    assert twilio.sent == []


def test_the_schedule_preview_says_when_a_daily_cap_holds_a_bulk_send_until_the_next_day(
    tenant_id: str, fanout_queue: str, timers: str, twilio: FakeTwilio
) -> None:
    # Given a tenant whose SMS are capped at 2 a day, and a bulk send to 5 leads run on Tuesday morning
    ids = [_lead(_tenant(tenant_id) if n == 0 else tenant_id, n, [], phone=_phone(n)) for n in range(5)]
    capped = ApiClient("functions/messaging/", tenant_id).request(
        "PUT", "/channels/sms", json_body={"daily_cap": 2}
    )
    assert capped.status == 200, capped.body
    bulk_id = _accepted(tenant_id, {"channel": "sms", "body": TEXT, "segment": {"lead_ids": ids}})["id"]
    (first_run,) = drain(fanout_queue)
    _run(first_run)
    assert len(twilio.sent) == 2

    # When Tuesday and Wednesday are previewed
    (held,) = _bulk_preview(tenant_id, "2026-11-24")
    (goes,) = _bulk_preview(tenant_id, "2026-11-25")

    # Then Tuesday shows the 3 left held by the cap until Wednesday's opening, saying so
    assert (held["bulk_send_id"], held["recipients"], held["outcome"], held["code"]) == (
        bulk_id,
        3,
        "deferred",
        "daily_cap",
    )
    assert held["until"] == goes["at"] == "2026-11-25T08:00:00Z"
    assert "le plafond quotidien de messages SMS est atteint" in held["reason"]
    assert (goes["outcome"], goes["recipients"]) == ("sent", 3)
