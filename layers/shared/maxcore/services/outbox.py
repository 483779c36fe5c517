"""The local outbox: what channels without credentials would have sent."""

from __future__ import annotations

from maxcore.dal.outbox import OutboxRepository
from maxcore.models.channel import OutboxEntry


class OutboxService:
    """The outbox of one tenant."""

    def __init__(self, tenant_id: str) -> None:
        self.repository = OutboxRepository(tenant_id)

    def page(self, limit: int, cursor: str | None) -> tuple[list[OutboxEntry], str | None]:
        """A page of the outbox, newest first."""
        return self.repository.page(limit, cursor)
