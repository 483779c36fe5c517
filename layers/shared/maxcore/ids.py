"""Identifiers: ULIDs for every entity, sortable by creation time."""

from __future__ import annotations

from ulid import ULID


def new_id() -> str:
    """Return a new ULID as its 26-character Crockford base32 string."""
    return str(ULID())
