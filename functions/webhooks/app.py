"""Provider webhooks: Twilio (SMS, WhatsApp), Resend (e-mail events), Telegram (bot updates).

No JWT: each provider proves itself with its signature, checked against the tenant of the URL.
A bad or missing signature is a 403 and writes nothing; the same delivery twice changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from maxcore.api import create_app, make_handler
from maxcore.models.common import TENANT_ID_PATTERN, ErrorResponse
from maxcore.services.webhooks import WebhookReply, WebhookService
from maxcore.settings import get_settings

app = create_app("M.A.X. provider webhooks", localized_errors=False)


def _error(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": ErrorResponse}}}


WEBHOOK_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {"description": "Processed, or already processed: the provider can stop retrying."},
    400: _error("Signed, but not a payload of this provider."),
    403: _error("The signature is missing or wrong for this tenant; nothing was written."),
    409: _error("The same delivery is being processed right now; retry."),
    404: _error("No such route: the path's tenant id holds characters no route accepts."),
    413: _error("The body is too large."),
    422: _error("The path holds no valid tenant id (lower-case letters, digits and dashes)."),
}


def _raw_body() -> bytes:
    return (app.current_event.body or "").encode("utf-8")


def _answer(reply: WebhookReply) -> Response[Any]:
    return Response(status_code=reply.status, content_type=reply.content_type, body=reply.body)


def _public_url() -> str:
    """The URL the provider called, as Twilio signs it: the public base, the path, the query."""
    event = app.current_event
    base = get_settings().public_api_url or f"https://{event.request_context.domain_name}"
    query = event.raw_query_string
    return f"{base.rstrip('/')}{event.raw_path}" + (f"?{query}" if query else "")


@app.post(
    "/webhooks/twilio/<tenant_id>",
    operation_id="receiveTwilioWebhook",
    responses=WEBHOOK_RESPONSES,
    tags=["webhooks"],
    summary="Twilio: inbound SMS and WhatsApp, status callbacks",
)
def twilio(tenant_id: Annotated[str, Path(pattern=TENANT_ID_PATTERN)]) -> Response[Any]:
    """Form-encoded (or JSON with `bodySHA256` in the URL), signed with X-Twilio-Signature (checked by the
    twilio SDK's RequestValidator with the tenant's auth token). Answers TwiML: empty, or the help text
    for HELP."""
    event = app.current_event
    signature = event.headers.get("x-twilio-signature")
    content_type = event.headers.get("content-type") or ""
    service = WebhookService(tenant_id, lambda_context=app.lambda_context)
    return _answer(service.twilio(_public_url(), event.body or "", content_type, signature))


@app.post(
    "/webhooks/resend/<tenant_id>",
    operation_id="receiveResendWebhook",
    responses=WEBHOOK_RESPONSES,
    tags=["webhooks"],
    summary="Resend: e-mail events",
)
def resend(tenant_id: Annotated[str, Path(pattern=TENANT_ID_PATTERN)]) -> Response[Any]:
    """JSON, signed with the Svix headers over the raw body (timestamps within 5 minutes)."""
    headers = {k.lower(): v for k, v in app.current_event.headers.items()}
    return _answer(WebhookService(tenant_id, lambda_context=app.lambda_context).resend(headers, _raw_body()))


@app.post(
    "/webhooks/telegram/<tenant_id>",
    operation_id="receiveTelegramWebhook",
    responses=WEBHOOK_RESPONSES,
    tags=["webhooks"],
    summary="Telegram: bot updates",
)
def telegram(tenant_id: Annotated[str, Path(pattern=TENANT_ID_PATTERN)]) -> Response[Any]:
    """JSON updates with the X-Telegram-Bot-Api-Secret-Token header set at setWebhook. Answers a
    sendMessage for /help, /start and /stop."""
    secret = app.current_event.headers.get("x-telegram-bot-api-secret-token")
    return _answer(WebhookService(tenant_id, lambda_context=app.lambda_context).telegram(secret, _raw_body()))


lambda_handler = make_handler(app, json_only=False)
