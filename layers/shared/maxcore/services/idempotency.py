"""Run a piece of work once per key, with Powertools idempotency on the idempotency table.

The first call stores its answer; a repeat within the expiry gets the stored answer without running
the work again; a repeat while the first still runs is refused (409). When the work raises, the
record is deleted, so a retry runs it again: only what completed is remembered.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from maxcore.errors import ConflictError, InvalidInputError
from maxcore.settings import get_settings


@cache
def _client(endpoint: str | None, region: str) -> Any:
    import boto3

    return boto3.client("dynamodb", region_name=region, endpoint_url=endpoint)


def _persistence() -> DynamoDBPersistenceLayer:
    settings = get_settings()
    return DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name,
        boto3_client=_client(settings.dynamodb_endpoint, settings.region),
    )


def run_once(
    namespace: str,
    key: str,
    work: Callable[[], dict[str, Any]],
    *,
    expires_after_seconds: int,
    payload: dict[str, Any] | None = None,
    lambda_context: Any = None,
) -> dict[str, Any]:
    """Run ``work`` once for ``key`` in ``namespace`` and return its (stored) answer.

    Parameters
    ----------
    namespace
        What the key identifies (``messages``, ``webhook-twilio``...), so keys of two uses never meet.
    key
        The idempotency key; callers include the tenant in it.
    work
        The work, returning a JSON-serialisable answer.
    expires_after_seconds
        How long the answer is remembered: longer than the caller's retry window.
    payload
        When given, a repeat of ``key`` with another payload is refused (422) instead of answered.
    lambda_context
        The invocation's context: an invocation that dies mid-work then frees the key when its time
        is up, so the provider's retry is processed. Without it the key stays taken until it
        expires: what a send wants (never twice) and a webhook does not (never lost).

    Raises
    ------
    ConflictError
        When the same key is being worked on right now.
    InvalidInputError
        When the key was used before with a different payload.
    """
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload" if payload is not None else "",
        expires_after_seconds=expires_after_seconds,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    def _run(data: dict[str, Any]) -> dict[str, Any]:
        return work()

    once = idempotent_function(
        _run,
        data_keyword_argument="data",
        persistence_store=_persistence(),
        config=config,
        key_prefix=namespace,
    )
    try:
        with warnings.catch_warnings():
            # Without a context Powertools warns that it cannot time the in-progress record: by design.
            warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")
            result: dict[str, Any] = once(data={"key": key, "payload": payload})
    except IdempotencyAlreadyInProgressError as exc:
        raise ConflictError(
            "the same request is being processed; retry in a moment", {"idempotency": "in_progress"}
        ) from exc
    except IdempotencyValidationError as exc:
        raise InvalidInputError(
            "this idempotency key was already used for a different request; use a new key",
            {"idempotency": "key_reused"},
        ) from exc
    return result
