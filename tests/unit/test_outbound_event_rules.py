"""The outbound events' rules: which addresses may be called, the signature, the retries, the events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from itertools import pairwise

import pytest
import resend

from maxcore.models.outbound_event import EventType
from maxcore.rules.outbound_events import (
    DISABLE_AFTER,
    RETRY_DELAYS,
    SECRET_OVERLAP,
    UnsafeUrlError,
    address_kind,
    check_addresses,
    events_of_change,
    new_secret,
    parse_target,
    previous_secret_signs,
    retry_delay,
    should_disable,
    signature,
    signatures,
)
from maxcore.services.event_publisher import outbound_events

AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


# --- addresses ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address checked, not bound)
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
    ],
)
def test_an_address_that_is_not_public_is_named_by_its_kind(address: str, kind: str) -> None:
    assert address_kind(ip_address(address)) == kind


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:8.8.8.8"]
)
def test_a_public_address_may_be_called(address: str) -> None:
    assert address_kind(ip_address(address)) is None


def test_a_host_answering_one_private_address_among_public_ones_is_refused() -> None:
    # Given a DNS answer that mixes a public address with a private one (a rebinding attempt)
    answer = ["93.184.215.14", "10.1.2.3"]

    # When it is checked, Then the private one is named and nothing passes
    with pytest.raises(UnsafeUrlError) as refused:
        check_addresses("hooks.example.com", answer)
    assert refused.value.details == {"host": "hooks.example.com", "address": "10.1.2.3", "kind": "private"}


def test_a_host_that_resolves_to_nothing_is_refused() -> None:
    with pytest.raises(UnsafeUrlError, match="does not resolve"):
        check_addresses("nowhere.example", [])


def test_loopback_passes_only_with_the_local_setting_and_nothing_else_does() -> None:
    assert [str(a) for a in check_addresses("localhost", ["127.0.0.1", "::1"], allow_local=True)] == [
        "127.0.0.1",
        "::1",
    ]
    with pytest.raises(UnsafeUrlError):
        check_addresses("localhost", ["127.0.0.1"])
    with pytest.raises(UnsafeUrlError):
        check_addresses("intranet", ["10.0.0.1"], allow_local=True)


# --- URLs --------------------------------------------------------------------------------------------
def test_an_https_url_gives_its_host_port_and_path() -> None:
    target = parse_target("https://hooks.example.com:8443/max/in?source=crm")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/max/in?source=crm",
    )
    assert parse_target("https://hooks.example.com").port == 443


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/in", "must use https"),
        ("ftp://hooks.example.com/in", "must use https"),
        ("https://user:pass@hooks.example.com/in", "user name or password"),
        ("https://token@hooks.example.com/in", "user name or password"),
        ("https:///in", "needs a host name"),
        ("https://hooks.example.com:99999/in", "cannot be read"),
        ("https://hooks.example.com/in#part", "fragment"),
    ],
)
def test_a_url_that_is_not_plain_https_is_refused_with_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(UnsafeUrlError, match=problem):
        parse_target(url)


def test_http_passes_only_with_the_local_setting() -> None:
    assert parse_target("http://127.0.0.1:8080/in", allow_local=True).port == 8080


# --- signature (Standard Webhooks) -----------------------------------------------------------------
def test_the_signature_matches_the_specification_s_known_vector() -> None:
    # The vector of the Standard Webhooks and Svix libraries' own tests.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signed = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')
    assert signed == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _verifies(secret: str, header: str, timestamp: int, body: str) -> bool:
    """Whether the Resend SDK's Svix verifier (not ours) accepts the header with ``secret``."""
    headers = {"id": "msg_1", "timestamp": str(timestamp), "signature": header}
    try:
        resend.Webhooks.verify({"payload": body, "headers": headers, "webhook_secret": secret})
    except ValueError:
        return False
    return True


def test_a_header_signed_with_two_secrets_verifies_with_either_and_not_with_a_third() -> None:
    # Given the new secret and the one a rotation replaced
    new, old, other = (new_secret(bytes([n]) * 32) for n in (1, 2, 3))
    timestamp, body = int(time.time()), '{"type":"lead.created"}'  # the verifier checks its own clock

    # When a delivery is signed with both
    header = signatures([new, old], "msg_1", timestamp, body)

    # Then the header holds two v1 signatures, space-separated; a consumer with either secret verifies
    assert [part.split(",", 1)[0] for part in header.split(" ")] == ["v1", "v1"]
    assert _verifies(new, header, timestamp, body)
    assert _verifies(old, header, timestamp, body)
    assert not _verifies(other, header, timestamp, body)
    # And signed with one secret, the header is that secret's signature alone
    assert signatures([new], "msg_1", timestamp, body) == signature(new, "msg_1", timestamp, body)
    assert not _verifies(old, signatures([new], "msg_1", timestamp, body), timestamp, body)


@pytest.mark.parametrize(
    ("until", "signs"),
    [
        (None, False),
        (AT + SECRET_OVERLAP, True),
        (AT + timedelta(seconds=1), True),
        (AT, False),
        (AT - timedelta(hours=1), False),
    ],
)
def test_the_replaced_secret_signs_until_its_overlap_ends(until: datetime | None, signs: bool) -> None:
    assert previous_secret_signs(until, AT) is signs


def test_a_secret_is_the_prefix_and_its_bytes_in_base64() -> None:
    assert new_secret(bytes(range(24))) == "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"


# --- retries -----------------------------------------------------------------------------------------
def test_the_retries_span_about_a_day_then_stop() -> None:
    waits = [retry_delay(n) for n in range(1, len(RETRY_DELAYS) + 2)]
    assert waits[0] == timedelta(seconds=5)
    assert waits[-1] is None
    total = sum((w for w in waits if w is not None), timedelta())
    assert timedelta(hours=20) <= total <= timedelta(hours=30)
    assert all(a <= b for a, b in pairwise(w for w in waits if w is not None))


def test_an_endpoint_failing_for_five_days_is_disabled_not_before() -> None:
    assert not should_disable(None, AT)
    assert not should_disable(AT - DISABLE_AFTER + timedelta(minutes=1), AT)
    assert should_disable(AT - DISABLE_AFTER, AT)


# --- events of a change ----------------------------------------------------------------------------
LEAD = {
    "PK": "TENANT#t-1#LEAD",
    "SK": "LEAD#01J",
    "entity": "Lead",
    "lead_id": "01J",
    "status": "new",
    "source": "api",
}
MESSAGE = {
    "PK": "TENANT#t-1#LEAD#01J",
    "SK": "ACT#01K",
    "entity": "Activity",
    "activity_id": "01K",
    "lead_id": "01J",
    "channel": "sms",
    "direction": "out",
    "status": "queued",
}


def _types(old: dict[str, object] | None, new: dict[str, object] | None) -> list[EventType]:
    return [event_type for event_type, _ in events_of_change(old, new)]


def test_a_new_lead_is_lead_created_and_its_update_nothing() -> None:
    assert events_of_change(None, LEAD) == [
        (EventType.LEAD_CREATED, {"lead_id": "01J", "status": "new", "source": "api"})
    ]
    assert _types(LEAD, {**LEAD, "status": "contacted"}) == []


def test_the_same_change_read_twice_gives_the_same_ids_and_another_change_others() -> None:
    first = outbound_events("change-1", AT, None, LEAD)
    again = outbound_events("change-1", AT, None, LEAD)
    other = outbound_events("change-2", AT, None, LEAD)
    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].id != other[0].id
    # The id is a ULID of the change's time: deliveries list newest first by it
    assert first[0].id[:10] == outbound_events("change-3", AT, None, LEAD)[0].id[:10]


def test_a_message_is_sent_delivered_and_failed_once_each_as_its_status_moves() -> None:
    assert _types(None, MESSAGE) == []
    sent = {**MESSAGE, "status": "sent"}
    assert _types(MESSAGE, sent) == [EventType.MESSAGE_SENT]
    delivered = {**MESSAGE, "status": "delivered"}
    assert _types(sent, delivered) == [EventType.MESSAGE_DELIVERED]
    assert _types(delivered, {**MESSAGE, "status": "read"}) == []
    assert _types(MESSAGE, delivered) == [EventType.MESSAGE_SENT, EventType.MESSAGE_DELIVERED]
    assert _types(sent, {**MESSAGE, "status": "failed", "error_code": "30008"}) == [EventType.MESSAGE_FAILED]


def test_an_inbound_message_is_lead_replied_with_its_intent() -> None:
    inbound = {**MESSAGE, "direction": "in", "status": "received", "intent": "interested"}
    ((replied, data),) = events_of_change(None, inbound)
    assert replied is EventType.LEAD_REPLIED
    assert data == {"message_id": "01K", "lead_id": "01J", "channel": "sms", "intent": "interested"}
    # And a later change that leaves its intent as it was (its status, its metadata) makes no event
    assert _types(inbound, {**inbound, "status": "read"}) == []


def test_an_intent_filled_in_after_the_reply_is_lead_reply_classified_each_time_it_changes() -> None:
    # Given a reply recorded before it had an intent: lead.replied says so with a null intent
    unread = {**MESSAGE, "direction": "in", "status": "received"}
    ((replied, data),) = events_of_change(None, unread)
    assert (replied, data["intent"]) == (EventType.LEAD_REPLIED, None)

    # When the classifier fills its intent in, then changes its mind
    classified = {**unread, "intent": "question"}
    changed = {**classified, "intent": "interested"}

    # Then each is one lead.reply_classified with the intent before it, and no second lead.replied
    assert events_of_change(unread, classified) == [
        (
            EventType.LEAD_REPLY_CLASSIFIED,
            {
                "message_id": "01K",
                "lead_id": "01J",
                "channel": "sms",
                "intent": "question",
                "previous_intent": None,
            },
        )
    ]
    ((again, changed_data),) = events_of_change(classified, changed)
    assert (again, changed_data["previous_intent"]) == (EventType.LEAD_REPLY_CLASSIFIED, "question")
    # And the same intent written again, or an intent removed, is no event
    assert _types(changed, {**changed}) == []
    assert _types(changed, unread) == []
    # And an outbound message's intent is none of these events' business
    assert _types({**MESSAGE, "status": "sent"}, {**MESSAGE, "status": "sent", "intent": "question"}) == []


def test_a_call_logged_by_hand_is_no_message_event() -> None:
    assert _types(None, {**MESSAGE, "channel": "call", "status": "sent"}) == []


def test_alerts_approvals_prospects_and_opt_outs() -> None:
    alert = {"PK": "TENANT#t-1#ALERT", "entity": "Alert", "alert_id": "A", "lead_id": "L", "state": "open"}
    assert _types(None, alert) == [EventType.ALERT_OPENED]
    assert _types(alert, {**alert, "state": "resolved"}) == [EventType.ALERT_RESOLVED]
    enrollment = {"PK": "TENANT#t-1#CAMPAIGN#C", "entity": "Enrollment", "campaign_id": "C", "lead_id": "L"}
    assert _types({**enrollment, "status": "active"}, {**enrollment, "status": "completed"}) == [
        EventType.PROSPECT_COMPLETED
    ]
    approval = {"PK": "TENANT#t-1#APPROVAL", "entity": "Approval", "approval_id": "P", "lead_id": "L"}
    assert _types(None, {**approval, "status": "pending"}) == [EventType.APPROVAL_PENDING]
    assert _types({**approval, "status": "pending"}, {**approval, "status": "approved"}) == []
    consent = {
        "PK": "TENANT#t-1#CONSENT",
        "entity": "ConsentState",
        "channel": "sms",
        "address": "+33612345678",
    }
    assert _types({**consent, "granted": True}, {**consent, "granted": False}) == [EventType.LEAD_OPTED_OUT]
    assert _types({**consent, "granted": False}, {**consent, "granted": False}) == []


def test_a_deletion_and_other_entities_make_no_event() -> None:
    assert _types(LEAD, None) == []
    assert _types(None, {"PK": "TENANT#t-1#WEBHOOK", "entity": "WebhookDelivery"}) == []
