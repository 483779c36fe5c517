"""The schedule preview: what the hourly scheduler would do on a given day, sending nothing."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from maxcore.api import JWT_SECURITY, create_router, principal, responses
from maxcore.services.schedule_preview import PreviewDate, SchedulePreview, SchedulePreviewService

router = create_router()


@router.get(
    "/schedule/preview",
    operation_id="previewSchedule",
    responses=responses(200, "What the hourly scheduler would do that day, in run order; nothing is sent."),
    security=JWT_SECURITY,
    tags=["prospection"],
    summary="Preview a day of the scheduler",
)
def preview_schedule(date: Annotated[PreviewDate, Query()]) -> SchedulePreview:
    """Each step and each automation occurrence the scheduler would take that day (tenant's
    timezone): its local time, channel, message source, outcome and reason, blocked ones included.
    A past day, or one more than 90 days ahead, is a 422."""
    return SchedulePreviewService(principal(router).tenant_id).preview(date)
