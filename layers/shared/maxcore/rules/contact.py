"""Normalisation of the ways to reach a lead: phone numbers to E.164, and search text.

Pure functions; the API, the CSV import, the blacklist and the inbound webhooks use the same ones, so
a number typed in the front end and the same number in a Twilio ``From`` field meet on one key. The
checks an API schema runs by itself (e-mail addresses, countries) are in :mod:`maxcore.models.contact`.

Phone numbers are parsed, validated and formatted by ``phonenumbers`` (the ``phonenumberslite``
package: Google's libphonenumber metadata without the geocoder and carrier data). It is imported
inside the functions that read numbers: about 12 ms that the functions which never read a number
(alerts, budget, templates, assistant, scheduler) do not pay at cold start.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from maxcore.models.contact import DEFAULT_COUNTRY, ContactFormatError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

# What a phone number may be written with: digits (any script: the library reads them), the usual
# separators and a leading +. Anything else (letters, "ext.", a second number after a slash and a
# word...) is refused rather than guessed at: the library would read "06 12 ab" as a vanity number
# and find a number inside "tel: ... call me".
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s.\-/()]+$")
_WHATSAPP_PREFIX = "whatsapp:"


class PhoneNumberError(ContactFormatError):
    """A phone number the library refuses, with its reason.

    ``reason`` is one of ``NOT_A_NUMBER``, ``INVALID_COUNTRY_CODE``, ``TOO_SHORT``, ``TOO_LONG``,
    ``INVALID_LENGTH`` (libphonenumber's own names) or ``INVALID_NUMBER`` (the right length, but no
    number of its country is numbered that way); the message says it in a sentence.
    """

    def __init__(self, raw: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.raw = raw
        self.reason = reason


def normalize_phone(raw: str, country: str = DEFAULT_COUNTRY, *, require_valid: bool = True) -> str:
    """Return ``raw`` as an E.164 number (``+33612345678``).

    Accepts the ways people write numbers: spaces, dots, dashes, slashes, parentheses, a ``+`` or
    the region's international prefix (``00`` in Europe), French ``+33 (0)6...``, Twilio's
    ``whatsapp:`` prefix, and national numbers, read in ``country``.

    Parameters
    ----------
    raw
        The number as typed or as received.
    country
        ISO 3166 alpha-2 region (the tenant's ``default_country``) national numbers are read in.
    require_valid
        True (the default) accepts only numbers valid for their region (numbering plan and length).
        False accepts any number of a possible length: for senders a provider already delivered
        from (a real number the library's metadata may not know yet must still reach its lead, a
        STOP above all). Both give the same E.164 form for the same number, so lookups meet.

    Returns
    -------
    str
        The number in E.164.

    Raises
    ------
    PhoneNumberError
        With the library's reason and a sentence saying it.
    """
    import phonenumbers

    text = raw.strip()
    if text.lower().startswith(_WHATSAPP_PREFIX):
        text = text[len(_WHATSAPP_PREFIX) :].strip()
    if not _PHONE_CHARACTERS.match(text) or not any(c.isdigit() for c in text):
        raise PhoneNumberError(
            raw,
            "NOT_A_NUMBER",
            f"{raw!r} is not a phone number: write digits, with spaces, dots or dashes if you like, "
            "and + before a country code",
        )
    try:
        number = phonenumbers.parse(text, country, keep_raw_input=True)
    except phonenumbers.NumberParseException as exc:
        raise _parse_error(raw, exc.error_type) from exc
    possible = phonenumbers.is_possible_number_with_reason(number)
    error: PhoneNumberError | None = None
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        error = _length_error(raw, number, possible)
    elif require_valid and not phonenumbers.is_valid_number(number):
        error = PhoneNumberError(
            raw,
            "INVALID_NUMBER",
            f"{raw!r} is not a valid number for its country ({_region_of(number)}): "
            "no number there is numbered this way",
        )
    if error is not None:
        if number.country_code_source == phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
            # Say how it was read: a foreign number typed without its country code lands here.
            error = PhoneNumberError(
                raw,
                error.reason,
                f"{error}; it was read as a national number of {country}: "
                "write + and the country code for a number of another country",
            )
        raise error
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_query(text: str, country: str = DEFAULT_COUNTRY) -> str | None:
    """The E.164 form of a search text that is a whole valid phone number, else ``None``.

    ``06 12 34 56 78`` typed in a search box is the number +33612345678 for a French tenant: the
    search then looks for that number, not for leads that merely contain "06", "12", "34"...
    """
    if not _PHONE_CHARACTERS.match(text.strip()):
        return None
    try:
        return normalize_phone(text, country)
    except PhoneNumberError:
        return None


def stored_phone_problem(value: str) -> PhoneNumberError | None:
    """Why a number already stored is not a valid E.164 number, or ``None`` when it is.

    For the admin check of stored data: a stored number is E.164, so it is read without a region,
    and one the library would write differently (``+330612...``) is reported too.
    """
    if not value.startswith("+"):
        return PhoneNumberError(value, "NOT_E164", f"{value!r} is not stored in E.164 (no leading +)")
    try:
        normalised = normalize_phone(value)
    except PhoneNumberError as exc:
        return exc
    if normalised != value:
        return PhoneNumberError(value, "NOT_E164", f"{value!r} is not in E.164: it is {normalised}")
    return None


def _parse_error(raw: str, error_type: int) -> PhoneNumberError:
    import phonenumbers

    errors = phonenumbers.NumberParseException
    if error_type == errors.INVALID_COUNTRY_CODE:
        return PhoneNumberError(
            raw,
            "INVALID_COUNTRY_CODE",
            f"{raw!r} does not start with a country calling code that exists "
            "(write + and the country code, such as +33 for France)",
        )
    if error_type in (errors.TOO_SHORT_AFTER_IDD, errors.TOO_SHORT_NSN):
        return PhoneNumberError(raw, "TOO_SHORT", f"{raw!r} is too short to be a phone number")
    if error_type == errors.TOO_LONG:
        return PhoneNumberError(raw, "TOO_LONG", f"{raw!r} is too long to be a phone number")
    return PhoneNumberError(raw, "NOT_A_NUMBER", f"{raw!r} is not a phone number")


def _length_error(raw: str, number: PhoneNumber, result: int) -> PhoneNumberError:
    import phonenumbers

    region = _region_of(number)
    outcome = phonenumbers.ValidationResult
    if result == outcome.INVALID_COUNTRY_CODE:
        return _parse_error(raw, phonenumbers.NumberParseException.INVALID_COUNTRY_CODE)
    if result == outcome.TOO_LONG:
        return PhoneNumberError(raw, "TOO_LONG", f"{raw!r} has too many digits for a number of {region}")
    if result == outcome.INVALID_LENGTH:
        return PhoneNumberError(
            raw, "INVALID_LENGTH", f"{raw!r} has a number of digits that no number of {region} has"
        )
    # TOO_SHORT, and IS_POSSIBLE_LOCAL_ONLY (a local number without its area code).
    return PhoneNumberError(raw, "TOO_SHORT", f"{raw!r} has too few digits for a number of {region}")


def _region_of(number: PhoneNumber) -> str:
    import phonenumbers

    code = number.country_code or 0
    region = phonenumbers.region_code_for_country_code(code)
    return f"{region} +{code}" if region != phonenumbers.UNKNOWN_REGION else f"+{code}"


def phone_country(e164: str) -> str | None:
    """The country of a stored number (``RE`` for +262 692...), or ``None`` if no single one has it."""
    import phonenumbers

    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return None if region in (None, phonenumbers.UNKNOWN_REGION, "001") else str(region)


def national_digits(e164: str) -> str | None:
    """The digits of ``e164`` as its own country dials it (``0612345678``), or ``None`` if unreadable."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in national if c.isdigit()) or None


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
            # Let "0612" find "+33612..." (and "0470 12" find "+32470..."): also index the number
            # as its own country dials it.
            digits = part[1:]
            words.append(digits)
            national = national_digits(part)
            if national and national != digits:
                words.append(national)
    return " ".join(words)
