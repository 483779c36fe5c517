"""A second opinion on what a reply means, from the configured language model (optional).

The rules of :mod:`maxcore.rules.intent` always answer first; the model is only asked when a caller
wants it and one is configured. It answers through one tool, ``report_intent``, whose arguments are
checked like any input: an intent outside the seven, or no call at all, is no opinion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from maxcore.ai.llm import ChatModel
from maxcore.ai.prompts import intent_prompt
from maxcore.models.intent import Intent

INTENTS = tuple(intent.value for intent in Intent)
"""The intents the model may choose from (the rules' own values)."""

REPORT_INTENT_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "report_intent",
        "description": "Report what the lead's reply means.",
        "parameters": {
            "type": "object",
            "properties": {
                "intent": {"type": "string", "enum": list(INTENTS)},
                "reason": {"type": "string", "maxLength": 300, "description": "One short sentence: why."},
            },
            "required": ["intent", "reason"],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class ModelOpinion:
    """The model's reading of a reply."""

    intent: str
    reason: str


def ask_intent(model: ChatModel, text: str, rules_intent: str) -> ModelOpinion | None:
    """The model's intent for ``text``, or None when its answer is not a usable one.

    Raises
    ------
    maxcore.errors.UpstreamError
        When the model's API fails or cannot be reached.
    """
    messages = [
        {"role": "system", "content": intent_prompt(rules_intent)},
        {"role": "user", "content": text},
    ]
    completion = model.complete(messages, [REPORT_INTENT_TOOL])
    raw = next((c.arguments for c in completion.tool_calls if c.name == "report_intent"), completion.content)
    try:
        data = json.loads(raw or "")
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("intent") not in INTENTS:
        return None
    return ModelOpinion(intent=str(data["intent"]), reason=str(data.get("reason") or "")[:300])
