"""Normalisation of the ways to reach a lead: phone numbers to E.164, e-mail addresses, search text.

Pure functions; the API validators and the inbound webhooks use the same ones, so a number typed in
the front end and the same number in a Twilio ``From`` field meet on one key.
"""

from __future__ import annotations

import re
import unicodedata

E164_PATTERN = re.compile(r"^\+[1-9]\d{7,14}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
# A deliberately plain address check: one @, a dotted domain, no spaces. Deliverability is the
# provider's job; this catches typos and garbage.
_EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[a-z0-9-]{2,63}$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class ContactFormatError(ValueError):
    """A phone number or an e-mail address that cannot be normalised."""


def normalize_phone(raw: str, default_country_code: str = "33") -> str:
    """Return ``raw`` as an E.164 number.

    Accepts the ways people write numbers: spaces, dots, dashes, parentheses, a ``00`` international
    prefix, Twilio's ``whatsapp:`` prefix, and national numbers with a trunk ``0`` (read in the
    tenant's country, France by default).

    Parameters
    ----------
    raw
        The number as typed or as received.
    default_country_code
        Country calling code used for national numbers, without ``+``.

    Returns
    -------
    str
        The number as ``+<country><subscriber>``, 8 to 15 digits.

    Raises
    ------
    ContactFormatError
        When the result is not a plausible E.164 number.
    """
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    compact = _PHONE_SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("0") and len(compact) >= 9:
        compact = f"+{default_country_code}{compact[1:]}"
    elif not compact.startswith("+"):
        raise ContactFormatError(
            f"'{raw}' is not an international number: start it with + and the country code"
        )
    # "+33 (0)6 ..." is a common French way of writing numbers: the (0) is a trunk prefix to drop.
    if compact.startswith(f"+{default_country_code}0"):
        compact = f"+{default_country_code}{compact[len(default_country_code) + 2 :]}"
    if not E164_PATTERN.match(compact):
        raise ContactFormatError(f"'{raw}' is not a valid phone number (expected E.164, e.g. +33612345678)")
    return compact


def normalize_email(raw: str) -> str:
    """Return ``raw`` trimmed and lower-cased, or raise :class:`ContactFormatError` if it is no address."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL_PATTERN.match(email):
        raise ContactFormatError(f"'{raw}' is not a valid e-mail address")
    domain = email.rsplit("@", 1)[1]
    if not all(_DOMAIN_LABEL.match(label) for label in domain.split(".")):
        raise ContactFormatError(f"'{raw}' is not a valid e-mail address")
    return email


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents, so ``Hélène`` and ``helene`` match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(*parts: str | None) -> str:
    """Build the folded text a free-text search matches against (names, e-mail, phone digits)."""
    words: list[str] = []
    for part in parts:
        if not part:
            continue
        words.append(fold(part))
        if part.startswith("+"):
            # Let "0612" find "+33612...": also index the national form of the number.
            digits = part[1:]
            words.append(digits)
            if digits.startswith("33"):
                words.append("0" + digits[2:])
    return " ".join(words)
