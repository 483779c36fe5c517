"""Send through an adapter, retrying transient failures with backoff within a time budget.

Only what certainly did not reach the provider is retried: an unknown outcome goes back to the caller.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from maxcore.channels.base import (
    ChannelAdapter,
    OutboundMessage,
    SendReceipt,
    TransientSendError,
    UnconfirmedSendError,
)
from maxcore.rules.delivery import RetryPolicy, backoff_delay


@dataclass(frozen=True)
class SendAttempts:
    """A successful send and what it took."""

    receipt: SendReceipt
    attempts: int
    """Tries made, the successful one included."""
    waited: float
    """Seconds spent waiting between tries."""


def send_with_retry(
    adapter: ChannelAdapter,
    message: OutboundMessage,
    policy: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so one shared default is safe
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> SendAttempts:
    """Send ``message`` through ``adapter``, retrying transient failures.

    Parameters
    ----------
    adapter
        The provider's adapter.
    message
        Sent unchanged on every try, so a provider that honours the idempotency key (Resend) accepts
        it once however many tries reach it.
    policy
        Tries, backoff and the waiting budget of this request.
    sleep
        Waits that many seconds (injected so tests record instead of sleeping).
    rand
        A uniform random number in [0, 1) for the backoff's jitter.

    Returns
    -------
    SendAttempts
        The provider's receipt, the tries made and the seconds waited.

    Raises
    ------
    PermanentSendError
        At once, without retrying: retrying cannot help.
    UnconfirmedSendError
        At once, without retrying: the request may have reached the provider, and a provider
        without an idempotency key (Twilio) would send a second copy. Its ``attempts`` says which
        try it was.
    TransientSendError
        The last one, when ``policy.attempts`` tries failed or when the next wait (a long
        Retry-After, say) would overrun ``policy.budget_seconds``; a note on it says how far it got.
    """
    waited = 0.0
    attempt = 1
    while True:
        try:
            receipt = adapter.send(message)
        except UnconfirmedSendError as error:
            error.attempts = attempt
            raise
        except TransientSendError as error:
            if attempt >= policy.attempts:
                error.add_note(f"gave up after {attempt} tries ({waited:.1f} s waited)")
                raise
            delay = backoff_delay(attempt, error.retry_after, policy, rand())
            if waited + delay > policy.budget_seconds:
                error.add_note(
                    f"gave up after {attempt} tries: waiting {delay:.1f} s more would overrun the "
                    f"{policy.budget_seconds:.1f} s budget ({waited:.1f} s waited)"
                )
                raise
            sleep(delay)
            waited += delay
            attempt += 1
        else:
            return SendAttempts(receipt=receipt, attempts=attempt, waited=waited)
