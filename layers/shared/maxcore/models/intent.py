"""What a lead's reply means: the intents the rules and the model choose from, and the hot ones.

Plain values, so that API schemas (an automation's ``inbound_intent`` trigger), the alert rules and
the model's tool can name intents without importing the classifier of :mod:`maxcore.rules.intent`
and compiling its rules.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["HOT_INTENTS", "Intent"]


class Intent(StrEnum):
    """What a lead's reply means for the sales process."""

    INTERESTED = "interested"
    MEETING_REQUEST = "meeting_request"
    QUESTION = "question"
    NOT_INTERESTED = "not_interested"
    UNSUBSCRIBE = "unsubscribe"
    OUT_OF_OFFICE = "out_of_office"
    NEUTRAL = "neutral"


HOT_INTENTS: frozenset[Intent] = frozenset({Intent.INTERESTED, Intent.MEETING_REQUEST, Intent.QUESTION})
"""The intents that make a lead hot (HotLead24h). Members are strings: ``"question" in HOT_INTENTS``."""
