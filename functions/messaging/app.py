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
    admin,
    create_app,
    make_handler,
    principal,
    responses,
)
from maxcore.models.activity import ActivityResponse
from maxcore.models.channel import ChannelList, ChannelResponse, OutboxPage, UpdateChannelRequest
from maxcore.models.common import Channel, Ulid
from maxcore.models.inbox import (
    ConversationQuery,
    ConversationStatus,
    CreateNoteRequest,
    InboxCounts,
    InboxSettings,
    Note,
    NotePage,
    TeamConversation,
    UpdateConversationRequest,
    UpdateInboxSettingsRequest,
)
from maxcore.models.inbox_reply import InboxReply, ReplyRequest
from maxcore.models.intent import Intent
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
    status: Annotated[ConversationStatus | None, Query(description="A snooze that ended is open.")] = None,
    unread: Annotated[bool, Query(description="Only conversations with something unread.")] = False,
    mine: Annotated[bool, Query(description="Only the caller's (open, snoozed or closed).")] = False,
    unassigned: Annotated[bool, Query(description="Only those without an owner.")] = False,
    intent: Annotated[Intent | None, Query(description="The intent of the lead's last reply.")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Words all found in the lead's name, company, e-mail, phone or Telegram id, or "
            "in the previews of its last 3 messages (accents and case ignored).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: PositionCursorQuery = None,
) -> InboxPage:
    """One row per lead with the last message across channels, the unread count and the team's state
    (status, owner, why), newest first; the filters narrow it (`mine` and `unassigned` exclude each
    other)."""
    caller = principal(app)
    query = ConversationQuery(
        status=status, unread=unread, mine=mine, unassigned=unassigned, intent=intent, q=q
    )
    items, next_cursor = InboxService(caller.tenant_id).conversations(
        channel, limit, cursor, query, caller.subject
    )
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


@app.get(
    "/conversations/counts",
    operation_id="countConversations",
    responses=responses(200, "How many conversations are in each state."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Conversations counted by state",
)
def conversation_counts() -> InboxCounts:
    """Open, snoozed and closed conversations, those with something unread, those without an owner,
    and the caller's: read from counters kept with every change, never by reading the conversations.
    A snooze whose time has passed counts as open."""
    caller = principal(app)
    return InboxService(caller.tenant_id).counts(caller.subject)


@app.patch(
    "/conversations/<lead_id>",
    operation_id="updateConversation",
    responses=responses(200, "The conversation's new state.", 404, 409),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Change a conversation's status or owner",
)
def update_conversation(
    lead_id: Annotated[Ulid, Path()], body: Annotated[UpdateConversationRequest, Body()]
) -> TeamConversation:
    """Open, snooze (until a time in the future) or close a conversation; assign it to a user (`me`
    for the caller) or unassign it. With `version`, the change holds only if the conversation did not
    change since (409 otherwise); a change racing another is a 409 either way."""
    caller = principal(app)
    return InboxService(caller.tenant_id).change(lead_id, body, caller.subject)


@app.post(
    "/conversations/<lead_id>/notes",
    operation_id="addConversationNote",
    status_code=201,
    responses=responses(201, "The note, kept for the team.", 404),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Add an internal note to a conversation",
)
def add_note(lead_id: Annotated[Ulid, Path()], body: Annotated[CreateNoteRequest, Body()]) -> Response[Note]:
    """A note the team reads beside the thread; it is never sent to the lead."""
    caller = principal(app)
    note = InboxService(caller.tenant_id).add_note(lead_id, body.text, caller.subject)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=note)


@app.get(
    "/conversations/<lead_id>/notes",
    operation_id="listConversationNotes",
    responses=responses(200, "A page of the conversation's notes.", 404),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="A conversation's internal notes",
)
def list_notes(
    lead_id: Annotated[Ulid, Path()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> NotePage:
    """The notes on the conversation, oldest first, with their author and time."""
    items, next_cursor = InboxService(principal(app).tenant_id).notes(lead_id, limit, cursor)
    return NotePage(items=items, next_cursor=next_cursor)


@app.get(
    "/inbox/settings",
    operation_id="getInboxSettings",
    responses=responses(200, "The assignment rule."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="How conversations are assigned",
)
def get_inbox_settings() -> InboxSettings:
    """`none` (the team's shared queue), `round_robin` over `users`, or `fixed` (one user)."""
    return InboxService(principal(app).tenant_id).settings()


@app.put(
    "/inbox/settings",
    operation_id="updateInboxSettings",
    responses=responses(200, "The new assignment rule."),
    security=JWT_SECURITY,
    tags=["inbox"],
    summary="Set how conversations are assigned (admin)",
)
def put_inbox_settings(body: Annotated[UpdateInboxSettingsRequest, Body()]) -> InboxSettings:
    """An inbound message in a conversation without an owner goes to the user the rule picks, with
    the reason; round robin takes `users` in turn, atomically however many messages come at once."""
    caller = admin(app)
    return InboxService(caller.tenant_id).save_settings(body, caller.subject)


lambda_handler = make_handler(app)
