"""Identifiers: ULIDs for every entity, sortable by creation time."""

from __future__ import annotations

import hashlib
from datetime import datetime

from ulid import ULID


def new_id() -> str:
    """Return a new ULID as its 26-character Crockford base32 string."""
    return str(ULID())


def id_time(entity_id: str) -> datetime:
    """When the ULID ``entity_id`` was made: its time part, to the millisecond (UTC)."""
    return ULID.from_str(entity_id).datetime


def stable_id(moment: datetime, *parts: str) -> str:
    """A ULID whose time is ``moment`` and whose random part is a hash of ``parts``.

    The same inputs always give the same id, so a write that may be retried (seeding a tenant's
    built-in data) can use conditional puts on it and never create a duplicate.
    """
    milliseconds = int(moment.timestamp() * 1000).to_bytes(6, "big")
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).digest()
    return str(ULID.from_bytes(milliseconds + digest))
