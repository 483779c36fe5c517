"""Automatic answers: M.A.X. answers an inbound message from the tenant's FAQ, or leaves it to a person.

The webhook records the message and queues the lead's evaluation; the worker's ``evaluate_lead`` job
calls :meth:`AutoReplySender.answer_waiting` (never the provider's request). For each message of the
lead nobody answered yet, it takes the message with a conditional write (a redelivered webhook, or a
second job for the same lead, finds it taken or decided), then:

1. decides with :func:`maxcore.rules.auto_replies.decide` (intent enabled, auto mode, a FAQ, tokens);
2. reserves the answer's tokens under the message's id, asks the model for an answer grounded in the
   FAQ and the profile (:func:`maxcore.services.replies.reply_messages`, the lead's words quoted as
   data), and refunds them if it gives none or says the FAQ does not cover the message;
3. sends it through the one exactly-once protocol, keyed on the message's id, on the message's
   channel, ending with the line that says it is an automatic answer, the activity marked as
   written by M.A.X. (``author: max``, ``by_ai``); the tokens are committed if it left, else refunded;
4. writes what the message came to, answered or why a person answers, conditional on its claim.

A message M.A.X. does not answer is left to a person with its reason, which the API shows
(``GET /conversations/{lead_id}/auto-replies``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.ai import llm
from maxcore.ai.replies import WrittenReply, write_reply
from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import InsufficientTokensError, ServiceUnavailableError, UpstreamError
from maxcore.models.activity import Activity
from maxcore.models.budget import Reservation, ReservationState, TokenAction
from maxcore.models.common import Channel
from maxcore.models.inbox import RoutingReason
from maxcore.models.intent import Intent
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.models.replies import (
    AutoReplySettings,
    AutoReplyState,
    Verdict,
)
from maxcore.observability import logger, metrics
from maxcore.rules import auto_replies as rules
from maxcore.rules.send_window import Window
from maxcore.services.auto_replies import AutoReplyService
from maxcore.services.budget import BudgetService
from maxcore.services.exactly_once import Claim, ExactlyOnce, Message, SendResult
from maxcore.services.inbox import InboxService
from maxcore.services.messaging import MessagingService
from maxcore.services.replies import THREAD_MAX, reply_messages
from maxcore.texts import render

ANSWER_WITHIN = timedelta(hours=24)
"""A message older than this is left to the team, never answered late (and WhatsApp's window is 24 h)."""
TOO_LATE = "too_late"
"""Why a message older than :data:`ANSWER_WITHIN` goes to a person (``inbox.reason.too_late``)."""


class AutoReplySender(AutoReplyService):
    """The worker's side of one tenant's automatic answers."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        model: Callable[[], llm.ChatModel] = llm.chat_model,
    ) -> None:
        super().__init__(tenant_id, clock)
        self._model = model

    # --- the worker's side ------------------------------------------------------------------------
    def answer_waiting(self, lead_id: str) -> dict[str, Any]:
        """Answer, or leave to a person, each message of the lead nobody answered yet (once each).

        Nothing happens for a tenant that never set its automatic answers.
        """
        settings = self.repository.settings()
        if settings is None:
            return {}
        now = self._clock()
        recent = ActivityRepository(self.tenant_id).messages_page(lead_id, None, THREAD_MAX)
        outcomes = [
            self._take(message, recent, settings, now)
            for message in rules.waiting(recent, now, ANSWER_WITHIN)
        ]
        decided = [verdict for verdict in outcomes if verdict is not None]
        late = rules.too_late(recent, now, ANSWER_WITHIN)
        if late is not None:
            # The webhook left it to this job: never answered late, so a person has it, with why.
            InboxService(self.tenant_id, self._clock).route(lead_id, RoutingReason(code=TOO_LATE, params={}))
        return {
            "auto_answered": sum(1 for v in decided if v.answered),
            "left_to_a_person": sum(1 for v in decided if not v.answered),
            **({} if late is None else {"too_late": late.id}),
        }

    def _take(
        self, message: Activity, recent: Sequence[Activity], settings: AutoReplySettings, now: datetime
    ) -> Verdict | None:
        """Claim ``message`` and decide it; ``None`` when another delivery or worker has it.

        A message M.A.X. does not answer goes to a person by the tenant's assignment rule, with why.
        """
        previous = self.repository.decision(message.lead_id, message.id)
        claim = Claim.new(now)
        if not self.repository.claim(
            message.lead_id, message.id, previous, (claim.token, claim.lease_until), now
        ):
            return None
        job = AutoReplySend(self, message, claim.token, now)
        if previous is not None and previous.state is AutoReplyState.SENDING:
            # A worker died mid-send: settled on the message the thread holds, never sent twice.
            self._sending().resume(job, may_send_again=False)
            verdict = job.verdict
            self._settle_left_over(message, verdict)
        else:
            verdict = self._answer(job, recent, settings)
        if not verdict.answered:
            reason = RoutingReason(code=verdict.code, params=verdict.params)
            InboxService(self.tenant_id, self._clock).route(message.lead_id, reason)
        return verdict

    def _settle_left_over(self, message: Activity, verdict: Verdict) -> None:
        """The tokens the dead worker reserved for its answer: spent if it may have left, else refunded."""
        budget = BudgetService(self.tenant_id, self._clock)
        held = budget.held(TokenAction.AUTO_REPLY, message.id)
        if held is not None and held.state is ReservationState.RESERVED:
            _settle_tokens(budget, held, left=verdict.answered, outcome=verdict.code)

    def _answer(self, job: AutoReplySend, recent: Sequence[Activity], settings: AutoReplySettings) -> Verdict:
        """Write the answer and send it, or say why not; the verdict is written down either way."""
        message = job.answering
        budget = BudgetService(self.tenant_id, self._clock)
        verdict = rules.decide(
            message.intent,
            self.tenant.mode,
            {intent.value for intent in settings.intents},
            len(settings.faq),
            budget.quote(TokenAction.AUTO_REPLY).affordable,
        )
        if not verdict.answered:
            return self._leave(job, verdict)
        try:
            reservation = budget.hold(
                TokenAction.AUTO_REPLY,
                message.id,
                mode=self.tenant.mode,
                about={"lead_id": message.lead_id, "message_id": message.id, "lead": job.lead.display_name},
            )
        except InsufficientTokensError:
            return self._leave(job, Verdict(answered=False, code="no_tokens"))
        written = self._write(job, recent, settings)
        verdict = rules.written(None if written is None else written.answerable)
        if written is None or not verdict.answered:
            _settle_tokens(budget, reservation, left=False, outcome=verdict.code)
            return self._leave(job, verdict)
        job.reply = written
        self._sending().send(job)
        _settle_tokens(budget, reservation, left=job.verdict.answered, outcome=job.verdict.code)
        return job.verdict

    def _write(
        self, job: AutoReplySend, recent: Sequence[Activity], settings: AutoReplySettings
    ) -> WrittenReply | None:
        """The model's answer from the FAQ, or ``None`` when the model is missing or failed."""
        faq = [(entry.question, entry.answer) for entry in settings.faq]
        messages = reply_messages(self.tenant, job.lead, recent, job.answering, faq)
        try:
            return write_reply(self._model(), messages, job.channel.value)
        except (UpstreamError, ServiceUnavailableError) as exc:
            logger.warning("automatic answer not written", extra={"error": exc.message})
            return None

    def _leave(self, job: AutoReplySend, verdict: Verdict) -> Verdict:
        """Write down that a person answers the message, and why (conditional on the claim)."""
        job.settle_verdict(verdict, None)
        return verdict

    def _sending(self) -> ExactlyOnce:
        return ExactlyOnce(
            MessagingService(
                self.tenant_id, self._clock, timezone=self.tenant.timezone, locale=self.tenant.locale.value
            )
        )


def _settle_tokens(
    budget: BudgetService, reservation: Reservation | None, *, left: bool, outcome: str
) -> None:
    """The answer's tokens: spent when it left, else given back (``None``: already spent by a try)."""
    if reservation is None:
        return
    if left:
        budget.commit(reservation, outcome)
    else:
        budget.refund(reservation, outcome)


@dataclass
class AutoReplySend:
    """The answer to one inbound message, as the exactly-once protocol runs it (a ``SendJob``)."""

    service: AutoReplySender
    answering: Activity
    token: str
    now: datetime
    reply: WrittenReply | None = None
    verdict: Verdict = field(default_factory=lambda: Verdict(answered=False, code="send_refused"))

    @cached_property
    def lead(self) -> Lead:
        """The lead who wrote, read (consistently) when the answer is first written or sent."""
        return LeadRepository(self.service.tenant_id).get(self.answering.lead_id)

    @property
    def key(self) -> str:
        """The inbound message's id: one answer per message, whatever delivers it again."""
        return f"auto_reply:{self.answering.id}"

    @property
    def sent_by(self) -> str:
        """M.A.X., answering that message."""
        return f"max:auto_reply:{self.answering.id}"

    @property
    def lead_id(self) -> str:
        """The lead written to."""
        return self.answering.lead_id

    @property
    def channel(self) -> Channel:
        """The channel the lead wrote on (its WhatsApp window is open: the lead just wrote)."""
        return Channel(self.answering.channel.value)

    @property
    def marker(self) -> dict[str, object]:
        """The message answered, on the answer's activity."""
        return {"auto_reply_to": self.answering.id}

    @property
    def window(self) -> Window:
        """The tenant's send window (only what a deferral would compute; an answer is never put off)."""
        return Window.of(self.service.tenant.send_window, self.service.tenant.timezone)

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.service.tenant.timezone

    def message(self) -> Message:
        """The model's answer, with the line saying it is an automatic answer, marked as M.A.X.'s."""
        assert self.reply is not None  # a fresh send always has its answer written
        tenant = self.service.tenant
        signature = render("auto_reply.signature", tenant.locale.value, company=tenant.name)
        request = SendMessageRequest(
            lead_id=self.lead_id,
            channel=ChannelChoice(self.channel.value),
            body=f"{self.reply.body}\n\n{signature}",
            subject=self.reply.subject,
        )
        return Message(request, {"author": "max", "by_ai": True}, lead=self.lead)

    def note_sending(self) -> bool:
        """AP85: the answer's send starts, conditional on the claim."""
        return self.service.repository.note_sending(self.lead_id, self.answering.id, self.token)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP85: answered when the message left, else left to a person with the refusal."""
        verdict = rules.sent(result.left, result.code, self.channel.value)
        reply_id = None if result.recorded is None else result.recorded.activity_id
        outcome = Outcome.SKIPPED if result.outcome is Outcome.DEFERRED else result.outcome
        return outcome if self.settle_verdict(verdict, reply_id) else None

    def settle_verdict(self, verdict: Verdict, reply_id: str | None) -> bool:
        """AP85: write what the message came to, conditional on the claim; ``False`` when another won."""
        self.verdict = verdict
        done = self.service.repository.settle(
            self.lead_id, self.answering.id, self.token, verdict, reply_id, self.now
        )
        metrics.add_metric(
            name="AutoReplySent" if verdict.answered else "AutoReplyLeftToPerson",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info(
            "inbound message decided",
            extra={
                "lead_id": self.lead_id,
                "message_id": self.answering.id,
                "answered": verdict.answered,
                "code": verdict.code,
                "intent": self.answering.intent or Intent.NEUTRAL.value,
                "applied": done,
            },
        )
        return done
