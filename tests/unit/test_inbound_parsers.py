"""Provider webhooks read into provider-neutral events, on the providers' documented payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from maxcore.channels.inbound import (
    WebhookPayloadError,
    parse_resend,
    parse_telegram,
    parse_twilio,
    telegram_delivery_key,
    twilio_delivery_key,
)
from maxcore.models.activity import ActivityStatus
from maxcore.models.common import Channel
from maxcore.models.webhook import (
    SUBJECT_MAX,
    DeliveryUpdate,
    IgnoredEvent,
    InboundEmailNotice,
    InboundMessage,
    SuppressionReason,
)
from maxcore.rules.webhook_auth import verify_svix, verify_telegram, verify_twilio
from tests.support.webhook_samples import (
    BOUNCED_EMAIL_ID,
    BOUNCING_EMAIL,
    COMPLAINED_EMAIL_ID,
    COMPLAINING_EMAIL,
    EVENTS_DEMO_EMAIL_INBOX,
    EVENTS_DEMO_RESEND_SECRET,
    EVENTS_DEMO_TELEGRAM_SECRET,
    EVENTS_DEMO_TWILIO_AUTH_TOKEN,
    EVENTS_DEMO_TWILIO_NUMBER,
    EVENTS_DEMO_TWILIO_URL,
    EVENTS_DIR,
    INBOUND_SMS_SID,
    INBOUND_WHATSAPP_SID,
    OPTED_OUT_PHONE,
    OUTBOUND_OPTED_OUT_SID,
    OUTBOUND_SMS_SID,
    SOPHIE_EMAIL,
    SOPHIE_EMAIL_ID,
    SOPHIE_PHONE,
    SOPHIE_TELEGRAM_CHAT_ID,
    STOP_SMS_SID,
    event_body,
    render_event,
    resend_event,
    resend_payload,
    resign_svix,
    sample_events,
    telegram_event,
    telegram_update,
    twilio_event,
    twilio_form,
    twilio_inbound_params,
    twilio_status_params,
)

NOW = datetime(2026, 3, 10, 8, 30, 5, tzinfo=UTC)
SAMPLES = sample_events()


def _sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return event


def _json_body(event: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(event_body(event))
    return body


# --- Twilio: inbound messages ---------------------------------------------------------------------
def test_twilio_inbound_sms_sample_is_a_message_from_the_lead() -> None:
    # Given Sophie's SMS reply as Twilio posts it
    form = twilio_form(_sample("webhooks_twilio_inbound_sms.json"))

    # When it is read
    event = parse_twilio(form, NOW)

    # Then it is her message, on SMS, from her E.164 number, received now
    assert event == InboundMessage(
        channel=Channel.SMS,
        provider_message_id=INBOUND_SMS_SID,
        sender=SOPHIE_PHONE,
        sender_name=None,
        recipient=EVENTS_DEMO_TWILIO_NUMBER,
        text="Oui, ça m'intéresse, vous pouvez me rappeler demain ?",
        received_at=NOW,
    )


def test_twilio_inbound_whatsapp_sample_drops_the_prefix_and_keeps_the_profile_name() -> None:
    # Given Sophie's WhatsApp reply (whatsapp: addresses, ProfileName, WaId)
    form = twilio_form(_sample("webhooks_twilio_inbound_whatsapp.json"))

    # When it is read
    event = parse_twilio(form, NOW)

    # Then the channel is WhatsApp and the sender the same E.164 number as on SMS
    assert isinstance(event, InboundMessage)
    assert event.channel is Channel.WHATSAPP
    assert event.sender == SOPHIE_PHONE
    assert event.sender_name == "Sophie Martin"
    assert event.provider_message_id == INBOUND_WHATSAPP_SID
    assert event.recipient == f"whatsapp:{EVENTS_DEMO_TWILIO_NUMBER}"
    assert event.text.startswith("Bonjour ! Jeudi 14h")


@pytest.mark.parametrize(
    "marker",
    [{"WaId": "33612345678"}, {"ChannelPrefix": "whatsapp"}],
    ids=["wa-id", "channel-prefix"],
)
def test_twilio_whatsapp_is_recognised_without_the_prefix(marker: dict[str, str]) -> None:
    # Given an inbound form whose addresses carry no whatsapp: prefix but a WhatsApp field
    form = twilio_inbound_params(SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER, "Bonjour") | marker

    # When it is read, then it is a WhatsApp message
    event = parse_twilio(form, NOW)
    assert isinstance(event, InboundMessage)
    assert event.channel is Channel.WHATSAPP


def test_twilio_stop_sample_is_an_ordinary_inbound_message() -> None:
    # Given Sophie's STOP: reading it is the parser's job, deciding what it means is the keyword rule's
    event = parse_twilio(twilio_form(_sample("webhooks_twilio_stop.json")), NOW)

    assert isinstance(event, InboundMessage)
    assert (event.provider_message_id, event.text, event.sender) == (STOP_SMS_SID, "STOP", SOPHIE_PHONE)


def test_twilio_national_sender_is_read_in_the_tenant_country() -> None:
    # Given a Belgian tenant and a sender written as a national number
    form = twilio_inbound_params("0470 12 34 56", EVENTS_DEMO_TWILIO_NUMBER, "Bonjour")

    # When it is read with the tenant's default country
    event = parse_twilio(form, NOW, country="BE")

    # Then the sender is in E.164 for that country
    assert isinstance(event, InboundMessage)
    assert event.sender == "+32470123456"


def test_twilio_sender_in_a_range_the_metadata_does_not_know_still_reaches_its_lead() -> None:
    # Given a reply from a number of a possible length in a range the phone library finds unassigned
    form = twilio_inbound_params("+33700000001", EVENTS_DEMO_TWILIO_NUMBER, "STOP")

    # When it is read
    event = parse_twilio(form, NOW)

    # Then it is an inbound message in the same E.164 form a lead's number has (a STOP is never lost)
    assert isinstance(event, InboundMessage)
    assert event.sender == "+33700000001"


@pytest.mark.parametrize("sender", ["36111", "INFOSMS"], ids=["short-code", "alphanumeric"])
def test_twilio_sender_that_is_no_phone_number_is_ignored(sender: str) -> None:
    # Given an operator message from a short code or an alphanumeric sender
    form = twilio_inbound_params(sender, EVENTS_DEMO_TWILIO_NUMBER, "Votre forfait est épuisé")

    # When it is read, then it is ignored (no lead writes from there), not refused
    event = parse_twilio(form, NOW)
    assert isinstance(event, IgnoredEvent)
    assert event.kind == "twilio.inbound"
    assert sender in event.reason


def test_twilio_media_only_message_has_empty_text() -> None:
    # Given a photo sent without a caption
    form = twilio_inbound_params(SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER, "") | {"NumMedia": "1"}

    # When it is read, then it is still her message, with no text
    event = parse_twilio(form, NOW)
    assert isinstance(event, InboundMessage)
    assert event.text == ""


def test_twilio_inbound_without_sms_status_is_read_from_its_body() -> None:
    form = twilio_inbound_params(SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER, "Bonjour")
    del form["SmsStatus"]

    event = parse_twilio(form, NOW)

    assert isinstance(event, InboundMessage)
    assert event.text == "Bonjour"


# --- Twilio: status callbacks ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", ActivityStatus.QUEUED),
        ("scheduled", ActivityStatus.QUEUED),
        ("queued", ActivityStatus.QUEUED),
        ("sending", ActivityStatus.QUEUED),
        ("sent", ActivityStatus.SENT),
        ("delivered", ActivityStatus.DELIVERED),
        ("read", ActivityStatus.READ),
        ("failed", ActivityStatus.FAILED),
        ("canceled", ActivityStatus.FAILED),
        ("undelivered", ActivityStatus.UNDELIVERED),
    ],
)
def test_twilio_status_callback_maps_each_status(status: str, expected: ActivityStatus) -> None:
    # Given a status callback for a message M.A.X. sent
    form = twilio_status_params(OUTBOUND_SMS_SID, status, SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER)

    # When it is read
    event = parse_twilio(form, NOW)

    # Then it is that message's new status, at the time it arrived (Twilio sends none)
    assert event == DeliveryUpdate(
        channel=Channel.SMS,
        provider_message_id=OUTBOUND_SMS_SID,
        status=expected,
        occurred_at=NOW,
        recipient=SOPHIE_PHONE,
    )


def test_twilio_status_is_read_from_the_legacy_sms_status_alone_and_in_any_case() -> None:
    form = twilio_status_params(OUTBOUND_SMS_SID, "Delivered", SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER)
    del form["MessageStatus"]

    event = parse_twilio(form, NOW)

    assert isinstance(event, DeliveryUpdate)
    assert event.status is ActivityStatus.DELIVERED


def test_twilio_delivered_sample() -> None:
    event = parse_twilio(twilio_form(_sample("webhooks_twilio_status_delivered.json")), NOW)

    assert isinstance(event, DeliveryUpdate)
    assert (event.provider_message_id, event.status, event.recipient) == (
        OUTBOUND_SMS_SID,
        ActivityStatus.DELIVERED,
        SOPHIE_PHONE,
    )
    assert not event.opted_out
    assert event.error_code is None


def test_twilio_21610_sample_says_the_recipient_opted_out() -> None:
    # Given the callback of a send to a number that replied STOP earlier
    event = parse_twilio(twilio_form(_sample("webhooks_twilio_status_failed_21610.json")), NOW)

    # Then the message failed and the lead is known to have opted out
    assert isinstance(event, DeliveryUpdate)
    assert event.provider_message_id == OUTBOUND_OPTED_OUT_SID
    assert event.status is ActivityStatus.FAILED
    assert event.error_code == "21610"
    assert event.opted_out
    assert event.recipient == OPTED_OUT_PHONE


def test_twilio_other_errors_are_kept_without_opting_out() -> None:
    # Given an undelivered message with a carrier error and its message
    form = twilio_status_params(
        OUTBOUND_SMS_SID, "undelivered", SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER, error_code="30003"
    ) | {"ErrorMessage": "Unreachable destination handset"}

    event = parse_twilio(form, NOW)

    assert isinstance(event, DeliveryUpdate)
    assert (event.status, event.error_code, event.error_message) == (
        ActivityStatus.UNDELIVERED,
        "30003",
        "Unreachable destination handset",
    )
    assert not event.opted_out


def test_twilio_whatsapp_read_receipt() -> None:
    # Given WhatsApp's read receipt for a message M.A.X. sent
    form = twilio_status_params(
        OUTBOUND_SMS_SID, "read", f"whatsapp:{SOPHIE_PHONE}", f"whatsapp:{EVENTS_DEMO_TWILIO_NUMBER}"
    )

    event = parse_twilio(form, NOW)

    assert isinstance(event, DeliveryUpdate)
    assert (event.channel, event.status, event.recipient) == (
        Channel.WHATSAPP,
        ActivityStatus.READ,
        SOPHIE_PHONE,
    )


def test_twilio_untracked_status_is_ignored() -> None:
    form = twilio_status_params(OUTBOUND_SMS_SID, "partially_delivered", SOPHIE_PHONE, "+33700000001")

    event = parse_twilio(form, NOW)

    assert isinstance(event, IgnoredEvent)
    assert event.kind == "twilio.status.partially_delivered"


# --- Twilio: malformed ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "form",
    [
        {
            k: v
            for k, v in twilio_inbound_params(SOPHIE_PHONE, "+33700000001", "Bonjour").items()
            if k != "MessageSid"
        },
        twilio_inbound_params(SOPHIE_PHONE, "+33700000001", "Bonjour") | {"MessageSid": "  "},
        {
            k: v
            for k, v in twilio_status_params(OUTBOUND_SMS_SID, "sent", SOPHIE_PHONE, "+33700000001").items()
            if k != "MessageSid"
        },
        {"MessageSid": OUTBOUND_SMS_SID, "AccountSid": "AC00000000000000000000000000000000"},
        twilio_inbound_params("", "+33700000001", "Bonjour"),
        twilio_inbound_params(SOPHIE_PHONE, "+33700000001", "Bonjour", sid="SM" + "0" * 200),
        {},
    ],
    ids=[
        "no-sid-inbound",
        "blank-sid",
        "no-sid-status",
        "neither-body-nor-status",
        "no-from",
        "long-sid",
        "empty",
    ],
)
def test_twilio_malformed_forms_are_payload_errors(form: dict[str, str]) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_twilio(form, NOW)


def test_twilio_delivery_key_is_the_sid_for_a_message_and_sid_with_status_for_a_callback() -> None:
    # Given an inbound message, and two successive callbacks about one sent message
    inbound = twilio_form(_sample("webhooks_twilio_inbound_sms.json"))
    sent = twilio_status_params(OUTBOUND_SMS_SID, "sent", SOPHIE_PHONE, EVENTS_DEMO_TWILIO_NUMBER)
    delivered = twilio_form(_sample("webhooks_twilio_status_delivered.json"))

    # Then a retry of a delivery has its key, and the next status of the same message another one
    assert twilio_delivery_key(inbound) == INBOUND_SMS_SID
    assert twilio_delivery_key(delivered) == f"{OUTBOUND_SMS_SID}:delivered"
    assert twilio_delivery_key(sent) == f"{OUTBOUND_SMS_SID}:sent"
    assert twilio_delivery_key(dict(delivered)) == twilio_delivery_key(delivered)


def test_twilio_delivery_key_needs_a_sid() -> None:
    with pytest.raises(WebhookPayloadError):
        twilio_delivery_key({"MessageStatus": "sent"})


# --- Resend ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("webhooks_resend_delivered.json", ActivityStatus.DELIVERED),
        ("webhooks_resend_opened.json", ActivityStatus.OPENED),
        ("webhooks_resend_clicked.json", ActivityStatus.CLICKED),
    ],
)
def test_resend_samples_about_sophies_email(name: str, status: ActivityStatus) -> None:
    # Given Resend's events about the e-mail M.A.X. sent Sophie
    payload = _json_body(_sample(name))

    # When one is read
    event = parse_resend(payload)

    # Then it is that e-mail's new status, at the event's time, to her address
    assert event == DeliveryUpdate(
        channel=Channel.EMAIL,
        provider_message_id=SOPHIE_EMAIL_ID,
        status=status,
        occurred_at=datetime.fromisoformat(payload["created_at"]),
        recipient=SOPHIE_EMAIL,
    )


def test_resend_sent() -> None:
    payload = resend_payload("email.sent", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00.412Z")

    event = parse_resend(payload)

    assert isinstance(event, DeliveryUpdate)
    assert event.status is ActivityStatus.SENT
    assert event.occurred_at == datetime(2026, 3, 10, 8, 13, 0, 412_000, tzinfo=UTC)


def test_resend_hard_bounce_sample_suppresses_the_address() -> None:
    # Given a permanent bounce (no such mailbox)
    event = parse_resend(_json_body(_sample("webhooks_resend_bounced.json")))

    # Then the message bounced and the address must not be written to again
    assert isinstance(event, DeliveryUpdate)
    assert event.provider_message_id == BOUNCED_EMAIL_ID
    assert event.status is ActivityStatus.BOUNCED
    assert event.suppress is SuppressionReason.BOUNCED
    assert event.error_code == "Permanent/General"
    assert event.error_message is not None
    assert "5.1.1" in event.error_message
    assert event.recipient == BOUNCING_EMAIL


@pytest.mark.parametrize("bounce_type", ["Transient", "Undetermined"])
def test_resend_soft_bounce_keeps_the_address(bounce_type: str) -> None:
    # Given a bounce that says nothing about the address being wrong (mailbox full)
    payload = resend_payload(
        "email.bounced",
        BOUNCED_EMAIL_ID,
        BOUNCING_EMAIL,
        "2026-03-10T08:05:00.412Z",
        bounce={"message": "Mailbox full", "subType": "MailboxFull", "type": bounce_type},
    )

    event = parse_resend(payload)

    # Then this message bounced, but the address stays usable
    assert isinstance(event, DeliveryUpdate)
    assert event.status is ActivityStatus.BOUNCED
    assert event.suppress is None
    assert event.error_code == f"{bounce_type}/MailboxFull"


def test_resend_bounce_without_details_is_permanent_as_documented() -> None:
    payload = resend_payload("email.bounced", BOUNCED_EMAIL_ID, BOUNCING_EMAIL, "2026-03-10T08:05:00Z")

    event = parse_resend(payload)

    assert isinstance(event, DeliveryUpdate)
    assert event.suppress is SuppressionReason.BOUNCED


def test_resend_complaint_sample_suppresses_without_changing_the_status() -> None:
    event = parse_resend(_json_body(_sample("webhooks_resend_complained.json")))

    assert isinstance(event, DeliveryUpdate)
    assert (event.provider_message_id, event.status, event.suppress, event.recipient) == (
        COMPLAINED_EMAIL_ID,
        None,
        SuppressionReason.COMPLAINED,
        COMPLAINING_EMAIL,
    )


def test_resend_failed_keeps_the_reason() -> None:
    payload = resend_payload(
        "email.failed",
        SOPHIE_EMAIL_ID,
        SOPHIE_EMAIL,
        "2026-03-10T08:13:00Z",
        failed={"reason": "reached_daily_quota"},
    )

    event = parse_resend(payload)

    assert isinstance(event, DeliveryUpdate)
    assert (event.status, event.error_code, event.suppress) == (
        ActivityStatus.FAILED,
        "reached_daily_quota",
        None,
    )


@pytest.mark.parametrize(
    "kind",
    [
        "email.delivery_delayed",
        "email.delivered_delayed",
        "email.scheduled",
        "contact.created",
        "domain.updated",
    ],
)
def test_resend_events_without_an_outcome_are_ignored(kind: str) -> None:
    event = parse_resend(resend_payload(kind, SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00Z"))

    assert isinstance(event, IgnoredEvent)
    assert event.kind == kind


def test_resend_received_email_is_a_notice_for_the_worker_to_read() -> None:
    # Given Resend announcing an e-mail Sophie wrote to the tenant's inbox
    payload = resend_payload(
        "email.received",
        "a3e1c9f2-5b7d-4e08-9c61-2f4d8b0e7a15",
        EVENTS_DEMO_EMAIL_INBOX,
        "2026-03-10T08:40:12.126Z",
        **{
            "from": "Sophie Martin <Sophie.Martin@Example.fr>",
            "subject": "Re: Votre devis personnalisé",
            "cc": [],
            "bcc": [],
            "message_id": "<CAF=3xq@mail.example.fr>",
            "attachments": [],
        },
    )

    # When it is read
    event = parse_resend(payload)

    # Then it is a notice of her e-mail (the hook has no body): its id, her normalised address and
    # display name, our inbox, the subject and the time, what the worker needs to fetch and record it
    assert event == InboundEmailNotice(
        email_id="a3e1c9f2-5b7d-4e08-9c61-2f4d8b0e7a15",
        sender=SOPHIE_EMAIL,
        sender_name="Sophie Martin",
        recipient=EVENTS_DEMO_EMAIL_INBOX,
        subject="Re: Votre devis personnalisé",
        received_at=datetime(2026, 3, 10, 8, 40, 12, 126_000, tzinfo=UTC),
    )
    # And, if the body never comes, the subject stands for it
    fallback = event.subject_only()
    assert (fallback.channel, fallback.provider_message_id, fallback.text, fallback.subject) == (
        Channel.EMAIL,
        "a3e1c9f2-5b7d-4e08-9c61-2f4d8b0e7a15",
        "Re: Votre devis personnalisé",
        "Re: Votre devis personnalisé",
    )


def test_resend_received_subject_is_cut_to_a_mail_line() -> None:
    payload = resend_payload(
        "email.received", "id-1", EVENTS_DEMO_EMAIL_INBOX, "2026-03-10T08:40:12Z", subject="Re: " + "x" * 5000
    )

    event = parse_resend(payload)

    assert isinstance(event, InboundEmailNotice)
    assert len(event.subject) == SUBJECT_MAX


def test_resend_received_from_a_bare_address_has_no_name() -> None:
    payload = resend_payload(
        "email.received", "id-1", EVENTS_DEMO_EMAIL_INBOX, "2026-03-10T08:40:12Z", **{"from": SOPHIE_EMAIL}
    )

    event = parse_resend(payload)

    assert isinstance(event, InboundEmailNotice)
    assert (event.sender, event.sender_name) == (SOPHIE_EMAIL, None)


@pytest.mark.parametrize(
    ("to", "expected"),
    [(["Sophie <Sophie.Martin@example.fr>"], SOPHIE_EMAIL), ([], None), (["not an address"], None)],
)
def test_resend_recipient_is_the_first_address_normalised(to: list[str], expected: str | None) -> None:
    payload = resend_payload("email.delivered", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00Z")
    payload["data"]["to"] = to

    event = parse_resend(payload)

    assert isinstance(event, DeliveryUpdate)
    assert event.recipient == expected


def test_resend_time_without_offset_is_utc() -> None:
    payload = resend_payload("email.opened", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00Z")
    payload["created_at"] = "2026-03-10T08:13:00"

    event = parse_resend(payload)

    assert isinstance(event, DeliveryUpdate)
    assert event.occurred_at == datetime(2026, 3, 10, 8, 13, tzinfo=UTC)


def _delivered() -> dict[str, Any]:
    return resend_payload("email.delivered", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00Z")


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in _delivered().items() if k != "type"},
        _delivered() | {"type": 42},
        {k: v for k, v in _delivered().items() if k != "data"},
        _delivered() | {"data": ["not", "an", "object"]},
        _delivered() | {"data": {k: v for k, v in _delivered()["data"].items() if k != "email_id"}},
        _delivered() | {"data": _delivered()["data"] | {"email_id": ""}},
        {k: v for k, v in _delivered().items() if k != "created_at"},
        _delivered() | {"created_at": "yesterday"},
        resend_payload(
            "email.received", "id-1", EVENTS_DEMO_EMAIL_INBOX, "2026-03-10T08:40:12Z", **{"from": "Sophie"}
        ),
        _delivered() | {"data": _delivered()["data"] | {"email_id": "e" * 200}},
    ],
    ids=[
        "no-type",
        "type-not-text",
        "no-data",
        "data-not-object",
        "no-email-id",
        "blank-email-id",
        "no-created-at",
        "bad-created-at",
        "received-without-address",
        "email-id-too-long",
    ],
)
def test_resend_malformed_payloads_are_payload_errors(payload: dict[str, Any]) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_resend(payload)


# --- Telegram -------------------------------------------------------------------------------------
def test_telegram_message_sample_is_a_message_from_the_chat() -> None:
    # Given Sophie's text message to the bot, in their private chat
    update = _json_body(_sample("webhooks_telegram_message.json"))

    # When it is read
    event = parse_telegram(update)

    # Then the sender is the chat, the id is unique across chats, the time is the message's
    assert event == InboundMessage(
        channel=Channel.TELEGRAM,
        provider_message_id=f"{SOPHIE_TELEGRAM_CHAT_ID}:42",
        sender=str(SOPHIE_TELEGRAM_CHAT_ID),
        sender_name="Sophie Martin",
        text="Bonjour, je suis disponible jeudi pour en parler.",
        received_at=datetime(2026, 3, 10, 8, 34, tzinfo=UTC),
    )


def test_telegram_start_sample_is_read_as_its_command_text() -> None:
    event = parse_telegram(_json_body(_sample("webhooks_telegram_start.json")))

    assert isinstance(event, InboundMessage)
    assert (event.text, event.provider_message_id) == ("/start", f"{SOPHIE_TELEGRAM_CHAT_ID}:41")


@pytest.mark.parametrize(
    ("first", "last", "username", "expected"),
    [
        ("Sophie", None, None, "Sophie"),
        ("", None, "sophie_martin", "sophie_martin"),
        ("", None, None, None),
    ],
    ids=["first-name-only", "username", "nothing"],
)
def test_telegram_sender_name_falls_back_to_the_username(
    first: str, last: str | None, username: str | None, expected: str | None
) -> None:
    update = telegram_update(1, 77, "Bonjour", 3, 1773131400, first, last, username)

    event = parse_telegram(update)

    assert isinstance(event, InboundMessage)
    assert event.sender_name == expected


def test_telegram_edited_message_is_ignored() -> None:
    # Given the edit of a message already read
    original = telegram_update(10, 77, "Bonjour", 3, 1773131400)
    update = {"update_id": 11, "edited_message": original["message"] | {"edit_date": 1773131460}}

    # When it is read, then it is ignored, so one reply does not count twice
    event = parse_telegram(update)
    assert isinstance(event, IgnoredEvent)
    assert event.kind == "edited_message"


@pytest.mark.parametrize(
    ("update", "kind"),
    [
        (
            {
                "update_id": 12,
                "my_chat_member": {
                    "chat": {"id": 77, "type": "private"},
                    "date": 1773131400,
                    "new_chat_member": {"status": "kicked"},
                },
            },
            "my_chat_member",
        ),
        ({"update_id": 13, "callback_query": {"id": "4382", "data": "yes"}}, "callback_query"),
        ({"update_id": 14}, "unknown"),
    ],
    ids=["bot-blocked", "button", "empty"],
)
def test_telegram_other_updates_are_ignored_with_their_kind(update: dict[str, Any], kind: str) -> None:
    event = parse_telegram(update)

    assert isinstance(event, IgnoredEvent)
    assert event.kind == kind


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ({"photo": [{"file_id": "AgAC", "width": 90, "height": 90}], "caption": "ma carte"}, "message.photo"),
        ({"sticker": {"file_id": "CAAC", "emoji": "👍"}}, "message.sticker"),
        ({"voice": {"file_id": "AwAC", "duration": 4}}, "message.voice"),
        ({"something_new": {}}, "message"),
    ],
    ids=["photo", "sticker", "voice", "unknown"],
)
def test_telegram_messages_without_text_are_ignored(content: dict[str, Any], kind: str) -> None:
    update = telegram_update(15, 77, "x", 5, 1773131400)
    del update["message"]["text"]
    update["message"] |= content

    event = parse_telegram(update)

    assert isinstance(event, IgnoredEvent)
    assert event.kind == kind


def test_telegram_group_messages_are_ignored() -> None:
    update = telegram_update(16, -100123, "/start@MaxEventsDemoBot", 6, 1773131400)
    update["message"]["chat"] = {"id": -100123, "title": "Équipe", "type": "supergroup"}

    event = parse_telegram(update)

    assert isinstance(event, IgnoredEvent)
    assert "supergroup" in event.reason


def _update_without(path: tuple[str, ...]) -> dict[str, Any]:
    update = telegram_update(20, 77, "Bonjour", 8, 1773131400)
    target: dict[str, Any] = update
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return update


@pytest.mark.parametrize(
    "update",
    [
        _update_without(("update_id",)),
        telegram_update(20, 77, "Bonjour", 8, 1773131400) | {"update_id": "20"},
        telegram_update(20, 77, "Bonjour", 8, 1773131400) | {"update_id": True},
        _update_without(("message", "chat")),
        _update_without(("message", "chat", "id")),
        _update_without(("message", "message_id")),
        _update_without(("message", "date")),
        {"update_id": 21, "message": "Bonjour"},
        telegram_update(22, 77, "Bonjour", 8, 10**15),
    ],
    ids=[
        "no-update-id",
        "update-id-text",
        "update-id-bool",
        "no-chat",
        "no-chat-id",
        "no-message-id",
        "no-date",
        "message-not-object",
        "date-out-of-range",
    ],
)
def test_telegram_malformed_updates_are_payload_errors(update: dict[str, Any]) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_telegram(update)


def test_telegram_delivery_key_is_the_update_id() -> None:
    assert telegram_delivery_key(_json_body(_sample("webhooks_telegram_message.json"))) == "731204518"
    with pytest.raises(WebhookPayloadError):
        telegram_delivery_key({"message": {}})


# --- The events/ samples ------------------------------------------------------------------------
def test_every_webhook_sample_file_is_built_by_the_support_builders() -> None:
    # Given the events/webhooks_*.json files and the builders that make them
    files = {p.name for p in EVENTS_DIR.glob("webhooks_*.json")}

    # Then there is one file per sample and each equals its build, byte for byte
    assert files == set(SAMPLES)
    for name, event in SAMPLES.items():
        assert (EVENTS_DIR / name).read_text(encoding="utf-8") == render_event(event), name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_webhook_samples_are_public_routes_for_the_events_demo_tenant(name: str) -> None:
    event = _sample(name)
    provider = name.split("_")[1]

    assert "authorizer" not in event["requestContext"]
    assert (
        event["routeKey"] == event["requestContext"]["routeKey"] == f"POST /webhooks/{provider}/{{tenant_id}}"
    )
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == f"/webhooks/{provider}/events-demo"
    assert event["pathParameters"] == {"tenant_id": "events-demo"}
    assert event["headers"]["host"] == event["requestContext"]["domainName"] == "api.max.example.com"
    assert event["headers"]["content-length"] == str(len(event_body(event)))


EXPECTED_TYPES = {
    "webhooks_twilio_inbound_sms.json": InboundMessage,
    "webhooks_twilio_inbound_whatsapp.json": InboundMessage,
    "webhooks_twilio_stop.json": InboundMessage,
    "webhooks_twilio_status_delivered.json": DeliveryUpdate,
    "webhooks_twilio_status_failed_21610.json": DeliveryUpdate,
    "webhooks_twilio_forged.json": InboundMessage,
    "webhooks_resend_delivered.json": DeliveryUpdate,
    "webhooks_resend_opened.json": DeliveryUpdate,
    "webhooks_resend_clicked.json": DeliveryUpdate,
    "webhooks_resend_bounced.json": DeliveryUpdate,
    "webhooks_resend_complained.json": DeliveryUpdate,
    "webhooks_resend_received.json": InboundEmailNotice,
    "webhooks_telegram_message.json": InboundMessage,
    "webhooks_telegram_start.json": InboundMessage,
}


def test_expected_types_cover_every_sample() -> None:
    assert set(EXPECTED_TYPES) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_each_sample_parses_with_its_provider_parser(name: str) -> None:
    event = _sample(name)
    provider = name.split("_")[1]

    if provider == "twilio":
        parsed = parse_twilio(twilio_form(event), NOW)
    elif provider == "resend":
        parsed = parse_resend(_json_body(event))
    else:
        parsed = parse_telegram(_json_body(event))

    assert type(parsed) is EXPECTED_TYPES[name]


def _twilio_url(event: dict[str, Any]) -> str:
    # What the webhook handler rebuilds: the public https URL Twilio called, without a query.
    return f"https://{event['requestContext']['domainName']}{event['rawPath']}"


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("webhooks_twilio_")))
def test_twilio_sample_signatures_verify_except_the_forged_one(name: str) -> None:
    # Given a Twilio sample and the tenant's auth token
    event = _sample(name)
    url = _twilio_url(event)

    # When its signature is checked against the URL and the form
    verdict = verify_twilio(
        EVENTS_DEMO_TWILIO_AUTH_TOKEN, url, twilio_form(event), event["headers"]["x-twilio-signature"]
    )

    # Then every genuine sample passes and the forged one does not
    assert url == EVENTS_DEMO_TWILIO_URL
    assert verdict.ok is (name != "webhooks_twilio_forged.json"), verdict.reason


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("webhooks_resend_")))
def test_resend_sample_signatures_verify_at_their_time_and_after_resigning(name: str) -> None:
    # Given a Resend sample, signed when it was written
    event = _sample(name)
    signed_at = datetime.fromtimestamp(int(event["headers"]["svix-timestamp"]), tz=UTC)

    # Then it verifies at its time, no longer today, and again once re-signed now
    assert verify_svix(EVENTS_DEMO_RESEND_SECRET, event["headers"], event_body(event), signed_at).ok
    now = datetime.now(UTC)
    assert not verify_svix(EVENTS_DEMO_RESEND_SECRET, event["headers"], event_body(event), now).ok
    fresh = resign_svix(event, EVENTS_DEMO_RESEND_SECRET, int(now.timestamp()))
    assert verify_svix(EVENTS_DEMO_RESEND_SECRET, fresh["headers"], event_body(fresh), now).ok
    assert fresh["requestContext"]["timeEpoch"] == int(now.timestamp()) * 1000
    assert event_body(fresh) == event_body(event)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if n.startswith("webhooks_telegram_")))
def test_telegram_samples_carry_the_secret_token(name: str) -> None:
    event = _sample(name)

    assert verify_telegram(
        EVENTS_DEMO_TELEGRAM_SECRET, event["headers"]["x-telegram-bot-api-secret-token"]
    ).ok


# --- The builders other tests use ---------------------------------------------------------------
def test_twilio_event_built_for_another_tenant_signs_its_own_url() -> None:
    # Given a form for tenant "acme" with its own token
    params = twilio_inbound_params(SOPHIE_PHONE, "+33700000002", "Bonjour")
    event = twilio_event("acme", params, "acme-token")

    # Then the event is that tenant's route, its form is the one given and the signature matches
    assert event["pathParameters"] == {"tenant_id": "acme"}
    assert twilio_form(event) == params
    assert verify_twilio(
        "acme-token",
        "https://api.max.example.com/webhooks/twilio/acme",
        params,
        event["headers"]["x-twilio-signature"],
    ).ok
    assert not verify_twilio(
        EVENTS_DEMO_TWILIO_AUTH_TOKEN, _twilio_url(event), params, event["headers"]["x-twilio-signature"]
    ).ok


def test_twilio_event_retry_repeats_the_idempotency_token() -> None:
    params = twilio_inbound_params(SOPHIE_PHONE, "+33700000001", "Bonjour", sid=INBOUND_SMS_SID)

    first = twilio_event("events-demo", params, EVENTS_DEMO_TWILIO_AUTH_TOKEN)
    retry = twilio_event("events-demo", params, EVENTS_DEMO_TWILIO_AUTH_TOKEN)

    assert first["headers"]["i-twilio-idempotency-token"] == retry["headers"]["i-twilio-idempotency-token"]


def test_resend_event_with_a_given_signature_keeps_it() -> None:
    payload = resend_payload("email.delivered", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "2026-03-10T08:13:00Z")
    now = datetime.now(UTC)

    event = resend_event(
        "events-demo", payload, EVENTS_DEMO_RESEND_SECRET, "msg_1", int(now.timestamp()), "v1,Zm9v"
    )

    assert event["headers"]["svix-signature"] == "v1,Zm9v"
    assert not verify_svix(EVENTS_DEMO_RESEND_SECRET, event["headers"], event_body(event), now).ok
    assert _json_body(event) == payload


def test_telegram_event_without_secret_has_no_header() -> None:
    event = telegram_event("events-demo", telegram_update(1, 77, "Bonjour", 3, 1773131400), None)

    assert "x-telegram-bot-api-secret-token" not in event["headers"]
    assert (
        verify_telegram(
            EVENTS_DEMO_TELEGRAM_SECRET, event["headers"].get("x-telegram-bot-api-secret-token")
        ).ok
        is False
    )


def test_sample_times_tell_a_consistent_story() -> None:
    # The delivered callback comes before Sophie's reply, which comes before her STOP.
    epoch = {name: _sample(name)["requestContext"]["timeEpoch"] for name in SAMPLES}
    assert epoch["webhooks_twilio_status_delivered.json"] < epoch["webhooks_twilio_inbound_sms.json"]
    assert epoch["webhooks_twilio_inbound_sms.json"] < epoch["webhooks_twilio_stop.json"]
    assert (
        epoch["webhooks_resend_delivered.json"]
        < epoch["webhooks_resend_opened.json"]
        < epoch["webhooks_resend_clicked.json"]
    )
    assert datetime.fromtimestamp(
        epoch["webhooks_twilio_inbound_sms.json"] / 1000, tz=UTC
    ) == NOW - timedelta(seconds=5)
