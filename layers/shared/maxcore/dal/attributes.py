"""Attribute types of our own for the pynamodb items."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import Attribute
from pynamodb.constants import STRING

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_iso(value: datetime) -> str:
    """Format ``value`` as the UTC ISO-8601 string the table stores (fixed width, so it sorts)."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass a timezone-aware one")
    return value.astimezone(UTC).strftime(ISO_FORMAT)


def from_iso(value: str) -> datetime:
    """Parse a stored time back to an aware UTC datetime."""
    return datetime.strptime(value, ISO_FORMAT).replace(tzinfo=UTC)


class IsoDateTimeAttribute(Attribute[datetime]):
    """A datetime stored as ``2026-01-31T08:00:00.000000Z``: readable, sortable, always UTC."""

    attr_type = STRING

    def serialize(self, value: datetime) -> str:
        return to_iso(value)

    def deserialize(self, value: str) -> datetime:
        return from_iso(value)
