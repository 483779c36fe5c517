"""Webhook authenticity: the providers' documented algorithms, on their published examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maxcore.rules.webhook_auth import (
    svix_signature,
    twilio_signature,
    verify_svix,
    verify_telegram,
    verify_twilio,
)

# Twilio's published example (docs, "Validating requests"): auth token 12345.
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

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
    assert twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS) == TWILIO_SIGNATURE
    assert verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, TWILIO_SIGNATURE).ok


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


def test_twilio_repeated_parameters_sign_every_value_sorted() -> None:
    once = twilio_signature("t", "https://x.test/h", {"MediaUrl": ["b", "a"]})
    assert once == twilio_signature("t", "https://x.test/h", {"MediaUrl": ["a", "b"]})
    assert once != twilio_signature("t", "https://x.test/h", {"MediaUrl": "a"})


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
