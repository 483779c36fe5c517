"""Whether a webhook comes from the provider it claims (pure: the secrets and the clock are parameters).

Each provider proves itself its own way, as its documentation defines it:

- Twilio (SMS, WhatsApp): ``X-Twilio-Signature``, checked by the twilio SDK's ``RequestValidator``
  (the URL with or without an explicit port, every form value, ``bodySHA256`` for a JSON body), so
  what Twilio signs and what we check cannot drift apart;
- Resend (e-mail, signed by Svix): ``svix-signature`` holds one or more ``v1,<base64>`` entries, each
  an HMAC-SHA256 of ``<svix-id>.<svix-timestamp>.<raw body>`` keyed with the base64 part of the
  ``whsec_`` signing secret; a timestamp more than five minutes away from now is refused, so a
  captured delivery cannot be replayed later;
- Telegram: ``X-Telegram-Bot-Api-Secret-Token`` repeats the secret given to ``setWebhook``.

Every comparison is constant-time (the SDK's too). A verdict says why it failed, for the logs, never
for the caller.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

SVIX_TOLERANCE_SECONDS = 300
"""How far a Svix timestamp may be from now, either way (the providers' five minutes)."""

SVIX_SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret


@dataclass(frozen=True)
class Verdict:
    """Whether a delivery is authentic, and if not, why (for the logs only)."""

    ok: bool
    reason: str = ""


ACCEPTED = Verdict(ok=True)


class TwilioForm(dict[str, list[str]]):
    """A form body with every value of a repeated name, in the shape Twilio's validator reads.

    ``RequestValidator`` asks a mapping for ``getall`` (a Flask MultiDict) or ``getlist`` (a
    Django QueryDict) to get every value of a name; a plain dict would give it one value only.
    """

    def getlist(self, name: str) -> list[str]:
        """Every value sent under ``name``, in the order received."""
        return list(self[name])


def verify_twilio(
    auth_token: str,
    url: str,
    params: Mapping[str, str | Sequence[str]] | str,
    signature: str | None,
) -> Verdict:
    """Check ``X-Twilio-Signature`` with the twilio SDK's own ``RequestValidator``.

    Parameters
    ----------
    auth_token
        The tenant's Twilio auth token.
    url
        The URL Twilio called, query string included. Twilio signs it with or without an explicit
        port (``https://host:443/...``) depending on its side; the SDK accepts both.
    params
        The form (a name sent several times keeps every value, as Twilio signs them), or the raw
        body of a JSON request: then Twilio signs the URL alone and proves the body with the
        ``bodySHA256`` query parameter, which must be present.
    signature
        The header's value.
    """
    if not signature:
        return Verdict(False, "no X-Twilio-Signature header")
    if not auth_token:
        return Verdict(False, "no auth token configured for this tenant")
    if isinstance(params, str) and "bodySHA256" not in parse_qs(urlsplit(url).query):
        # Without it, nothing in the signature covers a JSON body.
        return Verdict(False, "a JSON body without the bodySHA256 query parameter")
    # Imported here, not at module level: the SDK package stays out of the cold start of the
    # functions that never check a Twilio signature (its validator module alone costs under 1 ms).
    from twilio.request_validator import RequestValidator

    form: str | TwilioForm = (
        params
        if isinstance(params, str)
        else TwilioForm({k: [v] if isinstance(v, str) else list(v) for k, v in params.items()})
    )
    if RequestValidator(auth_token).validate(url, form, signature.strip()):
        return ACCEPTED
    return Verdict(False, "X-Twilio-Signature does not match the URL and parameters")


def svix_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The ``v1,<base64>`` entry Svix computes for a delivery (raises ValueError on a bad secret)."""
    key = _svix_key(secret)
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify_svix(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance_seconds: int = SVIX_TOLERANCE_SECONDS,
) -> Verdict:
    """Check a Svix-signed delivery (Resend): headers present, timestamp fresh, one signature matching.

    Parameters
    ----------
    secret
        The endpoint's signing secret, ``whsec_<base64>``.
    headers
        The request headers, with lower-case names.
    body
        The raw request body, exactly as received.
    now
        The current time (aware).
    tolerance_seconds
        How far the timestamp may be from ``now``, in the past or the future.
    """
    message_id = headers.get("svix-id")
    timestamp = headers.get("svix-timestamp")
    signatures = headers.get("svix-signature")
    if not message_id or not timestamp or not signatures:
        return Verdict(False, "svix-id, svix-timestamp or svix-signature missing")
    try:
        sent_at = int(timestamp)
    except ValueError:
        return Verdict(False, "svix-timestamp is not a number")
    if abs(now.timestamp() - sent_at) > tolerance_seconds:
        return Verdict(False, f"svix-timestamp is more than {tolerance_seconds} s away from now")
    try:
        expected = svix_signature(secret, message_id, timestamp, body).encode()
    except ValueError:
        return Verdict(False, "the signing secret is not a whsec_ secret")
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(expected, candidate.encode()):
            return ACCEPTED
    return Verdict(False, "no svix-signature matches the body")


def verify_telegram(expected_secret: str, received: str | None) -> Verdict:
    """Check ``X-Telegram-Bot-Api-Secret-Token`` against the secret set with ``setWebhook``."""
    if not received:
        return Verdict(False, "no X-Telegram-Bot-Api-Secret-Token header")
    if not expected_secret:
        return Verdict(False, "no webhook secret configured for this tenant")
    if hmac.compare_digest(expected_secret.encode(), received.encode()):
        return ACCEPTED
    return Verdict(False, "X-Telegram-Bot-Api-Secret-Token does not match")


def _svix_key(secret: str) -> bytes:
    encoded = secret[len(SVIX_SECRET_PREFIX) :] if secret.startswith(SVIX_SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the signing secret is not base64 after whsec_") from exc
    if not key:
        raise ValueError("the signing secret is empty")
    return key
