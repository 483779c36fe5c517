"""The one exactly-once send protocol: every sender that acts on claimed work sends through it.

A sender (a sequence step, an automation occurrence; later a scheduled send, a bulk send, an A/B
variant, a suggested reply) describes one send as a :class:`SendJob`: its key, who sends, the lead
and channel, the metadata that names the send on the lead's timeline, the send window a deferral
reopens in, and how it notes and settles on its own items. :class:`ExactlyOnce` runs the job:

1. **claim**: the sender takes the work with a conditional write and a lease (:data:`LEASE`, one
   :class:`Claim`) before anything is written or sent; a second worker, or a second run, loses;
2. **note**: the job notes, on the claimed item and before any provider call, that its send started
   (:meth:`SendJob.note_sending`; the sequencer notes it in the claim's own write);
3. **deliver**: (its automatic follow-up's tokens reserved first under the job's key when the sender
   charges one, :mod:`maxcore.services.followup_charge`, and settled on the outcome; a balance that
   does not cover them defers the send with ``insufficient_tokens``)
   :meth:`~maxcore.services.messaging.MessagingService.deliver` under the job's key,
   which the provider gets as its idempotency key where it takes one;
4. **outcome**: the provider's answer, or the error it raised, becomes a :class:`SendResult`: sent,
   unconfirmed (the answer never came, or an earlier try under the key had already left), deferred
   (a daily cap, the provider down) or refused (failed, skipped);
5. **settle**: the job writes its decision conditional on its claim (:meth:`SendJob.settle`): a worker
   whose lease was taken over writes nothing;
6. **resume**: a job claimed again with its send noted (its worker died) is settled on the message
   the lead's timeline holds, sent again word for word where the provider deduplicates on the key
   (:data:`IDEMPOTENT_PROVIDERS`), or settled ``unconfirmed``; never sent a second time otherwise.

What it guarantees, for any job whose claim and settle are conditional writes: at most one message
per key reaches a provider that takes no key (Twilio), exactly one through one that does (Resend),
and the work ends settled once, with a decision, whatever worker dies where.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from maxcore.dal.activities import ActivityRepository
from maxcore.errors import (
    ChannelUnavailableError,
    InsufficientTokensError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    SenderLimitError,
    UnsafeHtmlError,
    UpstreamError,
)
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityResponse, ActivityStatus
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.message import SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.observability import logger
from maxcore.rules.email_threads import Thread
from maxcore.rules.send_window import Window, day_bounds, local_day, next_open
from maxcore.rules.unsubscribe import MarketingEmail
from maxcore.services.followup_charge import FollowUpCharge
from maxcore.services.messaging import MessagingService

LEASE = timedelta(minutes=15)
"""How long a worker holds a claim; the worker's timeout is well under it."""
RETRY_AFTER_UPSTREAM = timedelta(hours=1)
"""When a send the provider could not take is tried again (then at the next open window)."""
RECENT_ACTIVITIES = 20
"""The lead's latest activities searched for the message of an interrupted send."""
IDEMPOTENT_PROVIDERS = frozenset({"resend"})
"""Providers that deduplicate on our idempotency key: an interrupted send may be sent again safely."""

UNANSWERED = "send_unanswered"
"""The provider's answer never came: the message may be on its way, it is not sent again."""
INTERRUPTED = "send_interrupted"
"""A worker died mid-send (or an earlier try under the key left): not sent again."""


@dataclass
class OutcomeTally:
    """The outcomes a run of claimed work reached, by value, and the races it lost."""

    outcomes: dict[str, int] = field(default_factory=dict)
    lost_races: int = 0

    def count(self, outcome: Outcome | None) -> None:
        """Count one outcome (``None``: another worker, or a user, had it first)."""
        if outcome is None:
            self.lost_races += 1
        else:
            self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1


@dataclass(frozen=True)
class Claim:
    """One worker's hold on a piece of work: its token and the end of its lease."""

    token: str
    lease_until: datetime

    @classmethod
    def new(cls, now: datetime) -> Claim:
        """A fresh claim taken at ``now``."""
        return cls(new_id(), now + LEASE)


@dataclass(frozen=True)
class Recorded:
    """The message of a send, as the lead's timeline holds it."""

    activity_id: str
    preview: str | None
    at: datetime
    message_id: str | None = None
    """An e-mail's Message-ID (a follow-up in its thread answers it)."""
    sender: str | None = None
    """The address an e-mail went from (a follow-up in its thread goes from it too)."""


@dataclass(frozen=True)
class SendResult:
    """What one send came to, before the job writes it down in its own words.

    ``code`` is ``None`` for a message sent and answered; otherwise why: :data:`UNANSWERED`,
    :data:`INTERRUPTED`, ``daily_cap``, ``daily_sender_limit``, ``provider_unavailable``, the
    refusal's code (``opted_out``, ``invalid_address``, ``provider_refused``...) or the template's
    (``template_unsafe``, ``template_incomplete``, ``template_not_active``).
    """

    outcome: Outcome
    code: str | None = None
    values: Mapping[str, str | int] = field(default_factory=dict)
    until: datetime | None = None
    """When a deferred send is tried again."""
    recorded: Recorded | None = None
    """The message's record, for a message sent or unanswered."""

    @property
    def left(self) -> bool:
        """Whether the message may have reached the provider (it counts against the caps)."""
        return self.outcome in (Outcome.SENT, Outcome.UNCONFIRMED)


@dataclass(frozen=True)
class Message:
    """What a job sends: the request, the metadata its activity carries besides the marker, the
    lead when the job holds it as just read (consistently), so the send does not read it again, and
    the e-mail thread it follows up, if any."""

    request: SendMessageRequest
    metadata: dict[str, object]
    lead: Lead | None = None
    thread: Thread | None = None
    marketing: MarketingEmail | None = None
    """Set for a prospection or marketing automation message: an e-mail carries the unsubscribe link."""


class SendJob(Protocol):
    """What differs between senders, passed to the protocol instead of copied into it."""

    @property
    def key(self) -> str:
        """The send's idempotency key within the tenant (the provider gets it too)."""

    @property
    def sent_by(self) -> str:
        """Who sends, as the activity records it (``max:campaign:<id>``...)."""

    @property
    def lead_id(self) -> str:
        """The lead written to."""

    @property
    def channel(self) -> Channel:
        """The channel written on."""

    @property
    def marker(self) -> Mapping[str, object]:
        """The activity's metadata that names this send (how a resumed job finds its message)."""

    @property
    def window(self) -> Window:
        """The send window a deferred send reopens in."""

    @property
    def timezone(self) -> str:
        """The time zone whose day a daily cap counts."""

    @property
    def now(self) -> datetime:
        """The instant of the decision."""

    def message(self) -> Message:
        """The message to send."""

    def note_sending(self) -> bool:
        """Note on the claimed item, before the provider call, that the send starts (a job may take
        its claim in that same write); ``False`` when the claim is lost."""

    def settle(self, result: SendResult) -> Outcome | None:
        """Write the result down, conditional on the claim; ``None`` when another worker won."""


def deferred(job: SendJob, code: str, values: Mapping[str, str | int] | None = None) -> SendResult:
    """A send put off: a daily cap to the next window of tomorrow, anything else to a later window."""
    if code == "daily_cap":
        # A cap resets with the day: the next window of tomorrow, on the job's wall clock.
        tomorrow = date.fromisoformat(local_day(job.now, job.timezone)) + timedelta(days=1)
        until = next_open(job.window, day_bounds(tomorrow, job.timezone)[0])
    else:
        until = next_open(job.window, job.now + RETRY_AFTER_UPSTREAM)
    return SendResult(Outcome.DEFERRED, code, values or {}, until=until)


def deferred_to(job: SendJob, code: str, at: datetime) -> SendResult:
    """A send put off until the first window open from ``at`` (a sender's limit resets then)."""
    return SendResult(Outcome.DEFERRED, code, until=next_open(job.window, max(at, job.now)))


def of_record(activity: Activity | ActivityResponse) -> SendResult:
    """The result a recorded message stands for: sent, or unconfirmed when its answer never came."""
    message_id, sender = activity.metadata.get("message_id"), activity.metadata.get("from_address")
    recorded = Recorded(
        activity.id,
        activity.preview,
        activity.occurred_at,
        None if message_id is None else str(message_id),
        None if sender is None else str(sender),
    )
    if activity.status is ActivityStatus.UNCONFIRMED:
        return SendResult(Outcome.UNCONFIRMED, UNANSWERED, recorded=recorded)
    return SendResult(Outcome.SENT, recorded=recorded)


def refused(exc: ChannelUnavailableError) -> SendResult:
    """A send the channel or the provider refused: failed when the provider said no, else skipped."""
    if exc.code == "already_sent":
        # The provider holds another message under this key: the first try did leave.
        return SendResult(Outcome.UNCONFIRMED, INTERRUPTED)
    outcome = Outcome.FAILED if exc.code in ("provider_refused", "invalid_address") else Outcome.SKIPPED
    return SendResult(outcome, exc.code, {"detail": exc.message[:120]})


def template_refused(exc: InvalidInputError | NotFoundError) -> SendResult:
    """A template send that could not be written for this lead: skipped, with why."""
    if isinstance(exc, UnsafeHtmlError):
        return SendResult(Outcome.SKIPPED, "template_unsafe")
    if isinstance(exc, InvalidInputError):
        # The template needs a value the lead does not have (a missing variable, no subject).
        missing = [d["field"].removeprefix("variables.") for d in exc.details if isinstance(d, dict)]
        return SendResult(Outcome.SKIPPED, "template_incomplete", {"missing": ", ".join(missing)})
    return SendResult(Outcome.SKIPPED, "template_not_active")  # deleted meanwhile


def _tokens(exc: InsufficientTokensError) -> dict[str, str | int]:
    """What a deferral for tokens tells the user: the cost and the balance."""
    return {name: exc.details[name] for name in ("cost", "balance")}


def _ledger_outcome(result: SendResult) -> str:
    """How the ledger names what a charged send came to."""
    return result.outcome.value if result.code is None else f"{result.outcome.value}: {result.code}"


class ExactlyOnce:
    """Runs the send jobs of one tenant: note, deliver, outcome, settle, and resume."""

    def __init__(self, messaging: MessagingService, charge: FollowUpCharge | None = None) -> None:
        self.messaging = messaging
        self.activities = ActivityRepository(messaging.tenant_id)
        self.charge = charge
        """Charges each send as an automatic follow-up, when the sender's sends are ones."""

    def send(self, job: SendJob) -> Outcome | None:
        """Send a job for the first time; ``None`` when its claim was lost (or another worker's)."""
        return self._noted_and_delivered(job, resumed=False)

    def resume(self, job: SendJob, *, may_send_again: bool = True) -> Outcome | None:
        """Settle a job whose worker died after noting its send (the caller holds a new claim).

        On the message the lead's timeline holds if the dead worker got as far as recording it; else
        sent again under the same key where the provider deduplicates on it (and ``may_send_again``);
        else ``unconfirmed``: the message may have left, it is never sent twice.
        """
        found = self.recorded(job.lead_id, job.marker)
        if found is not None:
            return job.settle(self._left_over_charged(job, of_record(found)))
        provider = self.messaging.channels.adapter(job.channel).provider
        if may_send_again and provider in IDEMPOTENT_PROVIDERS:
            logger.info("resending an interrupted send under the same key", extra={"provider": provider})
            return self._noted_and_delivered(job, resumed=True)
        return job.settle(self._left_over_charged(job, SendResult(Outcome.UNCONFIRMED, INTERRUPTED)))

    def recorded(self, lead_id: str, marker: Mapping[str, object]) -> Activity | None:
        """AP9: the message a send recorded, among the lead's latest activities (one Query)."""
        return self.activities.recent_outbound_with(lead_id, RECENT_ACTIVITIES, **marker)

    def _noted_and_delivered(self, job: SendJob, *, resumed: bool) -> Outcome | None:
        message = job.message()
        if not job.note_sending():
            return None
        return job.settle(self._charged(job, lambda: self._deliver(job, message, resumed=resumed)))

    # --- the follow-up's tokens (the price list's automatic follow-up) ----------------------------
    def _charged(self, job: SendJob, send: Callable[[], SendResult]) -> SendResult:
        """``send``, its tokens reserved first under the job's key and settled on its result; put off
        with ``insufficient_tokens`` (never sent for free) when the balance does not cover them."""
        if self.charge is None:
            return send()
        try:
            reservation = self.charge.reserve(job.key, job.sent_by)
        except InsufficientTokensError as exc:
            return deferred(job, "insufficient_tokens", _tokens(exc))
        result = send()
        self.charge.settle(reservation, left=result.left, outcome=_ledger_outcome(result))
        return result

    def _left_over_charged(self, job: SendJob, result: SendResult) -> SendResult:
        """``result`` of a resumed send, settling the tokens its first try reserved (never reserving)."""
        if self.charge is not None:
            reservation = self.charge.left_reserved(job.key)
            self.charge.settle(reservation, left=result.left, outcome=_ledger_outcome(result))
        return result

    def _deliver(self, job: SendJob, message: Message, *, resumed: bool) -> SendResult:
        request = message.request
        try:
            sent = self.messaging.deliver(
                request,
                job.sent_by,
                job.key,
                {**job.marker, **message.metadata},
                resumed=resumed,
                lead=message.lead,
                thread=message.thread,
                marketing=message.marketing,
            )
        except SenderLimitError as exc:
            return deferred_to(job, "daily_sender_limit", datetime.fromisoformat(exc.details["resets_at"]))
        except RateLimitedError as exc:
            return deferred(job, "daily_cap", {"cap": exc.details.get("daily_cap", "?")})
        except UpstreamError:
            return deferred(job, "provider_unavailable")
        except ChannelUnavailableError as exc:
            return refused(exc)
        except (InvalidInputError, NotFoundError) as exc:
            if request.template_id is None:
                raise
            return template_refused(exc)
        return of_record(sent.activity)
