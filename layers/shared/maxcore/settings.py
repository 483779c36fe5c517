"""Runtime settings, read once from the environment.

Every function reads its configuration through :func:`get_settings`; nothing else in the layer touches
``os.environ``. Tests and the dev server set the environment first and call :func:`reset_settings`.
"""

from __future__ import annotations

import json
import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """What a function needs to know about where it runs."""

    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    idempotency_table_name: str = "max-idempotency"
    region: str = "eu-west-3"
    dynamodb_endpoint: str | None = None
    fanout_queue_url: str | None = None
    delivery_queue_url: str | None = Field(
        default=None, description="The queue of the outbound events' deliveries (their own workers)."
    )
    delivery_queue_arn: str | None = Field(
        default=None, description="The same queue's ARN: where a delivery's late retry (a timer) goes."
    )
    sqs_endpoint: str | None = None
    timer_target_arn: str | None = Field(
        default=None, description="The queue a one-time timer (EventBridge Scheduler) delivers to."
    )
    timer_role_arn: str | None = Field(
        default=None, description="The role EventBridge Scheduler takes to deliver a timer's message."
    )
    timer_group: str = "default"
    scheduler_endpoint: str | None = None
    export_bucket: str | None = Field(default=None, description="The S3 bucket of the CSV exports' files.")
    s3_endpoint: str | None = None
    export_part_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="The size of an export's file parts (S3 takes 5 MiB at least, but for the last).",
    )
    stage: str = "dev"
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    token_prices: dict[str, int] = Field(
        default_factory=dict, description="Price overrides by action, from TOKEN_PRICES (JSON)."
    )
    # The assistant's OpenAI-compatible chat-completions API.
    assistant_model: str = "gpt-4o"
    assistant_base_url: str | None = None
    assistant_api_key: str | None = Field(
        default=None,
        repr=False,
        description="Local runs: the key itself (ASSISTANT_API_KEY or OPENAI_API_KEY).",
    )
    assistant_api_key_parameter: str | None = Field(
        default=None, description="In AWS: the SSM SecureString holding the key."
    )
    assistant_timeout_seconds: float = Field(default=20.0, gt=0)
    assistant_max_retries: int = Field(default=1, ge=0, le=5)
    assistant_max_rounds: int = Field(default=5, ge=1, le=10)
    conversation_ttl_hours: int = Field(default=7 * 24, ge=1)
    # Messaging providers. The URLs are for tests and local runs (fake providers); empty in AWS.
    ssm_endpoint: str | None = None
    public_api_url: str | None = Field(
        default=None,
        description="The API's public base URL (custom domain): status-callback URLs and the URL Twilio "
        "signs. Without it, the URL is rebuilt from the request's domain name.",
    )
    unsubscribe_base_url: str | None = Field(
        default=None,
        description="Where the unsubscribe links of marketing e-mails point (/u/<token> under it): the API's "
        "public URL in AWS, the dev server locally. Without it no marketing e-mail is sent.",
    )
    unsubscribe_secret: str | None = Field(
        default=None, repr=False, description="Local runs and tests: the links' signing secret itself."
    )
    unsubscribe_secret_arn: str | None = Field(
        default=None, description="In AWS: the Secrets Manager secret the links are signed with."
    )
    twilio_api_url: str | None = None
    twilio_content_api_url: str | None = Field(
        default=None, description="Replaces https://content.twilio.com (WhatsApp templates' approvals)."
    )
    resend_api_url: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    provider_timeout_seconds: float = Field(default=8.0, gt=0)
    outbound_events_allow_local: bool = Field(
        default=False,
        description="Tests and local runs only (OUTBOUND_EVENTS_ALLOW_LOCAL=1): webhook endpoints may be "
        "http and on loopback addresses. Never set in AWS.",
    )
    sweep_segment_min_leads: int = Field(
        default=5_000,
        ge=1,
        description="The fewest leads a segment of a big tenant's alert sweep is given, so a tenant "
        "that only just outgrew one invocation continues in a few parts rather than many tiny ones.",
    )


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@cache
def get_settings() -> Settings:
    """Return the settings of this process, read from the environment on first use.

    Returns
    -------
    Settings
        The validated settings; a missing ``TABLE_NAME`` fails loudly at the first call.
    """
    values: dict[str, object] = {
        "table_name": _env("TABLE_NAME") or "",
        "region": _env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "eu-west-3",
        "dynamodb_endpoint": _env("DYNAMODB_ENDPOINT"),
        "fanout_queue_url": _env("FANOUT_QUEUE_URL"),
        "sqs_endpoint": _env("SQS_ENDPOINT"),
        "stage": _env("STAGE") or "dev",
    }
    if idem := _env("IDEMPOTENCY_TABLE_NAME"):
        values["idempotency_table_name"] = idem
    if max_body := _env("MAX_BODY_BYTES"):
        values["max_body_bytes"] = max_body
    if prices := _env("TOKEN_PRICES"):
        values["token_prices"] = json.loads(prices)
    optional = {
        "assistant_model": "ASSISTANT_MODEL",
        "assistant_base_url": "ASSISTANT_BASE_URL",
        "assistant_api_key_parameter": "ASSISTANT_API_KEY_PARAMETER",
        "assistant_timeout_seconds": "ASSISTANT_TIMEOUT_SECONDS",
        "assistant_max_retries": "ASSISTANT_MAX_RETRIES",
        "assistant_max_rounds": "ASSISTANT_MAX_ROUNDS",
        "conversation_ttl_hours": "CONVERSATION_TTL_HOURS",
        "ssm_endpoint": "SSM_ENDPOINT",
        "public_api_url": "PUBLIC_API_URL",
        "unsubscribe_base_url": "UNSUBSCRIBE_BASE_URL",
        "unsubscribe_secret_arn": "UNSUBSCRIBE_SECRET_ARN",
        "twilio_api_url": "TWILIO_API_URL",
        "twilio_content_api_url": "TWILIO_CONTENT_API_URL",
        "resend_api_url": "RESEND_API_URL",
        "telegram_api_url": "TELEGRAM_API_URL",
        "provider_timeout_seconds": "PROVIDER_TIMEOUT_SECONDS",
        "sweep_segment_min_leads": "SWEEP_SEGMENT_MIN_LEADS",
        "delivery_queue_url": "DELIVERY_QUEUE_URL",
        "delivery_queue_arn": "DELIVERY_QUEUE_ARN",
        "timer_target_arn": "TIMER_TARGET_ARN",
        "timer_role_arn": "TIMER_ROLE_ARN",
        "timer_group": "TIMER_GROUP",
        "scheduler_endpoint": "SCHEDULER_ENDPOINT",
        "export_bucket": "EXPORT_BUCKET",
        "s3_endpoint": "S3_ENDPOINT",
        "outbound_events_allow_local": "OUTBOUND_EVENTS_ALLOW_LOCAL",
        "export_part_bytes": "EXPORT_PART_BYTES",
    }
    for field_name, variable in optional.items():
        if value := _env(variable):
            values[field_name] = value
    values["assistant_api_key"] = _env("ASSISTANT_API_KEY") or _env("OPENAI_API_KEY")
    values["unsubscribe_secret"] = _env("UNSUBSCRIBE_SECRET")
    return Settings.model_validate(values)


def reset_settings() -> None:
    """Forget the cached settings (tests and the dev server change the environment)."""
    get_settings.cache_clear()
