"""Dev tokens: JWTs signed locally, standing in for the identity provider behind the JWT authorizer.

The deployed API verifies RS256 tokens of a real issuer; locally nobody runs that issuer, so the dev
server signs and checks HS256 tokens with a shared secret. They carry the same claims the handlers read
(``tenant_id``, ``role``, ``sub``), so the code under test cannot tell the difference.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

DEV_ISSUER = "max-local"
DEV_AUDIENCE = "max-api"
ALGORITHM = "HS256"
SECRET_ENV = "MAX_DEV_JWT_SECRET"  # noqa: S105 - the variable's name, not a secret

# Public on purpose: it only ever opens the local dev server. 32+ bytes because PyJWT warns about
# shorter HMAC keys.
DEV_ONLY_INSECURE_SECRET = "max-local-dev-only-insecure-secret-never-deploy"  # noqa: S105

REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "tenant_id", "role")


class DevTokenError(ValueError):
    """A dev token that cannot be trusted: bad signature, expired, wrong issuer/audience, missing claims."""


def _secret() -> str:
    return os.environ.get(SECRET_ENV, "").strip() or DEV_ONLY_INSECURE_SECRET


def sign_dev_token(tenant_id: str, role: str = "admin", sub: str = "dev-user", ttl_hours: float = 12) -> str:
    """A dev token for ``tenant_id`` with ``role``, valid ``ttl_hours`` from now."""
    if not tenant_id:
        raise DevTokenError("a dev token needs a tenant id")
    if ttl_hours <= 0:
        raise DevTokenError("ttl_hours must be positive")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "sub": sub,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=ttl_hours)).timestamp()),
        "tenant_id": tenant_id,
        "role": role,
    }
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM)


def verify_dev_token(token: str) -> dict[str, Any]:
    """The claims of a valid dev token; raises :class:`DevTokenError` saying why a token is refused."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _secret(),
            algorithms=[ALGORITHM],
            audience=DEV_AUDIENCE,
            issuer=DEV_ISSUER,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise DevTokenError(
            "the token has expired; print a new one with `python -m devserver token`"
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise DevTokenError(f"the token's signature does not match this server's {SECRET_ENV}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise DevTokenError(f"the token has no '{exc.claim}' claim") from exc
    except jwt.InvalidAudienceError as exc:
        raise DevTokenError(f"the token is not for audience '{DEV_AUDIENCE}'") from exc
    except jwt.InvalidIssuerError as exc:
        raise DevTokenError(f"the token was not issued by '{DEV_ISSUER}'") from exc
    except jwt.InvalidTokenError as exc:
        raise DevTokenError(f"the token is not a valid JWT: {exc}") from exc
    return claims
