"""An inbound message, whatever its channel: find (or create) its lead, read it, record it.

The webhooks call it once the provider is proven and the event read; the lead's alerts and
sequences follow through the queue (``enqueue``), never in the provider's request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.auto_replies import AutoReplyRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, DuplicateMessageError
from maxcore.ids import new_id
from maxcore.models.activity import (
    PREVIEW_MAX,
    TEXT_MAX,
    Activity,
    ActivityChannel,
    ActivityStatus,
    Direction,
)
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.lead import ConsentState, Lead
from maxcore.models.tenant import Tenant
from maxcore.models.webhook import InboundMessage
from maxcore.observability import logger, metrics
from maxcore.rules.auto_replies import decided_by_max
from maxcore.rules.channels import ADDRESS_FIELD
from maxcore.rules.keywords import PRODUCT_COMMANDS, Keyword, answer_key, keyword_of, telegram_command
from maxcore.services.activities import ActivityService
from maxcore.services.consent import ConsentService
from maxcore.services.email_threads import find_answered
from maxcore.services.inbox import InboxService, inbound_reason
from maxcore.services.queueing import enqueue_lead_evaluation
from maxcore.services.telegram_commands import TelegramCommandService
from maxcore.texts import render

Enqueue = Callable[[str, str, datetime], None]


class InboundService:
    """The inbound messages of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        enqueue: Enqueue = enqueue_lead_evaluation,
    ) -> None:
        self.tenant_id = tenant_id
        self._clock = clock
        self._enqueue = enqueue

    def receive(
        self, message: InboundMessage, tenant: Tenant, metadata: Mapping[str, Any] | None = None
    ) -> tuple[str, str | None]:
        """Record an inbound message on its lead (a new lead for an unknown sender).

        The activity's preview is the text's start; a longer text is kept whole (up to
        :data:`~maxcore.models.activity.TEXT_MAX` characters) in ``metadata["text"]``, and read whole.
        An automatic message carries its reason in ``metadata["automatic"]``. ``metadata``: what the
        channel adds (an e-mail's subject and attachments, where its text came from).

        Returns the outcome for the provider's log and, for a keyword (HELP, an opt-out on
        Telegram) or a Telegram command (/start gets the welcome), the answer to send back in the
        webhook's reply. A keyword that acted and a command are marked on the activity
        (``keyword``, ``command``): the timeline keeps them, the inbox does not count them as
        conversation.
        """
        now = self._clock()
        keyword = keyword_of(message.text, message.channel)
        command = telegram_command(message.text) if message.channel is Channel.TELEGRAM else None
        # A reply naming one of our e-mails belongs to that e-mail's lead, whatever address it came from.
        answered = find_answered(self.tenant_id, message)
        lead_id = self._lead_for(message, now) if answered is None else answered.lead_id
        if keyword is Keyword.OPT_IN:
            # "YES" is an opt-in keyword only for a lead who opted out; otherwise it is just an answer.
            current = LeadRepository(self.tenant_id).get(lead_id).consent.get(message.channel)
            if current is None or current.granted:
                keyword = None
        consent = None
        if keyword in (Keyword.OPT_OUT, Keyword.OPT_IN):
            consent = {
                message.channel: self._keyword_consent(message, keyword is Keyword.OPT_IN, now, tenant)
            }
        activity = Activity(
            id=new_id(),
            lead_id=lead_id,
            channel=ActivityChannel(message.channel.value),
            direction=Direction.IN,
            status=ActivityStatus.DELIVERED,
            preview=message.text[:PREVIEW_MAX] or None,
            provider_message_id=message.provider_message_id,
            occurred_at=message.received_at,
            metadata={
                "keyword": None if keyword is None else keyword.value,
                "command": command,
                "sender": message.sender,
                **({"text": message.text[:TEXT_MAX]} if len(message.text) > PREVIEW_MAX else {}),
                **({"automatic": message.automatic} if message.automatic else {}),
                **(metadata or {}),
                **({} if answered is None else answered.metadata),
            },
        )
        try:
            recorded, lead = ActivityService(self.tenant_id, self._clock, tenant.timezone).record(
                activity, consent_updates=consent, evaluate=False
            )
        except DuplicateMessageError:
            # Recorded by an earlier delivery; its follow-up may not have been queued, its conversation
            # not routed, nor a command answered (routing and the answer's claim each act at most once).
            self._enqueue(self.tenant_id, lead_id, now)
            self._route_recorded(message.provider_message_id)
            self._tenant_command(message, lead_id, keyword, command, tenant)
            return "duplicate", None
        self._enqueue(self.tenant_id, lead_id, now)
        metrics.add_metric(name="MessageReceived", unit=MetricUnit.Count, value=1)
        self._route(recorded, lead)
        outcome = "recorded"
        if keyword is not None:
            outcome = f"recorded: {keyword.value}"
        elif command is not None:
            outcome = f"recorded: /{command}"
        handled, answer = self._tenant_command(message, lead_id, keyword, command, tenant)
        if handled:
            return outcome, answer
        key = answer_key(message.channel, keyword, command)
        return outcome, None if key is None else render(key, tenant.locale.value, company=tenant.name)

    def _tenant_command(
        self,
        message: InboundMessage,
        lead_id: str,
        keyword: Keyword | None,
        command: str | None,
        tenant: Tenant,
    ) -> tuple[bool, str | None]:
        """The tenant's own answer to a Telegram command the product does not answer itself.

        ``(False, None)`` leaves the answer to the product: a keyword, one of its commands, a chat
        that opted out of Telegram (it only ever hears the product's rules), a tenant without commands.
        """
        if keyword is not None or command is None or command in PRODUCT_COMMANDS:
            return False, None
        consent = LeadRepository(self.tenant_id).get(lead_id).consent.get(Channel.TELEGRAM)
        if consent is not None and not consent.granted:
            return False, None
        return TelegramCommandService(self.tenant_id, self._clock).answer(message, lead_id, command, tenant)

    def _route(self, recorded: Activity, lead: Lead | None = None) -> None:
        """Give the conversation to a person when a person's words wait for one now.

        Not for a keyword nor a command (the activity says which it was when recorded, whatever the
        lead's consent reads since), nor for a message the evaluation job decides on. ``lead``: the
        lead as the recording wrote it, so routing does not read it again.
        """
        metadata = recorded.metadata
        if metadata.get("keyword") or metadata.get("command") or self._decided_by_max(recorded):
            return
        inbox = InboxService(self.tenant_id, self._clock)
        inbox.route(recorded.lead_id, inbound_reason(recorded), lead=lead)

    def _route_recorded(self, provider_message_id: str) -> None:
        """Route a message an earlier delivery recorded, read as stored (AP10: two strong GetItems);
        routing is idempotent per inbound message, so a delivery that did route changes nothing."""
        activities = ActivityRepository(self.tenant_id)
        ref = activities.find_by_provider_id(provider_message_id)
        recorded = None if ref is None else activities.get(ref)
        if recorded is not None:
            self._route(recorded)

    def _decided_by_max(self, recorded: Activity) -> bool:
        """Whether the lead's evaluation job decides who answers: M.A.X., or a person it routes the
        conversation to with why (AP84: the tenant's automatic answers, one GetItem)."""
        settings = AutoReplyRepository(self.tenant_id).settings()
        return settings is not None and decided_by_max(recorded, {i.value for i in settings.intents})

    def _keyword_consent(
        self, message: InboundMessage, granted: bool, now: datetime, tenant: Tenant
    ) -> ConsentState:
        """Write the sender's STOP or START to the ledger (the message as proof); the lead's new state."""
        ledger = ConsentService(self.tenant_id, self._clock, tenant.locale.value)
        reason = ledger.reason(
            "keyword",
            keyword=message.text.strip()[:40],
            via=render(f"channel.{message.channel.value}.via", ledger.locale),
        )
        ledger.record(
            message.channel,
            message.sender,
            granted=granted,
            source=ConsentSource.KEYWORD,
            proof=message.provider_message_id,
            reason=reason,
            at=now,
        )
        return ConsentState(granted=granted, updated_at=now, reason=reason)

    def _lead_for(self, message: InboundMessage, now: datetime) -> str:
        leads = LeadRepository(self.tenant_id)
        field = ADDRESS_FIELD[message.channel]
        found = leads.find_by_contact(field, message.sender)
        if found is not None:
            return found
        first, _, last = (message.sender_name or "").strip().partition(" ")
        lead = Lead.model_validate(
            {
                "id": new_id(),
                "first_name": first[:100] or None,
                "last_name": last.strip()[:100] or None,
                field: message.sender,
                "source": "inbound",
                "created_at": now,
                "updated_at": now,
            }
        )
        try:
            # A sender who opted out before (as another lead, since deleted) stays opted out.
            leads.create(ConsentService(self.tenant_id, self._clock).held(lead))
        except ConflictError:
            # Another delivery from the same new sender created the lead first.
            again = leads.find_by_contact(field, message.sender)
            if again is None:
                raise
            return again
        logger.info(
            "lead created from an inbound message",
            extra={"lead_id": lead.id, "channel": message.channel.value},
        )
        return lead.id
