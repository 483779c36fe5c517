"""The living alerts and recommendations through the handler, on a real DynamoDB API.

Histories are built relative to the real clock (the handler's), with leads and activities written
by the services at past times, as they would have been written then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.clock import utcnow
from maxcore.models.activity import CreateActivityRequest
from maxcore.models.common import Channel
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.template import CreateTemplateRequest, TemplateCategory
from maxcore.models.tenant import Locale
from maxcore.services.activities import ActivityService
from maxcore.services.leads import LeadService
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import provision_tenant
from tests.support.api import ApiClient
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

ALERTS = "functions/alerts/"


@pytest.fixture
def member(tenant_id: str) -> ApiClient:
    return ApiClient(ALERTS, settings_only(tenant_id), role="member", sub="rep-1")


@pytest.fixture
def admin(tenant_id: str) -> ApiClient:
    return ApiClient(ALERTS, settings_only(tenant_id), role="admin", sub="boss-1")


def _lead(tenant_id: str, age: timedelta, **fields: Any) -> str:
    created_at = utcnow() - age
    return LeadService(tenant_id, clock=lambda: created_at).create(CreateLeadRequest(**fields)).id


def _log(tenant_id: str, lead_id: str, ago: timedelta, **fields: Any) -> None:
    ActivityService(tenant_id).log(
        CreateActivityRequest(lead_id=lead_id, occurred_at=datetime.now(UTC) - ago, **fields)
    )


def _alerts(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    response = api.get("/alerts", query=query)
    assert response.status == 200, response.body
    return list(response.body["items"])


@pytest.fixture
def histories(tenant_id: str) -> dict[str, str]:
    """Four leads: never contacted for 8 days, unanswered for 4 days, hot for 2 hours, brand new."""
    provision_tenant(tenant_id, "Institut Bella")
    silent = _lead(tenant_id, timedelta(days=8), first_name="Jean", last_name="Dupont", phone="0611111111")
    waiting = _lead(tenant_id, timedelta(days=20), company="Restaurant Bella", phone="0622222222")
    _log(tenant_id, waiting, timedelta(days=4), channel="whatsapp", direction="out", status="delivered")
    hot = _lead(tenant_id, timedelta(days=30), first_name="Sophie", email="sophie@example.com")
    _log(tenant_id, hot, timedelta(days=2), channel="email", direction="out", status="sent")
    _log(
        tenant_id,
        hot,
        timedelta(hours=2),
        channel="email",
        direction="in",
        status="replied",
        preview="Bonjour, quel est le prix pour 10 personnes ?",
    )
    fresh = _lead(tenant_id, timedelta(minutes=5), first_name="Nouveau")
    return {"silent": silent, "waiting": waiting, "hot": hot, "fresh": fresh}


def test_generation_opens_each_alert_once_and_a_rerun_changes_nothing(
    admin: ApiClient, histories: dict[str, str]
) -> None:
    # The logged activities already evaluated their leads: only the never-contacted lead is new
    first = admin.post("/alerts/generate")
    assert first.status == 200, first.body
    assert first.body["leads"] == 4
    assert first.body["opened"] == 1
    assert first.body["conflicts"] == 0

    second = admin.post("/alerts/generate")
    assert second.body == {
        "leads": 4,
        "opened": 0,
        "resolved": 0,
        "unchanged": 4,
        "preferred_channel_changed": 0,
        "conflicts": 0,
    }
    alerts = _alerts(admin)
    by_lead = {(a["lead_id"], a["type"]) for a in alerts}
    assert by_lead == {
        (histories["silent"], "NoContact7d"),
        (histories["waiting"], "NoReply3d"),
        (histories["hot"], "HotLead24h"),
    }


def test_alerts_come_by_severity_then_oldest_first_with_the_seed_fields(
    admin: ApiClient, member: ApiClient, histories: dict[str, str]
) -> None:
    admin.post("/alerts/generate")
    alerts = _alerts(member)
    assert [a["severity"] for a in alerts] == ["urgent", "medium", "medium"]
    # Within a severity, the alert that waits longest first
    assert alerts[1]["created_at"] <= alerts[2]["created_at"]
    hot = alerts[0]
    assert hot["lead_name"] == "Sophie"
    assert hot["type"] == "HotLead24h"
    assert "Sophie" in hot["message"]
    assert hot["suggested_action"]
    assert hot["metadata"]["intent"] == "question"
    actions = [c["action"] for c in hot["cta"]]
    assert actions == ["openEmail", "draftMessage", "resolveAlert"]
    assert hot["cta"][-1]["params"]["alertId"] == hot["id"]
    # The reason: the rule's inputs and thresholds
    waiting = next(a for a in alerts if a["type"] == "NoReply3d")
    assert waiting["metadata"]["threshold_days"] == 3
    assert waiting["metadata"]["days_since_last_outbound"] == 4


def test_filters_by_severity_type_and_lead(member: ApiClient, histories: dict[str, str]) -> None:
    assert [a["type"] for a in _alerts(member, severity="urgent")] == ["HotLead24h"]
    assert [a["lead_id"] for a in _alerts(member, type="NoReply3d")] == [histories["waiting"]]
    assert [a["type"] for a in _alerts(member, lead_id=histories["hot"])] == ["HotLead24h"]
    assert _alerts(member, severity="low") == []
    for bad in ({"severity": "critical"}, {"type": "NoReply9d"}, {"lead_id": "nope"}, {"limit": "0"}):
        response = member.get("/alerts", query=bad)
        assert response.status == 422, (bad, response.body)


def test_pages_cover_every_alert_once(admin: ApiClient, histories: dict[str, str]) -> None:
    admin.post("/alerts/generate")
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        page = admin.get("/alerts", query=query).body
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [a["id"] for a in _alerts(admin)]
    assert len(seen) == 3
    assert admin.get("/alerts", query={"cursor": "bm90LWEtY3Vyc29y"}).status == 422


def test_stats_count_the_open_alerts_and_the_banner(admin: ApiClient, histories: dict[str, str]) -> None:
    admin.post("/alerts/generate")
    stats = admin.get("/alerts/stats")
    assert stats.status == 200, stats.body
    assert stats.body["total"] == 3
    assert stats.body["urgent"] == 1
    assert stats.body["by_severity"]["medium"] == 2
    assert stats.body["by_type"]["NoContact7d"] == 1
    assert stats.body["by_type"]["StaleLead30d"] == 0
    assert stats.body["banner"] == {"to_follow_up": 2, "hot_leads": 1, "preferred_channel": 0}


def test_a_user_resolve_is_kept_and_the_same_episode_does_not_reopen(
    admin: ApiClient, member: ApiClient, histories: dict[str, str]
) -> None:
    waiting = next(a for a in _alerts(member) if a["type"] == "NoReply3d")

    resolved = member.post(f"/alerts/{waiting['id']}/resolve", {"note": "appelé, rappelle lundi"})
    assert resolved.status == 200, resolved.body
    assert resolved.body["state"] == "resolved"
    assert resolved.body["resolved_by"] == "rep-1"
    assert resolved.body["resolution"] == "Marquée comme traitée : appelé, rappelle lundi"

    # Generation runs again: the same unanswered message does not reopen it
    assert admin.post("/alerts/generate").body["opened"] == 1  # the never-contacted lead only
    assert admin.post("/alerts/generate").body["opened"] == 0
    assert all(a["id"] != waiting["id"] and a["type"] != "NoReply3d" for a in _alerts(member))
    assert [a["id"] for a in _alerts(member, state="resolved")] == [waiting["id"]]

    # Resolving again changes nothing
    again = member.post(f"/alerts/{waiting['id']}/resolve")
    assert again.status == 200
    assert again.body["resolved_at"] == resolved.body["resolved_at"]
    assert again.body["resolution"] == resolved.body["resolution"]


def test_a_new_unanswered_message_after_a_user_resolve_opens_a_new_alert(
    tenant_id: str, member: ApiClient, histories: dict[str, str]
) -> None:
    waiting = next(a for a in _alerts(member) if a["type"] == "NoReply3d")
    member.post(f"/alerts/{waiting['id']}/resolve")
    # A new message, itself unanswered for 3 days: a new episode
    _log(tenant_id, histories["waiting"], timedelta(days=3), channel="whatsapp", direction="out")
    fresh = [a for a in _alerts(member) if a["type"] == "NoReply3d"]
    assert len(fresh) == 1
    assert fresh[0]["id"] != waiting["id"]


def test_a_reply_resolves_no_reply_at_once_with_the_reason(
    tenant_id: str, member: ApiClient, histories: dict[str, str]
) -> None:
    waiting = next(a for a in _alerts(member) if a["type"] == "NoReply3d")
    _log(
        tenant_id,
        histories["waiting"],
        timedelta(minutes=1),
        channel="whatsapp",
        direction="in",
        status="replied",
        preview="Bien reçu, je regarde ça",
    )
    alert = member.get(f"/alerts/{waiting['id']}").body
    assert alert["state"] == "resolved"
    assert alert["resolved_by"] == "system"
    assert alert["resolution"].startswith("Le lead a répondu le ")
    assert all(a["type"] != "NoReply3d" for a in _alerts(member))
    # The timeline shows the alert among the lead's activities
    timeline = member.get(f"/leads/{histories['waiting']}/timeline").body["items"]
    # (the alert opened when the message was logged, after the message's own time)
    assert [e["kind"] for e in timeline] == ["alert", "activity", "activity"]


def test_converting_a_lead_resolves_its_follow_up_alerts_at_once(
    tenant_id: str, member: ApiClient, histories: dict[str, str]
) -> None:
    waiting = next(a for a in _alerts(member) if a["type"] == "NoReply3d")
    leads = ApiClient("functions/leads/", tenant_id, role="member", sub="rep-1")
    response = leads.request("PATCH", f"/leads/{histories['waiting']}", json_body={"status": "converted"})
    assert response.status == 200, response.body
    alert = member.get(f"/alerts/{waiting['id']}").body
    assert alert["state"] == "resolved"
    assert alert["resolution"] == "Le lead est converti : plus de relance."


def test_deleting_a_lead_resolves_its_open_alerts(
    tenant_id: str, member: ApiClient, histories: dict[str, str]
) -> None:
    hot = next(a for a in _alerts(member) if a["type"] == "HotLead24h")
    LeadService(tenant_id).delete(histories["hot"])
    assert all(a["lead_id"] != histories["hot"] for a in _alerts(member))
    alert = member.get(f"/alerts/{hot['id']}").body
    assert alert["state"] == "resolved"
    assert alert["resolution"] == "Le lead a été supprimé."


@pytest.mark.parametrize(
    ("locale", "waiting_for", "resolution"),
    [
        ("fr", "n'a pas répondu depuis 1 jour.", "Le lead est converti : plus de relance."),
        ("en", "hasn't replied in 1 day.", "the lead is converted: no more follow-ups"),
    ],
)
def test_an_alert_reads_in_the_tenant_s_language_with_its_count_agreeing(
    tenant_id: str, member: ApiClient, locale: str, waiting_for: str, resolution: str
) -> None:
    # Given a tenant in ``locale`` that follows up after 1 day without reply
    tenants = ApiClient("functions/tenants/", tenant_id, role="admin")
    settings = {"locale": locale, "alert_thresholds": {"no_reply_days": 1}}
    assert tenants.patch("/tenant", settings).status == 200
    # When a message to a lead stays unanswered for a day
    lead_id = _lead(tenant_id, timedelta(days=5), first_name="Jean", phone="0611111111")
    _log(tenant_id, lead_id, timedelta(days=1, hours=1), channel="whatsapp", direction="out")
    # Then its alert says "1 jour" / "1 day", in the tenant's language
    (alert,) = [a for a in _alerts(member) if a["lead_id"] == lead_id]
    assert waiting_for in alert["message"], alert["message"]
    # And converting the lead resolves it, saying why in that language too
    leads = ApiClient("functions/leads/", tenant_id, role="member", sub="rep-1")
    assert leads.request("PATCH", f"/leads/{lead_id}", json_body={"status": "converted"}).status == 200
    assert member.get(f"/alerts/{alert['id']}").body["resolution"] == resolution


def test_another_tenants_alerts_are_invisible(
    member: ApiClient, other_tenant_id: str, histories: dict[str, str]
) -> None:
    alert = _alerts(member)[0]
    stranger = ApiClient(ALERTS, settings_only(other_tenant_id, "Another Shop"), role="admin", sub="intruder")
    assert stranger.get(f"/alerts/{alert['id']}").status == 404
    assert stranger.post(f"/alerts/{alert['id']}/resolve").status == 404
    assert stranger.get("/alerts").body["items"] == []
    assert stranger.get("/alerts", query={"lead_id": histories["hot"]}).body["items"] == []
    assert stranger.get("/alerts/stats").body["total"] == 0
    assert stranger.post("/alerts/generate").body["leads"] == 0
    # And nothing of the first tenant changed
    assert member.get(f"/alerts/{alert['id']}").body["state"] == "open"


def test_only_admins_generate_and_unknown_alerts_are_404(member: ApiClient) -> None:
    assert member.post("/alerts/generate").status == 403
    assert member.get("/alerts/01J0000000000000000000000Z").status == 404
    assert member.post("/alerts/01J0000000000000000000000Z/resolve").status == 404
    assert member.get("/alerts/not-an-id").status == 422
    assert member.post("/alerts/01J0000000000000000000000Z/resolve", {"note": "x" * 501}).status == 422


def test_the_preferred_channel_is_stored_on_the_lead_and_alerted_when_it_stands_out(
    tenant_id: str, member: ApiClient
) -> None:
    lead = _lead(
        tenant_id, timedelta(days=20), first_name="Lina", phone="0633333333", email="lina@example.com"
    )
    for days in (10, 8):
        _log(tenant_id, lead, timedelta(days=days), channel="email", direction="out")
        _log(tenant_id, lead, timedelta(days=days, hours=-1), channel="whatsapp", direction="out")
        _log(
            tenant_id, lead, timedelta(days=days, hours=-2), channel="whatsapp", direction="in", preview="ok"
        )
    stored = LeadService(tenant_id).get(lead).summary.preferred_channel
    assert stored is not None
    assert stored.value == "whatsapp"
    preferred = _alerts(member, type="PreferredChannel")
    assert [a["lead_id"] for a in preferred] == [lead]
    # Its reason: the rates when it opened (WhatsApp answered, e-mail never) and the rule's limits
    metadata = preferred[0]["metadata"]
    assert metadata["runner_up"] == "email"
    assert metadata["runner_up_rate"] == 0
    assert metadata["gap_points"] > metadata["min_gap_points"] == 30
    assert "WhatsApp" in preferred[0]["message"]


def test_recommendations_list_the_follow_ups_with_a_template(tenant_id: str, member: ApiClient) -> None:
    provision_tenant(tenant_id, "Institut Bella", locale=Locale.FR)
    opened = _lead(tenant_id, timedelta(days=10), first_name="Olga", email="olga@example.com")
    _log(tenant_id, opened, timedelta(hours=40), channel="email", direction="out", status="sent")
    _log(tenant_id, opened, timedelta(hours=30), channel="email", direction="out", status="opened")
    silent = _lead(tenant_id, timedelta(days=10), first_name="Paul", phone="0644444444")
    _log(tenant_id, silent, timedelta(days=5), channel="sms", direction="out", status="sent")
    answered = _lead(tenant_id, timedelta(days=10), first_name="Rita", phone="0655555555")
    _log(tenant_id, answered, timedelta(days=5), channel="sms", direction="out", status="sent")
    _log(tenant_id, answered, timedelta(days=4), channel="sms", direction="in", preview="on en reparle")

    # The tenant's own active SMS follow-up (the built-in library has none for SMS)
    templates = TemplateService(tenant_id, actor="rep-1")
    own = templates.create(
        CreateTemplateRequest(
            channel=Channel.SMS,
            name="Relance SMS",
            category=TemplateCategory.FOLLOW_UP,
            body="Bonjour {{firstName}} !",
        )
    )
    templates.activate(own.id)

    response = member.get("/recommendations")
    assert response.status == 200, response.body
    items = response.body["items"]
    # A reply stops everything; the opened message comes before the silence
    assert [(i["lead_id"], i["kind"], i["priority"]) for i in items] == [
        (opened, "follow_up_opened", 1),
        (silent, "follow_up_silence", 3),
    ]
    assert response.body["total"] == 2
    first = items[0]
    assert first["lead_name"] == "Olga"
    assert first["channel"] == "email"
    assert "Olga" in first["reason"]
    template = first["suggested_template"]
    assert template is not None
    assert template["channel"] == "email"
    assert template["locale"] == "fr"
    assert items[1]["suggested_template"]["id"] == own.id
    assert member.get("/recommendations", query={"limit": "1"}).body["total"] == 2
    assert member.get("/recommendations", query={"limit": "500"}).status == 422
