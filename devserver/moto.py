"""moto's server, answering one request at a time.

DynamoDB applies each request to an item atomically: of two conditional updates racing for the last slot
of a daily cap, one fails its condition. moto's threaded server does not: it evaluates a condition and
writes in two steps, so two threads can both pass, and a failed TransactWriteItems restores a copy of
the table taken when it started, erasing what other requests wrote meanwhile. Serving one request at a
time gives moto the per-request atomicity the code relies on, which the dev server, the integration
suite and the benchmarks all need when several workers share it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneRequestAtATime:
    """WSGI middleware: the wrapped application handles one request at a time, body included."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class AtomicMotoServer(ThreadedMotoServer):
    """A ``ThreadedMotoServer`` whose requests never interleave (see the module docstring)."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)

    def _server_entry(self) -> None:
        app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
