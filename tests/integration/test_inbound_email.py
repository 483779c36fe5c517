"""Inbound e-mail read in full: Resend's webhook queues, the worker fetches, reads and records.

Through the handlers: the webhooks function gets a real Svix-signed ``email.received``; the worker
function gets the SQS record it queued, and fetches the e-mail with the real resend SDK from the fake
Resend's receiving API. DynamoDB, SQS and SSM are moto's (or DynamoDB Local's).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from devserver.events import LocalContext, sqs_event
from devserver.functions import load_handler
from maxcore.dal.secrets import SecretRepository
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.services.job_queue import FANOUT_MAX_RECEIVES
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.integration.conftest import drain
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend, raw_reply, resend_error, running_fake_resend
from tests.support.logs import captured_logs
from tests.support.webhook_samples import resend_event, resend_payload

pytestmark = pytest.mark.integration

RESEND_KEY = "re_inbound_test_key_0123456789"
RESEND_SECRET = "whsec_dGVuYW50LXJlc2VuZC1zZWNyZXQtMTIzNA=="
INBOX = "bonjour@inbound.atelier-lumiere.fr"
CLAIRE = "claire.petit@example.fr"
EMAILS = Path(__file__).parents[1] / "unit" / "fixtures" / "emails"


@pytest.fixture
def tenant(tenant_id: str, ssm_endpoint: str, fanout_queue: str) -> str:
    """A provisioned tenant with Resend's API key and webhook secret; an empty queue."""
    provision_tenant(tenant_id, "Atelier Lumière")
    secrets = SecretRepository(tenant_id)
    secrets.put("resend", "api_key", RESEND_KEY)
    secrets.put("resend", "webhook_secret", RESEND_SECRET)
    drain(fanout_queue)
    return tenant_id


@pytest.fixture
def resend(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResend]:
    with running_fake_resend(api_key=RESEND_KEY) as fake:
        monkeypatch.setenv("RESEND_API_URL", fake.url)
        reset_settings()
        yield fake
    reset_settings()


def claire_writes(resend: FakeResend, subject: str, **parts: Any) -> str:
    """Register Claire's e-mail to the tenant's inbox at the fake Resend; return its id."""
    email_id = str(uuid.uuid4())
    resend.receive(email_id, f"Claire Petit <{CLAIRE}>", INBOX, subject, **parts)
    return email_id


def announce(tenant: str, email_id: str, subject: str, svix_id: str | None = None) -> dict[str, Any]:
    """Deliver Resend's signed ``email.received`` for ``email_id`` to the webhooks function."""
    payload = resend_payload(
        "email.received",
        email_id,
        INBOX,
        "2026-11-16T08:40:12.126Z",
        **{"from": f"Claire Petit <{CLAIRE}>", "subject": subject, "attachments": []},
    )
    event = resend_event(
        tenant, payload, RESEND_SECRET, svix_id or f"msg_{uuid.uuid4().hex}", int(time.time())
    )
    result: dict[str, Any] = load_handler("functions/webhooks/", "app.lambda_handler")(event, LocalContext())
    return result


def queued_jobs(queue: str) -> list[TenantJobMessage]:
    return [TenantJobMessage.model_validate_json(body) for body in drain(queue)]


def work(job: TenantJobMessage, receive_count: int = 1) -> bool:
    """Hand ``job`` to the worker function as SQS's ``receive_count``-th delivery of it.

    True when it succeeded; False when it failed and SQS will deliver it again.
    """
    event = sqs_event([("m-read-email", job.model_dump_json())], receive_count=receive_count)
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    try:
        result = worker(event, LocalContext())
    except BatchProcessingError:
        return False  # every record of the batch failed: the invocation fails and the batch returns
    return bool(result["batchItemFailures"] == [])


def the_read_email_job(tenant: str, queue: str, email_id: str, subject: str) -> TenantJobMessage:
    """Announce ``email_id`` and return the one job the webhook queued for it."""
    answer = announce(tenant, email_id, subject)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["outcome"] == "queued: read_email"
    (job,) = queued_jobs(queue)
    return job


def claires_activities(tenant: str) -> tuple[str, list[dict[str, Any]]]:
    leads = ApiClient("functions/leads/", tenant)
    (lead,) = leads.get("/leads").body["items"]
    timeline = ApiClient("functions/alerts/", tenant).get(f"/leads/{lead['id']}/timeline")
    assert timeline.status == 200, timeline.body
    entries = [e["activity"] for e in timeline.body["items"] if e["kind"] == "activity"]
    return lead["id"], [a for a in entries if a["direction"] == "in"]


def test_a_french_reply_is_read_in_full_and_its_opt_out_revokes_the_email_consent(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given Claire's Gmail reply: her answer, a signature and the quoted history
    subject = "Re: Votre planning atelier"
    email_id = claire_writes(
        resend,
        subject,
        text=(EMAILS / "gmail_fr_unsubscribe.txt").read_text(encoding="utf-8"),
        headers={"in-reply-to": "<first@max.example.com>", "references": "<first@max.example.com>"},
        attachments=[{"filename": "planning.pdf", "content_type": "application/pdf", "size": 48213}],
    )

    # When Resend announces it (the webhook only queues) and the worker runs the job
    job = the_read_email_job(tenant, fanout_queue, email_id, subject)
    assert (job.job, job.email and job.email.email_id) == (Job.READ_EMAIL, email_id)
    assert resend.requests == []
    assert work(job)

    # Then her body (not the subject) is on the timeline, read as an opt-out, with its attachment
    lead_id, (activity,) = claires_activities(tenant)
    assert activity["preview"].startswith("Bonjour Julien,")
    assert activity["preview"].endswith("Merci de me retirer de votre liste.")
    assert "a écrit" not in activity["preview"]
    assert "Claire Petit" not in activity["preview"]
    assert activity["intent"] == "unsubscribe"
    assert activity["metadata"]["text_source"] == "body"
    assert activity["metadata"]["subject"] == subject
    assert activity["metadata"]["attachments"] == [
        {"filename": "planning.pdf", "content_type": "application/pdf", "size": 48213}
    ]
    # And her e-mail consent is revoked
    lead = ApiClient("functions/leads/", tenant).get(f"/leads/{lead_id}").body
    assert lead["consent"]["email"]["granted"] is False
    # And the fetch used the tenant's key, and the lead's evaluation was queued
    (fetch,) = resend.requests
    assert (fetch.method, fetch.path) == ("GET", f"/emails/receiving/{email_id}")
    assert [j.job for j in queued_jobs(fanout_queue)] == [Job.EVALUATE_LEAD]


def test_a_long_emails_opt_out_at_its_end_counts_and_its_whole_text_is_kept(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given a long e-mail (well past a preview) whose last sentence asks to stop
    body = (
        "Bonjour Julien,\n\n"
        + " ".join(["Nous avons relu votre proposition en équipe et comparé avec nos outils actuels."] * 30)
        + "\n\nMerci de ne plus me contacter.\n"
    )
    email_id = claire_writes(resend, "Re: Votre proposition", text=body)

    # When it is announced and read
    assert work(the_read_email_job(tenant, fanout_queue, email_id, "Re: Votre proposition"))

    # Then the preview is its start, the whole text is kept, and the opt-out at its end is honoured
    lead_id, (activity,) = claires_activities(tenant)
    assert len(activity["preview"]) == 1000
    assert activity["metadata"]["text"] == body.strip()
    assert activity["intent"] == "unsubscribe"
    lead = ApiClient("functions/leads/", tenant).get(f"/leads/{lead_id}").body
    assert lead["consent"]["email"]["granted"] is False


def test_an_html_only_email_is_read_as_text(tenant: str, fanout_queue: str, resend: FakeResend) -> None:
    # Given an e-mail with only an HTML part, its history in a blockquote
    email_id = claire_writes(
        resend,
        "Re: Démonstration",
        html=(
            "<div>Bonjour,</div><div><br></div>"
            "<div>Banco, on y va&nbsp;! Jeudi 14h &agrave; la boutique.</div>"
            '<blockquote class="gmail_quote"><p>Êtes-vous disponible ?</p></blockquote>'
        ),
    )

    # When it is announced and read
    assert work(the_read_email_job(tenant, fanout_queue, email_id, "Re: Démonstration"))

    # Then its text is the visible new text, classified
    _, (activity,) = claires_activities(tenant)
    assert activity["preview"] == "Bonjour,\n\nBanco, on y va ! Jeudi 14h à la boutique."
    assert activity["intent"] in {"interested", "meeting_request"}  # a hot answer, either way
    assert activity["metadata"]["text_source"] == "body"


def test_an_auto_reply_is_recorded_as_automatic(tenant: str, fanout_queue: str, resend: FakeResend) -> None:
    # Given an auto-reply, marked so by its headers
    email_id = claire_writes(
        resend,
        "Réponse automatique : Votre planning atelier",
        text="Bonjour, je suis absente du bureau jusqu'au 23 novembre inclus.",
        headers={"auto-submitted": "auto-replied", "x-autoreply": "yes"},
    )

    # When it is announced and read
    job = the_read_email_job(tenant, fanout_queue, email_id, "Réponse automatique : Votre planning atelier")
    assert work(job)

    # Then it is recorded, marked automatic with its reason, and still classified (out of office)
    _, (activity,) = claires_activities(tenant)
    assert activity["metadata"]["automatic"] == "auto-submitted: auto-replied"
    assert activity["intent"] == "out_of_office"


def test_a_fetch_failing_twice_then_succeeding_records_once(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given Resend failing twice (a 503, then a rate limit) before it serves the e-mail
    email_id = claire_writes(resend, "Re: devis", text="Combien ça coûte pour trois postes ?")
    resend.script = [
        resend_error(503, "internal_server_error", "Service unavailable"),
        resend_error(429, "rate_limit_exceeded", "Too many requests", retry_after=1),
    ]
    job = the_read_email_job(tenant, fanout_queue, email_id, "Re: devis")

    # When SQS delivers the job three times (the failed ones reported for retry)
    outcomes = [work(job, receive_count=n) for n in (1, 2, 3)]

    # Then the first two fail (SQS delivers the job again); the third records the body once
    assert outcomes == [False, False, True]
    _, (activity,) = claires_activities(tenant)
    assert activity["preview"] == "Combien ça coûte pour trois postes ?"
    assert activity["metadata"]["text_source"] == "body"
    # And a fourth delivery (SQS's at-least-once) records nothing more
    assert work(job, receive_count=4)
    assert len(claires_activities(tenant)[1]) == 1


def test_a_fetch_failing_on_the_last_delivery_records_the_subject(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given Resend answering a proxy's 502 page
    email_id = claire_writes(resend, "Re: Votre planning atelier", text="Oui, intéressée !")
    resend.script = [raw_reply(502, "<html>Bad gateway</html>")] * 2
    job = the_read_email_job(tenant, fanout_queue, email_id, "Re: Votre planning atelier")

    # When the job fails before its last delivery, then fails on it
    assert not work(job, receive_count=FANOUT_MAX_RECEIVES - 1)
    with captured_logs() as lines:
        assert work(job, receive_count=FANOUT_MAX_RECEIVES)

    # Then the e-mail is recorded all the same, its subject standing for its body, and a warning says so
    _, (activity,) = claires_activities(tenant)
    assert activity["preview"] == "Re: Votre planning atelier"
    assert activity["metadata"]["text_source"] == "subject_fallback"
    assert any(
        line["level"] == "WARNING" and line.get("email_id") == email_id and "502" in line.get("reason", "")
        for line in lines
    )


def test_an_email_resend_does_not_know_is_recorded_with_its_subject_at_once(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given an announced e-mail the receiving API answers 404 for (a permanent error)
    job = the_read_email_job(tenant, fanout_queue, str(uuid.uuid4()), "Re: Votre planning atelier")

    # When the worker runs its first delivery
    assert work(job)

    # Then there is no retry: the subject is recorded as the fallback
    _, (activity,) = claires_activities(tenant)
    assert (activity["preview"], activity["metadata"]["text_source"]) == (
        "Re: Votre planning atelier",
        "subject_fallback",
    )


def test_the_same_webhook_delivered_twice_queues_one_job(tenant: str, fanout_queue: str) -> None:
    # Given Resend delivering the same email.received twice (same svix-id: a retry)
    email_id = str(uuid.uuid4())
    first = announce(tenant, email_id, "Re: devis", svix_id="msg_same_delivery")
    again = announce(tenant, email_id, "Re: devis", svix_id="msg_same_delivery")

    # Then both are answered 200 and one job is queued
    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert [j.job for j in queued_jobs(fanout_queue)] == [Job.READ_EMAIL]


def test_a_reply_fetched_by_the_worker_finds_its_lead_by_in_reply_to_whatever_its_address(
    tenant: str, fanout_queue: str, resend: FakeResend
) -> None:
    # Given an e-mail sent to Sophie through POST /messages (the fake Resend sends it and serves replies)
    messaging = ApiClient("functions/messaging/", tenant)
    channel = messaging.request(
        "PUT",
        "/channels/email",
        json_body={"credentials": {"api_key": RESEND_KEY}, "sender": "julien@atelier-lumiere.fr"},
    )
    assert channel.status == 200, channel.body
    leads = ApiClient("functions/leads/", tenant)
    sophie = leads.post("/leads", {"first_name": "Sophie", "email": "sophie@bellepeau.fr"}).body
    sent = messaging.post(
        "/messages",
        {"lead_id": sophie["id"], "channel": "email", "subject": "Votre planning", "body": "Bonjour Sophie"},
    )
    assert sent.status == 201, sent.body
    [email] = resend.sent
    our_id = email["headers"]["Message-ID"]

    # When Claire, her colleague, answers it from her own address, and the worker reads the reply
    subject = "Re: Votre planning"
    email_id = claire_writes(
        resend,
        subject,
        text="Bonjour, je réponds pour Sophie : appelez-nous jeudi matin.\n",
        headers={"in-reply-to": our_id, "references": our_id},
    )
    assert work(the_read_email_job(tenant, fanout_queue, email_id, subject))

    # Then the reply is on Sophie's timeline, naming the e-mail it answers, and no lead was made for Claire
    listed = leads.get("/leads").body["items"]
    assert [lead["id"] for lead in listed] == [sophie["id"]]
    timeline = ApiClient("functions/alerts/", tenant).get(f"/leads/{sophie['id']}/timeline").body["items"]
    [reply] = [
        e["activity"] for e in timeline if e["kind"] == "activity" and e["activity"]["direction"] == "in"
    ]
    assert reply["preview"].startswith("Bonjour, je réponds pour Sophie")
    assert reply["metadata"]["in_reply_to_activity"] == sent.body["activity"]["id"]
    assert reply["metadata"]["sender"] == CLAIRE
