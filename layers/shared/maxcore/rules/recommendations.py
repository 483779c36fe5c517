"""The decision engine: whether and how M.A.X. proposes to follow a lead up (pure: no I/O, no clock).

The activation plan's rules, read from the lead's summary:

1. a reply stops everything: when a message came in after the last message sent, the conversation is
   alive and nothing is proposed (``None``);
2. opened without reply for ``opened_hours`` (24 h): follow up, the lead read the message
   (priority 1, the most urgent: the lead showed interest);
3. delivered but not opened for ``delivered_hours`` (48 h): change channel, or angle when no other
   channel reaches the lead (priority 2: the channel is not working, repeating it would not help);
4. silence for ``no_reply_days`` (3) local days after the last message sent: follow up on the
   preferred channel (priority 3).

The first rule that holds, in this order, gives the recommendation: a message delivered 4 days ago
and never opened gets "change channel", not "follow up on the same channel".

Decisions beyond the plan:

- thresholds are reached at their value (the plan writes "> 24h"): a recommendation appears at the
  moment the ``NoReply3d`` alert does, so the alert and its proposal never disagree;
- "opened" and "delivered" concern the last message sent (the summary's ``last_opened_at`` or
  ``last_delivered_at`` at or after ``last_outbound_at``), on any channel (a WhatsApp message read is
  opened), and are measured from those times, in real hours; silence is counted in local days;
- converted and lost leads, and leads out of office, get no recommendation;
- the follow-up goes on the preferred channel when known, else on the last channel used
  (:func:`maxcore.rules.preferred_channel.suggested_channel`); "change channel" picks the same way
  among the other reachable channels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import Recommendation, RecommendationKind
from maxcore.models.lead import Lead
from maxcore.models.template import TemplateCategory
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.alerts import (
    elapsed_hours,
    has_replied,
    is_closed,
    is_out_of_office,
    iso,
    local_days_between,
    via_text,
)
from maxcore.rules.preferred_channel import is_reachable, latest_channel, suggested_channel
from maxcore.texts import days_text, duration_text, render

OPENED_HOURS = 24
"""Hours after an opened message without reply before following up."""

DELIVERED_HOURS = 48
"""Hours after a delivered, unopened message before changing channel."""

PRIORITIES: dict[RecommendationKind, int] = {
    RecommendationKind.FOLLOW_UP_OPENED: 1,
    RecommendationKind.CHANGE_CHANNEL: 2,
    RecommendationKind.FOLLOW_UP_SILENCE: 3,
}
"""Priority of each recommendation, lower is more urgent."""


def recommend(
    lead: Lead,
    now: datetime,
    timezone: str,
    locale: str,
    *,
    thresholds: AlertThresholds | None = None,
    opened_hours: int = OPENED_HOURS,
    delivered_hours: int = DELIVERED_HOURS,
) -> Recommendation | None:
    """The follow-up M.A.X. proposes for ``lead`` now, or None.

    Parameters
    ----------
    lead
        The lead, with its summary.
    now
        The current time.
    timezone
        The tenant's IANA timezone, in which the days of silence are counted.
    locale
        Language of the action and the reason (``fr`` or ``en``; French otherwise).
    thresholds
        The tenant's alert thresholds: ``no_reply_days`` is the silence threshold, and the preferred
        channel's window and minimum apply. The product's defaults when None.
    opened_hours
        Hours after an opened message without reply before following up.
    delivered_hours
        Hours after a delivered, unopened message before changing channel.

    Returns
    -------
    Recommendation | None
        None when the lead replied, was never written to, is closed, is out of office, or when no
        threshold is reached yet.
    """
    limits = thresholds or AlertThresholds()
    summary = lead.summary
    last_out = summary.last_outbound_at
    if last_out is None or has_replied(lead) or is_closed(lead) or is_out_of_office(lead, now):
        return None

    last_channel = latest_channel(summary.last_outbound_by_channel)
    noun = render(f"channel.{(last_channel or ActivityChannel.MANUAL).value}.message", locale)
    name = lead.display_name
    window, min_sent = limits.preferred_channel_window_days, limits.preferred_channel_min_sent
    base: dict[str, Any] = {
        "last_outbound_at": iso(last_out),
        "last_outbound_channel": None if last_channel is None else last_channel.value,
    }

    opened_at, delivered_at = summary.last_opened_at, summary.last_delivered_at
    if opened_at is not None and opened_at >= last_out:
        hours = elapsed_hours(opened_at, now)
        if hours >= opened_hours:
            channel = suggested_channel(lead, now, timezone, window, min_sent)
            reason = render(
                "reco.follow_up_opened.reason",
                locale,
                name=name,
                message=noun,
                ago=duration_text(hours, locale),
            )
            metadata = {
                **base,
                "last_opened_at": iso(opened_at),
                "hours_since_opened": round(hours, 2),
                "threshold_hours": opened_hours,
            }
            return _recommendation(
                lead, RecommendationKind.FOLLOW_UP_OPENED, channel, reason, metadata, locale
            )
    elif delivered_at is not None and delivered_at >= last_out:
        hours = elapsed_hours(delivered_at, now)
        if hours >= delivered_hours:
            other = suggested_channel(lead, now, timezone, window, min_sent, exclude=last_channel)
            same = last_channel if last_channel is not None and is_reachable(lead, last_channel) else None
            reason = render(
                "reco.change_channel.reason",
                locale,
                name=name,
                message=noun,
                ago=duration_text(hours, locale),
            )
            metadata = {
                **base,
                "last_delivered_at": iso(delivered_at),
                "hours_since_delivered": round(hours, 2),
                "threshold_hours": delivered_hours,
                "switched": other is not None,
            }
            return _recommendation(
                lead,
                RecommendationKind.CHANGE_CHANNEL,
                other or same,
                reason,
                metadata,
                locale,
                switch=other is not None,
            )

    days = local_days_between(last_out, now, timezone)
    if days >= limits.no_reply_days:
        channel = suggested_channel(lead, now, timezone, window, min_sent)
        reason = render(
            "reco.follow_up_silence.reason", locale, name=name, message=noun, days=days_text(days, locale)
        )
        metadata = {**base, "days_since_last_outbound": days, "threshold_days": limits.no_reply_days}
        return _recommendation(lead, RecommendationKind.FOLLOW_UP_SILENCE, channel, reason, metadata, locale)
    return None


def _recommendation(
    lead: Lead,
    kind: RecommendationKind,
    channel: ActivityChannel | None,
    reason: str,
    metadata: dict[str, Any],
    locale: str,
    switch: bool = True,
) -> Recommendation:
    prefix = f"reco.{kind.value}"
    if channel is not None and switch:
        action = render(f"{prefix}.action_channel", locale, via=via_text(channel, locale))
    else:
        action = render(f"{prefix}.action", locale)
    return Recommendation(
        lead_id=lead.id,
        lead_name=lead.display_name,
        kind=kind,
        action=action,
        reason=reason,
        priority=PRIORITIES[kind],
        template_category=TemplateCategory.FOLLOW_UP,
        channel=channel,
        metadata={**metadata, "channel": None if channel is None else channel.value},
    )
