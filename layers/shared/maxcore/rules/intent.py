"""Reply understanding: the intent of a text a lead sends (SMS, WhatsApp, e-mail, Telegram), by rules.

Pure functions, stdlib only, no I/O, no clock. Every decision is explainable: :func:`classify` returns
the cues (named rules and the fragment of the text each one matched) that the intent was decided on.
The "hot" intents feed the HotLead24h alert ("réponse entrante <24h + intention détectée");
``unsubscribe`` feeds the opt-out, ``out_of_office`` defers the next follow-up to the return date.

This module is the engine (reading, negation, scoring). The phrases it reads, by intent, kind and
language, are the tables of :mod:`maxcore.rules.intent_phrases`; the return date of an absence is
read by :mod:`maxcore.rules.return_dates`; a survey score and an appointment confirmation, which only
the caller can tell apart from an ordinary reply, by :mod:`maxcore.rules.answers` (the
readings the recording of an answer uses too).

How a text is read
------------------
1. **Normalisation** (:func:`normalize`): lower case, accents stripped (``é`` -> ``e``, ``ç`` -> ``c``,
   ``œ`` -> ``oe``), typographic apostrophes to ``'``, dashes to ``-`` and then to a space unless
   between two digits (``rappelez-moi`` -> ``rappelez moi``, ``12-08-2026`` kept), a letter repeated
   more than twice cut to two (``ouiiii`` -> ``ouii``, ``OOO`` -> ``oo``), whitespace collapsed to one
   space. Digits and punctuation are kept.
2. **Rules** match on word boundaries in the normalised text. Each rule is named ``<lang>:<phrase>``
   (``fr:rappelez-moi``, ``en:book a call``); ``sms:`` rules are carrier keywords and ``any:`` rules
   are language-neutral. A rule covers a *kind* of reply (a decline because the prospect is already
   equipped, a meeting placed by a day or a place...), not a sentence. Besides the six intents, some
   rules speak for ``neutral``: the text is about the sender ("c'est de la part de qui ?", "wrong
   number", "je suis au volant") or acknowledges ("bien reçu", "ok noted"); and *automatic* rules
   recognise a machine's answer that is no absence notice (an auto-acknowledgement, a ticket, a
   receipt). In a rule's phrase an apostrophe is optional (``ca minteresse``,
   ``lets talk``) and words may be glued (``rendezvous``). A cue's ``matched`` is the fragment *of the
   original text* (original case, accents and punctuation) that the rule matched.
3. **Overlaps**: when two matches overlap, the longer one is kept (then the heavier), so
   ``ça ne m'intéresse pas`` is one not-interested cue, not also an interested one.
4. **Negation**: a positive cue (interested, meeting request, question) is negated when, in the same
   clause (clauses end at ``. , ; : ! ?`` and at ``mais``/``but``/``sinon``...), one of the three words
   before it is a negator (``pas``, ``non``, ``jamais``, ``aucun``, ``not``, ``no``, ``never``,
   ``don't``..., and ``plus`` after a ``ne``), or when a ``ne``/``n'`` precedes it and ``pas``/
   ``plus``/``jamais``/``rien`` is among the two words after it (``ça ne m'intéresse vraiment pas``).
   Idioms that are not negations are ignored (``pourquoi pas``, ``pas de souci``, ``pas mal``,
   ``pas contre``, ``n'hésitez pas``, ``no problem``, ``don't hesitate``), and intensifiers do not
   count among the words (``ne suis plus du tout intéressé``). English ``dont`` without its
   apostrophe negates English cues only (in French it is a relative pronoun). The choice: a negated
   *interested* cue becomes a ``not_interested`` cue named ``not:<rule>`` whose fragment runs from the
   negator (``pas vraiment intéressé``); a negated *meeting request* or *question* cue is dropped,
   because "je ne suis pas dispo demain" refuses a slot, not the offer.
5. **Keyword-only SMS** (the opt-out words of :data:`maxcore.rules.keywords.OPT_OUT_WORDS`: ``STOP``,
   ``STOPALL``, ``END``, ``QUIT``, ``CANCEL``, ``OPTOUT``, ``REVOKE``, ``UNSUBSCRIBE``, ``ARRET``,
   ``STOP SMS``, and their usual variants; ``non``/``no`` for not interested, ``go`` for interested,
   and bare acknowledgements such as ``ok`` or ``bien reçu`` for neutral) count only when they are
   the whole message, give or take punctuation, emoji and one politeness word (``STOP merci``,
   ``Stop svp``); they are matched first, so a keyword sent alone is named as one. Inside a sentence
   an explicit STOP is still an opt-out when it is a clause of its own or the message's first word
   (``STOP, on est déjà équipés``, ``pas intéressé, stop``): ``non stop``, ``stop by the shop`` and
   ``je ne peux pas stopper ma commande`` are no opt-out.
6. **Scope**: an opt-out that asks to stop everywhere ("ni SMS ni mail", "on any channel", "ne me
   contactez plus du tout", two channels named) gets scope cues of weight 0, which set
   ``every_channel`` and weigh nothing in the decision.

Scoring
-------
Each rule counts at most once per text; an intent's score is the sum of its cues' weights (5: carrier
keyword or explicit STOP, 4: explicit opt-out or machine answer, 3: explicit phrase, 2: usual word, 1:
weak hint such as a final ``?``, ``ok`` or ``super``). An interest needs one cue of at least
:data:`INTERESTED_FLOOR` points: weak hints alone ("ok top merci") acknowledge. The candidate is the
first intent with a cue in the order unsubscribe > out_of_office > not_interested > meeting_request >
interested > question; a lower intent replaces it only when its score is at least twice the candidate's
and at least 2 points more (the highest such score wins, ties by that order), and nothing outvotes an
unsubscribe (an opt-out is always honoured). Then the neutral cues (about the sender, an
acknowledgement, a machine's answer) win over the decided intent when their score is strictly higher,
unless it is an absence or an opt-out: "vous êtes qui ?" is neutral, "vous êtes qui ? et ça coûte
combien ?" a question. A neutral decision with a machine-answer cue is ``automatic`` (it counts as no
reply); an absence notice is never automatic. No cue at all (empty, emoji-only or unrelated text) is
``neutral`` with confidence 0.

``confidence = strength × (0.5 + 0.5 × margin)`` where ``strength = 1 - 0.5 ** (score / 2)`` (every
2 points halve the remaining doubt) and ``margin = max(0, score - runner_up) / score``, the runner-up
being the best score of any other intent; rounded to two decimals.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from maxcore.models.intent import HOT_INTENTS, Intent
from maxcore.rules.answers import appointment_answer, survey_score
from maxcore.rules.contact import fold
from maxcore.rules.intent_phrases import AUTOMATIC, EVERY_CHANNEL, KEYWORDS, PHRASES, POLITE
from maxcore.rules.return_dates import return_date

__all__ = [
    "PRECEDENCE",
    "Classification",
    "Cue",
    "classify",
    "normalize",
]


PRECEDENCE: tuple[Intent, ...] = (
    Intent.UNSUBSCRIBE,
    Intent.OUT_OF_OFFICE,
    Intent.NOT_INTERESTED,
    Intent.MEETING_REQUEST,
    Intent.INTERESTED,
    Intent.QUESTION,
)
"""The order in which intents with cues are considered, strongest claim first."""


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: a rule that matched the text.

    Attributes
    ----------
    intent
        The intent the cue speaks for (``not_interested`` for a negated interested cue).
    pattern
        The rule's name, ``<lang>:<phrase>`` (``fr:rappelez-moi``, ``en:book a call``, ``sms:STOP``,
        ``any:?``), prefixed with ``not:`` when a negation turned it around.
    matched
        The fragment of the original text that matched, with its case, accents and punctuation.
    weight
        The rule's weight, 1 (weak hint) to 5 (carrier keyword).
    """

    intent: Intent
    pattern: str
    matched: str
    weight: int


@dataclass(frozen=True)
class Classification:
    """The intent of a reply and why.

    Attributes
    ----------
    intent
        The decided intent.
    hot
        True exactly for ``interested``, ``meeting_request`` and ``question``.
    confidence
        0 to 1, from the winning score and its margin over the runner-up (0 for ``neutral``).
    cues
        Every cue found, strongest first (by weight, then position in the text).
    return_date
        For ``out_of_office`` only: the return date written in the text, if any.
    language
        ``"fr"`` or ``"en"`` when the cues' weights lean to one language, else None.
    automatic
        The text is an automatic answer (an auto-acknowledgement, a delivery receipt), not a person:
        it counts as no reply.
    every_channel
        For ``unsubscribe`` only: the text asks to stop on every channel, not only the one it came on
        (its scope cues, of weight 0, say where).
    survey_score
        The text read as a 1-5 answer to a satisfaction survey ("4", "5/5", "⭐⭐⭐"), else None;
        whatever the intent: the caller knows whether a survey was asked.
    confirmation
        The text read as an answer to an appointment reminder: True confirmed ("oui", "I'll be
        there"), False cancelled ("j'annule", "can't make it"), None neither; whatever the intent.
    """

    intent: Intent
    hot: bool
    confidence: float
    cues: tuple[Cue, ...]
    return_date: date | None = None
    language: str | None = None
    automatic: bool = False
    every_channel: bool = False
    survey_score: int | None = None
    confirmation: bool | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the classification as JSON-friendly values (enum values, ISO date)."""
        return {
            "intent": self.intent.value,
            "hot": self.hot,
            "confidence": self.confidence,
            "cues": [
                {"intent": c.intent.value, "pattern": c.pattern, "matched": c.matched, "weight": c.weight}
                for c in self.cues
            ],
            "return_date": self.return_date.isoformat() if self.return_date else None,
            "language": self.language,
            "automatic": self.automatic,
            "every_channel": self.every_channel,
            "survey_score": self.survey_score,
            "confirmation": self.confirmation,
        }


# --------------------------------------------------------------------------------------------------
# Normalisation

_APOSTROPHES = frozenset("’‘ʼ`´′＇")
_DASHES = frozenset("‐‑‒–—―−")
_LIGATURES = {"œ": "oe", "æ": "ae"}


def _normalize_with_origin(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Return the normalised text and, for each of its characters, the span of ``text`` it comes from.

    A letter kept for a run of repeated letters spans the whole run, so a fragment of the normalised
    text maps back to everything it stands for (``oo`` to ``OOO``).
    """
    chars: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if char in _APOSTROPHES:
            folded = "'"
        elif char in _DASHES:
            folded = "-"
        elif char.isspace():
            folded = " "
        else:
            folded = fold(char)
            folded = _LIGATURES.get(folded, folded)
        chars.extend((c, index) for c in folded)

    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for position, (char, index) in enumerate(chars):
        if char == "-":
            before = chars[position - 1][0] if position > 0 else ""
            after = chars[position + 1][0] if position + 1 < len(chars) else ""
            if not (before.isdigit() and after.isdigit()):
                char = " "
        if char.isspace():
            if not out or out[-1] == " ":
                continue
            char = " "
        elif char.isalpha() and len(out) >= 2 and out[-1] == char and out[-2] == char:
            spans[-1] = (spans[-1][0], index + 1)
            continue
        out.append(char)
        spans.append((index, index + 1))
    if out and out[-1] == " ":
        out.pop()
        spans.pop()
    return "".join(out), spans


def normalize(text: str) -> str:
    """Return ``text`` as the rules read it.

    Parameters
    ----------
    text
        A message as received.

    Returns
    -------
    str
        Lower case, no accents, ``'`` apostrophes, dashes as spaces except between digits, letters
        repeated at most twice, single spaces, no leading or trailing space.
    """
    return _normalize_with_origin(text)[0]


# --------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Rule:
    intent: Intent
    name: str
    regex: re.Pattern[str]
    weight: int
    whole: bool = False
    """Keyword-only: the regex matches the whole message and its ``kw`` group is the cue."""
    automatic: bool = False
    """The rule recognises a machine's answer (an auto-acknowledgement, a receipt)."""

    @property
    def negatable(self) -> bool:
        return self.intent in HOT_INTENTS and self.name != "any:?"


def _phrase(pattern: str) -> re.Pattern[str]:
    """Compile a rule phrase: ``'`` is optional, a space is any (or no) whitespace, word boundaries."""
    body = pattern.replace("'", r"['\s]?").replace(" ", r"\s*")
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def _whole(keyword: str) -> re.Pattern[str]:
    """Compile a keyword that must be the whole message, give or take punctuation and politeness."""
    return re.compile(
        rf"^[^a-z0-9]*(?:{POLITE}[^a-z0-9]+)?(?P<kw>{keyword})(?:[^a-z0-9]+{POLITE})?[^a-z0-9]*$"
    )


# Keywords first: a keyword sent alone is named as such even where a phrase matches the same word.
_RULES: tuple[_Rule, ...] = (
    *(_Rule(intent, name, _whole(kw), weight, whole=True) for intent, name, kw, weight in KEYWORDS),
    *(_Rule(intent, name, _phrase(pattern), weight) for intent, name, pattern, weight in PHRASES),
    *(_Rule(Intent.NEUTRAL, name, _phrase(p), weight, automatic=True) for name, p, weight in AUTOMATIC),
    # A question mark ending the message (after it, only punctuation, spaces or emoji).
    _Rule(Intent.QUESTION, "any:?", re.compile(r"\?+(?=[^a-z0-9]*$)"), 1),
)
_AUTOMATIC_RULES = frozenset(rule.name for rule in _RULES if rule.automatic)
_EVERY_CHANNEL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, _phrase(pattern)) for name, pattern in EVERY_CHANNEL
)


# --------------------------------------------------------------------------------------------------
# Matching, overlaps and negation


@dataclass(frozen=True)
class _Match:
    rule: _Rule
    start: int
    end: int


def _find_matches(norm: str) -> list[_Match]:
    found: list[_Match] = []
    for rule in _RULES:
        if rule.whole:
            whole = rule.regex.match(norm)
            if whole:
                found.append(_Match(rule, whole.start("kw"), whole.end("kw")))
        else:
            found.extend(
                _Match(rule, m.start(), m.end()) for m in rule.regex.finditer(norm) if m.end() > m.start()
            )
    return found


def _without_overlaps(matches: list[_Match], length: int) -> list[_Match]:
    """Keep the longest (then heaviest) of overlapping matches."""
    taken = bytearray(length)
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m.start - m.end, -m.rule.weight, m.start)):
        if not any(taken[match.start : match.end]):
            taken[match.start : match.end] = b"\x01" * (match.end - match.start)
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


_CLAUSE_BREAK = re.compile(
    r"[.!?;:,]|(?<![a-z0-9])(?:mais|but|however|though|although|cependant|par contre|sinon|otherwise)"
    r"(?![a-z0-9])"
)
_NOT_NEGATIONS = re.compile(
    r"(?<![a-z0-9])(?:pourquoi pas|pas de (?:soucis?|problemes?|pb|prob)|pas mal|pas contre"
    r"|n['\s]?hesite\w* pas|ne pas hesiter|non seulement|no (?:problems?|prob|worries|doubt)"
    r"|not a problem|not only|(?:don't|do not) hesitate)(?![a-z0-9])"
)
# Words between a negation and what it negates that do not count in its reach ("plus du tout intéressé").
_INTENSIFIERS = re.compile(
    r"(?<![a-z0-9])(?:du tout|vraiment|absolument|tellement|franchement|really|particularly|at all)"
    r"(?![a-z0-9])"
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NEGATORS = frozenset(
    {
        "pas",
        "pa",
        "jamais",
        "non",
        "aucun",
        "aucune",
        "nullement",
        "not",
        "no",
        "never",
        "don't",
        "doesn't",
        "didn't",
        "won't",
        "can't",
        "cannot",
        "isn't",
        "aren't",
        "wasn't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "doesnt",
        "didnt",
        "cant",
        "isnt",
        "arent",
        "wasnt",
    }
)
_ENGLISH_ONLY_NEGATORS = frozenset({"dont"})
_AFTER_NE = frozenset({"pas", "plus", "jamais", "rien", "guere", "point"})


def _is_ne(word: str) -> bool:
    return word == "ne" or word.startswith("n'")


_WORD_REACH = 120
"""How far (in characters) around a cue the negation words are looked for."""


@dataclass(frozen=True)
class _Clauses:
    """The normalised text with non-negating idioms blanked out, and where its clauses break."""

    blanked: str
    break_starts: tuple[int, ...]
    break_ends: tuple[int, ...]

    @classmethod
    def of(cls, norm: str) -> _Clauses:
        blanked = _NOT_NEGATIONS.sub(lambda m: " " * len(m.group()), norm)
        blanked = _INTENSIFIERS.sub(lambda m: " " * len(m.group()), blanked)
        breaks = [m.span() for m in _CLAUSE_BREAK.finditer(blanked)]
        return cls(blanked, tuple(s for s, _ in breaks), tuple(e for _, e in breaks))

    def words_before(self, start: int, count: int) -> list[tuple[str, int]]:
        """The last ``count`` words of the clause before ``start``, with their positions."""
        index = bisect.bisect_right(self.break_ends, start) - 1
        clause_start = max(self.break_ends[index] if index >= 0 else 0, start - _WORD_REACH)
        return [(m.group(), m.start()) for m in _WORD.finditer(self.blanked, clause_start, start)][-count:]

    def words_after(self, end: int, count: int) -> list[str]:
        """The first ``count`` words of the clause after ``end``."""
        index = bisect.bisect_left(self.break_starts, end)
        clause_end = self.break_starts[index] if index < len(self.break_starts) else len(self.blanked)
        return [m.group() for m in _WORD.finditer(self.blanked, end, min(clause_end, end + _WORD_REACH))][
            :count
        ]


def _negation_start(clauses: _Clauses, start: int, end: int, *, english: bool) -> int | None:
    """Return where the negation of the cue at ``start:end`` begins, or None if it is not negated."""
    before = clauses.words_before(start, 3)
    ne = next((position for word, position in before if _is_ne(word)), None)
    for word, position in before:
        if word in _NEGATORS or (english and word in _ENGLISH_ONLY_NEGATORS):
            return position if ne is None else min(ne, position)
        if word == "plus" and ne is not None:
            return ne
    if ne is not None and any(word in _AFTER_NE for word in clauses.words_after(end, 2)):
        return ne
    return None


def _original(text: str, origin: list[tuple[int, int]], start: int, end: int) -> str:
    """Return the fragment of ``text`` that the normalised ``start:end`` came from."""
    first, last = origin[start][0], origin[end - 1][1]
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return text[first:last]


def _cues(text: str, norm: str, origin: list[tuple[int, int]]) -> tuple[Cue, ...]:
    clauses = _Clauses.of(norm)
    positioned: list[tuple[int, Cue]] = []
    seen: set[str] = set()
    for match in _without_overlaps(_find_matches(norm), len(norm)):
        intent, name, start = match.rule.intent, match.rule.name, match.start
        if match.rule.negatable:
            negation = _negation_start(clauses, match.start, match.end, english=name.startswith("en:"))
            if negation is not None:
                if intent is not Intent.INTERESTED:
                    continue  # a refused slot or question is no evidence either way
                intent, name, start = Intent.NOT_INTERESTED, f"not:{name}", negation
        if name in seen:
            continue
        seen.add(name)
        cue = Cue(intent, name, _original(text, origin, start, match.end), match.rule.weight)
        positioned.append((start, cue))
    if any(cue.intent is Intent.UNSUBSCRIBE for _, cue in positioned):
        positioned += _every_channel_cues(text, norm, origin)
    positioned.sort(key=lambda pair: (-pair[1].weight, pair[0]))
    return tuple(cue for _, cue in positioned)


def _every_channel_cues(text: str, norm: str, origin: list[tuple[int, int]]) -> list[tuple[int, Cue]]:
    """The scope cues (weight 0) of an opt-out that asks to stop on every channel."""
    found: list[tuple[int, Cue]] = []
    for name, regex in _EVERY_CHANNEL_RULES:
        match = regex.search(norm)
        if match and match.end() > match.start():
            fragment = _original(text, origin, match.start(), match.end())
            found.append((match.start(), Cue(Intent.UNSUBSCRIBE, name, fragment, 0)))
    return found


# --------------------------------------------------------------------------------------------------
# Decision

INTERESTED_FLOOR = 2
"""The weight an interest needs in one cue at least: weak hints alone ("ok", "super top") acknowledge."""


def _scores(cues: Iterable[Cue]) -> dict[Intent, int]:
    """Each intent's score; an interest made of weak hints only scores nothing."""
    scores: dict[Intent, int] = {}
    strongest: dict[Intent, int] = {}
    for cue in cues:
        scores[cue.intent] = scores.get(cue.intent, 0) + cue.weight
        strongest[cue.intent] = max(strongest.get(cue.intent, 0), cue.weight)
    if strongest.get(Intent.INTERESTED, INTERESTED_FLOOR) < INTERESTED_FLOOR:
        del scores[Intent.INTERESTED]
    return scores


def _decide(scores: dict[Intent, int]) -> Intent:
    present = [intent for intent in PRECEDENCE if scores.get(intent, 0) > 0]
    if not present:
        return Intent.NEUTRAL
    candidate = present[0]
    if candidate is Intent.UNSUBSCRIBE:
        return candidate
    score = scores[candidate]
    challengers = [i for i in present[1:] if scores[i] >= 2 * score and scores[i] >= score + 2]
    # max() keeps the first of equal scores, i.e. the one higher in PRECEDENCE.
    winner = max(challengers, key=lambda i: scores[i]) if challengers else candidate
    if winner is not Intent.OUT_OF_OFFICE and scores.get(Intent.NEUTRAL, 0) > scores[winner]:
        return Intent.NEUTRAL  # about the sender or a machine's receipt more than about the offer
    return winner


def _confidence(scores: dict[Intent, int], winner: Intent) -> float:
    score = scores.get(winner, 0)
    if score <= 0:
        return 0.0
    runner_up = max((s for i, s in scores.items() if i is not winner), default=0)
    strength = 1 - math.pow(0.5, score / 2)
    margin = max(0, score - runner_up) / score
    return round(strength * (0.5 + 0.5 * margin), 2)


def _language(cues: Iterable[Cue]) -> str | None:
    weights = {"fr": 0, "en": 0}
    for cue in cues:
        lang = cue.pattern.removeprefix("not:").split(":", 1)[0]
        if lang in weights:
            weights[lang] += cue.weight
    if weights["fr"] == weights["en"]:
        return None
    return "fr" if weights["fr"] > weights["en"] else "en"


# --------------------------------------------------------------------------------------------------
# Entry point


def classify(text: str, *, received_at: datetime | None = None) -> Classification:
    """Return the intent of an inbound text and the cues it was decided on.

    Parameters
    ----------
    text
        The message as the lead sent it (SMS, WhatsApp, e-mail body, Telegram), French or English.
    received_at
        When it was received; only used to give a year to an out-of-office return date written
        without one (the next such date on or after the day it was received).

    Returns
    -------
    Classification
        The intent (see the module docstring for the rules and the scoring), whether it is hot, a
        confidence, every cue found, the return date of an out-of-office reply and the language the
        cues lean to.
    """
    norm, origin = _normalize_with_origin(text)
    cues = _cues(text, norm, origin)
    scores = _scores(cues)
    intent = _decide(scores)
    return Classification(
        intent=intent,
        hot=intent in HOT_INTENTS,
        confidence=_confidence(scores, intent),
        cues=cues,
        return_date=return_date(norm, received_at) if intent is Intent.OUT_OF_OFFICE else None,
        language=_language(cues),
        automatic=intent is Intent.NEUTRAL and any(c.pattern in _AUTOMATIC_RULES for c in cues),
        every_channel=intent is Intent.UNSUBSCRIBE and any(c.weight == 0 for c in cues),
        survey_score=None if (score := survey_score(text)) is None else score.score,
        confirmation=None if (answer := appointment_answer(text)) is None else answer.confirmed,
    )
