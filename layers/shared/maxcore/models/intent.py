"""What a lead's reply means: the intents the rules and the model choose from, and the hot ones.

Plain values, so that API schemas (an automation's ``inbound_intent`` trigger), the alert rules and
the model's tool can name intents without importing the classifier of :mod:`maxcore.rules.intent`
and compiling its rules.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["HOT_INTENTS", "Intent", "ReplyKind"]


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


class ReplyKind(StrEnum):
    """What an inbound message does to the conversation (:mod:`maxcore.rules.replies` decides it)."""

    HOT = "hot"
    """A person is interested, asks for a meeting or asks a question: the rep takes over, fast."""
    NEUTRAL = "neutral"
    """A person wrote back without a clear intent ("c'est qui ?", "ok"): the rep takes over."""
    DECLINE = "decline"
    """A person said no: the sequence ends; marking the lead lost is suggested, never done."""
    OPT_OUT = "opt_out"
    """A person asked to hear no more: consent is withdrawn; no reply for the reply rate."""
    OUT_OF_OFFICE = "out_of_office"
    """An absence notice: everything waits for the return date; no reply."""
    AUTOMATIC = "automatic"
    """A machine answered (an auto-acknowledgement, a receipt): it changes nothing; no reply."""
    INSTRUCTION = "instruction"
    """A carrier keyword other than an opt-out (HELP, START) or a bot command (/start, /help): the
    provider or the bot answered it; it changes no sequence and counts as no reply."""
    ANSWER = "answer"
    """A person answered a satisfaction survey or an appointment reminder, and said nothing else:
    the conversation moves, but it is no sales reply (no sequence ends, no hot lead)."""
