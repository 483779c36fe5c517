"""The checks behind the contact fields of the API schemas: e-mail addresses and countries.

They live with the models because a field's validator runs inside the schema (a bad value is a 422
naming the field before any service runs); the phone number rules, which need the tenant's country,
are in :mod:`maxcore.rules.contact` and build on the names here. The patterns compile on first use
(through :mod:`re`'s own cache), and ``phonenumbers`` is imported only when a country is checked.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = [
    "DEFAULT_COUNTRY",
    "ContactFormatError",
    "check_country",
    "known_countries",
    "normalize_email",
]

DEFAULT_COUNTRY = "FR"
"""The region national numbers are read in when the tenant has not chosen another one."""

_COUNTRY = r"[A-Z]{2}"
# A deliberately plain address check: one @, a dotted domain, no spaces. Deliverability is the
# provider's job; this catches typos and garbage.
_EMAIL = r"[^@\s]{1,64}@[^@\s]+\.[a-z0-9-]{2,63}"
_DOMAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


class ContactFormatError(ValueError):
    """A phone number or an e-mail address that cannot be normalised."""


def normalize_email(raw: str) -> str:
    """Return ``raw`` trimmed and lower-cased, or raise :class:`ContactFormatError` if it is no address."""
    email = raw.strip().lower()
    if len(email) > 254 or not re.fullmatch(_EMAIL, email):
        raise ContactFormatError(f"'{raw}' is not a valid e-mail address")
    domain = email.rsplit("@", 1)[1]
    if not all(re.fullmatch(_DOMAIN_LABEL, label) for label in domain.split(".")):
        raise ContactFormatError(f"'{raw}' is not a valid e-mail address")
    return email


def check_country(code: str) -> str:
    """Return ``code`` if it is an ISO 3166 alpha-2 region the phone library knows, else raise ``ValueError``.

    Parameters
    ----------
    code
        Upper-case, as ISO writes it (``FR``, ``BE``, ``GB``).

    Raises
    ------
    ValueError
        With a message saying what a valid value looks like.
    """
    if not re.fullmatch(_COUNTRY, code) or code not in _regions():
        raise ValueError(
            f"unknown country {code!r}: use an ISO 3166 alpha-2 code in capitals, such as FR, BE or GB"
        )
    return code


def known_countries() -> list[str]:
    """Every region code :func:`check_country` accepts, sorted (``AC``, ``AD``... ``ZW``)."""
    return sorted(_regions())


@cache
def _regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)
