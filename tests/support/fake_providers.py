"""Small local stand-ins for the sending APIs of Twilio, Resend and Telegram's Bot API.

The real SDKs are pointed at them (``TwilioAdapter(base_url=fake.url)``, ``ResendAdapter(base_url=...)``,
``TelegramAdapter(base_url=...)``), so a test runs the provider's own client code end to end. Each fake:

- answers each request with the next entry of its ``script`` (an error built by ``twilio_error``,
  ``resend_error``, ``telegram_error`` or ``raw_reply``, or ``ACCEPT`` for the normal success), and
  with the normal success once the script is used up;
- records every request in ``requests`` (method, path, headers lower-cased, parsed form or JSON body)
  and every message it accepted in ``sent`` (what the provider would actually deliver);
- waits ``delay_seconds`` (the fake's, or a reply's own) before answering, to make a client time out.
  A delayed request is still processed after the delay, as by a slow provider: the message may be
  in ``sent`` although the client gave up;
- answers success bodies shaped like the real API's, and errors in each provider's error format.

Use them as context managers: ``with running_fake_twilio() as twilio: ... twilio.url``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


# --- replies ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer: status, body (JSON-encoded unless bytes or str), extra headers."""

    status: int
    body: dict[str, Any] | str | bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


ACCEPT = Reply(0, b"")
"""A script entry meaning: process this request normally (the provider's success)."""


def raw_reply(status: int, body: str | bytes = b"", content_type: str = "text/html", **headers: str) -> Reply:
    """Any answer at all, e.g. a proxy's HTML 502 page."""
    return Reply(status, body, {"Content-Type": content_type, **headers})


def delayed(seconds: float, reply: Reply = ACCEPT) -> Reply:
    """``reply`` (by default the normal success) after ``seconds``: more than the client's timeout."""
    return Reply(reply.status, reply.body, reply.headers, delay_seconds=seconds)


def _retry_after_header(retry_after: float | None) -> dict[str, str]:
    if retry_after is None:
        return {}
    return {"Retry-After": str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)}


def twilio_error(status: int, code: int, message: str, retry_after: float | None = None) -> Reply:
    """An error in Twilio's REST format, e.g. ``twilio_error(400, 21610, "Unsubscribed recipient")``."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Reply(status, body, _retry_after_header(retry_after))


def resend_error(status: int, name: str, message: str, retry_after: float | None = None) -> Reply:
    """An error in Resend's format, e.g. ``resend_error(429, "rate_limit_exceeded", "Too many requests")``."""
    headers = _retry_after_header(retry_after)
    if retry_after is not None:
        # Resend spells its headers in lower case.
        headers = {"retry-after": headers["Retry-After"]}
    return Reply(status, {"statusCode": status, "name": name, "message": message}, headers)


def telegram_error(error_code: int, description: str, retry_after: int | None = None) -> Reply:
    """An error in the Bot API's format; a 429's wait goes in ``parameters.retry_after`` as Telegram does."""
    body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Reply(error_code, body)


# --- recorded requests --------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedRequest:
    """A request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: dict[str, Any]
    """The parsed form (one value: a str; repeated: a list) or JSON object."""
    raw: bytes


@dataclass
class _FakeProvider:
    """What the three fakes share: the script, the records and the server's address."""

    script: list[Reply] = field(default_factory=list)
    delay_seconds: float = 0.0
    """Applied to every request, before the reply's own delay."""
    requests: list[RecordedRequest] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_reply(self) -> Reply:
        with self.lock:
            return self.script.pop(0) if self.script else ACCEPT

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def handle(self, request: RecordedRequest) -> Reply:
        """The provider's normal processing of one request; overridden by each fake."""
        raise NotImplementedError


# --- Twilio -------------------------------------------------------------------------------------
@dataclass
class FakeTwilio(_FakeProvider):
    """Twilio's ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form-encoded) and its
    Content API's ``GET /v1/Content/{sid}/ApprovalRequests`` (point ``TWILIO_CONTENT_API_URL`` here).

    A message is a ``Body`` or a ``ContentSid`` with ``ContentVariables``; ``sent`` records both.
    """

    auth_token: str | None = None
    """When set, Basic auth must be (the path's AccountSid, this token), or a 401 code 20003."""
    contents: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Content SID -> (WhatsApp approval status, rejection reason), as the test sets them."""
    whatsapp_sessions: set[str] | None = None
    """When set, the WhatsApp numbers (``whatsapp:+33...``) whose 24-hour window is open: a free-form
    body to any other is refused with 63016, as Twilio does; a Content must be approved."""

    def handle(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/v1/Content/"):
            return self._approval(request)
        parts = request.path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["2010-04-01", "Accounts"] or parts[3] != "Messages.json":
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        account_sid = parts[2]
        if not self._authorized(request, account_sid):
            return twilio_error(401, 20003, "Authenticate")
        form = request.body
        for required, code, text in (
            ("To", 21604, "A 'To' phone number is required."),
            ("From", 21603, "A 'From' phone number is required."),
        ):
            if not form.get(required):
                return twilio_error(400, code, text)
        if not form.get("Body") and not form.get("ContentSid"):
            return twilio_error(400, 21602, "Message body is required.")
        refused = self._whatsapp_refusal(form)
        if refused is not None:
            return refused
        now = format_datetime(datetime.now(UTC), usegmt=True)
        sid = "SM" + secrets.token_hex(16)
        resource = {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json",
            },
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }
        content = {"content_sid": form.get("ContentSid"), "content_variables": form.get("ContentVariables")}
        with self.lock:
            self.sent.append({**resource, **content, "status_callback": form.get("StatusCallback")})
        return Reply(201, resource)

    def _authorized(self, request: RecordedRequest, account_sid: str) -> bool:
        return self.auth_token is None or request.headers.get("authorization") == _basic(
            account_sid, self.auth_token
        )

    def _whatsapp_refusal(self, form: dict[str, Any]) -> Reply | None:
        """Twilio's refusals of a WhatsApp message the fake can know: free text out of the window,
        a Content that is not approved."""
        if self.whatsapp_sessions is None or not str(form["To"]).startswith("whatsapp:"):
            return None
        content_sid = form.get("ContentSid")
        if content_sid is None and form["To"] not in self.whatsapp_sessions:
            return twilio_error(
                400, 63016, "Failed to send freeform message because you are outside the allowed window."
            )
        if content_sid is not None and self.contents.get(content_sid, ("unknown", None))[0] != "approved":
            return twilio_error(400, 63016, f"Content {content_sid} is not an approved WhatsApp template.")
        return None

    def _approval(self, request: RecordedRequest) -> Reply:
        """``GET /v1/Content/{sid}/ApprovalRequests``: the WhatsApp approval the test set for the SID."""
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or len(parts) != 4 or parts[3] != "ApprovalRequests":
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        account_sid = next((a for a in _basic_users(request) if self._authorized(request, a)), None)
        if account_sid is None:
            return twilio_error(401, 20003, "Authenticate")
        sid = parts[2]
        if sid not in self.contents:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        status, reason = self.contents[sid]
        whatsapp = {
            "type": "whatsapp",
            "name": f"template_{sid[-6:]}",
            "category": "MARKETING",
            "content_type": "twilio/text",
            "status": status,
            "rejection_reason": reason or "",
            "allow_category_change": True,
        }
        body = {
            "sid": sid,
            "account_sid": account_sid,
            "whatsapp": whatsapp,
            "url": f"{self.url}{request.path}",
        }
        return Reply(200, body)


def _basic_users(request: RecordedRequest) -> list[str]:
    """The user of the request's Basic authorization, if any (the account SID of a Twilio request)."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return []
    return [base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")[0]]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- Resend -------------------------------------------------------------------------------------
_RECEIVING = "/emails/receiving/"


@dataclass
class FakeResend(_FakeProvider):
    """Resend's ``POST /emails`` (JSON), with its Idempotency-Key semantics, and its receiving API.

    A key seen before with the same body answers the first e-mail's id and sends nothing; with a
    different body, a 409 ``invalid_idempotent_request``. Only accepted e-mails remember their key.
    Not modelled: keys expiring after 24 h, and a second request arriving while the first with its
    key is still in progress (Resend's 409 ``concurrent_idempotent_requests``; script it if needed).

    ``GET /emails/receiving/{id}`` serves the e-mails a test registered with :meth:`receive`, in the
    shape of Resend's "Retrieve received email" (``text``, ``html``, ``headers``, ``attachments``
    with their size); an unknown id is a 404 ``not_found``, as Resend answers.
    """

    api_key: str | None = None
    """When set, ``Authorization: Bearer <api_key>`` is required (else 401 / 403 like Resend)."""
    idempotency: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The inbound e-mails the receiving API serves, by id."""

    def receive(
        self,
        email_id: str,
        sender: str,
        to: str,
        subject: str,
        *,
        text: str | None = None,
        html: str | None = None,
        headers: dict[str, str] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        created_at: str = "2026-03-10T08:40:12.126Z",
    ) -> None:
        """Register an inbound e-mail; ``attachments``: ``{"filename", "content_type", "size"}`` each."""
        message_id = f"<{email_id}@mail.example.fr>"
        self.received[email_id] = {
            "object": "email",
            "id": email_id,
            "to": [to],
            "from": sender,
            "created_at": created_at,
            "subject": subject,
            "html": html,
            "text": text,
            "bcc": [],
            "cc": [],
            "reply_to": [],
            "received_for": [to],
            "message_id": message_id,
            "headers": {"message-id": message_id, "subject": subject, **(headers or {})},
            "attachments": [
                {
                    "id": str(uuid.uuid4()),
                    "content_id": None,
                    "content_disposition": "attachment",
                    **attachment,
                }
                for attachment in attachments or []
            ],
        }

    def handle(self, request: RecordedRequest) -> Reply:
        path = request.path.rstrip("/")
        if (request.method, path) != ("POST", "/emails") and not (
            request.method == "GET" and path.startswith(_RECEIVING)
        ):
            return resend_error(404, "not_found", "The requested endpoint does not exist.")
        if self.api_key is not None:
            given = request.headers.get("authorization", "")
            if not given.startswith("Bearer ") or given == "Bearer None":
                return resend_error(401, "missing_api_key", "Missing API key in the authorization header.")
            if given != f"Bearer {self.api_key}":
                return resend_error(403, "invalid_api_key", "API key is invalid")
        if request.method == "GET":
            found = self.received.get(path.removeprefix(_RECEIVING))
            return Reply(200, found) if found else resend_error(404, "not_found", "Email not found")
        email = request.body
        for required in ("from", "to", "subject"):
            if not email.get(required):
                return resend_error(422, "missing_required_field", f"Missing `{required}` field.")
        recipients = email["to"] if isinstance(email["to"], list) else [email["to"]]
        if any("@" not in str(address) for address in recipients):
            return resend_error(
                422,
                "validation_error",
                "Invalid `to` field. The email address needs to follow the `email@example.com` or "
                "`Name <email@example.com>` format.",
            )
        key = request.headers.get("idempotency-key")
        with self.lock:
            if key is not None and key in self.idempotency:
                first_body, first_id = self.idempotency[key]
                if first_body != request.raw:
                    return resend_error(
                        409,
                        "invalid_idempotent_request",
                        "Same idempotency key used with a different request payload.",
                    )
                return Reply(200, {"id": first_id})
            email_id = str(uuid.uuid4())
            if key is not None:
                self.idempotency[key] = (request.raw, email_id)
            self.sent.append({**email, "id": email_id, "idempotency_key": key})
        return Reply(200, {"id": email_id})


# --- Telegram -----------------------------------------------------------------------------------
@dataclass
class FakeTelegram(_FakeProvider):
    """The Bot API's ``POST /bot<token>/sendMessage`` (JSON or form) and ``setMyCommands`` (JSON)."""

    bot_token: str | None = None
    """When set, another token in the path gets a 401 Unauthorized."""
    next_message_id: dict[str, int] = field(default_factory=dict)
    menu: list[dict[str, str]] | None = None
    """The bot's command menu as the last ``setMyCommands`` set it (``None``: never set)."""

    def handle(self, request: RecordedRequest) -> Reply:
        prefix, _, method = request.path.strip("/").rpartition("/")
        if not prefix.startswith("bot") or method not in ("sendMessage", "setMyCommands"):
            return telegram_error(404, "Not Found")
        if self.bot_token is not None and prefix != f"bot{self.bot_token}":
            return telegram_error(401, "Unauthorized")
        if method == "setMyCommands":
            return self._set_commands(request.body.get("commands"))
        chat_id, text = request.body.get("chat_id"), request.body.get("text")
        if chat_id in (None, ""):
            return telegram_error(400, "Bad Request: chat_id is empty")
        if not text:
            return telegram_error(400, "Bad Request: message text is empty")
        chat = int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id
        with self.lock:
            message_id = self.next_message_id.get(str(chat), 0) + 1
            self.next_message_id[str(chat)] = message_id
            result = {
                "message_id": message_id,
                "from": {"id": 1, "is_bot": True, "first_name": "MAX", "username": "max_bot"},
                "chat": {"id": chat, "type": "private"},
                "date": int(time.time()),
                "text": text,
            }
            self.sent.append(result)
        return Reply(200, {"ok": True, "result": result})

    def _set_commands(self, commands: Any) -> Reply:
        """Telegram checks each command's name and description before it replaces the menu."""
        if not isinstance(commands, list) or len(commands) > 100:
            return telegram_error(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(description) <= 256:
                return telegram_error(400, "Bad Request: BOT_COMMAND_INVALID")
        with self.lock:
            self.menu = [{"command": c["command"], "description": c["description"]} for c in commands]
        return Reply(200, {"ok": True, "result": True})


# --- the server ---------------------------------------------------------------------------------
def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if "json" in content_type:
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {"_": parsed}
    form = parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
    return {name: values[0] if len(values) == 1 else values for name, values in form.items()}


def _handler(fake: _FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(
                method=method,
                path=urlsplit(self.path).path,
                headers=headers,
                body=_parse_body(headers.get("content-type", ""), raw),
                raw=raw,
            )
            fake.record(request)
            reply = fake.next_reply()
            wait = fake.delay_seconds + reply.delay_seconds
            if wait > 0:
                time.sleep(wait)
            if reply.status == 0:
                reply = fake.handle(request)
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            if isinstance(reply.body, bytes | str):
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                headers = dict(reply.headers)
            else:
                data = json.dumps(reply.body).encode()
                headers = {"Content-Type": "application/json", **reply.headers}
            try:
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except ConnectionError:
                # The client gave up (its timeout) before the delayed answer: nothing to tell it.
                return

    return Handler


@contextmanager
def _running(fake: _FakeProvider) -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll keeps shutdown() quick: it waits for serve_forever's next poll (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_fake_twilio(auth_token: str | None = None) -> Iterator[FakeTwilio]:
    """A fake Twilio on a free loopback port; ``url`` is the API's base (``https://api.twilio.com``)."""
    with _running(FakeTwilio(auth_token=auth_token)) as fake:
        yield fake


@contextmanager
def running_fake_resend(api_key: str | None = None) -> Iterator[FakeResend]:
    """A fake Resend on a free loopback port; ``url`` is the API's base (``https://api.resend.com``)."""
    with _running(FakeResend(api_key=api_key)) as fake:
        yield fake


@contextmanager
def running_fake_telegram(bot_token: str | None = None) -> Iterator[FakeTelegram]:
    """A fake Bot API on a free loopback port; ``url`` is the base (``https://api.telegram.org``)."""
    with _running(FakeTelegram(bot_token=bot_token)) as fake:
        yield fake
