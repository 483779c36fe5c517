"""Exports API: CSV files of leads, a campaign's prospects, interactions or analytics, made by the worker."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, CursorQuery, create_app, make_handler, principal, responses
from maxcore.models.common import Ulid
from maxcore.models.export import CreateExportRequest, ExportPage, ExportResponse
from maxcore.services.exports import ExportService

app = create_app("M.A.X. exports")


@app.post(
    "/exports",
    operation_id="createExport",
    status_code=202,
    responses=responses(202, "The export, queued: read it until it is ready.", 403, 404, 429, 503),
    security=JWT_SECURITY,
    tags=["exports"],
    summary="Ask for a CSV export",
)
def create_export(body: Annotated[CreateExportRequest, Body()]) -> ExportResponse:
    """Queue an export (leads, interactions: admins); 429 while 3 are being prepared; 503 if not queued."""
    caller = principal(app)
    return ExportService(caller.tenant_id).create(body, caller.role, caller.subject)


@app.get(
    "/exports",
    operation_id="listExports",
    responses=responses(200, "A page of exports."),
    security=JWT_SECURITY,
    tags=["exports"],
    summary="List exports",
)
def list_exports(limit: Annotated[int, Query(ge=1, le=100)] = 20, cursor: CursorQuery = None) -> ExportPage:
    """The tenant's exports newest first (a member sees the prospects and analytics ones)."""
    caller = principal(app)
    return ExportService(caller.tenant_id).page(caller.role, limit, cursor)


@app.get(
    "/exports/<export_id>",
    operation_id="getExport",
    responses=responses(200, "The export, with a signed link to its file once ready.", 403, 404),
    security=JWT_SECURITY,
    tags=["exports"],
    summary="Get an export",
)
def get_export(export_id: Annotated[Ulid, Path()]) -> ExportResponse:
    """Its state and row count; once ready, a link to the CSV valid 15 minutes; `expired` after 7 days."""
    caller = principal(app)
    return ExportService(caller.tenant_id).get(export_id, caller.role)


lambda_handler = make_handler(app)
