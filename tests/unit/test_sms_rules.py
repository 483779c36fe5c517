"""SMS encoding and segment counting."""

from __future__ import annotations

import json

import pytest

from maxcore.rules.sms import GSM7_BASIC, GSM7_EXTENSION, MAX_SEGMENTS, SmsEncoding, SmsReport, analyse

EMOJI = "😀"  # U+1F600: one character, a surrogate pair in UTF-16


def test_the_alphabets_follow_gsm_03_38() -> None:
    assert len(GSM7_BASIC) == 127  # 128 code points less the escape to the extension table
    assert len(GSM7_EXTENSION) == 10
    assert GSM7_BASIC.isdisjoint(GSM7_EXTENSION)
    assert {"@", "£", "$", "¥", "Ç", "\n", "\r", "Δ", "Ω", "¤", "¡", "¿", "§", "à", "é", " "} <= GSM7_BASIC
    assert {"ç", "ê", "â", "î", "ô", "û", "ë", "ï", "`", "€", "^"}.isdisjoint(GSM7_BASIC)
    assert {"€", "^", "{", "}", "\\", "[", "]", "~", "|", "\f"} == GSM7_EXTENSION
    assert MAX_SEGMENTS == 10


def test_an_empty_text_is_no_segment() -> None:
    assert analyse("") == SmsReport(SmsEncoding.GSM7, units=0, segments=0, per_segment=160)


@pytest.mark.parametrize(
    ("text", "units", "segments", "per_segment"),
    [
        ("a", 1, 1, 160),
        ("a" * 160, 160, 1, 160),
        ("a" * 161, 161, 2, 153),
        ("a" * 153 * 2, 306, 2, 153),
        ("a" * (153 * 2 + 1), 307, 3, 153),
        ("a" * 153 * 3, 459, 3, 153),
        ("a" * 1530, 1530, 10, 153),
        ("a" * 1531, 1531, 11, 153),
    ],
)
def test_gsm7_segments(text: str, units: int, segments: int, per_segment: int) -> None:
    report = analyse(text)
    assert report.encoding is SmsEncoding.GSM7
    assert (report.units, report.segments, report.per_segment) == (units, segments, per_segment)
    assert report.non_gsm_characters == ()


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("€", 2, 1),
        ("{hello}", 9, 1),
        ("€" * 80, 160, 1),
        ("€" * 80 + "a", 161, 2),
        ("a" * 159 + "€", 161, 2),
        ("a" * 158 + "€", 160, 1),
    ],
)
def test_extension_characters_cost_two_septets(text: str, units: int, segments: int) -> None:
    report = analyse(text)
    assert report.encoding is SmsEncoding.GSM7
    assert (report.units, report.segments) == (units, segments)


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # 152 septets then "€": the pair would straddle the first boundary, so it opens segment 2,
    # and 153 + 153 septets of "a" after it spill into a third segment.
    text = "a" * 152 + "€" + "a" * 152
    report = analyse(text)
    assert report.units == 306  # ceil(306 / 153) would say 2
    assert report.segments == 3


def test_an_escape_pair_that_fits_the_segment_end_stays_there() -> None:
    report = analyse("a" * 151 + "€" + "a" * 153)
    assert (report.units, report.segments) == (306, 2)


@pytest.mark.parametrize(
    ("text", "units", "segments", "per_segment"),
    [
        ("ç" * 70, 70, 1, 70),
        ("ç" * 71, 71, 2, 67),
        ("ç" * 67 * 2, 134, 2, 67),
        ("ç" * (67 * 2 + 1), 135, 3, 67),
    ],
)
def test_ucs2_segments(text: str, units: int, segments: int, per_segment: int) -> None:
    report = analyse(text)
    assert report.encoding is SmsEncoding.UCS2
    assert (report.units, report.segments, report.per_segment) == (units, segments, per_segment)


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        (EMOJI, 2, 1),
        (EMOJI * 35, 70, 1),
        (EMOJI * 35 + "a", 71, 2),
        ("Merci " + EMOJI, 8, 1),
    ],
)
def test_an_emoji_counts_two_units(text: str, units: int, segments: int) -> None:
    report = analyse(text)
    assert report.encoding is SmsEncoding.UCS2
    assert (report.units, report.segments) == (units, segments)
    assert report.non_gsm_characters == (EMOJI,)


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    # 66 units then an emoji: it cannot take the 67th unit alone, so it opens segment 2.
    report = analyse("x" * 66 + EMOJI + "ç" * 66)
    assert report.units == 134  # ceil(134 / 67) would say 2
    assert report.segments == 3
    assert analyse("x" * 65 + EMOJI + "ç" * 67).segments == 2


@pytest.mark.parametrize(
    ("text", "encoding", "characters"),
    [
        ("Ça va", SmsEncoding.GSM7, ()),
        ("Élodie, à très vite !", SmsEncoding.GSM7, ()),
        ("Prix : 15 € {promo}", SmsEncoding.GSM7, ()),
        ("ça va", SmsEncoding.UCS2, ("ç",)),
        ("Bientôt", SmsEncoding.UCS2, ("ô",)),
        ("Où êtes-vous ? Bientôt ça ira", SmsEncoding.UCS2, ("ê", "ô", "ç")),
        ("Noël, maïs, crème brûlée, à côté", SmsEncoding.UCS2, ("ë", "ï", "û", "ô")),
        ("l’offre", SmsEncoding.UCS2, ("’",)),
    ],
)
def test_the_report_names_what_forced_ucs2(
    text: str, encoding: SmsEncoding, characters: tuple[str, ...]
) -> None:
    report = analyse(text)
    assert report.encoding is encoding
    assert report.non_gsm_characters == characters


def test_one_character_outside_gsm_switches_the_whole_message() -> None:
    gsm = analyse("a" * 100)
    ucs2 = analyse("a" * 99 + "ç")
    assert (gsm.encoding, gsm.segments) == (SmsEncoding.GSM7, 1)
    assert (ucs2.encoding, ucs2.units, ucs2.segments) == (SmsEncoding.UCS2, 100, 2)


def test_euro_is_one_utf16_unit_in_ucs2() -> None:
    report = analyse("€ç")
    assert (report.encoding, report.units, report.non_gsm_characters) == (SmsEncoding.UCS2, 2, ("ç",))


def test_at_most_ten_distinct_characters_are_reported() -> None:
    text = "ĀāĂăĄąĆćĈĉĊċ" * 2
    report = analyse(text)
    assert report.non_gsm_characters == tuple("ĀāĂăĄąĆćĈĉ")
    assert report.units == 24


def test_the_report_serialises_to_json() -> None:
    report = analyse("Bientôt " + EMOJI)
    data = report.to_dict()
    assert data == {
        "encoding": "UCS-2",
        "units": 10,
        "segments": 1,
        "per_segment": 70,
        "non_gsm_characters": ["ô", EMOJI],
    }
    assert json.loads(json.dumps(data)) == data
