"""The team inbox repository: the assignment rule and its turn, the counters, the internal notes.

A conversation's state itself lives in its lead's summary (:class:`~maxcore.dal.leads.LeadRepository`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist
from pynamodb.transactions import TransactWrite

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import InboxCounterItem, InboxSettingsItem, NoteItem
from maxcore.models.inbox import Assignment, InboxSettings, Note
from maxcore.rules.inbox import lowered_snoozes

_ENTITY = UnicodeAttribute(attr_name="entity")
"""The discriminator, named by the updates that create an item (pynamodb sets it on puts only)."""


def add_inbox_counts(tx: TransactWrite, tenant_id: str, delta: Mapping[str, int]) -> None:
    """AP79: add ``delta`` to the tenant's inbox counters within the caller's transaction.

    The caller puts its own items first, so the positions of their cancellation reasons do not move.
    """
    pk = keys.team_inbox_pk(tenant_id)
    for name, value in sorted(delta.items()):
        tx.update(
            InboxCounterItem(pk, keys.inbox_counter_sk(name)),
            actions=[InboxCounterItem.n.add(value), _ENTITY.set("InboxCounter")],
        )


def drop_emptied_snoozes(tenant_id: str, delta: Mapping[str, int]) -> None:
    """AP79: once the caller's transaction holds, delete each snooze counter it lowered that is now 0.

    One DeleteItem each, on condition that the counter is still 0: a conversation snoozed to the same
    time meanwhile keeps it (the delete fails), and one snoozed after the delete starts it again from
    0 (``ADD`` on a missing item). The counts' Query then reads only the snoozes that still count.
    """
    pk = keys.team_inbox_pk(tenant_id)
    for name in lowered_snoozes(delta):
        try:
            InboxCounterItem(pk, keys.inbox_counter_sk(name)).delete(condition=InboxCounterItem.n == 0)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise


class InboxRepository(TenantRepository):
    """The team inbox of one tenant."""

    def settings(self) -> InboxSettings:
        """AP77: the assignment rule (the shared queue when none was set)."""
        try:
            item = InboxSettingsItem.get(
                keys.team_inbox_pk(self.tenant_id), keys.INBOX_SETTINGS_SK, consistent_read=True
            )
        except DoesNotExist:
            return InboxSettings()
        return InboxSettings(
            assignment=Assignment(item.assignment or Assignment.NONE),
            users=list(item.users or []),
            updated_by=item.updated_by,
            updated_at=item.updated_at,
        )

    def save_settings(self, settings: InboxSettings, actor: str, at: datetime) -> None:
        """AP77: set the assignment rule; the round robin's turn carries on where it was."""
        item = InboxSettingsItem(keys.team_inbox_pk(self.tenant_id), keys.INBOX_SETTINGS_SK)
        item.update(
            actions=[
                _ENTITY.set("InboxSettings"),
                InboxSettingsItem.assignment.set(settings.assignment.value),
                InboxSettingsItem.users.set(settings.users),
                InboxSettingsItem.updated_by.set(actor),
                InboxSettingsItem.updated_at.set(at),
            ]
        )

    def take_turn(self) -> int:
        """AP78: the round robin's next turn (1, 2, ...), counted atomically however many route at once."""
        item = InboxSettingsItem(keys.team_inbox_pk(self.tenant_id), keys.INBOX_SETTINGS_SK)
        item.update(actions=[InboxSettingsItem.turn.add(1), _ENTITY.set("InboxSettings")])
        return int(item.turn)

    def counters(self) -> dict[str, int]:
        """AP79: every inbox counter of the tenant, by name: one Query of the small counter items."""
        prefix = keys.INBOX_COUNTER_SK_PREFIX
        return {
            item.SK.removeprefix(prefix): int(item.n)
            for item in InboxCounterItem.query(
                keys.team_inbox_pk(self.tenant_id), InboxCounterItem.SK.startswith(prefix)
            )
        }

    def add_note(self, note: Note) -> None:
        """AP80: put an internal note on a lead's conversation."""
        NoteItem(
            keys.inbox_notes_pk(self.tenant_id, note.lead_id),
            keys.inbox_note_sk(note.id),
            note_id=note.id,
            lead_id=note.lead_id,
            author=note.author,
            text=note.text,
            created_at=note.created_at,
        ).save(condition=NoteItem.PK.does_not_exist())

    def notes(self, lead_id: str, limit: int, after: str | None) -> tuple[list[Note], str | None]:
        """AP80: a page of a conversation's notes, oldest first, after the note ``after``."""
        pk = keys.inbox_notes_pk(self.tenant_id, lead_id)
        prefix = keys.inbox_note_sk("")
        condition = (
            NoteItem.SK.startswith(prefix) if after is None else NoteItem.SK > keys.inbox_note_sk(after)  # noqa: SIM300
        )
        found = list(NoteItem.query(pk, condition, limit=limit + 1, consistent_read=True))
        notes = [
            Note(id=i.note_id, lead_id=i.lead_id, author=i.author, text=i.text, created_at=i.created_at)
            for i in found[:limit]
        ]
        return notes, notes[-1].id if len(found) > limit else None
