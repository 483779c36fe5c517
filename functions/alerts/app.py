"""Activities, reply understanding, the living alerts and the follow-up recommendations."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import (
    JWT_SECURITY,
    AlertCursorQuery,
    PositionCursorQuery,
    create_app,
    make_handler,
    principal,
    responses,
)
from maxcore.models.activity import (
    Activity,
    ActivityResponse,
    ClassifyRequest,
    ClassifyResponse,
    CreateActivityRequest,
)
from maxcore.models.alert import (
    Alert,
    AlertPage,
    AlertResponse,
    AlertState,
    AlertStats,
    AlertType,
    GenerationReport,
    RecommendationList,
    ResolveAlertRequest,
    Severity,
)
from maxcore.models.common import Ulid
from maxcore.models.timeline import TimelineEntry, TimelineKind, TimelinePage
from maxcore.services.activities import ActivityService, understand
from maxcore.services.alerts import AlertService
from maxcore.services.recommendations import RecommendationService

app = create_app("M.A.X. activities and alerts")


@app.post(
    "/activities",
    operation_id="logActivity",
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
    operation_id="getLeadTimeline",
    responses=responses(200, "A page of the lead's timeline.", 404),
    security=JWT_SECURITY,
    tags=["activities"],
    summary="A lead's timeline",
)
def timeline(
    lead_id: Annotated[Ulid, Path()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: PositionCursorQuery = None,
) -> TimelinePage:
    """The lead's activities and alerts (at the time they opened), newest first, with a cursor to the
    next page."""
    entries, next_cursor = ActivityService(principal(app).tenant_id).timeline(lead_id, limit, cursor)
    return TimelinePage(items=[_entry(e) for e in entries], next_cursor=next_cursor)


def _entry(entry: Activity | Alert) -> TimelineEntry:
    if isinstance(entry, Alert):
        return TimelineEntry(
            kind=TimelineKind.ALERT, at=entry.created_at, alert=AlertResponse.from_alert(entry)
        )
    return TimelineEntry(
        kind=TimelineKind.ACTIVITY, at=entry.occurred_at, activity=ActivityResponse.from_activity(entry)
    )


@app.post(
    "/replies/classify",
    operation_id="classifyReply",
    responses=responses(200, "The intent of the text, and the cues that decided it.", 404),
    security=JWT_SECURITY,
    tags=["activities"],
    summary="Understand a reply",
)
def classify_reply(body: Annotated[ClassifyRequest, Body()]) -> ClassifyResponse:
    """What a reply means (interested, meeting request, question, not interested, unsubscribe, out of
    office, neutral), whether the lead is hot, and the cues that decided it. With `refine`, the
    configured language model gives a second opinion (2 tokens). Nothing else is stored."""
    return understand(principal(app).tenant_id, body)


@app.get(
    "/alerts",
    operation_id="listAlerts",
    responses=responses(200, "A page of alerts."),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="List alerts",
)
def list_alerts(
    state: Annotated[AlertState, Query()] = AlertState.OPEN,
    severity: Annotated[Severity | None, Query()] = None,
    type: Annotated[AlertType | None, Query()] = None,
    lead_id: Annotated[Ulid | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: AlertCursorQuery = None,
) -> AlertPage:
    """Open alerts by severity (urgent first), then oldest first; resolved ones newest first. Filters:
    severity, type, lead."""
    alerts, next_cursor = AlertService(principal(app).tenant_id).list(
        state=state, severity=severity, alert_type=type, lead_id=lead_id, limit=limit, cursor=cursor
    )
    return AlertPage(items=[AlertResponse.from_alert(a) for a in alerts], next_cursor=next_cursor)


@app.get(
    "/alerts/stats",
    operation_id="getAlertStats",
    responses=responses(200, "Counts of the open alerts."),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="Alert counts for the dashboard",
)
def alert_stats() -> AlertStats:
    """Open alerts: the total, how many are urgent, by severity, by type, and the banner's counts (to
    follow up, hot leads, preferred channel)."""
    return AlertService(principal(app).tenant_id).stats()


@app.post(
    "/alerts/generate",
    operation_id="generateAlerts",
    responses=responses(200, "What the generation changed.", 403),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="Generate the alerts now (admin)",
)
def generate_alerts() -> GenerationReport:
    """Evaluate every lead of the caller's tenant now, as the daily schedule does. Running it twice
    changes nothing the second time."""
    caller = principal(app)
    caller.require_admin()
    return AlertService(caller.tenant_id).generate()


@app.get(
    "/alerts/<alert_id>",
    operation_id="getAlert",
    responses=responses(200, "The alert.", 404),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="Get an alert",
)
def get_alert(alert_id: Annotated[Ulid, Path()]) -> AlertResponse:
    """One alert, open or resolved, with its reason."""
    return AlertResponse.from_alert(AlertService(principal(app).tenant_id).get(alert_id))


@app.post(
    "/alerts/<alert_id>/resolve",
    operation_id="resolveAlert",
    responses=responses(200, "The alert, resolved.", 404, 409),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="Mark an alert as handled",
)
def resolve_alert(
    alert_id: Annotated[Ulid, Path()], body: Annotated[ResolveAlertRequest | None, Body()] = None
) -> AlertResponse:
    """Resolve the alert; it stays resolved for this occurrence of its condition (a later one opens a
    new alert). Resolving it again changes nothing."""
    caller = principal(app)
    note = None if body is None else body.note
    return AlertResponse.from_alert(AlertService(caller.tenant_id).resolve(alert_id, caller.subject, note))


@app.get(
    "/recommendations",
    operation_id="listRecommendations",
    responses=responses(200, "The follow-ups to make today."),
    security=JWT_SECURITY,
    tags=["alerts"],
    summary="Follow-ups to make today",
)
def recommendations(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> RecommendationList:
    """The "À relancer aujourd'hui" list: opened without reply, delivered but not opened, silence;
    most urgent first, each with its reason, its channel and an active template to start from."""
    return RecommendationService(principal(app).tenant_id).today(limit)


lambda_handler = make_handler(app)
