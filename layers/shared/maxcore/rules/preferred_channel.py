"""The channel a lead answers best on, and the channel to follow a lead up on (pure: no I/O, no clock).

The product document's algorithm, read from the lead summary's per-day counters
(``"YYYY-MM-DD" -> channel -> [sent, replied]``) instead of the activity list:

- only the last ``window_days`` days count: today (in the tenant's timezone) and the days before it;
- a channel is *valid* once ``min_sent`` messages went out on it;
- its rate is ``replied / sent * 100``; the preferred channel is the valid channel with the best rate;
- it *stands out* (and deserves a ``PreferredChannel`` alert) only when a second valid channel exists
  and the gap between the two rates is strictly more than ``min_gap_points`` (the document's ``> 30``).

Decisions beyond the document:

- the preferred channel is returned whenever at least one channel is valid, even alone or with a 0 %
  rate, as the document's function returns it; the *alert* needs a runner-up and the gap, and
  :func:`suggested_channel` only follows a preferred channel that got at least one reply;
- replies are capped at the messages sent when computing a rate (a lead who answers one message with
  three gets 100 %, not 300 %): the rate reads "share of our messages that got an answer", and an
  uncapped rate would let a chatty channel win on volume alone;
- ties on the rate go to the channel with more messages sent (more evidence), then to the document's
  order: WhatsApp, e-mail, SMS, Telegram, call;
- ``manual`` activities (notes logged by people) are no channel and are ignored.

The day keys are the dates the summary records (``occurred_at``'s date, UTC in practice); the window is
cut on the tenant's local date, so its first day may be off by the timezone's offset.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from maxcore.models.activity import ActivityChannel
from maxcore.models.common import Channel
from maxcore.models.lead import Lead, LeadSummary
from maxcore.rules.summary import REPLIED, SENT

CHANNEL_ORDER: tuple[ActivityChannel, ...] = (
    ActivityChannel.WHATSAPP,
    ActivityChannel.EMAIL,
    ActivityChannel.SMS,
    ActivityChannel.TELEGRAM,
    ActivityChannel.CALL,
)
"""Channels a lead can be followed up on, in the tie-break order (the product document's order)."""

DEFAULT_CHANNELS: tuple[ActivityChannel, ...] = (
    ActivityChannel.WHATSAPP,
    ActivityChannel.EMAIL,
    ActivityChannel.SMS,
    ActivityChannel.TELEGRAM,
)
"""Channels tried, in order, when nothing is known of the lead's habits (a call needs a person)."""

_PHONE_CHANNELS = frozenset({ActivityChannel.WHATSAPP, ActivityChannel.SMS, ActivityChannel.CALL})
_WITH_CONSENT = frozenset(c.value for c in Channel)


@dataclass(frozen=True)
class ChannelStats:
    """Messages sent and replies received on one channel over the window."""

    sent: int
    replied: int

    @property
    def rate(self) -> float:
        """Share of the messages sent that got a reply, in percent (0 to 100; 0 when nothing was sent)."""
        if self.sent <= 0:
            return 0.0
        return min(self.replied, self.sent) / self.sent * 100


@dataclass(frozen=True)
class PreferredChannel:
    """The channel a lead answers best on, the runner-up, and whether the gap deserves an alert."""

    channel: ActivityChannel
    rate: float
    runner_up: ActivityChannel | None
    runner_up_rate: float | None
    stands_out: bool
    stats: dict[ActivityChannel, ChannelStats] = field(default_factory=dict)

    @property
    def gap_points(self) -> float | None:
        """Rate of the preferred channel minus the runner-up's, or None without a runner-up."""
        return None if self.runner_up_rate is None else self.rate - self.runner_up_rate


def percent(rate: float) -> int:
    """``rate`` rounded half up to a whole percent, as the document's ``toFixed(0)`` shows it."""
    return math.floor(rate + 0.5)


def channel_stats(
    daily_counts: Mapping[str, Mapping[str, list[int]]], today: date, window_days: int = 30
) -> dict[ActivityChannel, ChannelStats]:
    """Sum the per-day counters of the ``window_days`` days ending on ``today`` (included), per channel.

    Parameters
    ----------
    daily_counts
        ``"YYYY-MM-DD" -> channel -> [sent, replied]``, as the lead summary keeps them.
    today
        The tenant's current local date.
    window_days
        Number of days counted, ``today`` included. Later days (a UTC date ahead of the local one)
        count too; malformed days and unknown or ``manual`` channels are skipped.

    Returns
    -------
    dict[ActivityChannel, ChannelStats]
        The channels with at least one message sent or received in the window.
    """
    first = today - timedelta(days=window_days - 1)
    sent: dict[ActivityChannel, int] = {}
    replied: dict[ActivityChannel, int] = {}
    for day, channels in daily_counts.items():
        try:
            if date.fromisoformat(day) < first:
                continue
        except ValueError:
            continue
        for name, counts in channels.items():
            channel = _channel(name)
            if channel is None or len(counts) <= REPLIED:
                continue
            sent[channel] = sent.get(channel, 0) + counts[SENT]
            replied[channel] = replied.get(channel, 0) + counts[REPLIED]
    return {
        channel: ChannelStats(sent=sent[channel], replied=replied[channel])
        for channel in sorted(sent, key=_order)
        if sent[channel] or replied[channel]
    }


def preferred_channel(
    summary: LeadSummary,
    now: datetime,
    timezone: str,
    window_days: int = 30,
    min_sent: int = 2,
    min_gap_points: int = 30,
) -> PreferredChannel | None:
    """The document's preferred channel of a lead, from its summary.

    Parameters
    ----------
    summary
        The lead's summary (its ``daily_counts`` are read).
    now
        The current time.
    timezone
        The tenant's IANA timezone, which sets "today".
    window_days
        Days counted back from today, today included.
    min_sent
        Messages sent on a channel before its rate counts.
    min_gap_points
        The preferred channel stands out when it beats the runner-up by strictly more points than this.

    Returns
    -------
    PreferredChannel | None
        None when no channel has ``min_sent`` messages sent in the window.
    """
    today = now.astimezone(ZoneInfo(timezone)).date()
    stats = channel_stats(summary.daily_counts, today, window_days)
    valid = sorted(
        (channel for channel, s in stats.items() if s.sent >= min_sent),
        key=lambda c: (-stats[c].rate, -stats[c].sent, _order(c)),
    )
    if not valid:
        return None
    best = valid[0]
    runner_up = valid[1] if len(valid) > 1 else None
    runner_up_rate = None if runner_up is None else stats[runner_up].rate
    stands_out = runner_up_rate is not None and stats[best].rate - runner_up_rate > min_gap_points
    return PreferredChannel(
        channel=best,
        rate=stats[best].rate,
        runner_up=runner_up,
        runner_up_rate=runner_up_rate,
        stands_out=stands_out,
        stats=stats,
    )


def is_reachable(lead: Lead, channel: ActivityChannel) -> bool:
    """Whether ``lead`` has the contact ``channel`` needs and has not refused consent on it."""
    if channel in _PHONE_CHANNELS:
        has_contact = lead.phone is not None
    elif channel is ActivityChannel.EMAIL:
        has_contact = lead.email is not None
    elif channel is ActivityChannel.TELEGRAM:
        has_contact = lead.telegram_chat_id is not None
    else:
        return False
    if channel.value in _WITH_CONSENT:
        consent = lead.consent.get(Channel(channel.value))
        if consent is not None and not consent.granted:
            return False
    return has_contact


def latest_channel(*by_channel: Mapping[str, datetime]) -> ActivityChannel | None:
    """The channel of the most recent time in ``by_channel`` (ties: the document's channel order)."""
    latest: tuple[datetime, ActivityChannel] | None = None
    for times in by_channel:
        for name, at in times.items():
            channel = _channel(name)
            if channel is None:
                continue
            if latest is None or at > latest[0] or (at == latest[0] and _order(channel) < _order(latest[1])):
                latest = (at, channel)
    return None if latest is None else latest[1]


def suggested_channel(
    lead: Lead,
    now: datetime,
    timezone: str,
    window_days: int = 30,
    min_sent: int = 2,
    exclude: ActivityChannel | None = None,
) -> ActivityChannel | None:
    """The channel to follow ``lead`` up on: the first reachable one of, in order,

    1. the preferred channel computed from the last ``window_days`` days, if it got replies
       (the latest evidence);
    2. the preferred channel stored on the summary;
    3. the last channel used, in either direction;
    4. WhatsApp, e-mail, SMS, Telegram.

    Parameters
    ----------
    lead
        The lead (its contacts and consents say which channels are reachable).
    now
        The current time.
    timezone
        The tenant's IANA timezone.
    window_days, min_sent
        The preferred channel's window and minimum of messages sent.
    exclude
        A channel not to suggest (the one that is not working).

    Returns
    -------
    ActivityChannel | None
        None when the lead cannot be reached on any channel but ``exclude``.
    """
    summary = lead.summary
    candidates: list[ActivityChannel] = []
    computed = preferred_channel(summary, now, timezone, window_days, min_sent)
    if computed is not None and computed.rate > 0:
        candidates.append(computed.channel)
    if summary.preferred_channel is not None:
        candidates.append(ActivityChannel(summary.preferred_channel.value))
    used = latest_channel(summary.last_outbound_by_channel, summary.last_inbound_by_channel)
    if used is not None:
        candidates.append(used)
    candidates.extend(DEFAULT_CHANNELS)
    return next((c for c in candidates if c is not exclude and is_reachable(lead, c)), None)


def _channel(name: str) -> ActivityChannel | None:
    try:
        channel = ActivityChannel(name)
    except ValueError:
        return None
    return None if channel is ActivityChannel.MANUAL else channel


def _order(channel: ActivityChannel) -> int:
    return CHANNEL_ORDER.index(channel)
