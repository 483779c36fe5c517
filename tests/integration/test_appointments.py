"""Appointments, their reminders and the answers to them, and survey scores, through the handlers.

The tenant sends SMS through the fake Twilio and has the built-in templates. Booking an appointment
sets its reminders' timers on moto's EventBridge Scheduler, which never fires them: a test fires one
by giving the worker the schedule's own input as an SQS record, as the fan-out queue would. The lead
answers through the signed Twilio webhook; the worker re-evaluates the lead from the queue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from time_machine import TimeMachineFixture

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.clock import utcnow
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.errors import DuplicateMessageError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.appointment import Appointment, ReminderKind
from maxcore.models.prospection import BlacklistEntry, BlacklistKind
from maxcore.models.tenant import Locale, Mode, Tenant, UpdateTenantRequest
from maxcore.services.activities import ActivityService
from maxcore.services.appointments import reminder_timer
from maxcore.services.templates import library_template_id, release_pairs, seed_library
from maxcore.services.tenants import TenantService
from tests.integration.conftest import (
    TWILIO_AUTH_TOKEN,
    drain,
    email_through_resend,
    run_worker_until_idle,
    sms_through_twilio,
)
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend, FakeTwilio
from tests.support.prospection import enrolled_campaign, run_prospect_shard
from tests.support.tenants import settings_only
from tests.support.webhook_samples import twilio_event, twilio_inbound_params

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("timers")]

OUR_NUMBER = "+33757000019"
LEAD_PHONE = "+33611220099"
SCHEDULER = "functions/scheduler/"


@pytest.fixture
def twilio(twilio_for_sends: FakeTwilio) -> FakeTwilio:
    """Where the tenant's SMS go."""
    return twilio_for_sends


@pytest.fixture
def tenant(tenant_id: str, twilio: FakeTwilio, fanout_queue: str) -> str:
    """A French tenant (Europe/Paris) with the built-in templates, sending SMS through Twilio."""
    settings_only(tenant_id, "Atelier Lumière")
    seed_library(tenant_id, utcnow(), fresh=True)
    sms_through_twilio(tenant_id, OUR_NUMBER)
    drain(fanout_queue)
    return tenant_id


@pytest.fixture
def lead_id(tenant: str) -> str:
    """A lead reachable by SMS."""
    created = ApiClient("functions/leads/", tenant).post(
        "/leads", {"first_name": "Inès", "phone": LEAD_PHONE}
    )
    assert created.status == 201, created.body
    return str(created.body["id"])


def _local(days: int, hour: int) -> str:
    """A wall-clock time ``days`` after today in Paris, without an offset (the tenant's timezone)."""
    day = utcnow().date() + timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00:00"


def _book(tenant: str, lead_id: str, at: str, **extra: Any) -> dict[str, Any]:
    body = {"at": at, "with": "Claire", "where": "12 rue de la Paix, Lyon", **extra}
    created = ApiClient("functions/leads/", tenant).post(f"/leads/{lead_id}/appointments", body)
    assert created.status == 201, created.body
    booked: dict[str, Any] = created.body
    return booked


def _appointments(tenant: str, lead_id: str) -> list[dict[str, Any]]:
    listed = ApiClient("functions/leads/", tenant).get(f"/leads/{lead_id}/appointments")
    assert listed.status == 200, listed.body
    items: list[dict[str, Any]] = listed.body["items"]
    return items


def _schedule(
    endpoint: str, tenant: str, appointment: dict[str, Any], kind: ReminderKind
) -> dict[str, Any] | None:
    """The reminder's timer as moto's Scheduler holds it, or None."""
    client = boto3.client("scheduler", endpoint_url=endpoint, region_name="eu-west-3")
    name = reminder_timer(tenant, _as_model(appointment), kind)
    try:
        found: dict[str, Any] = dict(client.get_schedule(Name=name, GroupName="default"))
    except client.exceptions.ResourceNotFoundException:
        return None
    return found


def _as_model(appointment: dict[str, Any]) -> Appointment:
    return Appointment(
        id=appointment["id"],
        lead_id=appointment["lead_id"],
        at=datetime.fromisoformat(appointment["at"]),
        with_whom=appointment["with"],
        where=appointment["where"],
        created_at=datetime.fromisoformat(appointment["created_at"]),
        updated_at=datetime.fromisoformat(appointment["updated_at"]),
    )


def _fire(schedule: dict[str, Any], message_id: str) -> dict[str, Any]:
    """Deliver the timer's message to the worker, as the fan-out queue would."""
    event = sqs_event([(message_id, schedule["Target"]["Input"])])
    result: dict[str, Any] = load_handler(SCHEDULER, "worker.lambda_handler")(event, LocalContext())
    return result


def _answer(tenant: str, text: str, sid: str, fanout_queue: str, phone: str = LEAD_PHONE) -> None:
    handler = load_handler("functions/webhooks/", "app.lambda_handler")
    params = twilio_inbound_params(phone, OUR_NUMBER, text, sid=sid)
    assert handler(twilio_event(tenant, params, TWILIO_AUTH_TOKEN), LocalContext())["statusCode"] == 200
    run_worker_until_idle(fanout_queue, timeout_ms=60_000)


def _timeline(tenant: str, lead_id: str) -> list[dict[str, Any]]:
    timeline = ApiClient("functions/alerts/", tenant).get(f"/leads/{lead_id}/timeline")
    assert timeline.status == 200, timeline.body
    entries: list[dict[str, Any]] = timeline.body["items"]
    return entries


def _reminded(tenant: str, lead_id: str, timers: str, twilio: FakeTwilio) -> dict[str, Any]:
    """An appointment two days ahead whose day-before reminder was sent by SMS."""
    appointment = _book(tenant, lead_id, _local(2, 15))
    schedule = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    assert schedule is not None
    assert _fire(schedule, "m-24h")["batchItemFailures"] == []
    assert len(twilio.sent) == 1
    return appointment


# --- the API -------------------------------------------------------------------------------------
def test_ap60_a_lead_s_appointments_are_read_under_the_lead_soonest_first(tenant: str, lead_id: str) -> None:
    # Given two appointments, the later one booked first
    later = _book(tenant, lead_id, _local(5, 10))
    sooner = _book(tenant, lead_id, _local(2, 15), channel="sms")

    # When the lead's appointments are listed
    listed = _appointments(tenant, lead_id)

    # Then the sooner comes first, each scheduled, in UTC (15:00 in Paris in November is 14:00 UTC)
    assert [a["id"] for a in listed] == [sooner["id"], later["id"]]
    assert listed[0]["status"] == "scheduled"
    assert listed[0]["at"].endswith("T14:00:00Z")
    assert (listed[0]["with"], listed[0]["where"], listed[0]["channel"]) == (
        "Claire",
        "12 rue de la Paix, Lyon",
        "sms",
    )


def test_another_tenant_s_lead_or_appointment_is_a_404(
    tenant: str, lead_id: str, other_tenant_id: str
) -> None:
    appointment = _book(tenant, lead_id, _local(2, 15))
    other = ApiClient("functions/leads/", settings_only(other_tenant_id))

    assert other.get(f"/leads/{lead_id}/appointments").status == 404
    body = {"at": _local(2, 15), "with": "Claire", "where": "Lyon"}
    assert other.post(f"/leads/{lead_id}/appointments", body).status == 404
    path = f"/leads/{lead_id}/appointments/{appointment['id']}"
    assert other.request("PATCH", path, json_body={"where": "Paris"}).status == 404
    assert other.request("DELETE", path).status == 404
    assert _appointments(tenant, lead_id)[0]["where"] == "12 rue de la Paix, Lyon"


@pytest.mark.parametrize(
    "body",
    [
        {"with": "Claire", "where": "Lyon"},
        {"at": "2020-01-01T10:00:00Z", "with": "Claire", "where": "Lyon"},
        {"at": "demain", "with": "Claire", "where": "Lyon"},
        {"at": "9999-12-31T23:00:00-14:00", "with": "Claire", "where": "Lyon"},
        {"at": "0001-01-01T00:00:00+14:00", "with": "Claire", "where": "Lyon"},
        {"at": "2040-01-01T10:00:00Z", "with": "Claire", "where": "Lyon"},
        {"at": "2027-01-01T10:00:00Z", "with": "", "where": "Lyon"},
        {"at": "2027-01-01T10:00:00Z", "with": "Claire", "where": "Lyon\nbis"},
        {"at": "2027-01-01T10:00:00Z", "with": "Claire", "where": "Lyon", "channel": "pigeon"},
        {"at": "2027-01-01T10:00:00Z", "with": "Claire", "where": "Lyon", "tenant_id": "x"},
    ],
)
def test_a_bad_booking_is_a_422_and_writes_nothing(tenant: str, lead_id: str, body: dict[str, Any]) -> None:
    answer = ApiClient("functions/leads/", tenant).post(f"/leads/{lead_id}/appointments", body)

    assert answer.status == 422, answer.body
    assert _appointments(tenant, lead_id) == []


@pytest.mark.parametrize(
    "body", [{}, {"status": "confirmed"}, {"where": None}, {"at": "2020-01-01T10:00:00Z"}]
)
def test_a_bad_change_is_a_422(tenant: str, lead_id: str, body: dict[str, Any]) -> None:
    appointment = _book(tenant, lead_id, _local(2, 15))

    path = f"/leads/{lead_id}/appointments/{appointment['id']}"
    answer = ApiClient("functions/leads/", tenant).request("PATCH", path, json_body=body)

    assert answer.status == 422, answer.body
    assert _appointments(tenant, lead_id)[0]["at"] == appointment["at"]


# --- timers --------------------------------------------------------------------------------------
def test_booking_sets_both_timers_at_their_instants(tenant: str, lead_id: str, timers: str) -> None:
    # When an appointment is booked two days ahead at 15:00 in Paris (14:00 UTC)
    appointment = _book(tenant, lead_id, _local(2, 15))

    # Then its reminders' timers go off 24 h and 1 h before, with the reminder's job
    day = (utcnow().date() + timedelta(days=2)).isoformat()
    before = (utcnow().date() + timedelta(days=1)).isoformat()
    day_before = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    hour_before = _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE)
    assert day_before is not None
    assert hour_before is not None
    assert day_before["ScheduleExpression"] == f"at({before}T14:00:00)"
    assert hour_before["ScheduleExpression"] == f"at({day}T13:00:00)"
    message = json.loads(day_before["Target"]["Input"])
    assert (message["job"], message["item_id"]) == ("send_reminder", f"{lead_id}:{appointment['id']}:24h")


def test_moving_the_appointment_moves_its_timers_and_an_old_timer_sends_nothing(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio
) -> None:
    # Given an appointment and its day-before timer
    appointment = _book(tenant, lead_id, _local(2, 15))
    old = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    assert old is not None

    # When it is moved to 10:00 three days ahead
    path = f"/leads/{lead_id}/appointments/{appointment['id']}"
    moved = ApiClient("functions/leads/", tenant).request("PATCH", path, json_body={"at": _local(3, 10)})
    assert moved.status == 200, moved.body

    # Then the timers follow it (10:00 in Paris is 09:00 UTC)
    new = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    assert new is not None
    assert new["ScheduleExpression"] == f"at({(utcnow().date() + timedelta(days=2)).isoformat()}T09:00:00)"
    # And the old timer's message, had it already left, sends nothing
    assert _fire(old, "m-old")["batchItemFailures"] == []
    assert twilio.sent == []


def test_cancelling_deletes_the_timers_and_keeps_the_appointment_as_cancelled(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio
) -> None:
    appointment = _book(tenant, lead_id, _local(2, 15))
    schedule = _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE)
    assert schedule is not None

    path = f"/leads/{lead_id}/appointments/{appointment['id']}"
    cancelled = ApiClient("functions/leads/", tenant).request("DELETE", path)

    assert cancelled.status == 200, cancelled.body
    assert cancelled.body["status"] == "cancelled"
    assert _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE) is None
    assert _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE) is None
    # A timer that left before its cancellation finds the appointment cancelled
    assert _fire(schedule, "m-late")["batchItemFailures"] == []
    assert twilio.sent == []
    # And a cancelled appointment no longer changes
    again = ApiClient("functions/leads/", tenant).request("PATCH", path, json_body={"where": "Paris"})
    assert again.status == 409


def test_a_reminder_already_past_when_booking_is_not_sent_and_says_why(
    tenant: str, lead_id: str, timers: str
) -> None:
    # When an appointment is booked 30 minutes ahead
    at = (utcnow() + timedelta(minutes=30)).replace(microsecond=0).isoformat()
    appointment = _book(tenant, lead_id, at)

    # Then no timer is set, and both reminders say why they will not go
    assert _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE) is None
    assert _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE) is None
    reminders = _appointments(tenant, lead_id)[0]["reminders"]
    assert {kind: (r["outcome"], r["code"]) for kind, r in reminders.items()} == {
        "24h": ("skipped", "too_late"),
        "1h": ("skipped", "too_late"),
    }
    assert reminders["1h"]["reason"] == "Non envoyé : le rendez-vous a été pris après l'heure de ce rappel."


# --- sending -------------------------------------------------------------------------------------
def test_ap62_a_reminder_timer_delivered_twice_sends_one_sms(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio
) -> None:
    # Given an appointment two days ahead
    appointment = _book(tenant, lead_id, _local(2, 15))
    schedule = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    assert schedule is not None

    # When its day-before timer is delivered twice
    assert _fire(schedule, "m-1")["batchItemFailures"] == []
    assert _fire(schedule, "m-2")["batchItemFailures"] == []

    # Then one SMS left, the built-in reminder filled in, without a STOP line (transactional)
    (sent,) = twilio.sent
    assert sent["to"] == LEAD_PHONE
    assert "demain à 15:00 (12 rue de la Paix, Lyon)" in sent["body"]
    assert "STOP" not in sent["body"]
    # And the appointment says so, with the message's activity
    reminder = _appointments(tenant, lead_id)[0]["reminders"]["24h"]
    assert (reminder["state"], reminder["outcome"]) == ("done", "sent")
    activity = next(e["activity"] for e in _timeline(tenant, lead_id) if e["kind"] == "activity")
    assert activity["id"] == reminder["activity_id"]
    assert activity["metadata"]["template_id"] == library_template_id(
        tenant, "appointment_reminder_24h", "fr"
    )


def test_a_blacklisted_lead_gets_no_reminder_and_the_appointment_says_why(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio
) -> None:
    now = utcnow()
    BlacklistRepository(tenant).add(
        BlacklistEntry(
            kind=BlacklistKind.PHONE, value=LEAD_PHONE, reason="asked", source="manual", created_at=now
        )
    )
    appointment = _book(tenant, lead_id, _local(2, 15))
    schedule = _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE)
    assert schedule is not None

    assert _fire(schedule, "m-b")["batchItemFailures"] == []

    assert twilio.sent == []
    reminder = _appointments(tenant, lead_id)[0]["reminders"]["24h"]
    assert (reminder["outcome"], reminder["code"]) == ("skipped", "blacklisted")
    assert reminder["reason"] == "Non envoyé : l'adresse du lead est sur la liste noire."


EMAIL_SENDER = "rdv@atelier-lumiere.fr"
LEAD_EMAIL = "ines.martin@example.fr"


def _prefers_email(tenant: str, lead_id: str) -> None:
    """The lead answered one of our two e-mails: e-mail becomes its preferred channel."""
    log = ApiClient("functions/alerts/", tenant)
    for direction, text in (("out", "Nos horaires"), ("out", "Nos tarifs"), ("in", "Merci, c'est noté")):
        activity = {"lead_id": lead_id, "channel": "email", "direction": direction, "preview": text}
        assert log.post("/activities", activity).status == 201
    lead = ApiClient("functions/leads/", tenant).get(f"/leads/{lead_id}")
    assert lead.body["summary"]["preferred_channel"] == "email", lead.body["summary"]


@pytest.mark.parametrize(
    ("locale", "subject", "day_format", "answer_line"),
    [
        ("fr", "Rappel : votre rendez-vous de demain, ", "%d/%m/%Y", "Répondez OUI pour confirmer"),
        ("en", "Reminder: your appointment tomorrow, ", "%Y-%m-%d", "Reply YES to confirm"),
    ],
)
def test_an_email_reminder_goes_once_through_resend_in_the_tenant_s_language(
    tenant_id: str,
    resend_for_sends: FakeResend,
    timers: str,
    locale: str,
    subject: str,
    day_format: str,
    answer_line: str,
) -> None:
    # Given a tenant in its language, with the built-in templates, sending e-mails through Resend
    settings_only(tenant_id, "Atelier Lumière")
    TenantService(tenant_id).update(UpdateTenantRequest(locale=Locale(locale)), actor="admin-1")
    seed_library(tenant_id, utcnow(), fresh=True)
    email_through_resend(tenant_id, EMAIL_SENDER)
    # And a lead with a phone and an e-mail address, who prefers e-mail, booked two days ahead
    created = ApiClient("functions/leads/", tenant_id).post(
        "/leads", {"first_name": "Inès", "phone": LEAD_PHONE, "email": LEAD_EMAIL}
    )
    assert created.status == 201, created.body
    lead_id = str(created.body["id"])
    _prefers_email(tenant_id, lead_id)
    appointment = _book(tenant_id, lead_id, _local(2, 15))
    schedule = _schedule(timers, tenant_id, appointment, ReminderKind.DAY_BEFORE)
    assert schedule is not None

    # When its day-before timer is delivered twice
    assert _fire(schedule, "m-mail-1")["batchItemFailures"] == []
    assert _fire(schedule, "m-mail-2")["batchItemFailures"] == []

    # Then one e-mail left through Resend: the built-in e-mail reminder, in the tenant's language
    (sent,) = resend_for_sends.sent
    day = (utcnow().date() + timedelta(days=2)).strftime(day_format)
    assert sent["to"] == [LEAD_EMAIL]
    assert sent["subject"] == subject + day
    for detail in (day, "15:00", "12 rue de la Paix, Lyon", "Claire", answer_line):
        assert detail in sent["text"]
        assert detail in sent["html"]
    # And the appointment says so, with the message's activity from that template
    reminder = _appointments(tenant_id, lead_id)[0]["reminders"]["24h"]
    assert (reminder["state"], reminder["outcome"]) == ("done", "sent")
    activity = next(e["activity"] for e in _timeline(tenant_id, lead_id) if e["kind"] == "activity")
    assert (activity["id"], activity["channel"]) == (reminder["activity_id"], "email")
    assert activity["metadata"]["template_id"] == library_template_id(
        tenant_id, "appointment_reminder_24h_email", locale
    )


# --- answers -------------------------------------------------------------------------------------
def test_an_oui_through_the_twilio_webhook_confirms_the_appointment(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given the day-before reminder sent
    appointment = _reminded(tenant, lead_id, timers, twilio)

    # When the lead answers "OUI"
    _answer(tenant, "OUI", "SM" + "c1" * 16, fanout_queue)

    # Then the appointment is confirmed, and the answer says so on the timeline in French
    assert _appointments(tenant, lead_id)[0]["status"] == "confirmed"
    answer = next(e["activity"] for e in _timeline(tenant, lead_id) if e["kind"] == "activity")
    assert answer["direction"] == "in"
    assert answer["metadata"]["appointment_id"] == appointment["id"]
    day = (utcnow().date() + timedelta(days=2)).strftime("%d/%m/%Y")
    assert answer["metadata"]["appointment_note"] == f"Rendez-vous du {day} 15:00 confirmé par le lead."
    # And the hour-before reminder still goes
    assert _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE) is not None


def test_ap61_a_no_cancels_the_appointment_and_opens_its_alert_together(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given the day-before reminder sent, and the hour-before timer set
    appointment = _reminded(tenant, lead_id, timers, twilio)
    hour_before = _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE)
    assert hour_before is not None

    # When the lead answers "NON"
    _answer(tenant, "Non", "SM" + "d1" * 16, fanout_queue)

    # Then the appointment is cancelled, and the rep has an AppointmentCancelled alert for it
    assert _appointments(tenant, lead_id)[0]["status"] == "cancelled"
    alerts = ApiClient("functions/alerts/", tenant).get("/alerts").body["items"]
    (alert,) = [a for a in alerts if a["type"] == "AppointmentCancelled"]
    day = (utcnow().date() + timedelta(days=2)).strftime("%d/%m/%Y")
    assert alert["message"] == f"Inès a annulé son rendez-vous du {day} 15:00 en répondant au rappel."
    assert alert["suggested_action"] == "Proposer un nouveau créneau"
    assert alert["metadata"]["appointment_id"] == appointment["id"]
    assert alert["severity"] == "high"
    # And the alert statistics count it without disturbing the living alerts
    stats = ApiClient("functions/alerts/", tenant).get("/alerts/stats")
    assert stats.status == 200, stats.body
    assert stats.body["by_type"]["AppointmentCancelled"] == 1
    # And the rep resolves it like any other
    resolved = ApiClient("functions/alerts/", tenant).post(f"/alerts/{alert['id']}/resolve", {})
    assert resolved.status == 200, resolved.body
    assert resolved.body["state"] == "resolved"
    # And the reminders' timers are gone
    assert _schedule(timers, tenant, appointment, ReminderKind.DAY_BEFORE) is None
    assert _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE) is None
    # And had the hour-before timer already left, the worker finds the appointment cancelled: no SMS
    assert _fire(hour_before, "m-1h")["batchItemFailures"] == []
    assert len(twilio.sent) == 1


def test_a_no_logged_by_hand_cancels_the_appointment_and_its_timers(
    tenant: str, lead_id: str, timers: str, twilio: FakeTwilio
) -> None:
    # Given the day-before reminder sent
    appointment = _reminded(tenant, lead_id, timers, twilio)

    # When the rep logs the lead's SMS "non" on the timeline
    logged = ApiClient("functions/alerts/", tenant).post(
        "/activities", {"lead_id": lead_id, "channel": "sms", "direction": "in", "preview": "non"}
    )
    assert logged.status == 201, logged.body

    # Then the appointment is cancelled, and so are its reminders' timers
    assert _appointments(tenant, lead_id)[0]["status"] == "cancelled"
    assert _schedule(timers, tenant, appointment, ReminderKind.HOUR_BEFORE) is None


# --- surveys -------------------------------------------------------------------------------------
def _survey_sent(tenant: str, lead_id: str) -> str:
    """The built-in satisfaction survey sent to the lead by SMS; its template's id."""
    survey = library_template_id(tenant, "satisfaction_survey", "fr")
    sent = ApiClient("functions/messaging/", tenant).post(
        "/messages", {"lead_id": lead_id, "channel": "sms", "template_id": survey}
    )
    assert sent.status == 201, sent.body
    return survey


def _survey_analytics(tenant: str, first: str, last: str | None = None) -> dict[str, Any]:
    analytics = ApiClient("functions/prospection/", tenant).get(
        "/analytics/surveys", query={"from": first, "to": last or first}
    )
    assert analytics.status == 200, analytics.body
    body: dict[str, Any] = analytics.body
    return body


def _inbound(lead_id: str, text: str, sid: str) -> Activity:
    """A reply by SMS as the inbound path records it."""
    return Activity(
        id=new_id(),
        lead_id=lead_id,
        channel=ActivityChannel.SMS,
        direction=Direction.IN,
        status=ActivityStatus.DELIVERED,
        preview=text,
        provider_message_id=sid,
        occurred_at=utcnow(),
    )


def test_ap63_a_survey_score_shows_in_the_averages(
    tenant: str, lead_id: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given the built-in satisfaction survey sent to the lead
    survey = _survey_sent(tenant, lead_id)

    # When the lead answers "4"
    _answer(tenant, "4", "SM" + "e1" * 16, fanout_queue)

    # Then the month's averages count it for the survey's template
    month = utcnow().strftime("%Y-%m")
    analytics = _survey_analytics(tenant, month)
    assert (analytics["count"], analytics["average"]) == (1, 4.0)
    assert analytics["by_template"] == [{"key": survey, "count": 1, "average": 4.0}]
    assert analytics["by_month"] == [{"key": month, "count": 1, "average": 4.0}]
    assert analytics["by_campaign"] == []


def test_a_survey_answer_delivered_twice_counts_once(
    tenant: str, lead_id: str, twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given the survey sent to the lead
    survey = _survey_sent(tenant, lead_id)

    # When Twilio delivers the lead's "5" twice, and the same message reaches the recording again
    # under another activity id (a retried worker)
    sid = "SM" + "e2" * 16
    _answer(tenant, "5", sid, fanout_queue)
    _answer(tenant, "5", sid, fanout_queue)
    with pytest.raises(DuplicateMessageError):
        ActivityService(tenant).record(_inbound(lead_id, "5", sid))

    # Then the score counts once, for the month and the template
    analytics = _survey_analytics(tenant, utcnow().strftime("%Y-%m"))
    assert (analytics["count"], analytics["average"]) == (1, 5.0)
    assert analytics["by_template"] == [{"key": survey, "count": 1, "average": 5.0}]


def test_an_answer_whose_recording_fails_counts_no_score(
    tenant: str, lead_id: str, twilio: FakeTwilio
) -> None:
    # Given the survey sent, and the lead as the inbound path read it before it was deleted
    _survey_sent(tenant, lead_id)
    lead = LeadRepository(tenant).get(lead_id)
    assert ApiClient("functions/leads/", tenant).request("DELETE", f"/leads/{lead_id}").status == 204

    # When its answer "4" is recorded: the transaction fails on the deleted lead
    with pytest.raises(NotFoundError):
        ActivityService(tenant).record(_inbound(lead_id, "4", "SM" + "e3" * 16), lead=lead)

    # Then no score was counted
    analytics = _survey_analytics(tenant, utcnow().strftime("%Y-%m"))
    assert (analytics["count"], analytics["by_template"], analytics["by_month"]) == (0, [], [])


MONDAY_30_NOV_1000_PARIS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
"""The surveys go on the last Monday of November; the answers come that day and the next, in December."""
EVERY_DAY = {"days": [0, 1, 2, 3, 4, 5, 6], "start": "07:00", "end": "21:00"}
SURVEY_STEP = {
    "order": 1,
    "delay_days": 0,
    "channel": "sms",
    "objective": "Recueillir l'avis du client",
    "template_key": "satisfaction_survey",
}


def _survey_campaign(tenant: str, name: str, *phones: str) -> tuple[str, list[str]]:
    """A campaign whose one step is the built-in survey by SMS, sent now to a new lead per phone."""
    prospection = ApiClient("functions/prospection/", tenant)
    scenario = prospection.post("/scenarios", {"name": name, "steps": [SURVEY_STEP]})
    assert scenario.status == 201, scenario.body
    lead_ids = [_lead(tenant, phone) for phone in phones]
    campaign_id = enrolled_campaign(prospection, name, str(scenario.body["id"]), lead_ids[0], EVERY_DAY)
    for lead_id in lead_ids[1:]:
        assert prospection.post(f"/campaigns/{campaign_id}/prospects", {"lead_ids": [lead_id]}).status == 200
    for lead_id in lead_ids:
        run_prospect_shard(tenant, campaign_id, lead_id, utcnow() + timedelta(minutes=1))
    return campaign_id, lead_ids


def _lead(tenant: str, phone: str) -> str:
    created = ApiClient("functions/leads/", tenant).post("/leads", {"first_name": "Client", "phone": phone})
    assert created.status == 201, created.body
    return str(created.body["id"])


def test_survey_averages_per_campaign_template_and_month(
    tenant_id: str, twilio: FakeTwilio, fanout_queue: str, time_machine: TimeMachineFixture
) -> None:
    # Given an automatic tenant whose survey goes on the last Monday of November: by two campaigns
    # (two prospects, then one) and by hand, from the built-in template
    time_machine.move_to(MONDAY_30_NOV_1000_PARIS, tick=False)
    now = utcnow()
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Atelier Lumière", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    seed_library(tenant_id, now, fresh=True)
    sms_through_twilio(tenant_id, OUR_NUMBER)
    autumn, _ = _survey_campaign(tenant_id, "Soins d'automne", "+33611220001", "+33611220002")
    winter, _ = _survey_campaign(tenant_id, "Soins d'hiver", "+33611220003")
    survey = _survey_sent(tenant_id, _lead(tenant_id, "+33611220004"))
    assert len(twilio.sent) == 4

    # When they answer: two on Monday, two on Tuesday 1 December
    time_machine.move_to(MONDAY_30_NOV_1000_PARIS + timedelta(minutes=30), tick=False)
    _answer(tenant_id, "5", "SM" + "f1" * 16, fanout_queue, "+33611220001")
    _answer(tenant_id, "2", "SM" + "f3" * 16, fanout_queue, "+33611220003")
    time_machine.move_to(MONDAY_30_NOV_1000_PARIS + timedelta(days=1), tick=False)
    _answer(tenant_id, "3", "SM" + "f2" * 16, fanout_queue, "+33611220002")
    _answer(tenant_id, "5", "SM" + "f4" * 16, fanout_queue, "+33611220004")

    # Then the two months read back each campaign, the template and each month
    both = _survey_analytics(tenant_id, "2026-11", "2026-12")
    assert (both["count"], both["average"]) == (4, 3.75)
    assert both["by_campaign"] == sorted(
        [{"key": autumn, "count": 2, "average": 4.0}, {"key": winter, "count": 1, "average": 2.0}],
        key=lambda group: str(group["key"]),
    )
    assert both["by_template"] == [{"key": survey, "count": 4, "average": 3.75}]
    assert both["by_month"] == [
        {"key": "2026-11", "count": 2, "average": 3.5},
        {"key": "2026-12", "count": 2, "average": 4.0},
    ]
    # And December alone holds its own answers only
    december = _survey_analytics(tenant_id, "2026-12")
    assert december["by_campaign"] == [{"key": autumn, "count": 1, "average": 3.0}]
    assert december["by_template"] == [{"key": survey, "count": 2, "average": 4.0}]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=2026-11",
        "from=2026-13&to=2026-12",
        "from=0000-01&to=0000-01",
        "from=2026-11&to=2026-10",
        "from=2020-01&to=2026-01",
    ],
)
def test_survey_analytics_refuse_a_bad_period(tenant: str, query: str) -> None:
    answer = ApiClient("functions/prospection/", tenant).get("/analytics/surveys", query=query)

    assert answer.status == 422, answer.body


def test_a_tenant_sees_only_its_own_survey_scores(tenant: str, other_tenant_id: str) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    other = ApiClient("functions/prospection/", settings_only(other_tenant_id))

    answer = other.get("/analytics/surveys", query={"from": month, "to": month})

    assert answer.status == 200, answer.body
    assert (answer.body["count"], answer.body["average"], answer.body["by_template"]) == (0, None, [])


# --- a tenant provisioned before the reminders' templates ----------------------------------------
def test_a_tenant_provisioned_before_release_3_gets_its_hour_before_reminder(
    tenant_id: str, twilio: FakeTwilio, timers: str, fanout_queue: str
) -> None:
    # Given a tenant whose library stopped at release 2 (no hour-before reminder template)
    settings_only(tenant_id, "Atelier Lumière")
    now = utcnow()
    templates = TemplateRepository(tenant_id)
    for release in (1, 2):
        assert templates.seed_library(release, release_pairs(tenant_id, release, now), now, fresh=True)
    sms_through_twilio(tenant_id, OUR_NUMBER)
    drain(fanout_queue)
    lead = ApiClient("functions/leads/", tenant_id).post(
        "/leads", {"first_name": "Inès", "phone": LEAD_PHONE}
    )
    assert lead.status == 201, lead.body
    appointment = _book(tenant_id, lead.body["id"], _local(2, 15))
    schedule = _schedule(timers, tenant_id, appointment, ReminderKind.HOUR_BEFORE)
    assert schedule is not None

    # When its hour-before timer fires
    assert _fire(schedule, "m-old-1h")["batchItemFailures"] == []

    # Then the tenant's library was brought up to date, and the reminder went from its new template
    assert templates.has_library(3)
    (sent,) = twilio.sent
    assert "dans une heure" in sent["body"]
    reminder = _appointments(tenant_id, lead.body["id"])[0]["reminders"]["1h"]
    assert (reminder["state"], reminder["outcome"]) == ("done", "sent")
    activity = next(e["activity"] for e in _timeline(tenant_id, lead.body["id"]) if e["kind"] == "activity")
    assert activity["metadata"]["template_id"] == library_template_id(
        tenant_id, "appointment_reminder_1h", "fr"
    )
    # And the tenant sees the new built-ins among its templates, like a tenant provisioned today
    api = ApiClient("functions/templates/", tenant_id)
    for key in ("appointment_reminder_24h_email", "appointment_reminder_1h_email"):
        for locale in ("fr", "en"):
            shown = api.get(f"/templates/{library_template_id(tenant_id, key, locale)}")
            assert (shown.status, shown.body.get("status")) == (200, "active"), shown.body
