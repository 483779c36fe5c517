"""Assistant API: chat with M.A.X., who drafts templates through tool calls (never activates or sends)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from maxcore.api import JWT_SECURITY, create_app, make_handler, principal, responses
from maxcore.models.assistant import ChatRequest, ChatResponse, ConversationResponse
from maxcore.models.common import Ulid
from maxcore.services.assistant import AssistantService

app = create_app("M.A.X. assistant")


def _service() -> AssistantService:
    caller = principal(app)
    return AssistantService(caller.tenant_id, caller.subject)


@app.post(
    "/assistant/chat",
    operation_id="chatWithAssistant",
    responses=responses(200, "M.A.X.'s answer and the drafts it made.", 402, 404, 409, 502, 503),
    security=JWT_SECURITY,
    tags=["assistant"],
    summary="Chat with M.A.X.",
)
def chat(body: Annotated[ChatRequest, Body()]) -> ChatResponse:
    """One turn: M.A.X. may create or change template drafts with its tools; each turn spends tokens
    (reserved first, refunded if the model fails). ``dry_run`` only quotes the cost. Without a
    configured model the answer is 503 and the rest of the API works as usual."""
    return _service().chat(body)


@app.get(
    "/assistant/conversations/<conversation_id>",
    operation_id="getAssistantConversation",
    responses=responses(200, "The conversation.", 404),
    security=JWT_SECURITY,
    tags=["assistant"],
    summary="Read one of your conversations",
)
def get_conversation(conversation_id: Annotated[Ulid, Path()]) -> ConversationResponse:
    """A conversation of the caller (another user's, or an expired one, is a 404)."""
    return _service().conversation(conversation_id)


lambda_handler = make_handler(app)
