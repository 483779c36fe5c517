"""CSV exports through the exports handler and the worker, with the files on moto's S3.

Each export is asked for with ``POST /exports``, its job taken from the fan-out queue and run by the
worker handler as Lambda would, and its file fetched from the signed link with ``requests``, as a
browser would, then parsed as a spreadsheet reads it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import moto.s3.models
import pytest
import requests
import time_machine
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.activities import ActivityRepository, activity_item
from maxcore.dal.exports import ExportRepository
from maxcore.dal.items import ActivityItem, LeadItem
from maxcore.dal.keys import DUE_SHARDS
from maxcore.dal.leads import _to_item as lead_to_item  # the repository's own conversion
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import NotFoundError, RateLimitedError
from maxcore.ids import new_id
from maxcore.models.activity import (
    Activity,
    ActivityChannel,
    ActivityStatus,
    CreateActivityRequest,
    Direction,
)
from maxcore.models.export import Export, ExportKind, ExportState, Upload
from maxcore.models.lead import Lead
from maxcore.models.prospection import EnrollRequest
from maxcore.models.tenant import Locale, Mode, Tenant
from maxcore.services.activities import ActivityService
from maxcore.services.exports import LEASE
from maxcore.services.prospects import ProspectService
from maxcore.services.sequencer import Sequencer
from maxcore.services.templates import seed_library
from maxcore.settings import reset_settings
from scripts.index_activity_months import main as index_activity_months
from tests.integration.conftest import drain
from tests.support.api import ApiClient, ApiResponse
from tests.support.dynamodb_requests import RequestCounter
from tests.support.prospection import sms_step

pytestmark = pytest.mark.integration

EXPORTS = "functions/exports/"
LEADS = "functions/leads/"
PROSPECTION = "functions/prospection/"

MON_0900_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
"""When the module's prospection sends its first step (a week after the session's instant)."""
PARIS_WINDOW = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}


# --- helpers ---------------------------------------------------------------------------------------
def _ok(response: ApiResponse, status: int = 200) -> Any:
    assert response.status == status, response.body
    return response.body


def _tenant(tenant_id: str, locale: Locale = Locale.FR, mode: Mode = Mode.ASSISTED) -> str:
    created = MON_0900_PARIS - timedelta(days=30)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(
            id=tenant_id,
            name="Institut Belle Peau",
            locale=locale,
            mode=mode,
            created_at=created,
            updated_at=created,
        )
    )
    return tenant_id


def _at(t: datetime) -> Callable[[], datetime]:
    return lambda: t


def _worker(bodies: list[str], receive_count: int = 1, timeout_ms: int = 300_000) -> dict[str, Any]:
    """The worker handler takes ``bodies`` as one SQS batch, in an invocation of ``timeout_ms``."""
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    event = sqs_event([(f"m-{i}", body) for i, body in enumerate(bodies)], receive_count=receive_count)
    context = LocalContext(function_name="SchedulerWorkerFunction", timeout_ms=timeout_ms)
    result: dict[str, Any] = worker(event, context)
    return result


def _export_jobs(queue_url: str, tenant_id: str) -> list[str]:
    """The export jobs of ``tenant_id`` waiting on the fan-out queue (the queue is left empty)."""
    return [
        body
        for body in drain(queue_url)
        if json.loads(body)["job"] == "export" and json.loads(body)["tenant_id"] == tenant_id
    ]


def _produce(api: ApiClient, queue_url: str, request: dict[str, Any]) -> dict[str, Any]:
    """Ask for an export, let the worker run its job, and read the export back."""
    queued = _ok(api.post("/exports", request), 202)
    assert queued["state"] == "queued"
    jobs = _export_jobs(queue_url, str(api.claims and api.claims["tenant_id"]))
    assert len(jobs) == 1
    assert json.loads(jobs[0])["item_id"] == queued["id"]
    assert _worker(jobs)["batchItemFailures"] == []
    export: dict[str, Any] = _ok(api.get(f"/exports/{queued['id']}"))
    return export


def _download(export: dict[str, Any]) -> tuple[str, list[list[str]]]:
    """The export's file, fetched from its signed link: its text, and its rows as a spreadsheet reads them."""
    assert export["state"] == "ready", export
    response = requests.get(export["download_url"], timeout=10)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter))
    return text, rows


def _objects(bucket: str, tenant_id: str) -> list[dict[str, Any]]:
    s3 = boto3.client("s3", endpoint_url=_endpoint(), region_name="eu-west-3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"tenants/{tenant_id}/")
    return list(listed.get("Contents", []))


def _uploads_in_progress(tenant_id: str) -> list[Any]:
    from maxcore.settings import get_settings

    s3 = boto3.client("s3", endpoint_url=_endpoint(), region_name="eu-west-3")
    bucket = get_settings().export_bucket
    listed = s3.list_multipart_uploads(Bucket=str(bucket), Prefix=f"tenants/{tenant_id}/")
    return list(listed.get("Uploads", []))


def _endpoint() -> str:
    from maxcore.settings import get_settings

    endpoint = get_settings().s3_endpoint
    assert endpoint
    return endpoint


# --- leads -------------------------------------------------------------------------------------------
@pytest.fixture
def french(tenant_id: str, fanout_queue: str, export_bucket: str) -> ApiClient:
    """A French tenant's admin, with three leads: two tagged ``vip``, one named like a formula."""
    _tenant(tenant_id)
    leads = ApiClient(LEADS, tenant_id)
    _ok(
        leads.post(
            "/leads", {"first_name": "Léa", "last_name": "Martin", "email": "lea@example.fr", "tags": ["vip"]}
        ),
        201,
    )
    _ok(
        leads.post(
            "/leads",
            {"first_name": "Marc", "company": "Dupont; fils", "phone": "06 12 34 56 78", "tags": ["vip"]},
        ),
        201,
    )
    _ok(leads.post("/leads", {"first_name": '=HYPERLINK("http://x")', "email": "x@example.fr"}), 201)
    return ApiClient(EXPORTS, tenant_id)


def test_a_french_tenants_leads_export_is_read_by_excel_with_semicolons(
    french: ApiClient, fanout_queue: str
) -> None:
    # When the admin exports every lead
    export = _produce(french, fanout_queue, {"kind": "leads"})

    # Then the file is UTF-8 with a BOM, `;` between cells, French headers, and one row per lead
    text, rows = _download(export)
    assert text.startswith("\ufeffIdentifiant du lead;Prénom;Nom;Entreprise;E-mail;Téléphone;Statut")
    assert export["rows"] == 3
    assert len(rows) == 4
    by_name = {row[1]: row for row in rows[1:]}
    # A cell holding the delimiter is quoted; a phone stays a number; a formula is made inert
    assert by_name["Marc"][3] == "Dupont; fils"
    assert '"Dupont; fils"' in text
    assert by_name["Marc"][5] == "+33612345678"
    assert '\'=HYPERLINK("http://x")' in by_name
    assert by_name["Léa"][7] == "vip"
    assert export["download_url_expires_at"] is not None


def test_an_english_tenants_leads_export_uses_commas_and_the_filters_of_the_leads_list(
    other_tenant_id: str, fanout_queue: str, export_bucket: str
) -> None:
    # Given an English tenant with a vip lead and another
    _tenant(other_tenant_id, Locale.EN)
    leads = ApiClient(LEADS, other_tenant_id)
    _ok(
        leads.post(
            "/leads",
            {
                "first_name": "Ann",
                "company": "Smith, Jones & Co",
                "email": "ann@example.com",
                "tags": ["vip"],
            },
        ),
        201,
    )
    _ok(leads.post("/leads", {"first_name": "Bob", "email": "bob@example.com"}), 201)

    # When the vip leads are exported
    export = _produce(ApiClient(EXPORTS, other_tenant_id), fanout_queue, {"kind": "leads", "tag": "vip"})

    # Then only Ann is in it, with `,` between cells and English headers
    text, rows = _download(export)
    assert text.startswith("\ufeffLead ID,First name,Last name,Company,Email,Phone,Status")
    assert export["filters"] == {"tag": "vip"}
    assert [row[1] for row in rows[1:]] == ["Ann"]
    assert rows[1][3] == "Smith, Jones & Co"


def test_a_redelivered_job_changes_nothing(french: ApiClient, fanout_queue: str, export_bucket: str) -> None:
    # Given an export the worker produced
    queued = _ok(french.post("/exports", {"kind": "leads"}), 202)
    jobs = _export_jobs(fanout_queue, french.claims["tenant_id"])  # type: ignore[index]
    assert _worker(jobs)["batchItemFailures"] == []
    first = _ok(french.get(f"/exports/{queued['id']}"))
    (stored,) = _objects(export_bucket, french.claims["tenant_id"])  # type: ignore[index]

    # When SQS delivers its job again
    assert _worker(jobs, receive_count=2)["batchItemFailures"] == []

    # Then the export and its one file are as they were
    again = _ok(french.get(f"/exports/{queued['id']}"))
    assert {k: again[k] for k in ("state", "rows", "finished_at")} == {
        k: first[k] for k in ("state", "rows", "finished_at")
    }
    assert _objects(export_bucket, french.claims["tenant_id"]) == [stored]  # type: ignore[index]


def test_an_export_whose_worker_died_half_way_starts_again_once_its_lease_ran_out(
    french: ApiClient, fanout_queue: str, export_bucket: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a worker that claimed the export and died before writing anything
    tenant_id = french.claims["tenant_id"]  # type: ignore[index]
    queued = _ok(french.post("/exports", {"kind": "leads"}), 202)
    jobs = _export_jobs(fanout_queue, tenant_id)
    assert ExportRepository(tenant_id).claim(queued["id"], datetime.now(UTC), LEASE) is not None

    # When the job comes again while the lease holds, it fails (SQS retries it later)
    with pytest.raises(BatchProcessingError):
        _worker(jobs, receive_count=2)
    assert _ok(french.get(f"/exports/{queued['id']}"))["state"] == "running"

    # And once the lease ran out, the next delivery writes the whole file, once
    time_machine.move_to(datetime.now(UTC) + LEASE + timedelta(seconds=1))
    assert _worker(jobs, receive_count=3)["batchItemFailures"] == []
    export = _ok(french.get(f"/exports/{queued['id']}"))
    assert export["state"] == "ready"
    assert export["rows"] == 3
    assert ExportRepository(tenant_id).get(queued["id"]).attempt == 2
    assert len(_download(export)[1]) == 4


def test_an_export_the_worker_has_no_time_to_spare_for_is_still_written(
    french: ApiClient, fanout_queue: str, export_bucket: str
) -> None:
    # Given an invocation with less time left than the worker's safety margin
    tenant_id = french.claims["tenant_id"]  # type: ignore[index]
    queued = _ok(french.post("/exports", {"kind": "leads"}), 202)

    # When it runs the export's job
    assert _worker(_export_jobs(fanout_queue, tenant_id), timeout_ms=1_000)["batchItemFailures"] == []

    # Then it still wrote the file's one part (every invocation writes one at least): nothing is left
    export = _ok(french.get(f"/exports/{queued['id']}"))
    assert export["rows"] == 3
    assert len(_download(export)[1]) == 4
    assert _export_jobs(fanout_queue, tenant_id) == []


def test_a_file_past_its_seven_days_is_said_expired(
    french: ApiClient, fanout_queue: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    export = _produce(french, fanout_queue, {"kind": "leads"})

    time_machine.move_to(datetime.now(UTC) + timedelta(days=7, minutes=1))

    expired = _ok(french.get(f"/exports/{export['id']}"))
    assert expired["state"] == "expired"
    assert expired["download_url"] is None
    assert expired["rows"] == 3


# --- who may read what --------------------------------------------------------------------------------
def test_another_tenants_export_is_a_404(french: ApiClient, other_tenant_id: str, fanout_queue: str) -> None:
    queued = _ok(french.post("/exports", {"kind": "leads"}), 202)
    _tenant(other_tenant_id)

    response = ApiClient(EXPORTS, other_tenant_id).get(f"/exports/{queued['id']}")

    assert response.status == 404
    assert _ok(ApiClient(EXPORTS, other_tenant_id).get("/exports"))["items"] == []
    drain(fanout_queue)


def test_a_member_may_not_export_or_read_leads_and_interactions(french: ApiClient, fanout_queue: str) -> None:
    tenant_id = french.claims["tenant_id"]  # type: ignore[index]
    member = ApiClient(EXPORTS, tenant_id, role="member", sub="user-2")
    queued = _ok(french.post("/exports", {"kind": "leads"}), 202)

    assert member.post("/exports", {"kind": "leads"}).status == 403
    assert (
        member.post("/exports", {"kind": "interactions", "since": "2026-11-01", "until": "2026-11-30"}).status
        == 403
    )
    assert member.get(f"/exports/{queued['id']}").status == 403
    assert _ok(member.get("/exports"))["items"] == []
    assert [e["id"] for e in _ok(french.get("/exports"))["items"]] == [queued["id"]]
    drain(fanout_queue)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "prospects"}, "campaign_id"),
        ({"kind": "analytics"}, "campaign_id"),
        ({"kind": "interactions", "since": "2026-11-01"}, "until"),
        ({"kind": "interactions", "since": "2026-11-10", "until": "2026-11-01"}, "until"),
        ({"kind": "interactions", "since": "2025-01-01", "until": "2026-11-01"}, "until"),
        ({"kind": "leads", "campaign_id": "01JFVENTS0DEMA0000000000SM"}, "campaign_id"),
        ({"kind": "prospects", "campaign_id": "01JFVENTS0DEMA0000000000SM", "tag": "vip"}, "tag"),
        ({"kind": "everything"}, "kind"),
        ({"kind": "leads", "format": "xlsx"}, "format"),
    ],
)
def test_a_bad_request_is_a_422_naming_the_field_and_writes_nothing(
    french: ApiClient, fanout_queue: str, body: dict[str, Any], field: str
) -> None:
    response = french.post("/exports", body)

    assert response.status == 422, response.body
    assert field in json.dumps(response.body["error"]["details"])
    assert _ok(french.get("/exports"))["items"] == []
    assert _export_jobs(fanout_queue, french.claims["tenant_id"]) == []  # type: ignore[index]


def test_an_unknown_campaign_is_a_404(french: ApiClient, fanout_queue: str) -> None:
    response = french.post("/exports", {"kind": "prospects", "campaign_id": new_id()})

    assert response.status == 404
    assert _export_jobs(fanout_queue, french.claims["tenant_id"]) == []  # type: ignore[index]


def test_a_fourth_export_while_three_are_being_prepared_is_a_429(
    french: ApiClient, fanout_queue: str
) -> None:
    # Given three exports queued
    for _ in range(3):
        _ok(french.post("/exports", {"kind": "leads"}), 202)

    # Then a fourth is refused, in the tenant's language
    refused = french.post("/exports", {"kind": "leads"})
    assert refused.status == 429
    assert "exports sont déjà en préparation" in refused.body["error"]["message"]

    # And once the worker finished them, a new one is accepted
    assert _worker(_export_jobs(fanout_queue, french.claims["tenant_id"]))["batchItemFailures"] == []  # type: ignore[index]
    _ok(french.post("/exports", {"kind": "leads"}), 202)
    drain(fanout_queue)


@contextmanager
def _setting(variable: str, value: str) -> Iterator[None]:
    """Within the block, the environment variable ``variable`` is ``value`` (the settings read again)."""
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(variable, value)
            reset_settings()
            yield
    finally:
        reset_settings()


def test_a_job_that_cannot_be_queued_is_a_503_that_fails_the_export_and_frees_its_slot(
    french: ApiClient, fanout_queue: str
) -> None:
    # Given two exports queued
    tenant_id = french.claims["tenant_id"]  # type: ignore[index]
    for _ in range(2):
        _ok(french.post("/exports", {"kind": "leads"}), 202)

    # When a third is asked for while its job cannot reach the queue (SQS says the queue is gone)
    with _setting("FANOUT_QUEUE_URL", fanout_queue.rsplit("/", 1)[0] + "/fanout-that-was-deleted"):
        refused = french.post("/exports", {"kind": "leads"})

    # Then the request is a 503 saying, in French, to try again
    assert refused.status == 503
    assert refused.body["error"]["message"].startswith("l'export n'a pas pu être mis en file d'attente")
    # And the export is failed, saying why, in the tenant's language
    (failed,) = [e for e in _ok(french.get("/exports"))["items"] if e["state"] == "failed"]
    assert failed["id"] == refused.body["error"]["details"]["export_id"]
    assert failed["error"].startswith("Cet export n'a pas pu être lancé")

    # And a retry is accepted at once: the slot was freed
    retried = _ok(french.post("/exports", {"kind": "leads"}), 202)
    assert [json.loads(job)["item_id"] for job in _export_jobs(fanout_queue, tenant_id)][-1] == retried["id"]


def test_a_worker_that_died_right_after_settling_frees_the_slot_on_the_next_delivery(
    french: ApiClient, fanout_queue: str
) -> None:
    # Given three exports queued, and a worker that marked the first ready and died before freeing its slot
    tenant_id = french.claims["tenant_id"]  # type: ignore[index]
    first = _ok(french.post("/exports", {"kind": "leads"}), 202)["id"]
    for _ in range(2):
        _ok(french.post("/exports", {"kind": "leads"}), 202)
    (job,) = [body for body in _export_jobs(fanout_queue, tenant_id) if json.loads(body)["item_id"] == first]
    repository, now = ExportRepository(tenant_id), datetime.now(UTC)
    claimed = repository.claim(first, now, LEASE)
    assert claimed is not None
    assert repository.finish(claimed, now, 3, now + timedelta(days=7))
    assert french.post("/exports", {"kind": "leads"}).status == 429

    # When SQS delivers the first export's job again
    assert _worker([job], receive_count=2)["batchItemFailures"] == []

    # Then its slot is free, and the export is as the worker left it
    _ok(french.post("/exports", {"kind": "leads"}), 202)
    assert _ok(french.get(f"/exports/{first}"))["rows"] == 3
    drain(fanout_queue)


def test_ap58_exports_take_a_slot_and_settle_once(tenant_id: str) -> None:
    # Given a repository and two slots
    repository = ExportRepository(tenant_id)
    now = datetime.now(UTC)

    def queued() -> Export:
        export = Export(
            id=new_id(), kind=ExportKind.LEADS, state=ExportState.QUEUED, created_by="u", created_at=now
        )
        return repository.create(export, 2, now)

    first, second = queued(), queued()
    with pytest.raises(RateLimitedError):
        queued()

    # When the first is claimed and settled twice
    claimed = repository.claim(first.id, now, LEASE)
    assert claimed is not None
    assert claimed.attempt == 1
    assert claimed.slot is not None
    assert repository.claim(first.id, now, LEASE) is None
    assert repository.finish(claimed, now, 12, now + timedelta(days=7)) is True
    assert repository.finish(claimed, now, 99, now + timedelta(days=7)) is False
    repository.release_slot(claimed, claimed.slot)

    # Then it is ready with its first count, its slot is free again, and the list is newest first
    assert repository.get(first.id).rows == 12
    third = queued()
    assert [e.id for e in repository.page(10, None)[0]] == [third.id, second.id, first.id]
    page, cursor = repository.page(2, None)
    assert [e.id for e in page] == [third.id, second.id]
    assert cursor is not None
    assert [e.id for e in repository.page(2, cursor)[0]] == [first.id]


def test_ap67_an_exports_progress_is_kept_by_its_claimant_only(tenant_id: str) -> None:
    # Given an export claimed by a worker
    repository, now = ExportRepository(tenant_id), datetime.now(UTC)
    export = Export(
        id=new_id(), kind=ExportKind.LEADS, state=ExportState.QUEUED, created_by="u", created_at=now
    )
    repository.create(export, 3, now)
    first = repository.claim(export.id, now, LEASE)
    assert first is not None

    # When it keeps its first part, then its second and hands the export over
    upload = Upload(id="upload-1", parts=['"etag-1"'], cursor="c1", written=1000)
    assert repository.checkpoint(first, upload) is True
    upload = upload.model_copy(update={"parts": ['"etag-1"', '"etag-2"'], "cursor": "c2", "written": 2000})
    assert repository.checkpoint(first, upload, hand_over_at=now) is True

    # Then its continuation claims it at once and finds where it stopped
    second = repository.claim(export.id, now, LEASE)
    assert second is not None
    assert second.upload == upload
    # And the first worker, no longer its claimant, can keep nothing
    assert repository.checkpoint(first, upload.model_copy(update={"cursor": "stale"})) is False
    assert repository.get(export.id).upload == upload
    # And once ready, the export keeps no upload in progress (nor does another tenant see it)
    assert repository.finish(second, now, 2000, now + timedelta(days=7)) is True
    assert repository.get(export.id).upload is None
    with pytest.raises(NotFoundError):
        ExportRepository("o-someone-else").get(export.id)


# --- prospects, interactions and analytics of a played campaign --------------------------------------
@pytest.fixture(scope="module")
def played(ssm_endpoint: str, fanout_queue: str, export_bucket: str) -> dict[str, str]:
    """A French tenant in auto mode: Léa and Marc enrolled on Monday, step 1 sent to both, Léa replied."""
    tenant_id = _tenant(f"t-{new_id().lower()[-12:]}", mode=Mode.AUTO)
    seed_library(tenant_id, MON_0900_PARIS - timedelta(days=30), fresh=True)
    leads = ApiClient(LEADS, tenant_id)
    prospection = ApiClient(PROSPECTION, tenant_id)
    scenario = _ok(
        prospection.post(
            "/scenarios",
            {"name": "Deux SMS", "steps": [sms_step(1, 0, "Se présenter"), sms_step(2, 2, "Relancer")]},
        ),
        201,
    )
    campaign = _ok(
        prospection.post(
            "/campaigns",
            {
                "name": "Rentrée",
                "scenario_id": scenario["id"],
                "send_window": PARIS_WINDOW,
                "timezone": "Europe/Paris",
            },
        ),
        201,
    )
    ids = {
        name: _ok(leads.post("/leads", {"first_name": name, "phone": phone}), 201)["id"]
        for name, phone in (("Léa", "+33612345601"), ("Marc", "+33612345602"))
    }
    enrolled = ProspectService(tenant_id, clock=_at(MON_0900_PARIS)).enroll(
        campaign["id"], EnrollRequest(lead_ids=list(ids.values()))
    )
    assert len(enrolled.accepted) == 2
    sequencer = Sequencer(tenant_id, clock=_at(MON_0900_PARIS))
    sent = sum(sequencer.run_shard(shard).outcomes.get("sent", 0) for shard in range(DUE_SHARDS))
    assert sent == 2
    replied_at = MON_0900_PARIS + timedelta(hours=1)
    ActivityService(tenant_id, clock=_at(replied_at)).log(
        CreateActivityRequest(
            lead_id=ids["Léa"],
            channel=ActivityChannel.SMS,
            direction=Direction.IN,
            preview="Oui, avec plaisir !",
        )
    )
    assert Sequencer(tenant_id, clock=_at(replied_at)).apply_reply(ids["Léa"]) == 1
    # An interaction outside the period the tests export (the Friday before)
    ActivityService(tenant_id, clock=_at(MON_0900_PARIS)).log(
        CreateActivityRequest(
            lead_id=ids["Marc"],
            channel=ActivityChannel.CALL,
            direction=Direction.OUT,
            preview="Appel de présentation",
            occurred_at=MON_0900_PARIS - timedelta(days=3),
        )
    )
    drain(fanout_queue)
    return {"tenant_id": tenant_id, "campaign_id": campaign["id"], **ids}


def test_a_campaigns_prospects_export_gives_each_status_step_and_last_reply(
    played: dict[str, str], fanout_queue: str
) -> None:
    api = ApiClient(EXPORTS, played["tenant_id"], role="member")

    export = _produce(api, fanout_queue, {"kind": "prospects", "campaign_id": played["campaign_id"]})

    _, rows = _download(export)
    assert rows[0][:4] == ["Identifiant du lead", "Lead", "Statut du prospect", "Étape"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Léa", "Marc"}
    assert export["rows"] == 2
    assert (by_name["Léa"][2], by_name["Léa"][6], by_name["Léa"][7]) == (
        "stopped",
        "2026-11-23 10:00:00",
        "hot",
    )
    assert (by_name["Marc"][2], by_name["Marc"][3], by_name["Marc"][6]) == ("active", "2", "")


def test_an_interactions_export_holds_the_activities_of_the_period_in_the_tenants_time(
    played: dict[str, str], fanout_queue: str
) -> None:
    api = ApiClient(EXPORTS, played["tenant_id"])

    export = _produce(
        api, fanout_queue, {"kind": "interactions", "since": "2026-11-23", "until": "2026-11-23"}
    )

    _, rows = _download(export)
    assert rows[0] == [
        "Date",
        "Identifiant du lead",
        "Lead",
        "Canal",
        "Sens",
        "Statut du message",
        "Intention",
        "Aperçu",
    ]
    found = sorted((row[2], row[4], row[0]) for row in rows[1:])
    # Two steps sent at 09:00 Paris and Léa's reply at 10:00; Marc's call of the Friday before is out
    assert found == [
        ("Léa", "in", "2026-11-23 10:00:00"),
        ("Léa", "out", "2026-11-23 09:00:00"),
        ("Marc", "out", "2026-11-23 09:00:00"),
    ]


def test_an_analytics_export_gives_the_campaigns_figures_per_step_with_french_decimals(
    played: dict[str, str], fanout_queue: str
) -> None:
    api = ApiClient(EXPORTS, played["tenant_id"], role="member")

    export = _produce(api, fanout_queue, {"kind": "analytics", "campaign_id": played["campaign_id"]})

    _, rows = _download(export)
    assert rows[0][:6] == ["Version du scénario", "Étape", "Canal", "Envoyés", "Réponses", "Taux de réponse"]
    step_1 = next(row for row in rows[1:] if row[1] == "1")
    assert step_1[2:6] == ["sms", "2", "1", "0,5"]


def test_a_campaign_deleted_before_the_worker_ran_fails_the_export_with_a_reason(
    played: dict[str, str], fanout_queue: str
) -> None:
    # Given a campaign of its own, exported, then deleted before the job runs
    tenant_id = played["tenant_id"]
    prospection = ApiClient(PROSPECTION, tenant_id)
    campaigns = _ok(prospection.get(f"/campaigns/{played['campaign_id']}"))
    other = _ok(
        prospection.post("/campaigns", {"name": "Éphémère", "scenario_id": campaigns["scenario_id"]}), 201
    )
    api = ApiClient(EXPORTS, tenant_id)
    queued = _ok(api.post("/exports", {"kind": "prospects", "campaign_id": other["id"]}), 202)
    _ok(prospection.delete(f"/campaigns/{other['id']}"), 204)

    # When the worker runs it
    assert _worker(_export_jobs(fanout_queue, tenant_id))["batchItemFailures"] == []

    # Then it failed for good, saying why in French, and the upload it had begun is aborted
    export = _ok(api.get(f"/exports/{queued['id']}"))
    assert export["state"] == "failed"
    assert export["download_url"] is None
    assert export["error"].startswith("La campagne de cet export n'existe plus")
    assert _uploads_in_progress(tenant_id) == []


# --- interactions of a thousand leads ------------------------------------------------------------------
MONTH_END_PARIS = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
"""Monday 30 November, 09:00 in Paris: the period below spans two UTC months of the index."""


def _activity(lead_id: str, at: datetime, n: int) -> Activity:
    return Activity(
        id=new_id(),
        lead_id=lead_id,
        channel=ActivityChannel.SMS,
        direction=Direction.OUT if n % 2 else Direction.IN,
        status=ActivityStatus.DELIVERED,
        preview=f"Message {n}",
        occurred_at=at,
    )


def _leads_with_activities(tenant_id: str, leads: int, per_lead: int, start: datetime) -> list[str]:
    """``leads`` leads with ``per_lead`` activities each, an hour apart from ``start``, written in batches."""
    ids = []
    with LeadItem.batch_write() as lead_batch, ActivityItem.batch_write() as activity_batch:
        for n in range(leads):
            lead = Lead(id=new_id(), first_name=f"Cliente {n}", created_at=start, updated_at=start)
            item = lead_to_item(tenant_id, lead)
            item.version = 1  # what a first save sets (a batch write does not)
            lead_batch.save(item)
            ids.append(lead.id)
            for k in range(per_lead):
                at = start + timedelta(hours=k, seconds=n)
                activity_batch.save(activity_item(tenant_id, _activity(lead.id, at, k)))
    return ids


@pytest.fixture(scope="module")
def thousand(fanout_queue: str, export_bucket: str) -> tuple[str, list[str]]:
    """A French tenant's 1,000 leads with 3 activities each, from Sunday 29 November 23:00 Paris
    (22:00 UTC) on, across the end of the month, and one activity of the day before."""
    tenant_id = _tenant(f"t-{new_id().lower()[-12:]}")
    ids = _leads_with_activities(tenant_id, 1000, 3, MONTH_END_PARIS - timedelta(hours=10))
    with ActivityItem.batch_write() as batch:
        batch.save(activity_item(tenant_id, _activity(ids[0], MONTH_END_PARIS - timedelta(days=2), 0)))
    return tenant_id, ids


INTERACTIONS_AT_MONTH_END = {"kind": "interactions", "since": "2026-11-29", "until": "2026-11-30"}


def test_an_interactions_export_of_a_thousand_leads_reads_the_period_not_each_lead(
    thousand: tuple[str, list[str]], fanout_queue: str, counter: RequestCounter
) -> None:
    # Given the 1,000 leads' 3,000 activities of the period
    tenant_id, ids = thousand
    api = ApiClient(EXPORTS, tenant_id)
    queued = _ok(api.post("/exports", INTERACTIONS_AT_MONTH_END), 202)
    jobs = _export_jobs(fanout_queue, tenant_id)

    # When the worker writes it
    counter.operations.clear()
    assert _worker(jobs)["batchItemFailures"] == []
    operations = Counter(counter.operations)

    # Then it read the period's index in a few Queries (a page of 1,000 per month), not one per lead:
    # 3,000 activities and 1,000 names in BatchGetItems of 100
    assert operations["Query"] <= 5, operations
    assert operations["BatchGetItem"] <= 3000 // 100 + 1000 // 100 + 4, operations
    # And the file holds every activity of the period, oldest first, each with its lead's name
    _, rows = _download(_ok(api.get(f"/exports/{queued['id']}")))
    assert len(rows) == 1 + 3000
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])
    names = {row[1]: row[2] for row in rows[1:]}
    assert names[ids[0]] == "Cliente 0"
    assert names[ids[999]] == "Cliente 999"


def test_ap66_a_tenants_activities_over_a_period_in_pages_from_where_they_stopped(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given 4 leads with 3 activities each, an hour apart, from the last evening of November (UTC)
    start = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    _leads_with_activities(tenant_id, 4, 3, start)
    activities = ActivityRepository(tenant_id)
    end = start + timedelta(hours=3)

    # When the period is read in pages of 5
    pages = list(activities.of_period(start, end, page=5))

    # Then every activity comes once, oldest first, across the two months
    read = [a for page, _ in pages for a in page]
    assert len(read) == 12
    assert [a.occurred_at for a in read] == sorted(a.occurred_at for a in read)
    assert {a.occurred_at.month for a in read} == {11, 12}
    # And reading again after a page's position gives the rest, and a period's end is excluded
    assert [
        a.id for (a,) in [(a,) for page, _ in activities.of_period(start, end, pages[0][1], 5) for a in page]
    ] == [a.id for a in read[5:]]
    assert (
        len([a for page, _ in activities.of_period(start, start + timedelta(hours=1), page=5) for a in page])
        == 4
    )
    # And another tenant has none of them
    assert list(ActivityRepository(other_tenant_id).of_period(start, end)) == []


def test_a_big_export_continues_across_invocations_into_the_file_one_invocation_writes(
    thousand: tuple[str, list[str]], fanout_queue: str, export_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the 1,000 leads' interactions exported by one invocation (one part of up to 8 MiB)
    tenant_id, _ = thousand
    api = ApiClient(EXPORTS, tenant_id)
    whole, _ = _download(_produce(api, fanout_queue, INTERACTIONS_AT_MONTH_END))

    # When parts are 64 KiB (S3 on moto told to take parts that small: the code path is the same)
    # and each invocation has less time than the worker's safety margin
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 64 * 1024)
    with _setting("EXPORT_PART_BYTES", str(64 * 1024)):
        queued = _ok(api.post("/exports", INTERACTIONS_AT_MONTH_END), 202)
        jobs, invocations = _export_jobs(fanout_queue, tenant_id), 0
        while jobs:
            assert _worker(jobs, timeout_ms=1_000)["batchItemFailures"] == []
            invocations, jobs = invocations + 1, _export_jobs(fanout_queue, tenant_id)
            assert invocations <= 10

    # Then it stopped after each part and its continuation carried on, until the file was complete:
    # the same bytes as the one invocation's, every row once
    export = _ok(api.get(f"/exports/{queued['id']}"))
    assert invocations >= 3
    assert ExportRepository(tenant_id).get(queued["id"]).attempt == invocations
    assert export["rows"] == 3000
    assert _download(export)[0] == whole
    assert _uploads_in_progress(tenant_id) == []


def test_ap66_the_script_indexes_the_activities_recorded_before_once(
    tenant_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a lead with one activity on the index, and two recorded before the index existed
    start = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    (lead_id,) = _leads_with_activities(tenant_id, 1, 1, start)
    with ActivityItem.batch_write() as batch:
        for hours in (1, 2):
            item = activity_item(tenant_id, _activity(lead_id, start + timedelta(hours=hours), hours))
            item.GSI1PK = item.GSI1SK = None  # as an activity recorded before the index was
            batch.save(item)
    activities = ActivityRepository(tenant_id)
    assert len([a for page, _ in activities.of_period(start, start + timedelta(hours=3)) for a in page]) == 1

    # When the script runs for the tenant, twice
    assert index_activity_months([f"--tenant={tenant_id}"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert index_activity_months([f"--tenant={tenant_id}"]) == 0
    second = json.loads(capsys.readouterr().out)

    # Then the first indexed the two, the second none, and the period holds all three
    assert first["tenants"] == [{"tenant": tenant_id, "leads": 1, "activities_indexed": 2}]
    assert second["tenants"][0]["activities_indexed"] == 0
    assert len([a for page, _ in activities.of_period(start, start + timedelta(hours=3)) for a in page]) == 3


def test_ap59_a_leads_activities_over_a_period(played: dict[str, str]) -> None:
    activities = ActivityRepository(played["tenant_id"])
    monday = MON_0900_PARIS.replace(hour=0)

    in_week = list(activities.between(played["Marc"], monday, monday + timedelta(days=7)))
    week_before = list(activities.between(played["Marc"], monday - timedelta(days=7), monday))

    assert [a.channel for a in in_week] == [ActivityChannel.SMS]
    assert [a.channel for a in week_before] == [ActivityChannel.CALL]
    assert (
        list(ActivityRepository("o-someone-else").between(played["Marc"], monday, monday + timedelta(days=7)))
        == []
    )
