"""Short answers whose meaning depends on what was asked: a survey score, an appointment confirmation.

Pure, stdlib only. The reply classifier (:mod:`maxcore.rules.intent`) reads them on every text and
returns them beside the intent; the caller, which knows whether the last message sent was a
satisfaction survey or an appointment reminder, decides whether they mean anything. A reading is
taken only when the answer *is* the message (give or take politeness, emoji and punctuation), so a
"5" inside a sentence or an "oui" inside a long e-mail is not a score or a confirmation.
"""

from __future__ import annotations

import re

__all__ = ["confirmation", "survey_score"]

_STARS = frozenset("⭐★🌟✩☆✭✮")
_NUMBER_WORDS = {"un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4}
_NUMBER_WORDS |= {"four": 4, "cinq": 5, "five": 5}
_FILLER = r"(?:[^a-z0-9]|merci|thanks|thank you|svp|please|bonne journee|cordialement)*"
_SCORE = re.compile(
    rf"^{_FILLER}(?:(?:ma |my )?(?:note|score|rating|evaluation|avis)\s?:?\s?|je (?:donne|mets) "
    r"|i(?:'d)? (?:give|rate)"
    rf"(?: (?:it|you|this))? )?(?P<n>[1-5]|{'|'.join(_NUMBER_WORDS)})"
    r"(?:\s?(?:/|sur|out of)\s?5|\s?(?:etoiles?|stars?|\*+|⭐+|★+))?"
    rf"{_FILLER}$"
)


def survey_score(text: str, norm: str) -> int | None:
    """The 1-5 score ``text`` gives, when the message is a score and nothing else.

    Parameters
    ----------
    text
        The message as received (stars are counted on it: ``⭐⭐⭐⭐`` is 4).
    norm
        The same message normalised (:func:`maxcore.rules.intent.normalize`).

    Returns
    -------
    int | None
        1 to 5 for "4", "5/5", "4 étoiles", "note : 3", "five stars", "⭐⭐⭐⭐"; None otherwise
        (a sentence, "10/10", "0", "6").
    """
    stars = sum(char in _STARS for char in text)
    if stars and not any(char.isalnum() for char in text):
        return stars if stars <= 5 else None
    match = _SCORE.match(norm)
    if match is None:
        return None
    number = match.group("n")
    return int(number) if number.isdigit() else _NUMBER_WORDS[number]


_PHRASE_END = r"(?![a-z0-9])"
_CANCELLED = re.compile(
    r"(?<![a-z0-9])(?:non|nan|no|nope|j'annule|je (?:dois |vais |prefere |voudrais )?annuler|annul\w*"
    r"|cancel\w*|(?:je |i )?(?:ne pourrai|ne peux|ne pourrais|ne serai|ne viendrai|n'y serai)\w* pas"
    r"|(?:je |on )?(?:ne|n') (?:\w+ )?(?:pas|plus) (?:venir|etre la|etre present|etre presente|y aller)"
    r"|(?:empeche|empechement|imprevu|indisponible|pas dispo|pas disponible)\w*"
    r"|(?:can't|cannot|can not|cant|won't|wont|will not|unable to|not able to) (?:make it|come|attend"
    r"|be there"
    r"|join|go)|(?:need|have) to (?:cancel|reschedule|postpone)|reschedul\w*|postpon\w*"
    r"|(?:reporter|decaler|repousser|deplacer) (?:le |notre |ce |mon )?(?:rdv|rendez vous|creneau)"
    r"|(?:reporter|decaler|repousser)|not coming|won't be coming)" + _PHRASE_END
)
_CONFIRMED = re.compile(
    r"(?<![a-z0-9])(?:oui|ouii|ouais|yes|yep|yeah|yup|ok|okay|d'accord|dac|parfait|c'est bon|c'est note"
    r"|je confirme|confirme\w*|confirm\w*|je serai (?:la|present|presente|bien la)|je viendrai|je viens"
    r"|nous serons (?:la|presents)|on sera la|a (?:demain|tout a l'heure|jeudi|lundi|mardi|mercredi|vendredi)"
    r"|(?:i'll|i will|we'll|we will) be there|see you (?:then|there|tomorrow|soon)|sounds good|works for me"
    r"|ca marche|c'est ok|good for me|count me in|i'll come|i will come)" + _PHRASE_END
)
_SHORT = 120
"""Longer texts are letters, not answers to a reminder."""


def confirmation(norm: str) -> bool | None:
    """Whether ``norm`` confirms (True) or cancels (False) an appointment it was reminded of.

    Parameters
    ----------
    norm
        The normalised message (:func:`maxcore.rules.intent.normalize`).

    Returns
    -------
    bool | None
        False when a short message cancels, refuses or moves the appointment ("non", "j'annule",
        "can't make it", "je dois décaler"), which wins over a confirmation in the same message
        ("oui mais je dois annuler"); True when it confirms ("OUI", "je confirme", "I'll be
        there", "à demain"); None otherwise.
    """
    if len(norm) > _SHORT:
        return None
    if _CANCELLED.search(norm):
        return False
    if _CONFIRMED.search(norm):
        return True
    return None
