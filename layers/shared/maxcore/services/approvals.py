"""Approvals: the user's answer to a draft (send it or not), a task (done) or a recommendation.

Approving a draft sends it exactly once: the approval moves from pending to approved with a
conditional write before the provider is called, and the provider gets the step's own key, so a
second click, or a click racing the scheduler, never sends twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.approvals import ApprovalRepository
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import EnrollmentRepository, Guard
from maxcore.dal.variants import VariantCount
from maxcore.errors import (
    ChannelUnavailableError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
)
from maxcore.ids import new_id
from maxcore.models.activity import ActivityChannel, ActivityResponse, CreateActivityRequest, Direction
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApprovalVerdict,
    DecideApprovalRequest,
    EnrollmentStatus,
    Interaction,
    Outcome,
    SentStep,
    StepChannel,
)
from maxcore.observability import logger
from maxcore.rules.email_threads import Thread, thread_for_step
from maxcore.rules.prospection import Verdict, to_decision
from maxcore.services.activities import ActivityService
from maxcore.services.messaging import MessagingService
from maxcore.services.modes import ActionKind, ModeGuard
from maxcore.services.scenarios import ScenarioService
from maxcore.services.sequencer import Sequencer, step_key
from maxcore.services.tenants import tenant_settings


class ApprovalService:
    """Approvals of one tenant."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tenant_id = tenant_id
        self.repository = ApprovalRepository(tenant_id)
        self._clock = clock
        self._sleep = sleep

    def get(self, approval_id: str) -> Approval:
        """One approval."""
        return self.repository.get(approval_id)

    def page(
        self, limit: int, cursor: str | None, kind: ApprovalKind | None, status: ApprovalStatus | None
    ) -> tuple[list[Approval], str | None]:
        """Approvals, newest first."""
        return self.repository.page(limit, cursor, kind, status)

    def decide(self, approval_id: str, request: DecideApprovalRequest, by: str) -> Approval:
        """Approve or reject a pending item (409 once decided; 403 when the mode forbids the send)."""
        approval = self.repository.get(approval_id)
        if approval.status is not ApprovalStatus.PENDING:
            raise ConflictError(
                f"this {approval.kind.value} was already {approval.status.value}",
                {"approval_id": approval_id, "status": approval.status.value},
            )
        if request.decision is ApprovalVerdict.REJECT:
            return self._reject(approval, by)
        if approval.kind is ApprovalKind.DRAFT:
            return self._send(approval, request, by)
        if (request.body or request.subject) is not None:
            raise InvalidInputError(
                "only a draft's text can be edited", [{"field": "body", "message": "not for a task"}]
            )
        now = self._clock()
        result: dict[str, object] = {}
        if approval.kind is ApprovalKind.TASK:
            # The salesperson did the call or the LinkedIn message: it goes on the lead's timeline.
            activity, _ = ActivityService(self.tenant_id, self._clock).log(
                CreateActivityRequest(
                    lead_id=approval.lead_id,
                    channel=ActivityChannel.CALL
                    if approval.channel is StepChannel.CALL
                    else ActivityChannel.MANUAL,
                    direction=Direction.OUT,
                    preview=approval.body[:1000],
                )
            )
            result = {"activity_id": activity.id}
        return self.repository.decide(approval, ApprovalStatus.APPROVED, by, now, result)

    def _reject(self, approval: Approval, by: str) -> Approval:
        now = self._clock()
        decided = self.repository.decide(approval, ApprovalStatus.REJECTED, by, now, {})
        if approval.kind is ApprovalKind.DRAFT and approval.origin.campaign_id and approval.origin.step:
            self._settle_step(approval, Verdict(Outcome.REJECTED, "draft_rejected"), now, None)
        logger.info("approval rejected", extra={"approval_id": approval.id, "kind": approval.kind.value})
        return decided

    def _send(self, approval: Approval, request: DecideApprovalRequest, by: str) -> Approval:
        ModeGuard(self.tenant_id).require(ActionKind.SEND, approved=True)
        channel = approval.channel.channel
        if channel is None:
            raise ConflictError("a manual step has nothing to send", {"approval_id": approval.id})
        body = request.body or approval.body
        subject = request.subject or approval.subject
        now = self._clock()
        # Claim: pending -> approved before the provider call; a second click gets a 409.
        claimed = self.repository.decide(approval, ApprovalStatus.APPROVED, by, now, {"state": "sending"})
        origin = approval.origin
        if origin.campaign_id and origin.step:
            key = step_key(origin.campaign_id, approval.lead_id, origin.step)
            metadata: dict[str, object] = {"campaign_id": origin.campaign_id, "step": origin.step}
            if origin.variant is not None:
                # Its delivery, opening and opt-outs count for the variant, as an automatic send's.
                metadata["variant"] = origin.variant
        else:
            # An automation's draft goes out under its occurrence's key, as the send would have.
            key = origin.run_key or f"approval:{approval.id}"
            metadata = {"automation_id": origin.automation_id}
        if approval.source is not None:
            metadata["message_source"] = approval.source.value
        try:
            sent = MessagingService(self.tenant_id, self._clock, self._sleep).deliver(
                SendMessageRequest(
                    lead_id=approval.lead_id, channel=ChannelChoice(channel.value), body=body, subject=subject
                ),
                f"user:{by}",
                key,
                {**metadata, "approval_id": approval.id},
                thread=self._thread(approval),
            )
        except (RateLimitedError, UpstreamError):
            # Nothing left: the draft goes back to pending so the user can try again later.
            self.repository.reopen(claimed)
            raise
        except ChannelUnavailableError as exc:
            self.repository.record_result(
                claimed, {"state": "refused", "code": exc.code, "message": exc.message}
            )
            if origin.campaign_id and origin.step:
                self._settle_step(
                    approval, Verdict(Outcome.SKIPPED, exc.code, {"detail": exc.message[:120]}), now, None
                )
            raise
        result = {"state": "sent", "activity_id": sent.activity.id, "provider": sent.provider}
        decided = self.repository.record_result(claimed, result)
        if origin.campaign_id and origin.step:
            self._settle_step(approval, Verdict(Outcome.SENT, "draft_approved"), now, sent.activity)
        return decided

    def _thread(self, approval: Approval) -> Thread | None:
        """The e-mail thread a campaign step's draft continues, from its enrollment as it stands."""
        origin = approval.origin
        if origin.campaign_id is None or origin.step is None or approval.channel is not StepChannel.EMAIL:
            return None
        try:
            e = EnrollmentRepository(self.tenant_id).get(origin.campaign_id, approval.lead_id)
        except NotFoundError:  # the prospect is gone: the draft goes out on its own
            return None
        scenario = ScenarioService(self.tenant_id).version(e.scenario_id, e.scenario_version)
        step = scenario.step(origin.step)
        return None if step is None else thread_for_step(step, e.sent, scenario)

    def _settle_step(
        self, approval: Approval, verdict: Verdict, now: datetime, activity: ActivityResponse | None
    ) -> None:
        """Move the campaign's enrollment past the step the draft was for."""
        origin = approval.origin
        if origin.campaign_id is None or origin.step is None:
            return
        enrollments = EnrollmentRepository(self.tenant_id)
        try:
            campaign = CampaignRepository(self.tenant_id).get(origin.campaign_id)
            e = enrollments.get(origin.campaign_id, approval.lead_id)
        except NotFoundError:  # the campaign or the prospect is gone: nothing to move
            return
        if e.status is not EnrollmentStatus.AWAITING_APPROVAL or e.current_step != origin.step:
            return
        scenario = ScenarioService(self.tenant_id).version(e.scenario_id, e.scenario_version)
        step = scenario.step(origin.step)
        tenant = tenant_settings(self.tenant_id)
        sequencer = Sequencer(self.tenant_id, self._clock, tenant=tenant)
        sent = None
        if verdict.outcome is Outcome.SENT and step is not None:
            written = {} if activity is None else activity.metadata
            sent = SentStep(
                step=step.order,
                channel=step.channel,
                source=approval.source,
                variant=origin.variant,
                at=now,
                message_id=written.get("message_id"),
                sender=written.get("from_address"),
                subject=written.get("subject"),
            )
        after = sequencer.advance(
            e.model_copy(update={"status": EnrollmentStatus.ACTIVE}), scenario, campaign, now, sent
        )
        decision = to_decision(
            verdict,
            locale=tenant.locale.value,
            timezone=campaign.timezone,
            now=now,
            step=step,
            source=approval.source,
            activity_id=None if activity is None else activity.id,
            approval_id=approval.id,
            variant=None if sent is None else origin.variant,
        )
        enrollments.transition(
            after.model_copy(update={"updated_at": now}),
            Guard(statuses=(EnrollmentStatus.AWAITING_APPROVAL,), step=origin.step),
            decision,
            Interaction(id=new_id(), campaign_id=campaign.id, lead_id=e.lead_id, decision=decision),
            counted=None if sent is None else VariantCount.of_sent(campaign.id, sent),
        )
