"""A reply to a lead's message, written by the configured language model.

The model answers through one tool, ``write_reply``, whose arguments are checked like any input: no
call, bad JSON, an empty body or one too long for the channel is no reply (:data:`None`), and the
caller refunds the tokens it reserved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from maxcore.ai.llm import ChatModel

BODY_MAX = {"sms": 480, "whatsapp": 1000, "telegram": 1000, "email": 4000}
"""The longest body taken from the model per channel (the prompt asks for less; this bounds a runaway)."""
SUBJECT_MAX = 200

WRITE_REPLY_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "write_reply",
        "description": "Give the reply to the lead's latest message.",
        "parameters": {
            "type": "object",
            "properties": {
                "answerable": {
                    "type": "boolean",
                    "description": "False when the facts you may use do not answer the message.",
                },
                "subject": {"type": ["string", "null"], "description": "E-mail only: the subject."},
                "body": {"type": "string", "description": "The reply itself."},
            },
            "required": ["answerable", "body"],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class WrittenReply:
    """What the model wrote: a reply, or that it cannot answer (``answerable`` false, no body)."""

    answerable: bool
    body: str = ""
    subject: str | None = None


def write_reply(model: ChatModel, messages: list[dict[str, str]], channel: str) -> WrittenReply | None:
    """The model's reply for ``channel``, or ``None`` when its answer is not a usable one.

    Raises
    ------
    maxcore.errors.UpstreamError
        When the model's API fails or cannot be reached.
    """
    completion = model.complete(list(messages), [WRITE_REPLY_TOOL])
    raw = next((c.arguments for c in completion.tool_calls if c.name == "write_reply"), None)
    try:
        data = json.loads(raw or "")
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("answerable"), bool):
        return None
    if not data["answerable"]:
        return WrittenReply(answerable=False)
    body, subject = data.get("body"), data.get("subject")
    if not isinstance(body, str) or not body.strip() or len(body) > BODY_MAX.get(channel, BODY_MAX["sms"]):
        return None
    if channel != "email":
        return WrittenReply(answerable=True, body=body.strip())
    if not isinstance(subject, str) or not subject.strip() or len(subject) > SUBJECT_MAX:
        return None
    return WrittenReply(answerable=True, body=body.strip(), subject=" ".join(subject.split()))
