"""Webhook authenticity: the providers' documented algorithms, on their published examples."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from maxcore.rules.webhook_auth import (
    svix_signature,
    verify_svix,
    verify_telegram,
    verify_twilio,
)

# Twilio's published example (docs, "Webhooks security", validating signatures): auth token 12345.
TWILIO_URL = "https://example.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675310",
    "Digits": "1234",
    "From": "+14158675310",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "L/OH5YylLD5NRKLltdqwSvS0BnU="

# Svix's published example (docs, "Verifying webhooks manually").
SVIX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SVIX_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SVIX_TIMESTAMP = "1614265330"
SVIX_BODY = b'{"test": 2432232314}'
SVIX_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SVIX_NOW = datetime.fromtimestamp(int(SVIX_TIMESTAMP), tz=UTC)


def _svix_headers(**overrides: str) -> dict[str, str]:
    headers = {"svix-id": SVIX_ID, "svix-timestamp": SVIX_TIMESTAMP, "svix-signature": SVIX_SIGNATURE}
    return headers | overrides


def test_twilio_published_example_signature() -> None:
    assert verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE).ok
    # The form as the handler reads it: each name with the list of its values.
    assert verify_twilio("12345", TWILIO_URL, {k: [v] for k, v in TWILIO_PARAMS.items()}, TWILIO_SIGNATURE).ok


def _sign(token: str, data: str) -> str:
    """What Twilio sends, computed by hand from its documented algorithm (not with the code under test)."""
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_twilio_signature_over_an_explicit_port_url_is_accepted_either_way() -> None:
    # Given a request Twilio signed over https://host:443/... (it does so for some webhooks)
    data = "https://api.max.example.com:443/webhooks/twilio/acme" + "".join(
        k + v for k, v in sorted(TWILIO_PARAMS.items())
    )
    signature = _sign("12345", data)

    # Then it passes whether our public URL names the port or not, and other ports do not
    assert verify_twilio(
        "12345", "https://api.max.example.com/webhooks/twilio/acme", TWILIO_PARAMS, signature
    ).ok
    assert verify_twilio(
        "12345", "https://api.max.example.com:443/webhooks/twilio/acme", TWILIO_PARAMS, signature
    ).ok
    assert not verify_twilio(
        "12345", "https://api.max.example.com:8443/webhooks/twilio/acme", TWILIO_PARAMS, signature
    ).ok


def test_twilio_repeated_parameters_count_every_distinct_value_sorted() -> None:
    # Given a form with a name sent three times, two of them identical (as the SDK signs it)
    url = "https://x.test/h"
    signature = _sign("t", url + "Body" + "hi" + "MediaUrla" + "MediaUrlb")

    # Then every value is read, in any order, and a lost value breaks the signature
    assert verify_twilio("t", url, {"MediaUrl": ["b", "a", "b"], "Body": ["hi"]}, signature).ok
    assert verify_twilio("t", url, {"MediaUrl": ["a", "b"], "Body": "hi"}, signature).ok
    assert not verify_twilio("t", url, {"MediaUrl": ["b"], "Body": ["hi"]}, signature).ok
    assert not verify_twilio("t", url, {"MediaUrl": "a", "Body": "hi"}, signature).ok


def test_twilio_json_body_is_proven_by_its_body_sha256() -> None:
    # Given a JSON request: Twilio signs the URL alone, which carries the body's SHA-256
    body = '{"MessageSid": "SM1", "MessageStatus": "delivered"}'
    url = f"https://x.test/h?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = _sign("t", url)

    # Then the body passes, a changed body does not, and a JSON body without the hash never does
    assert verify_twilio("t", url, body, signature).ok
    assert not verify_twilio("t", url, body.replace("delivered", "read"), signature).ok
    verdict = verify_twilio("t", "https://x.test/h", body, _sign("t", "https://x.test/h"))
    assert not verdict.ok
    assert "bodySHA256" in verdict.reason


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        ("12346", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE),
        ("12345", TWILIO_URL.replace("https", "http"), TWILIO_PARAMS, TWILIO_SIGNATURE),
        ("12345", TWILIO_URL, TWILIO_PARAMS | {"Digits": "1235"}, TWILIO_SIGNATURE),
        ("12345", TWILIO_URL, TWILIO_PARAMS | {"Extra": "x"}, TWILIO_SIGNATURE),
        ("12345", TWILIO_URL, TWILIO_PARAMS, None),
        ("12345", TWILIO_URL, TWILIO_PARAMS, ""),
        ("", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE),
    ],
    ids=["other-token", "other-scheme", "changed-param", "added-param", "no-header", "empty", "no-token"],
)
def test_twilio_forgeries_are_refused(
    token: str, url: str, params: dict[str, str], signature: str | None
) -> None:
    verdict = verify_twilio(token, url, params, signature)
    assert not verdict.ok
    assert verdict.reason


def test_svix_published_example_signature() -> None:
    assert svix_signature(SVIX_SECRET, SVIX_ID, SVIX_TIMESTAMP, SVIX_BODY) == SVIX_SIGNATURE
    assert verify_svix(SVIX_SECRET, _svix_headers(), SVIX_BODY, SVIX_NOW).ok


def test_svix_accepts_any_matching_signature_of_several() -> None:
    rotated = f"v1,bm90LXRoaXMtb25l {SVIX_SIGNATURE}"
    assert verify_svix(SVIX_SECRET, _svix_headers(**{"svix-signature": rotated}), SVIX_BODY, SVIX_NOW).ok


@pytest.mark.parametrize(
    ("headers", "body", "now"),
    [
        (_svix_headers(), b'{"test": 2432232315}', SVIX_NOW),
        (_svix_headers(**{"svix-id": "msg_other"}), SVIX_BODY, SVIX_NOW),
        (_svix_headers(), SVIX_BODY, SVIX_NOW + timedelta(minutes=5, seconds=1)),
        (_svix_headers(), SVIX_BODY, SVIX_NOW - timedelta(minutes=5, seconds=1)),
        (_svix_headers(**{"svix-timestamp": "soon"}), SVIX_BODY, SVIX_NOW),
        (_svix_headers(**{"svix-signature": SVIX_SIGNATURE.replace("v1,", "v2,")}), SVIX_BODY, SVIX_NOW),
        ({"svix-id": SVIX_ID, "svix-timestamp": SVIX_TIMESTAMP}, SVIX_BODY, SVIX_NOW),
    ],
    ids=[
        "changed-body",
        "other-id",
        "too-old",
        "too-far-ahead",
        "bad-timestamp",
        "other-version",
        "unsigned",
    ],
)
def test_svix_forgeries_and_replays_are_refused(headers: dict[str, str], body: bytes, now: datetime) -> None:
    verdict = verify_svix(SVIX_SECRET, headers, body, now)
    assert not verdict.ok
    assert verdict.reason


def test_svix_timestamp_exactly_five_minutes_away_is_still_accepted() -> None:
    assert verify_svix(SVIX_SECRET, _svix_headers(), SVIX_BODY, SVIX_NOW + timedelta(minutes=5)).ok


def test_svix_with_a_malformed_secret_refuses_instead_of_failing() -> None:
    verdict = verify_svix("whsec_not base64!", _svix_headers(), SVIX_BODY, SVIX_NOW)
    assert not verdict.ok
    assert "secret" in verdict.reason


def test_telegram_secret_token() -> None:
    assert verify_telegram("s3cr3t-Token_1", "s3cr3t-Token_1").ok
    assert not verify_telegram("s3cr3t-Token_1", "s3cr3t-Token_2").ok
    assert not verify_telegram("s3cr3t-Token_1", None).ok
    assert not verify_telegram("", "").ok
