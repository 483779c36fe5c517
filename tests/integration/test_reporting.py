"""Per-channel analytics and the reporting overview, through the handlers, from counters the write
paths keep: sends, the providers' status webhooks, replies, conversions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.stats import StatsRepository, add_to_transaction
from maxcore.ids import new_id
from maxcore.library import templates as library
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.alert import AlertType
from maxcore.rules import reporting as rules
from maxcore.services.activities import ActivityService
from maxcore.services.templates import library_template_id
from maxcore.services.tenants import provision_tenant, tenant_settings
from tests.integration import test_webhooks as hooks
from tests.integration.conftest import drain
from tests.support.api import ApiClient, ApiResponse
from tests.support.dynamodb_requests import counting_requests
from tests.support.fake_providers import FakeTwilio
from tests.support.webhook_samples import resend_payload, twilio_event, twilio_status_params

pytestmark = pytest.mark.integration

CAMPAIGN = "01JFVENTS0DEMA0000000000CA"


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A provisioned tenant with the providers' webhook secrets; an empty queue."""
    return hooks.webhook_tenant(tenant_id, fanout_queue)


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    yield from hooks.twilio_for_tenants(monkeypatch)


def reports(tenant_id: str) -> ApiClient:
    return ApiClient("functions/prospection/", tenant_id)


def today_of(tenant_id: str) -> date:
    return rules.tenant_day(datetime.now(UTC), tenant_settings(tenant_id).timezone)


def channels(tenant_id: str, first: date, last: date) -> ApiResponse:
    return reports(tenant_id).get(
        "/analytics/channels", query={"from": first.isoformat(), "to": last.isoformat()}
    )


def by_channel(response: ApiResponse) -> dict[str, dict[str, Any]]:
    assert response.status == 200, response.body
    return {row["channel"]: row for row in response.body["channels"]}


def twilio_status(tenant_id: str, sid: str, status: str) -> None:
    params = twilio_status_params(
        sid, status, hooks.LEAD_PHONE, hooks.OUR_NUMBER, account_sid=hooks.ACCOUNT_SID
    )
    assert hooks.webhook(twilio_event(tenant_id, params, hooks.AUTH_TOKEN))["statusCode"] == 200


def run_queued_evaluations(fanout_queue: str) -> None:
    """The worker takes the lead evaluations the webhooks queued (alerts open then)."""
    bodies = drain(fanout_queue)
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    event = sqs_event([(f"m-{n}", body) for n, body in enumerate(bodies)])
    assert worker(event, LocalContext()) == {"batchItemFailures": []}


def sms_lead_with_message(tenant_id: str) -> tuple[str, str]:
    """A lead reachable by SMS and one SMS sent to it through Twilio: its id and the message's sid."""
    channel = hooks.messaging(tenant_id).request(
        "PUT",
        "/channels/sms",
        json_body={"sender": hooks.OUR_NUMBER, "credentials": {"account_sid": hooks.ACCOUNT_SID}},
    )
    assert channel.status == 200, channel.body
    lead = hooks.leads(tenant_id).post(
        "/leads", {"first_name": "Léa", "last_name": "Martin", "phone": hooks.LEAD_PHONE}
    )
    sent = hooks.messaging(tenant_id).post(
        "/messages", {"lead_id": lead.body["id"], "channel": "sms", "body": "Bonjour"}
    )
    assert sent.status == 201, sent.body
    return lead.body["id"], sent.body["activity"]["provider_message_id"]


def test_sends_deliveries_replies_and_a_conversion_show_per_channel_once_each(
    tenant: str, other_tenant_id: str, fake_twilio: FakeTwilio, fanout_queue: str
) -> None:
    # Given an SMS sent through Twilio, reported sent then delivered (the delivery twice)
    sms_lead, sid = sms_lead_with_message(tenant)
    for status in ("sent", "delivered", "delivered"):
        twilio_status(tenant, sid, status)
    # And an interested reply to it, and the lead converted (then saved as converted again)
    assert (
        hooks.webhook(hooks.inbound(tenant, "Oui ça m'intéresse, vous pouvez m'appeler ?", "SM" + "e1" * 16))[
            "statusCode"
        ]
        == 200
    )
    for _ in range(2):
        converted = hooks.leads(tenant).patch(f"/leads/{sms_lead}", {"status": "converted"})
        assert converted.status == 200, converted.body
    # And an e-mail delivered (Resend delivers the event three times, then again under another id),
    # opened, then a late "delivered"; and another e-mail that bounced
    _, email_id = hooks._email_lead_with_message(tenant, "manon@example.fr")
    now = datetime.now(UTC)
    delivered = resend_payload("email.delivered", email_id, "manon@example.fr", now)
    for svix_id in ("msg_d1", "msg_d1", "msg_d1", "msg_d2"):
        assert hooks.resend(tenant, delivered, svix_id)["statusCode"] == 200
    assert (
        hooks.resend(tenant, resend_payload("email.opened", email_id, "manon@example.fr", now), "msg_o1")[
            "statusCode"
        ]
        == 200
    )
    assert hooks.resend(tenant, delivered, "msg_d3")["statusCode"] == 200
    _, bounced_id = hooks._email_lead_with_message(tenant, "ancienne@example.fr")
    assert (
        hooks.resend(tenant, hooks.hard_bounce(bounced_id, "ancienne@example.fr"), "msg_b1")["statusCode"]
        == 200
    )

    # When today's per-channel analytics are read
    today = today_of(tenant)
    figures = by_channel(channels(tenant, today, today))

    # Then each fact counts once, on its channel
    sms = figures["sms"]
    assert (sms["sent"], sms["delivered"], sms["read"], sms["bounced"]) == (1, 1, 0, 0)
    assert (sms["replied"], sms["positive_replied"], sms["reply_rate"], sms["conversions"]) == (1, 1, 1.0, 1)
    # The reply came within seconds: its median is the first bucket's bound, five minutes
    assert sms["median_reply_seconds"] == 300
    email = figures["email"]
    assert (email["sent"], email["delivered"], email["read"], email["bounced"]) == (2, 1, 1, 1)
    assert (email["replied"], email["reply_rate"], email["median_reply_seconds"]) == (0, 0.0, None)
    # And yesterday has nothing, and another tenant sees nothing of it
    assert by_channel(channels(tenant, today - timedelta(days=1), today - timedelta(days=1))) == {}
    provision_tenant(other_tenant_id, "Autre salon")
    assert by_channel(channels(other_tenant_id, today, today)) == {}

    # And the overview shows the hot lead waiting for an answer once the worker evaluated the lead
    run_queued_evaluations(fanout_queue)
    overview = reports(tenant).get("/reporting/overview")
    assert overview.status == 200, overview.body
    hot = overview.body["hot_leads_waiting"]
    assert (hot["count"], hot["label"]) == (1, "1 lead chaud attend votre réponse")
    assert [(w["lead_id"], w["name"]) for w in hot["leads"]] == [(sms_lead, "Léa Martin")]
    assert overview.body["messages"]["this_week"] == 3


def test_the_overview_counts_leads_not_followed_up_in_the_tenants_language_and_weeks(tenant: str) -> None:
    # Given two leads whose last message, four days ago, got no answer (NoReply3d opens for each)
    api = ApiClient("functions/alerts/", tenant)
    four_days_ago = datetime.now(UTC) - timedelta(days=4)
    for name in ("Inès", "Chloé"):
        lead = (
            hooks.leads(tenant)
            .post("/leads", {"first_name": name, "email": f"{name.lower()}@example.fr"})
            .body
        )
        logged = api.post(
            "/activities",
            {
                "lead_id": lead["id"],
                "channel": "email",
                "direction": "out",
                "preview": "Bonjour",
                "occurred_at": four_days_ago.isoformat(),
            },
        )
        assert logged.status == 201, logged.body

    # When the overview is read, in French then in English
    french = reports(tenant).get("/reporting/overview").body
    changed = ApiClient("functions/tenants/", tenant).patch("/tenant", {"locale": "en"})
    assert changed.status == 200, changed.body
    english = reports(tenant).get("/reporting/overview").body

    # Then both leads are counted and listed, with the count in words
    waiting = french["not_followed_up"]
    assert waiting["count"] == 2
    assert waiting["label"] == "2 leads non relancés"
    assert sorted(w["name"] for w in waiting["leads"]) == ["Chloé", "Inès"]
    assert {w["alert_type"] for w in waiting["leads"]} == {"NoReply3d"}
    assert english["not_followed_up"]["label"] == "2 leads not followed up"
    # And the two messages count in the week of the day they were sent, in the tenant's weeks
    today = date.fromisoformat(french["today"])
    sent_day = rules.tenant_day(four_days_ago, tenant_settings(tenant).timezone)
    this_week = sent_day >= rules.week_start(today)
    messages = french["messages"]
    assert (messages["this_week"], messages["last_week"]) == ((2, 0) if this_week else (0, 2))
    assert french["tokens"]["spent"] == 0
    assert french["best_template_of_month"] is None


def test_the_overview_costs_the_same_few_requests_whatever_the_number_of_leads(tenant: str) -> None:
    # Given a tenant with one lead and one e-mail sent
    hooks._email_lead_with_message(tenant, "premier@example.fr")
    with counting_requests() as first:
        assert reports(tenant).get("/reporting/overview").status == 200

    # When it has six more, each sent an e-mail, and the overview is read again
    for n in range(6):
        hooks._email_lead_with_message(tenant, f"lead{n}@example.fr")
    with counting_requests() as again:
        overview = reports(tenant).get("/reporting/overview")

    # Then the same requests were sent, at most seven, none reading a lead
    assert overview.body["messages"]["this_week"] == 7
    assert again.operations == first.operations
    assert len(again.operations) <= 7, again.operations
    assert "Scan" not in again.operations


def test_the_best_template_keeps_a_built_in_s_name_in_the_tenant_s_language_once_deleted(tenant: str) -> None:
    # Given the tenant's French copy of a built-in e-mail template, best of the month, then deleted
    entry = next(t for t in library.for_locale("fr") if t.channel == "email")
    english = next(t for t in library.for_locale("en") if t.key == entry.key)
    copy_id = library_template_id(tenant, entry.key, "fr")
    month = today_of(tenant).strftime("%Y-%m")
    _count(
        tenant, rules.Counts(templates=(rules.TemplateCount(month, copy_id, {"sent": 25, "positive": 5}),))
    )
    before = reports(tenant).get("/reporting/overview").body["best_template_of_month"]
    templates = ApiClient("functions/templates/", tenant)
    assert templates.request("DELETE", f"/templates/{copy_id}").status == 204

    # When the overview is read, in French then in English
    french = reports(tenant).get("/reporting/overview").body["best_template_of_month"]
    assert ApiClient("functions/tenants/", tenant).patch("/tenant", {"locale": "en"}).status == 200
    in_english = reports(tenant).get("/reporting/overview").body["best_template_of_month"]

    # Then the copy's name shows while it exists, and the library's name in the tenant's language after
    assert before["name"] == entry.name
    assert (french["template_id"], french["name"]) == (copy_id, entry.name)
    assert in_english["name"] == english.name != entry.name
    assert (french["sent"], french["positive_replied"]) == (25, 5)


def test_a_deleted_template_of_the_tenant_s_own_has_no_name(tenant: str) -> None:
    # Given a month's best template that is no built-in and no longer exists
    month = today_of(tenant).strftime("%Y-%m")
    _count(
        tenant, rules.Counts(templates=(rules.TemplateCount(month, new_id(), {"sent": 20, "positive": 2}),))
    )

    # When the overview is read
    best = reports(tenant).get("/reporting/overview").body["best_template_of_month"]

    # Then it is ranked, nameless
    assert best["sent"] == 20
    assert best["name"] is None


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-10", "2026-03-09"),
        ("2025-01-01", "2026-01-02"),
        ("2026-02-30", "2026-03-01"),
        ("hier", "2026-03-01"),
    ],
)
def test_a_period_backwards_longer_than_a_year_or_not_a_date_is_a_422(
    tenant: str, start: str, end: str
) -> None:
    response = reports(tenant).get("/analytics/channels", query={"from": start, "to": end})

    assert response.status == 422, response.body
    assert response.body["error"]["code"] in {"validation_error", "invalid_input"}


def test_a_whole_year_leap_day_included_is_reported(tenant: str) -> None:
    response = channels(tenant, date(2027, 3, 1), date(2028, 2, 29))

    assert response.status == 200, response.body
    assert response.body["channels"] == []


# --- access patterns ------------------------------------------------------------------------------
def _count(tenant_id: str, counts: rules.Counts) -> None:
    repository = StatsRepository(tenant_id)
    with repository._transaction() as tx:
        add_to_transaction(tx, tenant_id, counts)


def test_ap55_a_periods_counters_are_one_query_of_the_tenants_days(
    tenant_id: str, other_tenant_id: str
) -> None:
    # Given counters on three days and two channels, and another tenant's on the same day
    first = date(2026, 3, 9)
    for offset, channel in ((0, "sms"), (1, "sms"), (1, "email"), (2, "sms")):
        day = rules.DayCount(first + timedelta(days=offset), channel, {"sent": 2, "rt1": 1})
        _count(tenant_id, rules.Counts((day,)))
    _count(other_tenant_id, rules.Counts((rules.DayCount(first, "sms", {"sent": 9}),)))

    # When the middle days are read
    with counting_requests() as requests:
        rows = StatsRepository(tenant_id).days(first + timedelta(days=1), first + timedelta(days=2))

    # Then one Query returns them, the tenant's only, with every number
    assert requests.operations == ["Query"]
    assert rows == [
        (date(2026, 3, 10), "email", {"sent": 2, "rt1": 1}),
        (date(2026, 3, 10), "sms", {"sent": 2, "rt1": 1}),
        (date(2026, 3, 11), "sms", {"sent": 2, "rt1": 1}),
    ]
    assert StatsRepository(other_tenant_id).days(first, first) == [(first, "sms", {"sent": 9})]


def test_ap56_a_months_template_counters_are_one_query(tenant_id: str, other_tenant_id: str) -> None:
    # Given sends and a positive reply for two templates in March, one in April, another tenant's
    for month, template, facts in (
        ("2026-03", "T1", {"sent": 1}),
        ("2026-03", "T1", {"sent": 1}),
        ("2026-03", "T1", {"positive": 1}),
        ("2026-03", "T2", {"sent": 1}),
        ("2026-04", "T1", {"sent": 1}),
    ):
        _count(tenant_id, rules.Counts(templates=(rules.TemplateCount(month, template, facts),)))
    _count(other_tenant_id, rules.Counts(templates=(rules.TemplateCount("2026-03", "T9", {"sent": 1}),)))

    # When March is read
    with counting_requests() as requests:
        months = StatsRepository(tenant_id).templates_of_month("2026-03")

    # Then one Query gives March's two templates, added up
    assert requests.operations == ["Query"]
    assert sorted(months, key=lambda m: m.template_id) == [
        rules.TemplateMonth("T1", sent=2, positive=1),
        rules.TemplateMonth("T2", sent=1, positive=0),
    ]


def test_ap57_open_alerts_of_some_types_are_counted_in_one_query(tenant: str, fanout_queue: str) -> None:
    # Given three hot replies from three numbers (a HotLead24h each, once evaluated)
    for n in range(3):
        phone = f"+3361122334{n}"
        assert (
            hooks.webhook(
                hooks.inbound(tenant, "Je suis intéressé, rappelez-moi", "SM" + f"f{n}" * 16, phone=phone)
            )["statusCode"]
            == 200
        )
    run_queued_evaluations(fanout_queue)

    # When the open alerts of that type (and one no lead has) are counted, two shown
    with counting_requests() as requests:
        counts, shown = AlertRepository(tenant).open_of_types(
            (AlertType.HOT_LEAD_24H, AlertType.NO_REPLY_3D), 2
        )

    # Then one Query counts them and one BatchGetItem reads the two shown
    assert requests.operations == ["Query", "BatchGetItem"]
    assert counts == {AlertType.HOT_LEAD_24H: 3, AlertType.NO_REPLY_3D: 0}
    assert [a.type for a in shown] == [AlertType.HOT_LEAD_24H] * 2


def test_ap56_a_campaign_messages_opening_counts_for_the_campaign_through_the_webhook(tenant: str) -> None:
    # Given an e-mail a campaign sent (recorded with its campaign, as the sequencer records it)
    lead = hooks.leads(tenant).post("/leads", {"first_name": "Nina", "email": "nina@example.fr"}).body
    now = datetime.now(UTC)
    sent = Activity(
        id=new_id(),
        lead_id=lead["id"],
        channel=ActivityChannel.EMAIL,
        direction=Direction.OUT,
        status=ActivityStatus.SENT,
        provider_message_id="email-of-a-campaign",
        occurred_at=now,
        metadata={"campaign_id": CAMPAIGN, "step": 1},
    )
    ActivityService(tenant).record(sent, evaluate=False)

    # When Resend reports it delivered, opened, and opened again under another id
    for kind, svix_id in (("email.delivered", "c1"), ("email.opened", "c2"), ("email.opened", "c3")):
        payload = resend_payload(kind, "email-of-a-campaign", "nina@example.fr", now)
        assert hooks.resend(tenant, payload, svix_id)["statusCode"] == 200

    # Then the campaign's counter holds one delivery and one open, read with one Query
    with counting_requests() as requests:
        campaigns = StatsRepository(tenant).campaigns()
    assert requests.operations == ["Query"]
    assert campaigns == {CAMPAIGN: {"delivered": 1, "read": 1}}
