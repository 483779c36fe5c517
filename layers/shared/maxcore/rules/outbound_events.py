"""Outbound events: which addresses may be called, how a delivery is signed and retried, and which
changes of the table are events.

Pure: the caller resolves the host name, draws the random bytes and gives the time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any
from urllib.parse import urlsplit

from maxcore.models.outbound_event import EventType

SECRET_PREFIX = "whsec_"  # noqa: S105 (the specification's prefix, not a secret)
SECRET_BYTES = 32
"""Random bytes in a signing secret (the Standard Webhooks specification asks for 24 to 64)."""

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""The wait after each failed attempt (about 27.6 hours in all); after the last, the delivery fails."""

SECRET_OVERLAP = timedelta(hours=24)
"""How long the secret a rotation replaced still signs, next to the new one."""

DISABLE_AFTER = timedelta(days=5)
"""An endpoint whose every attempt failed for this long is disabled."""

Address = IPv4Address | IPv6Address


class UnsafeUrlError(ValueError):
    """An endpoint URL that may not be called, with what is wrong (the API answers it as a 422)."""

    def __init__(self, message: str, details: dict[str, str]) -> None:
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class Target:
    """Where an endpoint URL points: what the delivery connects to and asks for."""

    scheme: str
    host: str
    port: int
    path: str


# --- Addresses and URLs ------------------------------------------------------------------------------
def address_kind(address: Address) -> str | None:
    """Why ``address`` may not be called (``private``, ``loopback``...), or ``None`` for a public one.

    An IPv4 address written as IPv6 (``::ffff:10.0.0.1``) is judged as the IPv4 address it is.
    """
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, blocked in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if blocked:
            return kind
    # Shared (carrier-grade NAT), documentation and other special ranges are not global either.
    return None if address.is_global else "non-public"


def _loopback(address: Address) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def parse_target(url: str, allow_local: bool = False) -> Target:
    """The target of an endpoint URL: https only, with a host and no user name or password.

    ``allow_local`` (the tests' receiver, never set in AWS) also lets ``http`` through.

    Raises
    ------
    UnsafeUrlError
        Naming what is wrong with the URL (a 422).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrlError("the endpoint URL cannot be read", {"url": url}) from exc
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrlError("the endpoint URL must use https", {"url": url})
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("the endpoint URL must not carry a user name or password", {"url": url})
    if not parts.hostname:
        raise UnsafeUrlError("the endpoint URL needs a host name", {"url": url})
    if parts.fragment:
        raise UnsafeUrlError("the endpoint URL must not have a fragment (#...)", {"url": url})
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default_port, path)


def check_addresses(host: str, addresses: Iterable[str], allow_local: bool = False) -> list[Address]:
    """The addresses ``host`` resolved to, each checked public; the first refused one is named.

    ``allow_local`` lets loopback addresses through (the tests' local receiver), nothing else.

    Raises
    ------
    UnsafeUrlError
        When the host resolved to nothing, or to any address that is not public.
    """
    checked = [ip_address(a.split("%", 1)[0]) for a in addresses]
    if not checked:
        raise UnsafeUrlError(f"the host {host} does not resolve to any address", {"host": host})
    for address in checked:
        kind = address_kind(address)
        if kind is None or (allow_local and _loopback(address)):
            continue
        raise UnsafeUrlError(
            f"the host {host} resolves to {address}, which is not a public address (see details.kind)",
            {"host": host, "address": str(address), "kind": kind},
        )
    return checked


# --- Signing (Standard Webhooks) --------------------------------------------------------------------
def new_secret(random_bytes: bytes) -> str:
    """A signing secret as the specification writes it: ``whsec_`` and the bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode("ascii")


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header: ``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body``.

    A few lines of the standard library rather than a dependency in every Lambda; the tests check
    them against the specification's own library.
    """
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signatures(secrets: Sequence[str], message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header signed with each of ``secrets``, space-separated.

    The specification lets a header carry several signatures: a consumer holding any one of the
    secrets verifies the request (during a rotation's overlap, the new one and the one it replaced).
    """
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets)


def previous_secret_signs(previous_until: datetime | None, now: datetime) -> bool:
    """Whether the secret a rotation replaced still signs at ``now`` (its overlap not yet over)."""
    return previous_until is not None and now < previous_until


# --- Retries ------------------------------------------------------------------------------------------
def retry_delay(failed_attempts: int) -> timedelta | None:
    """How long to wait after the ``failed_attempts``-th failure in a row; ``None`` once all are spent."""
    if failed_attempts < 1 or failed_attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[failed_attempts - 1]


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    """Whether an endpoint whose attempts have all failed since ``failing_since`` is disabled now."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


# --- Events from the table's changes ----------------------------------------------------------------
MESSAGE_CHANNELS = frozenset({"sms", "whatsapp", "email", "telegram"})
SENT = frozenset({"sent", "delivered", "opened", "clicked", "read", "replied"})
DELIVERED = frozenset({"delivered", "opened", "clicked", "read", "replied"})
FAILED = frozenset({"failed", "undelivered", "bounced"})

Image = Mapping[str, Any]
"""An item as the stream shows it, in plain values."""

Event = tuple[EventType, dict[str, Any]]
"""An event's type and data, before it is given its id and time."""


def tenant_of(image: Image) -> str | None:
    """The tenant an item belongs to, read from its partition key (``TENANT#<tenant>#...``)."""
    pk = image.get("PK")
    if not isinstance(pk, str) or not pk.startswith("TENANT#"):
        return None
    return pk.split("#", 2)[1]


def _entered(old: Image | None, new: Image, field: str, values: frozenset[str]) -> bool:
    """Whether the item's ``field`` moved into ``values`` with this change (or was created there)."""
    before = None if old is None else old.get(field)
    return new.get(field) in values and before not in values


def _lead_events(old: Image | None, new: Image) -> list[Event]:
    if old is not None:
        return []
    data = {"lead_id": new["lead_id"], "status": new.get("status"), "source": new.get("source")}
    return [(EventType.LEAD_CREATED, data)]


def _activity_events(old: Image | None, new: Image) -> list[Event]:
    if new.get("channel") not in MESSAGE_CHANNELS:
        return []
    data = {"message_id": new["activity_id"], "lead_id": new["lead_id"], "channel": new["channel"]}
    if new.get("direction") == "in":
        return _reply_events(old, new, data)
    events: list[Event] = []
    if _entered(old, new, "status", SENT):
        events.append((EventType.MESSAGE_SENT, data))
    if _entered(old, new, "status", DELIVERED):
        events.append((EventType.MESSAGE_DELIVERED, data))
    if _entered(old, new, "status", FAILED):
        failure = {"status": new["status"], "error_code": new.get("error_code")}
        events.append((EventType.MESSAGE_FAILED, {**data, **failure}))
    return events


def _reply_events(old: Image | None, new: Image, data: dict[str, Any]) -> list[Event]:
    """``lead.replied`` when an inbound message is recorded, with its intent if it has one by then
    (``None`` otherwise); ``lead.reply_classified`` each time its intent is filled in or changed later."""
    intent = new.get("intent")
    if old is None:
        return [(EventType.LEAD_REPLIED, {**data, "intent": intent})]
    previous = old.get("intent")
    if intent is None or intent == previous:
        return []
    return [(EventType.LEAD_REPLY_CLASSIFIED, {**data, "intent": intent, "previous_intent": previous})]


def _alert_events(old: Image | None, new: Image) -> list[Event]:
    data = {
        "alert_id": new["alert_id"],
        "lead_id": new["lead_id"],
        "alert_type": new.get("alert_type"),
        "severity": new.get("severity"),
    }
    if _entered(old, new, "state", frozenset({"open"})):
        return [(EventType.ALERT_OPENED, data)]
    if _entered(old, new, "state", frozenset({"resolved"})) and old is not None:
        return [(EventType.ALERT_RESOLVED, {**data, "resolution": new.get("resolution")})]
    return []


def _enrollment_events(old: Image | None, new: Image) -> list[Event]:
    if not _entered(old, new, "status", frozenset({"completed"})):
        return []
    return [(EventType.PROSPECT_COMPLETED, {"campaign_id": new["campaign_id"], "lead_id": new["lead_id"]})]


def _approval_events(old: Image | None, new: Image) -> list[Event]:
    if not _entered(old, new, "status", frozenset({"pending"})):
        return []
    data = {
        "approval_id": new["approval_id"],
        "lead_id": new["lead_id"],
        "kind": new.get("kind"),
        "channel": new.get("channel"),
    }
    return [(EventType.APPROVAL_PENDING, data)]


def _consent_events(old: Image | None, new: Image) -> list[Event]:
    withdrawn = new.get("granted") is False and (old is None or old.get("granted") is not False)
    if not withdrawn:
        return []
    data = {"channel": new["channel"], "address": new["address"], "source": new.get("source")}
    return [(EventType.LEAD_OPTED_OUT, data)]


_BY_ENTITY = {
    "Lead": _lead_events,
    "Activity": _activity_events,
    "Alert": _alert_events,
    "Enrollment": _enrollment_events,
    "Approval": _approval_events,
    "ConsentState": _consent_events,
}


def events_of_change(old: Image | None, new: Image | None) -> list[Event]:
    """The events one change of an item makes: from ``old`` to ``new`` (``None`` when absent).

    A deletion makes none; nor does an item of an entity no event is about.
    """
    if new is None:
        return []
    produce = _BY_ENTITY.get(str(new.get("entity")))
    return [] if produce is None else produce(old, new)
