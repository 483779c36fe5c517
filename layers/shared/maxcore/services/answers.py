"""Replies that answer a satisfaction survey or an appointment reminder, recorded as such.

A reply answers the lead's latest message sent on the same channel (an SMS answers the last SMS, not
the newsletter e-mailed since) when that message was sent from a template of a category that takes
answers, within that category's delay (:data:`maxcore.rules.answers.ANSWER_WINDOWS`). Outbound
activities keep their template's category (``metadata["template_category"]``, written at send time),
so finding the question is one Query of the lead's recent history and no template read; and it is
only looked for when the text reads as an answer at all, so most replies cost nothing more.

An opt-out, an out-of-office notice, an automatic message, a carrier keyword and a bot command are
never answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from maxcore.dal.activities import ActivityRepository
from maxcore.models.activity import Activity, Direction
from maxcore.models.common import Channel
from maxcore.models.intent import Intent
from maxcore.rules.keywords import is_instruction
from maxcore.rules.summary import MESSAGE_CHANNELS

if TYPE_CHECKING:
    from maxcore.rules.intent import Classification

NOT_ANSWERS = frozenset({Intent.UNSUBSCRIBE, Intent.OUT_OF_OFFICE})
"""Intents a reply keeps whatever it was sent after: an opt-out is always honoured."""


def as_answer(repository: ActivityRepository, activity: Activity, verdict: Classification) -> Activity:
    """``activity`` marked as the answer to the survey or reminder it replies to, or unchanged.

    Parameters
    ----------
    repository
        The tenant's activities, where the message answered is looked for.
    activity
        An inbound message, its intent already read (``verdict``).
    verdict
        What the intent rules read in it.

    Returns
    -------
    Activity
        With ``metadata`` ``survey_score`` or ``appointment``, ``answer_cues``, ``answers`` (the
        id of the message answered) and, when that message had them, ``answers_template_id`` and
        ``answers_campaign_id``. When the intent rules read nothing but the answer itself ("OUI"
        is no buying signal) it is no sales reply: its intent becomes ``neutral`` and ``answer_to``
        names the category answered. A message that says more than its answer ("4/5, pouvez-vous me
        rappeler ?") keeps the intent read and is a reply like any other.
    """
    # Imported on the first reply read: its rules compile when imported (about 10 ms), which the
    # functions that only record outbound messages should not pay at cold start.
    from maxcore.rules.answers import ANSWER_WINDOWS, could_answer, read_answer

    text = activity.text or ""
    if (
        activity.direction is not Direction.IN
        or activity.channel not in MESSAGE_CHANNELS
        or verdict.intent in NOT_ANSWERS
        or verdict.automatic
        or activity.metadata.get("automatic")
        or is_instruction(activity.metadata)
        or not could_answer(text)
    ):
        return activity
    at = activity.occurred_at
    question = repository.latest_sent_on(
        activity.lead_id, Channel(activity.channel.value), at - max(ANSWER_WINDOWS.values()), at
    )
    category = None if question is None else question.metadata.get("template_category")
    if (
        question is None
        or category not in ANSWER_WINDOWS
        or at - question.occurred_at > ANSWER_WINDOWS[category]
    ):
        return activity
    answer = read_answer(category, text)
    if answer is None:
        return activity
    metadata = {**activity.metadata, **answer.metadata(), "answers": question.id, **_asked_by(question)}
    if not answer.covers(c.matched for c in verdict.cues):
        return activity.model_copy(update={"metadata": metadata})
    metadata["answer_to"] = answer.answer_to
    return activity.model_copy(update={"intent": Intent.NEUTRAL.value, "metadata": metadata})


def _asked_by(question: Activity) -> dict[str, object]:
    """The template and the campaign the question was sent from: the survey its score counts for."""
    named = {"answers_template_id": "template_id", "answers_campaign_id": "campaign_id"}
    return {mine: question.metadata[key] for mine, key in named.items() if question.metadata.get(key)}
