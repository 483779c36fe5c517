"""Replies from the inbox: on the conversation's channel, or on another one behind a transition.

Every message goes through the send path of ``POST /messages`` (:class:`MessagingService`), so a
reply meets the same checks (consent, address, suppression, WhatsApp's 24-hour window, the daily
cap) and answers the same refusals. Both messages of a switch are checked before either leaves.

A client's idempotency key runs the reply once as a whole, and each message it sends has its own
key derived from the client's: a request retried after a failure half-way (the reply refused by the
daily cap after its transition left) sends again only what did not leave.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.leads import LeadRepository
from maxcore.dal.templates import TemplateFilter
from maxcore.errors import ChannelUnavailableError, InvalidInputError
from maxcore.models.common import Channel
from maxcore.models.inbox_reply import InboxReply, ReplyRequest
from maxcore.models.lead import Lead
from maxcore.models.message import ChannelChoice, SendMessageRequest, SentMessage
from maxcore.models.template import TemplateStatus, WhatsAppApproval
from maxcore.rules.channel_switch import conversation_channel, transition, transition_goes
from maxcore.rules.email_threads import Thread
from maxcore.services.email_threads import last_received_thread
from maxcore.services.idempotency import run_once
from maxcore.services.messaging import SEND_KEY_EXPIRY_SECONDS, MessagingService
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

WHATSAPP_WINDOW_REFUSALS = frozenset(
    {"whatsapp_window_closed", "whatsapp_template_pending", "whatsapp_template_rejected"}
)
"""The refusals of WhatsApp's 24-hour rule, which name the templates that may go instead."""

APPROVED_TEMPLATES_SHOWN = 100
"""The most approved WhatsApp templates a refusal lists."""


class InboxReplyService:
    """Replies to one tenant's conversations."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.leads = LeadRepository(tenant_id)
        self._clock = clock

    def reply(
        self, lead_id: str, request: ReplyRequest, sent_by: str, idempotency_key: str | None
    ) -> InboxReply:
        """Reply to the lead's conversation; with ``idempotency_key``, a repeat answers the first reply.

        Raises
        ------
        NotFoundError
            Unknown lead or template (another tenant's included).
        InvalidInputError
            422: no channel asked for and the lead never wrote (the conversation has none).
        ChannelUnavailableError
            409, as ``POST /messages`` answers, before anything left; a refusal by WhatsApp's
            24-hour rule lists the approved WhatsApp templates in ``details.approved_templates``.
        """
        if idempotency_key is None:
            return self._reply(lead_id, request, sent_by, None)
        key = idempotency_key
        answer = run_once(
            "replies",
            f"{self.tenant_id}:{key}",
            lambda: self._reply(lead_id, request, sent_by, key).model_dump(mode="json"),
            expires_after_seconds=SEND_KEY_EXPIRY_SECONDS,
            payload={"lead_id": lead_id, **request.model_dump(mode="json")},
        )
        return InboxReply.model_validate(answer)

    def _reply(self, lead_id: str, request: ReplyRequest, sent_by: str, key: str | None) -> InboxReply:
        lead = self.leads.get(lead_id)
        origin = conversation_channel(lead.summary)
        target = request.channel or origin
        if target is None:
            raise InvalidInputError(
                "the lead has not written yet, so the conversation has no channel: choose the channel "
                "to reply on (sms, whatsapp, email or telegram)",
                [{"field": "channel", "message": "required while the lead has sent no message"}],
            )
        tenant = tenant_settings(self.tenant_id)
        messaging = MessagingService(
            self.tenant_id, self._clock, timezone=tenant.timezone, locale=tenant.locale.value
        )
        # An e-mail answering an e-mail threads under the lead's last one (none on a switch).
        thread = last_received_thread(self.tenant_id, lead) if origin is target is Channel.EMAIL else None
        reply = _message(lead, request, target, tenant.locale.value, thread)
        if origin is None or origin is target:
            return InboxReply(reply=self._sent(messaging, reply, sent_by, key, {}, thread=thread))
        opening = transition(lead.first_name, origin, target, tenant.locale.value)
        switched: dict[str, object] = {"switched_from": origin.value}
        if target is Channel.EMAIL:
            sent = self._sent(messaging, reply, sent_by, key, switched, opening=opening)
            return InboxReply(reply=sent, switched_from=origin)
        if not transition_goes(target, lead.summary, self._clock()):
            # Outside WhatsApp's window only an approved template may go: it goes alone, and the
            # send path refuses free text, naming the approved templates.
            sent = self._sent(messaging, reply, sent_by, key, switched)
            return InboxReply(reply=sent, switched_from=origin)
        before = SendMessageRequest(lead_id=lead.id, channel=ChannelChoice(target.value), body=opening)
        self._checked(messaging, before)
        self._checked(messaging, reply)
        transition_key = None if key is None else f"{key}/transition"
        first = self._sent(messaging, before, sent_by, transition_key, {**switched, "transition": True})
        sent = self._sent(messaging, reply, sent_by, key, switched)
        return InboxReply(reply=sent, switched_from=origin, transition=first)

    def _sent(
        self,
        messaging: MessagingService,
        request: SendMessageRequest,
        sent_by: str,
        key: str | None,
        metadata: dict[str, object],
        opening: str | None = None,
        thread: Thread | None = None,
    ) -> SentMessage:
        """One message through ``POST /messages``'s send path, under a key no client key can take."""
        own_key = None if key is None else f"reply/{key}"
        try:
            return messaging.send(
                request, sent_by, own_key, metadata=metadata, opening=opening, thread=thread
            )
        except ChannelUnavailableError as exc:
            raise self._explained(exc) from exc

    def _checked(self, messaging: MessagingService, request: SendMessageRequest) -> None:
        """Refuse, sending nothing, a message ``POST /messages`` would refuse now."""
        try:
            messaging.check(request)
        except ChannelUnavailableError as exc:
            raise self._explained(exc) from exc

    def _explained(self, exc: ChannelUnavailableError) -> ChannelUnavailableError:
        """A refusal by WhatsApp's 24-hour rule with the templates that may go instead; others as they are."""
        if exc.code not in WHATSAPP_WINDOW_REFUSALS:
            return exc
        return ChannelUnavailableError(
            exc.code, exc.message, {**exc.details, "approved_templates": self._approved_whatsapp_templates()}
        )

    def _approved_whatsapp_templates(self) -> list[dict[str, str]]:
        """AP13: the tenant's active WhatsApp templates whose Content Meta approved (id and name)."""
        active, _ = TemplateService(self.tenant_id).list_page(
            TemplateFilter(channel=Channel.WHATSAPP, status=TemplateStatus.ACTIVE), APPROVED_TEMPLATES_SHOWN
        )
        return [
            {"id": template.id, "name": template.name}
            for template in active
            if template.whatsapp is not None and template.whatsapp.state is WhatsAppApproval.APPROVED
        ]


def _message(
    lead: Lead, request: ReplyRequest, channel: Channel, locale: str, thread: Thread | None
) -> SendMessageRequest:
    """The reply as ``POST /messages`` takes it. A text by e-mail without a subject answers the
    thread's (``Re: <subject>``), else gets the default one."""
    subject = request.subject
    if channel is Channel.EMAIL and request.template_id is None and subject is None:
        if thread is not None and thread.subject.strip():
            subject = thread.reply_subject
        else:
            subject = render("inbox_reply.subject", locale)
    return SendMessageRequest(
        lead_id=lead.id,
        channel=ChannelChoice(channel.value),
        template_id=request.template_id,
        variables=request.variables,
        body=request.body,
        subject=subject,
    )
