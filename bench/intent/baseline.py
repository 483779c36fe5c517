"""The floor: a naive classifier that looks for a handful of keywords, first found wins."""

from __future__ import annotations

from maxcore.models.intent import Intent

_KEYWORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    (Intent.UNSUBSCRIBE, ("stop", "unsubscribe", "désinscri")),
    (Intent.OUT_OF_OFFICE, ("absent", "out of office", "congé", "vacances", "holiday")),
    (Intent.NOT_INTERESTED, ("pas intéressé", "not interested", "non merci", "no thanks")),
    (Intent.MEETING_REQUEST, ("rdv", "rendez-vous", "appel", "call", "meeting")),
    (Intent.INTERESTED, ("intéressé", "interested", "oui", "yes")),
    (Intent.QUESTION, ("?",)),
)


def classify_naively(text: str) -> str:
    """The label of the first keyword found in the lower-cased text, ``neutral`` when none is."""
    lowered = text.lower()
    for intent, keywords in _KEYWORDS:
        if any(keyword in lowered for keyword in keywords):
            return intent.value
    return Intent.NEUTRAL.value
