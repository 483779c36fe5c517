"""One-time timers: a fan-out message delivered at a given instant (EventBridge Scheduler).

Whatever must happen at a precise time (a message scheduled for 14:30, an appointment's reminder an
hour before) sets a timer rather than waiting for the hourly run: EventBridge Scheduler's one-time
schedule (``at(...)``) puts the message on the fan-out queue at that instant and deletes itself.

A timer is named after what it is for, so setting it twice (a retried request) keeps one timer, and
cancelling it needs nothing but the same name. The message it delivers is a claim to check, not an
order: the worker reads the item it names and does nothing when it was changed or cancelled since.
A timer that could not be set is not lost work either: the owner of the item keeps it in a due index
that the hourly run sweeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from maxcore.clock import utcnow
from maxcore.models.jobs import TenantJobMessage
from maxcore.services.job_queue import QueueTarget, queue_messages
from maxcore.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

NAME_PREFIX = "max-"
"""Every timer's name starts so (the IAM policy of the functions that set timers names them so)."""

SOON = timedelta(minutes=1)
"""A timer due sooner than this is not set: its message is queued at once."""

RETRY_WINDOW_SECONDS = 3600
"""How long Scheduler keeps trying to deliver a timer's message (the hourly sweep takes over then)."""


def timer_name(*parts: str) -> str:
    """The timer's name for ``parts`` (tenant, kind, item...): stable, at most 64 characters.

    Scheduler's names allow letters, digits, ``-``, ``_`` and ``.``; a tenant id or an item id may
    hold others, hence the digest.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:56]
    return f"{NAME_PREFIX}{digest}"


def scheduler_client() -> EventBridgeSchedulerClient:
    """The EventBridge Scheduler client of this process (endpoint overridable for the local run)."""
    import boto3

    settings = get_settings()
    return boto3.client("scheduler", region_name=settings.region, endpoint_url=settings.scheduler_endpoint)


class Timers:
    """Set and cancel the one-time timers of one process."""

    def __init__(self, clock: Callable[[], datetime] = utcnow, client: Any = None) -> None:
        self._clock = clock
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = scheduler_client()
        return self._client

    def set(
        self, name: str, at: datetime, message: TenantJobMessage, queue: QueueTarget | None = None
    ) -> None:
        """Deliver ``message`` to ``queue`` at ``at`` (at once when it is due within a minute).

        ``queue``: the fan-out queue when not given. Setting a timer that exists already changes
        nothing: the first one stands.

        Raises
        ------
        RuntimeError
            When the function was deployed without a timer target or role.
        """
        if at - self._clock() < SOON:
            queue_messages([message], None if queue is None else queue.url)
            return
        settings = get_settings()
        target_arn = settings.timer_target_arn if queue is None else queue.arn
        if not target_arn or not settings.timer_role_arn:
            raise RuntimeError("TIMER_TARGET_ARN and TIMER_ROLE_ARN must be set to set a timer")
        moment = at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
        try:
            self.client.create_schedule(
                Name=name,
                GroupName=settings.timer_group,
                ScheduleExpression=f"at({moment})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={
                    "Arn": target_arn,
                    "RoleArn": settings.timer_role_arn,
                    "Input": message.model_dump_json(),
                    "RetryPolicy": {"MaximumEventAgeInSeconds": RETRY_WINDOW_SECONDS},
                },
            )
        except self.client.exceptions.ConflictException:
            return

    def cancel(self, name: str) -> None:
        """Delete the timer ``name``; one that fired or never existed is not an error."""
        try:
            self.client.delete_schedule(Name=name, GroupName=get_settings().timer_group)
        except self.client.exceptions.ResourceNotFoundException:
            return
