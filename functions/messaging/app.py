"""Sending messages to leads, the channels they go out on, the local outbox and the unified inbox."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from maxcore.api import (
    JWT_SECURITY,
    CursorQuery,
    PositionCursorQuery,
    create_app,
    make_handler,
    principal,
    responses,
)
from maxcore.models.activity import ActivityResponse
from maxcore.models.channel import ChannelList, ChannelResponse, OutboxPage, UpdateChannelRequest
from maxcore.models.common import Channel, Ulid
from maxcore.models.inbox_reply import InboxReply, ReplyRequest
from maxcore.models.message import (
    IdempotencyKey,
    InboxPage,
    MessagePage,
    ReadReceipt,
    SendMessageRequest,
    SentMessage,
)
from maxcore.models.scheduled_message import (
    ScheduledMessage,
    ScheduledMessagePage,
    ScheduledState,
    UpdateScheduledMessageRequest,
)
from maxcore.services.channels import ChannelService
from maxcore.services.inbox import InboxService
from maxcore.services.inbox_replies import InboxReplyService
from maxcore.services.messaging import MessagingService
from maxcore.services.outbox import OutboxService
from maxcore.services.scheduled_messages import ScheduledMessageService

app = create_app("M.A.X. messaging and inbox")

_SENT = (
    "Sent (or recorded in the outbox) and logged on the lead's timeline; `activity.status` is "
    "`unconfirmed` when the provider's answer never came (not retried; its status callback settles it)."
)


def _documented(description: str, model: type[SentMessage | ScheduledMessage]) -> OpenAPIResponse:
    return {"description": description, "content": {content_types.APPLICATION_JSON: {"model": model}}}


@app.post(
    "/messages",
    operation_id="sendMessage",
    status_code=201,
    responses={
        **responses(201, _SENT, 404, 409, 429, 502),
        # One success each: the return type says either, each status says which.
        201: _documented(_SENT, SentMessage),
        202: _documented("With `send_at`: checked and scheduled; it goes once then.", ScheduledMessage),
    },
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Send a message to a lead, now or later",
)
def send_message(
    body: Annotated[SendMessageRequest, Body()],
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(alias="idempotency-key", description="Retrying with the same key sends (or schedules) once."),
    ] = None,
) -> Response[SentMessage | ScheduledMessage]:
    """Send a template or a text on a channel, or on the best available one (`auto`). A lead who opted
    out, has no address, or (WhatsApp) has not written within 24 hours without an approved template is a
    409 saying which; the channel's daily cap is a 429. With `send_at`, the same checks run now and the
    message waits for its time (202); a `send_at` in the past or over a year ahead is a 422."""
    caller = principal(app)
    if body.send_at is not None:
        scheduled = ScheduledMessageService(caller.tenant_id).schedule(body, caller.subject, idempotency_key)
        return _json(202, scheduled)
    return _json(201, MessagingService(caller.tenant_id).send(body, caller.subject, idempotency_key))


def _json(status: int, model: SentMessage | ScheduledMessage) -> Response[SentMessage | ScheduledMessage]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=model)


@app.get(
    "/messages/scheduled",
    operation_id="listScheduledMessages",
    responses=responses(200, "A page of scheduled messages, newest first."),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Scheduled messages",
)
def list_scheduled(
    lead_id: Annotated[Ulid | None, Query()] = None,
    state: Annotated[ScheduledState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> ScheduledMessagePage:
    """The messages scheduled with `send_at`, waiting or done; `lead_id` and `state` narrow the list."""
    items, next_cursor = ScheduledMessageService(principal(app).tenant_id).page(limit, cursor, lead_id, state)
    return ScheduledMessagePage(items=items, next_cursor=next_cursor)


@app.get(
    "/messages/scheduled/<message_id>",
    operation_id="getScheduledMessage",
    responses=responses(200, "The scheduled message, with its state and, when it did not go, why.", 404),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="A scheduled message",
)
def get_scheduled(message_id: Annotated[Ulid, Path()]) -> ScheduledMessage:
    """A scheduled message: `scheduled`, `sending`, `sent`, `cancelled` or `failed` (with the reason)."""
    return ScheduledMessageService(principal(app).tenant_id).get(message_id)


@app.patch(
    "/messages/scheduled/<message_id>",
    operation_id="updateScheduledMessage",
    responses=responses(200, "The changed message; a new `send_at` moves its timer.", 404, 409),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Change a scheduled message",
)
def update_scheduled(
    message_id: Annotated[Ulid, Path()], body: Annotated[UpdateScheduledMessageRequest, Body()]
) -> ScheduledMessage:
    """Change the text (a text message only) or the time of a message still waiting; once it is
    sending or done, a 409."""
    return ScheduledMessageService(principal(app).tenant_id).change(message_id, body)


@app.delete(
    "/messages/scheduled/<message_id>",
    operation_id="cancelScheduledMessage",
    responses=responses(200, "The message, cancelled: it will not go.", 404, 409),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Cancel a scheduled message",
)
def cancel_scheduled(message_id: Annotated[Ulid, Path()]) -> ScheduledMessage:
    """Cancel a message still waiting; once it is sending or done, a 409."""
    return ScheduledMessageService(principal(app).tenant_id).cancel(message_id)


@app.get(
    "/channels",
    operation_id="listChannels",
    responses=responses(200, "Every channel with its settings."),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="List the channels",
)
def list_channels() -> ChannelList:
    """Each channel's settings, which credentials are set (never their values), and today's count."""
    return ChannelList(items=ChannelService(principal(app).tenant_id).list())


@app.get(
    "/channels/<channel>",
    operation_id="getChannel",
    responses=responses(200, "The channel's settings.", 404),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="A channel's settings",
)
def get_channel(channel: Annotated[Channel, Path()]) -> ChannelResponse:
    """The channel's settings; `delivery` says whether messages go to the provider or the outbox."""
    return ChannelService(principal(app).tenant_id).get(channel)


@app.put(
    "/channels/<channel>",
    operation_id="updateChannel",
    # 404: a path segment that is no channel and holds characters no route accepts matches no route.
    responses=responses(200, "The channel's new settings.", 404, 409),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Change a channel's settings (admin)",
)
def update_channel(
    channel: Annotated[Channel, Path()], body: Annotated[UpdateChannelRequest, Body()]
) -> ChannelResponse:
    """Turn a channel on or off, set its sender, daily cap and credentials. Credentials are stored in
    the secret store and never returned."""
    caller = principal(app)
    caller.require_admin()
    return ChannelService(caller.tenant_id).update(channel, body, caller.subject)


@app.get(
    "/outbox",
    operation_id="listOutbox",
    responses=responses(200, "The local outbox, newest first."),
    security=JWT_SECURITY,
    tags=["messaging"],
    summary="Messages recorded instead of sent",
)
def outbox(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> OutboxPage:
    """What would have been sent on channels without credentials (kept 30 days)."""
    items, next_cursor = OutboxService(principal(app).tenant_id).page(limit, cursor)
    return OutboxPage(items=items, next_cursor=next_cursor)


@app.get(
    "/conversations",
    operation_id="listConversations",
    responses=responses(200, "A page of conversations."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="The unified inbox",
)
def conversations(
    channel: Annotated[Channel | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: PositionCursorQuery = None,
) -> InboxPage:
    """One row per lead with the last message across channels and the unread count, newest first;
    `channel` keeps the conversations that used that channel."""
    items, next_cursor = InboxService(principal(app).tenant_id).conversations(channel, limit, cursor)
    return InboxPage(items=items, next_cursor=next_cursor)


@app.get(
    "/leads/<lead_id>/messages",
    operation_id="listLeadMessages",
    responses=responses(200, "A page of the lead's messages.", 404),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="A lead's messages on every channel",
)
def lead_messages(
    lead_id: Annotated[Ulid, Path()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: PositionCursorQuery = None,
) -> MessagePage:
    """One thread across SMS, WhatsApp, e-mail and Telegram, newest first, with delivery statuses."""
    items, next_cursor = InboxService(principal(app).tenant_id).messages(lead_id, limit, cursor)
    return MessagePage(items=[ActivityResponse.from_activity(a) for a in items], next_cursor=next_cursor)


@app.post(
    "/conversations/<lead_id>/read",
    operation_id="markConversationRead",
    responses=responses(200, "The conversation is read.", 404, 409),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Mark a conversation read",
)
def mark_read(lead_id: Annotated[Ulid, Path()]) -> ReadReceipt:
    """Every message of the lead read as of now: its unread count goes to 0."""
    return InboxService(principal(app).tenant_id).mark_read(lead_id)


@app.post(
    "/conversations/<lead_id>/replies",
    operation_id="replyToConversation",
    status_code=201,
    responses=responses(
        201, "Sent and logged on the lead's thread, after the transition on a switch.", 404, 409, 429, 502
    ),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Reply to a conversation, on its channel or another",
)
def reply(
    lead_id: Annotated[Ulid, Path()],
    body: Annotated[ReplyRequest, Body()],
    idempotency_key: Annotated[
        IdempotencyKey | None,
        Header(alias="idempotency-key", description="Retrying with the same key sends each message once."),
    ] = None,
) -> Response[InboxReply]:
    """A text or an active template, on the conversation's channel (the one the lead last wrote on) or
    on `channel`. Another channel keeps one thread: the lead first reads a short transition naming where
    the conversation came from (it opens the e-mail; on SMS, WhatsApp or Telegram it goes just before),
    and the reply's `activity.metadata.switched_from` names that channel. No `channel` while the lead
    never wrote is a 422; the refusals are those of `POST /messages` (a WhatsApp refusal outside the
    24-hour window lists the approved templates), and nothing leaves."""
    caller = principal(app)
    sent = InboxReplyService(caller.tenant_id).reply(lead_id, body, caller.subject, idempotency_key)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=sent)


lambda_handler = make_handler(app)
