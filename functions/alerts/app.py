"""Activities and reply understanding: log interactions, read a lead's timeline, classify a reply."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, create_app, make_handler, principal, responses
from maxcore.models.activity import (
    ActivityResponse,
    ClassifyRequest,
    ClassifyResponse,
    CreateActivityRequest,
    TimelineEntry,
    TimelinePage,
)
from maxcore.models.common import Ulid
from maxcore.services.activities import ActivityService, classification

app = create_app("M.A.X. activities and alerts")


@app.post(
    "/activities",
    status_code=201,
    responses=responses(201, "The activity, logged; the lead's summary changed with it.", 404, 409),
    security=JWT_SECURITY,
    tags=["activities"],
    summary="Log an activity",
)
def log_activity(body: Annotated[CreateActivityRequest, Body()]) -> ActivityResponse:
    """Log an interaction. An inbound text gets its intent; an opt-out revokes the lead's consent on
    that channel; an out-of-office reply records the return date. A time in the future is a 422."""
    activity, _ = ActivityService(principal(app).tenant_id).log(body)
    return ActivityResponse.from_activity(activity)


@app.get(
    "/leads/<lead_id>/timeline",
    responses=responses(200, "A page of the lead's timeline.", 404),
    security=JWT_SECURITY,
    tags=["activities"],
    summary="A lead's timeline",
)
def timeline(
    lead_id: Annotated[Ulid, Path()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> TimelinePage:
    """The lead's activities, newest first, with a cursor to the next page."""
    activities, next_cursor = ActivityService(principal(app).tenant_id).timeline(lead_id, limit, cursor)
    return TimelinePage(
        items=[
            TimelineEntry(kind="activity", at=a.occurred_at, activity=ActivityResponse.from_activity(a))
            for a in activities
        ],
        next_cursor=next_cursor,
    )


@app.post(
    "/replies/classify",
    responses=responses(200, "The intent of the text, and the cues that decided it."),
    security=JWT_SECURITY,
    tags=["activities"],
    summary="Understand a reply",
)
def classify_reply(body: Annotated[ClassifyRequest, Body()]) -> ClassifyResponse:
    """What a reply means (interested, meeting request, question, not interested, unsubscribe, out of
    office, neutral), whether the lead is hot, and the cues that decided it. Nothing is stored."""
    principal(app)
    return classification(body.text, body.received_at)


lambda_handler = make_handler(app)
