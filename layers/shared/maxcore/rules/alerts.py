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

Each alert type is one class below (its condition, why it does not hold, what it supersedes, its
texts), registered in :data:`_RULES`; :func:`evaluate` and :func:`reason_resolved` only combine them.

Each draft carries an ``episode``: the time of the event the condition started from (the lead's
creation, the unanswered message, the last contact, the hot message, the last activity) or the channel
for ``PreferredChannel``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import SEVERITY_RANK, AlertDraft, AlertType, Cta, Severity
from maxcore.models.intent import HOT_INTENTS
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.tenant import AlertThresholds
from maxcore.rules.preferred_channel import (
    PreferredChannel,
    is_reachable,
    latest_channel,
    percent,
    preferred_channel,
    suggested_channel,
)
from maxcore.texts import date_text, days_text, duration_text, render

CLOSED_STATUSES = frozenset({LeadStatus.CONVERTED, LeadStatus.LOST})
"""Statuses that end the follow-ups."""

INTENT_BURST = timedelta(minutes=10)
"""How far before the lead's last message its intent may have been read and still count: a lead often
sends two or three messages in a row ("Bonjour", "je voudrais un devis", "merci")."""

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


# --- texts shared with the recommendations -----------------------------------------------------


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


# --- one lead, one moment ------------------------------------------------------------------------


@dataclass
class _Hit:
    """An alert whose condition holds, before its texts are written."""

    type: AlertType
    episode: str
    metadata: dict[str, Any] = field(default_factory=dict)
    days: int = 0
    hours: float = 0.0
    channel: ActivityChannel | None = None


@dataclass(frozen=True)
class _Moment:
    """A lead seen at ``now`` with its tenant's thresholds: what every alert rule reads."""

    lead: Lead
    thresholds: AlertThresholds
    now: datetime
    timezone: str
    channel: ActivityChannel | None
    """The channel the alerts' buttons suggest writing on."""
    preferred: PreferredChannel | None
    """The channel the lead answers best on, over the thresholds' window."""
    locale: str
    """The language reasons are written in."""

    @classmethod
    def of(
        cls, lead: Lead, thresholds: AlertThresholds, now: datetime, timezone: str, locale: str
    ) -> _Moment:
        window, min_sent = thresholds.preferred_channel_window_days, thresholds.preferred_channel_min_sent
        return cls(
            lead,
            thresholds,
            now,
            timezone,
            locale=locale,
            channel=suggested_channel(lead, now, timezone, window, min_sent),
            preferred=preferred_channel(
                lead.summary, now, timezone, window, min_sent, thresholds.preferred_channel_min_gap_points
            ),
        )

    def days_since(self, at: datetime) -> int:
        """Whole days from ``at`` to now on the tenant's wall clock."""
        return local_days_between(at, self.now, self.timezone)

    def on(self, at: datetime) -> str:
        """The local date of ``at``, as reasons write it: 10/03/2026 in French, 2026-03-10 in English."""
        return date_text(_aware(at).astimezone(ZoneInfo(self.timezone)).date(), self.locale)

    def reason(self, key: str, **values: Any) -> str:
        """The reason ``alert.resolved.<key>`` in the tenant's language."""
        return render(f"alert.resolved.{key}", self.locale, **values)

    def on_day(self, key: str, at: datetime) -> str:
        """The reason ``key``, which happened on the local date of ``at``."""
        return self.reason(key, date=self.on(at))

    def under(self, at: datetime, threshold: int, what: str) -> str:
        """Why a day threshold counted from ``at`` is not reached (``what``: the event counted from)."""
        return self.reason(
            f"under.{what}",
            days=days_text(self.days_since(at), self.locale),
            threshold=days_text(threshold, self.locale),
        )


@dataclass(frozen=True)
class _Wording:
    """What an alert says: its message, the action it suggests and its buttons."""

    message: str
    action: str
    ctas: list[Cta]


# --- the alert types: each one's condition, why-not, supersessions and texts in one class -------


class _AlertRule(ABC):
    """One alert type. The subclasses are registered, in order, in :data:`_RULES`."""

    type: ClassVar[AlertType]
    severity: ClassVar[Severity]
    supersedes: ClassVar[tuple[AlertType, ...]] = ()
    """The alerts this one leaves out when both hold (with :meth:`superseding_reason`)."""
    for_closed_leads: ClassVar[bool] = False
    """Whether it still fires for a converted or lost lead."""
    waits_while_away: ClassVar[bool] = False
    """Whether a lead out of office is spared it until its return."""

    @abstractmethod
    def holds(self, at: _Moment) -> _Hit | None:
        """The alert if its condition holds for the lead, before statuses and supersessions."""

    @abstractmethod
    def why_not(self, at: _Moment, episode: str | None) -> str:
        """Why the condition does not hold (for an alert ``episode`` that was open)."""

    @abstractmethod
    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        """The alert's texts and buttons in ``locale``."""

    def superseding_reason(self, hit: _Hit, at: _Moment) -> str:
        """Why the alerts of :attr:`supersedes` are left out while this one holds."""
        raise NotImplementedError(f"{self.type.value} supersedes nothing")


def _resolve_cta(lead: Lead, locale: str) -> Cta:
    return Cta(
        label=render("alert.cta.resolveAlert", locale), action="resolveAlert", params={"leadId": lead.id}
    )


def _open_ctas(channel: ActivityChannel | None, lead: Lead, locale: str) -> list[Cta]:
    return [channel_cta("write", channel, lead, locale)] if channel is not None else []


def _writing_ctas(channel: ActivityChannel | None, lead: Lead, locale: str) -> list[Cta]:
    """Write on the channel (when there is one), let M.A.X. draft it, or resolve the alert."""
    return [*_open_ctas(channel, lead, locale), draft_cta(lead, channel, locale), _resolve_cta(lead, locale)]


def _via(channel: ActivityChannel | None, locale: str) -> str:
    return via_text(channel, locale) if channel is not None else ""


def _with_channel(channel: ActivityChannel | None) -> str:
    """The suffix of a text key that has a variant naming the channel."""
    return "_channel" if channel is not None else ""


def _follow_up_wording(hit: _Hit, lead: Lead, locale: str) -> _Wording:
    """The texts of a nudge to write (never contacted, no follow-up): "Relancez X par WhatsApp"."""
    key, channel, via = f"alert.{hit.type.value}", hit.channel, _via(hit.channel, locale)
    days = days_text(hit.days, locale)
    return _Wording(
        message=render(
            f"{key}.message{_with_channel(channel)}", locale, name=lead.display_name, days=days, via=via
        ),
        action=render(f"{key}.action{_with_channel(channel)}", locale, via=via),
        ctas=_writing_ctas(channel, lead, locale),
    )


def _days_hit(
    at: _Moment, alert_type: AlertType, since: datetime, threshold: int, what: str, **extra: Any
) -> _Hit | None:
    """The alert of a "``threshold`` days since ``since``" condition, or None before then.

    Its episode is ``since``; its metadata says ``days_since_<what>``, the threshold, ``<what>_at``
    and ``extra``.
    """
    days = at.days_since(since)
    if days < threshold:
        return None
    return _Hit(
        alert_type,
        episode=iso(since),
        days=days,
        channel=at.channel,
        metadata={f"days_since_{what}": days, "threshold_days": threshold, f"{what}_at": iso(since), **extra},
    )


class _NoContact(_AlertRule):
    """Nothing was ever sent to the lead, created ``no_contact_days`` ago."""

    type = AlertType.NO_CONTACT_7D
    severity = Severity.MEDIUM
    supersedes = (AlertType.STALE_LEAD_30D, AlertType.NO_FOLLOWUP_7D)

    def holds(self, at: _Moment) -> _Hit | None:
        if at.lead.summary.last_outbound_at is not None:
            return None
        return _days_hit(
            at,
            self.type,
            at.lead.created_at,
            at.thresholds.no_contact_days,
            "created",
            channel=_value(at.channel),
        )

    def why_not(self, at: _Moment, episode: str | None) -> str:
        sent_at = at.lead.summary.last_outbound_at
        if sent_at is not None:
            return at.on_day("message_sent", sent_at)
        return at.under(at.lead.created_at, at.thresholds.no_contact_days, "created")

    def superseding_reason(self, hit: _Hit, at: _Moment) -> str:
        return at.reason("superseded.NoContact7d")

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        return _follow_up_wording(hit, lead, locale)


class _NoReply(_AlertRule):
    """The last message sent is ``no_reply_days`` old and nothing came in since."""

    type = AlertType.NO_REPLY_3D
    severity = Severity.MEDIUM
    supersedes = (AlertType.NO_FOLLOWUP_7D,)
    waits_while_away = True

    def holds(self, at: _Moment) -> _Hit | None:
        summary = at.lead.summary
        sent_at = summary.last_outbound_at
        if sent_at is None or has_replied(at.lead):
            return None
        return _days_hit(
            at,
            self.type,
            sent_at,
            at.thresholds.no_reply_days,
            "last_outbound",
            last_outbound_channel=_value(latest_channel(summary.last_outbound_by_channel)),
            channel=_value(at.channel),
        )

    def why_not(self, at: _Moment, episode: str | None) -> str:
        summary = at.lead.summary
        sent_at = summary.last_outbound_at
        if sent_at is None:
            return at.reason("nothing_sent")
        if has_replied(at.lead) and summary.last_inbound_at is not None:
            return at.on_day("lead_replied", summary.last_inbound_at)
        if episode is not None and episode != iso(sent_at):
            return at.on_day("new_message_sent", sent_at)
        return at.under(sent_at, at.thresholds.no_reply_days, "last_message")

    def superseding_reason(self, hit: _Hit, at: _Moment) -> str:
        return at.reason("superseded.NoReply3d")

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        key, channel, via = f"alert.{hit.type.value}", hit.channel, _via(hit.channel, locale)
        # Suggesting the channel of the unanswered message, or another one.
        variant = ""
        if channel is not None:
            variant = "_channel" if channel.value == hit.metadata["last_outbound_channel"] else "_switch"
        channel_name = _channel_name(channel, locale) if channel is not None else ""
        message = render(
            f"{key}.message{variant}",
            locale,
            name=lead.display_name,
            days=days_text(hit.days, locale),
            via=via,
            channel=channel_name,
        )
        return _Wording(
            message=message,
            action=render(f"{key}.action{_with_channel(channel)}", locale, via=via),
            ctas=_writing_ctas(channel, lead, locale),
        )


class _NoFollowUp(_AlertRule):
    """The last contact, in or out, is ``no_followup_days`` old."""

    type = AlertType.NO_FOLLOWUP_7D
    severity = Severity.MEDIUM
    waits_while_away = True

    def holds(self, at: _Moment) -> _Hit | None:
        contact_at = at.lead.summary.last_contact_at
        if contact_at is None:
            return None
        return _days_hit(
            at,
            self.type,
            contact_at,
            at.thresholds.no_followup_days,
            "last_contact",
            channel=_value(at.channel),
        )

    def why_not(self, at: _Moment, episode: str | None) -> str:
        contact_at = at.lead.summary.last_contact_at
        if contact_at is None:
            return at.reason("no_contact")
        if episode is not None and episode != iso(contact_at):
            return at.on_day("contact_took_place", contact_at)
        return at.under(contact_at, at.thresholds.no_followup_days, "last_contact")

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        return _follow_up_wording(hit, lead, locale)


class _HotLead(_AlertRule):
    """The lead's last message, less than ``hot_lead_hours`` old, shows a hot intent and waits for us."""

    type = AlertType.HOT_LEAD_24H
    severity = Severity.URGENT
    for_closed_leads = True

    def holds(self, at: _Moment) -> _Hit | None:
        lead, summary = at.lead, at.lead.summary
        inbound_at, intent, intent_at = summary.last_inbound_at, summary.last_intent, summary.last_intent_at
        if inbound_at is None or intent is None or intent_at is None or intent not in HOT_INTENTS:
            return None
        outbound_at = summary.last_outbound_at
        if outbound_at is not None and (inbound_at <= outbound_at or intent_at <= outbound_at):
            return None  # answered already
        if abs(elapsed_hours(intent_at, inbound_at)) > INTENT_BURST.total_seconds() / 3600:
            return None  # the intent belongs to an older message, not to the last burst
        hours = elapsed_hours(inbound_at, at.now)
        if hours >= at.thresholds.hot_lead_hours:
            return None
        inbound_channel = latest_channel(summary.last_inbound_by_channel)
        reply_on = inbound_channel if inbound_channel and is_reachable(lead, inbound_channel) else at.channel
        return _Hit(
            self.type,
            episode=iso(inbound_at),
            hours=hours,
            channel=reply_on,
            metadata={
                "hours_since_last_inbound": round(max(hours, 0.0), 2),
                "threshold_hours": at.thresholds.hot_lead_hours,
                "last_inbound_at": iso(inbound_at),
                "last_inbound_channel": _value(inbound_channel),
                "intent": intent,
                "intent_at": iso(intent_at),
                "channel": _value(reply_on),
            },
        )

    def why_not(self, at: _Moment, episode: str | None) -> str:
        summary, hours = at.lead.summary, at.thresholds.hot_lead_hours
        inbound_at = summary.last_inbound_at
        if inbound_at is None:
            return at.reason("nothing_received")
        if summary.last_outbound_at is not None and summary.last_outbound_at >= inbound_at:
            return at.on_day("reply_sent", summary.last_outbound_at)
        if elapsed_hours(inbound_at, at.now) >= hours:
            return at.reason("hot_message_old", hours=duration_text(hours, at.locale))
        return at.reason("no_hot_intent")

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        key, channel, via = f"alert.{hit.type.value}", hit.channel, _via(hit.channel, locale)
        message = render(
            f"{key}.message{_with_channel(channel)}",
            locale,
            name=lead.display_name,
            ago=duration_text(hit.hours, locale),
            intent=render(f"intent.{hit.metadata['intent']}", locale),
            via=via,
        )
        reply = [channel_cta("reply", channel, lead, locale)] if channel is not None else []
        return _Wording(
            message=message,
            action=render(f"{key}.action{_with_channel(channel)}", locale, via=via),
            ctas=[*reply, draft_cta(lead, channel, locale), _resolve_cta(lead, locale)],
        )


class _StaleLead(_AlertRule):
    """Nothing happened for ``stale_lead_days`` (since the lead's creation if it was never contacted)."""

    type = AlertType.STALE_LEAD_30D
    severity = Severity.LOW
    supersedes = (AlertType.NO_REPLY_3D, AlertType.NO_FOLLOWUP_7D)
    waits_while_away = True

    @staticmethod
    def _last_activity(lead: Lead) -> datetime:
        return lead.summary.last_contact_at or lead.created_at

    def holds(self, at: _Moment) -> _Hit | None:
        return _days_hit(
            at,
            self.type,
            self._last_activity(at.lead),
            at.thresholds.stale_lead_days,
            "last_activity",
            never_contacted=at.lead.summary.last_contact_at is None,
        )

    def why_not(self, at: _Moment, episode: str | None) -> str:
        last = self._last_activity(at.lead)
        if episode is not None and episode != iso(last):
            return at.on_day("activity_resumed", last)
        return at.under(last, at.thresholds.stale_lead_days, "last_activity")

    def superseding_reason(self, hit: _Hit, at: _Moment) -> str:
        return at.reason("superseded.StaleLead30d", days=days_text(hit.days, at.locale))

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        key = f"alert.{hit.type.value}"
        archive = Cta(
            label=render("alert.cta.archiveLead", locale), action="archiveLead", params={"leadId": lead.id}
        )
        return _Wording(
            message=render(
                f"{key}.message", locale, name=lead.display_name, days=days_text(hit.days, locale)
            ),
            action=render(f"{key}.action", locale),
            ctas=[draft_cta(lead, hit.channel, locale), archive, _resolve_cta(lead, locale)],
        )


class _PreferredChannel(_AlertRule):
    """One channel's reply rate beats the runner-up's by more than the gap."""

    type = AlertType.PREFERRED_CHANNEL
    severity = Severity.INFO

    def holds(self, at: _Moment) -> _Hit | None:
        preferred, thresholds = at.preferred, at.thresholds
        if preferred is None or not preferred.stands_out or preferred.runner_up is None:
            return None
        return _Hit(
            self.type,
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

    def why_not(self, at: _Moment, episode: str | None) -> str:
        preferred = at.preferred
        if preferred is None:
            return at.reason("no_channel_enough")
        channel = _channel_name(preferred.channel, at.locale)
        if preferred.runner_up is None:
            return at.reason("only_channel", channel=channel)
        return at.reason(
            "channel_not_standing_out",
            channel=channel,
            rate=percent(preferred.rate),
            runner_up=_channel_name(preferred.runner_up, at.locale),
            runner_up_rate=percent(preferred.runner_up_rate or 0.0),
        )

    def wording(self, hit: _Hit, lead: Lead, locale: str) -> _Wording:
        key, channel = f"alert.{hit.type.value}", hit.channel
        assert channel is not None  # the preferred channel is the hit's channel
        message = render(
            f"{key}.message",
            locale,
            name=lead.display_name,
            via=via_text(channel, locale),
            rate=hit.metadata["rate"],
            runner_up_rate=hit.metadata["runner_up_rate"],
            runner_up_via=via_text(ActivityChannel(hit.metadata["runner_up"]), locale),
        )
        opener = _open_ctas(channel, lead, locale) if is_reachable(lead, channel) else []
        return _Wording(
            message=message,
            action=render(f"{key}.action", locale, channel=_channel_name(channel, locale)),
            ctas=[*opener, _resolve_cta(lead, locale)],
        )


_RULES: tuple[_AlertRule, ...] = (
    _HotLead(),
    _NoContact(),
    _StaleLead(),
    _NoReply(),
    _NoFollowUp(),
    _PreferredChannel(),
)
"""Every alert type's rule. The order is the supersessions' order: when a lead's alert is left out
for more than one reason, the reason of the rule listed first is the one given (a never-contacted
lead's NoFollowup7d is superseded by NoContact7d before StaleLead30d)."""

_RULE_OF: dict[AlertType, _AlertRule] = {rule.type: rule for rule in _RULES}
_ENDED_BY_CLOSING = tuple(rule.type for rule in _RULES if not rule.for_closed_leads)
_WAITING_WHILE_AWAY = tuple(rule.type for rule in _RULES if rule.waits_while_away)
_SUPERSEDING = tuple(rule for rule in _RULES if rule.supersedes)

SEVERITIES: dict[AlertType, Severity] = {
    alert_type: _RULE_OF[alert_type].severity
    for alert_type in (
        AlertType.HOT_LEAD_24H,
        AlertType.NO_CONTACT_7D,
        AlertType.NO_REPLY_3D,
        AlertType.NO_FOLLOWUP_7D,
        AlertType.STALE_LEAD_30D,
        AlertType.PREFERRED_CHANNEL,
    )
}
"""The severity of each alert, as the product document sets it, in the order drafts of the same
severity are listed."""

_TYPE_ORDER = tuple(SEVERITIES)

EVENT_SEVERITIES: dict[AlertType, Severity] = {AlertType.APPOINTMENT_CANCELLED: Severity.HIGH}
"""Alerts an event opens rather than a rule over the lead's summary: the lead keeps no pointer to
them, so the sweep never closes them; they stay open until a user resolves them."""

SEVERITIES.update(EVENT_SEVERITIES)


# --- entry points --------------------------------------------------------------------------------


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
    kept, _ = _assess(_Moment.of(lead, thresholds, now, timezone, locale))
    drafts = [_draft(hit, lead, locale) for hit in kept.values()]
    return sorted(drafts, key=lambda d: (SEVERITY_RANK[d.severity], _TYPE_ORDER.index(d.type)))


def appointment_cancelled(
    lead: Lead, appointment_id: str, when: str, channel: ActivityChannel | None, locale: str
) -> AlertDraft:
    """The alert a lead's cancellation of an appointment opens for the rep.

    Parameters
    ----------
    lead
        The lead who cancelled.
    appointment_id
        The appointment cancelled: the alert's episode (one alert per appointment).
    when
        The appointment's local date and time, as the tenant reads it.
    channel
        The channel the lead answered on: the buttons offer to write back on it.
    locale
        ``fr`` or ``en`` (French otherwise).

    Returns
    -------
    AlertDraft
        ``AppointmentCancelled``, high: write back, let M.A.X. draft a new time, or resolve.
    """
    alert_type = AlertType.APPOINTMENT_CANCELLED
    return AlertDraft(
        type=alert_type,
        severity=EVENT_SEVERITIES[alert_type],
        message=render(f"alert.{alert_type.value}.message", locale, name=lead.display_name, when=when),
        suggested_action=render(f"alert.{alert_type.value}.action", locale),
        ctas=_writing_ctas(channel, lead, locale),
        metadata={"appointment_id": appointment_id, "appointment_at": when},
        episode=appointment_id,
    )


def reason_resolved(
    alert_type: AlertType,
    lead: Lead,
    now: datetime,
    thresholds: AlertThresholds,
    timezone: str,
    episode: str | None = None,
    *,
    locale: str,
) -> str:
    """Why an open alert no longer holds, in the tenant's language, as the API shows it.

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
    locale
        ``fr`` or ``en`` (French otherwise).

    Returns
    -------
    str
        For instance ``"le lead a répondu le 2026-03-11"``; "l'alerte tient toujours" when it does
        (same episode), which the caller is not expected to ask.
    """
    moment = _Moment.of(lead, thresholds, now, timezone, locale)
    if alert_type in EVENT_SEVERITIES:
        return moment.reason("event")
    kept, dropped = _assess(moment)
    if alert_type in dropped:
        return dropped[alert_type]
    if alert_type in kept:
        if episode is None or kept[alert_type].episode == episode:
            return moment.reason("still_holds")
        return moment.reason("replaced", episode=kept[alert_type].episode)
    return _RULE_OF[alert_type].why_not(moment, episode)


def _assess(at: _Moment) -> tuple[dict[AlertType, _Hit], dict[AlertType, str]]:
    """The alerts kept, and those whose condition holds but that are left out, with the reason."""
    hits = {rule.type: hit for rule in _RULES if (hit := rule.holds(at)) is not None}
    dropped: dict[AlertType, str] = {}

    def drop(alert_type: AlertType, reason: str) -> None:
        if alert_type in hits:
            dropped.setdefault(alert_type, reason)

    lead = at.lead
    if is_closed(lead):
        for alert_type in _ENDED_BY_CLOSING:
            drop(alert_type, at.reason(f"closed.{lead.status.value}"))
    if is_out_of_office(lead, at.now):
        away = at.on_day("out_of_office", lead.summary.out_of_office_until or at.now)
        for alert_type in _WAITING_WHILE_AWAY:
            drop(alert_type, away)
    for rule in _SUPERSEDING:
        hit = hits.get(rule.type)
        if hit is not None:
            for superseded in rule.supersedes:
                drop(superseded, rule.superseding_reason(hit, at))
    kept = {t: hit for t, hit in hits.items() if t not in dropped}
    return kept, dropped


def _draft(hit: _Hit, lead: Lead, locale: str) -> AlertDraft:
    rule = _RULE_OF[hit.type]
    wording = rule.wording(hit, lead, locale)
    return AlertDraft(
        type=hit.type,
        severity=rule.severity,
        message=wording.message,
        suggested_action=wording.action,
        ctas=wording.ctas,
        metadata=hit.metadata,
        episode=hit.episode,
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _channel_name(channel: ActivityChannel, locale: str) -> str:
    return render(f"channel.{channel.value}.name", locale)


def _value(channel: ActivityChannel | None) -> str | None:
    return None if channel is None else channel.value
