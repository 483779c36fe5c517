"""Whether an automation acts on a lead now: its stop conditions, then its trigger (pure).

Read from the lead's summary (:class:`~maxcore.models.lead.LeadSummary`) only, like the alerts: a sweep
evaluates a tenant's automations over lead items, with no activity query. ``now`` is a parameter.

Order: the stop conditions the automation lists are checked first, in a fixed order whatever the order
of the list (``status_converted``, ``opted_out``, ``replied``), and the first that holds is the answer;
an unlisted condition never stops. Then the trigger:

- ``silence(days)``: our last message is at least ``days`` × 24 hours old and nothing came in after it;
- ``opened_no_reply(hours)``: the lead opened a message at least ``hours`` ago, nothing came in after;
- ``not_opened(hours)``: a message was delivered at least ``hours`` ago, not opened since (an open at
  the delivery time counts as opened), nothing came in after;
- ``never_contacted(days)``: nothing ever went out or came in, and the lead is ``days`` × 24 hours old;
- ``inbound_intent(intents)``: the lead's last detected intent is one of ``intents`` and we have not
  written since.

Thresholds are reached at their value, in real elapsed time. A :class:`Fire` carries an ``episode``:
the occurrence of the condition (the time of the message it started from), so the caller acts once per
occurrence and again only when a new message starts a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maxcore.models.automation import (
    Automation,
    InboundIntentConfig,
    NeverContactedConfig,
    NotOpenedConfig,
    OpenedNoReplyConfig,
    SilenceConfig,
    StopCondition,
    TriggerType,
)
from maxcore.models.common import Channel
from maxcore.models.lead import Lead, LeadStatus, LeadSummary
from maxcore.models.prospection import Outcome
from maxcore.rules.alerts import is_out_of_office, iso
from maxcore.texts import days_text, duration_text, render, with_channel_label

STOP_ORDER: tuple[StopCondition, ...] = (
    StopCondition.STATUS_CONVERTED,
    StopCondition.OPTED_OUT,
    StopCondition.REPLIED,
)
"""The order stop conditions are checked in: the most final first."""

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Fire:
    """The automation should act on this lead now."""

    episode: str
    """The occurrence of the condition (``silence:<time of our last message>``...): act once per value."""
    code: str
    """The trigger type value, e.g. ``silence``."""
    values: dict[str, str | int]
    """What the reason text needs: ``days`` or ``hours`` elapsed, or the ``intent``."""


@dataclass(frozen=True)
class Stop:
    """A stop condition of the automation holds for this lead."""

    code: str
    """``status_converted``, ``opted_out`` or ``replied``."""


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)


def _elapsed(since: datetime, now: datetime) -> timedelta:
    # Both in UTC: Python subtracts two datetimes of the same tzinfo on the wall clock.
    return _utc(now) - _utc(since)


def _after(later: datetime | None, earlier: datetime) -> bool:
    """Whether ``later`` is set and strictly after ``earlier``."""
    return later is not None and _utc(later) > _utc(earlier)


def _has_replied(summary: LeadSummary) -> bool:
    inbound, outbound = summary.last_inbound_at, summary.last_outbound_at
    return inbound is not None and (outbound is None or _after(inbound, outbound))


def stop(automation: Automation, lead: Lead, channel: Channel) -> Stop | None:
    """The first stop condition listed by ``automation`` that holds for ``lead``, or None.

    Parameters
    ----------
    automation
        The automation; only its ``stop_conditions`` are checked.
    lead
        The lead, with its status, consent and summary.
    channel
        The channel the automation would send on (its template's): the opt-out is per channel.

    Returns
    -------
    Stop | None
        ``status_converted`` when the lead is converted, ``opted_out`` when it withdrew its consent on
        ``channel``, ``replied`` when a message came in after our last one (or with none sent).
    """
    listed = set(automation.stop_conditions)
    for condition in STOP_ORDER:
        if condition not in listed:
            continue
        if condition is StopCondition.STATUS_CONVERTED and lead.status is LeadStatus.CONVERTED:
            return Stop(condition.value)
        if condition is StopCondition.OPTED_OUT:
            consent = lead.consent.get(channel)
            if consent is not None and not consent.granted:
                return Stop(condition.value)
        if condition is StopCondition.REPLIED and _has_replied(lead.summary):
            return Stop(condition.value)
    return None


def evaluate(automation: Automation, lead: Lead, channel: Channel, now: datetime) -> Fire | Stop | None:
    """Whether ``automation`` acts on ``lead`` now.

    Parameters
    ----------
    automation
        The automation: its trigger type and configuration (missing keys take the trigger's
        defaults) and its stop conditions.
    lead
        The lead, with its status, consent and summary.
    channel
        The channel the automation would send on, for the ``opted_out`` stop condition.
    now
        The current time (naive values are read as UTC, as every time here).

    Returns
    -------
    Fire | Stop | None
        A :class:`Stop` when a listed stop condition holds, else None while the lead is out of
        office, else a :class:`Fire` when the trigger's condition holds now, else None.

    Raises
    ------
    ValueError
        When the trigger's configuration is not valid for its type (a ``ValidationError``).
    """
    stopped = stop(automation, lead, channel)
    if stopped is not None:
        return stopped
    if is_out_of_office(lead, now):
        return None  # the lead said it is away: every trigger waits for the day it is back
    summary = lead.summary
    trigger = automation.trigger_type
    config = automation.trigger_config
    code = trigger.value

    if trigger is TriggerType.SILENCE:
        days = SilenceConfig.model_validate(config).days
        sent = summary.last_outbound_at
        if sent is None or _after(summary.last_inbound_at, sent):
            return None
        elapsed = _elapsed(sent, now)
        if elapsed < days * _DAY:
            return None
        return Fire(f"silence:{iso(sent)}", code, {"days": elapsed // _DAY})

    if trigger is TriggerType.OPENED_NO_REPLY:
        hours = OpenedNoReplyConfig.model_validate(config).hours
        opened = summary.last_opened_at
        if opened is None or _after(summary.last_inbound_at, opened):
            return None
        elapsed = _elapsed(opened, now)
        if elapsed < hours * _HOUR:
            return None
        return Fire(f"opened:{iso(opened)}", code, {"hours": elapsed // _HOUR})

    if trigger is TriggerType.NOT_OPENED:
        hours = NotOpenedConfig.model_validate(config).hours
        delivered = summary.last_delivered_at
        if (
            delivered is None
            or (summary.last_opened_at is not None and not _after(delivered, summary.last_opened_at))
            or _after(summary.last_inbound_at, delivered)
        ):
            return None
        elapsed = _elapsed(delivered, now)
        if elapsed < hours * _HOUR:
            return None
        return Fire(f"delivered:{iso(delivered)}", code, {"hours": elapsed // _HOUR})

    if trigger is TriggerType.NEVER_CONTACTED:
        days = NeverContactedConfig.model_validate(config).days
        if (
            summary.last_contact_at is not None
            or summary.last_outbound_at is not None
            or summary.last_inbound_at is not None
        ):
            return None
        elapsed = _elapsed(lead.created_at, now)
        if elapsed < days * _DAY:
            return None
        return Fire("never", code, {"days": elapsed // _DAY})

    if trigger is TriggerType.INBOUND_INTENT:
        intents = {intent.value for intent in InboundIntentConfig.model_validate(config).intents}
        intent, read_at = summary.last_intent, summary.last_intent_at
        if intent is None or intent not in intents or read_at is None:
            return None
        # Answered already when we wrote at or after the reply it was read in.
        if summary.last_outbound_at is not None and not _after(read_at, summary.last_outbound_at):
            return None
        return Fire(f"intent:{iso(read_at)}", code, {"intent": intent})
    return None


# --- the reason shown for what an automation did ----------------------------------------------------
_OUTCOME_TEXT = {
    Outcome.SENT: "automation.outcome.sent",
    Outcome.DRAFTED: "automation.outcome.drafted",
    Outcome.RECOMMENDED: "automation.outcome.recommended",
    Outcome.SKIPPED: "automation.outcome.skipped",
    Outcome.FAILED: "automation.outcome.skipped",
    Outcome.UNCONFIRMED: "automation.outcome.unconfirmed",
    Outcome.DEFERRED: "automation.outcome.deferred",
}
"""The outcomes an automation's occurrence can end in, and the text each one reads as."""


LEFT_OPEN_OUTCOMES = frozenset({Outcome.SENT, Outcome.UNCONFIRMED, Outcome.SKIPPED})
"""How an occurrence left open can end once its trigger no longer holds."""


def left_open_text(name: str, outcome: Outcome, locale: str) -> str:
    """Why an occurrence left open by a dead worker or a deferral was closed without its trigger.

    ``sent``: the interrupted send is found on the lead's timeline; ``unconfirmed``: a send had
    started and nothing says whether it left; ``skipped``: nothing had started.
    """
    if outcome not in LEFT_OPEN_OUTCOMES:
        raise ValueError(f"an occurrence left open does not end in {outcome.value}")
    return render(f"automation.left_open.{outcome.value}", locale, name=name)


def _worded(values: Mapping[str, str | int], locale: str) -> dict[str, str | int]:
    """A trigger's values as words: its elapsed ``days`` or ``hours`` (plural agreed), its ``intent``."""
    worded = dict(values)
    if isinstance(intent := values.get("intent"), str):
        worded["intent"] = render(f"intent.{intent}", locale)
    if isinstance(days := values.get("days"), int):
        worded["days"] = days_text(days, locale)
    if isinstance(hours := values.get("hours"), int):
        worded["hours"] = duration_text(hours, locale)
    return worded


def reason_text(
    name: str,
    fire: Fire,
    outcome: Outcome,
    locale: str,
    *,
    detail_code: str | None = None,
    values: Mapping[str, str | int] | None = None,
    until: str | None = None,
) -> str:
    """Why an automation did what it did to a lead, in the tenant's language.

    Parameters
    ----------
    name
        The automation's name, quoted in the text.
    fire
        What triggered it (the ``automation.<trigger>`` text and its values).
    outcome
        What was done: sent, drafted, recommended, skipped, failed, unconfirmed or deferred.
    locale
        ``fr`` or ``en``.
    detail_code
        For skipped, failed and deferred: why (``automation.detail.<code>``: ``opted_out``,
        ``daily_cap``...).
    values
        The values the detail text needs (``channel``, ``missing``).
    until
        For deferred: when it is tried again, already written for the reader.
    """
    if outcome not in _OUTCOME_TEXT:
        raise ValueError(f"an automation does not end in {outcome.value}")
    trigger = render(f"automation.{fire.code}", locale, name=name, **_worded(fire.values, locale))
    detail = (
        ""
        if detail_code is None
        else render(f"automation.detail.{detail_code}", locale, **with_channel_label(values or {}, locale))
    )
    return render(_OUTCOME_TEXT[outcome], locale, trigger=trigger, detail=detail, until=until or "")
