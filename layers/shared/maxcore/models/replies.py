"""Replies written by M.A.X.: a reply suggested to a rep, and the tenant's automatic answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from maxcore.models.common import Channel, LazyModel, Line, StrictModel, Text, Ulid
from maxcore.models.intent import Intent

FAQ_MAX = 30
"""The longest FAQ a tenant writes: it goes whole into every automatic answer's prompt."""

Question = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
Answer = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class SuggestedReply(LazyModel):
    """A reply M.A.X. proposes to the lead's latest message; nothing is sent."""

    body: str = Field(description="The reply, for the rep to edit and send with `POST /messages`.")
    subject: str | None = Field(default=None, description="An e-mail's subject (e-mail only).")
    channel: Channel = Field(description="The channel of the message it answers, which it fits.")
    based_on: Ulid = Field(description="The id of the lead's message it answers.")
    tokens: int = Field(description="The tokens it cost.")


class FaqEntry(StrictModel):
    """One question the tenant answers, and its answer, in its own words."""

    question: Question
    answer: Answer


class AutoReplySettings(StrictModel):
    """What M.A.X. answers by itself (in auto mode only), and from what."""

    model_config = ConfigDict(extra="forbid")

    intents: list[Intent] = Field(
        max_length=len(Intent),
        description="The intents of a lead's message M.A.X. answers by itself (e.g. `question`); "
        "`unsubscribe` and `out_of_office` are never answered.",
    )
    faq: list[FaqEntry] = Field(
        max_length=FAQ_MAX,
        description="What M.A.X. answers from: a message the FAQ does not cover goes to a person.",
    )

    @field_validator("intents")
    @classmethod
    def _answerable(cls, intents: list[Intent]) -> list[Intent]:
        never = [i.value for i in intents if i in (Intent.UNSUBSCRIBE, Intent.OUT_OF_OFFICE)]
        if never:
            raise ValueError(f"M.A.X. never answers {never[0]} messages by itself")
        return list(dict.fromkeys(intents))

    @field_validator("faq")
    @classmethod
    def _one_answer_per_question(cls, faq: list[FaqEntry]) -> list[FaqEntry]:
        # Two answers to one question would leave the model to pick one: the tenant says which.
        seen: set[str] = set()
        for entry in faq:
            question = " ".join(entry.question.casefold().split())
            if question in seen:
                raise ValueError(f"the FAQ asks {entry.question} twice: keep one answer per question")
            seen.add(question)
        return faq


class AutoReplySettingsResponse(AutoReplySettings):
    """The tenant's automatic answers, and when they were last changed."""

    model_config = ConfigDict(extra="ignore")

    intents: list[Intent] = Field(default_factory=list, max_length=len(Intent))
    faq: list[FaqEntry] = Field(default_factory=list, max_length=FAQ_MAX)
    updated_at: datetime | None = None


class AutoReplyState(StrEnum):
    """Where the decision on one inbound message stands; it reaches ``done`` once."""

    CLAIMED = "claimed"
    SENDING = "sending"
    DONE = "done"


class Verdict(LazyModel):
    """What M.A.X. does with an inbound message: answer it, or leave it to a person, and why.

    ``code`` is ``answered`` (or ``answer`` before the answer left), else why a person answers;
    ``params`` are what the reason's text names (the intent, the refusal's code).
    """

    answered: bool
    code: str
    params: dict[str, str] = Field(default_factory=dict)


class AutoReplyDecision(LazyModel):
    """What became of one inbound message, as stored: claimed by a worker, sending, or decided."""

    lead_id: Ulid
    message_id: Ulid
    state: AutoReplyState
    claim_token: str | None = None
    lease_until: datetime | None = None
    answered: bool | None = None
    code: str | None = None
    """Why (``answered``, or why a person answers: ``intent_not_enabled``, ``faq_not_covered``...)."""
    params: dict[str, str] = Field(default_factory=dict)
    reply_id: Ulid | None = None
    """The activity of M.A.X.'s answer, when it left."""
    created_at: datetime
    settled_at: datetime | None = None


class AutoReplyOutcome(LazyModel):
    """What became of one inbound message: answered by M.A.X., or left to a person, and why."""

    message_id: Ulid
    answered: bool
    code: str = Field(
        description="`answered`, or why a person answers (`intent_not_enabled`, `not_auto_mode`, "
        "`no_faq`, `faq_not_covered`, `no_tokens`, `model_failed`, `send_<refusal>`)."
    )
    reason: str = Field(description="Why, in the tenant's language.")
    reply_id: Ulid | None = None
    decided_at: datetime


class AutoReplyOutcomeList(LazyModel):
    """What M.A.X. decided for a lead's latest inbound messages, newest first."""

    items: list[AutoReplyOutcome]
