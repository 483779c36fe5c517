"""The unsubscribe link's token: signed per recipient, expiring, refused when changed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from maxcore.models.common import Channel
from maxcore.rules.unsubscribe_token import (
    LIFETIME,
    InvalidUnsubscribeTokenError,
    UnsubscribeClaim,
    issue,
    proof,
    verify,
)

SECRET = b"unit-test-secret"
SENT_AT = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def _claim(**changes: object) -> UnsubscribeClaim:
    values: dict[str, object] = {
        "tenant_id": "t-acme",
        "lead_id": "01JLEAD",
        "address": "lea@example.fr",
        "channel": Channel.EMAIL,
        "issued_at": SENT_AT,
    }
    return UnsubscribeClaim(**{**values, **changes})  # type: ignore[arg-type]


def _reason(token: str, now: datetime = SENT_AT, secret: bytes = SECRET) -> str:
    with pytest.raises(InvalidUnsubscribeTokenError) as raised:
        verify(token, secret, now)
    return raised.value.reason


def _with_payload(token: str, **changes: object) -> str:
    """The token with fields of its payload changed, its signature kept."""
    body, _, signature = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + signature


def test_a_valid_token_gives_back_its_recipient_issued_on_the_day_of_the_send() -> None:
    # Given a token issued for a lead's address
    token = issue(_claim(), SECRET)
    # When it is verified a week later
    claim = verify(token, SECRET, SENT_AT + timedelta(days=7))
    # Then it names the tenant, the lead, the address and the channel, issued at the day's start
    assert (claim.tenant_id, claim.lead_id, claim.address, claim.channel) == (
        "t-acme",
        "01JLEAD",
        "lea@example.fr",
        Channel.EMAIL,
    )
    assert claim.issued_at == datetime(2026, 11, 16, tzinfo=UTC)
    assert claim.message_id is None


def test_a_token_names_the_email_it_was_in_and_that_name_is_signed() -> None:
    # Given the token of a link in one e-mail
    token = issue(_claim(message_id="k3x9q2.01JLEAD@bellepeau.fr"), SECRET)
    # When it is verified, Then it names that e-mail
    assert verify(token, SECRET, SENT_AT).message_id == "k3x9q2.01JLEAD@bellepeau.fr"
    # And naming another e-mail breaks the signature
    assert _reason(_with_payload(token, m="other.01JLEAD@bellepeau.fr")) == "forged"


def test_a_token_is_url_safe_and_the_same_for_every_try_of_a_send_that_day() -> None:
    first = issue(_claim(), SECRET)
    later = issue(_claim(issued_at=SENT_AT + timedelta(hours=10)), SECRET)
    assert first == later
    assert all(c.isalnum() or c in "-_." for c in first)


def test_a_token_expires_after_its_lifetime() -> None:
    token = issue(_claim(), SECRET)
    start = datetime(2026, 11, 16, tzinfo=UTC)
    assert verify(token, SECRET, start + LIFETIME - timedelta(seconds=1)).lead_id == "01JLEAD"
    assert _reason(token, start + LIFETIME) == "expired"


def test_a_token_signed_with_another_secret_is_forged() -> None:
    assert _reason(issue(_claim(), b"someone else's key")) == "forged"


@pytest.mark.parametrize(
    "changes",
    [{"t": "t-other-tenant"}, {"l": "01OTHERLEAD"}, {"a": "boss@example.fr"}, {"i": 2_000_000_000}],
    ids=["another tenant", "another lead", "another address", "a later issue date"],
)
def test_a_token_with_a_changed_field_is_forged(changes: dict[str, object]) -> None:
    token = issue(_claim(), SECRET)
    assert _reason(_with_payload(token, **changes)) == "forged"


@pytest.mark.parametrize("token", ["", "abc", ".", "abc.", ".abc", "é.é", "a.b.c!"])
def test_what_is_not_a_token_is_malformed_or_forged(token: str) -> None:
    assert _reason(token) in {"malformed", "forged"}


def test_a_token_of_another_tenant_verifies_as_that_tenant_only() -> None:
    # A link never names a tenant other than the one it was issued for.
    mine, theirs = issue(_claim(), SECRET), issue(_claim(tenant_id="t-other"), SECRET)
    assert mine != theirs
    assert verify(theirs, SECRET, SENT_AT).tenant_id == "t-other"


def test_the_proof_is_a_hash_that_does_not_reveal_the_token() -> None:
    token = issue(_claim(), SECRET)
    assert proof(token) == proof(token)
    assert len(proof(token)) == 32
    assert proof(token) not in token
