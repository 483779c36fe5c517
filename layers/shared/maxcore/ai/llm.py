"""The chat-completions client of M.A.X.: an OpenAI-compatible API with tool calls.

``openai`` takes over a second to import, so it is imported only when a chat actually calls the
model, never when a function module loads. The API key comes from the environment locally and from
SSM Parameter Store in AWS (read through Powertools Parameters, cached for five minutes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from maxcore.errors import ServiceUnavailableError, UpstreamError
from maxcore.observability import logger
from maxcore.settings import Settings, get_settings

KEY_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for; ``arguments`` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str

    def to_message(self) -> dict[str, Any]:
        """The call as it goes back in the assistant message of the history."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class Completion:
    """What the model answered: text, tool calls, or both; and what it cost in model tokens."""

    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)

    def to_message(self) -> dict[str, Any]:
        """The answer as an assistant message of the history."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.to_message() for call in self.tool_calls]
        return message


class ChatModel(Protocol):
    """What the assistant needs from a model."""

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """One chat-completions call."""
        ...


def api_key(settings: Settings | None = None) -> str | None:
    """The key: the environment's, else the SSM parameter's; ``None`` when neither is there."""
    settings = settings or get_settings()
    if settings.assistant_api_key:
        return settings.assistant_api_key
    if not settings.assistant_api_key_parameter:
        return None
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(
            settings.assistant_api_key_parameter, decrypt=True, max_age=KEY_CACHE_SECONDS
        )
    except parameters.exceptions.GetParameterError:
        logger.warning(
            "assistant API key parameter unreadable",
            extra={"parameter": settings.assistant_api_key_parameter},
        )
        return None
    return str(value).strip() or None


class OpenAIChatModel:
    """The real client (``openai`` SDK), pointed at ``base_url`` when one is configured."""

    def __init__(self, key: str, settings: Settings) -> None:
        import openai

        self._openai = openai
        self.model = settings.assistant_model
        self._client = openai.OpenAI(
            api_key=key,
            base_url=settings.assistant_base_url,
            timeout=settings.assistant_timeout_seconds,
            max_retries=settings.assistant_max_retries,
        )

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """One call; a provider failure is a 502 (the caller refunds the tokens)."""
        openai = self._openai
        try:
            response = self._client.chat.completions.create(  # type: ignore[call-overload]
                model=self.model, messages=messages, tools=tools, tool_choice="auto"
            )
        except openai.APIStatusError as exc:
            logger.warning("LLM API refused the call", extra={"status": exc.status_code})
            raise UpstreamError(
                f"the assistant's model answered with an error (HTTP {exc.status_code}); try again shortly",
                {"provider_status": exc.status_code},
            ) from exc
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            logger.warning("LLM API unreachable", extra={"error": type(exc).__name__})
            raise UpstreamError(
                "the assistant's model could not be reached; try again shortly", {"error": type(exc).__name__}
            ) from exc
        if not response.choices:
            raise UpstreamError("the assistant's model returned no answer", {})
        message = response.choices[0].message
        calls = [
            ToolCall(id=call.id, name=call.function.name, arguments=call.function.arguments or "")
            for call in (message.tool_calls or [])
            if getattr(call, "function", None) is not None
        ]
        usage = (
            response.usage.model_dump(include={"prompt_tokens", "completion_tokens"})
            if response.usage
            else {}
        )
        return Completion(content=message.content, tool_calls=calls, usage=usage)


def chat_model(settings: Settings | None = None) -> ChatModel:
    """The configured model, or a 503 saying the assistant has no key (nothing else is affected)."""
    settings = settings or get_settings()
    key = api_key(settings)
    if key is None:
        raise ServiceUnavailableError(
            "the M.A.X. assistant is not configured: no API key for its language model "
            "(set ASSISTANT_API_KEY locally, or the SSM parameter named by ASSISTANT_API_KEY_PARAMETER)",
            {"capability": "assistant"},
        )
    return OpenAIChatModel(key, settings)


def dumps(value: Any) -> str:
    """Compact JSON for tool results (what the model reads back)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
