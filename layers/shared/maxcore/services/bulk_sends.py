"""Bulk sends as the API sees them: accept one, read its progress and report, cancel it.

The API checks the message and the segment's size (at most
:data:`~maxcore.models.bulk.MAX_RECIPIENTS`), stores the send and queues its first run; the worker runs
it (:mod:`maxcore.services.bulk_sender`). Progress is read from counters the worker's writes move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.bulk_sends import BulkSendRepository, Recipient
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.bulk import (
    MAX_RECIPIENTS,
    BulkProgress,
    BulkRecipient,
    BulkRecipientPage,
    BulkSend,
    BulkSendPage,
    BulkSendState,
    CreateBulkSendRequest,
    RecipientStatus,
    SegmentView,
)
from maxcore.models.common import Channel
from maxcore.models.jobs import Job, TenantJobMessage
from maxcore.models.template import TemplateStatus
from maxcore.observability import logger
from maxcore.rules.bulk import in_segment, is_stalled, size_problem
from maxcore.services.job_queue import queue_messages
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

KEY_EXPIRY_SECONDS = 24 * 3600
"""A client's idempotency key answers the same bulk send for a day."""


class BulkSendService:
    """The bulk sends of one tenant, as the API sees them."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        queue: Callable[[Sequence[TenantJobMessage]], None] = queue_messages,
    ) -> None:
        """``queue``: where the first run's message goes (the fan-out queue; a benchmark keeps it)."""
        self.tenant_id = tenant_id
        self.repository = BulkSendRepository(tenant_id)
        self._clock = clock
        self._queue = queue

    def create(
        self, request: CreateBulkSendRequest, created_by: str, idempotency_key: str | None = None
    ) -> BulkSend:
        """Accept a bulk send and queue its first run; with ``idempotency_key``, a repeat of the
        request (a client retrying after a timeout) answers the first one's bulk send, never a second.

        Raises
        ------
        InvalidInputError
            422: an unknown or inactive template, a channel the template is not written for, an
            empty segment, or one over :data:`~maxcore.models.bulk.MAX_RECIPIENTS` (naming its size).
        """
        if idempotency_key is None:
            return self._accepted(request, created_by)
        # Imported here: only a request that carries a key needs the idempotency records.
        from maxcore.services.idempotency import run_once

        answer = run_once(
            "bulk-sends",
            f"{self.tenant_id}:{idempotency_key}",
            lambda: self._accepted(request, created_by).model_dump(mode="json"),
            expires_after_seconds=KEY_EXPIRY_SECONDS,
            payload=request.model_dump(mode="json"),
        )
        return BulkSend.model_validate(answer)

    def _accepted(self, request: CreateBulkSendRequest, created_by: str) -> BulkSend:
        channel = self._channel(request)
        segment = request.segment
        lead_ids = sorted(set(segment.lead_ids or ()))
        view = SegmentView(status=segment.status, tag=segment.tag, search=segment.search)
        if segment.lead_ids is not None:
            # Duplicates and unknown ids do not stop a send: a duplicate is counted here, an
            # unknown id is refused (lead_not_found) in the report when its turn comes.
            view = SegmentView(listed=len(lead_ids), duplicates=len(segment.lead_ids) - len(lead_ids))
            matched = len(lead_ids)
        else:
            matched = sum(
                1 for lead in LeadRepository(self.tenant_id).segment_facts() if in_segment(view, lead)
            )
        _check_size(matched)
        now = self._clock()
        bulk = BulkSend(
            id=new_id(),
            name=request.name,
            state=BulkSendState.QUEUED,
            channel=channel,
            template_id=request.template_id,
            body=request.body,
            subject=request.subject,
            segment=view,
            matched=matched,
            resolved=False,
            progress=BulkProgress(recipients=0, queued=0, pending=0, sent=0, refused=0),
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self.repository.create(bulk, lead_ids)
        self._queue([run_message(self.tenant_id, bulk.id, now)])
        logger.info("bulk send accepted", extra={"bulk_send_id": bulk.id, "matched": matched})
        return bulk

    def resume_stalled(self) -> list[str]:
        """AP64-AP65: queue a run of each bulk send that stalled (its first message or a timer lost,
        its worker dead before queuing its continuation), once however many sweeps race; the ids.

        A run queued after the take-over and then lost is taken over again by a later sweep: the
        take-over moved the send, so it stalls anew only if that run never comes.
        """
        now = self._clock()
        stalled = [bulk for bulk in self.repository.active() if is_stalled(bulk, now)]
        taken = [bulk.id for bulk in stalled if self.repository.take_over(bulk.id, bulk.updated_at, now)]
        if taken:
            self._queue([run_message(self.tenant_id, bulk_id, now) for bulk_id in taken])
            logger.warning("stalled bulk sends resumed", extra={"bulk_send_ids": taken})
        return taken

    def page(self, limit: int, cursor: str | None) -> BulkSendPage:
        """AP52: the tenant's bulk sends, newest first."""
        items, following = self.repository.page(limit, cursor)
        return BulkSendPage(items=items, next_cursor=following)

    def get(self, bulk_id: str) -> BulkSend:
        """AP52: one bulk send with its progress (404 for another tenant's)."""
        return self.repository.get(bulk_id)[0]

    def cancel(self, bulk_id: str) -> BulkSend:
        """Stop what has not gone; cancelling a cancelled send changes nothing, a finished one is a 409."""
        now = self._clock()
        stoppable = (BulkSendState.QUEUED, BulkSendState.RUNNING)
        applied = self.repository.change_state(bulk_id, BulkSendState.CANCELLED, stoppable, now)
        bulk = self.get(bulk_id)
        if not applied and bulk.state is not BulkSendState.CANCELLED:
            raise ConflictError(
                f"this bulk send is over ({bulk.state.value}): there is nothing left to cancel",
                {"bulk_send_id": bulk_id, "state": bulk.state.value},
            )
        return bulk

    def recipients(
        self, bulk_id: str, status: RecipientStatus | None, limit: int, cursor: str | None
    ) -> BulkRecipientPage:
        """AP53: the report, a page of recipients by lead id, optionally of one status."""
        bulk = self.get(bulk_id)
        cancelled = bulk.state is BulkSendState.CANCELLED
        states = None if status is None else _STORED[status, cancelled]
        if states == ():
            return BulkRecipientPage(items=[])
        found, following = self.repository.recipients(bulk_id, states, limit, cursor)
        locale = tenant_settings(self.tenant_id).locale.value
        return BulkRecipientPage(items=[_line(r, cancelled, locale) for r in found], next_cursor=following)

    def _channel(self, request: CreateBulkSendRequest) -> Channel:
        """The channel the message goes on: the one asked for, or its template's."""
        if request.template_id is None:
            assert request.channel is not None  # the request's validator requires it with a body
            return request.channel
        try:
            template = TemplateService(self.tenant_id).get(request.template_id)
        except NotFoundError as exc:
            raise InvalidInputError(
                f"unknown template: {request.template_id}",
                [{"field": "template_id", "message": "no such template"}],
            ) from exc
        if template.status is not TemplateStatus.ACTIVE:
            raise InvalidInputError(
                "only an active template can be sent: have it validated and activated first",
                [{"field": "template_id", "message": f"the template is {template.status.value}"}],
            )
        if request.channel is not None and request.channel is not template.channel:
            raise InvalidInputError(
                f"the template is written for {template.channel.value}, not {request.channel.value}",
                [{"field": "channel", "message": f"written for {template.channel.value}"}],
            )
        return template.channel


def _check_size(count: int) -> None:
    problem = size_problem(count)
    if problem == "empty_segment":
        raise InvalidInputError(
            "the segment holds no lead: nobody would receive this message",
            [{"field": "segment", "message": "no lead matches"}],
        )
    if problem == "too_many_recipients":
        raise InvalidInputError(
            f"a bulk send reaches at most {MAX_RECIPIENTS} recipients: this segment holds {count}",
            [{"field": "segment", "message": f"{count} recipients"}],
        )


_STORED: dict[tuple[RecipientStatus, bool], tuple[str, ...]] = {
    (RecipientStatus.QUEUED, False): ("queued",),
    (RecipientStatus.PENDING, False): ("deferred", "sending"),
    (RecipientStatus.CANCELLED, False): (),
    (RecipientStatus.QUEUED, True): (),
    (RecipientStatus.PENDING, True): ("sending",),
    (RecipientStatus.CANCELLED, True): ("queued", "deferred"),
    **{
        (status, c): (status.value,)
        for status in (RecipientStatus.SENT, RecipientStatus.REFUSED)
        for c in (False, True)
    },
}
"""The stored states behind each status of the report, for a running send and a cancelled one."""

_SHOWN = {
    "queued": RecipientStatus.QUEUED,
    "deferred": RecipientStatus.PENDING,
    "sending": RecipientStatus.PENDING,
}


def _line(stored: Recipient, cancelled: bool, locale: str) -> BulkRecipient:
    """One recipient as the report shows it: what had not gone by a cancel is cancelled."""
    status = _SHOWN.get(stored.state) or RecipientStatus(stored.state)
    reason = stored.reason
    if cancelled and stored.state in ("queued", "deferred"):
        status, reason = RecipientStatus.CANCELLED, render("bulk.cancelled", locale)
    return BulkRecipient(
        lead_id=stored.lead_id,
        status=status,
        code=stored.code,
        reason=reason,
        not_before=stored.not_before if status is RecipientStatus.PENDING else None,
        activity_id=stored.activity_id,
        updated_at=stored.updated_at,
    )


def run_message(tenant_id: str, bulk_id: str, at: datetime) -> TenantJobMessage:
    """The fan-out message that runs a bulk send (its first run, a timer's)."""
    return TenantJobMessage(job=Job.RUN_BULK_SEND, tenant_id=tenant_id, scheduled_at=at, item_id=bulk_id)
