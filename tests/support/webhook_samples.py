"""Provider webhooks built from scratch, as API Gateway (HTTP API, payload 2.0) hands them to us.

Two uses:

- tests build any Twilio, Resend or Telegram delivery they need with the builders below, signed
  for real with the tenant's secret (or with a given signature, to forge one);
- the ``events/webhooks_*.json`` samples are these builders' output for the ``events-demo`` tenant
  (:func:`sample_events`). ``tests/unit/test_inbound_parsers.py`` checks every file still equals
  its build, so the samples and the builders cannot drift. To regenerate the files after changing
  a builder::

      PYTHONPATH=layers/shared .venv/bin/python -m tests.support.webhook_samples

The ``events-demo`` secrets are fixtures, never real credentials. The provider ids tie together: the
status callbacks and the Resend events are about messages M.A.X. sent to Sophie Martin (the lead of
``events/leads_create.json``: +33612345678, sophie.martin@example.fr) and to two other leads.

Webhooks are public routes: their events have no JWT authorizer, the tenant is in the path and the
signature proves the sender.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.request_validator import RequestValidator

from maxcore.rules.webhook_auth import TwilioForm, svix_signature

# --- The events-demo tenant's secrets and addresses (fixtures) ------------------------------------
EVENTS_DEMO_TENANT = "events-demo"
EVENTS_DEMO_WEBHOOK_URL_BASE = "https://api.max.example.com"
EVENTS_DEMO_TWILIO_AUTH_TOKEN = "events-demo-twilio-auth-token"
EVENTS_DEMO_TWILIO_ACCOUNT_SID = "AC3f9c2e71d84b05a6c9e1f0b27d6a4c85"
EVENTS_DEMO_RESEND_SECRET = "whsec_" + base64.b64encode(b"events-demo-resend-secret").decode()
EVENTS_DEMO_TELEGRAM_SECRET = "events-demo-telegram-secret"
EVENTS_DEMO_TWILIO_URL = f"{EVENTS_DEMO_WEBHOOK_URL_BASE}/webhooks/twilio/{EVENTS_DEMO_TENANT}"
"""The exact URL Twilio signs (no query string): the tenant's inbound and status-callback URL."""

EVENTS_DEMO_TWILIO_NUMBER = "+33700000001"
"""The tenant's Twilio number (SMS and WhatsApp sender)."""
EVENTS_DEMO_EMAIL_SENDER = "Events demo <bonjour@mail.max.example.com>"
EVENTS_DEMO_EMAIL_INBOX = "bonjour@inbound.max.example.com"
EVENTS_DEMO_TELEGRAM_BOT = "MaxEventsDemoBot"

# --- The leads the samples are about ----------------------------------------------------------------
SOPHIE_PHONE = "+33612345678"
SOPHIE_EMAIL = "sophie.martin@example.fr"
SOPHIE_TELEGRAM_CHAT_ID = 5123456789
OPTED_OUT_PHONE = "+33698765432"
"""A lead who replied STOP to the tenant's number earlier: Twilio refuses to deliver (21610)."""
BOUNCING_EMAIL = "ancienne.adresse@example.fr"
COMPLAINING_EMAIL = "marc.dupont@example.com"

# --- Provider message ids ---------------------------------------------------------------------------
INBOUND_SMS_SID = "SMe20bea6ee46e7929abcbb2693a84c36a"
"""Sophie's SMS reply."""
INBOUND_WHATSAPP_SID = "SMcc25450ec604d52476e549e869f4fbc3"
"""Sophie's WhatsApp reply."""
STOP_SMS_SID = "SM1960fb0253851667d6af60b7cd2fdb5b"
"""Sophie's STOP."""
FORGED_SMS_SID = "SMdabe300e4f52dc4d550ae64e121fdf03"
OUTBOUND_SMS_SID = "SM4f0d1d16d54df4910289aea44ebfa24e"
"""The SMS M.A.X. sent Sophie (the Twilio adapter's SendReceipt.provider_message_id); delivered."""
OUTBOUND_OPTED_OUT_SID = "SMa9538e3a41b07c2caac48b0d3e0ddd08"
"""The SMS M.A.X. tried to send to OPTED_OUT_PHONE through a Messaging Service; failed with 21610."""
SOPHIE_EMAIL_ID = "eb8d8419-0a0d-4f65-8b69-b81e92b12b17"
"""The e-mail M.A.X. sent Sophie (Resend's email id): delivered, opened, then clicked."""
INBOUND_EMAIL_ID = "a3e1c9f2-5b7d-4e08-9c61-2f4d8b0e7a15"
"""Sophie's e-mail reply (Resend's id of the received e-mail, which the worker fetches)."""
BOUNCED_EMAIL_ID = "6dca2425-648c-4a6b-9cae-2d3f300e6af1"
COMPLAINED_EMAIL_ID = "7f5c0686-717d-4a89-be1d-d2749f339e21"

SAMPLE_TIME = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
"""When the samples happen (the other events/ files' time): 1773131400."""

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"

_API_ID = "abc123"
_TWILIO_USER_AGENT = "TwilioProxy/1.1"
_SVIX_USER_AGENT = "Svix-Webhooks/1.63.1 (sender-I2ZZM; +https://www.svix.com/http-sender/)"


# --- API Gateway events -----------------------------------------------------------------------------
def twilio_event(
    tenant_id: str,
    params: dict[str, str] | dict[str, list[str]],
    auth_token: str,
    url_base: str = EVENTS_DEMO_WEBHOOK_URL_BASE,
    signature: str | None = None,
    *,
    at: datetime | None = None,
    query: str = "",
    signed_base: str | None = None,
    as_json: bool = False,
) -> dict[str, Any]:
    """A Twilio Messaging webhook (inbound message or status callback) for ``tenant_id``.

    The form is URL-encoded (a name with a list of values sent once per value) and base64-encoded
    with ``isBase64Encoded``, as HTTP APIs deliver form posts; ``x-twilio-signature`` is Twilio's
    real signature of ``<url_base>/webhooks/twilio/<tenant>?<query>`` and the form, unless
    ``signature`` is given. ``signed_base`` is the base Twilio signed when it differs from the one
    called (``https://host:443``). ``as_json`` sends the params as a JSON body, proven by the
    ``bodySHA256`` query parameter, as Twilio does for JSON requests.
    """
    body = (json.dumps(params) if as_json else urlencode(params, doseq=True)).encode()
    digest = hashlib.sha256(body).hexdigest()
    if as_json:
        query = "&".join(filter(None, [query, f"bodySHA256={digest}"]))
    path_and_query = f"/webhooks/twilio/{tenant_id}" + (f"?{query}" if query else "")
    signed_url = f"{signed_base or url_base}{path_and_query}"
    headers = {
        "accept": "*/*",
        "cache-control": "max-age=259200",
        "content-length": str(len(body)),
        "content-type": "application/json" if as_json else "application/x-www-form-urlencoded",
        "host": urlsplit(url_base).netloc,
        # One token per delivery, repeated when Twilio retries it: derived from the form.
        "i-twilio-idempotency-token": str(uuid.UUID(digest[:32])),
        "user-agent": _TWILIO_USER_AGENT,
        "x-home-region": "us1",
        "x-twilio-signature": signature
        if signature is not None
        else twilio_signature(auth_token, signed_url, {} if as_json else params),
    }
    return _http_event(
        "twilio", tenant_id, url_base, headers, base64.b64encode(body).decode(), True, at, digest, query
    )


def twilio_signature(auth_token: str, url: str, params: dict[str, str] | dict[str, list[str]]) -> str:
    """The X-Twilio-Signature Twilio sends, computed by the twilio SDK (the provider's own algorithm)."""
    form = TwilioForm({k: [v] if isinstance(v, str) else list(v) for k, v in params.items()})
    return str(RequestValidator(auth_token).compute_signature(url, form))


def resend_event(
    tenant_id: str,
    payload: dict[str, Any],
    secret: str,
    svix_id: str,
    timestamp: int,
    signature: str | None = None,
) -> dict[str, Any]:
    """A Resend webhook for ``tenant_id``, signed by Svix at ``timestamp`` unless ``signature`` is given.

    The body is compact JSON, as Resend sends it; the request time is ``timestamp``.
    """
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    raw = body.encode()
    headers = {
        "accept": "*/*",
        "content-length": str(len(raw)),
        "content-type": "application/json",
        "host": urlsplit(EVENTS_DEMO_WEBHOOK_URL_BASE).netloc,
        "svix-id": svix_id,
        "svix-signature": signature
        if signature is not None
        else svix_signature(secret, svix_id, str(timestamp), raw),
        "svix-timestamp": str(timestamp),
        "user-agent": _SVIX_USER_AGENT,
    }
    at = datetime.fromtimestamp(timestamp, tz=UTC)
    digest = hashlib.sha256(raw).hexdigest()
    return _http_event("resend", tenant_id, EVENTS_DEMO_WEBHOOK_URL_BASE, headers, body, False, at, digest)


def telegram_event(
    tenant_id: str, update: dict[str, Any], secret_token: str | None, *, at: datetime | None = None
) -> dict[str, Any]:
    """A Telegram Bot API webhook for ``tenant_id`` (no secret header when ``secret_token`` is None)."""
    body = json.dumps(update, ensure_ascii=False, separators=(",", ":"))
    raw = body.encode()
    headers = {
        "content-length": str(len(raw)),
        "content-type": "application/json",
        "host": urlsplit(EVENTS_DEMO_WEBHOOK_URL_BASE).netloc,
    }
    if secret_token is not None:
        headers["x-telegram-bot-api-secret-token"] = secret_token
    digest = hashlib.sha256(raw).hexdigest()
    return _http_event("telegram", tenant_id, EVENTS_DEMO_WEBHOOK_URL_BASE, headers, body, False, at, digest)


def resign_svix(event: dict[str, Any], secret: str, timestamp: int) -> dict[str, Any]:
    """A copy of a Resend ``event`` signed afresh at ``timestamp`` (Svix refuses signatures 5 min old)."""
    fresh = copy.deepcopy(event)
    headers = fresh["headers"]
    headers["svix-timestamp"] = str(timestamp)
    headers["svix-signature"] = svix_signature(secret, headers["svix-id"], str(timestamp), event_body(event))
    at = datetime.fromtimestamp(timestamp, tz=UTC)
    fresh["requestContext"]["time"] = at.strftime("%d/%b/%Y:%H:%M:%S +0000")
    fresh["requestContext"]["timeEpoch"] = int(at.timestamp() * 1000)
    return fresh


def event_body(event: dict[str, Any]) -> bytes:
    """The raw request body of an API Gateway event (decoded when ``isBase64Encoded``)."""
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else str(body).encode()


def twilio_form(event: dict[str, Any]) -> dict[str, str]:
    """The form parameters of a Twilio webhook event (each name once, as Twilio sends them)."""
    return dict(parse_qsl(event_body(event).decode(), keep_blank_values=True))


def _http_event(
    provider: str,
    tenant_id: str,
    url_base: str,
    headers: dict[str, str],
    body: str,
    base64_encoded: bool,
    at: datetime | None,
    digest: str,
    query: str = "",
) -> dict[str, Any]:
    moment = at or datetime.now(UTC)
    host = urlsplit(url_base).netloc
    path = f"/webhooks/{provider}/{tenant_id}"
    route_key = f"POST /webhooks/{provider}/{{tenant_id}}"
    source_ip = "203.0.113.50"
    # What API Gateway adds in front of every request (the load balancer's and X-Ray's headers).
    headers = {
        **headers,
        "x-amzn-trace-id": f"Root=1-{int(moment.timestamp()):08x}-{digest[:24]}",
        "x-forwarded-for": source_ip,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": dict(sorted(headers.items())),
        "requestContext": {
            "accountId": "000000000000",
            "apiId": _API_ID,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": base64.b64encode(bytes.fromhex(digest[:22])).decode(),
            "routeKey": route_key,
            "stage": "$default",
            "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(moment.timestamp() * 1000),
        },
        "isBase64Encoded": base64_encoded,
        "pathParameters": {"tenant_id": tenant_id},
        "body": body,
    }


# --- Provider payloads ------------------------------------------------------------------------------
def twilio_inbound_params(
    from_: str,
    to: str,
    body: str,
    sid: str | None = None,
    whatsapp: bool = False,
    profile_name: str | None = None,
    *,
    account_sid: str = EVENTS_DEMO_TWILIO_ACCOUNT_SID,
) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS, or WhatsApp message when ``whatsapp``.

    Parameters as in Twilio's "Twilio's request to your incoming message Webhook URL": the legacy
    ``SmsSid``/``SmsMessageSid`` twins of MessageSid, ``SmsStatus=received``, the geographic fields
    (empty outside North America) for SMS; ``whatsapp:`` addresses, ``WaId`` and ``ProfileName`` for
    WhatsApp. A random MessageSid unless ``sid`` is given.
    """
    sid = sid or "SM" + uuid.uuid4().hex
    if whatsapp:
        sender = from_ if from_.startswith("whatsapp:") else f"whatsapp:{from_}"
        recipient = to if to.startswith("whatsapp:") else f"whatsapp:{to}"
        return {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            **({"ProfileName": profile_name} if profile_name is not None else {}),
            "MessageType": "text",
            "SmsSid": sid,
            "WaId": sender.removeprefix("whatsapp:").lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": recipient,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": account_sid,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
    return {
        "ToCountry": _country(to),
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": _country(from_),
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }


def twilio_status_params(
    sid: str,
    status: str,
    to: str,
    from_: str,
    error_code: str | None = None,
    *,
    account_sid: str = EVENTS_DEMO_TWILIO_ACCOUNT_SID,
) -> dict[str, str]:
    """The form of a Twilio status callback for message ``sid`` now in ``status``.

    As in "Outbound Message Status in Status Callbacks": ``MessageStatus`` and its legacy twin
    ``SmsStatus``, ``ErrorCode`` for a failed or undelivered message, no time; a WhatsApp message
    (``to`` starting with ``whatsapp:``) adds the channel fields.
    """
    params = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": to,
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }
    if to.startswith("whatsapp:"):
        params |= {
            "ChannelPrefix": "whatsapp",
            "ChannelInstallSid": "XE" + hashlib.md5(account_sid.encode(), usedforsecurity=False).hexdigest(),
            "ChannelToAddress": to.removeprefix("whatsapp:"),
        }
    if error_code is not None:
        params["ErrorCode"] = error_code
    return params


def resend_payload(
    type_: str, email_id: str, to: str, created_at: str | datetime, **data_extra: Any
) -> dict[str, Any]:
    """A Resend webhook event of ``type_`` about e-mail ``email_id`` sent to ``to``.

    The envelope of Resend's "Event Types": ``type``, ``created_at`` (the event's time), ``data``
    with ``email_id``, ``from``, ``to``, ``subject`` and the e-mail's own ``created_at``;
    ``data_extra`` adds or replaces data fields (``bounce``, ``click``, ``failed``, ``tags``...).
    """
    moment = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(created_at)
    return {
        "type": type_,
        "created_at": _resend_time(moment),
        "data": {
            "created_at": moment.astimezone(UTC).isoformat(),
            "email_id": email_id,
            "from": EVENTS_DEMO_EMAIL_SENDER,
            "to": [to],
            "subject": "Votre devis personnalisé",
            **data_extra,
        },
    }


def telegram_update(
    update_id: int,
    chat_id: int,
    text: str,
    message_id: int,
    date: int,
    first_name: str = "Sophie",
    last_name: str | None = "Martin",
    username: str | None = None,
    language_code: str = "fr",
) -> dict[str, Any]:
    """A Telegram ``Update`` holding a text message from a user in a private chat with the bot.

    A text starting with ``/`` carries its ``bot_command`` entity, as Telegram sends commands.
    """
    person: dict[str, Any] = {"first_name": first_name}
    if last_name is not None:
        person["last_name"] = last_name
    if username is not None:
        person["username"] = username
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": {"id": chat_id, "is_bot": False, **person, "language_code": language_code},
        "chat": {"id": chat_id, **person, "type": "private"},
        "date": date,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def _country(number: str) -> str:
    # Twilio fills FromCountry/ToCountry from the number; the samples only use French numbers.
    return "FR" if number.removeprefix("whatsapp:").startswith("+33") else ""


def _resend_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# --- The events/ samples ------------------------------------------------------------------------------
def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(SAMPLE_TIME.timestamp()) + seconds, tz=UTC)


def _resend_sample(
    type_: str, email_id: str, to: str, svix_id: str, sent: int, seconds: int, **extra: Any
) -> dict[str, Any]:
    """Resend's event ``seconds`` after SAMPLE_TIME about an e-mail sent ``sent`` seconds after it."""
    # Resend creates the event a moment before Svix delivers it.
    payload = resend_payload(type_, email_id, to, _at(seconds).replace(microsecond=412_000), **extra)
    payload["data"]["created_at"] = _at(sent).replace(microsecond=118_274).isoformat()
    return resend_event(
        EVENTS_DEMO_TENANT, payload, EVENTS_DEMO_RESEND_SECRET, svix_id, int(_at(seconds + 1).timestamp())
    )


def sample_events() -> dict[str, dict[str, Any]]:
    """Every ``events/webhooks_*.json`` file, by name, as the builders make it."""
    tenant, token, ours = EVENTS_DEMO_TENANT, EVENTS_DEMO_TWILIO_AUTH_TOKEN, EVENTS_DEMO_TWILIO_NUMBER
    reply = "Oui, ça m'intéresse, vous pouvez me rappeler demain ?"
    forged_params = twilio_inbound_params(
        SOPHIE_PHONE, ours, "Bonjour, merci de rappeler le 08 99 00 00 00", sid=FORGED_SMS_SID
    )
    return {
        "webhooks_twilio_inbound_sms.json": twilio_event(
            tenant, twilio_inbound_params(SOPHIE_PHONE, ours, reply, sid=INBOUND_SMS_SID), token, at=_at(0)
        ),
        "webhooks_twilio_inbound_whatsapp.json": twilio_event(
            tenant,
            twilio_inbound_params(
                SOPHIE_PHONE,
                ours,
                "Bonjour ! Jeudi 14h me conviendrait très bien pour la démo 🙂",
                sid=INBOUND_WHATSAPP_SID,
                whatsapp=True,
                profile_name="Sophie Martin",
            ),
            token,
            at=_at(60),
        ),
        "webhooks_twilio_stop.json": twilio_event(
            tenant, twilio_inbound_params(SOPHIE_PHONE, ours, "STOP", sid=STOP_SMS_SID), token, at=_at(120)
        ),
        "webhooks_twilio_status_delivered.json": twilio_event(
            tenant,
            twilio_status_params(OUTBOUND_SMS_SID, "delivered", SOPHIE_PHONE, ours),
            token,
            at=_at(-1795),
        ),
        "webhooks_twilio_status_failed_21610.json": twilio_event(
            tenant,
            twilio_status_params(OUTBOUND_OPTED_OUT_SID, "failed", OPTED_OUT_PHONE, ours, error_code="21610"),
            token,
            at=_at(-1200),
        ),
        # Signed with another token, as a forger who does not know the tenant's would.
        "webhooks_twilio_forged.json": twilio_event(
            tenant,
            forged_params,
            token,
            signature=twilio_signature("not-the-tenant-token", EVENTS_DEMO_TWILIO_URL, forged_params),
            at=_at(180),
        ),
        "webhooks_resend_delivered.json": _resend_sample(
            "email.delivered", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "msg_2tQd8Rk3VbWn1YcXz6LpA0sJmEo", -1020, -1002
        ),
        "webhooks_resend_opened.json": _resend_sample(
            "email.opened", SOPHIE_EMAIL_ID, SOPHIE_EMAIL, "msg_2tQeB7uH4yNq9FvKx3TgW5rZcDa", -1020, -602
        ),
        "webhooks_resend_clicked.json": _resend_sample(
            "email.clicked",
            SOPHIE_EMAIL_ID,
            SOPHIE_EMAIL,
            "msg_2tQeM1sP8jXa6GhRw2UbY4nVkLf",
            -1020,
            -542,
            click={
                "ipAddress": "198.51.100.23",
                "link": "https://www.example.fr/devis/sophie-martin",
                "timestamp": "2026-03-10T08:20:57.163Z",
                "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
            },
        ),
        "webhooks_resend_bounced.json": _resend_sample(
            "email.bounced",
            BOUNCED_EMAIL_ID,
            BOUNCING_EMAIL,
            "msg_2tQcT5wE0mZr3HkNy7QaX1vBpJs",
            -1505,
            -1500,
            bounce={
                "message": "The recipient's mail server permanently rejected the email: "
                "550 5.1.1 The email account that you tried to reach does not exist.",
                "subType": "General",
                "type": "Permanent",
            },
        ),
        "webhooks_resend_complained.json": _resend_sample(
            "email.complained",
            COMPLAINED_EMAIL_ID,
            COMPLAINING_EMAIL,
            "msg_2tQf2Ca9LdVs5JoMu8RyE6wXhNg",
            -86_400,
            -300,
        ),
        # Sophie's reply reaches the tenant's inbox: announced without its body, read by the worker.
        "webhooks_resend_received.json": _resend_sample(
            "email.received",
            INBOUND_EMAIL_ID,
            EVENTS_DEMO_EMAIL_INBOX,
            "msg_2tQgH4vN7cRb2WeLk9TsD3yUaXp",
            300,
            301,
            **{
                "from": f"Sophie Martin <{SOPHIE_EMAIL}>",
                "subject": "Re: Votre devis personnalisé",
                "cc": [],
                "bcc": [],
                "message_id": "<CAF=3xq-Sophie@mail.example.fr>",
                "attachments": [],
            },
        ),
        "webhooks_telegram_message.json": telegram_event(
            tenant,
            telegram_update(
                731204518,
                SOPHIE_TELEGRAM_CHAT_ID,
                "Bonjour, je suis disponible jeudi pour en parler.",
                message_id=42,
                date=int(_at(240).timestamp()),
                username="sophie_martin",
            ),
            EVENTS_DEMO_TELEGRAM_SECRET,
            at=_at(241),
        ),
        "webhooks_telegram_start.json": telegram_event(
            tenant,
            telegram_update(
                731204517,
                SOPHIE_TELEGRAM_CHAT_ID,
                "/start",
                message_id=41,
                date=int(_at(230).timestamp()),
                username="sophie_martin",
            ),
            EVENTS_DEMO_TELEGRAM_SECRET,
            at=_at(231),
        ),
    }


def render_event(event: dict[str, Any]) -> str:
    """An event as the events/ files hold it: two-space JSON, UTF-8 text, a final newline."""
    return json.dumps(event, indent=2, ensure_ascii=False) + "\n"


def write_sample_events(directory: Path = EVENTS_DIR) -> list[Path]:
    """Write every sample event to ``directory``; the paths written."""
    written = []
    for name, event in sample_events().items():
        path = directory / name
        path.write_text(render_event(event), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_sample_events():
        print(written_path)
