"""The lead repository: leads of one tenant and the guards that keep their contacts unique."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from itertools import islice
from operator import and_
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, batch_get, decode_cursor, encode_cursor, from_index, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.inbox import add_inbox_counts, drop_emptied_snoozes
from maxcore.dal.items import ContactItem, LeadItem
from maxcore.dal.stats import add_to_transaction
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.inbox import ConversationStatus
from maxcore.models.lead import Lead, LeadStatus, LeadSummary
from maxcore.rules.bulk import LeadFacts
from maxcore.rules.contact import fold, search_text
from maxcore.rules.inbox import counter_delta
from maxcore.rules.reporting import NOTHING, Counts

CONTACT_FIELDS: dict[str, str] = {"phone": "PHONE", "email": "EMAIL", "telegram_chat_id": "TELEGRAM"}
"""Lead fields that identify a lead within its tenant, and their guard kind."""


@dataclass(frozen=True)
class ConversationFilter:
    """What ``GET /conversations`` can narrow the inbox by, besides the channel."""

    now: datetime
    status: ConversationStatus | None = None
    unread: bool = False
    owner: str | None = None
    unassigned: bool = False
    intent: str | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeadFilter:
    """What ``GET /leads`` can narrow a list by."""

    status: LeadStatus | None = None
    tag: str | None = None
    text: str | None = None


class LeadRepository(TenantRepository):
    """Leads of one tenant. Every key is built from the tenant given at construction."""

    # --- reads --------------------------------------------------------------------------------
    def get(self, lead_id: str) -> Lead:
        """AP2: get a lead by id; another tenant's id is simply not found."""
        try:
            item = LeadItem.get(keys.lead_pk(self.tenant_id), keys.lead_sk(lead_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(f"lead {lead_id} not found", {"lead_id": lead_id}) from exc
        return lead_from_item(item)

    def get_many(self, lead_ids: Iterable[str], *, consistent: bool = False) -> dict[str, Lead]:
        """AP2: several leads by id, 100 keys per BatchGetItem; unknown ids are simply absent.

        Parameters
        ----------
        lead_ids
            The ids wanted (repeats are read once); another tenant's ids are not found.
        consistent
            Strongly consistent reads (the scheduler, deciding on a lead's latest replies).

        Returns
        -------
        dict[str, Lead]
            The leads found, by id.

        Raises
        ------
        ServiceUnavailableError
            When DynamoDB keeps leaving keys unprocessed (:func:`maxcore.dal.base.batch_get`).
        """
        pk = keys.lead_pk(self.tenant_id)
        found = batch_get(
            LeadItem, [(pk, keys.lead_sk(lead_id)) for lead_id in lead_ids], consistent=consistent
        )
        return {item.lead_id: lead_from_item(item) for item in found.values()}

    def find_by_contact(self, field: str, value: str) -> str | None:
        """AP5: id of the lead that has this phone, e-mail or Telegram chat id, if any."""
        try:
            guard = ContactItem.get(
                keys.contact_pk(self.tenant_id), keys.contact_sk(CONTACT_FIELDS[field], value)
            )
        except DoesNotExist:
            return None
        return guard.lead_id

    def list_leads(
        self, filters: LeadFilter, limit: int, cursor: str | None
    ) -> tuple[list[Lead], str | None]:
        """AP3/AP4: a page of leads, newest first, optionally by status (GSI1), tag or text.

        Filters on tag and text are DynamoDB filter expressions on the same Query (GSI1 projects
        the tags and the search text); pages are read until ``limit`` matching leads are found, and
        the cursor resumes after the last one returned. By status, the index gives the page's keys
        and one BatchGetItem its leads; a lead whose status changed since the index was read is
        left out.
        """
        after = decode_cursor(cursor) if cursor else None
        condition = _filter_condition(filters)
        # One extra lead tells whether another page exists; filtered lists read wider pages because
        # DynamoDB applies the filter after the page is read.
        page_size = limit + 1 if condition is None else max(limit + 1, 200)
        start = self._start_key(after, filters.status) if after else None
        found = list(islice(self._query(filters.status, condition, page_size, start), limit + 1))
        page: Iterable[LeadItem] = found[:limit]
        if filters.status is not None:
            status = filters.status.value
            page = (i for i in from_index(LeadItem, found[:limit]) if i.status == status)
        following = (
            encode_cursor(found[limit - 1].SK.removeprefix(keys.LEAD_SK_PREFIX))
            if len(found) > limit
            else None
        )
        return [lead_from_item(item) for item in page], following

    def contact_guards(self, field: str) -> Iterator[tuple[str, str]]:
        """AP5': every guard of one contact kind (``phone``...) as (value, lead id), for admin checks."""
        kind = CONTACT_FIELDS[field]
        for guard in ContactItem.query(
            keys.contact_pk(self.tenant_id), ContactItem.SK.startswith(keys.contact_sk(kind, ""))
        ):
            yield guard.SK.removeprefix(keys.contact_sk(kind, "")), guard.lead_id

    def iter_all(self, after: str | None = None) -> Iterator[Lead]:
        """AP3 unfiltered, page after 1 MB page: a sweep over a tenant's leads, in sort key order.

        ``after``: start past this lead id (the Query starts from its key, as from a page's
        LastEvaluatedKey), where a run in parts stopped.
        """
        start = None if after is None else self._start_key(after, None)
        for item in LeadItem.query(
            keys.lead_pk(self.tenant_id),
            LeadItem.SK.startswith(keys.LEAD_SK_PREFIX),
            last_evaluated_key=start,
        ):
            yield lead_from_item(item)

    def segment_facts(self, after: str | None = None) -> Iterator[LeadFacts]:
        """AP53: what a bulk send's segment reads of each lead (status, tags, search text), in id
        order, 1 MB pages of the lead partition; ``after``: past this lead id, where a part stopped."""
        start = None if after is None else self._start_key(after, None)
        for item in LeadItem.query(
            keys.lead_pk(self.tenant_id),
            LeadItem.SK.startswith(keys.LEAD_SK_PREFIX),
            last_evaluated_key=start,
            attributes_to_get=["entity", "lead_id", "status", "tags", "search_text"],
        ):
            yield LeadFacts(item.lead_id, item.status, frozenset(item.tags or ()), item.search_text or "")

    def conversations(
        self,
        channel: Channel | None,
        limit: int,
        before: str | None,
        filters: ConversationFilter | None = None,
    ) -> tuple[list[Lead], str | None]:
        """AP22, AP81: leads with messages, by last message newest first (GSI2), optionally filtered.

        ``before`` is the position (``<last message time>#<lead id>``) the previous page ended on.
        The channel filter keeps leads that wrote or were written to on that channel; ``filters``
        narrow by the team's state, unread, last intent and search words. GSI2 projects the summary
        these read, so they are filter expressions on the Query: pages are read until ``limit``
        leads are found, then one BatchGetItem reads them.
        """
        condition = _all_of(_channel_condition(channel), _conversation_condition(filters))
        range_condition = None if before is None else LeadItem.GSI2SK < before  # noqa: SIM300
        query = LeadItem.gsi2.query(
            keys.inbox_gsi2pk(self.tenant_id),
            range_condition,
            filter_condition=condition,
            scan_index_forward=False,
            page_size=limit + 1 if condition is None else max(limit + 1, 100),
        )
        found = list(islice(query, limit + 1))
        leads = [lead_from_item(item) for item in from_index(LeadItem, found[:limit])]
        return leads, found[limit - 1].GSI2SK if len(found) > limit else None

    def set_summary(self, lead: Lead, summary: LeadSummary) -> Lead:
        """AP23, AP81: write a new summary of ``lead`` if the lead did not change since it was read.

        What the change moves in the inbox counters (AP79) is added in the same transaction.
        """
        item = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(lead.id))
        item.version = lead.version
        delta = counter_delta(lead.summary, summary)
        try:
            with self._transaction() as tx:
                stored = stored_summary(lead, summary)
                tx.update(item, actions=[LeadItem.summary.set(stored)], condition=LeadItem.PK.exists())
                add_inbox_counts(tx, self.tenant_id, delta)
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError("the lead changed meanwhile; retry", {"lead_id": lead.id}) from exc
        drop_emptied_snoozes(self.tenant_id, delta)
        return lead.model_copy(update={"summary": summary, "version": lead.version + 1})

    # --- writes -------------------------------------------------------------------------------
    def create(self, lead: Lead) -> Lead:
        """AP1: put a new lead and its contact guards in one transaction (409 on a taken contact)."""
        item = _to_item(self.tenant_id, lead)
        with_contacts = _contacts(lead)
        try:
            with self._transaction() as tx:
                tx.save(item, condition=LeadItem.PK.does_not_exist())
                for field, value in with_contacts.items():
                    tx.save(self._guard(field, value, lead.id), condition=ContactItem.PK.does_not_exist())
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            self._raise_duplicate(with_contacts, exc)
        return lead.model_copy(update={"version": item.version})

    def update(self, before: Lead, after: Lead, counts: Counts = NOTHING) -> Lead:
        """AP1: write ``after`` over ``before`` if nobody changed it meanwhile; move contact guards.

        ``counts``: what the change adds to the reporting counters (AP55: a conversion), written in
        the same transaction, so a change that loses its race counts nothing.
        """
        item = _to_item(self.tenant_id, after)
        item.version = before.version
        old, new = _contacts(before), _contacts(after)
        added = {f: v for f, v in new.items() if old.get(f) != v}
        removed = {f: v for f, v in old.items() if new.get(f) != v}
        actions = _update_actions(item)
        delta = counter_delta(before.summary, after.summary)
        try:
            with self._transaction() as tx:
                tx.update(item, actions=actions, condition=LeadItem.PK.exists())
                for field, value in added.items():
                    tx.save(self._guard(field, value, after.id), condition=ContactItem.PK.does_not_exist())
                for field, value in removed.items():
                    tx.delete(self._guard(field, value, after.id), condition=ContactItem.lead_id == after.id)
                add_to_transaction(tx, self.tenant_id, counts)
                add_inbox_counts(tx, self.tenant_id, delta)
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            self._raise_duplicate(added, exc, lead_id=after.id)
        drop_emptied_snoozes(self.tenant_id, delta)
        return after.model_copy(update={"version": before.version + 1})

    def delete(self, lead: Lead) -> None:
        """AP1: delete a lead and its contact guards together."""
        item = _to_item(self.tenant_id, lead)
        item.version = lead.version
        delta = counter_delta(lead.summary, None)
        try:
            with self._transaction() as tx:
                tx.delete(item, condition=LeadItem.PK.exists())
                for field, value in _contacts(lead).items():
                    tx.delete(self._guard(field, value, lead.id), condition=ContactItem.lead_id == lead.id)
                add_inbox_counts(tx, self.tenant_id, delta)
        except (TransactWriteError, DeleteError) as exc:
            raise ConflictError(
                "the lead changed while it was being deleted; read it again and retry", {"lead_id": lead.id}
            ) from exc
        drop_emptied_snoozes(self.tenant_id, delta)

    # --- helpers ------------------------------------------------------------------------------
    def _guard(self, field: str, value: str, lead_id: str) -> ContactItem:
        return ContactItem(
            keys.contact_pk(self.tenant_id), keys.contact_sk(CONTACT_FIELDS[field], value), lead_id=lead_id
        )

    def _query(
        self,
        status: LeadStatus | None,
        condition: Condition | None,
        page_size: int,
        start: dict[str, Any] | None,
    ) -> Any:
        if status is None:
            return LeadItem.query(
                keys.lead_pk(self.tenant_id),
                LeadItem.SK.startswith(keys.LEAD_SK_PREFIX),
                filter_condition=condition,
                scan_index_forward=False,
                page_size=page_size,
                last_evaluated_key=start,
            )
        return LeadItem.gsi1.query(
            keys.lead_status_gsi1pk(self.tenant_id, status.value),
            filter_condition=condition,
            scan_index_forward=False,
            page_size=page_size,
            last_evaluated_key=start,
        )

    def _start_key(self, after: str, status: LeadStatus | None) -> dict[str, Any]:
        key: dict[str, Any] = {
            "PK": {"S": keys.lead_pk(self.tenant_id)},
            "SK": {"S": keys.lead_sk(after)},
        }
        if status is not None:
            key["GSI1PK"] = {"S": keys.lead_status_gsi1pk(self.tenant_id, status.value)}
            key["GSI1SK"] = {"S": keys.lead_sk(after)}
        return key

    def _raise_duplicate(
        self, contacts: dict[str, str], exc: TransactWriteError, lead_id: str | None = None
    ) -> None:
        for field, value in contacts.items():
            owner = self.find_by_contact(field, value)
            if owner is not None and owner != lead_id:
                raise ConflictError(
                    f"another lead of this account already has this {field.replace('_', ' ')}",
                    {"field": field, "value": value, "existing_lead_id": owner},
                ) from exc
        raise ConflictError(
            "the lead changed while it was being saved; read it again and retry", {"lead_id": lead_id}
        ) from exc


def _contacts(lead: Lead) -> dict[str, str]:
    return {f: v for f in CONTACT_FIELDS if (v := getattr(lead, f))}


def _all_of(*conditions: Condition | None) -> Condition | None:
    kept = [c for c in conditions if c is not None]
    return None if not kept else reduce(and_, kept)


def _summary(*path: str) -> Path:
    return Path(["summary", *path])


def _channel_condition(channel: Channel | None) -> Condition | None:
    """Leads that wrote or were written to on ``channel``."""
    if channel is None:
        return None
    used: Condition = (
        _summary("last_inbound_by_channel", channel.value).exists()
        | _summary("last_outbound_by_channel", channel.value).exists()
        | (_summary("last_message", "channel") == channel.value)
    )
    return used


def _conversation_condition(filters: ConversationFilter | None) -> Condition | None:
    """The filter expression of the inbox's filters on the summary GSI2 projects."""
    if filters is None:
        return None
    owner = _summary("conversation", "owner")
    return _all_of(
        None if filters.status is None else _status_condition(filters.status, filters.now),
        (_summary("unread") > 0) if filters.unread else None,
        None if filters.owner is None else owner == filters.owner,
        (owner.does_not_exist() | owner.is_type("NULL")) if filters.unassigned else None,
        None if filters.intent is None else _summary("last_intent") == filters.intent,
        *(
            _summary("contact_text").contains(word) | _summary("recent_text").contains(word)
            for word in filters.words
        ),
    )


def to_json_time(value: datetime) -> str:
    """``value`` to the second, as pydantic writes a UTC time in JSON (``2026-11-16T08:00:00Z``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_condition(status: ConversationStatus, now: datetime) -> Condition:
    """A status as read at ``now``: a snooze whose time has passed is open."""
    stored, until = _summary("conversation", "status"), _summary("conversation", "snoozed_until")
    # Snooze ends are stored in whole seconds, as JSON writes them: text order is time order.
    ended: Condition = (stored == ConversationStatus.SNOOZED.value) & (until <= to_json_time(now))
    if status is ConversationStatus.OPEN:
        still_open: Condition = stored.does_not_exist() | (stored == status.value) | ended
        return still_open
    if status is ConversationStatus.SNOOZED:
        waiting: Condition = (stored == status.value) & (until > to_json_time(now))
        return waiting
    closed: Condition = stored == status.value
    return closed


def _filter_condition(filters: LeadFilter) -> Condition | None:
    condition: Condition | None = None
    if filters.tag:
        condition = LeadItem.tags.contains(filters.tag.strip().lower())
    if filters.text:
        for word in fold(filters.text).split():
            clause = LeadItem.search_text.contains(word)
            condition = clause if condition is None else condition & clause
    return condition


def stored_summary(lead: Lead, summary: LeadSummary) -> dict[str, Any]:
    """``summary`` as the lead item keeps it: with the lead's contact words, which the inbox search
    reads on GSI2 (it projects the summary, not the lead's own search text), and without the
    preferred channel, the alert repository's own attribute."""
    stored = summary.model_dump(mode="json", exclude={"preferred_channel"})
    contact_text = _search_text(lead)
    if contact_text:  # DynamoDB Local refuses an empty string in a map
        stored["contact_text"] = contact_text
    return stored


def _search_text(lead: Lead) -> str:
    return search_text(
        lead.first_name, lead.last_name, lead.company, lead.email, lead.phone, lead.telegram_chat_id
    )


def _to_item(tenant_id: str, lead: Lead) -> LeadItem:
    data = lead.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at", "summary"})
    data["summary"] = stored_summary(lead, lead.summary)
    last_message = lead.summary.last_message
    return LeadItem(
        keys.lead_pk(tenant_id),
        keys.lead_sk(lead.id),
        GSI1PK=keys.lead_status_gsi1pk(tenant_id, lead.status.value),
        GSI1SK=keys.lead_sk(lead.id),
        GSI2PK=None if last_message is None else keys.inbox_gsi2pk(tenant_id),
        GSI2SK=None if last_message is None else keys.inbox_gsi2sk(to_iso(last_message.at), lead.id),
        lead_id=lead.id,
        search_text=_search_text(lead),
        created_at=lead.created_at,
        updated_at=lead.updated_at,
        alerts={},
        **data,
    )


_UPDATABLE = (
    "GSI1PK",
    "GSI2PK",
    "GSI2SK",
    "first_name",
    "last_name",
    "company",
    "phone",
    "email",
    "telegram_chat_id",
    "timezone",
    "status",
    "tags",
    "source",
    "notes",
    "custom_fields",
    "consent",
    "summary",
    "search_text",
    "updated_at",
)


def _update_actions(item: LeadItem) -> list[Action]:
    actions: list[Action] = []
    for name in _UPDATABLE:
        attribute = getattr(LeadItem, name)
        value = getattr(item, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def lead_from_item(item: LeadItem) -> Lead:
    """The domain lead of a lead item (the alert repository reads lead items too)."""
    summary = plain(item.summary)
    summary["preferred_channel"] = item.preferred_channel
    return Lead.model_validate(
        {
            "id": item.lead_id,
            "first_name": item.first_name,
            "last_name": item.last_name,
            "company": item.company,
            "phone": item.phone,
            "email": item.email,
            "telegram_chat_id": item.telegram_chat_id,
            "timezone": item.timezone,
            "status": item.status,
            "tags": list(item.tags or []),
            "source": item.source,
            "notes": item.notes,
            # Leads stored before custom fields existed have none.
            "custom_fields": plain(item.custom_fields or {}),
            "consent": plain(item.consent),
            "summary": summary,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "version": item.version,
        }
    )
