"""The lock that gives moto DynamoDB's per-request atomicity (devserver/moto.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devserver.moto import OneRequestAtATime


class _Overlap:
    """A WSGI app that records how many requests it is handling at once, body included."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self._count = threading.Lock()

    def _enter(self) -> None:
        with self._count:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def _leave(self) -> None:
        with self._count:
            self.inside -= 1

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        self._enter()
        start_response("200 OK", [])
        time.sleep(0.01)
        yield b"first"
        time.sleep(0.01)  # a body produced lazily is still inside the request
        yield environ["PATH_INFO"].encode()
        self._leave()


def _serve(app: Callable[..., Any], count: int) -> list[list[bytes]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda n: list(app({"PATH_INFO": f"/{n}"}, lambda *a: None)), range(count)))


def test_requests_never_interleave_and_each_gets_its_own_body() -> None:
    inner = _Overlap()
    bodies = _serve(OneRequestAtATime(inner), 16)
    assert inner.most == 1
    assert bodies == [[b"first", f"/{n}".encode()] for n in range(16)]


def test_without_the_lock_the_same_requests_overlap() -> None:
    inner = _Overlap()
    _serve(inner, 16)
    assert inner.most > 1
