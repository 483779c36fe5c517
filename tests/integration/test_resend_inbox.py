"""Reading received e-mails with the real resend SDK against the fake Resend (maxcore.channels.resend)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from maxcore.channels.resend import ReceivedEmailError, ResendInbox
from tests.support.fake_providers import FakeResend, Reply, raw_reply, resend_error, running_fake_resend

pytestmark = pytest.mark.integration

KEY = "re_inbox_test_key_0123456789"


@pytest.fixture
def resend() -> Iterator[FakeResend]:
    with running_fake_resend(api_key=KEY) as fake:
        yield fake


def test_a_received_email_is_fetched_with_its_parts(resend: FakeResend) -> None:
    # Given an e-mail Resend received, with both parts, headers and an attachment
    resend.receive(
        "e-1",
        "Claire <claire@example.fr>",
        "bonjour@inbound.example.com",
        "Re: devis",
        text="Oui, merci.",
        html="<p>Oui, merci.</p>",
        headers={"In-Reply-To": "<m1@max.example.com>"},
        attachments=[{"filename": "devis.pdf", "content_type": "application/pdf", "size": 1200}],
    )

    # When it is fetched with the tenant's key
    email = ResendInbox(KEY, base_url=resend.url).get("e-1")

    # Then the parts we read are there, attachments described (not downloaded), and the key was sent
    assert (email.subject, email.text, email.html) == ("Re: devis", "Oui, merci.", "<p>Oui, merci.</p>")
    assert email.headers["In-Reply-To"] == "<m1@max.example.com>"
    assert [(a["filename"], a["content_type"], a["size"]) for a in email.attachments] == [
        ("devis.pdf", "application/pdf", 1200)
    ]
    (request,) = resend.requests
    assert (request.method, request.path) == ("GET", "/emails/receiving/e-1")
    assert request.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        (resend_error(503, "internal_server_error", "Service unavailable"), False),
        (resend_error(429, "rate_limit_exceeded", "Too many requests", retry_after=2), False),
        (resend_error(401, "missing_api_key", "Missing API key"), False),
        (raw_reply(502, "<html>Bad gateway</html>"), False),
        (resend_error(404, "not_found", "Email not found"), True),
        (resend_error(422, "validation_error", "The id is not valid"), True),
    ],
    ids=["503", "429", "401", "proxy-502", "404", "422"],
)
def test_a_failed_fetch_says_whether_asking_again_may_help(
    resend: FakeResend, reply: Reply, permanent: bool
) -> None:
    resend.script = [reply]

    with pytest.raises(ReceivedEmailError) as raised:
        ResendInbox(KEY, base_url=resend.url).get("e-1")

    assert raised.value.permanent is permanent


def test_an_unknown_email_is_a_permanent_error(resend: FakeResend) -> None:
    with pytest.raises(ReceivedEmailError, match="404") as raised:
        ResendInbox(KEY, base_url=resend.url).get("never-received")

    assert raised.value.permanent is True


def test_an_unreachable_resend_is_worth_asking_again() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"

    with pytest.raises(ReceivedEmailError) as raised:
        ResendInbox(KEY, base_url=closed, timeout=1.0).get("e-1")

    assert raised.value.permanent is False
