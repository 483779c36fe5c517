"""The suppression repository: addresses a tenant must not write to again (bounces, complaints)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import SuppressionItem


class SuppressionRepository(TenantRepository):
    """Suppressed e-mail addresses of one tenant."""

    def is_suppressed(self, address: str) -> bool:
        """AP27: whether ``address`` (normalised) is suppressed."""
        try:
            SuppressionItem.get(keys.suppression_pk(self.tenant_id), keys.suppression_sk("EMAIL", address))
        except DoesNotExist:
            return False
        return True

    def addresses(self) -> frozenset[str]:
        """AP27: every suppressed address of the tenant (one Query of its partition, 1 MB pages)."""
        return frozenset(
            item.address
            for item in SuppressionItem.query(keys.suppression_pk(self.tenant_id))
            if isinstance(item, SuppressionItem)
        )

    def suppress(
        self, address: str, reason: str, detail: str | None, provider_message_id: str | None, now: datetime
    ) -> bool:
        """AP27: suppress ``address``; the first reason stays. Returns ``False`` when already there."""
        item = SuppressionItem(
            keys.suppression_pk(self.tenant_id),
            keys.suppression_sk("EMAIL", address),
            address=address,
            reason=reason,
            detail=None if detail is None else detail[:500],
            provider_message_id=provider_message_id,
            created_at=now,
        )
        try:
            item.save(condition=SuppressionItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True
