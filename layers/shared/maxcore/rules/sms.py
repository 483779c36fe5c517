"""SMS encoding and segment counting: GSM-7 when every character allows it, UCS-2 otherwise (pure).

Used to validate SMS templates and outgoing messages: the cost of an SMS is its number of segments,
and one character outside the GSM 03.38 alphabet (a French ``ç``, ``ê``, an emoji) switches the whole
message to UCS-2, which more than halves the room per segment.

Only the default alphabet and its extension table are used (no national language shift tables), as
most carriers and Twilio do by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (127 characters: the 128 code points less the escape)."""

GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
"""Characters of the GSM 03.38 extension table: each is sent as escape + code, so costs 2 septets."""

MAX_SEGMENTS = 10
"""The most segments an SMS template may have; longer templates are refused."""

GSM7_SINGLE, GSM7_MULTI = 160, 153
"""Septets in a lone GSM-7 segment, and per segment of a concatenated message (a header takes 7)."""

UCS2_SINGLE, UCS2_MULTI = 70, 67
"""UTF-16 code units in a lone UCS-2 segment, and per segment of a concatenated message."""

_MAX_REPORTED_CHARACTERS = 10


class SmsEncoding(StrEnum):
    """The encoding an SMS is sent in."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SmsReport:
    """How a text would be sent as SMS.

    Attributes
    ----------
    encoding
        GSM-7 when every character is in the GSM alphabet or its extension, UCS-2 otherwise.
    units
        Septets for GSM-7 (2 for an extension character), UTF-16 code units for UCS-2 (2 for a
        character outside the Basic Multilingual Plane, such as most emoji).
    segments
        Number of SMS billed; 0 for an empty text.
    per_segment
        Units one segment holds for this message: 160 or 153 in GSM-7, 70 or 67 in UCS-2
        (single segment or concatenated message).
    non_gsm_characters
        The distinct characters that forced UCS-2, in order of first appearance, at most 10.
    """

    encoding: SmsEncoding
    units: int
    segments: int
    per_segment: int
    non_gsm_characters: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, str | int | list[str]]:
        """Return the report as JSON-friendly values (the encoding as its name, a list of characters)."""
        return {
            "encoding": self.encoding.value,
            "units": self.units,
            "segments": self.segments,
            "per_segment": self.per_segment,
            "non_gsm_characters": list(self.non_gsm_characters),
        }


def _non_gsm_characters(text: str) -> tuple[str, ...]:
    """The distinct characters of ``text`` outside GSM-7, in order of first appearance, at most 10."""
    found: dict[str, None] = {}
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            found.setdefault(char)
            if len(found) == _MAX_REPORTED_CHARACTERS:
                break
    return tuple(found)


def _packed_segments(widths: list[int], capacity: int) -> int:
    """Segments needed when characters of the given widths are packed in order, none split."""
    segments, used = 1, 0
    for width in widths:
        if used + width > capacity:
            segments, used = segments + 1, 0
        used += width
    return segments


def analyse(text: str) -> SmsReport:
    """Return the encoding, size and number of segments of ``text`` sent as one SMS.

    Parameters
    ----------
    text
        The message exactly as it will be sent (placeholders already replaced).

    Returns
    -------
    SmsReport
        GSM-7 with 0 units and 0 segments for an empty text. A message that fits one segment
        (160 septets, 70 UCS-2 units) is one segment; a longer one is packed character by
        character into 153-septet or 67-unit segments, and a 2-unit character (GSM extension
        escape pair, UTF-16 surrogate pair) that does not fit the end of a segment starts the next
        one, as handsets and carriers never split it.
    """
    non_gsm = _non_gsm_characters(text)
    if non_gsm:
        encoding = SmsEncoding.UCS2
        widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, multi = UCS2_SINGLE, UCS2_MULTI
    else:
        encoding = SmsEncoding.GSM7
        widths = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, multi = GSM7_SINGLE, GSM7_MULTI
    units = sum(widths)
    if units <= single:
        return SmsReport(encoding, units, 1 if units else 0, single, non_gsm)
    return SmsReport(encoding, units, _packed_segments(widths, multi), multi, non_gsm)
