"""POST an outbound event to a tenant's endpoint, connecting to the one address that was checked.

The host name was resolved and every address checked public before this is called; connecting by
name would resolve it again, and a DNS answer that changed in between (DNS rebinding) would reach an
address nobody checked. So the socket goes to the checked address, and TLS still verifies the
certificate against the host name (SNI and hostname check on ``server_hostname``). Redirects are not
followed: ``http.client`` never does.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from maxcore.rules.outbound_events import Target

RESPONSE_READ_MAX = 4096
"""Bytes of the answer read (and thrown away): only its status matters."""


@dataclass(frozen=True)
class PostResult:
    """What the endpoint answered: its status code, or ``None`` when nothing came back."""

    status_code: int | None
    timed_out: bool = False


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    target: Target, address: IPv4Address | IPv6Address, headers: dict[str, str], body: bytes, timeout: float
) -> PostResult:
    """POST ``body`` to ``target`` at ``address``; a refused connection raises ``OSError``."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, str(address), timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_MAX)
        return PostResult(response.status)
    except TimeoutError:
        return PostResult(None, timed_out=True)
    finally:
        connection.close()
