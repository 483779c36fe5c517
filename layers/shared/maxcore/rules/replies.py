"""What a lead's inbound message does, by what it says: the one rule every consumer follows (pure).

:func:`reply_effect` turns the reading of an inbound message (its intent, whether a machine sent
it, the return date of an absence notice, the scope of an opt-out) into a :class:`ReplyEffect`.
The activity service writes it on the lead (consent, summary), and the sequences, automations,
alerts, analytics and the schedule preview read what it wrote; none of them looks at the intent
again.

- an out-of-office notice pauses everything until the return date (the next working day of the
  tenant's country when the date is a weekend or a public holiday; 7 days after the message when
  no date is written). It is no reply: the conversation does not move;
- an opt-out withdraws consent on the channel it came on (on every channel when it says so) and
  ends the sequences as opted out; a person wrote it, but the reply rate does not count it;
- a decline ends the sequences as declined and suggests marking the lead lost;
- an interested answer, a meeting asked for or a question stops the sequences: the rep takes over
  and the hot-lead alert opens;
- any other message a person wrote ("c'est qui ?", "ok") stops the sequences too: somebody wrote
  back, a human should answer, not the next step of a sequence;
- a message a machine sent (an auto-acknowledgement, a delivery receipt) changes nothing and
  counts as no reply. It stays on the timeline, marked;
- a carrier keyword or a bot command is read by its mark, not by its word: STOP and ``/stop`` opt
  out as above; HELP, START, ``/start`` and other commands were answered by the provider or the
  bot and change nothing;
- an answer to a satisfaction survey or an appointment reminder that says nothing else ("4/5",
  "OUI", :mod:`maxcore.services.answers` marks it ``answer_to``) is a person's reply to that message:
  the conversation moves, but no sequence ends and no hot lead opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from maxcore.models.activity import Activity
from maxcore.models.common import Channel
from maxcore.models.intent import HOT_INTENTS, Intent, ReplyKind
from maxcore.models.lead import LeadStatus
from maxcore.rules.keywords import Keyword, is_instruction

if TYPE_CHECKING:
    from collections.abc import Mapping

    from maxcore.rules.intent import Classification

_MESSAGING = frozenset(channel.value for channel in Channel)
"""Activity channels that are messaging channels (a call or a note has none to revoke)."""

ABSENCE_WITHOUT_DATE = timedelta(days=7)
"""How long an out-of-office notice that names no return date pauses the sequences."""

REASON_CODES: dict[ReplyKind, str] = {
    ReplyKind.HOT: "replied",
    ReplyKind.NEUTRAL: "replied",
    ReplyKind.DECLINE: "declined",
    ReplyKind.OPT_OUT: "unsubscribed",
    ReplyKind.OUT_OF_OFFICE: "out_of_office",
}
"""The ``prospection.<code>`` reason of what each kind of reply does to a sequence."""

ENDING_CODES = frozenset(REASON_CODES[kind] for kind in (ReplyKind.HOT, ReplyKind.DECLINE, ReplyKind.OPT_OUT))
"""The reason codes of a sequence that a person's reply ended."""


@dataclass(frozen=True)
class ReplyEffect:
    """What one inbound message does.

    Attributes
    ----------
    kind
        The kind of message (:class:`~maxcore.models.intent.ReplyKind`).
    reason_code
        The ``prospection.<code>`` reason of what it does to a running sequence; None for a
        message that does nothing to it (an automatic one).
    resume_on
        For an out-of-office notice: the day the lead is back and the sequences resume.
    revoke_channels
        For an opt-out: the channels whose consent it withdraws.
    counts_as_reply
        A person wrote: the lead's last inbound time, its WhatsApp window and its reply counters
        move, the sequences stop.
    counts_as_human_reply
        Counted in the reply rate: a person answered and did not only ask to hear no more.
    positive
        A hot reply (interested, meeting asked for, question): the positive-reply rate counts it.
    suggested_status
        The lead status M.A.X. suggests (a decline suggests ``lost``); the status itself never moves.
    """

    kind: ReplyKind
    reason_code: str | None = None
    resume_on: date | None = None
    revoke_channels: tuple[Channel, ...] = ()
    counts_as_reply: bool = False
    counts_as_human_reply: bool = False
    positive: bool = False
    suggested_status: LeadStatus | None = None


def reply_effect(
    intent: Intent | None,
    *,
    automatic: bool,
    channel: Channel | None,
    received_at: datetime,
    country: str,
    return_date: date | None = None,
    every_channel: bool = False,
    answer: bool = False,
) -> ReplyEffect:
    """What an inbound message does, from its reading.

    Parameters
    ----------
    intent
        The intent read in the message; None when there is no text to read (an inbound call): a
        person reached out.
    automatic
        A machine sent it: the e-mail's headers said so (``metadata["automatic"]``) or its text is an
        auto-acknowledgement or a receipt (``Classification.automatic``).
    channel
        The messaging channel it came on; None for a call or a manual note.
    received_at
        When it came: an absence without a return date is counted from here.
    country
        The ISO country whose weekends and public holidays are not working days (the tenant's).
    return_date
        The return date written in an out-of-office notice, if any.
    every_channel
        The opt-out asks to stop on every channel.
    answer
        It only answers a satisfaction survey or an appointment reminder (``metadata["answer_to"]``).

    Returns
    -------
    ReplyEffect
        An out-of-office notice pauses, even when sent by a machine (they always are); any other
        automatic message does nothing.
    """
    if intent is Intent.OUT_OF_OFFICE:
        return ReplyEffect(
            ReplyKind.OUT_OF_OFFICE,
            REASON_CODES[ReplyKind.OUT_OF_OFFICE],
            resume_on=resume_date(return_date, received_at, country),
        )
    if automatic:
        return ReplyEffect(ReplyKind.AUTOMATIC)
    if intent is Intent.UNSUBSCRIBE:
        revoked = tuple(Channel) if every_channel else () if channel is None else (channel,)
        return _human(ReplyKind.OPT_OUT, revoke_channels=revoked, counts_as_human_reply=False)
    if answer:
        return ReplyEffect(ReplyKind.ANSWER, counts_as_reply=True, counts_as_human_reply=True)
    if intent is Intent.NOT_INTERESTED:
        return _human(ReplyKind.DECLINE, suggested_status=LeadStatus.LOST)
    if intent in HOT_INTENTS:
        return _human(ReplyKind.HOT, positive=True)
    return _human(ReplyKind.NEUTRAL)


def inbound_effect(activity: Activity, verdict: Classification | None, country: str) -> ReplyEffect:
    """What an inbound activity does, from the classifier's verdict on its text (None without text).

    A machine sent it when the activity says so (``metadata["automatic"]``, from the e-mail's
    headers) or when the classifier reads its text as an automatic answer. A carrier keyword or a
    bot command (the inbound service's marks, :func:`maxcore.rules.keywords.is_instruction`) is read
    by its mark: an opt-out keyword or ``/stop`` opts out, any other does nothing to the sequences.
    """
    channel = activity.channel.value
    if is_instruction(activity.metadata):
        # A keyword or a bot command is what it says, whatever a classifier reads in one word:
        # STOP and /stop opt out, HELP, START and /start are answered by the provider or the bot.
        opted_out = (
            activity.metadata.get("keyword") == Keyword.OPT_OUT or activity.metadata.get("command") == "stop"
        )
        if not opted_out:
            return ReplyEffect(ReplyKind.INSTRUCTION)
        verdict_intent: Intent | None = Intent.UNSUBSCRIBE
    else:
        verdict_intent = None if verdict is None else verdict.intent
    return reply_effect(
        verdict_intent,
        automatic=bool(activity.metadata.get("automatic")) or (verdict is not None and verdict.automatic),
        channel=Channel(channel) if channel in _MESSAGING else None,
        received_at=activity.occurred_at,
        country=country,
        return_date=None if verdict is None else verdict.return_date,
        every_channel=verdict is not None and verdict.every_channel,
        answer=bool(activity.metadata.get("answer_to")),
    )


def _human(
    kind: ReplyKind,
    *,
    revoke_channels: tuple[Channel, ...] = (),
    counts_as_human_reply: bool = True,
    positive: bool = False,
    suggested_status: LeadStatus | None = None,
) -> ReplyEffect:
    return ReplyEffect(
        kind,
        REASON_CODES[kind],
        revoke_channels=revoke_channels,
        counts_as_reply=True,
        counts_as_human_reply=counts_as_human_reply,
        positive=positive,
        suggested_status=suggested_status,
    )


def resume_date(return_date: date | None, received_at: datetime, country: str) -> date:
    """The working day an absent lead is back: the return date, or 7 days after the notice.

    Parameters
    ----------
    return_date
        The return date the notice names, if any.
    received_at
        When the notice came (its own day counts the 7 days).
    country
        The ISO country of the working days.

    Returns
    -------
    date
        The day itself when it is a working day, else the next one.
    """
    day = return_date if return_date is not None else received_at.date() + ABSENCE_WITHOUT_DATE
    return next_working_day(day, country)


def next_working_day(day: date, country: str) -> date:
    """``day`` when it is a working day of ``country``, else the first one after it.

    Weekends and the country's public holidays (the ``holidays`` package, imported here: it loads
    its calendars on first use) are not working days; a country it does not know has weekends only.
    """
    public = public_holidays(country, day.year)
    while day.weekday() >= 5 or day in public:
        day += timedelta(days=1)
    return day


def public_holidays(country: str, year: int) -> Mapping[date, str]:
    """The public holidays of ``country`` in ``year`` and the year after, by date, with their names.

    The ``holidays`` package is imported here: it loads its calendars on first use. A country it
    does not know has none.
    """
    import holidays

    try:
        return holidays.country_holidays(country, years=range(year, year + 2))
    except NotImplementedError:
        return holidays.HolidayBase()
