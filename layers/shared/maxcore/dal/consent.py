"""The consent repository: the ledger of a tenant's addresses, their current state and history.

One partition per tenant (``TENANT#t#CONSENT``). Under it each address has, per channel, one item
holding its current state (``sms#+33612345678``: one GetItem tells a sender where it stands) and,
sorted right after it, its history (``sms#+33612345678#<at>#<ulid>``), only ever added to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from pynamodb.exceptions import TransactWriteError

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, batch_get
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ConsentEntryItem, ConsentStateItem
from maxcore.ids import new_id
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentEntry, ConsentSource

_State = TypeVar("_State", bound=ConsentStateItem)


class ConsentRepository(TenantRepository):
    """The consent ledger of one tenant."""

    def latest(self, addresses: Mapping[Channel, str]) -> dict[Channel, ConsentEntry]:
        """AP46: the current state of a few addresses, each on its channel (one BatchGetItem).

        A channel missing from the answer has no entry in the ledger.
        """
        pk = keys.consent_pk(self.tenant_id)
        wanted = {(pk, keys.consent_state_sk(c.value, a)): c for c, a in addresses.items()}
        found = batch_get(ConsentStateItem, list(wanted))
        return {wanted[key]: _entry(item) for key, item in found.items()}

    def record(self, entry: ConsentEntry) -> bool:
        """AP46: add ``entry`` to its address's history and make it the current state, at once.

        Providers deliver out of order: an entry older than the current state is kept in the
        history but leaves the state as it is. Returns whether the entry became the current state.
        """
        pk = keys.consent_pk(self.tenant_id)
        state = _item(ConsentStateItem, pk, keys.consent_state_sk(entry.channel.value, entry.address), entry)
        history = _item(
            ConsentEntryItem,
            pk,
            keys.consent_entry_sk(entry.channel.value, entry.address, to_iso(entry.at), new_id()),
            entry,
        )
        try:
            with self._transaction() as tx:
                tx.save(history, condition=ConsentEntryItem.PK.does_not_exist())
                tx.save(
                    state,
                    condition=ConsentStateItem.PK.does_not_exist() | (ConsentStateItem.at <= entry.at),
                )
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            history.save(condition=ConsentEntryItem.PK.does_not_exist())
            return False
        return True

    def history(self, channel: Channel, address: str, limit: int) -> list[ConsentEntry]:
        """AP46: the latest ``limit`` entries of an address on one channel, newest first."""
        prefix = keys.consent_history_prefix(channel.value, address)
        items = ConsentEntryItem.query(
            keys.consent_pk(self.tenant_id),
            ConsentEntryItem.SK.startswith(prefix),
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return [_entry(item) for item in items]

    def iter_entries(self) -> Iterator[ConsentEntry]:
        """AP47: every entry of the ledger, address by address, oldest first (1 MB pages, lazily)."""
        for item in ConsentEntryItem.query(keys.consent_pk(self.tenant_id)):
            if isinstance(item, ConsentEntryItem):
                yield _entry(item)


def _item(model: type[_State], pk: str, sk: str, entry: ConsentEntry) -> _State:
    return model(
        pk,
        sk,
        channel=entry.channel.value,
        address=entry.address,
        granted=entry.granted,
        at=entry.at,
        source=entry.source.value,
        proof=entry.proof or None,
        reason=entry.reason or None,
    )


def _entry(item: ConsentStateItem) -> ConsentEntry:
    return ConsentEntry(
        channel=Channel(item.channel),
        address=item.address,
        granted=item.granted,
        at=item.at,
        source=ConsentSource(item.source),
        proof=item.proof,
        reason=item.reason or "",
    )
