"""The M.A.X. assistant through its handler: the real openai SDK against a local chat-completions fake.

Each test scripts the model's replies (tool calls, a final answer, a malformed call, an error status)
and checks what the assistant did with them on a real DynamoDB API: drafts written, tokens reserved
then committed or refunded, the conversation kept per tenant and user.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from maxcore.dal.budget import BudgetRepository
from maxcore.models.budget import LedgerKind
from maxcore.models.lead import CreateLeadRequest
from maxcore.models.tenant import Locale, Mode, UpdateTenantRequest
from maxcore.services.budget import month_of
from maxcore.services.leads import LeadService
from maxcore.services.tenants import TenantService, provision_tenant
from maxcore.settings import reset_settings
from tests.support.api import ApiClient
from tests.support.fake_llm import (
    FakeChatCompletions,
    answer,
    error,
    fake_chat_completions,
    tool_call,
    tool_calls,
)

pytestmark = pytest.mark.integration

ASSISTANT = "functions/assistant/"
TEMPLATES = "functions/templates/"
CHAT_COST = 3

EMAIL_DRAFT = {
    "channel": "email",
    "name": "Relance leads froids",
    "category": "follow_up",
    "subject": "Nous pensons à vous, {{firstName|}}",
    "content": (
        "Bonjour {{firstName|Madame, Monsieur}},\n\nAvez-vous pu avancer sur votre projet chez {{company}} ?"
    ),
    "variables": [],
}


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatCompletions]:
    """The fake model, and the assistant configured to use it (key from the environment)."""
    with fake_chat_completions() as fake:
        monkeypatch.setenv("ASSISTANT_API_KEY", "sk-test-local")
        monkeypatch.setenv("ASSISTANT_BASE_URL", fake.url)
        monkeypatch.setenv("ASSISTANT_MODEL", "gpt-4o")
        monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
        reset_settings()
        yield fake
    reset_settings()


@pytest.fixture
def tenant(tenant_id: str) -> str:
    provision_tenant(tenant_id, "Institut Belle Peau")
    return tenant_id


@pytest.fixture
def rep(tenant: str) -> ApiClient:
    return ApiClient(ASSISTANT, tenant, role="member", sub="rep-1")


@pytest.fixture
def templates(tenant: str) -> ApiClient:
    return ApiClient(TEMPLATES, tenant, role="member", sub="rep-1")


def _balance(tenant_id: str) -> int:
    return BudgetRepository(tenant_id).get().balance


def _tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool"]


def _max_drafts(templates: ApiClient) -> list[dict[str, Any]]:
    return templates.get("/templates", query={"generated_by": "max"}).body["items"]


def test_a_draft_made_in_the_chat_is_listed_validated_by_a_human_and_rendered(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    # Given a model that calls create_template_draft, then answers once it has the tool's result
    def final(body: dict[str, Any]) -> dict[str, Any]:
        result = _tool_results(body)[-1]
        return answer(f"J'ai préparé le brouillon {result['template_id']}.")

    llm.script += [tool_call("create_template_draft", EMAIL_DRAFT), final]
    balance = _balance(tenant)

    # When the rep asks M.A.X. for a follow-up e-mail
    response = rep.post(
        "/assistant/chat", {"message": "MAX, crée-moi un email de relance pour les leads froids"}
    )

    # Then the reply, in French, confirms the draft with its id, as the activation plan shows
    assert response.status == 200, response.body
    body = response.body
    [draft] = body["drafts"]
    template_id = draft["template_id"]
    assert draft["action"] == "created"
    assert f"Brouillon créé : Template #{template_id}" in body["reply"]
    assert body["reply"].startswith(f"J'ai préparé le brouillon {template_id}.")
    assert body["tool_calls"] == [{"name": "create_template_draft", "ok": True, "error": None}]
    assert body["tokens_spent"] == CHAT_COST
    assert _balance(tenant) == balance - CHAT_COST

    # And the real SDK sent the key, the model, the four tools and the system prompt in French
    first = llm.requests[0]
    assert llm.headers[0]["authorization"] == "Bearer sk-test-local"
    assert first["model"] == "gpt-4o"
    assert {t["function"]["name"] for t in first["tools"]} == {
        "create_template_draft",
        "update_template_draft",
        "list_templates",
        "render_template",
    }
    assert "$ref" not in json.dumps(first["tools"])
    assert first["messages"][0]["role"] == "system"
    assert "French" in first["messages"][0]["content"]
    assert _tool_results(llm.requests[1])[0]["status"] == "draft"

    # And the draft is listed as a draft written by M.A.X.
    [listed] = templates.get("/templates", query={"generated_by": "max", "status": "draft"}).body["items"]
    assert listed["id"] == template_id
    assert listed["generated_by"] == "max"
    assert listed["status"] == "draft"

    # When a human activates it, it validates and becomes active
    activated = templates.post(f"/templates/{template_id}/activate")
    assert activated.status == 200, activated.body
    assert activated.body["status"] == "active"
    assert activated.body["validated_by"] == "rep-1"

    # And it renders for a lead, the missing first name falling back
    lead = LeadService(tenant).create(CreateLeadRequest(company="Spa Lumière", email="contact@spa.fr"))
    rendered = templates.post(f"/templates/{template_id}/render", {"lead_id": lead.id})
    assert rendered.status == 200, rendered.body
    assert rendered.body["body"].startswith("Bonjour Madame, Monsieur,")
    assert "chez Spa Lumière" in rendered.body["body"]
    assert rendered.body["fallbacks"] == ["firstName"]
    assert rendered.body["missing"] == []


def test_the_reply_is_in_english_for_an_english_tenant(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient
) -> None:
    TenantService(tenant).update(UpdateTenantRequest(locale=Locale.EN), actor="admin-1")
    llm.script += [tool_call("create_template_draft", {**EMAIL_DRAFT, "locale": "en"}), answer("Here it is.")]

    response = rep.post("/assistant/chat", {"message": "Write me a cold-lead follow-up e-mail"})

    assert response.status == 200, response.body
    template_id = response.body["drafts"][0]["template_id"]
    assert f"Draft created: Template #{template_id}" in response.body["reply"]
    assert "English" in llm.requests[0]["messages"][0]["content"]


def test_malformed_tool_calls_are_answered_to_the_model_not_crashed_on(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    # Given a model that sends broken JSON, an invalid channel, an unknown tool and a draft whose
    # HTML hides a script, all in one turn, then gives up
    llm.script += [
        tool_calls(
            [
                ("create_template_draft", '{"channel": "email", "name": ', "c1"),
                ("create_template_draft", {**EMAIL_DRAFT, "channel": "fax"}, "c2"),
                ("delete_template", {"template_id": "01J0000000000000000000000"}, "c3"),
                (
                    "create_template_draft",
                    {**EMAIL_DRAFT, "html": "<p>Bonjour</p><script>steal()</script>"},
                    "c4",
                ),
                ("create_template_draft", {**EMAIL_DRAFT, "content": "Bonjour {{prenom}}"}, "c5"),
            ]
        ),
        answer("Je n'ai pas pu créer ce brouillon."),
    ]

    response = rep.post("/assistant/chat", {"message": "Crée un email"})

    # Then the turn ends normally, each refusal recorded with its reason
    assert response.status == 200, response.body
    assert [(c["name"], c["ok"], c["error"]) for c in response.body["tool_calls"]] == [
        ("create_template_draft", False, "invalid_json"),
        ("create_template_draft", False, "invalid_arguments"),
        ("delete_template", False, "unknown_tool"),
        ("create_template_draft", False, "validation_error"),
        ("create_template_draft", False, "validation_error"),
    ]
    assert response.body["drafts"] == []
    # And the model was told what was wrong, call by call, so it could correct itself
    results = _tool_results(llm.requests[1])
    assert [r["error"]["code"] for r in results] == [
        "invalid_json",
        "invalid_arguments",
        "unknown_tool",
        "validation_error",
        "validation_error",
    ]
    assert any(d["field"] == "channel" for d in results[1]["error"]["details"])
    assert "<script>" in results[3]["error"]["message"]
    assert "{{prenom}}" in results[4]["error"]["message"]
    # And nothing was written
    assert _max_drafts(templates) == []


def test_an_error_status_from_the_model_refunds_the_turn(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient
) -> None:
    llm.script += [error(500)]
    balance = _balance(tenant)

    response = rep.post("/assistant/chat", {"message": "Bonjour"})

    assert response.status == 502, response.body
    assert response.body["error"]["code"] == "upstream_error"
    assert _balance(tenant) == balance
    entries = list(BudgetRepository(tenant).ledger(month_of(datetime.now(UTC))))
    assert [e.kind for e in entries[-2:]] == [LedgerKind.RESERVE, LedgerKind.REFUND]
    assert entries[-1].action == "assistant_chat"


def test_a_model_failure_after_a_draft_refunds_the_turn_and_leaves_the_draft_to_review(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    # Given a model that creates a draft and then fails before answering
    llm.script += [tool_call("create_template_draft", EMAIL_DRAFT), error(503)]
    balance = _balance(tenant)

    response = rep.post("/assistant/chat", {"message": "Crée un email"})

    # Then the turn is a 502 and its tokens come back; the draft exists (a draft sends nothing) and
    # is listed for the user to review
    assert response.status == 502
    assert _balance(tenant) == balance
    assert len(_max_drafts(templates)) == 1
    assert all(d["status"] == "draft" for d in _max_drafts(templates))


def test_without_a_key_the_chat_is_503_and_the_rest_works(
    monkeypatch: pytest.MonkeyPatch, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    for name in ("ASSISTANT_API_KEY", "OPENAI_API_KEY", "ASSISTANT_API_KEY_PARAMETER"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    balance = _balance(tenant)

    response = rep.post("/assistant/chat", {"message": "Bonjour"})

    assert response.status == 503, response.body
    assert response.body["error"]["code"] == "service_unavailable"
    assert "aucune clé d'API" in response.body["error"]["message"]
    assert _balance(tenant) == balance
    assert templates.get("/templates").status == 200
    created = templates.post("/templates", {"channel": "sms", "name": "Rappel", "body": "A demain !"})
    assert created.status == 201


def test_the_key_comes_from_ssm_parameter_store(
    monkeypatch: pytest.MonkeyPatch, llm: FakeChatCompletions, tenant: str, rep: ApiClient
) -> None:
    from aws_lambda_powertools.utilities import parameters

    from devserver.moto import AtomicMotoServer

    server = AtomicMotoServer()
    server.start()
    try:
        endpoint = server.endpoint()
        boto3.client("ssm", endpoint_url=endpoint, region_name="eu-west-3").put_parameter(
            Name="/max/test/openai-api-key", Value="sk-from-ssm", Type="SecureString"
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
        monkeypatch.delenv("ASSISTANT_API_KEY")
        monkeypatch.setenv("ASSISTANT_API_KEY_PARAMETER", "/max/test/openai-api-key")
        reset_settings()
        parameters.clear_caches()
        parameters.base.DEFAULT_PROVIDERS.clear()
        llm.script += [answer("Bonjour !")]

        response = rep.post("/assistant/chat", {"message": "Bonjour"})

        assert response.status == 200, response.body
        assert llm.headers[0]["authorization"] == "Bearer sk-from-ssm"
    finally:
        parameters.clear_caches()
        parameters.base.DEFAULT_PROVIDERS.clear()
        server.stop()


def test_the_conversation_is_kept_per_user_and_continues(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, other_tenant_id: str
) -> None:
    llm.script += [answer("Bonjour ! Que puis-je faire ?"), answer("Voici une idée.")]
    first = rep.post("/assistant/chat", {"message": "Bonjour MAX"})
    conversation_id = first.body["conversation_id"]

    second = rep.post(
        "/assistant/chat", {"message": "Une idée de relance ?", "conversation_id": conversation_id}
    )

    assert second.status == 200, second.body
    assert second.body["conversation_id"] == conversation_id
    history = [(m["role"], m.get("content")) for m in llm.requests[1]["messages"][1:]]
    assert history == [
        ("user", "Bonjour MAX"),
        ("assistant", "Bonjour ! Que puis-je faire ?"),
        ("user", "Une idée de relance ?"),
    ]
    read = rep.get(f"/assistant/conversations/{conversation_id}")
    assert read.status == 200
    assert [m["role"] for m in read.body["messages"]] == ["user", "assistant", "user", "assistant"]

    # Another user of the tenant, and another tenant, cannot read or continue it
    colleague = ApiClient(ASSISTANT, tenant, role="member", sub="rep-2")
    stranger = ApiClient(ASSISTANT, other_tenant_id, role="admin", sub="rep-1")
    provision_tenant(other_tenant_id, "Autre")
    for client in (colleague, stranger):
        assert client.get(f"/assistant/conversations/{conversation_id}").status == 404
        refused = client.post("/assistant/chat", {"message": "Salut", "conversation_id": conversation_id})
        assert refused.status == 404
    assert len(llm.requests) == 2


def test_an_expired_conversation_is_gone(
    llm: FakeChatCompletions, monkeypatch: pytest.MonkeyPatch, tenant: str, rep: ApiClient
) -> None:
    monkeypatch.setenv("CONVERSATION_TTL_HOURS", "1")
    reset_settings()
    llm.script += [answer("Bonjour !")]
    conversation_id = rep.post("/assistant/chat", {"message": "Bonjour"}).body["conversation_id"]

    from maxcore.dal import keys
    from maxcore.dal.items import ConversationItem

    item = ConversationItem.get(keys.conversation_pk(tenant), keys.conversation_sk(conversation_id))
    assert item.expires_at is not None
    item.update(actions=[ConversationItem.expires_at.set(1)])

    assert rep.get(f"/assistant/conversations/{conversation_id}").status == 404


def test_the_update_tool_writes_a_draft_version_and_never_touches_the_active_one(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    created = templates.post(
        "/templates", {"channel": "sms", "name": "Rappel RDV", "body": "Rappel : RDV demain, {{firstName|}}."}
    ).body
    assert templates.post(f"/templates/{created['id']}/activate").status == 200
    llm.script += [
        tool_call(
            "update_template_draft",
            {"template_id": created["id"], "content": "Petit rappel : RDV demain {{firstName|}} !"},
        ),
        answer("C'est modifié."),
    ]

    response = rep.post("/assistant/chat", {"message": f"MAX, modifie le template #{created['id']}"})

    assert response.status == 200, response.body
    assert response.body["drafts"][0]["action"] == "updated"
    assert "Brouillon mis à jour" in response.body["reply"]
    current = templates.get(f"/templates/{created['id']}").body
    assert current["status"] == "active"
    assert current["body"] == "Rappel : RDV demain, {{firstName|}}."
    assert current["draft_version"] == 2
    assert current["draft"]["body"] == "Petit rappel : RDV demain {{firstName|}} !"
    assert current["draft"]["generated_by"] == "max"


def test_the_assistant_cannot_draft_in_advise_mode(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    TenantService(tenant).update(UpdateTenantRequest(mode=Mode.ADVISE), actor="admin-1")
    llm.script += [
        tool_call("create_template_draft", EMAIL_DRAFT),
        answer("Le mode Conseil ne me le permet pas."),
    ]

    response = rep.post("/assistant/chat", {"message": "Crée un email"})

    assert response.status == 200
    assert response.body["tool_calls"][0]["error"] == "mode_forbids_action"
    assert "advise mode" in _tool_results(llm.requests[1])[0]["error"]["details"]["reason"]
    assert _max_drafts(templates) == []


def test_a_turn_the_balance_cannot_cover_never_reaches_the_model(
    llm: FakeChatCompletions, monkeypatch: pytest.MonkeyPatch, tenant: str, rep: ApiClient
) -> None:
    monkeypatch.setenv("TOKEN_PRICES", json.dumps({"assistant_chat": 10_000}))
    reset_settings()

    response = rep.post("/assistant/chat", {"message": "Bonjour"})

    assert response.status == 402, response.body
    assert response.body["error"]["details"]["cost"] == 10_000
    assert llm.requests == []


def test_a_dry_run_quotes_the_turn_and_calls_nothing(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient
) -> None:
    balance = _balance(tenant)

    response = rep.post("/assistant/chat", {"message": "Bonjour", "dry_run": True})

    assert response.status == 200, response.body
    assert response.body["dry_run"] is True
    assert response.body["quote"]["cost"] == CHAT_COST
    assert response.body["quote"]["balance_after"] == balance - CHAT_COST
    assert llm.requests == []
    assert _balance(tenant) == balance


def test_a_model_that_never_stops_calling_tools_is_cut_off(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient
) -> None:
    llm.script += [tool_call("list_templates", {"channel": "sms"}, f"c{i}") for i in range(10)]

    response = rep.post("/assistant/chat", {"message": "Liste mes SMS"})

    assert response.status == 200, response.body
    assert len(llm.requests) == 5
    assert "étape par étape" in response.body["reply"]
    # The list tool really listed the tenant's built-in SMS templates
    listed = _tool_results(llm.requests[1])[0]["templates"]
    assert listed
    assert {t["channel"] for t in listed} == {"sms"}


def test_the_render_tool_previews_for_a_lead(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, templates: ApiClient
) -> None:
    lead = LeadService(tenant).create(CreateLeadRequest(first_name="Léa", phone="06 12 34 56 78"))
    created = templates.post(
        "/templates", {"channel": "sms", "name": "Merci", "body": "Merci {{firstName|à vous}} !"}
    ).body
    llm.script += [
        tool_call("render_template", {"template_id": created["id"], "lead_id": lead.id}),
        answer("Aperçu prêt."),
    ]

    response = rep.post("/assistant/chat", {"message": "Montre-moi le rendu"})

    assert response.status == 200, response.body
    # (a custom SMS template is marketing: the preview shows the opt-out mention that goes with it)
    assert _tool_results(llm.requests[1])[0]["body"] == "Merci Léa !\nRépondez STOP pour vous désinscrire"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "Bonjour", "conversation_id": "not-an-id"}, "conversation_id"),
        ({"message": "Bonjour", "temperature": 2}, "temperature"),
    ],
)
def test_bad_chat_requests_are_refused_before_anything_runs(
    llm: FakeChatCompletions, tenant: str, rep: ApiClient, body: dict[str, Any], field: str
) -> None:
    balance = _balance(tenant)

    response = rep.post("/assistant/chat", body)

    assert response.status == 422, response.body
    assert field in json.dumps(response.body["error"]["details"])
    assert llm.requests == []
    assert _balance(tenant) == balance
