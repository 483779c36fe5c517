"""A reply M.A.X. suggests to a lead's latest message, for a rep to edit and send.

The model reads the tenant's rules in its system message and the lead and the conversation as quoted
JSON data in the user message (:func:`reply_messages`, shared with the automatic answers): a lead
writing "ignore your instructions" changes the data, never the rules. The suggestion's tokens are
reserved before the call, committed when a usable reply comes back and refunded on any failure; the
ledger names the lead and the message. Nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from maxcore.ai import llm
from maxcore.ai.prompts import reply_data, reply_system_prompt
from maxcore.ai.replies import WrittenReply, write_reply
from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, UpstreamError
from maxcore.models.activity import Activity, Direction
from maxcore.models.budget import TokenAction
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.replies import SuggestedReply
from maxcore.models.tenant import Tenant
from maxcore.services.budget import BudgetService
from maxcore.services.tenants import tenant_settings

THREAD_MAX = 12
"""The latest messages of the thread (every channel) the model reads; older ones are left out."""


def thread_entries(recent: Sequence[Activity]) -> list[dict[str, str]]:
    """The conversation as the model reads it, oldest first: who wrote, on which channel, when, what."""
    return [
        {
            "from": "lead" if activity.direction is Direction.IN else "team",
            "channel": activity.channel.value,
            "at": activity.occurred_at.isoformat(),
            "text": activity.text or "",
        }
        for activity in reversed(recent)
    ]


def reply_messages(
    tenant: Tenant,
    lead: Lead,
    recent: Sequence[Activity],
    answering: Activity,
    faq: list[tuple[str, str]] | None = None,
) -> list[dict[str, str]]:
    """The chat messages asking for the reply to ``answering``, ``recent`` being the thread newest first."""
    system = reply_system_prompt(
        tenant_name=tenant.name,
        locale=tenant.locale.value,
        channel=answering.channel.value,
        profile=tenant.business_profile,
        faq=faq,
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": reply_data(lead, thread_entries(recent), answering.text or "")},
    ]


class SuggestedReplyService:
    """The suggested replies of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self._clock = clock

    def suggest(self, lead_id: str) -> SuggestedReply:
        """A reply to the lead's latest inbound message, charged (refunded if no usable reply comes).

        Raises
        ------
        NotFoundError
            Unknown lead (another tenant's included).
        ConflictError
            409: the lead has written nothing to answer.
        ServiceUnavailableError
            503: no model is configured (nothing reserved).
        InsufficientTokensError
            402: the balance does not cover the suggestion (nothing called).
        UpstreamError
            502: the model failed or gave no usable reply (the tokens are refunded).
        """
        lead = LeadRepository(self.tenant_id).get(lead_id)
        recent = ActivityRepository(self.tenant_id).messages_page(lead_id, None, THREAD_MAX)
        answering = next((a for a in recent if a.direction is Direction.IN and a.text), None)
        if answering is None:
            raise ConflictError(
                "the lead has sent no message to answer yet",
                {"lead_id": lead_id, "code": "no_inbound_message"},
            )
        tenant = tenant_settings(self.tenant_id)
        model = llm.chat_model()
        messages = reply_messages(tenant, lead, recent, answering)
        channel = answering.channel.value
        about = {"lead_id": lead_id, "message_id": answering.id, "lead": lead.display_name}
        budget = BudgetService(self.tenant_id, self._clock)
        with budget.spend(TokenAction.SUGGESTED_REPLY, mode=tenant.mode, about=about) as reservation:
            written = usable(write_reply(model, messages, channel))
        return SuggestedReply(
            body=written.body,
            subject=written.subject,
            channel=Channel(channel),
            based_on=answering.id,
            tokens=reservation.cost,
        )


def usable(written: WrittenReply | None) -> WrittenReply:
    """The model's reply, or a 502 when it wrote none (the caller's tokens are then refunded)."""
    if written is None or not written.answerable:
        raise UpstreamError("the model gave no usable reply; try again shortly", {})
    return written
