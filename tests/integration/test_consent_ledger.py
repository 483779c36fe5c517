"""One consent ledger per address (issue 18 §5), through the handlers on the table.

An opt-out belongs to the address within the tenant: a lead deleted and created again, a number
written again by an inbound message, a CSV imported again all start opted out, and nothing is sent.
Each change keeps its source and proof; an admin exports the whole ledger as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devserver.events import LocalContext, http_event
from maxcore.dal.consent import ConsentRepository
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentEntry, ConsentSource
from maxcore.models.tenant import Mode
from tests.integration.test_prospection import PROSPECTION, _campaign, _scenario
from tests.integration.test_prospection import _tenant as _prospection_tenant
from tests.integration.test_webhooks import (
    ACCOUNT_SID,
    LEAD_PHONE,
    OUR_NUMBER,
    _email_lead_with_message,
    hard_bounce,
    inbound,
    leads,
    messaging,
    resend,
    twilio_for_tenants,
    webhook,
    webhook_tenant,
)
from tests.support.api import ApiClient
from tests.support.fake_providers import FakeTwilio

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("ssm_endpoint")]

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def tenant(tenant_id: str, fanout_queue: str) -> str:
    """A provisioned tenant whose providers' webhooks are signed with its secrets."""
    return webhook_tenant(tenant_id, fanout_queue)


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilio]:
    yield from twilio_for_tenants(monkeypatch)


def _consent(tenant_id: str, lead_id: str) -> dict[str, Any]:
    response = leads(tenant_id).get(f"/leads/{lead_id}/consent")
    assert response.status == 200, response.body
    return {a["channel"]: a for a in response.body["addresses"]}


def _send_sms(tenant_id: str, lead_id: str) -> Any:
    return messaging(tenant_id).post("/messages", {"lead_id": lead_id, "channel": "sms", "body": "Bonjour"})


def _export(tenant_id: str, role: str) -> dict[str, Any]:
    handler = leads(tenant_id).handler
    claims = {"tenant_id": tenant_id, "role": role, "sub": "user-1"}
    result: dict[str, Any] = handler(http_event("GET", "/consent/export", claims=claims), LocalContext())
    return result


# --- the opt-out holds ------------------------------------------------------------------------
def test_a_stop_by_sms_outlives_the_lead_deleted_and_created_again(
    tenant: str,
    fake_twilio: FakeTwilio,
) -> None:
    # Given a lead reachable by SMS through Twilio, who answers STOP
    first = leads(tenant).post("/leads", {"first_name": "Inès", "phone": LEAD_PHONE}).body
    channel = messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    assert channel.status == 200, channel.body
    stop_sid = "SM" + "e5" * 16
    assert webhook(inbound(tenant, "STOP", stop_sid))["statusCode"] == 200

    # When the lead is deleted and the same number writes again, as a new lead
    assert leads(tenant).delete(f"/leads/{first['id']}").status == 204
    assert webhook(inbound(tenant, "Bonjour, c'est Inès", "SM" + "f6" * 16))["statusCode"] == 200
    again = leads(tenant).get("/leads", query={"q": LEAD_PHONE}).body["items"]
    assert len(again) == 1
    assert again[0]["id"] != first["id"]

    # Then the new lead starts opted out of SMS (not of WhatsApp), and a send is refused unsent
    assert again[0]["consent"]["sms"]["granted"] is False
    assert "whatsapp" not in again[0]["consent"]
    refused = _send_sms(tenant, again[0]["id"])
    assert (refused.status, refused.body["error"]["code"]) == (409, "opted_out")

    # And created once more by a user who ticks SMS consent, it is still opted out
    assert leads(tenant).delete(f"/leads/{again[0]['id']}").status == 204
    third = leads(tenant).post(
        "/leads", {"first_name": "Inès", "phone": LEAD_PHONE, "consent": {"sms": True}}
    )
    assert third.status == 201, third.body
    assert third.body["consent"]["sms"]["granted"] is False
    # saying why in the tenant's French
    assert third.body["consent"]["sms"]["reason"].endswith("(mot-clé) ; la désinscription tient toujours")
    assert _send_sms(tenant, third.body["id"]).body["error"]["code"] == "opted_out"
    assert fake_twilio.requests == []

    # And its consent history shows the STOP, with the keyword as source and the message as proof
    history = _consent(tenant, third.body["id"])
    assert history["sms"]["granted"] is False
    assert [(e["granted"], e["source"], e["proof"], e["reason"]) for e in history["sms"]["entries"]] == [
        (False, "keyword", stop_sid, "« STOP » reçu par SMS")
    ]
    assert history["whatsapp"]["entries"] == []


def test_start_and_a_users_explicit_grant_write_the_address_back_in(
    tenant: str,
    fake_twilio: FakeTwilio,
) -> None:
    # Given a lead who opted out of SMS with STOP
    lead = leads(tenant).post("/leads", {"first_name": "Hugo", "phone": LEAD_PHONE}).body
    messaging(tenant).request(
        "PUT", "/channels/sms", json_body={"sender": OUR_NUMBER, "credentials": {"account_sid": ACCOUNT_SID}}
    )
    assert webhook(inbound(tenant, "STOP", "SM" + "a1" * 16))["statusCode"] == 200
    # When the user takes it out of SMS and back in (with the person's agreement)
    assert leads(tenant).patch(f"/leads/{lead['id']}", {"consent": {"sms": True}}).status == 200
    # Then the message goes out, and the history says who granted it, newest first
    assert _send_sms(tenant, lead["id"]).status == 201
    entries = _consent(tenant, lead["id"])["sms"]["entries"]
    assert [(e["granted"], e["source"], e["proof"]) for e in entries] == [
        (True, "user", "user-1"),
        (False, "keyword", "SM" + "a1" * 16),
    ]


def test_a_bounce_is_kept_for_the_address_and_a_new_lead_with_it_starts_revoked(tenant: str) -> None:
    # Given an e-mail that bounced for good
    lead_id, email_id = _email_lead_with_message(tenant, "ancienne@example.fr")
    bounced = hard_bounce(email_id, "ancienne@example.fr")
    assert resend(tenant, bounced, "msg_bounce_ledger")["statusCode"] == 200
    # When the lead is deleted and created again with the address typed in capitals
    assert leads(tenant).delete(f"/leads/{lead_id}").status == 204
    again = leads(tenant).post("/leads", {"first_name": "Manon", "email": "Ancienne@Example.fr"}).body
    # Then it starts revoked on e-mail, and the history names the bounce and the provider's message
    assert again["consent"]["email"]["granted"] is False
    (entry,) = _consent(tenant, again["id"])["email"]["entries"]
    assert (entry["source"], entry["proof"]) == ("bounce", email_id)


def test_a_csv_import_again_keeps_the_opt_out_and_refuses_the_row(tenant_id: str) -> None:
    # Given a lead a user took out of SMS, then deleted
    _prospection_tenant(tenant_id, Mode.AUTO)
    prospection, lead_api = ApiClient(PROSPECTION, tenant_id), leads(tenant_id)
    lead = lead_api.post("/leads", {"first_name": "Sophie", "phone": "+33612345678"}).body
    assert lead_api.patch(f"/leads/{lead['id']}", {"consent": {"sms": False}}).status == 200
    assert lead_api.delete(f"/leads/{lead['id']}").status == 204
    # When a CSV with that number is imported into an SMS campaign
    campaign_id = _campaign(prospection, _scenario(prospection))
    response = prospection.post(
        f"/campaigns/{campaign_id}/prospects", {"csv": "prénom;téléphone\nSophie;06 12 34 56 78\n"}
    )
    # Then the row is refused as opted out: the lead it created starts revoked on SMS
    assert response.status == 200, response.body
    (rejected,) = response.body["rejected"]
    assert rejected["code"] == "opted_out"
    assert lead_api.get(f"/leads/{rejected['lead_id']}").body["consent"]["sms"]["granted"] is False
    (entry,) = _consent(tenant_id, rejected["lead_id"])["sms"]["entries"]
    assert (entry["granted"], entry["source"], entry["proof"]) == (False, "user", "user-1")


def test_another_tenants_lead_has_no_consent_to_show(tenant: str, other_tenant_id: str) -> None:
    lead = leads(tenant).post("/leads", {"first_name": "Léa", "phone": LEAD_PHONE}).body
    assert leads(other_tenant_id).get(f"/leads/{lead['id']}/consent").status == 404


# --- the export -------------------------------------------------------------------------------
def test_an_admin_exports_the_ledger_as_csv_and_a_member_may_not(tenant: str) -> None:
    # Given two changes of consent of two addresses
    lead = (
        leads(tenant)
        .post("/leads", {"first_name": "Léa", "phone": LEAD_PHONE, "email": "lea@example.fr"})
        .body
    )
    assert (
        leads(tenant).patch(f"/leads/{lead['id']}", {"consent": {"sms": False, "email": False}}).status == 200
    )
    # When an admin exports the ledger
    exported = _export(tenant, "admin")
    # Then it is a French spreadsheet: UTF-8 with its mark, ";" between cells, one row per change
    assert exported["statusCode"] == 200
    assert exported["headers"]["Content-Type"].startswith("text/csv")
    text = exported["body"]
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    # with its header and its words in French
    assert sorted(
        (r["canal"], r["adresse"], r["consentement"], r["source"], r["preuve"], r["motif"]) for r in rows
    ) == [
        ("email", "lea@example.fr", "retiré", "utilisateur", "user-1", "modifié par un utilisateur"),
        ("sms", LEAD_PHONE, "retiré", "utilisateur", "user-1", "modifié par un utilisateur"),
    ]
    # And a member is refused
    assert _export(tenant, "member")["statusCode"] == 403


# --- access patterns ----------------------------------------------------------------------------
def _entry(granted: bool, at: datetime, proof: str, address: str = "+33611223344") -> ConsentEntry:
    return ConsentEntry(
        channel=Channel.SMS,
        address=address,
        granted=granted,
        at=at,
        source=ConsentSource.KEYWORD,
        proof=proof,
    )


def test_ap46_an_address_keeps_its_latest_state_and_its_whole_history(
    tenant_id: str, other_tenant_id: str
) -> None:
    ledger = ConsentRepository(tenant_id)
    # Given a STOP, then a START an hour later
    assert ledger.record(_entry(False, NOW, "SM1")) is True
    assert ledger.record(_entry(True, NOW + timedelta(hours=1), "SM2")) is True
    # When a STOP older than the START arrives late (providers deliver out of order)
    assert ledger.record(_entry(False, NOW + timedelta(minutes=30), "SM3")) is False
    # Then the state stays the START, and the history has all three, newest first
    latest = ledger.latest({Channel.SMS: "+33611223344", Channel.WHATSAPP: "+33611223344"})
    assert list(latest) == [Channel.SMS]
    assert latest[Channel.SMS].proof == "SM2"
    assert [e.proof for e in ledger.history(Channel.SMS, "+33611223344", 50)] == ["SM2", "SM3", "SM1"]
    assert [e.proof for e in ledger.history(Channel.SMS, "+33611223344", 2)] == ["SM2", "SM3"]
    # And another tenant sees none of it
    assert ConsentRepository(other_tenant_id).latest({Channel.SMS: "+33611223344"}) == {}


def test_ap47_the_ledger_export_reads_only_the_tenants_entries(tenant_id: str, other_tenant_id: str) -> None:
    ConsentRepository(tenant_id).record(_entry(False, NOW, "SM1"))
    ConsentRepository(tenant_id).record(_entry(False, NOW, "SM2", address="+33699887766"))
    ConsentRepository(other_tenant_id).record(_entry(False, NOW, "SM3"))
    # The state items are not entries: two changes, two rows
    assert sorted(e.proof or "" for e in ConsentRepository(tenant_id).iter_entries()) == ["SM1", "SM2"]
