"""Activities, timelines and reply understanding through the handler, on a real DynamoDB API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.dal.budget import BudgetRepository
from maxcore.models.lead import CreateLeadRequest
from maxcore.services.leads import LeadService
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.fake_llm import FakeChatCompletions, tool_call
from tests.support.fake_llm import answer as fake_answer
from tests.support.fake_llm import error as fake_error
from tests.support.tenants import settings_only

pytestmark = pytest.mark.integration

ALERTS = "functions/alerts/"


@pytest.fixture
def api(tenant_id: str) -> ApiClient:
    return ApiClient(ALERTS, settings_only(tenant_id), role="member", sub="rep-1")


@pytest.fixture
def lead_id(tenant_id: str) -> str:
    settings_only(tenant_id)
    return LeadService(tenant_id).create(CreateLeadRequest(first_name="Sophie", phone="06 12 34 56 78")).id


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _log(api: ApiClient, lead_id: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/activities", {"lead_id": lead_id, **fields})
    assert response.status == 201, response.body
    return dict(response.body)


def test_an_activity_updates_the_lead_summary_in_the_same_write(
    api: ApiClient, tenant_id: str, lead_id: str
) -> None:
    sent_at = datetime.now(UTC) - timedelta(days=2)
    _log(api, lead_id, channel="whatsapp", direction="out", status="delivered", occurred_at=_iso(sent_at))

    summary = LeadService(tenant_id).get(lead_id).summary
    assert summary.last_outbound_at == sent_at
    assert summary.last_outbound_by_channel["whatsapp"] == sent_at
    assert summary.last_contact_at == sent_at
    assert summary.daily_counts[sent_at.date().isoformat()]["whatsapp"] == [1, 0]


def test_an_inbound_reply_gets_its_intent_and_cues(api: ApiClient, tenant_id: str, lead_id: str) -> None:
    body = _log(
        api,
        lead_id,
        channel="sms",
        direction="in",
        status="replied",
        preview="Oui ça m'intéresse, c'est combien ?",
    )

    assert body["intent"] == "interested"
    assert body["metadata"]["intent_cues"]
    summary = LeadService(tenant_id).get(lead_id).summary
    assert summary.last_intent == "interested"
    assert summary.last_inbound_by_channel["sms"] is not None


def test_stop_revokes_consent_on_that_channel_only_and_says_why(
    api: ApiClient, tenant_id: str, lead_id: str
) -> None:
    _log(api, lead_id, channel="sms", direction="in", status="replied", preview="STOP")

    lead = LeadService(tenant_id).get(lead_id)
    assert lead.consent["sms"].granted is False
    assert lead.consent["sms"].reason.startswith("réponse de désinscription le ")
    assert "whatsapp" not in lead.consent


def test_an_out_of_office_reply_records_the_return_date(api: ApiClient, tenant_id: str, lead_id: str) -> None:
    received = datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
    _log(
        api,
        lead_id,
        channel="email",
        direction="in",
        status="replied",
        preview="Réponse automatique : je suis en congés, de retour le 5 janvier.",
        occurred_at=_iso(received),
    )

    summary = LeadService(tenant_id).get(lead_id).summary
    # Monday 5 January is a working day: the lead is back that day
    assert summary.out_of_office_until == datetime(2026, 1, 5, tzinfo=UTC)
    # And an absence notice is no reply: neither the last inbound time nor the last intent move
    assert (summary.last_inbound_at, summary.last_intent) == (None, None)


def test_the_timeline_merges_activities_and_alerts_newest_first_and_pages_without_gaps(
    api: ApiClient, lead_id: str
) -> None:
    # Given five messages sent a day apart, the last one six days ago: each one logged re-evaluates
    # the lead, so each opens a NoReply3d alert for its episode and resolves the one before it
    start = datetime.now(UTC) - timedelta(days=10)
    logged = [
        _log(
            api,
            lead_id,
            channel="email",
            direction="out",
            status="sent",
            occurred_at=_iso(start + timedelta(days=i)),
        )
        for i in range(5)
    ]

    # When the timeline is read two entries at a time
    first = api.get(f"/leads/{lead_id}/timeline", query={"limit": "2"})
    assert first.status == 200, first.body
    entries = list(first.body["items"])
    cursor = first.body["next_cursor"]
    while cursor:
        page = api.get(f"/leads/{lead_id}/timeline", query={"limit": "2", "cursor": cursor}).body
        entries += page["items"]
        cursor = page["next_cursor"]

    # Then the five alerts (opened just now) come first, newest first, only the last one still open
    assert [e["kind"] for e in entries] == ["alert"] * 5 + ["activity"] * 5
    alerts = [e["alert"] for e in entries[:5]]
    assert [a["state"] for a in alerts] == ["open"] + ["resolved"] * 4
    assert {a["type"] for a in alerts} == {"NoReply3d"}
    assert all("nouvelle occurrence" in a["resolution"] for a in alerts[1:])
    # And the activities follow, newest first, none missing nor repeated across pages
    assert [e["activity"]["id"] for e in entries[5:]] == [a["id"] for a in reversed(logged)]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)


def test_a_forged_timeline_cursor_is_a_422(api: ApiClient, lead_id: str) -> None:
    response = api.get(f"/leads/{lead_id}/timeline", query={"cursor": "eyJ2IjoyLCJiZWZvcmUiOiJ4In0"})
    assert response.status == 422, response.body


@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"channel": "fax", "direction": "out"}, 422, "channel"),
        ({"channel": "sms", "direction": "sideways"}, 422, "direction"),
        ({"channel": "sms", "direction": "out", "occurred_at": "2099-01-01T00:00:00Z"}, 422, "futur"),
        ({"channel": "sms", "direction": "out", "occurred_at": "2026-01-01T00:00:00"}, 422, "fuseau horaire"),
        ({"channel": "sms", "direction": "out", "colour": "red"}, 422, "colour"),
    ],
)
def test_bad_activities_are_refused_and_write_nothing(
    api: ApiClient, tenant_id: str, lead_id: str, fields: dict[str, Any], status: int, named: str
) -> None:
    before = LeadService(tenant_id).get(lead_id)

    response = api.post("/activities", {"lead_id": lead_id, **fields})

    assert response.status == status, response.body
    assert named in str(response.body["error"])
    assert LeadService(tenant_id).get(lead_id).version == before.version
    assert api.get(f"/leads/{lead_id}/timeline").body["items"] == []


def test_an_unknown_or_foreign_lead_is_a_404(api: ApiClient, lead_id: str, other_tenant_id: str) -> None:
    stranger = ApiClient(ALERTS, other_tenant_id, role="admin", sub="x")

    refused = stranger.post("/activities", {"lead_id": lead_id, "channel": "sms", "direction": "out"})
    assert refused.status == 404
    assert stranger.get(f"/leads/{lead_id}/timeline").status == 404
    assert api.get(f"/leads/{lead_id}/timeline").body["items"] == []


def test_a_cursor_of_another_list_is_a_422(api: ApiClient, lead_id: str) -> None:
    # A lead id is a cursor of GET /leads, not of a timeline, which pages by time and id.
    response = api.get(f"/leads/{lead_id}/timeline", query={"cursor": "01J0000000000000000000000A"})
    assert response.status == 422


@pytest.mark.parametrize(
    ("text", "intent", "hot"),
    [
        ("Bonjour, quel est le tarif pour 3 séances ?", "question", True),
        ("ok pour un rdv demain 14h", "meeting_request", True),
        ("Non merci, pas intéressé", "not_interested", False),
        ("STOP", "unsubscribe", False),
        ("I am currently out of office", "out_of_office", False),
        ("Merci", "neutral", False),
    ],
)
def test_classify_says_the_intent_and_why(api: ApiClient, text: str, intent: str, hot: bool) -> None:
    response = api.post("/replies/classify", {"text": text})

    assert response.status == 200, response.body
    assert response.body["intent"] == intent
    assert response.body["hot"] is hot
    if intent != "neutral":
        assert response.body["cues"][0]["intent"] == intent


@pytest.mark.parametrize(
    ("text", "survey_score", "confirmation"),
    [("5/5", 5, None), ("OUI", None, True), ("Désolé, je dois annuler", None, False), ("Merci", None, None)],
)
def test_classify_reads_a_survey_score_and_a_confirmation(
    api: ApiClient, text: str, survey_score: int | None, confirmation: bool | None
) -> None:
    # Given a short answer that means something only after a survey or a reminder
    response = api.post("/replies/classify", {"text": text})
    # Then both readings are returned beside the intent, for the caller who knows what was asked
    assert response.status == 200, response.body
    assert (response.body["survey_score"], response.body["confirmation"]) == (survey_score, confirmation)


def test_classify_refuses_an_empty_text(api: ApiClient) -> None:
    assert api.post("/replies/classify", {"text": ""}).status == 422


# --- the language model's second opinion -------------------------------------------------------------
AMBIGUOUS = "Jeudi 14h ça vous irait pour en parler de vive voix ?"


def _balance(tenant_id: str) -> int:
    return BudgetRepository(tenant_id).get().balance


def test_the_model_refines_an_intent_for_two_tokens(
    api: ApiClient, tenant_id: str, llm: FakeChatCompletions
) -> None:
    provision_tenant(tenant_id, "Institut")
    before = _balance(tenant_id)
    llm.script.append(
        tool_call("report_intent", {"intent": "meeting_request", "reason": "Propose un créneau."})
    )

    response = api.post("/replies/classify", {"text": AMBIGUOUS, "refine": True})

    assert response.status == 200, response.body
    body = response.body
    assert (body["intent"], body["hot"], body["source"]) == ("meeting_request", True, "llm")
    assert body["refinement"]["used"] is True
    assert body["refinement"]["model_intent"] == "meeting_request"
    assert body["refinement"]["reason"] == "Propose un créneau."
    # The model saw the reply as data, with the rules' reading, and one tool to answer with
    sent = llm.requests[-1]
    assert sent["messages"][-1] == {"role": "user", "content": AMBIGUOUS}
    assert [t["function"]["name"] for t in sent["tools"]] == ["report_intent"]
    assert _balance(tenant_id) == before - 2


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (fake_error(500), "le modèle de langage n'a pas répondu"),
        (
            tool_call("report_intent", {"intent": "enthusiastic", "reason": "?"}),
            "aucune intention exploitable",
        ),
        (fake_answer("je ne sais pas"), "aucune intention exploitable"),
    ],
    ids=["model-error", "unknown-intent", "no-tool-call"],
)
def test_a_failed_refinement_keeps_the_rules_answer_and_refunds(
    api: ApiClient, tenant_id: str, llm: FakeChatCompletions, reply: dict[str, Any], reason: str
) -> None:
    provision_tenant(tenant_id, "Institut")
    before = _balance(tenant_id)
    llm.script.append(reply)
    rules = api.post("/replies/classify", {"text": AMBIGUOUS}).body

    response = api.post("/replies/classify", {"text": AMBIGUOUS, "refine": True})

    assert response.status == 200, response.body
    assert response.body["intent"] == rules["intent"]
    assert response.body["source"] == "rules"
    assert response.body["refinement"]["used"] is False
    assert reason in response.body["refinement"]["reason"]
    assert _balance(tenant_id) == before


def test_without_a_model_the_rules_answer_stands(
    api: ApiClient, tenant_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ASSISTANT_API_KEY", "OPENAI_API_KEY", "ASSISTANT_API_KEY_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    response = api.post("/replies/classify", {"text": "STOP", "refine": True})
    assert response.status == 200, response.body
    assert response.body["intent"] == "unsubscribe"
    assert response.body["refinement"] == {
        "used": False,
        "rules_intent": "unsubscribe",
        "model_intent": None,
        "reason": "aucun modèle de langage n'est configuré",
    }
