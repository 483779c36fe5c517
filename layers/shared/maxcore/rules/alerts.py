"""The living alerts: which of the six alerts hold for a lead, read from its summary (pure).

No activity list is read: the lead's summary (:class:`~maxcore.models.lead.LeadSummary`) carries the
last times in and out, the last intent and the per-day counters, so a daily sweep evaluates a tenant's
leads from the lead items alone. No clock either: ``now`` is a parameter.

The alerts (thresholds are the tenant's :class:`~maxcore.models.tenant.AlertThresholds`):

- ``NoContact7d`` (medium): nothing was ever sent to the lead, created ``no_contact_days`` ago;
- ``NoReply3d`` (medium): the last message sent is ``no_reply_days`` old, nothing came in since;
- ``NoFollowup7d`` (medium): the last contact, in or out, is ``no_followup_days`` old;
- ``HotLead24h`` (urgent): the lead's last message is less than ``hot_lead_hours`` old, carries a hot
  intent (:data:`HOT_INTENTS`) and has not been answered yet;
- ``StaleLead30d`` (low): nothing happened for ``stale_lead_days`` (since creation if never contacted);
- ``PreferredChannel`` (info): one channel's reply rate beats the runner-up's by more than the gap
  (:mod:`maxcore.rules.preferred_channel`).

Counting:

- days are counted on the wall clock of the tenant's timezone: an event at 10:00 (Paris) on 27 March
  is 3 days old at 10:00 on 30 March, although the change to summer time made it 71 hours; hours
  (``HotLead24h``) are real elapsed hours;
- a threshold is reached exactly at its value: 3 days after the message, not 3 days and a minute.

Decisions, to keep the alerts few and telling:

- converted and lost leads get no follow-up alert and no channel advice; only ``HotLead24h`` still
  fires for them: a customer or a lost lead writing back with an intent deserves a quick answer;
- a lead out of office (``out_of_office_until`` later than now) gets no ``NoReply3d``,
  ``NoFollowup7d`` nor ``StaleLead30d`` until that time: its silence says nothing;
- ``NoContact7d`` supersedes ``StaleLead30d`` and ``NoFollowup7d``: a lead nobody ever wrote to needs
  a first message, not "one last try before archiving";
- ``StaleLead30d`` supersedes ``NoReply3d`` and ``NoFollowup7d``: after a month of silence, the stale
  alert is the one that says it, once;
- ``NoReply3d`` supersedes ``NoFollowup7d``: when the last contact is our own unanswered message, the
  two would say the same thing. ``NoFollowup7d`` is therefore left for a lead whose last message waits
  for us;
- ``HotLead24h`` needs the hot message to be still unanswered (no message sent after it) and the intent
  to belong to the lead's last burst of messages (within :data:`INTENT_BURST` of the last one).

Each draft carries an ``episode``: the time of the event the condition started from (the lead's
creation, the unanswered message, the last contact, the hot message, the last activity) or the channel
for ``PreferredChannel``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import SEVERITY_RANK, AlertDraft, AlertType, Cta, Severity
from maxcore.models.intent import HOT_INTENTS
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.preferred_channel import (
    is_reachable,
    latest_channel,
    percent,
    preferred_channel,
    suggested_channel,
)
from maxcore.texts import render

CLOSED_STATUSES = frozenset({LeadStatus.CONVERTED, LeadStatus.LOST})
"""Statuses that end the follow-ups."""

INTENT_BURST = timedelta(minutes=10)
"""How far before the lead's last message its intent may have been read and still count: a lead often
sends two or three messages in a row ("Bonjour", "je voudrais un devis", "merci")."""

SEVERITIES: dict[AlertType, Severity] = {
    AlertType.HOT_LEAD_24H: Severity.URGENT,
    AlertType.NO_CONTACT_7D: Severity.MEDIUM,
    AlertType.NO_REPLY_3D: Severity.MEDIUM,
    AlertType.NO_FOLLOWUP_7D: Severity.MEDIUM,
    AlertType.STALE_LEAD_30D: Severity.LOW,
    AlertType.PREFERRED_CHANNEL: Severity.INFO,
}
"""The severity of each alert, as the product document sets it."""

_TYPE_ORDER = tuple(SEVERITIES)

OPEN_ACTIONS: dict[ActivityChannel, str] = {
    ActivityChannel.WHATSAPP: "openWhatsApp",
    ActivityChannel.EMAIL: "openEmail",
    ActivityChannel.SMS: "openSms",
    ActivityChannel.TELEGRAM: "openTelegram",
    ActivityChannel.CALL: "callLead",
}
"""The front-end action of the button that opens a conversation on each channel."""


def local_days_between(earlier: datetime, later: datetime, timezone: str) -> int:
    """Whole days from ``earlier`` to ``later`` on the wall clock of ``timezone``.

    Parameters
    ----------
    earlier, later
        Two instants; naive values are read as UTC.
    timezone
        The tenant's IANA timezone.

    Returns
    -------
    int
        Days between the two local wall-clock times, rounded down (negative when ``later`` is
        earlier). 10:00 on 27 March to 10:00 on 30 March in Paris is 3, across the DST change.
    """
    zone = ZoneInfo(timezone)
    start = _aware(earlier).astimezone(zone).replace(tzinfo=None)
    end = _aware(later).astimezone(zone).replace(tzinfo=None)
    return (end - start).days


def elapsed_hours(earlier: datetime, later: datetime) -> float:
    """Real hours elapsed from ``earlier`` to ``later`` (naive values are read as UTC)."""
    # Both in UTC: Python subtracts two datetimes of the same tzinfo on the wall clock.
    return (_aware(later).astimezone(UTC) - _aware(earlier).astimezone(UTC)).total_seconds() / 3600


def iso(at: datetime) -> str:
    """``at`` as a fixed-width UTC ISO-8601 string, as the table stores times (stable episodes)."""
    return _aware(at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_closed(lead: Lead) -> bool:
    """Whether the lead is converted or lost: no more follow-ups."""
    return lead.status in CLOSED_STATUSES


def is_out_of_office(lead: Lead, now: datetime) -> bool:
    """Whether the lead said it is away until a time still to come."""
    until = lead.summary.out_of_office_until
    return until is not None and _aware(until) > _aware(now)


def has_replied(lead: Lead) -> bool:
    """Whether a message came in after the last message sent (a reply stops the follow-ups)."""
    summary = lead.summary
    return (
        summary.last_outbound_at is not None
        and summary.last_inbound_at is not None
        and summary.last_inbound_at > summary.last_outbound_at
    )


def evaluate(
    lead: Lead, thresholds: AlertThresholds, now: datetime, timezone: str, locale: str
) -> list[AlertDraft]:
    """The alerts that hold for ``lead`` now, most severe first.

    Parameters
    ----------
    lead
        The lead, with its summary.
    thresholds
        The tenant's alert thresholds.
    now
        The current time.
    timezone
        The tenant's IANA timezone, in which days are counted.
    locale
        Language of the messages, actions and buttons (``fr`` or ``en``; French otherwise).

    Returns
    -------
    list[AlertDraft]
        At most one draft per type, sorted by severity (urgent first), then in the order of
        :data:`SEVERITIES`. Empty when nothing needs attention.
    """
    kept, _ = _assess(lead, thresholds, now, timezone)
    drafts = [_draft(hit, lead, locale) for hit in kept.values()]
    return sorted(drafts, key=lambda d: (SEVERITY_RANK[d.severity], _TYPE_ORDER.index(d.type)))


def reason_resolved(
    alert_type: AlertType,
    lead: Lead,
    now: datetime,
    thresholds: AlertThresholds,
    timezone: str,
    episode: str | None = None,
) -> str:
    """Why an open alert no longer holds, in English, for the logs and the API.

    Parameters
    ----------
    alert_type
        The type of the open alert.
    lead
        The lead, as it is now.
    now
        The current time.
    thresholds
        The tenant's alert thresholds.
    timezone
        The tenant's IANA timezone; dates in the reason are local dates.
    episode
        The open alert's episode, to tell a new occurrence of the condition from the old one.

    Returns
    -------
    str
        For instance ``"the lead replied on 2026-03-11"``; ``"the alert still holds"`` when it does
        (same episode), which the caller is not expected to ask.
    """
    kept, dropped = _assess(lead, thresholds, now, timezone)
    if alert_type in dropped:
        return dropped[alert_type]
    if alert_type in kept:
        if episode is None or kept[alert_type].episode == episode:
            return "the alert still holds"
        return f"a new occurrence replaces it (episode {kept[alert_type].episode})"
    return _why_not(alert_type, lead, now, thresholds, timezone, episode)


# --- assessment ----------------------------------------------------------------------------------


@dataclass
class _Hit:
    """An alert whose condition holds, before its texts are written."""

    type: AlertType
    episode: str
    metadata: dict[str, Any] = field(default_factory=dict)
    days: int = 0
    hours: float = 0.0
    channel: ActivityChannel | None = None


def _assess(
    lead: Lead, thresholds: AlertThresholds, now: datetime, timezone: str
) -> tuple[dict[AlertType, _Hit], dict[AlertType, str]]:
    """The alerts kept, and those whose condition holds but that are left out, with the reason."""
    hits = _conditions(lead, thresholds, now, timezone)
    dropped: dict[AlertType, str] = {}

    def drop(types: tuple[AlertType, ...], reason: str) -> None:
        for alert_type in types:
            if alert_type in hits:
                dropped.setdefault(alert_type, reason)

    if is_closed(lead):
        others = tuple(t for t in AlertType if t is not AlertType.HOT_LEAD_24H)
        drop(others, f"the lead is {lead.status.value}: no more follow-ups")
    if is_out_of_office(lead, now):
        until = _local_date(lead.summary.out_of_office_until or now, timezone)
        drop(
            (AlertType.NO_REPLY_3D, AlertType.NO_FOLLOWUP_7D, AlertType.STALE_LEAD_30D),
            f"the lead is out of office until {until}",
        )
    if AlertType.NO_CONTACT_7D in hits:
        drop(
            (AlertType.STALE_LEAD_30D, AlertType.NO_FOLLOWUP_7D),
            "superseded by NoContact7d: the lead was never contacted",
        )
    if AlertType.STALE_LEAD_30D in hits:
        days = hits[AlertType.STALE_LEAD_30D].days
        drop(
            (AlertType.NO_REPLY_3D, AlertType.NO_FOLLOWUP_7D),
            f"superseded by StaleLead30d: no activity for {days} days",
        )
    if AlertType.NO_REPLY_3D in hits:
        drop(
            (AlertType.NO_FOLLOWUP_7D,), "superseded by NoReply3d: the last contact is our unanswered message"
        )
    kept = {t: hit for t, hit in hits.items() if t not in dropped}
    return kept, dropped


def _conditions(
    lead: Lead, thresholds: AlertThresholds, now: datetime, timezone: str
) -> dict[AlertType, _Hit]:
    """Every alert whose time condition holds, before the statuses and supersessions are applied."""
    summary = lead.summary
    channel = suggested_channel(
        lead,
        now,
        timezone,
        thresholds.preferred_channel_window_days,
        thresholds.preferred_channel_min_sent,
    )
    hits: dict[AlertType, _Hit] = {}

    created_days = local_days_between(lead.created_at, now, timezone)
    if summary.last_outbound_at is None and created_days >= thresholds.no_contact_days:
        hits[AlertType.NO_CONTACT_7D] = _Hit(
            AlertType.NO_CONTACT_7D,
            episode=iso(lead.created_at),
            days=created_days,
            channel=channel,
            metadata={
                "days_since_created": created_days,
                "threshold_days": thresholds.no_contact_days,
                "created_at": iso(lead.created_at),
                "channel": _value(channel),
            },
        )

    if summary.last_outbound_at is not None and not has_replied(lead):
        days = local_days_between(summary.last_outbound_at, now, timezone)
        if days >= thresholds.no_reply_days:
            hits[AlertType.NO_REPLY_3D] = _Hit(
                AlertType.NO_REPLY_3D,
                episode=iso(summary.last_outbound_at),
                days=days,
                channel=channel,
                metadata={
                    "days_since_last_outbound": days,
                    "threshold_days": thresholds.no_reply_days,
                    "last_outbound_at": iso(summary.last_outbound_at),
                    "last_outbound_channel": _value(latest_channel(summary.last_outbound_by_channel)),
                    "channel": _value(channel),
                },
            )

    if summary.last_contact_at is not None:
        days = local_days_between(summary.last_contact_at, now, timezone)
        if days >= thresholds.no_followup_days:
            hits[AlertType.NO_FOLLOWUP_7D] = _Hit(
                AlertType.NO_FOLLOWUP_7D,
                episode=iso(summary.last_contact_at),
                days=days,
                channel=channel,
                metadata={
                    "days_since_last_contact": days,
                    "threshold_days": thresholds.no_followup_days,
                    "last_contact_at": iso(summary.last_contact_at),
                    "channel": _value(channel),
                },
            )

    hot = _hot_lead(lead, thresholds, now, timezone, channel)
    if hot is not None:
        hits[AlertType.HOT_LEAD_24H] = hot

    last_activity = summary.last_contact_at or lead.created_at
    days = local_days_between(last_activity, now, timezone)
    if days >= thresholds.stale_lead_days:
        hits[AlertType.STALE_LEAD_30D] = _Hit(
            AlertType.STALE_LEAD_30D,
            episode=iso(last_activity),
            days=days,
            channel=channel,
            metadata={
                "days_since_last_activity": days,
                "threshold_days": thresholds.stale_lead_days,
                "last_activity_at": iso(last_activity),
                "never_contacted": summary.last_contact_at is None,
            },
        )

    preferred = preferred_channel(
        summary,
        now,
        timezone,
        thresholds.preferred_channel_window_days,
        thresholds.preferred_channel_min_sent,
        thresholds.preferred_channel_min_gap_points,
    )
    if preferred is not None and preferred.stands_out and preferred.runner_up is not None:
        hits[AlertType.PREFERRED_CHANNEL] = _Hit(
            AlertType.PREFERRED_CHANNEL,
            episode=preferred.channel.value,
            channel=preferred.channel,
            metadata={
                "channel": preferred.channel.value,
                "rate": percent(preferred.rate),
                "runner_up": preferred.runner_up.value,
                "runner_up_rate": percent(preferred.runner_up_rate or 0.0),
                "gap_points": percent(preferred.gap_points or 0.0),
                "min_gap_points": thresholds.preferred_channel_min_gap_points,
                "min_sent": thresholds.preferred_channel_min_sent,
                "window_days": thresholds.preferred_channel_window_days,
                "stats": {
                    c.value: {"sent": s.sent, "replied": s.replied, "rate": percent(s.rate)}
                    for c, s in preferred.stats.items()
                },
            },
        )
    return hits


def _hot_lead(
    lead: Lead,
    thresholds: AlertThresholds,
    now: datetime,
    timezone: str,
    channel: ActivityChannel | None,
) -> _Hit | None:
    summary = lead.summary
    inbound_at, intent, intent_at = summary.last_inbound_at, summary.last_intent, summary.last_intent_at
    if inbound_at is None or intent is None or intent_at is None or intent not in HOT_INTENTS:
        return None
    outbound_at = summary.last_outbound_at
    if outbound_at is not None and (inbound_at <= outbound_at or intent_at <= outbound_at):
        return None  # answered already
    if abs(elapsed_hours(intent_at, inbound_at)) > INTENT_BURST.total_seconds() / 3600:
        return None  # the intent belongs to an older message, not to the last burst
    hours = elapsed_hours(inbound_at, now)
    if hours >= thresholds.hot_lead_hours:
        return None
    inbound_channel = latest_channel(summary.last_inbound_by_channel)
    reply_on = inbound_channel if inbound_channel and is_reachable(lead, inbound_channel) else channel
    return _Hit(
        AlertType.HOT_LEAD_24H,
        episode=iso(inbound_at),
        hours=hours,
        channel=reply_on,
        metadata={
            "hours_since_last_inbound": round(max(hours, 0.0), 2),
            "threshold_hours": thresholds.hot_lead_hours,
            "last_inbound_at": iso(inbound_at),
            "last_inbound_channel": _value(inbound_channel),
            "intent": intent,
            "intent_at": iso(intent_at),
            "channel": _value(reply_on),
        },
    )


def _why_not(
    alert_type: AlertType,
    lead: Lead,
    now: datetime,
    thresholds: AlertThresholds,
    timezone: str,
    episode: str | None,
) -> str:
    """Why the condition of ``alert_type`` does not hold (it is not merely left out)."""
    summary = lead.summary

    def on(at: datetime) -> str:
        return _local_date(at, timezone)

    def under(at: datetime, threshold: int, what: str) -> str:
        days = local_days_between(at, now, timezone)
        return f"{what} {days} days ago, under the {threshold}-day threshold"

    match alert_type:
        case AlertType.NO_CONTACT_7D:
            if summary.last_outbound_at is not None:
                return f"a message was sent on {on(summary.last_outbound_at)}"
            return under(lead.created_at, thresholds.no_contact_days, "the lead was created")
        case AlertType.NO_REPLY_3D:
            if summary.last_outbound_at is None:
                return "no message was sent to the lead"
            if has_replied(lead) and summary.last_inbound_at is not None:
                return f"the lead replied on {on(summary.last_inbound_at)}"
            if episode is not None and episode != iso(summary.last_outbound_at):
                return f"a new message was sent on {on(summary.last_outbound_at)}"
            return under(summary.last_outbound_at, thresholds.no_reply_days, "the last message was sent")
        case AlertType.NO_FOLLOWUP_7D:
            if summary.last_contact_at is None:
                return "no contact with the lead was recorded"
            if episode is not None and episode != iso(summary.last_contact_at):
                return f"a contact took place on {on(summary.last_contact_at)}"
            return under(summary.last_contact_at, thresholds.no_followup_days, "the last contact was")
        case AlertType.STALE_LEAD_30D:
            last = summary.last_contact_at or lead.created_at
            if episode is not None and episode != iso(last):
                return f"activity resumed on {on(last)}"
            return under(last, thresholds.stale_lead_days, "the last activity was")
        case AlertType.HOT_LEAD_24H:
            inbound_at = summary.last_inbound_at
            if inbound_at is None:
                return "the lead sent no message"
            if summary.last_outbound_at is not None and summary.last_outbound_at >= inbound_at:
                return f"a reply was sent on {on(summary.last_outbound_at)}"
            if elapsed_hours(inbound_at, now) >= thresholds.hot_lead_hours:
                return f"the lead's last message is more than {thresholds.hot_lead_hours} hours old"
            return f"the lead's last message shows no hot intent (intent: {summary.last_intent or 'none'})"
        case AlertType.PREFERRED_CHANNEL:
            preferred = preferred_channel(
                summary,
                now,
                timezone,
                thresholds.preferred_channel_window_days,
                thresholds.preferred_channel_min_sent,
                thresholds.preferred_channel_min_gap_points,
            )
            if preferred is None:
                return "no channel has enough messages sent in the window any more"
            if preferred.runner_up is None:
                return f"only {preferred.channel.value} has enough messages sent to compare"
            return (
                f"{preferred.channel.value} no longer stands out: {percent(preferred.rate)}% vs "
                f"{percent(preferred.runner_up_rate or 0.0)}% on {preferred.runner_up.value}"
            )
    return "the condition no longer holds"  # pragma: no cover - every type is matched above


# --- texts ---------------------------------------------------------------------------------------


def days_text(days: int, locale: str) -> str:
    """``days`` as words: "1 jour", "3 jours", "3 days"."""
    return render("duration.days.one" if days == 1 else "duration.days.other", locale, n=days)


def hours_text(hours: float, locale: str) -> str:
    """Elapsed ``hours`` as words, rounded down: "moins d'une heure", "1 hour", "26 heures"."""
    whole = math.floor(max(hours, 0.0))
    if whole < 1:
        return render("duration.hours.less_than_one", locale)
    return render("duration.hours.one" if whole == 1 else "duration.hours.other", locale, n=whole)


def via_text(channel: ActivityChannel, locale: str) -> str:
    """How a channel reads after a verb: "par WhatsApp", "by e-mail"."""
    return render(f"channel.{channel.value}.via", locale)


def channel_cta(verb: str, channel: ActivityChannel, lead: Lead, locale: str) -> Cta:
    """The button opening a conversation with ``lead`` on ``channel`` (``verb``: ``reply`` or ``write``)."""
    if channel is ActivityChannel.CALL:
        return Cta(label=render("alert.cta.callLead", locale), action="callLead", params={"leadId": lead.id})
    return Cta(
        label=render(f"alert.cta.{verb}", locale, via=via_text(channel, locale)),
        action=OPEN_ACTIONS[channel],
        params={"leadId": lead.id},
    )


def draft_cta(lead: Lead, channel: ActivityChannel | None, locale: str) -> Cta:
    """The button asking M.A.X. to prepare a message to ``lead`` (on ``channel`` when known)."""
    params: dict[str, Any] = {"leadId": lead.id}
    if channel is not None:
        params["channel"] = channel.value
    return Cta(label=render("alert.cta.draftMessage", locale), action="draftMessage", params=params)


def _draft(hit: _Hit, lead: Lead, locale: str) -> AlertDraft:
    name = lead.display_name
    channel = hit.channel
    via = via_text(channel, locale) if channel is not None else ""
    channel_name = render(f"channel.{channel.value}.name", locale) if channel is not None else ""
    with_channel = "_channel" if channel is not None else ""
    prefix = f"alert.{hit.type.value}"
    resolve = Cta(
        label=render("alert.cta.resolveAlert", locale), action="resolveAlert", params={"leadId": lead.id}
    )
    opener = [channel_cta("write", channel, lead, locale)] if channel is not None else []
    days = days_text(hit.days, locale)

    match hit.type:
        case AlertType.NO_CONTACT_7D | AlertType.NO_FOLLOWUP_7D:
            message = render(f"{prefix}.message{with_channel}", locale, name=name, days=days, via=via)
            action = render(f"{prefix}.action{with_channel}", locale, via=via)
            ctas = [*opener, draft_cta(lead, channel, locale), resolve]
        case AlertType.NO_REPLY_3D:
            last_channel = hit.metadata["last_outbound_channel"]
            variant = ""
            if channel is not None:
                variant = "_channel" if channel.value == last_channel else "_switch"
            message = render(
                f"{prefix}.message{variant}", locale, name=name, days=days, via=via, channel=channel_name
            )
            action = render(f"{prefix}.action{with_channel}", locale, via=via)
            ctas = [*opener, draft_cta(lead, channel, locale), resolve]
        case AlertType.HOT_LEAD_24H:
            ago = hours_text(hit.hours, locale)
            intent = render(f"{prefix}.intent.{hit.metadata['intent']}", locale)
            message = render(
                f"{prefix}.message{with_channel}", locale, name=name, ago=ago, intent=intent, via=via
            )
            action = render(f"{prefix}.action{with_channel}", locale, via=via)
            reply = [channel_cta("reply", channel, lead, locale)] if channel is not None else []
            ctas = [*reply, draft_cta(lead, channel, locale), resolve]
        case AlertType.STALE_LEAD_30D:
            message = render(f"{prefix}.message", locale, name=name, days=days)
            action = render(f"{prefix}.action", locale)
            archive = Cta(
                label=render("alert.cta.archiveLead", locale),
                action="archiveLead",
                params={"leadId": lead.id},
            )
            ctas = [draft_cta(lead, channel, locale), archive, resolve]
        case AlertType.PREFERRED_CHANNEL:
            assert channel is not None  # the preferred channel is the hit's channel
            runner_up = ActivityChannel(hit.metadata["runner_up"])
            message = render(
                f"{prefix}.message",
                locale,
                name=name,
                via=via,
                rate=hit.metadata["rate"],
                runner_up_rate=hit.metadata["runner_up_rate"],
                runner_up_via=via_text(runner_up, locale),
            )
            action = render(
                f"{prefix}.action", locale, channel=render(f"channel.{channel.value}.name", locale)
            )
            ctas = [*(opener if is_reachable(lead, channel) else []), resolve]
    return AlertDraft(
        type=hit.type,
        severity=SEVERITIES[hit.type],
        message=message,
        suggested_action=action,
        ctas=ctas,
        metadata=hit.metadata,
        episode=hit.episode,
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _local_date(at: datetime, timezone: str) -> str:
    return _aware(at).astimezone(ZoneInfo(timezone)).date().isoformat()


def _value(channel: ActivityChannel | None) -> str | None:
    return None if channel is None else channel.value
