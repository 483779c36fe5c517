"""Provider webhooks read into provider-neutral events (:mod:`maxcore.models.webhook`).

Pure parsing: no I/O, no clock (Twilio sends no time, so ``now`` is a parameter). The signature is
checked before, by :mod:`maxcore.rules.webhook_auth`; what reaches these parsers is authentic but
may still be a shape we do not know. The rule: a payload missing what every event of its provider
carries (Twilio's MessageSid, Resend's type and email_id, Telegram's update_id) is a
:class:`WebhookPayloadError` (answered 400); a well-formed event we have no use for is an
:class:`~maxcore.models.webhook.IgnoredEvent` (answered 200, so the provider does not retry it).

The formats, as the providers document them:

- Twilio Messaging posts ``application/x-www-form-urlencoded`` forms to one URL for both inbound
  messages and status callbacks ("Twilio's request to your incoming message Webhook URL";
  "Outbound Message Status in Status Callbacks"). An inbound message carries ``Body``, ``From``,
  ``To``, ``MessageSid`` and ``SmsStatus=received``; WhatsApp adds ``whatsapp:`` to From and To,
  ``ProfileName`` and ``WaId``. A status callback carries ``MessageStatus`` (and the same value in
  the legacy ``SmsStatus``), ``ErrorCode`` when the message failed, and no time at all.
- Resend posts Svix-signed JSON ``{"type", "created_at", "data": {"email_id", "from", "to", ...}}``
  ("Event Types" and the per-event pages of resend.com/docs/webhooks). ``email.bounced`` has
  ``data.bounce = {"type", "subType", "message"}`` (``Permanent``/``Transient``/``Undetermined``, the
  classification of Amazon SES underneath); ``email.failed`` has ``data.failed.reason``;
  ``email.clicked`` has ``data.click``; ``email.received`` is an inbound e-mail, announced without its
  body.
- Telegram posts one ``Update`` per request: ``update_id`` and at most one of ``message``,
  ``edited_message``, ``my_chat_member``, ``callback_query``... A ``Message`` has ``message_id``,
  ``date`` (Unix seconds), ``chat`` (``id``, ``type``) and, for text messages only, ``text``
  (Telegram Bot API, "Update" and "Message").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any, TypeVar

from pydantic import ValidationError

from maxcore.models.activity import ActivityStatus
from maxcore.models.common import Channel
from maxcore.models.contact import DEFAULT_COUNTRY, ContactFormatError, normalize_email
from maxcore.models.webhook import (
    SUBJECT_MAX,
    DeliveryUpdate,
    IgnoredEvent,
    InboundEmailNotice,
    InboundMessage,
    SuppressionReason,
    WebhookEvent,
)
from maxcore.rules.contact import normalize_phone


class WebhookPayloadError(ValueError):
    """A webhook body that is not what its provider sends (the handler answers 400 with the message)."""


# --- Twilio -------------------------------------------------------------------------------------
_TWILIO_INBOUND_STATUSES = frozenset({"received", "receiving"})

# Twilio's Message status values ("Messages resource", status values) as a delivery status.
# ``accepted`` and ``scheduled`` are a Messaging Service's queue; ``canceled`` is a scheduled message
# that will never leave, which for the lead is a failed send.
_TWILIO_STATUSES: dict[str, ActivityStatus] = {
    "accepted": ActivityStatus.QUEUED,
    "scheduled": ActivityStatus.QUEUED,
    "queued": ActivityStatus.QUEUED,
    "sending": ActivityStatus.QUEUED,
    "sent": ActivityStatus.SENT,
    "delivered": ActivityStatus.DELIVERED,
    "read": ActivityStatus.READ,
    "failed": ActivityStatus.FAILED,
    "canceled": ActivityStatus.FAILED,
    "undelivered": ActivityStatus.UNDELIVERED,
}

TWILIO_OPTED_OUT_ERROR = "21610"
"""Twilio's "Attempt to send to unsubscribed recipient": the number replied STOP to us."""


def parse_twilio(form: Mapping[str, str], now: datetime, country: str = DEFAULT_COUNTRY) -> WebhookEvent:
    """Read a Twilio Messaging webhook: an inbound SMS or WhatsApp message, or a status callback.

    Parameters
    ----------
    form
        The decoded form parameters (one value per name).
    now
        When the webhook arrived: Twilio's requests carry no time of their own.
    country
        The tenant's ``default_country`` (ISO 3166 alpha-2), for a sender written as a national
        number (Twilio sends E.164; the region is only a fallback).

    Returns
    -------
    WebhookEvent
        :class:`InboundMessage` for a message a lead sent (sender in E.164, ``sender_name`` from the
        WhatsApp profile); :class:`DeliveryUpdate` for a status callback (``opted_out`` set on error
        21610); :class:`IgnoredEvent` for a status we do not track or a sender that is not a phone
        number (a short code or an alphanumeric sender cannot be a lead).

    Raises
    ------
    WebhookPayloadError
        No MessageSid, or neither a message nor a status.
    """
    sid = _twilio_sid(form)
    status = _twilio_status(form)
    channel = Channel.WHATSAPP if _is_whatsapp(form) else Channel.SMS
    if _is_twilio_inbound(form, status):
        raw_sender = form.get("From", "").strip()
        if not raw_sender:
            raise WebhookPayloadError("a Twilio inbound message without From")
        try:
            # The same normalisation as a lead's number, so the lookup meets the stored E.164; but
            # any number of a possible length is kept: a real number the library's metadata does
            # not know yet must still reach its lead (a STOP above all).
            sender = normalize_phone(raw_sender, country, require_valid=False)
        except ContactFormatError:
            return IgnoredEvent(kind="twilio.inbound", reason=f"sender '{raw_sender}' is not a phone number")
        return _build(
            InboundMessage,
            channel=channel,
            provider_message_id=sid,
            sender=sender,
            sender_name=(form.get("ProfileName") or "").strip() or None,
            recipient=form.get("To") or None,
            text=form.get("Body", ""),
            received_at=now,
        )
    if status is None:
        raise WebhookPayloadError("a Twilio webhook needs a Body (inbound message) or a MessageStatus")
    if status not in _TWILIO_STATUSES:
        return IgnoredEvent(
            kind=f"twilio.status.{status}", reason=f"message status '{status}' is not tracked"
        )
    error_code = (form.get("ErrorCode") or "").strip() or None
    return _build(
        DeliveryUpdate,
        channel=channel,
        provider_message_id=sid,
        status=_TWILIO_STATUSES[status],
        occurred_at=now,
        error_code=error_code,
        error_message=(form.get("ErrorMessage") or "").strip() or None,
        recipient=_phone_or_none(form.get("To"), country),
        opted_out=error_code == TWILIO_OPTED_OUT_ERROR,
    )


def twilio_delivery_key(form: Mapping[str, str]) -> str:
    """The idempotency key of one Twilio delivery.

    Twilio retries a webhook with the same parameters, and sends one status callback per status of
    the same message: the key is the MessageSid for an inbound message and ``<MessageSid>:<status>``
    (``SM...:delivered``) for a status callback, so a retry is a duplicate and the next status is not.

    Raises
    ------
    WebhookPayloadError
        No MessageSid.
    """
    sid = _twilio_sid(form)
    status = _twilio_status(form)
    if _is_twilio_inbound(form, status):
        return sid
    return f"{sid}:{status}" if status else sid


def _twilio_sid(form: Mapping[str, str]) -> str:
    sid = (form.get("MessageSid") or "").strip()
    if not sid:
        raise WebhookPayloadError("a Twilio webhook without MessageSid")
    return sid


def _twilio_status(form: Mapping[str, str]) -> str | None:
    # MessageStatus is the documented name; SmsStatus is its legacy twin, and the only one an
    # inbound message carries ("received").
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    return status or None


def _is_twilio_inbound(form: Mapping[str, str], status: str | None) -> bool:
    return status in _TWILIO_INBOUND_STATUSES or (status is None and "Body" in form)


def _is_whatsapp(form: Mapping[str, str]) -> bool:
    addresses = (form.get("From", ""), form.get("To", ""))
    return (
        any(a.strip().lower().startswith("whatsapp:") for a in addresses)
        or form.get("ChannelPrefix", "").lower() == "whatsapp"
        or "WaId" in form
    )


def _phone_or_none(raw: str | None, country: str) -> str | None:
    if not raw:
        return None
    try:
        return normalize_phone(raw, country, require_valid=False)
    except ContactFormatError:
        return None


# --- Resend -------------------------------------------------------------------------------------
_RESEND_STATUSES: dict[str, ActivityStatus] = {
    "email.sent": ActivityStatus.SENT,
    "email.delivered": ActivityStatus.DELIVERED,
    "email.opened": ActivityStatus.OPENED,
    "email.clicked": ActivityStatus.CLICKED,
    "email.failed": ActivityStatus.FAILED,
}

# A delay is not an outcome: Resend keeps trying and will send delivered or bounced. Early versions
# of Resend's "Event Types" page spelled it ``email.delivered_delayed``; both are read the same way.
_RESEND_DELAYS = frozenset({"email.delivery_delayed", "email.delivered_delayed"})

_PERMANENT_BOUNCE = "permanent"


def parse_resend(payload: Mapping[str, Any]) -> WebhookEvent:
    """Read a Resend webhook event (the JSON body, its Svix signature already checked).

    Bounces: every ``email.bounced`` is status ``BOUNCED``, since the message did not arrive. Only
    a ``Permanent`` bounce (``data.bounce.type``; Resend documents the event as a permanent
    rejection, so a bounce without that object counts as one) suppresses the address. A
    ``Transient`` or ``Undetermined`` bounce (mailbox full, message too large) leaves the address
    usable for the next message. The bounce's ``type/subType`` is kept as the error code and its
    message as the error message.

    Inbound e-mail (``email.received``): the webhook announces the e-mail without its body (Resend
    serves the body from its receiving API), so it is read as a notice the worker acts on: it
    fetches the e-mail and records what it says.

    Parameters
    ----------
    payload
        The decoded JSON body.

    Returns
    -------
    WebhookEvent
        :class:`DeliveryUpdate` (``sent``, ``delivered``, ``opened``, ``clicked``, ``failed``,
        ``bounced``; ``status=None`` with ``suppress=COMPLAINED`` for a spam complaint),
        :class:`InboundEmailNotice` for ``email.received`` (its subject cut at
        :data:`~maxcore.models.webhook.SUBJECT_MAX`), :class:`IgnoredEvent` for a delay and for
        every other type (contacts, domains...). ``occurred_at`` and ``received_at`` are the event's
        ``created_at``; ``recipient`` is the first address of ``data.to``.

    Raises
    ------
    WebhookPayloadError
        No ``type``; or an e-mail event without ``created_at``, ``data.email_id`` or (inbound) a
        valid ``from``.
    """
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise WebhookPayloadError("a Resend event without type")
    if kind in _RESEND_DELAYS:
        return IgnoredEvent(kind=kind, reason="delivery delayed: Resend keeps trying and reports the outcome")
    if kind not in _RESEND_STATUSES and kind not in {"email.bounced", "email.complained", "email.received"}:
        return IgnoredEvent(kind=kind, reason=f"Resend event '{kind}' is not tracked")
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise WebhookPayloadError(f"Resend event '{kind}' without a data object")
    email_id = data.get("email_id")
    if not isinstance(email_id, str) or not email_id.strip():
        raise WebhookPayloadError(f"Resend event '{kind}' without data.email_id")
    occurred_at = _resend_time(payload.get("created_at"))
    recipient = _first_address(data.get("to"))
    if kind == "email.received":
        name, address = parseaddr(str(data.get("from") or ""))
        try:
            sender = normalize_email(address)
        except ContactFormatError as exc:
            raise WebhookPayloadError(f"Resend inbound e-mail with an invalid from: {exc}") from exc
        subject = data.get("subject")
        return _build(
            InboundEmailNotice,
            email_id=email_id.strip(),
            sender=sender,
            sender_name=name.strip() or None,
            recipient=recipient,
            subject=subject.strip()[:SUBJECT_MAX] if isinstance(subject, str) else "",
            received_at=occurred_at,
        )
    fields: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "provider_message_id": email_id.strip(),
        "occurred_at": occurred_at,
        "recipient": recipient,
    }
    if kind == "email.complained":
        return _build(DeliveryUpdate, status=None, suppress=SuppressionReason.COMPLAINED, **fields)
    if kind == "email.bounced":
        bounce = data.get("bounce")
        bounce = bounce if isinstance(bounce, Mapping) else {}
        bounce_type = str(bounce.get("type") or "Permanent")
        sub_type = str(bounce.get("subType") or "").strip()
        permanent = bounce_type.strip().lower() == _PERMANENT_BOUNCE
        return _build(
            DeliveryUpdate,
            status=ActivityStatus.BOUNCED,
            suppress=SuppressionReason.BOUNCED if permanent else None,
            error_code=f"{bounce_type}/{sub_type}" if sub_type else bounce_type,
            error_message=_text_or_none(bounce.get("message")),
            **fields,
        )
    error_code = None
    if kind == "email.failed":
        failed = data.get("failed")
        error_code = _text_or_none(failed.get("reason")) if isinstance(failed, Mapping) else None
    return _build(DeliveryUpdate, status=_RESEND_STATUSES[kind], error_code=error_code, **fields)


def _resend_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise WebhookPayloadError("a Resend event without created_at")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise WebhookPayloadError(f"created_at '{value}' is not an ISO-8601 time") from exc
    # Resend writes UTC ("...Z" or "+00:00"); a time without an offset is read as UTC too.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _first_address(value: object) -> str | None:
    first = value[0] if isinstance(value, list) and value else value
    if not isinstance(first, str):
        return None
    try:
        return normalize_email(parseaddr(first)[1])
    except ContactFormatError:
        return None


def _text_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- Telegram -----------------------------------------------------------------------------------
# Message fields that say what a non-text message holds, for the IgnoredEvent's kind.
_TELEGRAM_CONTENTS = (
    "photo",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "contact",
    "location",
    "venue",
    "poll",
    "dice",
    "new_chat_members",
    "left_chat_member",
)


def parse_telegram(update: Mapping[str, Any]) -> WebhookEvent:
    """Read a Telegram Bot API ``Update`` delivered to the bot's webhook.

    Only a new text message in a private chat is a lead writing to us. An edited message is
    ignored: its first version was already read, and re-reading it would count one reply twice.
    Photos, stickers, voice notes and the other updates (``my_chat_member`` when the lead blocks
    the bot, ``callback_query``...) are ignored with their kind, as are messages in groups.

    Parameters
    ----------
    update
        The decoded JSON body.

    Returns
    -------
    WebhookEvent
        :class:`InboundMessage` (sender: the chat id as text; sender_name: first and last name, or
        the username; provider_message_id: ``<chat_id>:<message_id>``, since message ids are only
        unique within a chat; received_at: the message's ``date``) or :class:`IgnoredEvent`.

    Raises
    ------
    WebhookPayloadError
        No integer ``update_id``, or a ``message`` without its chat, id or date.
    """
    _telegram_update_id(update)
    if "message" not in update:
        kind = next((key for key in update if key != "update_id"), "unknown")
        return IgnoredEvent(kind=kind, reason=f"Telegram update '{kind}' is not a new message")
    message = update["message"]
    if not isinstance(message, Mapping):
        raise WebhookPayloadError("a Telegram message that is not an object")
    chat = message.get("chat")
    if not isinstance(chat, Mapping):
        raise WebhookPayloadError("a Telegram message without chat")
    chat_id, message_id, date = (
        _int(chat.get("id")),
        _int(message.get("message_id")),
        _int(message.get("date")),
    )
    if chat_id is None or message_id is None or date is None:
        raise WebhookPayloadError("a Telegram message needs chat.id, message_id and date")
    try:
        sent_at = datetime.fromtimestamp(date, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise WebhookPayloadError(f"a Telegram message dated {date}, out of range") from exc
    if chat.get("type") != "private":
        return IgnoredEvent(
            kind="message", reason=f"a message in a {chat.get('type') or 'unknown'} chat, not a private one"
        )
    text = message.get("text")
    if not isinstance(text, str):
        content = next((c for c in _TELEGRAM_CONTENTS if c in message), None)
        kind = f"message.{content}" if content else "message"
        return IgnoredEvent(kind=kind, reason="a message without text")
    sender = message.get("from")
    return _build(
        InboundMessage,
        channel=Channel.TELEGRAM,
        provider_message_id=f"{chat_id}:{message_id}",
        sender=str(chat_id),
        sender_name=_telegram_name(sender if isinstance(sender, Mapping) else chat),
        text=text,
        received_at=sent_at,
    )


def telegram_delivery_key(update: Mapping[str, Any]) -> str:
    """The idempotency key of one Telegram delivery: its ``update_id``, as text.

    Telegram redelivers an update with the same ``update_id`` until the webhook answers 2xx.

    Raises
    ------
    WebhookPayloadError
        No integer ``update_id``.
    """
    return str(_telegram_update_id(update))


def _telegram_update_id(update: Mapping[str, Any]) -> int:
    update_id = _int(update.get("update_id"))
    if update_id is None:
        raise WebhookPayloadError("a Telegram update without an integer update_id")
    return update_id


def _telegram_name(person: Mapping[str, Any]) -> str | None:
    parts = [person.get("first_name"), person.get("last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    username = person.get("username")
    if not name and isinstance(username, str) and username.strip():
        name = username.strip()
    return name or None


def _int(value: object) -> int | None:
    # JSON true/false decode to bool, which Python counts as int: not an id.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- Shared -------------------------------------------------------------------------------------
_Event = TypeVar("_Event", InboundMessage, InboundEmailNotice, DeliveryUpdate)


def _build(model: type[_Event], **fields: Any) -> _Event:
    """The event, or a WebhookPayloadError when a field breaks the model (an over-long id...)."""
    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise WebhookPayloadError(f"invalid {model.__name__}: {problems}") from exc
