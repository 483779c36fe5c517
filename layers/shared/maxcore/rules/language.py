"""Which of the product's languages (French, English) a message is written in (pure).

The guess comes from guess-language-spirit: trigram statistics in pure Python, no model to load, about
15 ms to import and 30 ms for its first guess, so it is imported only when a message is checked (a
function's cold start never pays for it). Only French and English are told apart, the two locales a
tenant can have: a text the library reads as another language, or cannot read, has no language here.

What is not prose is taken out first (links, e-mail addresses, placeholders), and a text of fewer than
:data:`MIN_WORDS` words has no language: "Merci !" or "OK Sophie" are the same in both.
"""

from __future__ import annotations

import re

LANGUAGES = frozenset({"fr", "en"})
"""The languages told apart: a tenant's locales."""

MIN_WORDS = 4
"""Shorter texts are not guessed: too few words to tell French from English."""

_NOT_PROSE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\{\{[^{}]*\}\}")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def language_of(text: str) -> str | None:
    """The language ``text`` is written in, ``fr`` or ``en``, or ``None`` when it cannot be told.

    Parameters
    ----------
    text
        A message as it would be sent (an e-mail's subject and body together).

    Returns
    -------
    str | None
        ``fr`` or ``en``; ``None`` for a text under :data:`MIN_WORDS` words, or one the guess reads as
        neither language.
    """
    prose = _NOT_PROSE.sub(" ", text)
    if len(_WORD.findall(prose)) < MIN_WORDS:
        return None
    from guess_language import guess_language  # lazily: only a message check needs it

    guessed = str(guess_language(prose))
    return guessed if guessed in LANGUAGES else None
