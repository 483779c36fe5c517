"""Answers to a satisfaction survey or an appointment reminder, read by rules (pure, stdlib only).

A lead who got a survey ("notez-nous de 1 à 5") or a reminder ("répondez OUI pour confirmer ou NON")
answers in a few characters: ``4``, ``5/5 !!``, ``⭐⭐⭐⭐``, ``oui c'est bon``, ``je ne pourrai pas
venir``. The intent rules (:mod:`maxcore.rules.intent`) read those as sales replies ("OUI" is
interested, "NON" not interested); these readings say what they answer instead, with the cues (the
rule and the fragment of the original text) each decision was taken on.

How a text is read
------------------
Matching happens on a folded copy of the text of the same length (lower case, accents stripped one
character at a time, typographic apostrophes made straight), so every cue's ``matched`` is the
fragment of the original text, with its case, accents and emoji.

:func:`survey_score` finds a score from 1 to 5 written as a rating: the whole message a digit or a
number word (``4``, ``5!!``, ``cinq``, ``4️⃣``), a fraction of 5 (``4/5``, ``4 sur 5``, ``4 out of 5``),
stars (``4 étoiles``, ``⭐⭐⭐⭐``, ``★★★☆☆``), a number after a rating phrase (``note : 3``, ``je mets 5``,
``I'd give it a 4``), or a leading digit followed by punctuation or a word of praise (``5, super
accueil``, ``5 merci``). A number is not a score when it belongs to a longer number (``10``,
``06 12 34 56 78``, ``4,5``), is followed by a unit (``4h``, ``4 voitures``, ``5 minutes``), or when
the message holds two different scores (``3 ou 4``). Words of praise around a score (``merci``,
``super``, ``top``...) are kept as cues too: they belong to the answer, they are no buying signal.

:func:`appointment_answer` decides between a confirmation and a cancellation. Phrases come first
(``je confirme``, ``je serai là``, ``see you then``; ``j'annule``, ``je ne pourrai pas venir``,
``empêchement``, ``can't make it``) and are matched before the bare words (``oui``, ``ok``, ``yes``;
``non``, ``no``), cancellations before confirmations so that ``je ne serai pas là`` is never read as
``je serai là``. The strongest cue decides: a phrase outweighs a bare word (``non, je n'ai pas oublié,
je serai là`` is confirmed). There is no answer when the two sides tie, when the message asks to move
the appointment (``décaler``, ``reporter``, ``plutôt``, ``reschedule``...: the rep has to find a new
time, so it stays an ordinary reply, read by the intent rules), or when a bare word comes with a
question mark (``oui mais c'est où ?``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from maxcore.rules.contact import fold

__all__ = [
    "ANSWER_WINDOWS",
    "Answer",
    "AnswerCue",
    "AppointmentAnswer",
    "SurveyScore",
    "appointment_answer",
    "could_answer",
    "read_answer",
    "survey_score",
]

SATISFACTION_SURVEY = "satisfaction_survey"
APPOINTMENT_REMINDER = "appointment_reminder"

ANSWER_WINDOWS: dict[str, timedelta] = {
    SATISFACTION_SURVEY: timedelta(days=7),
    APPOINTMENT_REMINDER: timedelta(days=3),
}
"""How long after a message of each template category a reply can still answer it.

A survey waits a week for its score. A reminder is sent a day or two before the appointment, whose
date is only free text in the template's variables: three days cover the reminder and the day of
the appointment, and an "oui" a week later answers something else.
"""


@dataclass(frozen=True)
class AnswerCue:
    """A rule that matched: its name (``<lang>:<phrase>``, ``score:<form>``) and the original fragment."""

    pattern: str
    matched: str


@dataclass(frozen=True)
class SurveyScore:
    """A 1-5 rating, the cues it was read from, then the words of praise around it."""

    score: int
    cues: tuple[AnswerCue, ...]


@dataclass(frozen=True)
class AppointmentAnswer:
    """Whether the lead confirms (True) or cancels (False) the appointment, and why: the cues of the
    side that won first (phrases, then words), then those it outweighed."""

    confirmed: bool
    cues: tuple[AnswerCue, ...]


# --- folding --------------------------------------------------------------------------------------
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})


def _fold(text: str) -> str:
    """Lower case without accents, one character for one, so spans found here cut the original."""
    folded = []
    for char in text.translate(_APOSTROPHES):
        base = unicodedata.normalize("NFD", char)[0]
        lower = base.lower()
        folded.append(lower if len(lower) == 1 else base)
    return "".join(folded)


# --- survey scores --------------------------------------------------------------------------------
_WORDS = {
    "un": 1, "une": 1, "one": 1,
    "deux": 2, "two": 2,
    "trois": 3, "three": 3,
    "quatre": 4, "four": 4,
    "cinq": 5, "five": 5,
}  # fmt: skip
_NUMBER = r"(?<![\d.,/])(?P<n>[1-5])(?![\d]|[.,]\d)"
_WORD = r"\b(?P<w>" + "|".join(_WORDS) + r")\b"
_UNIT = (
    r"(?!\s*(?:h\b|h\d|heures?|hours?|hrs?\b|min|mn\b|sec|ans?\b|years?|mois|months?|jours?|days?|semaines?"
    r"|weeks?|€|\$|eur|euros?|%|x\b|fois|times|pm\b|am\b|personnes?|people|voitures?|cars?|enfants?"
    r"|kids?|children|pieces?|articles?|items?|km|kg|m\b|cm|e\b|eme|er\b|th\b|nd\b|rd\b|st\b))"
)
_END = r"[\s.!,;:)~*♥❤️😀-🙏👍👌🌟⭐✨]*$"
_PRAISE = (
    r"(?:merci|thanks|thank you|thx|super|top|parfait|parfaite|genial|excellent|excellente|bravo"
    r"|great|perfect|awesome|tres bien|very good|nickel|impeccable|au top|ravie?|satisfaite?|love)\b"
)
_STAR = r"(?:⭐|★|🌟|✭|✮|✯)"

_SCORE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("score:n/5", _NUMBER + r"\s*(?:/|sur|out of|over|on)\s*5(?![\d.,]\d)"),
        ("score:n stars", _NUMBER + r"\s*(?:etoiles?|stars?|" + _STAR + r")"),
        ("score:word stars", _WORD + r"\s+(?:etoiles?|stars?)"),
        ("score:keycap", r"(?<!\d)(?P<n>[1-5])\ufe0f?\u20e3"),
        (
            "fr:note",
            r"\b(?:note|notation|ma note|je (?:vous )?(?:mets|met|donne|note)|je dirais|on va dire|vous avez)"
            r"\s*[:=]?\s*(?:un |une |a |de )?" + _NUMBER + _UNIT,
        ),
        (
            "en:rating",
            r"\b(?:rating|rate|score|i(?:'d| would)? give (?:it |you )?|i(?:'d| would)? say"
            r"|i rate (?:it |you )?)"
            r"\s*[:=]?\s*(?:a |an )?" + _NUMBER + _UNIT,
        ),
        ("score:alone", r"^[\s\"'(]*" + _NUMBER + _END),
        ("score:word alone", r"^[\s\"'(]*" + _WORD + _END),
        ("score:leading", r"^[\s\"'(]*" + _NUMBER + r"(?:\s*(?=[.!:,;)\-–—])|\s+(?=" + _PRAISE + r"))"),
    )
)


STARS_AFTER = 30
"""How many characters of words may come before drawn stars ("Excellent ⭐⭐⭐⭐⭐")."""


def _stars(text: str) -> SurveyScore | None:
    """Stars drawn rather than counted, in a message with no other number: ``⭐⭐⭐⭐``, ``★★★☆☆ merci``."""
    found = re.search(r"(?:" + _STAR + r"\ufe0f?\s*){1,5}(?:☆\s*)*", text)
    if found is None or len(text[: found.start()].strip()) > STARS_AFTER or re.search(r"\d", text):
        return None
    count = len(re.findall(_STAR, found.group()))
    return SurveyScore(count, (AnswerCue("score:drawn stars", found.group().strip()),))


def survey_score(text: str) -> SurveyScore | None:
    """The 1-5 rating a message gives, or None when it gives none (or two different ones).

    Parameters
    ----------
    text
        The reply to a survey, as the lead wrote it (emoji and typos included).

    Returns
    -------
    SurveyScore | None
        The score with the cues it was read from (every rule that found it).
    """
    folded = _fold(text)
    drawn = _stars(folded)
    cues: list[AnswerCue] = [] if drawn is None else list(drawn.cues)
    scores = set() if drawn is None else {drawn.score}
    for name, rule in _SCORE_RULES:
        for match in rule.finditer(folded):
            number = match.group("n") if "n" in rule.groupindex and match.group("n") else None
            scores.add(int(number) if number else _WORDS[match.group("w")])
            cues.append(AnswerCue(name, text[match.start() : match.end()].strip()))
    if len(scores) != 1:
        return None
    # Praise around a score is part of the answer, not a buying signal: kept as cues too.
    cues += [AnswerCue("any:praise", text[m.start() : m.end()]) for m in re.finditer(r"\b" + _PRAISE, folded)]
    return SurveyScore(scores.pop(), tuple(cues))


# --- appointment answers --------------------------------------------------------------------------
_Phrases = tuple[tuple[str, str], ...]

_RESCHEDULE: _Phrases = (
    ("fr:decaler", r"\bdecal(?:er|e|ons|ez)\b"),
    (
        "fr:reporter",
        r"\b(?:reporter|repousser|deplacer|avancer|changer (?:l'heure|le jour|la date|de creneau))\b",
    ),
    ("fr:autre creneau", r"\b(?:un )?autre (?:creneau|jour|heure|date|moment)\b"),
    ("fr:plutot", r"\bplutot\b"),
    ("fr:plus tard", r"\bplus (?:tard|tot)\b"),
    ("en:reschedule", r"\b(?:reschedule|postpone|push (?:it )?back|move (?:it|the appointment))\b"),
    ("en:another time", r"\b(?:another|a different|other) (?:time|day|date|slot)\b"),
    (
        "en:instead",
        r"\b(?:instead|(?:a bit|a little|slightly|come|be there|make it) (?:later|earlier))\b",
    ),
)
"""A message that asks to move the appointment answers neither way: the rep finds another time."""

_CANCEL_PHRASES: _Phrases = (
    ("fr:annuler", r"\b(?:j'annule|j annule|annul(?:er|e|ee|ons|ez)|annulation)\b"),
    (
        "fr:je ne pourrai pas",
        r"\b(?:je )?(?:ne |n'|n )?(?:y )?(?:pourrai|pourrais|peux|peut|vais pouvoir|serai|serais)"
        r" (?:pas|plus)"
        r"(?: (?:venir|la|etre la|etre present|etre presente|y aller|y etre|me deplacer|honorer))?\b",
    ),
    ("fr:empechement", r"\b(?:empechement|empeche|empechee|contretemps|imprevu)\b"),
    ("fr:pas possible", r"\b(?:pas possible|impossible|pas dispo|plus dispo|indisponible)\b"),
    ("fr:je ne viendrai pas", r"\b(?:je )?(?:ne )?(?:viendrai|viens) pas\b"),
    ("en:cancel", r"\b(?:cancel(?:led|ed|ling)?|call (?:it )?off)\b"),
    (
        "en:can't make it",
        r"\b(?:can't|cant|cannot|can not|won't|wont|couldn't|will not|unable to) "
        r"(?:make it|come|attend|be there|go|do it)\b",
    ),
    ("en:won't be able", r"\b(?:won't|wont|will not) be able\b"),
    ("en:not coming", r"\bnot (?:coming|going to make it|able to (?:come|make it|attend))\b"),
    ("any:❌", r"[❌✖🚫]"),
)
_CONFIRM_PHRASES: _Phrases = (
    ("fr:je confirme", r"\b(?:je (?:vous )?confirme|confirme|confirmee|c'est confirme|confirmation)\b"),
    (
        "fr:je serai la",
        r"\b(?:je serai|on sera|nous serons|je serais) (?:la|present|presente|presents|a l'heure)\b",
    ),
    ("fr:j'y serai", r"\b(?:j'y serai|j y serai|on y sera|je viens|je viendrai|nous viendrons|on vient)\b"),
    (
        "fr:c'est bon",
        r"\b(?:c'est bon|c bon|cest bon|c'est ok|c'est parfait|c'est note|c note|ca marche|ca me va)\b",
    ),
    (
        "fr:a demain",
        r"\b(?:a demain|a tout a l'heure|a tout de suite|a (?:lundi|mardi|mercredi|jeudi|vendredi|samedi)"
        r"|a bientot)\b",
    ),
    (
        "fr:pas de souci",
        r"\b(?:pas de (?:souci|soucis|probleme)|sans (?:souci|probleme)|aucun (?:souci|probleme))\b",
    ),
    ("en:confirmed", r"\b(?:confirmed|i confirm|confirming|confirm)\b"),
    (
        "en:i'll be there",
        r"\b(?:i'll be there|ill be there|i will be there|we'll be there|will be there|i'll come"
        r"|i will come)\b",
    ),
    ("en:see you", r"\bsee (?:you|u|ya) (?:then|tomorrow|there|soon|on \w+)\b"),
    ("en:sounds good", r"\b(?:sounds good|all good|that works|works for me|no problem|all set)\b"),
    ("any:✅", r"[✅👍👌✔🆗]"),
)
_CANCEL_WORDS: _Phrases = (("any:non/no", r"\b(?:no+n+|nan|no+|nope)\b"),)
_CONFIRM_WORDS: _Phrases = (
    (
        "any:oui/ok/yes",
        r"\b(?:ou+i+|ouai|ouais|ye+s+|yep|yup|yeah|o+k+|okay|oki|okey|dac|d'accord|daccord|entendu|parfait"
        r"|sure)\b",
    ),
)

PHRASE_WEIGHT, WORD_WEIGHT = 3, 1
"""A phrase says more than a bare word: ``non, je serai là`` is confirmed."""


def _matches(folded: str, text: str, rules: _Phrases, taken: list[tuple[int, int]]) -> list[AnswerCue]:
    """Cues of ``rules`` in the parts of ``folded`` not taken yet; their spans are taken."""
    cues = []
    for name, pattern in rules:
        for match in re.finditer(pattern, folded):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            cues.append(AnswerCue(name, text[match.start() : match.end()]))
    return cues


def appointment_answer(text: str) -> AppointmentAnswer | None:
    """Whether a reply to an appointment reminder confirms it (True) or cancels it (False).

    Parameters
    ----------
    text
        The reply to a reminder, in French or English.

    Returns
    -------
    AppointmentAnswer | None
        None for anything else: a request to move the appointment, a question, a tie, no cue.
    """
    folded = _fold(text)
    taken: list[tuple[int, int]] = []
    if _matches(folded, text, _RESCHEDULE, taken):
        return None
    sides = {}
    for confirmed, phrases, words in (
        (False, _CANCEL_PHRASES, _CANCEL_WORDS),
        (True, _CONFIRM_PHRASES, _CONFIRM_WORDS),
    ):
        strong = _matches(folded, text, phrases, taken)
        sides[confirmed] = (strong, _matches(folded, text, words, taken))
    weights = {
        side: PHRASE_WEIGHT * bool(strong) or WORD_WEIGHT * bool(weak)
        for side, (strong, weak) in sides.items()
    }
    if weights[True] == weights[False]:
        return None
    confirmed = weights[True] > weights[False]
    strong, weak = sides[confirmed]
    if not strong and "?" in text:
        return None
    outvoted = sides[not confirmed]
    return AppointmentAnswer(confirmed, (*strong, *weak, *outvoted[0], *outvoted[1]))


# --- what an answer records -----------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """A reply read as the answer to a survey or a reminder.

    Attributes
    ----------
    answer_to
        The template category of the message answered.
    reading
        ``{"survey_score": 1..5}`` or ``{"appointment": "confirmed" | "cancelled"}``.
    cues
        The cues the reading was taken on.
    """

    answer_to: str
    reading: dict[str, object]
    cues: tuple[AnswerCue, ...]

    def metadata(self) -> dict[str, object]:
        """The reading as activity metadata, with ``answer_cues`` (``<rule>: <fragment>``)."""
        return {**self.reading, "answer_cues": [f"{c.pattern}: {c.matched}" for c in self.cues[:5]]}

    def covers(self, fragments: Iterable[str]) -> bool:
        """Whether each fragment (the intent rules' cues) lies within the answer's own cues.

        When it does, the intent read in the message comes from the answer itself ("oui" read as
        interested): the message says nothing more to the sales team.
        """
        mine = [fold(c.matched) for c in self.cues]
        return all(any(fold(f) in m for m in mine) for f in fragments)


def read_answer(category: str, text: str) -> Answer | None:
    """``text`` read as an answer to a message of template ``category``, or None.

    Parameters
    ----------
    category
        The template category of the message answered; only ``satisfaction_survey`` and
        ``appointment_reminder`` have answers.
    text
        The reply.

    Returns
    -------
    Answer | None
        None when the category takes no answer or the text gives none.
    """
    if category == SATISFACTION_SURVEY:
        score = survey_score(text)
        return None if score is None else Answer(category, {"survey_score": score.score}, score.cues)
    if category == APPOINTMENT_REMINDER:
        answer = appointment_answer(text)
        if answer is None:
            return None
        return Answer(
            category, {"appointment": "confirmed" if answer.confirmed else "cancelled"}, answer.cues
        )
    return None


def could_answer(text: str) -> bool:
    """Whether ``text`` reads as an answer to a survey or a reminder (before looking for the question)."""
    return any(read_answer(category, text) is not None for category in ANSWER_WINDOWS)
