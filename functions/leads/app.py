"""Leads API: create, list, read, change and delete the caller's tenant's leads; their consent ledger;
their appointments."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, CursorQuery, create_app, make_handler, principal, responses
from maxcore.models.appointment import (
    AppointmentList,
    AppointmentResponse,
    CreateAppointmentRequest,
    MoveAppointmentRequest,
)
from maxcore.models.common import Ulid
from maxcore.models.consent import LeadConsentResponse
from maxcore.models.lead import CreateLeadRequest, LeadPage, LeadResponse, LeadStatus, UpdateLeadRequest
from maxcore.services.appointments import AppointmentService
from maxcore.services.consent import ConsentService
from maxcore.services.leads import LeadService

app = create_app("M.A.X. leads")


def _service() -> LeadService:
    caller = principal(app)
    return LeadService(caller.tenant_id, actor=caller.subject or None)


@app.post(
    "/leads",
    operation_id="createLead",
    status_code=201,
    responses=responses(201, "The lead, created.", 409),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="Create a lead",
)
def create_lead(body: Annotated[CreateLeadRequest, Body()]) -> LeadResponse:
    """Create a lead; a phone, e-mail or Telegram chat id already used by another lead is a 409."""
    return LeadResponse.from_lead(_service().create(body))


@app.get(
    "/leads",
    operation_id="listLeads",
    responses=responses(200, "A page of leads."),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="List leads",
)
def list_leads(
    status: Annotated[LeadStatus | None, Query()] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Free text on name, e-mail, phone")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> LeadPage:
    """Leads of the caller's tenant, newest first, with a cursor to the next page."""
    leads, next_cursor = _service().list(status=status, tag=tag, text=q, limit=limit, cursor=cursor)
    return LeadPage(items=[LeadResponse.from_lead(lead) for lead in leads], next_cursor=next_cursor)


@app.get(
    "/leads/<lead_id>",
    operation_id="getLead",
    responses=responses(200, "The lead.", 404),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="Get a lead",
)
def get_lead(lead_id: Annotated[Ulid, Path()]) -> LeadResponse:
    """One lead; another tenant's lead is a 404."""
    return LeadResponse.from_lead(_service().get(lead_id))


@app.patch(
    "/leads/<lead_id>",
    operation_id="updateLead",
    responses=responses(200, "The lead, changed.", 404, 409),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="Change a lead",
)
def update_lead(lead_id: Annotated[Ulid, Path()], body: Annotated[UpdateLeadRequest, Body()]) -> LeadResponse:
    """Change the fields sent; ``null`` clears an optional field."""
    return LeadResponse.from_lead(_service().update(lead_id, body))


@app.delete(
    "/leads/<lead_id>",
    operation_id="deleteLead",
    status_code=204,
    responses=responses(204, "Deleted.", 404, 409),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="Delete a lead",
)
def delete_lead(lead_id: Annotated[Ulid, Path()]) -> None:
    """Delete a lead and free its phone, e-mail and chat id."""
    _service().delete(lead_id)


@app.get(
    "/leads/<lead_id>/consent",
    operation_id="getLeadConsent",
    responses=responses(200, "The consent history of each of the lead's addresses.", 404),
    security=JWT_SECURITY,
    tags=["leads"],
    summary="A lead's consent history",
)
def get_lead_consent(lead_id: Annotated[Ulid, Path()]) -> LeadConsentResponse:
    """Each address of the lead on each channel: where its consent stands and its latest 50 changes."""
    return ConsentService(principal(app).tenant_id).lead_history(lead_id)


_EXPORT_RESPONSES = responses(200, "The consent ledger as CSV.")
_EXPORT_RESPONSES[200]["content"] = {"text/csv": {"schema": {"type": "string"}}}


@app.get(
    "/consent/export",
    operation_id="exportConsent",
    responses=_EXPORT_RESPONSES,
    security=JWT_SECURITY,
    tags=["leads"],
    summary="Export the consent ledger (admin)",
)
def export_consent() -> Response[str]:
    """Every change of consent of every address of the tenant, as CSV (``;`` for a French tenant)."""
    caller = principal(app)
    caller.require_admin()
    body = "".join(ConsentService(caller.tenant_id).export_csv())
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": 'attachment; filename="consent-ledger.csv"'},
    )


# --- appointments ---------------------------------------------------------------------------------
def _appointments() -> AppointmentService:
    return AppointmentService(principal(app).tenant_id)


@app.post(
    "/leads/<lead_id>/appointments",
    operation_id="createAppointment",
    status_code=201,
    responses=responses(201, "The appointment, booked, its reminders set.", 404),
    security=JWT_SECURITY,
    tags=["appointments"],
    summary="Book an appointment",
)
def create_appointment(
    lead_id: Annotated[Ulid, Path()], body: Annotated[CreateAppointmentRequest, Body()]
) -> AppointmentResponse:
    """Book an appointment; its reminders go 24 h and 1 h before (those already past are not sent)."""
    return AppointmentResponse.of(_appointments().create(lead_id, body))


@app.get(
    "/leads/<lead_id>/appointments",
    operation_id="listAppointments",
    responses=responses(200, "The lead's appointments, soonest first.", 404),
    security=JWT_SECURITY,
    tags=["appointments"],
    summary="A lead's appointments",
)
def list_appointments(lead_id: Annotated[Ulid, Path()]) -> AppointmentList:
    """Every appointment of the lead, with what became of each reminder."""
    return AppointmentList(items=[AppointmentResponse.of(a) for a in _appointments().list(lead_id)])


@app.patch(
    "/leads/<lead_id>/appointments/<appointment_id>",
    operation_id="updateAppointment",
    responses=responses(200, "The appointment, changed; its reminders follow a new time.", 404, 409),
    security=JWT_SECURITY,
    tags=["appointments"],
    summary="Move or change an appointment",
)
def update_appointment(
    lead_id: Annotated[Ulid, Path()],
    appointment_id: Annotated[Ulid, Path()],
    body: Annotated[MoveAppointmentRequest, Body()],
) -> AppointmentResponse:
    """Move it (``at``), change who or where, cancel it or mark it done."""
    return AppointmentResponse.of(_appointments().change(lead_id, appointment_id, body))


@app.delete(
    "/leads/<lead_id>/appointments/<appointment_id>",
    operation_id="cancelAppointment",
    responses=responses(200, "The appointment, cancelled with its reminders.", 404, 409),
    security=JWT_SECURITY,
    tags=["appointments"],
    summary="Cancel an appointment",
)
def cancel_appointment(
    lead_id: Annotated[Ulid, Path()], appointment_id: Annotated[Ulid, Path()]
) -> AppointmentResponse:
    """Cancel the appointment: it stays in the list as cancelled, its reminders will not go."""
    return AppointmentResponse.of(_appointments().cancel(lead_id, appointment_id))


lambda_handler = make_handler(app)
