"""A lead's timeline: its activities and its alerts, newest first, in one list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from maxcore.models.activity import ActivityResponse
from maxcore.models.alert import AlertResponse
from maxcore.models.common import LazyModel


class TimelineKind(StrEnum):
    """What a timeline entry is."""

    ACTIVITY = "activity"
    ALERT = "alert"


class TimelineEntry(LazyModel):
    """One entry of a lead's timeline: an activity at its time, or an alert at the time it opened."""

    kind: TimelineKind
    at: datetime
    activity: ActivityResponse | None = None
    alert: AlertResponse | None = None


class TimelinePage(LazyModel):
    """A page of a lead's timeline, newest first."""

    items: list[TimelineEntry]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )
