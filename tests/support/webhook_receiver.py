"""A local receiver of outbound events: a threaded HTTP server on loopback that records each request.

It answers each request with the next status of its script (the last one repeats), so a test can make
it fail for a while, then succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: str


@dataclass
class WebhookReceiver:
    """What the receiver got, and what it answers next."""

    url: str
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[ReceivedRequest] = field(default_factory=list)

    def answer(self, *statuses: int) -> None:
        """Answer the next requests with ``statuses`` in turn (the last one repeats)."""
        self.statuses = list(statuses)

    def _next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def ids(self) -> list[str]:
        """The ``webhook-id`` of each request received, in order."""
        return [request.headers["webhook-id"] for request in self.received]


@contextmanager
def running_webhook_receiver() -> Iterator[WebhookReceiver]:
    """Start a receiver on 127.0.0.1 (a free port) for the duration of the block."""
    lock = threading.Lock()
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            with lock:
                receiver.received.append(
                    ReceivedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver._next_status()
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/max")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
