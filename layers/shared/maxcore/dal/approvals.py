"""The approval repository: drafts waiting for a user, tasks for salespeople, recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, decode_cursor, encode_cursor, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ApprovalItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.prospection import (
    Approval,
    ApprovalKind,
    ApprovalOrigin,
    ApprovalStatus,
    MessageSource,
    StepChannel,
)


class ApprovalRepository(TenantRepository):
    """Approvals of one tenant."""

    def get(self, approval_id: str) -> Approval:
        """AP35: one approval (consistent); 404 when unknown."""
        try:
            item = ApprovalItem.get(
                keys.approval_pk(self.tenant_id), keys.approval_sk(approval_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(f"approval {approval_id} not found", {"approval_id": approval_id}) from exc
        return _approval(item)

    def page(
        self,
        limit: int,
        cursor: str | None,
        kind: ApprovalKind | None = None,
        status: ApprovalStatus | None = None,
    ) -> tuple[list[Approval], str | None]:
        """AP35: approvals newest first, filtered by kind and status."""
        condition: Condition = ApprovalItem.SK.startswith("APPROVAL#")
        bound = None
        if cursor is not None:
            bound = keys.approval_sk(decode_cursor(cursor))
            condition = ApprovalItem.SK.between("APPROVAL#", bound)
        filters: Condition | None = None
        if kind is not None:
            filters = ApprovalItem.kind == kind.value
        if status is not None:
            by_status = ApprovalItem.status == status.value
            filters = by_status if filters is None else filters & by_status
        found: list[Approval] = []
        more = False
        for item in ApprovalItem.query(
            keys.approval_pk(self.tenant_id),
            condition,
            filter_condition=filters,
            scan_index_forward=False,
            page_size=max(limit, 25),
        ):
            if not isinstance(item, ApprovalItem) or bound == item.SK:
                continue
            if len(found) == limit:
                more = True
                break
            found.append(_approval(item))
        return found, encode_cursor(found[-1].id) if more else None

    def decide(
        self, approval: Approval, status: ApprovalStatus, by: str, now: datetime, result: dict[str, Any]
    ) -> Approval:
        """AP35: settle a pending approval once (``status = pending``); 409 if already settled."""
        item = ApprovalItem(keys.approval_pk(self.tenant_id), keys.approval_sk(approval.id))
        try:
            item.update(
                actions=[
                    ApprovalItem.status.set(status.value),
                    ApprovalItem.decided_at.set(now),
                    ApprovalItem.decided_by.set(by),
                    ApprovalItem.result.set(result),
                ],
                condition=ApprovalItem.status == ApprovalStatus.PENDING.value,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError("this item was already decided", {"approval_id": approval.id}) from exc
        return approval.model_copy(
            update={"status": status, "decided_at": now, "decided_by": by, "result": result}
        )

    def record_result(self, approval: Approval, result: dict[str, Any]) -> Approval:
        """AP35: what came of an approved item (the send's activity, or why it failed)."""
        item = ApprovalItem(keys.approval_pk(self.tenant_id), keys.approval_sk(approval.id))
        item.update(actions=[ApprovalItem.result.set(result)])
        return approval.model_copy(update={"result": result})

    def reopen(self, approval: Approval) -> Approval:
        """AP35: back to pending after a send that could not happen (the provider down, the cap reached)."""
        item = ApprovalItem(keys.approval_pk(self.tenant_id), keys.approval_sk(approval.id))
        item.update(
            actions=[
                ApprovalItem.status.set(ApprovalStatus.PENDING.value),
                ApprovalItem.decided_at.remove(),
                ApprovalItem.decided_by.remove(),
                ApprovalItem.result.set({}),
            ],
            condition=ApprovalItem.status == ApprovalStatus.APPROVED.value,
        )
        return approval.model_copy(
            update={"status": ApprovalStatus.PENDING, "decided_at": None, "decided_by": None, "result": {}}
        )

    def create(self, approval: Approval) -> Approval:
        """AP35: write a new approval (automations; campaigns write theirs in their transition)."""
        approval_item(self.tenant_id, approval).save(condition=ApprovalItem.PK.does_not_exist())
        return approval


def approval_item(tenant_id: str, approval: Approval) -> ApprovalItem:
    """The stored item of ``approval`` (also written inside enrollment transitions)."""
    return ApprovalItem(
        keys.approval_pk(tenant_id),
        keys.approval_sk(approval.id),
        approval_id=approval.id,
        kind=approval.kind.value,
        status=approval.status.value,
        lead_id=approval.lead_id,
        channel=approval.channel.value,
        subject=approval.subject,
        body=approval.body,
        source=None if approval.source is None else approval.source.value,
        reason=approval.reason,
        origin=approval.origin.model_dump(exclude_none=True),
        created_at=approval.created_at,
        decided_at=approval.decided_at,
        decided_by=approval.decided_by,
        result=approval.result,
    )


def _approval(item: ApprovalItem) -> Approval:
    return Approval(
        id=item.approval_id,
        kind=ApprovalKind(item.kind),
        status=ApprovalStatus(item.status),
        lead_id=item.lead_id,
        channel=StepChannel(item.channel),
        subject=item.subject,
        body=item.body,
        source=None if item.source is None else MessageSource(item.source),
        reason=item.reason,
        origin=ApprovalOrigin.model_validate(plain(item.origin)),
        created_at=item.created_at,
        decided_at=item.decided_at,
        decided_by=item.decided_by,
        result=plain(item.result) or {},
    )
