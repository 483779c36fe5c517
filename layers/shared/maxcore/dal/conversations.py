"""The conversation repository: one user's chat history with M.A.X., expiring through the TTL."""

from __future__ import annotations

import json
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ConversationItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.assistant import Conversation


class ConversationRepository(TenantRepository):
    """Conversations of one tenant; each readable by its owner only."""

    def get(self, conversation_id: str, owner: str, now: datetime) -> Conversation:
        """AP19: a conversation of ``owner``; another user's, another tenant's or an expired one is a 404.

        The TTL deletes expired items within a day or two, so expiry is also checked on read.
        """
        missing = NotFoundError(
            f"conversation {conversation_id} not found (it may have expired)",
            {"conversation_id": conversation_id},
        )
        try:
            item = ConversationItem.get(
                keys.conversation_pk(self.tenant_id),
                keys.conversation_sk(conversation_id),
                consistent_read=True,
            )
        except DoesNotExist as exc:
            raise missing from exc
        if item.owner != owner or (item.expires_at or 0) <= now.timestamp():
            raise missing
        return Conversation(
            id=item.conversation_id,
            owner=item.owner,
            messages=json.loads(item.messages),
            drafts=list(item.drafts or []),
            created_at=item.created_at,
            updated_at=item.updated_at,
            expires_at=datetime.fromtimestamp(int(item.expires_at or 0), tz=now.tzinfo),
            revision=item.version,
        )

    def save(self, conversation: Conversation) -> Conversation:
        """AP19: write the conversation if nobody else wrote it since it was read (409 otherwise)."""
        item = ConversationItem(
            keys.conversation_pk(self.tenant_id),
            keys.conversation_sk(conversation.id),
            conversation_id=conversation.id,
            owner=conversation.owner,
            messages=json.dumps(conversation.messages, ensure_ascii=False, separators=(",", ":")),
            drafts=list(conversation.drafts),
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
            expires_at=int(conversation.expires_at.timestamp()),
        )
        if conversation.revision is not None:
            item.version = conversation.revision
        try:
            item.save()
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the conversation changed meanwhile (another message was being answered); send it again",
                {"conversation_id": conversation.id},
            ) from exc
        return conversation.model_copy(update={"revision": item.version})
