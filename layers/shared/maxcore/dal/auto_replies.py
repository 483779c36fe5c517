"""The automatic answers' repository: a tenant's settings, and the decision on each inbound message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import AutoReplyItem, AutoReplySettingsItem
from maxcore.models.replies import (
    AutoReplyDecision,
    AutoReplySettings,
    AutoReplySettingsResponse,
    AutoReplyState,
    Verdict,
)

DECISION_TTL_SECONDS = 90 * 24 * 3600
"""How long a decision is kept: a redelivered message comes within days, the thread keeps the rest."""


class AutoReplyRepository(TenantRepository):
    """The automatic answers of one tenant."""

    # --- settings ---------------------------------------------------------------------------------
    def settings(self) -> AutoReplySettingsResponse | None:
        """AP84: the tenant's automatic answer settings (consistent), ``None`` when never set."""
        try:
            item = AutoReplySettingsItem.get(
                keys.tenant_pk(self.tenant_id), keys.AUTO_REPLY_SETTINGS_SK, consistent_read=True
            )
        except DoesNotExist:
            return None
        return AutoReplySettingsResponse.model_validate(
            {"intents": plain(item.intents), "faq": plain(item.faq), "updated_at": item.updated_at}
        )

    def save_settings(self, settings: AutoReplySettings, now: datetime) -> AutoReplySettingsResponse:
        """AP84: replace the tenant's automatic answer settings as a whole."""
        stored = settings.model_dump(mode="json")
        AutoReplySettingsItem(
            keys.tenant_pk(self.tenant_id),
            keys.AUTO_REPLY_SETTINGS_SK,
            intents=stored["intents"],
            faq=stored["faq"],
            updated_at=now,
        ).save()
        return AutoReplySettingsResponse.model_validate({**stored, "updated_at": now})

    # --- the decision on one inbound message ------------------------------------------------------
    def decision(self, lead_id: str, message_id: str) -> AutoReplyDecision | None:
        """AP85: the decision on an inbound message (consistent), ``None`` before any worker took it."""
        try:
            item = AutoReplyItem.get(*self._key(lead_id, message_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _decision(item)

    def claim(
        self,
        lead_id: str,
        message_id: str,
        previous: AutoReplyDecision | None,
        lease: tuple[str, datetime],
        now: datetime,
    ) -> bool:
        """AP85: take the message for a lease, if it is as ``previous`` was read (absent, or its lease over).

        ``False`` when it was decided, is held by a live lease, or another worker took it meanwhile.
        """
        if previous is not None and (
            previous.state is AutoReplyState.DONE or (previous.lease_until or now) > now
        ):
            return False
        token, lease_until = lease
        held: Condition = (
            AutoReplyItem.PK.does_not_exist()
            if previous is None
            else AutoReplyItem.claim_token == previous.claim_token
        )
        state = AutoReplyState.CLAIMED if previous is None else previous.state
        actions: list[Action] = [
            AutoReplyItem.entity.set(AutoReplyItem),
            AutoReplyItem.lead_id.set(lead_id),
            AutoReplyItem.message_id.set(message_id),
            AutoReplyItem.state.set(state.value),
            AutoReplyItem.claim_token.set(token),
            AutoReplyItem.lease_until.set(lease_until),
            AutoReplyItem.created_at.set(previous.created_at if previous is not None else now),
            AutoReplyItem.expires_at.set(int(now.timestamp()) + DECISION_TTL_SECONDS),
        ]
        return self._update(lead_id, message_id, actions, held)

    def note_sending(self, lead_id: str, message_id: str, token: str) -> bool:
        """AP85: the answer's send starts (before the provider call), conditional on the claim."""
        actions: list[Action] = [AutoReplyItem.state.set(AutoReplyState.SENDING.value)]
        return self._update(lead_id, message_id, actions, AutoReplyItem.claim_token == token)

    def settle(
        self, lead_id: str, message_id: str, token: str, verdict: Verdict, reply_id: str | None, now: datetime
    ) -> bool:
        """AP85: what the message came to (answered, or left to a person and why), if the claim holds."""
        actions: list[Action] = [
            AutoReplyItem.state.set(AutoReplyState.DONE.value),
            AutoReplyItem.answered.set(verdict.answered),
            AutoReplyItem.reason.set(verdict.code),
            AutoReplyItem.params.set(dict(verdict.params)),
            AutoReplyItem.settled_at.set(now),
            AutoReplyItem.lease_until.remove(),
        ]
        if reply_id is not None:
            actions.append(AutoReplyItem.reply_id.set(reply_id))
        return self._update(lead_id, message_id, actions, AutoReplyItem.claim_token == token)

    def for_lead(self, lead_id: str, limit: int) -> list[AutoReplyDecision]:
        """AP86: the decisions on a lead's latest inbound messages, newest first (one Query)."""
        items = AutoReplyItem.query(
            keys.auto_reply_pk(self.tenant_id),
            AutoReplyItem.SK.startswith(f"{lead_id}#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [_decision(item) for item in items if isinstance(item, AutoReplyItem)]

    # --- helpers ----------------------------------------------------------------------------------
    def _key(self, lead_id: str, message_id: str) -> tuple[str, str]:
        return keys.auto_reply_pk(self.tenant_id), keys.auto_reply_sk(lead_id, message_id)

    def _update(self, lead_id: str, message_id: str, actions: list[Action], condition: Condition) -> bool:
        try:
            AutoReplyItem(*self._key(lead_id, message_id)).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True


def _decision(item: AutoReplyItem) -> AutoReplyDecision:
    values: dict[str, Any] = {
        "lead_id": item.lead_id,
        "message_id": item.message_id,
        "state": item.state,
        "claim_token": item.claim_token,
        "lease_until": item.lease_until,
        "answered": item.answered,
        "code": item.reason,
        "params": plain(item.params or {}),
        "reply_id": item.reply_id,
        "created_at": item.created_at,
        "settled_at": item.settled_at,
    }
    return AutoReplyDecision.model_validate(values)
