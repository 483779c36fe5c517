"""A small local stand-in for an OpenAI-compatible chat-completions endpoint.

The real ``openai`` SDK is pointed at it (``ASSISTANT_BASE_URL``); each request is answered by the
next scripted reply: a tool call, a final text, or an HTTP error. Every request body is recorded so
tests can check what the assistant sent (the tools, the tool results, the history).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from maxcore.settings import reset_settings

Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


def tool_call(name: str, arguments: dict[str, Any] | str, call_id: str = "call_1") -> dict[str, Any]:
    """A reply asking for one tool call (``arguments`` as a dict, or raw text to send it malformed)."""
    return tool_calls([(name, arguments, call_id)])


def tool_calls(calls: list[tuple[str, dict[str, Any] | str, str]]) -> dict[str, Any]:
    """A reply asking for several tool calls at once."""
    return {
        "kind": "message",
        "message": {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                    },
                }
                for name, arguments, call_id in calls
            ],
        },
        "finish_reason": "tool_calls",
    }


def answer(text: str) -> dict[str, Any]:
    """A final text reply."""
    return {
        "kind": "message",
        "message": {"role": "assistant", "content": text},
        "finish_reason": "stop",
    }


def error(status: int, message: str = "upstream trouble") -> dict[str, Any]:
    """An HTTP error reply, in the API's error format."""
    return {
        "kind": "error",
        "status": status,
        "body": {"error": {"message": message, "type": "server_error"}},
    }


@dataclass
class FakeChatCompletions:
    """The scripted server: ``script`` is consumed one reply per request."""

    script: list[Reply] = field(default_factory=list)
    default: Reply | None = None
    """Answers every request once the script is used up (``None``: a 500 saying so)."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def reply_to(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.script and self.default is None:
            return error(500, "the test script has no more replies")
        reply = self.script.pop(0) if self.script else self.default
        assert reply is not None
        return reply(body) if callable(reply) else reply


def _handler(fake: FakeChatCompletions) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            fake.requests.append(body)
            fake.headers.append({k.lower(): v for k, v in self.headers.items()})
            reply = fake.reply_to(body)
            if reply["kind"] == "error":
                self._send(reply["status"], reply["body"])
                return
            self._send(
                200,
                {
                    "id": f"chatcmpl-{len(fake.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {"index": 0, "message": reply["message"], "finish_reason": reply["finish_reason"]}
                    ],
                    "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def fake_chat_completions() -> Iterator[FakeChatCompletions]:
    """Run the fake on a free loopback port for the duration of the block."""
    fake = FakeChatCompletions()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def configured_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatCompletions]:
    """A language model configured for the code under test: the fake, with the settings pointing at it."""
    with fake_chat_completions() as fake:
        monkeypatch.setenv("ASSISTANT_API_KEY", "sk-test-local")
        monkeypatch.setenv("ASSISTANT_BASE_URL", fake.url)
        monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
        reset_settings()
        yield fake
    reset_settings()
