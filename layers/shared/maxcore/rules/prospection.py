"""What the scheduler does about one due prospection step: pure rules, no I/O.

The scheduler gathers the facts (the lead, the campaign, the blacklist, the tenant's mode, the
channel's availability) and :func:`decide_step` says what to do and why, in this order:
stop (the lead is gone, blacklisted, replied, declined, opted out by a reply, converted or lost; the
campaign is completed), hold (the campaign is paused), complete (no step left), pause (the lead is
away: out of office until a day still to come), defer (outside the send window, or an SMS or
WhatsApp step in the recipient's quiet days and hours), a task (manual step), skip (the channel
cannot reach the lead), then what the tenant's mode allows: a recommendation (advise), a draft
(assisted) or a send (auto).

What a reply does is read from the lead's summary, as :mod:`maxcore.rules.replies` wrote it when the
reply was recorded (:func:`reply_stop`, :func:`away`); the worker applies the same two rules as soon
as a reply comes in, the hourly run when a step comes due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from maxcore.models.intent import ReplyKind
from maxcore.models.lead import Lead, LeadStatus
from maxcore.models.prospection import (
    CampaignStatus,
    Decision,
    Enrollment,
    EnrollmentStatus,
    MessageSource,
    Outcome,
    ScenarioStep,
)
from maxcore.models.tenant import Mode
from maxcore.rules.channels import Refusal
from maxcore.rules.marketing import LEGAL_END, LEGAL_START, QUIET_CHANNELS, Recipient, quiet_time
from maxcore.rules.replies import REASON_CODES
from maxcore.rules.send_window import Window, day_bounds, describe, is_open, next_open
from maxcore.texts import counted, render, with_channel_label

RUNNING_STATUSES = frozenset(
    {EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.AWAITING_APPROVAL}
)
"""The statuses of an enrollment whose sequence may still write to the lead.

A paused one counts, whether an absence or a user paused it: it resumes into the sequence.
Completed, stopped and removed ones are over."""


def running_elsewhere(enrollments: list[Enrollment], campaign_id: str | None = None) -> Enrollment | None:
    """The lead's enrollment still running in a campaign other than ``campaign_id``, or ``None``.

    Parameters
    ----------
    enrollments
        The lead's enrollments in every campaign.
    campaign_id
        The campaign the lead is being enrolled in (its own enrollment there does not count);
        ``None`` counts every campaign.
    """
    running = [e for e in enrollments if e.status in RUNNING_STATUSES and e.campaign_id != campaign_id]
    return min(running, key=lambda e: e.enrolled_at, default=None)


@dataclass(frozen=True)
class StepFacts:
    """Everything the decision about one due step depends on."""

    now: datetime
    enrollment: Enrollment
    campaign_status: CampaignStatus
    step: ScenarioStep | None
    lead: Lead | None
    window: Window
    mode: Mode
    blacklisted: bool = False
    refusal: Refusal | None = None
    """Why the step's channel cannot reach the lead (consent, address, suppression), if it cannot."""
    recipient: Recipient | None = None
    """The lead's clock and calendar, which an SMS or WhatsApp step's quiet time is read on."""
    marketing_hours: tuple[time, time] = (LEGAL_START, LEGAL_END)
    """The tenant's hours for marketing texts on that clock (``marketing.allowed_hours``)."""
    writable: bool = True
    """Whether a language model or the step's template can write its message (else: a task)."""


@dataclass(frozen=True)
class Verdict:
    """What to do, the reason code, and the values its text needs."""

    outcome: Outcome
    code: str
    values: dict[str, str | int] = field(default_factory=dict)
    until: datetime | None = None

    @property
    def acts(self) -> bool:
        """Whether the verdict produces a message (sent, drafted or recommended)."""
        return self.outcome in (Outcome.SENT, Outcome.DRAFTED, Outcome.RECOMMENDED)


_ENDED_STATUSES = {LeadStatus.CONVERTED: "lead_converted", LeadStatus.LOST: "lead_lost"}


def replied_since_enrollment(lead: Lead, enrollment: Enrollment) -> bool:
    """Whether a person wrote to us after the lead was enrolled (absence notices and automatic
    answers do not move ``last_inbound_at``)."""
    last_in = lead.summary.last_inbound_at
    return last_in is not None and last_in > enrollment.enrolled_at


def reply_stop(lead: Lead, enrollment: Enrollment) -> Verdict | None:
    """How the lead's reply since its enrollment ends the sequence, or None without one.

    The latest message a person wrote says how: ``unsubscribed`` (an opt-out), ``declined`` or
    ``replied`` (a hot or a neutral answer, and any reply recorded before replies had a kind). An
    answer to a satisfaction survey or an appointment reminder ends nothing: it is no sales reply.
    """
    if not replied_since_enrollment(lead, enrollment):
        return None
    kind = lead.summary.last_reply_kind or ReplyKind.NEUTRAL
    if kind not in REASON_CODES:
        return None
    return Verdict(Outcome.STOPPED, REASON_CODES[kind])


def away(lead: Lead, window: Window, now: datetime) -> Verdict | None:
    """The pause of a lead out of office until a day still to come, or None.

    The sequence resumes by itself at the first opening of the send window on the day the lead is
    back (``out_of_office_until``, already moved to a working day when the reply was recorded).
    """
    back = lead.summary.out_of_office_until
    if back is None:
        return None
    resume = next_open(window, day_bounds(back.date(), window.timezone)[0])
    if resume <= now:
        return None
    return Verdict(Outcome.PAUSED, REASON_CODES[ReplyKind.OUT_OF_OFFICE], until=resume)


NO_MESSAGE = Verdict(Outcome.TASK_CREATED, "no_message")
"""Neither a language model nor a template can write the step: the user writes it, as a task."""


def unwritten(problem: str | None) -> Verdict:
    """The task for a step no message can be sent for: ``no_message`` when nothing wrote one, else
    ``message_<problem>`` with the problem the check of what may leave found in the last one written
    (:func:`maxcore.rules.templates.unsendable`)."""
    return NO_MESSAGE if problem is None else Verdict(Outcome.TASK_CREATED, f"message_{problem}")


def decide_step(facts: StepFacts) -> Verdict:
    """Decide what happens to a due step now.

    Parameters
    ----------
    facts
        The enrollment, its step (``None`` past the last one), the lead (``None`` once deleted), the
        campaign's status and window, the tenant's mode, the blacklist and the channel's refusal.

    Returns
    -------
    Verdict
        The outcome, its reason code and values; ``until`` when the step is deferred or paused.
    """
    step = facts.step
    if facts.lead is None:
        return Verdict(Outcome.STOPPED, "lead_deleted")
    if facts.campaign_status is CampaignStatus.COMPLETED:
        return Verdict(Outcome.STOPPED, "campaign_completed")
    if facts.blacklisted:
        return Verdict(Outcome.STOPPED, "blacklisted")
    stopped = reply_stop(facts.lead, facts.enrollment)
    if stopped is not None:
        return stopped
    if facts.lead.status in _ENDED_STATUSES:
        return Verdict(Outcome.STOPPED, _ENDED_STATUSES[facts.lead.status])
    if facts.campaign_status is CampaignStatus.PAUSED:
        return Verdict(Outcome.HELD, "campaign_paused")
    if step is None:
        return Verdict(Outcome.COMPLETED, "sequence_done")
    paused = away(facts.lead, facts.window, facts.now)
    if paused is not None:
        return paused
    if not is_open(facts.window, facts.now):
        until = next_open(facts.window, facts.now)
        return Verdict(Outcome.DEFERRED, "outside_window", until=until)
    quiet = _quiet(step, facts)
    if quiet is not None:
        return quiet
    if step.channel.is_manual:
        return Verdict(Outcome.TASK_CREATED, f"manual_{step.channel.value}")
    if facts.refusal is not None:
        return Verdict(Outcome.SKIPPED, facts.refusal.code, {"channel": step.channel.value})
    if not facts.writable:
        return NO_MESSAGE
    if facts.mode is Mode.ADVISE:
        return Verdict(Outcome.RECOMMENDED, "mode_advise")
    if facts.mode is Mode.ASSISTED:
        return Verdict(Outcome.DRAFTED, "mode_assisted")
    return Verdict(Outcome.SENT, "mode_auto")


def _quiet(step: ScenarioStep, facts: StepFacts) -> Verdict | None:
    """The deferral of a marketing SMS or WhatsApp step due in the recipient's quiet time, or None."""
    if step.channel.channel not in QUIET_CHANNELS or facts.recipient is None:
        return None
    quiet = quiet_time(facts.recipient, facts.now, facts.marketing_hours)
    if quiet is None:
        return None
    return Verdict(Outcome.DEFERRED, quiet.code, quiet.values, until=quiet.until)


def message_source(step: ScenarioStep, ai_available: bool, template_usable: bool) -> MessageSource | None:
    """The first source that can write this step: AI, then its template; ``None`` when neither can."""
    if step.ai_prompt and ai_available:
        return MessageSource.AI
    if template_usable:
        return MessageSource.TEMPLATE
    return None


def reason_text(
    verdict: Verdict, locale: str, timezone: str, step: ScenarioStep | None = None, *, resumed: bool = False
) -> str:
    """The verdict's reason in the tenant's language (the ``prospection.<code>`` catalogue text).

    ``resumed``: the step comes back after an out-of-office pause, which the reason says first.
    """
    values: dict[str, str | int] = dict(verdict.values)
    if isinstance(cap := values.get("cap"), int):
        values["cap"] = counted("count.messages", cap, locale)
    if verdict.until is not None:
        values["until"] = describe(verdict.until, timezone, locale)
    if step is not None:
        values.setdefault("step", step.order)
        values.setdefault("channel", step.channel.value)
    reason = render(f"prospection.{verdict.code}", locale, **with_channel_label(values, locale))
    return render("prospection.resumed_after_absence", locale, reason=reason) if resumed else reason


def to_decision(
    verdict: Verdict,
    *,
    locale: str,
    timezone: str,
    now: datetime,
    step: ScenarioStep | None,
    source: MessageSource | None = None,
    activity_id: str | None = None,
    approval_id: str | None = None,
    resumed: bool = False,
    variant: str | None = None,
) -> Decision:
    """The decision recorded for ``verdict`` (``resumed``: after an out-of-office pause; ``variant``:
    the A/B variant of the step written)."""
    return Decision(
        outcome=verdict.outcome,
        code=verdict.code,
        reason=reason_text(verdict, locale, timezone, step, resumed=resumed),
        step=None if step is None else step.order,
        channel=None if step is None else step.channel,
        source=source,
        variant=variant,
        until=verdict.until,
        activity_id=activity_id,
        approval_id=approval_id,
        at=now,
    )
