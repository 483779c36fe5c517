"""The signed token of an unsubscribe link: who may opt out, of what, since when (pure).

The link in a marketing e-mail's footer and ``List-Unsubscribe`` header carries no session and no
JWT: the token is the proof. It names the tenant, the lead, the address and the channel, the
day it was issued and the e-mail it is in (its Message-ID: the opt-out counts for that message),
signed with HMAC-SHA256 under the stack's secret. Changing any of them (another tenant, another
lead) breaks the signature; the signature is compared in constant time.

The token is issued at the start of the UTC day of the send, not at its instant: every try of one
send (a resumed send repeats its request word for word, which Resend's idempotency key requires)
carries the same token. It lives :data:`LIFETIME`: e-mails are read, and their links clicked,
weeks after they leave, and the law asks for an unsubscribe link that works at least 30 days
after the send (CAN-SPAM; the RGPD asks for an easy opt-out at any time): 60 days is twice that
margin, after which a stolen or forwarded link can no longer be replayed.

Format: ``<payload>.<signature>``, both base64url without padding; the payload is compact JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maxcore.models.common import Channel

LIFETIME = timedelta(days=60)
"""How long an unsubscribe link works after the day its e-mail was sent."""

_CONTEXT = b"max-unsubscribe-v1."
"""Signed with the payload: a signature made for anything else with the same secret never fits."""


class InvalidUnsubscribeTokenError(Exception):
    """A token that proves nothing: ``reason`` is ``malformed``, ``forged`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UnsubscribeClaim:
    """What a token says: this address of this lead, in this tenant, may leave this channel."""

    tenant_id: str
    lead_id: str
    address: str
    channel: Channel
    issued_at: datetime
    message_id: str | None = None
    """The bare Message-ID of the e-mail the link is in: its opt-out counts for that message."""

    @property
    def expires_at(self) -> datetime:
        """When the link stops working."""
        return self.issued_at + LIFETIME


def issue(claim: UnsubscribeClaim, secret: bytes) -> str:
    """The token of ``claim``, issued at the start of its ``issued_at``'s UTC day."""
    day = claim.issued_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    payload = {
        "t": claim.tenant_id,
        "l": claim.lead_id,
        "a": claim.address,
        "c": claim.channel.value,
        "i": int(day.timestamp()),
    }
    if claim.message_id is not None:
        payload["m"] = claim.message_id
    body = _encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_encode(_signature(body, secret))}"


def verify(token: str, secret: bytes, now: datetime) -> UnsubscribeClaim:
    """The claim ``token`` proves at ``now``.

    Raises
    ------
    InvalidUnsubscribeTokenError
        ``malformed`` (not a token), ``forged`` (the signature does not match: a changed field,
        another secret) or ``expired`` (older than :data:`LIFETIME`).
    """
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature or not token.isascii():
        raise InvalidUnsubscribeTokenError("malformed")
    try:
        given = _decode(signature)
    except ValueError as exc:
        raise InvalidUnsubscribeTokenError("malformed") from exc
    if not hmac.compare_digest(given, _signature(body, secret)):
        raise InvalidUnsubscribeTokenError("forged")
    try:
        payload = json.loads(_decode(body))
        claim = UnsubscribeClaim(
            tenant_id=str(payload["t"]),
            lead_id=str(payload["l"]),
            address=str(payload["a"]),
            channel=Channel(payload["c"]),
            issued_at=datetime.fromtimestamp(int(payload["i"]), UTC),
            message_id=None if payload.get("m") is None else str(payload["m"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        # Signed by us yet unreadable: only a future format could do that; nothing to act on.
        raise InvalidUnsubscribeTokenError("malformed") from exc
    if now >= claim.expires_at:
        raise InvalidUnsubscribeTokenError("expired")
    return claim


def proof(token: str) -> str:
    """What the opt-out records as its proof: a hash of the token (the token itself stays private)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


def _signature(body: str, secret: bytes) -> bytes:
    return hmac.new(secret, _CONTEXT + body.encode("ascii"), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64url") from exc
