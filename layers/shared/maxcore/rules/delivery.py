"""Delivery rules of a sent message: its status only moves forward; how long to wait before a retry (pure).

Providers report a message's fate at least once and out of order (a ``delivered`` can overtake its
``sent``, and every Twilio message gets a ``queued`` callback that may come last). Applying a report
only when :func:`may_advance` allows it keeps the recorded status monotonic whatever the order;
:func:`statuses_before` turns the same rule into the set a conditional write checks
(``status IN (...)``), so the check happens in the database, not read-then-write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from maxcore.models.activity import ActivityStatus

# The ladder a message climbs; opened (e-mail) and read (WhatsApp, Telegram) are the same rung.
# ``unconfirmed`` (we asked, the answer never came) is below everything the provider can report.
_RANK: dict[ActivityStatus, int] = {
    ActivityStatus.UNCONFIRMED: -1,
    ActivityStatus.QUEUED: 0,
    ActivityStatus.SENT: 1,
    ActivityStatus.DELIVERED: 2,
    ActivityStatus.OPENED: 3,
    ActivityStatus.READ: 3,
    ActivityStatus.CLICKED: 4,
    ActivityStatus.REPLIED: 5,
}

FINAL_STATUSES: frozenset[ActivityStatus] = frozenset(
    {ActivityStatus.FAILED, ActivityStatus.UNDELIVERED, ActivityStatus.BOUNCED}
)
"""The message's fate is known: nothing replaces these."""

# The highest rung each final status may still replace. A message delivered to the handset is not
# failed or undelivered afterwards (a late ``failed``, or the ``canceled`` of a scheduled copy, says
# nothing about it); an e-mail accepted by the receiving server may still bounce later, but not once
# it was opened.
_FAILS_UP_TO: dict[ActivityStatus, int] = {
    ActivityStatus.FAILED: _RANK[ActivityStatus.SENT],
    ActivityStatus.UNDELIVERED: _RANK[ActivityStatus.SENT],
    ActivityStatus.BOUNCED: _RANK[ActivityStatus.DELIVERED],
}


def is_final(status: ActivityStatus) -> bool:
    """Tell whether ``status`` ends a message's story.

    Parameters
    ----------
    status
        A recorded status.

    Returns
    -------
    bool
        True for failed, undelivered and bounced, and for ``no_answer``, which is a call's outcome
        rather than a message status and so is never advanced either.
    """
    return status in FINAL_STATUSES or status is ActivityStatus.NO_ANSWER


def may_advance(current: ActivityStatus, new: ActivityStatus) -> bool:
    """Tell whether a report of ``new`` may replace the recorded ``current`` status.

    Parameters
    ----------
    current
        The status recorded on the message.
    new
        The status a provider (or our own send) reports.

    Returns
    -------
    bool
        True when ``new`` is strictly further along the ladder (unconfirmed < queued < sent <
        delivered < opened = read < clicked < replied), or when ``new`` is final and ``current``
        has not got past what that failure can undo: failed and undelivered replace unconfirmed,
        queued and sent only; bounced replaces delivered too. False for the same status, for any
        step backwards (a late ``queued`` or ``sent`` after ``delivered``), for anything after a
        final status, for ``unconfirmed`` (our own word, never a provider's), and whenever
        ``no_answer`` is involved: it is not a message status.
    """
    if is_final(current) or new is ActivityStatus.NO_ANSWER:
        return False
    if new in FINAL_STATUSES:
        return _RANK[current] <= _FAILS_UP_TO[new]
    return _RANK[new] > _RANK[current]


def statuses_before(new: ActivityStatus) -> frozenset[ActivityStatus]:
    """List the recorded statuses that a report of ``new`` may replace.

    Parameters
    ----------
    new
        The status about to be written.

    Returns
    -------
    frozenset of ActivityStatus
        Exactly the ``current`` values for which :func:`may_advance` ``(current, new)`` is True; the
        condition of the write (``status IN (...)``). Empty when ``new`` can never be applied.
    """
    return frozenset(current for current in ActivityStatus if may_advance(current, new))


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one request tries a provider before giving the failure back to its caller.

    The budget bounds the total time spent waiting between tries within one request (a Lambda
    invocation has its own timeout; the queue's redelivery takes over after that).
    """

    attempts: int = 4
    """Tries in all, the first one included."""
    base_seconds: float = 0.5
    """The ceiling of the first wait; it doubles with each further try."""
    cap_seconds: float = 8.0
    """No backoff ceiling grows beyond this."""
    budget_seconds: float = 20.0
    """The most time one request may spend waiting, all retries together."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy makes at least one attempt")
        if self.base_seconds < 0 or self.cap_seconds < 0 or self.budget_seconds < 0:
            raise ValueError("retry delays and budget cannot be negative")


def backoff_delay(attempt: int, retry_after: float | None, policy: RetryPolicy, rand: float) -> float:
    """Compute how long to wait after the failed try number ``attempt`` before the next one.

    Without a Retry-After, capped exponential backoff with full jitter: a uniform wait between 0 and
    ``min(cap_seconds, base_seconds * 2 ** (attempt - 1))``, so that clients failing together do not
    come back together. With a Retry-After, never less than the provider asked: ``retry_after`` plus
    a jitter of up to ``base_seconds`` (workers told the same Retry-After do not return in lockstep).

    A Retry-After longer than ``cap_seconds`` is not cut down to it: retrying earlier than the
    provider said would only be refused again. It is returned as is, and the caller compares it with
    what remains of its budget (a wait that does not fit means the retry is left to a later
    delivery of the work, e.g. the queue's).

    Parameters
    ----------
    attempt
        The number of the try that just failed, counting from 1.
    retry_after
        The provider's Retry-After in seconds, or None when it gave none (a negative value counts as 0).
    policy
        Base and cap of the exponential backoff.
    rand
        A uniform random number in [0, 1), passed in so that the rule stays pure.

    Returns
    -------
    float
        Seconds to wait.

    Raises
    ------
    ValueError
        When ``attempt`` is below 1 or ``rand`` is outside [0, 1).
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if not 0.0 <= rand < 1.0:
        raise ValueError("rand must be in [0, 1)")
    if retry_after is not None:
        return max(retry_after, 0.0) + rand * policy.base_seconds
    # A huge attempt would overflow the float; the cap is reached long before 64 doublings.
    doubling = policy.base_seconds * 2.0 ** min(attempt - 1, 64)
    return rand * min(policy.cap_seconds, doubling)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Read an HTTP Retry-After header as seconds from ``now``.

    Parameters
    ----------
    value
        The header: delay-seconds (``"3"``, some providers send ``"1.5"``) or an HTTP-date.
    now
        The current time (aware), to turn an HTTP-date into a delay.

    Returns
    -------
    float or None
        Seconds to wait (0 for a date already past), or None when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)
