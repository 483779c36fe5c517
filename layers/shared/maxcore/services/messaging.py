"""Sending a message to a lead on one of the four channels, once.

The request is checked before anything is sent: the lead exists, the template is active and fits the
channel, the channel is chosen (or asked for) and may reach the lead (consent, address, suppression,
WhatsApp's 24-hour window), the daily cap has room. Then one send through the provider's adapter,
retrying transient failures; the outbound activity is recorded with the provider's message id, which
status callbacks later find. A client's idempotency key makes a retried request send once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.channels.base import (
    REFERENCE_PARAMETER,
    ChannelAdapter,
    OutboundMessage,
    PermanentSendError,
    TransientSendError,
    UnconfirmedSendError,
)
from maxcore.channels.retry import SendAttempts, send_with_retry
from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ChannelUnavailableError, DuplicateMessageError, InvalidInputError, UpstreamError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityResponse, ActivityStatus, Direction
from maxcore.models.channel import ChannelSettings
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.lead import ConsentState, Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest, SentMessage
from maxcore.models.template import RenderRequest, Template, TemplateStatus
from maxcore.observability import logger, metrics
from maxcore.rules import channel_switch, email_threads
from maxcore.rules import channels as channel_rules
from maxcore.rules.email_threads import Thread
from maxcore.rules.unsubscribe import Footed, MarketingEmail
from maxcore.rules.unsubscribe_token import UnsubscribeClaim
from maxcore.rules.whatsapp import whatsapp_route
from maxcore.services.activities import ActivityService
from maxcore.services.channels import ChannelService, SendFacts
from maxcore.services.consent import ConsentService
from maxcore.services.idempotency import run_once
from maxcore.services.senders import SenderHold, SenderRotation
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import tenant_settings
from maxcore.services.unsubscribe import footed
from maxcore.settings import get_settings

UNKEYED_PROVIDERS = frozenset({"twilio"})
"""Providers that take no idempotency key: a lost answer leaves only their status callback to tell."""

SEND_KEY_EXPIRY_SECONDS = 24 * 3600
"""A client's idempotency key answers the same message for a day (Resend keeps its keys 24 h too)."""


class MessagingService:
    """Messages to one tenant's leads."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        facts: SendFacts | None = None,
        timezone: str | None = None,
        locale: str | None = None,
    ) -> None:
        """``facts``: how the tenant's channel settings, suppressions and adapters are read; by
        default at each send, once for the run when a scheduled run passes its own. ``timezone`` and
        ``locale``: the tenant's, when the caller has read the tenant already (else read when first
        needed: the senders' day of an e-mail, the words of the channel's choice)."""
        self.tenant_id = tenant_id
        self.leads = LeadRepository(tenant_id)
        self.channels = ChannelService(tenant_id, clock)
        self.facts: SendFacts = facts or self.channels
        self._clock = clock
        self._sleep = sleep
        self._timezone = timezone
        """The tenant's, whose day the senders' limits count."""
        self._locale = locale
        """The tenant's, the language of the reason a channel was chosen."""

    def send(
        self,
        request: SendMessageRequest,
        sent_by: str,
        idempotency_key: str | None,
        *,
        metadata: dict[str, object] | None = None,
        opening: str | None = None,
        thread: Thread | None = None,
    ) -> SentMessage:
        """Send one message; with ``idempotency_key``, a repeat answers the first send's result.

        ``metadata``: what the activity carries besides the send's own (a reply's channel switch).
        ``opening``: a paragraph the message opens with, before its text (a reply's transition).
        ``thread``: the e-mails an e-mail answers (In-Reply-To, References), a reply's from the inbox.

        Raises
        ------
        NotFoundError
            Unknown lead or template (another tenant's included).
        ChannelUnavailableError
            409 with a code: ``opted_out``, ``no_address``, ``address_suppressed``,
            ``whatsapp_window_closed``, ``whatsapp_template_pending``, ``whatsapp_template_rejected``,
            ``channel_disabled``, ``no_channel``, ``sender_missing``,
            ``template_not_active``; from the provider's answer: ``opted_out``, ``invalid_address``,
            ``provider_refused``, and ``already_sent`` (another message already left under the key).
        RateLimitedError
            429: the channel's daily cap is reached.
        UpstreamError
            502: the provider kept failing (nothing was sent, nothing recorded).
        """
        if idempotency_key is None:
            return self._send(request, sent_by, new_id(), metadata=metadata, opening=opening, thread=thread)
        key = idempotency_key

        def first_send() -> dict[str, object]:
            # A client may use its key again some day for another message: the e-mail's Message-ID is
            # drawn afresh (a repeat of this request gets the first answer, it is never sent again).
            sent = self._send(
                request, sent_by, key, metadata=metadata, message_key=new_id(), opening=opening, thread=thread
            )
            return sent.model_dump(mode="json")

        answer = run_once(
            "messages",
            f"{self.tenant_id}:{idempotency_key}",
            first_send,
            expires_after_seconds=SEND_KEY_EXPIRY_SECONDS,
            payload=request.model_dump(mode="json"),
        )
        return SentMessage.model_validate(answer)

    def deliver(
        self,
        request: SendMessageRequest,
        sent_by: str,
        key: str,
        metadata: dict[str, object],
        *,
        resumed: bool = False,
        lead: Lead | None = None,
        thread: Thread | None = None,
        marketing: MarketingEmail | None = None,
    ) -> SentMessage:
        """Send once under ``key``, a key the caller already holds exclusively (a claimed step).

        The same checks and errors as :meth:`send`; the provider gets ``key`` as its idempotency key
        and the activity carries ``metadata`` (the campaign, the step, the message's source). The
        lead's alerts are left to the daily sweep: the scheduler sends in bulk.

        ``resumed``: this send was started before under the same key by a worker that died, and
        goes to a provider that deduplicates on it. It takes no second daily-cap slot (the first
        try took one), and when the provider answers with a message already recorded (the worker
        died after recording it), that recorded activity is the answer.

        ``lead``: the lead as the caller just read it (consistently), instead of reading it again;
        its record is conditional on that version, and read again if the lead changed meanwhile.

        ``thread``: an e-mail that follows up the thread's earlier e-mails (In-Reply-To, References).

        ``marketing``: a prospection or automation message; an e-mail then carries the signature,
        the unsubscribe link and the List-Unsubscribe headers (:mod:`maxcore.services.unsubscribe`).
        """
        return self._send(
            request,
            sent_by,
            key,
            metadata=metadata,
            evaluate=False,
            resumed=resumed,
            lead=lead,
            thread=thread,
            marketing=marketing,
        )

    def _send(
        self,
        request: SendMessageRequest,
        sent_by: str,
        key: str,
        *,
        metadata: dict[str, object] | None = None,
        evaluate: bool = True,
        resumed: bool = False,
        lead: Lead | None = None,
        thread: Thread | None = None,
        message_key: str | None = None,
        marketing: MarketingEmail | None = None,
        opening: str | None = None,
    ) -> SentMessage:
        now = self._clock()
        lead, template, settings, choice, written = self._checked(request, lead, now)
        written = written.opened_with(opening)
        held = self._sender_hold(settings[choice.channel], key, thread, now)
        draft = _Draft(
            lead,
            choice,
            written,
            _from(settings[choice.channel], held),
            template,
            sent_by,
            key,
            metadata or {},
            thread,
            message_key,
            marketing,
        )
        slot = _SendSlot(self.channels.repository, choice.channel, now, taken=not resumed, sender=held)
        try:
            outgoing = self._outgoing(draft, now)
            if slot.taken:
                self.channels.repository.take_send_slot(choice.channel, slot.day, outgoing.daily_cap, now)
        except Exception:
            if held is not None:
                held.release()  # refused before it left: the sender's turn goes to the next send
            raise
        try:
            done = self._call_provider(outgoing, slot)
        except UnconfirmedSendError as exc:
            # Not a failure: the message may be on its way. The slot stays taken, nothing is retried.
            return self._unconfirmed(outgoing, exc, evaluate)
        return self._record(outgoing, done, evaluate=evaluate, resumed=resumed)

    def check(self, request: SendMessageRequest) -> Channel:
        """Check a message as :meth:`send` would, sending nothing: the channel it would go out on now.

        Raises as :meth:`send` does before the provider call, except for the daily cap and the
        senders' limits, which count the day a message leaves.
        """
        return self._checked(request, None, self._clock())[3].channel

    # --- the named steps of a send ------------------------------------------------------------
    def _checked(
        self, request: SendMessageRequest, lead: Lead | None, now: datetime
    ) -> tuple[Lead, Template | None, dict[Channel, ChannelSettings], channel_rules.Choice, _Written]:
        """The lead, the template, the channels' settings, the channel chosen and the text written."""
        lead = lead or self.leads.get(request.lead_id)
        template, requested = self._template(request)
        settings = self.facts.settings()
        choice = self._channel(lead, request, requested, template, settings, now)
        return lead, template, settings, choice, self._written(request, template, lead, choice.channel)

    def _sender_hold(
        self, settings: ChannelSettings, key: str, thread: Thread | None, now: datetime
    ) -> SenderHold | None:
        """An e-mail's turn of one of the tenant's senders (:mod:`maxcore.services.senders`)."""
        senders = settings.email_senders()
        if not senders:
            return None
        pinned = None if thread is None else thread.sender
        rotation = SenderRotation(self.tenant_id)
        return SenderHold(rotation, key, rotation.take(senders, key, now, self._tenant_timezone(), pinned))

    def _tenant_timezone(self) -> str:
        """The tenant's time zone, read once (unless the caller gave it)."""
        if self._timezone is None:
            self._timezone = tenant_settings(self.tenant_id).timezone
        return self._timezone

    def _template(self, request: SendMessageRequest) -> tuple[Template | None, Channel | None]:
        """The template asked for (active, of the channel asked for) and the channel it settles."""
        requested = None if request.channel is ChannelChoice.AUTO else Channel(request.channel.value)
        if request.template_id is None:
            return None, requested
        template = TemplateService(self.tenant_id).get(request.template_id)
        if template.status is not TemplateStatus.ACTIVE:
            raise ChannelUnavailableError(
                "template_not_active",
                "only an active template can be sent: have it validated and activated first",
                {"template_id": template.id, "status": template.status.value},
            )
        if requested is not None and requested is not template.channel:
            raise InvalidInputError(
                f"the template is written for {template.channel.value}, not {requested.value}",
                [{"field": "channel", "message": f"use {template.channel.value} or auto"}],
            )
        return template, template.channel

    def _channel(
        self,
        lead: Lead,
        request: SendMessageRequest,
        requested: Channel | None,
        template: Template | None,
        settings: dict[Channel, ChannelSettings],
        now: datetime,
    ) -> channel_rules.Choice:
        """The channel the message goes out on (consent, address, suppression, WhatsApp's window)."""
        suppressed: frozenset[Channel] = frozenset()
        if lead.email and self.facts.suppressed(lead.email):
            suppressed = frozenset({Channel.EMAIL})
        facts = channel_rules.ChannelFacts(
            enabled=frozenset(c for c, s in settings.items() if s.enabled),
            suppressed=suppressed,
            whatsapp_template=None if template is None else template.whatsapp,
        )
        if self._locale is None:
            self._locale = tenant_settings(self.tenant_id).locale.value
        choice = channel_rules.choose(lead, requested, facts, now, self._locale)
        if isinstance(choice, channel_rules.Refusal):
            raise ChannelUnavailableError(
                choice.code, choice.message, {"lead_id": lead.id, "channel": request.channel.value}
            )
        return choice

    def _written(
        self, request: SendMessageRequest, template: Template | None, lead: Lead, channel: Channel
    ) -> _Written:
        """The message's text: the request's, or the template filled in for the lead."""
        written = _Written(request.subject, request.body or "")
        if template is not None:
            rendered = TemplateService(self.tenant_id).render(
                template.id, RenderRequest(lead_id=lead.id, variables=request.variables)
            )
            if rendered.missing:
                raise InvalidInputError(
                    "the template needs values for: " + ", ".join(rendered.missing),
                    [
                        {"field": f"variables.{name}", "message": "no value and no fallback"}
                        for name in rendered.missing
                    ],
                )
            written = _Written(
                rendered.subject, rendered.body, rendered.html, rendered.version, rendered.content_variables
            )
        if channel is Channel.EMAIL and not written.subject:
            raise InvalidInputError(
                "an e-mail needs a subject", [{"field": "subject", "message": "required for e-mail"}]
            )
        return written

    def _outgoing(self, draft: _Draft, now: datetime) -> _Outgoing:
        """The provider's message and the activity it will be recorded as, its id chosen now."""
        channel = draft.choice.channel
        adapter = self.facts.adapter(channel)
        if adapter.provider != "outbox" and channel is not Channel.TELEGRAM and not draft.settings.sender:
            raise ChannelUnavailableError(
                "sender_missing",
                f"set the {channel.value} channel's sender (PUT /channels/{channel.value}) before sending",
                {"channel": channel.value},
            )
        written, lead = draft.written, draft.lead
        idempotency_key = f"{self.tenant_id}:{draft.key}"
        headers = _email_headers(draft, draft.message_key or idempotency_key)
        # The message's activity id is chosen before the provider call: the status callback URL
        # carries it, so a callback can find the message even when the provider's answer is lost.
        pending = Activity(
            id=new_id(),
            lead_id=lead.id,
            channel=ActivityChannel(channel.value),
            direction=Direction.OUT,
            status=ActivityStatus.UNCONFIRMED,
            preview=written.body[:1000],
            occurred_at=now,
            metadata={
                "provider": adapter.provider,
                "subject": written.subject,
                "template_id": None if draft.template is None else draft.template.id,
                # What the message is for: a reply to a survey or a reminder is read as its answer.
                "template_category": None if draft.template is None else draft.template.category.value,
                "template_version": written.template_version,
                "sent_by": draft.sent_by,
                "channel_reason": draft.choice.reason,
                **({"message_id": headers.message_id} if headers.message_id else {}),
                **({"from_address": draft.settings.sender} if headers.message_id else {}),
                **draft.metadata,
            },
        )
        content_sid = self._content_sid(draft, now)
        to = str(getattr(lead, channel_rules.ADDRESS_FIELD[channel]))
        sent = _with_unsubscribe(self.tenant_id, draft, to, now, headers.message_id)
        message = OutboundMessage(
            channel=channel,
            to=to,
            body=sent.body,
            content_sid=content_sid,
            content_variables=written.content_variables if content_sid else None,
            idempotency_key=idempotency_key,
            sender=_sender(draft.settings),
            subject=written.subject,
            html=sent.html,
            extra_headers=sent.headers,
            status_callback_url=self._status_callback(channel, pending.id),
            tags={"tenant": self.tenant_id, "lead": lead.id},
            message_id=headers.message_id,
            reply_to=headers.reply_to,
            in_reply_to=headers.in_reply_to,
            references=headers.references,
        )
        return _Outgoing(
            lead, draft.choice, adapter, pending, message, draft.settings.daily_cap, draft.sent_by
        )

    @staticmethod
    def _content_sid(draft: _Draft, now: datetime) -> str | None:
        """The Twilio Content SID a WhatsApp message goes as (out of the 24-hour window), else ``None``."""
        if draft.choice.channel is not Channel.WHATSAPP:
            return None
        last_inbound = draft.lead.summary.last_inbound_by_channel.get("whatsapp")
        template = None if draft.template is None else draft.template.whatsapp
        return whatsapp_route(last_inbound, now, template).content_sid

    def _call_provider(self, outgoing: _Outgoing, slot: _SendSlot) -> SendAttempts:
        """One send through the adapter, retrying what certainly did not reach the provider.

        A transient failure or a refusal gives the slot back and raises; an answer that never came
        raises :class:`UnconfirmedSendError` (the message may be on its way).
        """
        adapter, message, pending = outgoing.adapter, outgoing.message, outgoing.pending
        if adapter.provider in UNKEYED_PROVIDERS and message.status_callback_url is not None:
            # Twilio takes no idempotency key: if its answer is lost, or this worker dies after it
            # accepted, the status callback is the only news of the message; this lets it record it.
            # (Without a public URL there is no callback, and the message stays unconfirmed.)
            ActivityRepository(self.tenant_id).note_pending(pending)
        try:
            return send_with_retry(adapter, message, sleep=self._sleep)
        except TransientSendError as exc:
            slot.give_back()
            logger.warning(
                "send failed after retries",
                extra={
                    "lead_id": outgoing.lead.id,
                    "channel": message.channel.value,
                    "provider": adapter.provider,
                    "reason": exc.reason,
                },
            )
            raise UpstreamError(
                f"{adapter.provider} is not taking messages right now ({exc.reason}); nothing was sent, "
                "try again later",
                {"channel": message.channel.value, "retry_after": exc.retry_after},
            ) from exc
        except PermanentSendError as exc:
            slot.give_back()
            if exc.key_reused:
                # Not a refusal of this message: an earlier one under the key left (a resumed send
                # whose text or address changed meanwhile). Nothing to add to the timeline.
                raise ChannelUnavailableError(
                    "already_sent",
                    f"{adapter.provider} already sent another message under this key; nothing more was sent",
                    {
                        "channel": message.channel.value,
                        "provider": adapter.provider,
                        "provider_code": exc.code,
                    },
                ) from exc
            self._record_refusal(outgoing, exc)
            raise _refusal_error(message.channel, adapter.provider, exc) from exc

    def _record(
        self, outgoing: _Outgoing, done: SendAttempts, *, evaluate: bool, resumed: bool
    ) -> SentMessage:
        """Record the message the provider accepted on the lead's timeline, with its provider id."""
        receipt, pending = done.receipt, outgoing.pending
        activity = pending.model_copy(
            update={
                "status": ActivityStatus.QUEUED if receipt.status == "queued" else ActivityStatus.SENT,
                "provider_message_id": receipt.provider_message_id,
                "metadata": {**pending.metadata, "provider": receipt.provider, "attempts": done.attempts},
            }
        )
        try:
            recorded, _ = ActivityService(self.tenant_id, self._clock, self._tenant_timezone()).record(
                activity, evaluate=evaluate, lead=outgoing.lead
            )
        except DuplicateMessageError:
            earlier = self._recorded(receipt.provider_message_id)
            # Ours when it is this very activity (its status callback came before the answer and
            # recorded it) or, on a resumed send, the one the dead worker recorded.
            if earlier is None or not (resumed or earlier.id == activity.id):
                raise
            logger.info(
                "the message was already recorded",
                extra={"lead_id": pending.lead_id, "activity_id": earlier.id, "provider": receipt.provider},
            )
            recorded = earlier
        metrics.add_metric(name="MessageSent", unit=MetricUnit.Count, value=1)
        logger.info(
            "message sent",
            extra={
                "lead_id": pending.lead_id,
                "channel": outgoing.channel.value,
                "provider": receipt.provider,
                "provider_message_id": receipt.provider_message_id,
                "attempts": done.attempts,
                "channel_reason": outgoing.choice.reason,
            },
        )
        return outgoing.answer(
            recorded,
            receipt.provider,
            done.attempts,
            receipt.provider_message_id.removeprefix("outbox-") if receipt.provider == "outbox" else None,
        )

    def _recorded(self, provider_message_id: str) -> Activity | None:
        """The activity already recorded for a provider message (AP10 then its activity)."""
        repository = ActivityRepository(self.tenant_id)
        ref = repository.find_by_provider_id(provider_message_id)
        return None if ref is None else repository.get(ref)

    def _status_callback(self, channel: Channel, reference: str) -> str | None:
        """Twilio's StatusCallback: the tenant's webhook, with our reference of the message."""
        base = get_settings().public_api_url
        if base is None or channel_rules.PROVIDERS[channel] != "twilio":
            return None
        return f"{base.rstrip('/')}/webhooks/twilio/{self.tenant_id}?{REFERENCE_PARAMETER}={reference}"

    def _unconfirmed(self, outgoing: _Outgoing, exc: UnconfirmedSendError, evaluate: bool) -> SentMessage:
        """Record a message whose provider answer never came as ``unconfirmed``; its status callback
        (which carries the activity's id) gives it its provider id and status later."""
        pending = outgoing.pending
        activity = pending.model_copy(
            update={
                "metadata": {**pending.metadata, "attempts": exc.attempts, "unconfirmed": exc.reason[:300]}
            }
        )
        try:
            recorded, _ = ActivityService(self.tenant_id, self._clock, self._tenant_timezone()).record(
                activity, evaluate=evaluate, lead=outgoing.lead
            )
        except DuplicateMessageError:
            # Its status callback came first and recorded it, with the provider's id.
            repository = ActivityRepository(self.tenant_id)
            found = repository.find_pending(pending.id)
            earlier = None if found is None else repository.get(found[0])
            if earlier is None:
                raise
            recorded = earlier
        metrics.add_metric(name="MessageUnconfirmed", unit=MetricUnit.Count, value=1)
        logger.warning(
            "send unconfirmed: the provider's answer never came; not retried",
            extra={
                "lead_id": pending.lead_id,
                "activity_id": recorded.id,
                "channel": outgoing.channel.value,
                "provider": outgoing.adapter.provider,
                "reason": exc.reason,
                "attempts": exc.attempts,
            },
        )
        return outgoing.answer(recorded, outgoing.adapter.provider, exc.attempts)

    def _record_refusal(self, outgoing: _Outgoing, exc: PermanentSendError) -> None:
        """Keep the refused message on the lead's timeline, and the opt-out on the lead's consent."""
        now, message = outgoing.pending.occurred_at, outgoing.message
        consent = None
        if exc.opted_out:
            ledger = ConsentService(self.tenant_id, self._clock)
            reason = ledger.reason("provider_refused", code=exc.code or "?")[:200]
            consent = {message.channel: ConsentState(granted=False, updated_at=now, reason=reason)}
            ledger.record_lead_changes(
                outgoing.lead, {message.channel: False}, ConsentSource.PROVIDER, exc.code, reason
            )
        activity = Activity(
            id=new_id(),
            lead_id=outgoing.lead.id,
            channel=ActivityChannel(message.channel.value),
            direction=Direction.OUT,
            status=ActivityStatus.FAILED,
            preview=message.body[:1000],
            occurred_at=now,
            error_code=exc.code,
            error_message=exc.reason[:500],
            metadata={"sent_by": outgoing.sent_by, "subject": message.subject},
        )
        ActivityService(self.tenant_id, self._clock).record(
            activity, consent_updates=consent, lead=outgoing.lead
        )


@dataclass(frozen=True)
class _Written:
    """A message's text, and the template version it was filled from."""

    subject: str | None
    body: str
    html: str | None = None
    template_version: int | None = None
    content_variables: dict[str, str] | None = None
    """A WhatsApp template registered as a Twilio Content: the values of its variables."""

    def opened_with(self, opening: str | None) -> _Written:
        """The text with ``opening`` as its first paragraph (:func:`maxcore.rules.channel_switch.opened`)."""
        if not opening:
            return self
        body, html = channel_switch.opened(self.body, self.html, opening)
        return replace(self, body=body, html=html)


@dataclass(frozen=True)
class _Draft:
    """Everything decided about a message before its provider is known."""

    lead: Lead
    choice: channel_rules.Choice
    written: _Written
    settings: ChannelSettings
    template: Template | None
    sent_by: str
    key: str
    metadata: dict[str, object]
    thread: Thread | None = None
    message_key: str | None = None
    """What the e-mail's Message-ID is drawn from, when not the send's key (which a claimed job's
    resumed send repeats, and so repeats the Message-ID)."""
    marketing: MarketingEmail | None = None
    """A marketing message: an e-mail gets the signature and the unsubscribe link."""


@dataclass(frozen=True)
class _EmailHeaders:
    """An e-mail's thread headers and Reply-To (all ``None`` on other channels)."""

    message_id: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def _email_headers(draft: _Draft, message_key: str) -> _EmailHeaders:
    """Our Message-ID (drawn from ``message_key``: the same on every try of the send), the Reply-To
    (the tenant's inbound address, else the sender) and, for a follow-up, the thread it continues."""
    sender = draft.settings.sender
    if draft.choice.channel is not Channel.EMAIL or not sender:
        return _EmailHeaders()
    thread = draft.thread
    return _EmailHeaders(
        message_id=email_threads.message_id(message_key, draft.lead.id, sender),
        reply_to=draft.settings.inbound_address or sender,
        in_reply_to=None if thread is None else thread.message_ids[-1],
        references=() if thread is None else thread.message_ids,
    )


def _with_unsubscribe(
    tenant_id: str, draft: _Draft, to: str, now: datetime, message_id: str | None
) -> Footed:
    """A marketing e-mail with its footer and List-Unsubscribe headers (the link names the e-mail
    by its ``message_id``); any other message as written."""
    written = draft.written
    if draft.marketing is None or draft.choice.channel is not Channel.EMAIL:
        return Footed(written.body, written.html, {})
    claim = UnsubscribeClaim(tenant_id, draft.lead.id, to, Channel.EMAIL, now, message_id)
    return footed(claim, written.body, written.html, draft.marketing, draft.settings.inbound_address)


@dataclass(frozen=True)
class _Outgoing:
    """A message on its way: the adapter, what it is given, and the activity it will be recorded as."""

    lead: Lead
    choice: channel_rules.Choice
    adapter: ChannelAdapter
    pending: Activity
    message: OutboundMessage
    daily_cap: int | None
    sent_by: str

    @property
    def channel(self) -> Channel:
        """The channel it goes out on."""
        return self.choice.channel

    def answer(
        self, recorded: Activity, provider: str, attempts: int, outbox_id: str | None = None
    ) -> SentMessage:
        """What the caller gets: the message's record, where it went and how."""
        return SentMessage(
            activity=ActivityResponse.from_activity(recorded),
            channel=self.channel,
            to=self.message.to,
            provider=provider,
            attempts=attempts,
            channel_reason=self.choice.reason,
            outbox_id=outbox_id,
        )


@dataclass
class _SendSlot:
    """One message counted against its channel's daily cap, given back when it did not leave."""

    repository: ChannelRepository
    channel: Channel
    now: datetime
    taken: bool
    """A resumed send takes none: its first try took one."""
    sender: SenderHold | None = None
    """An e-mail's turn of its sender, given back with the slot."""

    @property
    def day(self) -> str:
        """The day the cap counts (UTC)."""
        return self.now.date().isoformat()

    def give_back(self) -> None:
        """Return the slot of a message that did not leave."""
        if self.taken:
            self.repository.give_back_send_slot(self.channel, self.day)
            self.taken = False
        if self.sender is not None:
            self.sender.release()


_SPECIALS = frozenset('()<>[]:;@\\,."')


def _from(settings: ChannelSettings, held: SenderHold | None) -> ChannelSettings:
    """The channel's settings with the sender of this send's turn as its ``sender``."""
    if held is None:
        return settings
    chosen = held.turn.sender
    return settings.model_copy(update={"sender": chosen.address, "sender_name": chosen.name})


def _sender(settings: ChannelSettings) -> str | None:
    if settings.channel is Channel.EMAIL and settings.sender and settings.sender_name:
        name = settings.sender_name
        # RFC 5322: a name with a comma, a dot or another special must be quoted to stay one name.
        if any(c in _SPECIALS for c in name):
            name = f'"{name}"'
        return f"{name} <{settings.sender}>"
    return settings.sender


def _refusal_error(channel: Channel, provider: str, exc: PermanentSendError) -> ChannelUnavailableError:
    details = {"channel": channel.value, "provider": provider, "provider_code": exc.code}
    if exc.opted_out:
        return ChannelUnavailableError(
            "opted_out",
            f"the lead opted out of {channel.value} at {provider}; their consent is now revoked",
            details,
        )
    if exc.invalid_address:
        return ChannelUnavailableError(
            "invalid_address",
            f"{provider} says the lead's {channel.value} address cannot receive messages",
            details,
        )
    return ChannelUnavailableError(
        "provider_refused", f"{provider} refused the message: {exc.reason}", details
    )
