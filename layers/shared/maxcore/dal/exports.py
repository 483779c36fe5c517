"""The export repository: a tenant's CSV exports and the slots that bound how many run at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ExportItem, ExportSlotItem
from maxcore.errors import NotFoundError, RateLimitedError
from maxcore.models.export import Export, ExportKind, ExportState, Upload

SLOT_HOLD = timedelta(hours=1)
"""How long a slot stays taken without its export finishing: a worker that died for good frees it then."""

RECORD_KEPT = timedelta(days=30)
"""How long an export's record outlives its file (the table's TTL), so the API can say it expired."""


class ExportRepository(TenantRepository):
    """Exports of one tenant."""

    def create(self, export: Export, slots: int, now: datetime) -> Export:
        """AP58: write a queued export with one of the tenant's ``slots`` free, in one transaction.

        Returns the export with the slot it took.

        Raises
        ------
        RateLimitedError
            When every slot is held by an export queued or running (a 429).
        """
        pk = keys.export_pk(self.tenant_id)
        held = {
            item.SK
            for item in ExportSlotItem.query(pk, ExportSlotItem.SK.startswith("SLOT#"), consistent_read=True)
            if isinstance(item, ExportSlotItem) and item.held_until > now
        }
        for slot in range(slots):
            sk = keys.export_slot_sk(slot)
            if sk in held:
                continue
            slot_item = ExportSlotItem(pk, sk, export_id=export.id, held_until=now + SLOT_HOLD)
            free = ExportSlotItem.PK.does_not_exist() | (ExportSlotItem.held_until <= now)
            try:
                with self._transaction() as transaction:
                    transaction.save(self._item(export, slot), condition=ExportItem.PK.does_not_exist())
                    transaction.save(slot_item, condition=free)
            except TransactWriteError as exc:
                if not condition_failed(exc):
                    raise
                continue  # another request took this slot first: try the next one
            return export.model_copy(update={"slot": slot})
        raise RateLimitedError(
            f"{slots} exports are already being prepared: wait until one is ready", {"slots": slots}
        )

    def get(self, export_id: str) -> Export:
        """AP58: one export (consistent); 404 when unknown, also for another tenant's."""
        try:
            item = ExportItem.get(
                keys.export_pk(self.tenant_id), keys.export_sk(export_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"export {export_id} not found", {"export_id": export_id}) from exc
        return _export(item)

    def page(
        self, limit: int, cursor: str | None, kinds: frozenset[ExportKind] | None = None
    ) -> tuple[list[Export], str | None]:
        """AP58: exports newest first, optionally of some kinds only; the cursor resumes after an id."""
        condition: Condition = ExportItem.SK.startswith(keys.EXPORT_SK_PREFIX)
        bound = None
        if cursor is not None:
            bound = keys.export_sk(decode_cursor(cursor))
            condition = ExportItem.SK.between(keys.EXPORT_SK_PREFIX, bound)
        filters = None if kinds is None else ExportItem.kind.is_in(*(k.value for k in kinds))
        found: list[Export] = []
        for item in ExportItem.query(
            keys.export_pk(self.tenant_id),
            condition,
            filter_condition=filters,
            scan_index_forward=False,
            page_size=max(limit + 1, 25),
        ):
            if not isinstance(item, ExportItem) or bound == item.SK:
                continue
            if len(found) == limit:
                return found, encode_cursor(found[-1].id)
            found.append(_export(item))
        return found, None

    def claim(self, export_id: str, now: datetime, lease: timedelta) -> Export | None:
        """AP58: take a queued export, or a running one whose worker's lease ran out; None if neither.

        Each claim counts an attempt: a worker finishing after another claimed the export again is
        no longer its owner, and its writes are refused.
        """
        item = ExportItem(keys.export_pk(self.tenant_id), keys.export_sk(export_id))
        claimable = (ExportItem.state == ExportState.QUEUED.value) | (
            (ExportItem.state == ExportState.RUNNING.value) & (ExportItem.lease_until <= now)
        )
        try:
            item.update(
                actions=[
                    ExportItem.state.set(ExportState.RUNNING.value),
                    ExportItem.attempt.add(1),
                    ExportItem.lease_until.set(now + lease),
                    ExportItem.started_at.set(now),
                ],
                condition=ExportItem.PK.exists() & claimable,
            )
        except UpdateError as exc:
            if condition_failed(exc):
                return None
            raise
        return _export(item)

    def finish(self, export: Export, now: datetime, rows: int, file_expires_at: datetime) -> bool:
        """AP58: mark the claimed export ready with its row count, once; False if it is no longer ours."""
        return self._settle(
            export,
            ExportItem.state.set(ExportState.READY.value),
            ExportItem.rows.set(rows),
            ExportItem.finished_at.set(now),
            ExportItem.file_expires_at.set(file_expires_at),
            ExportItem.expires_at.set(int((file_expires_at + RECORD_KEPT).timestamp())),
            *_settled(),
        )

    def checkpoint(self, export: Export, upload: Upload, hand_over_at: datetime | None = None) -> bool:
        """AP67: keep what the claimed export's file holds so far; False if the export is no longer ours.

        ``hand_over_at``: the worker stops there, and its lease ends then, so that its continuation
        claims the export at once rather than wait for the lease to run out.
        """
        actions = [
            ExportItem.upload_id.set(upload.id),
            ExportItem.parts.set(upload.parts),
            ExportItem.written.set(upload.written),
            ExportItem.cursor.set(upload.cursor) if upload.cursor is not None else ExportItem.cursor.remove(),
        ]
        if hand_over_at is not None:
            actions.append(ExportItem.lease_until.set(hand_over_at))
        return self._settle(export, *actions)

    def fail(self, export: Export, now: datetime, error: str) -> bool:
        """AP58: mark the claimed export failed with why (a code), once; False if it is no longer ours."""
        return self._settle(export, *_failed(now, error))

    def fail_queued(self, export: Export, now: datetime, error: str) -> bool:
        """AP58: mark an export no worker claimed failed with why (its job never reached the queue).

        False when a worker claimed it meanwhile: that worker settles it.
        """
        return self._update(export, ExportItem.state == ExportState.QUEUED.value, _failed(now, error))

    def release_slot(self, export: Export, slot: int) -> None:
        """AP58: free the export's slot, unless another export took it since (its hold ran out)."""
        item = ExportSlotItem(keys.export_pk(self.tenant_id), keys.export_slot_sk(slot))
        try:
            item.delete(condition=ExportSlotItem.export_id == export.id)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise

    def _settle(self, export: Export, *actions: Action) -> bool:
        still_ours = (ExportItem.state == ExportState.RUNNING.value) & (ExportItem.attempt == export.attempt)
        return self._update(export, still_ours, list(actions))

    def _update(self, export: Export, condition: Condition, actions: list[Action]) -> bool:
        item = ExportItem(keys.export_pk(self.tenant_id), keys.export_sk(export.id))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _item(self, export: Export, slot: int) -> ExportItem:
        return ExportItem(
            keys.export_pk(self.tenant_id),
            keys.export_sk(export.id),
            export_id=export.id,
            kind=export.kind.value,
            state=export.state.value,
            filters=export.filters,
            created_by=export.created_by,
            created_at=export.created_at,
            slot=slot,
        )


def _failed(now: datetime, error: str) -> list[Action]:
    """The writes that mark an export failed for good."""
    return [
        ExportItem.state.set(ExportState.FAILED.value),
        ExportItem.error.set(error),
        ExportItem.finished_at.set(now),
        ExportItem.expires_at.set(int((now + RECORD_KEPT).timestamp())),
        *_settled(),
    ]


def _settled() -> list[Action]:
    """What a settled export no longer needs: its worker's lease and its upload in progress."""
    return [
        ExportItem.lease_until.remove(),
        ExportItem.upload_id.remove(),
        ExportItem.parts.remove(),
        ExportItem.cursor.remove(),
        ExportItem.written.remove(),
    ]


def _export(item: ExportItem) -> Export:
    return Export(
        id=item.export_id,
        kind=ExportKind(item.kind),
        state=ExportState(item.state),
        filters={k: str(v) for k, v in plain(item.filters).items()},
        created_by=item.created_by,
        created_at=item.created_at,
        attempt=int(item.attempt or 0),
        lease_until=item.lease_until,
        started_at=item.started_at,
        finished_at=item.finished_at,
        rows=None if item.rows is None else int(item.rows),
        file_expires_at=item.file_expires_at,
        error=item.error,
        slot=None if item.slot is None else int(item.slot),
        upload=None if item.upload_id is None else _upload(item),
    )


def _upload(item: ExportItem) -> Upload:
    return Upload(
        id=item.upload_id,
        parts=list(item.parts or []),
        cursor=item.cursor,
        written=int(item.written or 0),
    )
