"""The blacklist repository: addresses a tenant never prospects."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DeleteError, PutError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import BlacklistItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.prospection import BlacklistEntry, BlacklistKind


class BlacklistRepository(TenantRepository):
    """The blacklist of one tenant."""

    def matches(self, email: str | None, phone: str | None) -> list[BlacklistEntry]:
        """AP36: the entries matching a lead's e-mail or phone (one BatchGet, at most two keys)."""
        wanted = [(BlacklistKind.EMAIL, email), (BlacklistKind.PHONE, phone)]
        item_keys = [
            (keys.blacklist_pk(self.tenant_id), keys.blacklist_sk(k.value, v)) for k, v in wanted if v
        ]
        if not item_keys:
            return []
        return [_entry(i) for i in BlacklistItem.batch_get(item_keys) if isinstance(i, BlacklistItem)]

    def listed(self, addresses: Iterable[tuple[BlacklistKind, str]]) -> set[tuple[BlacklistKind, str]]:
        """AP36: which of many e-mails and phones are blacklisted (BatchGet, 100 keys a call)."""
        wanted = {(kind, value) for kind, value in addresses if value}
        if not wanted:
            return set()
        pk = keys.blacklist_pk(self.tenant_id)
        found = BlacklistItem.batch_get([(pk, keys.blacklist_sk(k.value, v)) for k, v in wanted])
        return {(BlacklistKind(i.kind), i.value) for i in found if isinstance(i, BlacklistItem)}

    def list_all(self) -> list[BlacklistEntry]:
        """AP36: the whole blacklist (e-mails, then phones)."""
        return [
            _entry(i)
            for i in BlacklistItem.query(keys.blacklist_pk(self.tenant_id))
            if isinstance(i, BlacklistItem)
        ]

    def add(self, entry: BlacklistEntry) -> BlacklistEntry:
        """AP36: blacklist an address once; 409 when it already is."""
        item = BlacklistItem(
            keys.blacklist_pk(self.tenant_id),
            keys.blacklist_sk(entry.kind.value, entry.value),
            kind=entry.kind.value,
            value=entry.value,
            reason=entry.reason,
            source=entry.source,
            created_at=entry.created_at,
            created_by=entry.created_by,
        )
        try:
            item.save(condition=BlacklistItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                f"{entry.value} is already blacklisted", {"kind": entry.kind.value, "value": entry.value}
            ) from exc
        return entry

    def remove(self, kind: BlacklistKind, value: str) -> None:
        """AP36: take an address off the blacklist; 404 when it is not on it."""
        item = BlacklistItem(keys.blacklist_pk(self.tenant_id), keys.blacklist_sk(kind.value, value))
        try:
            item.delete(condition=BlacklistItem.PK.exists())
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            raise NotFoundError(f"{value} is not blacklisted", {"kind": kind.value, "value": value}) from exc


def _entry(item: BlacklistItem) -> BlacklistEntry:
    return BlacklistEntry(
        kind=BlacklistKind(item.kind),
        value=item.value,
        reason=item.reason,
        source=item.source,
        created_at=item.created_at,
        created_by=item.created_by,
    )
