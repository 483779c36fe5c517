"""Automatic answers, as the API sees them: a tenant's settings and what M.A.X. decided per message.

M.A.X. answers an inbound message by itself only in auto mode, only the intents the tenant enabled,
only from the FAQ the tenant wrote (:mod:`maxcore.rules.auto_replies`); the worker's side, which
writes and sends the answer or leaves the message to a person, is
:mod:`maxcore.services.auto_reply_sender`. Each decision keeps its reason's code and values; the API
renders it in the tenant's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from maxcore.clock import utcnow
from maxcore.dal.auto_replies import AutoReplyRepository
from maxcore.dal.leads import LeadRepository
from maxcore.models.inbox import RoutingReason
from maxcore.models.replies import (
    AutoReplyOutcome,
    AutoReplyOutcomeList,
    AutoReplySettings,
    AutoReplySettingsResponse,
    AutoReplyState,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.inbox import reason_text
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

DECISIONS_SHOWN = 20
"""The decisions on a lead's latest messages the API shows."""


def decision_text(answered: bool, code: str, params: dict[str, str], locale: str) -> str:
    """What became of a message, in ``locale``: answered by M.A.X., or why a person answers it (the
    conversation's routing reason)."""
    if answered:
        return render("auto_reply.answered", locale)
    return reason_text(RoutingReason(code=code, params=params), locale) or ""


class AutoReplyService:
    """The automatic answers of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = AutoReplyRepository(tenant_id)
        self._clock = clock

    @cached_property
    def tenant(self) -> Tenant:
        """The tenant's settings (mode, locale, name...), read when first needed."""
        return tenant_settings(self.tenant_id)

    # --- settings ---------------------------------------------------------------------------------
    def settings(self) -> AutoReplySettingsResponse:
        """The tenant's settings; none set yet reads as nothing enabled and an empty FAQ."""
        return self.repository.settings() or AutoReplySettingsResponse()

    def save(self, settings: AutoReplySettings) -> AutoReplySettingsResponse:
        """Replace the tenant's settings; answering needs the auto mode besides."""
        saved = self.repository.save_settings(settings, self._clock())
        logger.info(
            "automatic answer settings saved",
            extra={"intents": [i.value for i in settings.intents], "faq": len(settings.faq)},
        )
        return saved

    def decisions(self, lead_id: str) -> AutoReplyOutcomeList:
        """What became of the lead's latest inbound messages, newest first (404 for an unknown lead)."""
        LeadRepository(self.tenant_id).get(lead_id)
        locale = self.tenant.locale.value
        return AutoReplyOutcomeList(
            items=[
                AutoReplyOutcome(
                    message_id=decision.message_id,
                    answered=bool(decision.answered),
                    code=decision.code or "",
                    reason=decision_text(
                        bool(decision.answered), decision.code or "", decision.params, locale
                    ),
                    reply_id=decision.reply_id,
                    decided_at=decision.settled_at or decision.created_at,
                )
                for decision in self.repository.for_lead(lead_id, DECISIONS_SHOWN)
                if decision.state is AutoReplyState.DONE
            ]
        )
