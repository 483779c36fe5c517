"""The alert repository: a tenant's alerts, and what they keep on the lead item.

Alerts live in the tenant's alert partition (GetItem by id). Two indexes list them: GSI1 by state
(open ones by severity then age, resolved ones by resolution time) and GSI2 by lead (a lead's
timeline). The lead item keeps, in attributes only this repository writes, a pointer per type to its
latest alert and the preferred channel, so a generation reads the lead items and nothing else, and
writes only what changed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.pagination import ResultIterator

from maxcore.dal import keys
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, from_index, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import AlertItem, LeadItem
from maxcore.dal.leads import lead_from_item
from maxcore.errors import BadRequestError, ConflictError, NotFoundError
from maxcore.models.activity import ActivityChannel
from maxcore.models.alert import (
    SEVERITY_RANK,
    Alert,
    AlertPointer,
    AlertState,
    AlertType,
    PointerState,
    Severity,
)
from maxcore.models.common import ALERT_CURSOR_PATTERN
from maxcore.models.lead import Lead

RESOLVED_RETENTION_DAYS = 90
"""A resolved alert stays readable this long, then the table's TTL removes it."""

TRANSACTION_ITEMS = 10
"""Items per transaction: DynamoDB takes 100, DynamoDB Local 10; a lead rarely needs more than 3."""

SYSTEM = "system"
"""``resolved_by`` of an alert that resolved itself."""


@dataclass(frozen=True)
class LeadAlertState:
    """A lead as the alert generation reads it: the lead, its alert pointers, its stored channel."""

    lead: Lead
    pointers: dict[AlertType, AlertPointer]
    has_pointer_map: bool
    """False for a lead item written before alerts existed: the first write creates the map."""
    preferred_channel: ActivityChannel | None


@dataclass(frozen=True)
class PointerWrite:
    """One alert type's change on one lead: the pointer expected, its new value, the alert items."""

    type: AlertType
    expected: AlertPointer | None
    new: AlertPointer | None
    put: Alert | None = None
    resolve_id: str | None = None
    resolve_reason: str | None = None

    @property
    def items(self) -> int:
        """Alert items this write touches besides the lead."""
        return (self.put is not None) + (self.resolve_id is not None)


class AlertRepository(TenantRepository):
    """The alerts of one tenant. Every key is built from the tenant given at construction."""

    # --- the leads, as the generation reads them ------------------------------------------------
    def lead_state(self, lead_id: str) -> LeadAlertState:
        """AP11 for one lead: its item with the alert pointers, read consistently; 404 when unknown."""
        try:
            item = LeadItem.get(keys.lead_pk(self.tenant_id), keys.lead_sk(lead_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(f"lead {lead_id} not found", {"lead_id": lead_id}) from exc
        return _state(item)

    def iter_lead_states(
        self, after: str | None = None, until: str | None = None
    ) -> Iterator[LeadAlertState]:
        """AP11: every lead of the tenant with its alert pointers, page after 1 MB page.

        ``after`` and ``until`` bound a part of the sweep: the leads after the lead id ``after``
        (the Query starts from that key, as from a page's LastEvaluatedKey) up to the lead id
        ``until`` included.
        """
        for item in self._lead_query(after, until):
            yield _state(item)

    def lead_id_pages(self, after: str | None = None, until: str | None = None) -> Iterator[list[str]]:
        """AP11b: the ids of the leads in the range of AP11, keys only, one list per 1 MB page.

        Plans the segments of a big tenant's sweep: the same pages as AP11, without sending the items.
        """
        pages = self._lead_query(after, until, attributes_to_get=["SK"]).page_iter
        prefix = len(keys.LEAD_SK_PREFIX)
        for page in pages:
            yield [item["SK"]["S"][prefix:] for item in page.get("Items", [])]

    def _lead_query(
        self, after: str | None, until: str | None, attributes_to_get: list[str] | None = None
    ) -> ResultIterator[LeadItem]:
        pk = keys.lead_pk(self.tenant_id)
        in_range = (
            LeadItem.SK.startswith(keys.LEAD_SK_PREFIX)
            if until is None
            else LeadItem.SK.between(keys.LEAD_SK_PREFIX, keys.lead_sk(until))
        )
        start = None if after is None else {"PK": {"S": pk}, "SK": {"S": keys.lead_sk(after)}}
        return LeadItem.query(pk, in_range, last_evaluated_key=start, attributes_to_get=attributes_to_get)

    # --- generation writes ----------------------------------------------------------------------
    def apply(
        self,
        state: LeadAlertState,
        writes: list[PointerWrite],
        preferred_channel: ActivityChannel | None,
        now: datetime,
    ) -> None:
        """AP11: write one lead's alert changes and its preferred channel, conditioned on its pointers.

        Each transaction holds the lead update (every pointer it changes is checked against the value
        read) and the alert items of those pointers, so two generations racing on one lead cannot
        open the same alert twice: the loser gets a ConflictError and reads again.
        """
        lead_key = _lead_key(self.tenant_id, state.lead)
        channel_actions: list[Action] = []
        if preferred_channel != state.preferred_channel:
            channel_actions.append(
                LeadItem.preferred_channel.remove()
                if preferred_channel is None
                else LeadItem.preferred_channel.set(preferred_channel.value)
            )
        chunks = _chunks(writes)
        if not chunks:
            if channel_actions:
                try:
                    lead_key.update(
                        actions=channel_actions, condition=LeadItem.PK.exists(), add_version_condition=False
                    )
                except UpdateError as exc:
                    if not condition_failed(exc):
                        raise
                    raise ConflictError("the lead is gone", {"lead_id": state.lead.id}) from exc
            return
        has_map = state.has_pointer_map
        for index, chunk in enumerate(chunks):
            actions, condition = _pointer_actions(chunk, has_map)
            if index == 0:
                actions = channel_actions + actions
            try:
                with self._transaction() as tx:
                    tx.update(
                        lead_key,
                        actions=actions,
                        condition=LeadItem.PK.exists() & condition,
                        add_version_condition=False,
                    )
                    for write in chunk:
                        if write.resolve_id is not None:
                            tx.update(
                                self._key(write.resolve_id),
                                actions=_resolve_actions(
                                    self.tenant_id, write.resolve_id, SYSTEM, write.resolve_reason or "", now
                                ),
                                condition=AlertItem.state == AlertState.OPEN.value,
                            )
                        if write.put is not None:
                            tx.save(self._item(write.put), condition=AlertItem.PK.does_not_exist())
            except TransactWriteError as exc:
                if not condition_failed(exc):
                    raise
                raise ConflictError(
                    "the lead's alerts changed meanwhile; read them again", {"lead_id": state.lead.id}
                ) from exc
            has_map = True

    # --- reads ----------------------------------------------------------------------------------
    def get(self, alert_id: str) -> Alert:
        """AP12: an alert by id; another tenant's id is simply not found."""
        try:
            item = AlertItem.get(keys.alert_pk(self.tenant_id), keys.alert_sk(alert_id), consistent_read=True)
        except DoesNotExist as exc:
            raise NotFoundError(f"alert {alert_id} not found", {"alert_id": alert_id}) from exc
        return _to_alert(item)

    def list_by_state(
        self,
        state: AlertState,
        *,
        severity: Severity | None,
        alert_type: AlertType | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Alert], str | None]:
        """AP12: a page of the tenant's alerts in one state (GSI1).

        Open alerts come by severity (a key condition when filtered), then oldest first; resolved
        ones newest first. The type, and the severity of resolved alerts, are filter expressions.
        """
        pk = keys.alert_state_gsi1pk(self.tenant_id, state.value)
        opened = state is AlertState.OPEN
        key_condition = None
        condition: Condition | None = None
        if alert_type is not None:
            condition = AlertItem.alert_type == alert_type.value
        if severity is not None:
            if opened:
                key_condition = AlertItem.GSI1SK.startswith(f"{SEVERITY_RANK[severity]}#")
            else:
                clause = AlertItem.severity == severity.value
                condition = clause if condition is None else condition & clause
        start = None
        if cursor is not None:
            sort_key, alert_id = _decode_cursor(cursor)
            start = {
                "PK": {"S": keys.alert_pk(self.tenant_id)},
                "SK": {"S": keys.alert_sk(alert_id)},
                "GSI1PK": {"S": pk},
                "GSI1SK": {"S": sort_key},
            }
        entries = AlertItem.gsi1.query(
            pk,
            key_condition,
            filter_condition=condition,
            scan_index_forward=opened,
            limit=limit + 1,
            page_size=limit + 1 if condition is None else max(limit + 1, 100),
            last_evaluated_key=start,
        )
        found = list(entries)
        page = [_to_alert(i) for i in from_index(AlertItem, found[:limit]) if i.state == state.value]
        if len(found) <= limit:
            return page, None
        last = found[limit - 1]
        return page, _encode_cursor(str(last.GSI1SK), last.SK.removeprefix(keys.alert_sk("")))

    def for_lead(self, lead_id: str) -> list[Alert]:
        """AP12: every alert of one lead still kept (open, or resolved within retention), newest first."""
        pk = keys.lead_alerts_gsi2pk(self.tenant_id, lead_id)
        return [
            _to_alert(i) for i in from_index(AlertItem, AlertItem.gsi2.query(pk, scan_index_forward=False))
        ]

    def page_for_lead(self, lead_id: str, before: str | None, limit: int) -> list[Alert]:
        """AP12: up to ``limit`` alerts of a lead opened before the timeline position ``before``.

        Newest first; ``before`` is ``<time>#<id>``, as the lead's alerts sort on GSI2.
        """
        pk = keys.lead_alerts_gsi2pk(self.tenant_id, lead_id)
        condition = None if before is None else AlertItem.GSI2SK < before  # noqa: SIM300
        query = AlertItem.gsi2.query(pk, condition, scan_index_forward=False, limit=limit, page_size=limit)
        return [_to_alert(i) for i in from_index(AlertItem, query)]

    def open_counts(self) -> dict[AlertType, int]:
        """AP12: how many alerts of each type are open (GSI1, the type attribute only)."""
        counts: dict[AlertType, int] = {}
        query = AlertItem.gsi1.query(
            keys.alert_state_gsi1pk(self.tenant_id, AlertState.OPEN.value), attributes_to_get=["alert_type"]
        )
        for item in _alerts(query):
            alert_type = AlertType(item.alert_type)
            counts[alert_type] = counts.get(alert_type, 0) + 1
        return counts

    def open_of_types(
        self, types: Collection[AlertType], first: int
    ) -> tuple[dict[AlertType, int], list[Alert]]:
        """AP57: how many alerts of each of ``types`` are open, and the first ``first`` of each type.

        One Query of the open alerts on GSI1 (keys and type: what the index projects), filtered on
        the types, in the index's order (most severe, then oldest); then one BatchGetItem of the
        alerts shown. A lead has at most one open alert of a type, so a count is a count of leads.
        """
        counts = dict.fromkeys(types, 0)
        shown: list[AlertItem] = []
        query = AlertItem.gsi1.query(
            keys.alert_state_gsi1pk(self.tenant_id, AlertState.OPEN.value),
            filter_condition=AlertItem.alert_type.is_in(*(t.value for t in types)),
        )
        for item in _alerts(query):
            alert_type = AlertType(item.alert_type)
            counts[alert_type] += 1
            if counts[alert_type] <= first:
                shown.append(item)
        alerts = [_to_alert(i) for i in from_index(AlertItem, shown) if i.state == AlertState.OPEN.value]
        return counts, alerts

    # --- resolutions ----------------------------------------------------------------------------
    def resolve_by_user(self, alert: Alert, user: str, resolution: str, now: datetime) -> None:
        """AP12: resolve an open alert and mark the lead's pointer dismissed, together.

        The pointer keeps the episode, so the generation does not reopen it. When the lead no longer
        points to this alert (the lead was deleted), the alert alone is resolved.
        """
        actions = _resolve_actions(self.tenant_id, alert.id, user, resolution, now)
        lead_key = LeadItem(keys.lead_pk(self.tenant_id), keys.lead_sk(alert.lead_id))
        lead_key.version = 0  # any number: pynamodb then adds 1 to the stored version, unconditioned
        dismissed = AlertPointer(id=alert.id, episode=alert.episode, state=PointerState.DISMISSED)
        path = LeadItem.alerts[alert.type.value]
        try:
            with self._transaction() as tx:
                tx.update(
                    self._key(alert.id), actions=actions, condition=AlertItem.state == AlertState.OPEN.value
                )
                tx.update(
                    lead_key,
                    actions=[path.set(dismissed.model_dump(mode="json"))],
                    condition=path["id"] == alert.id,
                    add_version_condition=False,
                )
            return
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            codes = [r.code if r is not None else "None" for r in (exc.cancellation_reasons or [])]
            lead_moved = (
                len(codes) == 2 and codes[0] in ("None", None) and codes[1] == "ConditionalCheckFailed"
            )
            if not lead_moved:
                raise ConflictError(
                    "the alert changed meanwhile; read it again", {"alert_id": alert.id}
                ) from exc
        self.resolve_alone(alert, user, resolution, now)

    def resolve_alone(self, alert: Alert, by: str, resolution: str, now: datetime) -> None:
        """AP12: resolve an open alert without touching its lead (the lead is gone)."""
        try:
            self._key(alert.id).update(
                actions=_resolve_actions(self.tenant_id, alert.id, by, resolution, now),
                condition=AlertItem.state == AlertState.OPEN.value,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError("the alert changed meanwhile; read it again", {"alert_id": alert.id}) from exc

    # --- helpers --------------------------------------------------------------------------------
    def _key(self, alert_id: str) -> AlertItem:
        return AlertItem(keys.alert_pk(self.tenant_id), keys.alert_sk(alert_id))

    def _item(self, alert: Alert) -> AlertItem:
        return alert_item(self.tenant_id, alert)


def alert_item(tenant_id: str, alert: Alert) -> AlertItem:
    """The stored item of a new open alert (also written inside an appointment's cancellation)."""
    created = to_iso(alert.created_at)
    return AlertItem(
        keys.alert_pk(tenant_id),
        keys.alert_sk(alert.id),
        GSI1PK=keys.alert_state_gsi1pk(tenant_id, AlertState.OPEN.value),
        GSI1SK=keys.open_alert_gsi1sk(SEVERITY_RANK[alert.severity], created, alert.id),
        GSI2PK=keys.lead_alerts_gsi2pk(tenant_id, alert.lead_id),
        GSI2SK=keys.lead_alert_gsi2sk(created, alert.id),
        alert_id=alert.id,
        lead_id=alert.lead_id,
        lead_name=alert.lead_name,
        alert_type=alert.type.value,
        severity=alert.severity.value,
        message=alert.message,
        suggested_action=alert.suggested_action,
        cta=[c.model_dump(mode="json") for c in alert.ctas],
        metadata=alert.metadata,
        episode=alert.episode,
        state=AlertState.OPEN.value,
        created_at=alert.created_at,
    )


def _lead_key(tenant_id: str, lead: Lead) -> LeadItem:
    """The lead item to update, so that pynamodb adds 1 to its version without checking it.

    The alert attributes are checked by their own conditions; the version still moves, so a write
    of the whole summary read before ours (an activity) fails and is retried on fresh data.
    """
    item = LeadItem(keys.lead_pk(tenant_id), keys.lead_sk(lead.id))
    item.version = lead.version
    return item


def _alerts(items: Iterable[Any]) -> Iterator[AlertItem]:
    """The alert items of an index query (the indexes are typed with the base item)."""
    for item in items:
        assert isinstance(item, AlertItem)
        yield item


def _state(item: LeadItem) -> LeadAlertState:
    raw = plain(item.alerts) if item.alerts is not None else {}
    pointers = {AlertType(t): AlertPointer.model_validate(p) for t, p in raw.items() if t in _TYPES}
    channel = ActivityChannel(item.preferred_channel) if item.preferred_channel else None
    return LeadAlertState(lead_from_item(item), pointers, item.alerts is not None, channel)


_TYPES = {t.value for t in AlertType}


def _chunks(writes: list[PointerWrite]) -> list[list[PointerWrite]]:
    chunks: list[list[PointerWrite]] = []
    size = TRANSACTION_ITEMS
    for write in writes:
        if size + write.items > TRANSACTION_ITEMS:
            chunks.append([])
            size = 1  # the lead update
        chunks[-1].append(write)
        size += write.items
    return chunks


def _pointer_actions(chunk: list[PointerWrite], has_map: bool) -> tuple[list[Action], Condition]:
    """The lead update of one chunk, and the condition that the pointers are still as read."""
    if not has_map:
        # A lead item older than alerts: create the map whole, with this chunk's pointers.
        whole = {w.type.value: w.new.model_dump(mode="json") for w in chunk if w.new is not None}
        return [LeadItem.alerts.set(whole)], LeadItem.alerts.does_not_exist()
    actions: list[Action] = []
    condition: Condition | None = None
    for write in chunk:
        path = LeadItem.alerts[write.type.value]
        actions.append(path.remove() if write.new is None else path.set(write.new.model_dump(mode="json")))
        if write.expected is None:
            clause = path.does_not_exist()
        else:
            clause = (path["id"] == write.expected.id) & (path["state"] == write.expected.state.value)
        condition = clause if condition is None else condition & clause
    assert condition is not None
    return actions, condition


def _resolve_actions(tenant_id: str, alert_id: str, by: str, resolution: str, now: datetime) -> list[Action]:
    resolved = to_iso(now)
    return [
        AlertItem.state.set(AlertState.RESOLVED.value),
        AlertItem.resolved_at.set(now),
        AlertItem.resolved_by.set(by),
        AlertItem.resolution.set(resolution[:500]),
        AlertItem.GSI1PK.set(keys.alert_state_gsi1pk(tenant_id, AlertState.RESOLVED.value)),
        AlertItem.GSI1SK.set(keys.resolved_alert_gsi1sk(resolved, alert_id)),
        AlertItem.expires_at.set(int((now + timedelta(days=RESOLVED_RETENTION_DAYS)).timestamp())),
    ]


def _to_alert(item: AlertItem) -> Alert:
    return Alert.model_validate(
        {
            "id": item.alert_id,
            "lead_id": item.lead_id,
            "lead_name": item.lead_name,
            "type": item.alert_type,
            "severity": item.severity,
            "message": item.message,
            "suggested_action": item.suggested_action,
            "ctas": plain(list(item.cta or [])),
            "metadata": plain(item.metadata),
            "episode": item.episode,
            "state": item.state,
            "created_at": item.created_at,
            "resolved_at": item.resolved_at,
            "resolved_by": item.resolved_by,
            "resolution": item.resolution,
        }
    )


_CURSOR = re.compile(ALERT_CURSOR_PATTERN)


def _encode_cursor(sort_key: str, alert_id: str) -> str:
    # The sort key ends with the alert id; `_` stands for its `#`, which a URL reads as a fragment.
    if not sort_key.endswith(alert_id):
        raise ValueError(f"sort key {sort_key!r} is not the one of alert {alert_id}")
    return sort_key.replace("#", "_")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    if not _CURSOR.match(cursor):
        raise BadRequestError("the cursor is not valid; start again without it", {"cursor": cursor})
    sort_key = cursor.replace("_", "#")
    return sort_key, sort_key[-26:]
