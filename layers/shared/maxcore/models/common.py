"""Types shared by every model: identifiers, channels, the error envelope, pages."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"

Ulid = Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
"""A ULID as the API shows it: 26 upper-case Crockford base32 characters."""

TenantId = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN)]
"""A tenant id: lower-case letters, digits and dashes (no ``#`` or ``_``, which keys reserve)."""


class Channel(StrEnum):
    """A messaging channel a lead can be reached on."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    TELEGRAM = "telegram"


class Role(StrEnum):
    """A user's role in a tenant, from the JWT ``role`` claim."""

    ADMIN = "admin"
    MEMBER = "member"


class StrictModel(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(BaseModel):
    """What went wrong, for people and for programs."""

    code: str = Field(description="Stable machine-readable code, e.g. `validation_error`.")
    message: str = Field(description="A sentence saying what is wrong.")
    details: Any = Field(default_factory=dict, description="Field-level details, when there are some.")


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorBody
