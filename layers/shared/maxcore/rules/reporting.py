"""What the reporting counters count, and how the reports read them (pure).

The write paths count each fact once, where it is recorded: a message sent, a status a provider
moved forward, a reply, a lead converted. A fact is counted on the tenant's day (its own time zone)
and its channel, in a counter item the reports read a period of with one Query. This module says
which facts each write records and reads the counters back; :mod:`maxcore.dal.stats` writes them.

- *sent*: an outbound message on a messaging channel the provider took (``failed`` at once is not);
- *delivered*, *read* (opened or read) and *bounced* (bounced, undelivered, or failed after it was
  sent): counted on the day the message was sent, so that a period's rates divide like with like.
  A status that jumps a rung (``read`` before ``delivered``) counts the rungs it passed;
- *replied* (a person wrote back), *positive* (interest, a meeting, a question), *unsubscribed* and
  *out_of_office*: on the day of the reply, by the kind :mod:`maxcore.rules.replies` gave it;
- *converted*: a lead moved to ``converted``, on the channel of its latest message;
- the time to reply of each reply a person wrote, since our last message on that channel, into a
  histogram of :data:`REPLY_TIME_BOUNDS`, from which the median is read.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from maxcore.models.activity import Activity, ActivityStatus, Direction
from maxcore.models.intent import ReplyKind
from maxcore.models.reporting import ChannelStats, WeekMessages
from maxcore.rules.summary import FAILED_STATUSES

SENT = "sent"
DELIVERED = "delivered"
READ = "read"
REPLIED = "replied"
POSITIVE = "positive"
BOUNCED = "bounced"
UNSUBSCRIBED = "unsubscribed"
OUT_OF_OFFICE = "out_of_office"
CONVERTED = "converted"

FACTS: tuple[str, ...] = (
    SENT,
    DELIVERED,
    READ,
    REPLIED,
    POSITIVE,
    BOUNCED,
    UNSUBSCRIBED,
    OUT_OF_OFFICE,
    CONVERTED,
)
"""Every fact a day's counter of one channel keeps."""

MESSAGE_CHANNELS = frozenset({"sms", "whatsapp", "email", "telegram"})
"""The channels whose messages are counted (a call or a note is no message sent)."""

NO_CHANNEL = "none"
"""Where a conversion of a lead that never exchanged a message is counted."""

REPLY_TIME_BOUNDS: tuple[int, ...] = tuple(
    minutes * 60 for minutes in (5, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 20160)
)
"""Upper bounds (seconds) of the time-to-reply buckets: 5 min ... 14 days, then one open bucket."""

REPLY_TIME_BUCKETS = len(REPLY_TIME_BOUNDS) + 1
"""Buckets of the histogram, the last one open-ended."""

ANSWERED_WITHIN = timedelta(days=30)
"""How far back a positive reply looks for the message, and its template, it answers."""

MAX_PERIOD_DAYS = 366
"""The longest period a per-channel report covers (a year, leap day included)."""

MIN_TEMPLATE_SENT = 20
"""Messages a template must have sent in the month to be named the best one."""

_REACHED = frozenset(
    {
        ActivityStatus.DELIVERED,
        ActivityStatus.OPENED,
        ActivityStatus.READ,
        ActivityStatus.CLICKED,
        ActivityStatus.REPLIED,
    }
)
_READ = frozenset(
    {ActivityStatus.OPENED, ActivityStatus.READ, ActivityStatus.CLICKED, ActivityStatus.REPLIED}
)
_BOUNCED = frozenset({ActivityStatus.BOUNCED, ActivityStatus.UNDELIVERED})

_REPLY_FACTS: dict[ReplyKind, tuple[str, ...]] = {
    ReplyKind.HOT: (REPLIED, POSITIVE),
    ReplyKind.NEUTRAL: (REPLIED,),
    ReplyKind.DECLINE: (REPLIED,),
    ReplyKind.OPT_OUT: (UNSUBSCRIBED,),
    ReplyKind.OUT_OF_OFFICE: (OUT_OF_OFFICE,),
}
"""What each kind of inbound message counts; automatic messages and instructions count nothing."""


@dataclass(frozen=True)
class DayCount:
    """Additions to one channel's counter on one of the tenant's days."""

    day: date
    channel: str
    facts: Mapping[str, int]


@dataclass(frozen=True)
class TemplateCount:
    """Additions to one template's counter of one of the tenant's months (``YYYY-MM``)."""

    month: str
    template_id: str
    facts: Mapping[str, int]


@dataclass(frozen=True)
class CampaignCount:
    """Additions to one campaign's counter (what became of its messages: delivered, read, bounced)."""

    campaign_id: str
    facts: Mapping[str, int]


@dataclass(frozen=True)
class SurveyCount:
    """One survey score, counted in its month (``YYYY-MM``) for the survey's template and campaign."""

    month: str
    score: int
    template_id: str | None
    campaign_id: str | None


@dataclass(frozen=True)
class Counts:
    """What one write adds to the counters: a day's channel, a template's month, a campaign's, and
    the survey score an answer gives."""

    days: tuple[DayCount, ...] = ()
    templates: tuple[TemplateCount, ...] = ()
    campaigns: tuple[CampaignCount, ...] = ()
    surveys: tuple[SurveyCount, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.days or self.templates or self.campaigns or self.surveys)


NOTHING = Counts()


def tenant_day(at: datetime, timezone: str) -> date:
    """The tenant's calendar day at the instant ``at``."""
    return at.astimezone(ZoneInfo(timezone)).date()


def reply_time_bucket(seconds: float) -> int:
    """The histogram bucket of a reply that came ``seconds`` after our message (negative is 0)."""
    return bisect.bisect_left(REPLY_TIME_BOUNDS, max(seconds, 0.0))


def reply_time_field(bucket: int) -> str:
    """The counter attribute of one time-to-reply bucket."""
    return f"rt{bucket}"


def is_counted(activity: Activity, kind: ReplyKind | None) -> bool:
    """Whether recording ``activity`` (an inbound one doing ``kind``) counts anything.

    An outbound message on a messaging channel the provider took, or an inbound one a person wrote
    (a reply, an opt-out, an absence notice); never a call, a note or a machine's message.
    """
    if activity.channel.value not in MESSAGE_CHANNELS:
        return False
    if activity.direction is Direction.OUT:
        return activity.status is not ActivityStatus.FAILED
    return kind in _REPLY_FACTS


def outbound_counts(activity: Activity, timezone: str) -> Counts:
    """What recording an outbound message counts: sent, the rungs its status already reached, and
    its template's send of the month."""
    if activity.direction is not Direction.OUT or not is_counted(activity, None):
        return NOTHING
    day = tenant_day(activity.occurred_at, timezone)
    reached = dict.fromkeys(status_facts(activity.status), 1)
    template_id = activity.metadata.get("template_id")
    templates: tuple[TemplateCount, ...] = ()
    if isinstance(template_id, str) and template_id:
        templates = (TemplateCount(day.strftime("%Y-%m"), template_id, {SENT: 1}),)
    days = (DayCount(day, activity.channel.value, {SENT: 1, **reached}),)
    return Counts(days, templates, _campaign(activity.metadata.get("campaign_id"), reached))


def _campaign(campaign_id: object, facts: Mapping[str, int]) -> tuple[CampaignCount, ...]:
    """The campaign's share of ``facts``, when a campaign sent the message and there is any."""
    if not isinstance(campaign_id, str) or not facts:
        return ()
    return (CampaignCount(campaign_id, facts),)


def inbound_counts(
    activity: Activity,
    kind: ReplyKind,
    last_sent_at: datetime | None,
    timezone: str,
    answered_template: str | None = None,
) -> Counts:
    """What recording an inbound message counts, by what it does (``kind``).

    Parameters
    ----------
    activity
        The inbound message.
    kind
        What :mod:`maxcore.rules.replies` made of it.
    last_sent_at
        Our last message to the lead on that channel before this one, for the time to reply.
    timezone
        The tenant's time zone.
    answered_template
        The template of the message a positive reply answered, which it counts for in the month.
    """
    if activity.direction is not Direction.IN or not is_counted(activity, kind):
        return NOTHING
    day = tenant_day(activity.occurred_at, timezone)
    facts = dict.fromkeys(_REPLY_FACTS[kind], 1)
    if REPLIED in facts and last_sent_at is not None and last_sent_at <= activity.occurred_at:
        waited = (activity.occurred_at - last_sent_at).total_seconds()
        facts[reply_time_field(reply_time_bucket(waited))] = 1
    templates: tuple[TemplateCount, ...] = ()
    if answered_template and POSITIVE in facts:
        templates = (TemplateCount(day.strftime("%Y-%m"), answered_template, {POSITIVE: 1}),)
    return Counts((DayCount(day, activity.channel.value, facts),), templates)


def conversion_counts(channel: str | None, now: datetime, timezone: str) -> Counts:
    """A lead converted ``now``: one conversion on the channel of its latest message (or none)."""
    return Counts((DayCount(tenant_day(now, timezone), channel or NO_CHANNEL, {CONVERTED: 1}),))


def status_facts(status: ActivityStatus) -> frozenset[str]:
    """The facts a message whose status is ``status`` has established."""
    facts = set()
    if status in _REACHED:
        facts.add(DELIVERED)
    if status in _READ:
        facts.add(READ)
    if status in _BOUNCED or status is ActivityStatus.FAILED:
        facts.add(BOUNCED)
    return frozenset(facts)


@dataclass(frozen=True)
class StatusStep:
    """A status change from any of ``from_statuses``, and the facts it newly establishes."""

    from_statuses: tuple[str, ...]
    facts: frozenset[str]


def status_steps(target: ActivityStatus, allowed_from: Iterable[str]) -> list[StatusStep]:
    """The moves to ``target`` from the statuses allowed, grouped by the facts each would count.

    A conditional write that moves the status from one group counts that group's facts, and only
    then: a move is counted exactly once, whatever the order and the repetition of the reports. The
    groups that count the most come first (the usual order of reports: ``sent`` then ``delivered``).
    """
    groups: dict[frozenset[str], list[str]] = {}
    for status in allowed_from:
        new = status_facts(target) - status_facts(ActivityStatus(status))
        groups.setdefault(new, []).append(status)
    ordered = sorted(groups.items(), key=lambda group: (-len(group[0]), sorted(group[0])))
    return [StatusStep(tuple(statuses), facts) for facts, statuses in ordered]


def status_counts(
    facts: frozenset[str], sent_at: datetime, channel: str, timezone: str, campaign_id: str | None = None
) -> Counts:
    """The facts a status change established, on the day the message was sent (and for the campaign
    that sent it)."""
    if not facts or channel not in MESSAGE_CHANNELS:
        return NOTHING
    added = dict.fromkeys(facts, 1)
    return Counts(
        (DayCount(tenant_day(sent_at, timezone), channel, added),), (), _campaign(campaign_id, added)
    )


# --- counting a lead's history again (the backfill) ---------------------------------------------


def merged(counts: Iterable[Counts]) -> Counts:
    """``counts`` added up: one addition per day and channel, per template's month, per campaign."""
    days: dict[tuple[date, str], Counter[str]] = {}
    templates: dict[tuple[str, str], Counter[str]] = {}
    campaigns: dict[str, Counter[str]] = {}
    for count in counts:
        for d in count.days:
            days.setdefault((d.day, d.channel), Counter()).update(d.facts)
        for t in count.templates:
            templates.setdefault((t.month, t.template_id), Counter()).update(t.facts)
        for c in count.campaigns:
            campaigns.setdefault(c.campaign_id, Counter()).update(c.facts)
    return Counts(
        tuple(DayCount(day, channel, dict(facts)) for (day, channel), facts in sorted(days.items())),
        tuple(TemplateCount(month, tid, dict(facts)) for (month, tid), facts in sorted(templates.items())),
        tuple(CampaignCount(cid, dict(facts)) for cid, facts in sorted(campaigns.items())),
    )


def history_counts(
    activities: Iterable[Activity], converted_at: datetime | None, cutover: datetime, timezone: str
) -> Counts:
    """What the write paths count for the facts of one lead recorded before ``cutover``, added up.

    The backfill of a tenant whose history began before the counters did: the write paths count
    what is recorded from ``cutover`` on, this what was recorded before it, so nothing counts twice.

    Parameters
    ----------
    activities
        The lead's activities recorded before ``cutover``, in time order (one logged after it with a
        past time was counted by its write path).
    converted_at
        When the lead was last changed, if it is converted now: its conversion counts when that was
        before ``cutover``, on that day (a conversion changed after the cut-over is left alone: its
        write path may have counted it).
    cutover
        The instant the write paths began counting this tenant's facts.
    timezone
        The tenant's time zone.

    Notes
    -----
    A message whose status a provider moved at or after ``cutover`` counts as sent only: its later
    rungs were counted by the webhook that moved it, and which rungs it had before is not kept.
    """
    counts: list[Counts] = []
    last_out: dict[str, Activity] = {}  # our latest message on each channel (a reply's template)
    last_sent: dict[str, datetime] = {}  # ... that reached the lead's summary (a reply's wait)
    last_message: Activity | None = None
    for activity in activities:
        if converted_at is not None and activity.occurred_at <= converted_at and _is_message(activity):
            last_message = activity
        if activity.direction is Direction.OUT:
            counts.append(outbound_counts(_as_recorded(activity, cutover), timezone))
            last_out[activity.channel.value] = activity
            if _reached_lead_when_sent(activity):
                last_sent[activity.channel.value] = activity.occurred_at
            continue
        kind = _reply_kind(activity)
        if kind is None:
            continue
        answered = last_out.get(activity.channel.value)
        template = None
        if answered is not None and kind is ReplyKind.HOT:
            template = _answered_template(answered, activity.occurred_at)
        sent_at = last_sent.get(activity.channel.value)
        counts.append(inbound_counts(activity, kind, sent_at, timezone, template))
    if converted_at is not None and converted_at < cutover:
        channel = None if last_message is None else last_message.channel.value
        counts.append(conversion_counts(channel, converted_at, timezone))
    return merged(counts)


def _is_message(activity: Activity) -> bool:
    return activity.channel.value in MESSAGE_CHANNELS


def _as_recorded(activity: Activity, cutover: datetime) -> Activity:
    """The message as its write path counted it: a status moved since the cut-over reads as sent."""
    moved = activity.status_updated_at
    if moved is None or moved < cutover:
        return activity
    return activity.model_copy(update={"status": ActivityStatus.SENT})


def _reached_lead_when_sent(activity: Activity) -> bool:
    """Whether a lead's summary took the message as our latest one when it was recorded (a message
    that failed at once did not; one that bounced later had)."""
    return _is_message(activity) and (
        activity.status not in FAILED_STATUSES or activity.status_updated_at is not None
    )


def _reply_kind(activity: Activity) -> ReplyKind | None:
    """What the inbound message did, as it was recorded (``metadata.reply_kind``)."""
    kind = activity.metadata.get("reply_kind")
    return ReplyKind(kind) if kind in {k.value for k in ReplyKind} else None


def _answered_template(answered: Activity, replied_at: datetime) -> str | None:
    """The template of the message a positive reply answers, when it went within the window."""
    template_id = answered.metadata.get("template_id")
    if answered.occurred_at < replied_at - ANSWERED_WITHIN or not isinstance(template_id, str):
        return None
    return template_id


# --- reading the counters back -------------------------------------------------------------------


def median_reply_seconds(histogram: list[int]) -> int | None:
    """The median time to reply read from the histogram: the upper bound of the bucket holding it.

    With an even number of replies, the lower of the two middle ones. None without replies; the
    open last bucket answers with its lower bound (14 days).
    """
    total = sum(histogram)
    if total == 0:
        return None
    middle = (total + 1) // 2
    seen = 0
    for bucket, count in enumerate(histogram):
        seen += count
        if seen >= middle:
            return REPLY_TIME_BOUNDS[min(bucket, len(REPLY_TIME_BOUNDS) - 1)]
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class ChannelTally:
    """A channel's facts over a period: the sum of its days' counters."""

    channel: str
    facts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FACTS, 0))
    reply_times: list[int] = field(default_factory=lambda: [0] * REPLY_TIME_BUCKETS)

    def add(self, counters: Mapping[str, int]) -> None:
        """Add one day's counter of the channel."""
        for fact in FACTS:
            self.facts[fact] += counters.get(fact, 0)
        for bucket in range(REPLY_TIME_BUCKETS):
            self.reply_times[bucket] += counters.get(reply_time_field(bucket), 0)


def tally_channels(days: Iterable[tuple[str, Mapping[str, int]]]) -> list[ChannelTally]:
    """The channels' facts over the days given as (channel, counters), sorted by channel."""
    tallies: dict[str, ChannelTally] = {}
    for channel, counters in days:
        tallies.setdefault(channel, ChannelTally(channel)).add(counters)
    return [tallies[channel] for channel in sorted(tallies)]


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class TemplateMonth:
    """A template's sends and positive replies in one month."""

    template_id: str
    sent: int
    positive: int

    @property
    def rate(self) -> float:
        """Positive replies per message sent."""
        return self.positive / self.sent if self.sent else 0.0


def best_template(months: Iterable[TemplateMonth], min_sent: int = MIN_TEMPLATE_SENT) -> TemplateMonth | None:
    """The template with the best positive-reply rate among those sent at least ``min_sent`` times.

    Ties go to the template sent most, then to the smallest id (a stable answer). None when no
    template was sent enough to tell.
    """
    ranked = sorted(
        (m for m in months if m.sent >= min_sent),
        key=lambda m: (-m.rate, -m.sent, m.template_id),
    )
    return ranked[0] if ranked else None


def rate(part: int, whole: int) -> float:
    """``part / whole`` rounded to four decimals, 0.0 when ``whole`` is 0."""
    return round(part / whole, 4) if whole else 0.0


def week_messages(sent_by_day: Mapping[date, int], today: date) -> WeekMessages:
    """Messages sent this week (Monday to ``today``) against last week, whole and to the same weekday.

    Parameters
    ----------
    sent_by_day
        Messages sent per day of the tenant, covering at least last week's Monday to ``today``.
    today
        Today in the tenant's time zone.
    """
    this_monday = week_start(today)
    last_monday = this_monday - timedelta(days=7)
    same_weekday_last_week = today - timedelta(days=7)

    def between(first: date, last: date) -> int:
        return sum(n for day, n in sent_by_day.items() if first <= day <= last)

    this_week = between(this_monday, today)
    to_date = between(last_monday, same_weekday_last_week)
    return WeekMessages(
        this_week=this_week,
        last_week=between(last_monday, this_monday - timedelta(days=1)),
        last_week_to_date=to_date,
        change=round(this_week / to_date - 1, 4) if to_date else None,
    )


def channel_stats(tally: ChannelTally) -> ChannelStats:
    """The API view of one channel's facts over a period."""
    facts = tally.facts
    return ChannelStats(
        channel=tally.channel,
        sent=facts[SENT],
        delivered=facts[DELIVERED],
        read=facts[READ],
        bounced=facts[BOUNCED],
        replied=facts[REPLIED],
        reply_rate=rate(facts[REPLIED], facts[SENT]),
        positive_replied=facts[POSITIVE],
        unsubscribed=facts[UNSUBSCRIBED],
        out_of_office=facts[OUT_OF_OFFICE],
        median_reply_seconds=median_reply_seconds(tally.reply_times),
        conversions=facts[CONVERTED],
    )
