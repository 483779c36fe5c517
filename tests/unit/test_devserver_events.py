"""The HTTP events the dev server and the tests build carry the path as an HTTP API delivers it."""

from __future__ import annotations

import pytest

from devserver.events import api_gateway_path, http_event


@pytest.mark.parametrize(
    ("sent", "delivered"),
    [
        ("/blacklist/email/a%40b.com", "/blacklist/email/a@b.com"),
        ("/blacklist/phone/%2B33612345678", "/blacklist/phone/+33612345678"),
        ("/x/%E2%82%AC%20y", "/x/€ y"),
        ("/leads/01J0000000000000000000000Z", "/leads/01J0000000000000000000000Z"),
        # An encoded slash stays one segment; a lone % is text.
        ("/x/a%2Fb/c", "/x/a%2Fb/c"),
        ("/x/a%2fb", "/x/a%2Fb"),
        ("/x/100%", "/x/100%"),
    ],
)
def test_the_path_is_percent_decoded_like_an_http_api_does(sent: str, delivered: str) -> None:
    assert api_gateway_path(sent) == delivered


def test_an_event_carries_the_decoded_path_everywhere_api_gateway_puts_it() -> None:
    event = http_event("DELETE", "/blacklist/email/a%40b.com", path_parameters={"value": "a@b.com"})
    assert event["rawPath"] == "/blacklist/email/a@b.com"
    assert event["requestContext"]["http"]["path"] == "/blacklist/email/a@b.com"
    assert event["pathParameters"] == {"value": "a@b.com"}
