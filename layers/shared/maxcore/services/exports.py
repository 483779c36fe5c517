"""CSV exports: asked for through the API, written by the worker, fetched from a signed link.

The route records a queued export and queues an ``export`` job; the worker claims the export, reads
its records page by page (never the whole table in memory) and uploads the file in parts of
``export_part_bytes`` (8 MiB; S3's multipart upload, whose parts are 5 MiB at least but for the
last) as the rows come, then completes the upload and marks the export ready with its row count.

- *Any size*: after each part, the upload's id, the parts' ETags, the cursor past the last row
  uploaded and the row count are kept on the export, conditional on the claim (AP67). A worker
  whose invocation is about to end stops there, ends its lease and queues its continuation, which
  claims the export again and carries on from the cursor: every invocation uploads one part at least.
- *Redelivered or crashed*: the claim is a conditional write. A redelivered job finds the export
  ready (or failed) and does nothing; one that finds it running under a live lease fails, so SQS
  retries it later; one that finds the lease run out (its worker died half-way) claims it again
  and carries on from the last part kept (a part sent again under its number replaces it). Nothing
  is readable under the file's key before the upload completes, and only the claimant of the latest
  attempt may keep its progress or mark the export done.
- *Failed*: an upload is aborted when its export fails (its campaign deleted); one a crash
  abandoned is aborted by the bucket's lifecycle rule after a day.
- *Bounded*: a tenant has :data:`MAX_RUNNING` exports queued or running at most (slots, taken in the
  transaction that records the export); one more is a 429. A job that cannot be queued fails its
  export and frees its slot before the request answers 503.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from maxcore.clock import UNLIMITED, TimeBudget, utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.exports import ExportRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ForbiddenError, NotFoundError, ServiceUnavailableError
from maxcore.ids import new_id
from maxcore.models.common import Role
from maxcore.models.export import (
    ADMIN_KINDS,
    CreateExportRequest,
    Export,
    ExportKind,
    ExportPage,
    ExportResponse,
    ExportState,
    Upload,
)
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.lead import LeadStatus
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.csv_export import BOM, Cell, csv_line, csv_row, export_delimiter
from maxcore.rules.exports import analytics_row, header, interaction_row, lead_row, prospect_row
from maxcore.services.analytics import AnalyticsService
from maxcore.services.export_files import FILE_LIFETIME, ExportFiles
from maxcore.services.job_queue import queue_messages
from maxcore.services.leads import LeadService
from maxcore.services.prospects import ProspectService
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings
from maxcore.texts import render

MAX_RUNNING = 3
"""Exports a tenant may have queued or running at once."""

LEASE = timedelta(minutes=6)
"""How long a worker owns the export it claimed: more than the worker's timeout (300 s, template.yaml)."""

PAGE = 1000
"""Leads or prospects read per page (DynamoDB stops a Query at 1 MB first): ten times fewer requests
than the API's pages of 100, and one page is all the memory an export holds."""

NAMES_KEPT = 20_000
"""Lead names an interactions export keeps between pages (about 2 MB): each lead is read once."""

Page = tuple[list[tuple[Cell, ...]], str | None]
"""A page of an export's rows, and the cursor its next page starts from (None: it was the last)."""

T = TypeVar("T")

MEMBER_KINDS = frozenset(ExportKind) - ADMIN_KINDS
"""What a member may export and download (a campaign's prospects and figures)."""


class ExportBusyError(RuntimeError):
    """Another worker is writing this export: the job fails so that SQS delivers it again later."""


class ExportService:
    """The exports of one tenant."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, files: ExportFiles | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self.repository = ExportRepository(tenant_id)
        self.files = files or ExportFiles(tenant_id)

    # --- the API's side -----------------------------------------------------------------------
    def create(self, request: CreateExportRequest, role: Role, subject: str) -> ExportResponse:
        """Record a queued export and queue its job; 403, 404 (campaign) or 429 before anything is written."""
        _may_read(request.kind, role)
        tenant = tenant_settings(self.tenant_id)
        if request.campaign_id is not None:
            CampaignRepository(self.tenant_id).get(request.campaign_id)
        now = self._clock()
        export = Export(
            id=new_id(),
            kind=request.kind,
            state=ExportState.QUEUED,
            filters=request.filters(),
            created_by=subject,
            created_at=now,
        )
        export = self.repository.create(export, MAX_RUNNING, now)
        job = TenantJobMessage(job=Job.EXPORT, tenant_id=self.tenant_id, scheduled_at=now, item_id=export.id)
        try:
            queue_messages([job])
        except (BotoCoreError, ClientError, RuntimeError) as exc:
            self._not_queued(export, exc)
        logger.info("export queued", extra={"export_id": export.id, "kind": export.kind.value})
        return self._response(export, tenant, now)

    def _not_queued(self, export: Export, cause: Exception) -> NoReturn:
        """Fail an export whose job never reached the queue, then free its slot: a retry works at once."""
        logger.error("export job not queued", extra={"export_id": export.id, "cause": repr(cause)})
        self.repository.fail_queued(export, self._clock(), "not_queued")
        if export.slot is not None:
            self.repository.release_slot(export, export.slot)
        raise ServiceUnavailableError(
            "the export could not be queued: try again in a moment", {"export_id": export.id}
        ) from cause

    def get(self, export_id: str, role: Role) -> ExportResponse:
        """One export, with a new signed link while its file is there; 403 for a kind the role may not see."""
        export = self.repository.get(export_id)
        _may_read(export.kind, role)
        return self._response(export, tenant_settings(self.tenant_id), self._clock())

    def page(self, role: Role, limit: int, cursor: str | None) -> ExportPage:
        """Exports newest first; a member sees only the kinds a member may export."""
        kinds = None if role is Role.ADMIN else MEMBER_KINDS
        found, next_cursor = self.repository.page(limit, cursor, kinds)
        tenant, now = tenant_settings(self.tenant_id), self._clock()
        return ExportPage(items=[self._response(e, tenant, now) for e in found], next_cursor=next_cursor)

    def _response(self, export: Export, tenant: Tenant, now: datetime) -> ExportResponse:
        state, url, url_expires_at = export.state, None, None
        if state is ExportState.READY and export.file_expires_at is not None:
            if now >= export.file_expires_at:
                state = ExportState.EXPIRED
            else:
                url, url_expires_at = self.files.link(export.id, now)
        error = None if export.error is None else render(f"export.error.{export.error}", tenant.locale.value)
        return ExportResponse(
            id=export.id,
            kind=export.kind,
            state=state,
            filters=export.filters,
            created_at=export.created_at,
            started_at=export.started_at,
            finished_at=export.finished_at,
            rows=export.rows,
            file_expires_at=export.file_expires_at,
            download_url=url,
            download_url_expires_at=url_expires_at,
            error=error,
        )

    # --- the worker's side --------------------------------------------------------------------
    def produce(self, export_id: str, budget: TimeBudget = UNLIMITED) -> dict[str, Any]:
        """Write the export's next parts, and after the last mark it ready, once (see the module).

        Parameters
        ----------
        export_id
            The export the job names.
        budget
            The invocation's time: once it runs out, the worker stops after the part in hand.

        Returns
        -------
        dict
            What was done; ``stopped`` when the time ran out first: the caller queues the
            continuation, which carries on from the last part.

        Raises
        ------
        ExportBusyError
            When another worker holds the export under a live lease.
        """
        export = self.repository.claim(export_id, self._clock(), LEASE)
        if export is None:
            return self._unclaimed(export_id)
        tenant = tenant_settings(self.tenant_id)
        upload = export.upload or Upload(
            id=self.files.start(export.id, f"{export.kind.value}-{export.id}.csv")
        )
        try:
            return self._carry_on(export, tenant, upload, budget)
        except NotFoundError:
            # The campaign was deleted since the export was asked for: nothing to retry.
            self.files.abort(export.id, upload.id)
            return self._failed(export, "campaign_not_found")

    def _carry_on(self, export: Export, tenant: Tenant, upload: Upload, budget: TimeBudget) -> dict[str, Any]:
        """Write rows from where ``upload`` stopped, a part at a time; complete the file after the last."""
        locale, part_size = tenant.locale.value, get_settings().export_part_bytes
        part = bytearray()
        if not upload.parts:
            part += (BOM + csv_line(header(export.kind, locale), export_delimiter(locale))).encode()
        written = upload.written
        for rows, cursor in self._pages(export, tenant, upload.cursor):
            for row in rows:
                part += csv_row(row, locale, tenant.timezone).encode()
            written += len(rows)
            # A part ends with a page, so that the cursor says where the next one starts.
            if cursor is None or len(part) < part_size:
                continue
            upload = self._put_part(export, upload, part, cursor, written)
            part.clear()
            stop = budget.exhausted()
            if not self.repository.checkpoint(export, upload, self._clock() if stop else None):
                # Claimed again meanwhile (this worker was thought dead): the new claimant carries on.
                return {"export_id": export.id, "attempt": export.attempt, "settled": False}
            if stop:
                return {"export_id": export.id, "parts": len(upload.parts), "rows": written, "stopped": True}
        if part or not upload.parts:
            upload = self._put_part(export, upload, part, upload.cursor, written)
        self.files.complete(export.id, upload.id, upload.parts)
        finished_at = self._clock()
        done = self.repository.finish(export, finished_at, written, finished_at + FILE_LIFETIME)
        return {**self._settled(export, done), "rows": written, "parts": len(upload.parts)}

    def _put_part(
        self, export: Export, upload: Upload, body: bytearray, cursor: str | None, written: int
    ) -> Upload:
        etag = self.files.put_part(export.id, upload.id, len(upload.parts) + 1, bytes(body))
        return upload.model_copy(
            update={"parts": [*upload.parts, etag], "cursor": cursor, "written": written}
        )

    def _unclaimed(self, export_id: str) -> dict[str, Any]:
        try:
            current = self.repository.get(export_id)
        except NotFoundError:
            return {"export_id": export_id, "missing": True}
        if current.state is ExportState.RUNNING:
            raise ExportBusyError(f"export {export_id} is being written until {current.lease_until}")
        # Settled already: a worker that died right after settling may not have freed its slot.
        return {**self._settled(current, ours=False), "state": current.state.value, "repeat": True}

    def _failed(self, export: Export, error: str) -> dict[str, Any]:
        return {**self._settled(export, self.repository.fail(export, self._clock(), error)), "error": error}

    def _settled(self, export: Export, ours: bool) -> dict[str, Any]:
        if export.slot is not None:
            self.repository.release_slot(export, export.slot)
        return {"export_id": export.id, "attempt": export.attempt, "settled": ours}

    def _pages(self, export: Export, tenant: Tenant, after: str | None) -> Iterator[Page]:
        """The export's rows in pages, from ``after`` (where the last part stopped) on."""
        filters = export.filters
        if export.kind is ExportKind.LEADS:
            return self._leads(filters, after)
        if export.kind is ExportKind.PROSPECTS:
            service = ProspectService(self.tenant_id, self._clock)
            return _paged(
                lambda cursor: service.page(filters["campaign_id"], PAGE, cursor), prospect_row, after
            )
        if export.kind is ExportKind.INTERACTIONS:
            zone = ZoneInfo(tenant.timezone)
            start = datetime.combine(date.fromisoformat(filters["since"]), time.min, tzinfo=zone)
            end = datetime.combine(date.fromisoformat(filters["until"]) + timedelta(days=1), time.min, zone)
            return self._interactions(start, end, after)
        stats = AnalyticsService(self.tenant_id).steps(filters["campaign_id"]).steps
        return iter([([analytics_row(stat) for stat in stats], None)])

    def _leads(self, filters: dict[str, str], after: str | None) -> Iterator[Page]:
        """AP3/AP4 with ``GET /leads``' filters, in pages of :data:`PAGE` (1 MB at most each)."""
        status = LeadStatus(filters["status"]) if "status" in filters else None
        wanted = LeadService(self.tenant_id, self._clock).filter_of(
            status, filters.get("tag"), filters.get("q")
        )
        leads = LeadRepository(self.tenant_id)
        return _paged(lambda cursor: leads.list_leads(wanted, PAGE, cursor), lead_row, after)

    def _interactions(self, start: datetime, end: datetime, after: str | None) -> Iterator[Page]:
        """AP66 in pages of :data:`PAGE`, oldest first across the tenant, each with its lead's name.

        A deleted lead's activities stay in its partition: as when the export read lead after
        lead, they are left out.
        """
        names = LeadNames(self.tenant_id)
        for activities, position in ActivityRepository(self.tenant_id).of_period(start, end, after, PAGE):
            known = names.of(activity.lead_id for activity in activities)
            yield [interaction_row(a, known[a.lead_id]) for a in activities if a.lead_id in known], position


class LeadNames:
    """The display names of a tenant's leads, read 100 per BatchGetItem and kept for the next pages.

    At most :data:`NAMES_KEPT` are kept (a lead gone counts as one): beyond, they are read again.
    """

    def __init__(self, tenant_id: str) -> None:
        self._leads = LeadRepository(tenant_id)
        self._names: dict[str, str | None] = {}

    def of(self, lead_ids: Iterable[str]) -> dict[str, str]:
        """The names of the leads of ``lead_ids`` that still exist."""
        wanted = set(lead_ids)
        missing = wanted - self._names.keys()
        if missing and len(self._names) + len(missing) > NAMES_KEPT:
            self._names = {i: self._names[i] for i in wanted - missing}
        found = self._leads.get_many(missing)
        self._names.update((i, found[i].display_name if i in found else None) for i in missing)
        return {i: name for i in wanted if (name := self._names[i]) is not None}


def _may_read(kind: ExportKind, role: Role) -> None:
    if role is not Role.ADMIN and kind in ADMIN_KINDS:
        raise ForbiddenError("this action needs the admin role", {"role": role.value})


def _paged(
    read: Callable[[str | None], tuple[list[T], str | None]],
    row: Callable[[T], tuple[Cell, ...]],
    after: str | None,
) -> Iterator[Page]:
    """The pages ``read`` gives from the cursor ``after`` on, as rows, each with the cursor past it."""
    cursor = after
    while True:
        found, cursor = read(cursor)
        yield [row(record) for record in found], cursor
        if cursor is None:
            return
