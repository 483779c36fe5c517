"""The enrollment repository: prospects of a campaign, the due-time index, and the campaign's interactions.

An enrollment is in the due index (GSI2, sharded per tenant) only while it may run: active or paused by
an out-of-office reply (it resumes by itself), not held by a paused campaign, not waiting for an
approval; a user's pause takes it out. Its GSI2 sort key is its due time, or the end of its
lease while a worker holds it, so a worker that dies leaves the step due again once the lease ends.
Every change is conditional on the state it was decided from: the GSI2 sort key as read (which moves
with every transition), or the claim token of the worker that holds the step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.approvals import approval_item
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, decode_position, encode_position, from_index, timeline_position
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import EnrollmentItem, InteractionItem, SequenceGuardItem
from maxcore.dal.variants import VariantCount, counter_update
from maxcore.errors import NotFoundError
from maxcore.models.intent import ReplyKind
from maxcore.models.prospection import (
    Approval,
    Decision,
    Enrollment,
    EnrollmentStatus,
    Interaction,
    PendingSend,
    SentStep,
)

KEEP_DECISIONS = 20
"""Decisions kept on the enrollment (all of them are in the campaign's interactions)."""

GUARD_SPAN = timedelta(minutes=1)
"""How long a lead's enrollment in one campaign keeps another campaign from enrolling it blind: longer
than the time between an enrollment's read of the lead's other enrollments (AP15, an eventually
consistent index) and its write, and than the index's lag behind that write."""

GUARD_TTL_SECONDS = 24 * 3600


class Enrolled(StrEnum):
    """What :meth:`EnrollmentRepository.enroll` came to."""

    ENROLLED = "enrolled"
    ALREADY_IN_CAMPAIGN = "already_in_campaign"
    ENROLLING_ELSEWHERE = "enrolling_elsewhere"
    """Another campaign enrolled the lead within :data:`GUARD_SPAN`."""


@dataclass(frozen=True)
class Guard:
    """What a transition is conditional on: one of the three, never none."""

    due_key: str | None = None
    """The GSI2 sort key as the due index returned it (the scheduler's unclaimed transitions)."""
    claim_token: str | None = None
    """The token of the worker that claimed the step."""
    statuses: tuple[EnrollmentStatus, ...] = ()
    """The statuses the enrollment may be in, with its current step unchanged (user actions)."""
    step: int | None = None


@dataclass(frozen=True)
class SequenceGuard:
    """The campaign that last enrolled a lead, and when (what the lead's guard item says)."""

    campaign_id: str
    at: datetime


@dataclass(frozen=True)
class DueEnrollment:
    """An enrollment the due index returned, with the sort key it had (the transition's guard)."""

    enrollment: Enrollment
    due_key: str


class EnrollmentRepository(TenantRepository):
    """Enrollments and interactions of one tenant's campaigns."""

    # --- reads --------------------------------------------------------------------------------
    def get(self, campaign_id: str, lead_id: str) -> Enrollment:
        """AP31: one enrollment (consistent); 404 when the lead is not in the campaign."""
        try:
            item = EnrollmentItem.get(
                keys.enrollment_pk(self.tenant_id, campaign_id),
                keys.enrollment_sk(lead_id),
                consistent_read=True,
            )
        except EnrollmentItem.DoesNotExist as exc:
            raise NotFoundError(
                f"lead {lead_id} is not in campaign {campaign_id}",
                {"campaign_id": campaign_id, "lead_id": lead_id},
            ) from exc
        return enrollment_from_item(item)

    def page(self, campaign_id: str, limit: int, after_lead: str | None) -> list[Enrollment]:
        """AP31: a campaign's enrollments in lead order, ``limit`` + 1 to tell if more follow."""
        condition: Condition = EnrollmentItem.SK.startswith(keys.ENROLLMENT_SK_PREFIX)
        if after_lead is not None:
            condition = EnrollmentItem.SK.between(
                keys.enrollment_sk(after_lead) + "#", keys.ENROLLMENT_SK_PREFIX + "~"
            )
        return [
            enrollment_from_item(i)
            for i in EnrollmentItem.query(
                keys.enrollment_pk(self.tenant_id, campaign_id),
                condition,
                limit=limit + 1,
                page_size=limit + 1,
            )
            if isinstance(i, EnrollmentItem)
        ]

    def iter_campaign(self, campaign_id: str) -> Iterator[Enrollment]:
        """AP31: every enrollment of a campaign, in 1 MB pages."""
        for item in EnrollmentItem.query(
            keys.enrollment_pk(self.tenant_id, campaign_id),
            EnrollmentItem.SK.startswith(keys.ENROLLMENT_SK_PREFIX),
        ):
            if isinstance(item, EnrollmentItem):
                yield enrollment_from_item(item)

    def for_lead(self, lead_id: str) -> list[Enrollment]:
        """AP15: a lead's enrollments in every campaign (GSI1 keys, then BatchGetItem), e.g. to stop
        them on a reply."""
        entries = EnrollmentItem.gsi1.query(keys.lead_enrollment_gsi1pk(self.tenant_id, lead_id))
        return [enrollment_from_item(i) for i in from_index(EnrollmentItem, entries)]

    def due(self, shard: int, until: datetime, after: str | None = None) -> Iterator[DueEnrollment]:
        """AP14: the enrollments of one shard due at or before ``until``, oldest due first.

        GSI2 gives the keys, one BatchGetItem per 100 of them the enrollments; one that moved since
        the index was read (claimed, settled) is left out unless it is still due in this shard.
        ``after``, the due key of the last step a previous part of the run took, starts the index
        Query past it, as from a page's LastEvaluatedKey.
        """
        pk = keys.due_gsi2pk(self.tenant_id, shard)
        bound = f"{to_iso(until)}#{keys.DUE_UPPER}"
        entries = EnrollmentItem.gsi2.query(
            pk, bound >= EnrollmentItem.GSI2SK, last_evaluated_key=self._due_start(pk, after)
        )
        for item in from_index(EnrollmentItem, entries):
            shard_key, due_key = item.GSI2PK, item.GSI2SK
            if shard_key == pk and due_key is not None and due_key <= bound:
                yield DueEnrollment(enrollment_from_item(item), due_key)

    def _due_start(self, gsi2pk: str, after: str | None) -> dict[str, dict[str, str]] | None:
        # The table's keys are rebuilt from the due key and this repository's tenant: a cursor names
        # a place in the caller's own index, never another tenant's.
        if after is None:
            return None
        _, campaign_id, lead_id = after.rsplit("#", 2)
        return {
            "PK": {"S": keys.enrollment_pk(self.tenant_id, campaign_id)},
            "SK": {"S": keys.enrollment_sk(lead_id)},
            "GSI2PK": {"S": gsi2pk},
            "GSI2SK": {"S": after},
        }

    # --- writes -------------------------------------------------------------------------------
    def sequence_guard(self, lead_id: str) -> SequenceGuard | None:
        """AP31b: the campaign that last enrolled the lead (consistent), ``None`` when none did lately."""
        try:
            item = SequenceGuardItem.get(
                keys.sequence_guard_pk(self.tenant_id, lead_id), keys.SEQUENCE_GUARD_SK, consistent_read=True
            )
        except SequenceGuardItem.DoesNotExist:
            return None
        return SequenceGuard(item.campaign_id, item.at)

    def enroll(
        self, enrollment: Enrollment, *, parallel: bool = False, replacing: SequenceGuard | None = None
    ) -> Enrolled:
        """AP31: enroll a lead once per campaign, and in one campaign at a time unless ``parallel``.

        One transaction writes the enrollment (if the lead is not in the campaign yet) and the lead's
        sequence guard, which names this campaign. The caller has checked the lead's other
        enrollments; the guard closes the window that check leaves: unless ``parallel``, it may
        only be written when no other campaign wrote it within :data:`GUARD_SPAN`, so of two
        campaigns enrolling the lead at once, one is refused. ``replacing``, the guard as read
        (:meth:`sequence_guard`) when the caller found that campaign's enrollment already over, may
        be taken over as long as it is unchanged.
        """
        e = enrollment
        guard = SequenceGuardItem(
            keys.sequence_guard_pk(self.tenant_id, e.lead_id),
            keys.SEQUENCE_GUARD_SK,
            campaign_id=e.campaign_id,
            at=e.enrolled_at,
            expires_at=int(e.enrolled_at.timestamp()) + GUARD_TTL_SECONDS,
        )
        alone = (
            SequenceGuardItem.PK.does_not_exist()
            | (SequenceGuardItem.campaign_id == e.campaign_id)
            | (SequenceGuardItem.at < e.enrolled_at - GUARD_SPAN)
        )
        if replacing is not None:
            alone |= (SequenceGuardItem.campaign_id == replacing.campaign_id) & (
                SequenceGuardItem.at == replacing.at
            )
        try:
            with self._transaction() as tx:
                tx.save(self._item(e), condition=EnrollmentItem.PK.does_not_exist())
                tx.save(guard, condition=None if parallel else alone)
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            enrollment_refused = (exc.cancellation_reasons or [None])[0]
            if enrollment_refused is not None and enrollment_refused.code != "None":
                return Enrolled.ALREADY_IN_CAMPAIGN
            return Enrolled.ENROLLING_ELSEWHERE
        return Enrolled.ENROLLED

    def claim(
        self,
        due: DueEnrollment,
        token: str,
        lease_until: datetime,
        now: datetime,
        *,
        sending: PendingSend | None = None,
    ) -> bool:
        """AP32: take a due step for one worker until ``lease_until``; ``False`` if another has it.

        Conditional on the due key as read: a second worker, or a second run of the hourly job,
        read the same key and loses. While claimed, the enrollment is due again at ``lease_until``.
        With ``sending``, the same write notes that the step's send starts, and its message (what
        :meth:`mark_sending` notes on a step already claimed).
        """
        e = due.enrollment
        item = self._key(e)
        actions: list[Action] = [
            EnrollmentItem.claim_token.set(token),
            EnrollmentItem.lease_until.set(lease_until),
            EnrollmentItem.GSI2SK.set(keys.due_gsi2sk(to_iso(lease_until), e.campaign_id, e.lead_id)),
            EnrollmentItem.updated_at.set(now),
        ]
        if sending is not None:
            actions += _sending_actions(e.current_step, sending)
        try:
            item.update(
                actions=actions,
                condition=(EnrollmentItem.GSI2SK == due.due_key)  # noqa: SIM300
                & _may_run()
                & (EnrollmentItem.current_step == e.current_step),
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def mark_sending(
        self, enrollment: Enrollment, token: str, step: int, message: PendingSend, now: datetime
    ) -> bool:
        """AP32: note, before calling the provider, that this step's send has started, and its text."""
        try:
            self._key(enrollment).update(
                actions=[*_sending_actions(step, message), EnrollmentItem.updated_at.set(now)],
                condition=EnrollmentItem.claim_token == token,
            )
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def transition(
        self,
        after: Enrollment,
        guard: Guard,
        decision: Decision,
        interaction: Interaction | None = None,
        approval: Approval | None = None,
        counted: VariantCount | None = None,
    ) -> bool:
        """AP33: move an enrollment to ``after`` with its decision, interaction and approval, at once.

        One transaction: the enrollment's update (conditional on ``guard``), the interaction and the
        approval it creates, and what the change adds to an A/B variant's figures (AP49: a step sent,
        a reply). ``False`` when the guard no longer holds (another worker or user won); nothing is
        written then.
        """
        decisions = [*after.decisions, decision][-KEEP_DECISIONS:]
        after = after.model_copy(update={"decisions": decisions, "claim_token": None, "lease_until": None})
        item = self._key(after)
        condition = _guard_condition(guard)
        try:
            with self._transaction() as tx:
                tx.update(item, actions=_state_actions(self.tenant_id, after), condition=condition)
                if interaction is not None:
                    tx.save(
                        _interaction_item(self.tenant_id, interaction),
                        condition=InteractionItem.PK.does_not_exist(),
                    )
                if approval is not None:
                    tx.save(
                        approval_item(self.tenant_id, approval), condition=InteractionItem.PK.does_not_exist()
                    )
                if counted is not None:
                    counter, actions = counter_update(self.tenant_id, counted)
                    tx.update(counter, actions=actions)
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise
        return True

    def remove_all(self, campaign_id: str) -> int:
        """AP31: delete every item of a campaign's partition (its enrollments and interactions)."""
        count = 0
        with EnrollmentItem.batch_write() as batch:
            for item in EnrollmentItem.query(keys.enrollment_pk(self.tenant_id, campaign_id)):
                batch.delete(item)
                count += 1
        return count

    # --- interactions -------------------------------------------------------------------------
    def interactions(
        self, campaign_id: str, limit: int, cursor: str | None, lead_id: str | None = None
    ) -> tuple[list[Interaction], str | None]:
        """AP34: a campaign's interactions, newest first, optionally of one lead."""
        pk = keys.enrollment_pk(self.tenant_id, campaign_id)
        prefix = keys.INTERACTION_SK_PREFIX
        condition: Condition = InteractionItem.SK.startswith(prefix)
        resume_at = None if cursor is None else prefix + decode_position(cursor)
        if resume_at is not None:
            condition = InteractionItem.SK.between(prefix, resume_at)
        filter_condition = None if lead_id is None else InteractionItem.lead_id == lead_id
        found: list[Interaction] = []
        last_key = None
        for item in InteractionItem.query(
            pk,
            condition,
            filter_condition=filter_condition,
            scan_index_forward=False,
            page_size=max(limit, 25),
        ):
            # BETWEEN includes the bound: the entry the cursor names was on the previous page.
            if not isinstance(item, InteractionItem) or item.SK == resume_at:  # noqa: SIM300
                continue
            if len(found) == limit:
                last_key = found[-1]
                break
            found.append(_interaction(item))
        next_cursor = None
        if last_key is not None:
            next_cursor = encode_position(timeline_position(last_key.decision.at, last_key.id))
        return found, next_cursor

    # --- items --------------------------------------------------------------------------------
    def _key(self, enrollment: Enrollment) -> EnrollmentItem:
        return EnrollmentItem(
            keys.enrollment_pk(self.tenant_id, enrollment.campaign_id), keys.enrollment_sk(enrollment.lead_id)
        )

    def _item(self, e: Enrollment) -> EnrollmentItem:
        item = EnrollmentItem(
            keys.enrollment_pk(self.tenant_id, e.campaign_id),
            keys.enrollment_sk(e.lead_id),
            campaign_id=e.campaign_id,
            lead_id=e.lead_id,
            scenario_id=e.scenario_id,
            scenario_version=e.scenario_version,
            status=e.status.value,
            current_step=e.current_step,
            next_action_at=e.next_action_at,
            held=e.held,
            sent=_dump(e.sent),
            decisions=_dump(e.decisions),
            replied_at=e.replied_at,
            replied_step=e.replied_step,
            reply_kind=None if e.reply_kind is None else e.reply_kind.value,
            resume_at=e.resume_at,
            out_of_office_at=e.out_of_office_at,
            enrolled_at=e.enrolled_at,
            updated_at=e.updated_at,
            GSI1PK=keys.lead_enrollment_gsi1pk(self.tenant_id, e.lead_id),
            GSI1SK=keys.lead_enrollment_gsi1sk(e.campaign_id),
        )
        due = due_keys(self.tenant_id, e)
        if due is not None:
            item.GSI2PK, item.GSI2SK = due
        return item


def due_keys(tenant_id: str, e: Enrollment) -> tuple[str, str] | None:
    """The enrollment's place in the due index, or ``None`` when it may not run."""
    may_run = e.status is EnrollmentStatus.ACTIVE or e.paused_until_return
    if not may_run or e.held or e.next_action_at is None:
        return None
    return (
        keys.due_gsi2pk(tenant_id, keys.due_shard(e.campaign_id, e.lead_id)),
        keys.due_gsi2sk(to_iso(e.next_action_at), e.campaign_id, e.lead_id),
    )


def _state_actions(tenant_id: str, e: Enrollment) -> list[Action]:
    actions: list[Action] = [
        EnrollmentItem.status.set(e.status.value),
        EnrollmentItem.current_step.set(e.current_step),
        EnrollmentItem.held.set(e.held),
        EnrollmentItem.sent.set(_dump(e.sent)),
        EnrollmentItem.decisions.set(_dump(e.decisions)),
        EnrollmentItem.updated_at.set(e.updated_at),
        EnrollmentItem.claim_token.remove(),
        EnrollmentItem.lease_until.remove(),
        EnrollmentItem.sending_step.remove(),
        EnrollmentItem.sending_message.remove(),
    ]
    actions.append(
        EnrollmentItem.next_action_at.set(e.next_action_at)
        if e.next_action_at is not None
        else EnrollmentItem.next_action_at.remove()
    )
    if e.replied_at is not None:
        actions.append(EnrollmentItem.replied_at.set(e.replied_at))
    if e.replied_step is not None:
        actions.append(EnrollmentItem.replied_step.set(e.replied_step))
    if e.reply_kind is not None:
        actions.append(EnrollmentItem.reply_kind.set(e.reply_kind.value))
    if e.out_of_office_at is not None:
        actions.append(EnrollmentItem.out_of_office_at.set(e.out_of_office_at))
    actions.append(
        EnrollmentItem.resume_at.set(e.resume_at)
        if e.resume_at is not None
        else EnrollmentItem.resume_at.remove()
    )
    due = due_keys(tenant_id, e)
    if due is None:
        actions += [EnrollmentItem.GSI2PK.remove(), EnrollmentItem.GSI2SK.remove()]
    else:
        actions += [EnrollmentItem.GSI2PK.set(due[0]), EnrollmentItem.GSI2SK.set(due[1])]
    return actions


def _sending_actions(step: int, message: PendingSend) -> list[Action]:
    """The send marker: which step's send started, and the message it sends."""
    return [
        EnrollmentItem.sending_step.set(step),
        EnrollmentItem.sending_message.set(message.model_dump_json()),
    ]


def _guard_condition(guard: Guard) -> Condition:
    if guard.claim_token is not None:
        return EnrollmentItem.claim_token == guard.claim_token
    if guard.due_key is not None:
        unclaimed: Condition = (EnrollmentItem.GSI2SK == guard.due_key) & _may_run()  # noqa: SIM300
        return unclaimed
    if guard.statuses and guard.step is not None:
        # A user's change never races a worker holding the step: no claim may be in force.
        by_user: Condition = (
            EnrollmentItem.status.is_in(*[s.value for s in guard.statuses])
            & (EnrollmentItem.current_step == guard.step)
            & EnrollmentItem.claim_token.does_not_exist()
        )
        return by_user
    raise ValueError("a transition needs a guard")


def _may_run() -> Condition:
    """Active, or paused until the lead is back (a user's pause has no ``resume_at``)."""
    active: Condition = EnrollmentItem.status == EnrollmentStatus.ACTIVE.value
    paused: Condition = (
        EnrollmentItem.status == EnrollmentStatus.PAUSED.value
    ) & EnrollmentItem.resume_at.exists()
    either: Condition = active | paused
    return either


def _conditional(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def _dump(values: list[SentStep] | list[Decision]) -> str:
    return json.dumps([v.model_dump(mode="json", exclude_none=True) for v in values], separators=(",", ":"))


def enrollment_from_item(item: EnrollmentItem) -> Enrollment:
    """The domain enrollment of a stored item."""
    return Enrollment(
        campaign_id=item.campaign_id,
        lead_id=item.lead_id,
        scenario_id=item.scenario_id,
        scenario_version=int(item.scenario_version),
        status=EnrollmentStatus(item.status),
        current_step=int(item.current_step),
        next_action_at=item.next_action_at,
        held=bool(item.held),
        claim_token=item.claim_token,
        lease_until=item.lease_until,
        sending_step=None if item.sending_step is None else int(item.sending_step),
        sending_message=None
        if item.sending_message is None
        else PendingSend.model_validate_json(item.sending_message),
        sent=[SentStep.model_validate(s) for s in json.loads(item.sent or "[]")],
        decisions=[Decision.model_validate(d) for d in json.loads(item.decisions or "[]")],
        replied_at=item.replied_at,
        replied_step=None if item.replied_step is None else int(item.replied_step),
        reply_kind=None if item.reply_kind is None else ReplyKind(item.reply_kind),
        resume_at=item.resume_at,
        out_of_office_at=item.out_of_office_at,
        enrolled_at=item.enrolled_at,
        updated_at=item.updated_at,
    )


def _interaction_item(tenant_id: str, interaction: Interaction) -> InteractionItem:
    return InteractionItem(
        keys.enrollment_pk(tenant_id, interaction.campaign_id),
        keys.interaction_sk(to_iso(interaction.decision.at), interaction.id),
        interaction_id=interaction.id,
        campaign_id=interaction.campaign_id,
        lead_id=interaction.lead_id,
        decision=interaction.decision.model_dump_json(exclude_none=True),
        preview=interaction.preview,
    )


def _interaction(item: InteractionItem) -> Interaction:
    return Interaction(
        id=item.interaction_id,
        campaign_id=item.campaign_id,
        lead_id=item.lead_id,
        decision=Decision.model_validate_json(item.decision),
        preview=item.preview,
    )
