"""One-click unsubscribe end to end (issue 18 §3): the link a prospection e-mail carries, its page.

A two-step e-mail sequence runs through the scheduler's worker handler and sends, through the real
resend SDK, to the fake Resend, which records the headers and parts it received. The link found in
the e-mail's ``List-Unsubscribe`` header is then opened and posted through the unsubscribe
function's handler, and the opt-out's consequences read through the API and the worker.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from devserver.events import LocalContext, http_event, sqs_event
from devserver.functions import load_handler
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.budget import BudgetRepository
from maxcore.dal.outbox import OutboxRepository
from maxcore.dal.tenants import TenantProfileRepository
from maxcore.models.activity import ActivityChannel, CreateActivityRequest, Direction
from maxcore.models.common import Channel
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.template import CreateTemplateRequest, TemplateCategory
from maxcore.models.tenant import BusinessProfile, Locale, Mode, Tenant
from maxcore.rules.unsubscribe_token import UnsubscribeClaim, issue
from maxcore.services.activities import ActivityService
from maxcore.services.automation_runner import AutomationRunner
from maxcore.services.leads import LeadService
from maxcore.services.templates import TemplateService
from maxcore.settings import reset_settings
from tests.integration.conftest import RESEND_LIVE_KEY, drain
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeResend
from tests.support.prospection import enrolled_campaign, run_prospect_shard

pytestmark = pytest.mark.integration

PROSPECTION = "functions/prospection/"
LEADS = "functions/leads/"
MESSAGING = "functions/messaging/"
TEMPLATES = "functions/templates/"
UNSUBSCRIBE = "functions/unsubscribe/"
INBOUND = "replies@bellepeau.inbound.example"
ADDRESS = "sophie@example.fr"
SIGNATURE = "Camille Martin\nInstitut Belle Peau"
MON_1000_PARIS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def resend(resend_for_sends: FakeResend, fanout_queue: str) -> FakeResend:
    drain(fanout_queue)
    return resend_for_sends


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, response.body
    return response.body


class Sent:
    """A tenant's two-step e-mail sequence, its first e-mail sent to the lead on Monday."""

    def __init__(self, tenant_id: str, resend: FakeResend, locale: Locale = Locale.FR) -> None:
        now = MON_1000_PARIS - timedelta(days=1)
        self.tenant_id = tenant_id
        with time_machine.travel(now, tick=False):
            profile = BusinessProfile(signature=SIGNATURE)
            TenantProfileRepository(tenant_id).create_if_absent(
                Tenant(
                    id=tenant_id,
                    name="Institut Belle Peau",
                    mode=Mode.AUTO,
                    locale=locale,
                    business_profile=profile,
                    created_at=now,
                    updated_at=now,
                )
            )
            BudgetRepository(tenant_id).open(100, "2026-11", now)
            settings = {"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@bellepeau.fr"}
            channels = ApiClient(MESSAGING, tenant_id)
            _ok(
                channels.request("PUT", "/channels/email", json_body={**settings, "inbound_address": INBOUND})
            )
            self.leads = ApiClient(LEADS, tenant_id)
            self.lead_id = str(
                _ok(self.leads.post("/leads", {"first_name": "Sophie", "email": ADDRESS}), 201)["id"]
            )
            templates = ApiClient(TEMPLATES, tenant_id)
            template = {"channel": "email", "name": "Atelier", "subject": "Votre atelier", "body": "Bonjour,"}
            template_id = _ok(templates.post("/templates", template), 201)["id"]
            _ok(templates.post(f"/templates/{template_id}/activate", {}))
            steps = [
                {"order": n, "delay_days": delay, "channel": "email", "objective": "Présenter"}
                | {"template_id": template_id}
                for n, delay in ((1, 0), (2, 3))
            ]
            self.api = ApiClient(PROSPECTION, tenant_id)
            scenario = _ok(self.api.post("/scenarios", {"name": "Atelier", "steps": steps}), 201)
            self.campaign_id = enrolled_campaign(self.api, "Atelier", str(scenario["id"]), self.lead_id)
        run_prospect_shard(tenant_id, self.campaign_id, self.lead_id, MON_1000_PARIS)
        if not resend.sent:
            return
        [self.email] = resend.sent
        self.url = self.email["headers"]["List-Unsubscribe"].split(">")[0].removeprefix("<")
        self.token = self.url.rsplit("/u/", 1)[1]

    def lead(self) -> dict[str, Any]:
        return dict(_ok(self.leads.get(f"/leads/{self.lead_id}")))

    def link_activities(self) -> list[Any]:
        found = ActivityRepository(self.tenant_id).page_for_lead(self.lead_id, None, 50)
        return [a for a in found if a.direction is Direction.IN and a.metadata.get("source") == "link"]


def test_without_a_public_url_no_prospection_email_leaves_and_the_step_says_why(
    tenant_id: str, resend: FakeResend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack with no public URL for unsubscribe links
    # When the sequence's e-mail step comes due
    with monkeypatch.context() as patched:
        patched.delenv("UNSUBSCRIBE_BASE_URL")
        reset_settings()
        sent = Sent(tenant_id, resend)
    reset_settings()
    # Then nothing reaches Resend, and the step is skipped with its reason
    assert resend.sent == []
    prospect = _ok(sent.api.get(f"/campaigns/{sent.campaign_id}/prospects/{sent.lead_id}"))
    decision = prospect["last_decision"]
    assert (decision["outcome"], decision["code"]) == ("skipped", "unsubscribe_unavailable")
    assert "lien de désinscription" in decision["reason"]


def _page(method: str, token: str, body: str | None = None) -> tuple[int, dict[str, str], str]:
    """The unsubscribe function's answer to ``method /u/<token>``."""
    headers = {} if body is None else {"content-type": "application/x-www-form-urlencoded"}
    event = http_event(method, f"/u/{token}", headers=headers, body=body)
    result = load_handler(UNSUBSCRIBE, "app.lambda_handler")(event, LocalContext())
    answered = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    return int(result["statusCode"]), answered, str(result.get("body") or "")


def test_a_prospection_email_carries_the_unsubscribe_headers_and_the_french_footer(
    tenant_id: str, resend: FakeResend
) -> None:
    # Given a French tenant with a signature and an inbound address
    # When its sequence's e-mail is sent
    sent = Sent(tenant_id, resend)
    # Then Resend got the one-click headers: the signed page, then a mailto to the inbound address
    headers = sent.email["headers"]
    assert sent.url.startswith("https://api.max.test/u/")
    assert headers["List-Unsubscribe"] == (
        f"<{sent.url}>, <mailto:{INBOUND}?subject=unsubscribe&body=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # And the threading header is still there
    assert headers["Message-ID"].endswith(f".{sent.lead_id}@bellepeau.fr>")
    # And the text ends with the signature, then the French unsubscribe link
    assert sent.email["text"].endswith(
        f"-- \n{SIGNATURE}\nVous ne souhaitez plus recevoir nos e-mails ? Se désinscrire : {sent.url}\n"
    )


def test_a_one_click_post_revokes_the_email_consent_and_ends_the_sequence_unsubscribed(
    tenant_id: str, resend: FakeResend, fanout_queue: str
) -> None:
    # Given a lead who received a prospection e-mail
    sent = Sent(tenant_id, resend)
    # When, an hour later, the mailbox provider posts the RFC 8058 one-click to the link
    with time_machine.travel(MON_1000_PARIS + timedelta(hours=1)):
        status, headers, page = _page("POST", sent.token, "List-Unsubscribe=One-Click")
    # Then the page says it is done, in French, under a strict policy
    assert status == 200
    assert "Vous êtes désinscrit(e)" in page
    assert headers["content-type"].startswith("text/html")
    assert headers["content-security-policy"].startswith("default-src 'none'")
    # And the lead's e-mail consent is revoked, with the opt-out on its timeline as a link's
    consent = sent.lead()["consent"]["email"]
    assert consent["granted"] is False
    [activity] = sent.link_activities()
    assert activity.metadata["keyword"] == "opt_out"
    assert len(str(activity.metadata["proof"])) == 32
    # And the consent ledger holds the opt-out, from the link, with the token's hash as its proof
    email = _ledger(sent)
    assert email["granted"] is False
    assert (email["entries"][0]["source"], email["entries"][0]["proof"]) == (
        "link",
        activity.metadata["proof"],
    )
    # And when the worker takes the lead's evaluation queued by the opt-out
    [queued] = drain(fanout_queue)
    assert json.loads(queued)["lead_id"] == sent.lead_id
    worker = load_handler("functions/scheduler/", "worker.lambda_handler")
    with time_machine.travel(MON_1000_PARIS + timedelta(hours=1, minutes=1)):
        assert worker(sqs_event([("m-1", queued)]), LocalContext()) == {"batchItemFailures": []}
    # Then the sequence ends as unsubscribed
    prospect = _ok(sent.api.get(f"/campaigns/{sent.campaign_id}/prospects/{sent.lead_id}"))
    assert (prospect["status"], prospect["last_decision"]["code"]) == ("stopped", "unsubscribed")


def test_a_second_post_of_the_same_link_changes_nothing(
    tenant_id: str, resend: FakeResend, fanout_queue: str
) -> None:
    # Given a link already posted once
    sent = Sent(tenant_id, resend)
    assert _page("POST", sent.token, "List-Unsubscribe=One-Click")[0] == 200
    drain(fanout_queue)
    first = sent.lead()
    # When it is posted again
    status, _, page = _page("POST", sent.token, "List-Unsubscribe=One-Click")
    # Then it still answers done, and nothing more is written or queued
    assert status == 200
    assert "Vous êtes désinscrit(e)" in page
    assert len(sent.link_activities()) == 1
    assert sent.lead()["version"] == first["version"]
    assert len(_ledger(sent)["entries"]) == 1
    assert drain(fanout_queue) == []


def test_the_page_asks_before_it_unsubscribes_and_writes_nothing(tenant_id: str, resend: FakeResend) -> None:
    sent = Sent(tenant_id, resend, Locale.EN)
    status, headers, page = _page("GET", sent.token)
    assert status == 200
    assert "Confirm unsubscribing" in page
    assert "Institut Belle Peau" in page
    assert ADDRESS not in page  # masked
    assert "s****e@example.fr" in page
    assert "form-action 'self'" in headers["content-security-policy"]
    assert sent.lead()["consent"].get("email", {}).get("granted") is not False
    assert sent.link_activities() == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_gets_a_403_page_and_writes_nothing(
    tenant_id: str, resend: FakeResend, fanout_queue: str, method: str
) -> None:
    # Given a lead's link whose token was signed with another key, and one cut short
    sent = Sent(tenant_id, resend)
    claim = UnsubscribeClaim(tenant_id, sent.lead_id, ADDRESS, Channel.EMAIL, MON_1000_PARIS)
    forged = issue(claim, b"not the stack's secret")
    for token, expected in ((forged, 403), (sent.token[:-3], 403), ("garbage", 404)):
        # When it is opened or posted
        status, _, page = _page(method, token, "List-Unsubscribe=One-Click" if method == "POST" else None)
        # Then the page says the link is no longer valid, in French and English
        assert status == expected
        assert "Ce lien n'est plus valide" in page
        assert "This link is no longer valid" in page
    # And nothing was written or queued
    assert sent.lead()["consent"].get("email", {}).get("granted") is not False
    assert sent.link_activities() == []
    assert drain(fanout_queue) == []


def test_an_expired_link_gets_a_410_page(tenant_id: str, resend: FakeResend) -> None:
    sent = Sent(tenant_id, resend)
    with time_machine.travel(MON_1000_PARIS + timedelta(days=61), tick=False):
        status, _, page = _page("POST", sent.token, "List-Unsubscribe=One-Click")
    assert status == 410
    assert "Ce lien n'est plus valide" in page
    assert sent.link_activities() == []


def test_the_link_of_a_deleted_lead_still_unsubscribes_its_address(
    tenant_id: str, resend: FakeResend, fanout_queue: str
) -> None:
    # Given a lead deleted after its e-mail left
    sent = Sent(tenant_id, resend)
    assert sent.leads.delete(f"/leads/{sent.lead_id}").status == 204
    drain(fanout_queue)
    # When its link is opened, then posted
    assert _page("GET", sent.token)[0] == 200
    status, _, page = _page("POST", sent.token, "List-Unsubscribe=One-Click")
    # Then the page says it is done and the address is opted out in the tenant's consent ledger
    assert status == 200
    assert "Vous êtes désinscrit(e)" in page
    assert _page("POST", sent.token, "List-Unsubscribe=One-Click")[0] == 200
    # And a lead created again with the address starts opted out, the link entry once, and gets no e-mail
    again = _ok(sent.leads.post("/leads", {"first_name": "Sophie", "email": ADDRESS}), 201)
    assert again["consent"]["email"]["granted"] is False
    email = _ledger(sent, again["id"])
    assert [entry["source"] for entry in email["entries"]] == ["link"]
    refused = ApiClient(MESSAGING, tenant_id).post(
        "/messages", {"lead_id": again["id"], "channel": "email", "subject": "Bonjour", "body": "Bonjour"}
    )
    assert refused.status == 409
    assert refused.body["error"]["code"] == "opted_out"


@pytest.mark.parametrize(
    ("category", "footed"),
    [(TemplateCategory.CUSTOM, True), (TemplateCategory.APPOINTMENT_REMINDER, False)],
    ids=["marketing", "transactional"],
)
def test_an_automation_email_has_the_footer_unless_its_template_is_transactional(
    tenant_id: str, ssm_endpoint: str, category: TemplateCategory, footed: bool
) -> None:
    # Given an automatic tenant without e-mail credentials (its e-mails land in its outbox) and a
    # lead silent for four days, whom an e-mail automation of the template's category writes to
    now = MON_1000_PARIS + timedelta(days=1)
    TenantProfileRepository(tenant_id).create_if_absent(
        Tenant(id=tenant_id, name="Institut Belle Peau", mode=Mode.AUTO, created_at=now, updated_at=now)
    )
    templates = TemplateService(tenant_id, actor="user-1")
    template = templates.create(
        CreateTemplateRequest(
            channel=Channel.EMAIL, name="Relance", subject="Des nouvelles", body="Bonjour,", category=category
        )
    )
    templates.activate(template.id)
    automation = {"name": "Relance", "trigger_type": "silence", "trigger_config": {"days": 3}}
    automation |= {"enabled": True, "template_id": template.id}
    _ok(ApiClient(PROSPECTION, tenant_id).post("/automations", automation), 201)
    lead = LeadService(tenant_id, clock=lambda: now - timedelta(days=10)).create(
        CreateLeadRequest(first_name="Sophie", email=ADDRESS)
    )
    sent_at = now - timedelta(days=4)
    ActivityService(tenant_id, lambda: sent_at).log(
        CreateActivityRequest(
            lead_id=lead.id, channel=ActivityChannel.EMAIL, direction=Direction.OUT, occurred_at=sent_at
        )
    )
    # When the automations run
    assert AutomationRunner(tenant_id, clock=lambda: now).run().outcomes == {"sent": 1}
    # Then the e-mail ends with the unsubscribe link only when it is marketing
    [entry] = OutboxRepository(tenant_id).page(10, None)[0]
    assert ("Se désinscrire : https://api.max.test/u/" in entry.body) is footed


def _ledger(sent: Sent, lead_id: str | None = None) -> dict[str, Any]:
    """The consent ledger's e-mail address of the lead ``sent`` went to (or of ``lead_id``)."""
    addresses = _ok(sent.leads.get(f"/leads/{lead_id or sent.lead_id}/consent"))["addresses"]
    email: dict[str, Any] = next(a for a in addresses if a["channel"] == "email")
    return email
