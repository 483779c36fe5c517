"""Whether M.A.X. answers an inbound message by itself, or leaves it to a person, and why: pure rules.

M.A.X. answers only in auto mode, only the intents the tenant enabled, only from the FAQ the tenant
wrote, only with tokens to pay for it, and only what the model says the FAQ covers. Anything else is
a :class:`~maxcore.models.replies.Verdict` naming why a person answers (``code``, with ``params``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from maxcore.models.activity import Activity, Direction
from maxcore.models.intent import Intent, ReplyKind
from maxcore.models.replies import Verdict
from maxcore.models.tenant import Mode
from maxcore.rules.modes import ActionKind
from maxcore.rules.modes import decide as mode_decision

ANSWER = "answer"
"""The verdict before the answer is written and sent."""
ANSWERED = "answered"
"""The answer left."""

NEVER_ANSWERED = frozenset({Intent.UNSUBSCRIBE.value, Intent.OUT_OF_OFFICE.value})
"""Intents no tenant can enable: an opt-out is honoured, an absence notice is a machine's."""

NOT_CONVERSATION = frozenset(
    {ReplyKind.OPT_OUT.value, ReplyKind.OUT_OF_OFFICE.value, ReplyKind.AUTOMATIC.value}
)
"""What an inbound message may be that nobody answers: an opt-out, an absence notice, a machine's message."""


def decide(
    intent: str | None, mode: Mode, enabled: Collection[str], faq_size: int, affordable: bool
) -> Verdict:
    """Whether M.A.X. may write an answer to a message of ``intent``, before any model is called.

    Parameters
    ----------
    intent
        The message's intent, as the rules (or the model) read it; ``None`` when it has none.
    mode
        The tenant's autonomy mode: only one that lets M.A.X. send without approval (auto) answers.
    enabled
        The intents the tenant lets M.A.X. answer.
    faq_size
        How many questions the tenant's FAQ holds: none, nothing to answer from.
    affordable
        Whether the balance covers an automatic answer.

    Returns
    -------
    Verdict
        ``answer``, or why a person answers: ``intent_not_enabled``, ``not_auto_mode``, ``no_faq``,
        ``no_tokens`` (checked in that order).
    """
    if intent is None or intent not in enabled or intent in NEVER_ANSWERED:
        return Verdict(
            answered=False, code="intent_not_enabled", params={"intent": intent or Intent.NEUTRAL.value}
        )
    if not mode_decision(mode, ActionKind.SEND).permits(approved=False):
        return Verdict(answered=False, code="not_auto_mode", params={"mode": mode.value})
    if faq_size == 0:
        return Verdict(answered=False, code="no_faq")
    if not affordable:
        return Verdict(answered=False, code="no_tokens")
    return Verdict(answered=True, code=ANSWER)


def written(answerable: bool | None) -> Verdict:
    """What the model's answer allows: ``None`` for no usable answer, ``False`` for "the FAQ does not
    cover it"."""
    if answerable is None:
        return Verdict(answered=False, code="model_failed")
    if not answerable:
        return Verdict(answered=False, code="faq_not_covered")
    return Verdict(answered=True, code=ANSWER)


def sent(left: bool, refusal: str | None, channel: str | None = None) -> Verdict:
    """What the send came to: answered when the message left, else left to a person with the refusal
    (and the ``channel`` it was refused on, which the reason names)."""
    if left:
        return Verdict(answered=True, code=ANSWERED)
    params = {"refusal": refusal or "unknown", **({} if channel is None else {"channel": channel})}
    return Verdict(answered=False, code="send_refused", params=params)


def waiting(recent: Sequence[Activity], now: datetime, within: timedelta) -> list[Activity]:
    """The lead's messages nobody answered yet, oldest first: the inbound ones after our latest message.

    ``recent`` is the thread newest first. Only a person's words count (no keyword, bot command,
    opt-out, absence notice or machine's message), received within ``within`` of ``now``.
    """
    return [activity for activity in _unanswered(recent) if activity.occurred_at >= now - within]


def too_late(recent: Sequence[Activity], now: datetime, within: timedelta) -> Activity | None:
    """The newest of the lead's unanswered messages when it is older than ``within``: too late to be
    answered automatically (a late delivery, a job run late), so a person answers it. ``None`` when
    nothing waits, or something recent does (that one is decided, and the conversation with it)."""
    found = _unanswered(recent)
    if not found or found[-1].occurred_at >= now - within:
        return None
    return found[-1]


def _unanswered(recent: Sequence[Activity]) -> list[Activity]:
    """A person's words after our latest message, oldest first (``recent`` is newest first)."""
    found: list[Activity] = []
    for activity in recent:
        if activity.direction is not Direction.IN:
            break
        if _conversation(activity):
            found.append(activity)
    return found[::-1]


def decided_by_max(activity: Activity, enabled: Collection[str]) -> bool:
    """Whether the worker decides who answers ``activity`` (M.A.X., or a person with why), rather than
    the webhook giving it to a person at once: the tenant enabled automatic answers for some intent,
    and it is a person's words (whatever their intent: one not enabled is routed with that reason)."""
    return bool(enabled) and _conversation(activity)


def _conversation(activity: Activity) -> bool:
    metadata = activity.metadata
    return (
        bool(activity.text)
        and not metadata.get("keyword")
        and not metadata.get("command")
        and metadata.get("reply_kind") not in NOT_CONVERSATION
    )
