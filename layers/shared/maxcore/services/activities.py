"""Activity use cases: log an interaction, understand an inbound reply, read a lead's timeline.

After the activity is written, the lead's alerts are evaluated on the sweep's own code path
(:class:`~maxcore.services.alerts.AlertService`): a reply resolves ``NoReply3d`` at once.

Logging an activity writes, in one transaction, the activity and the lead's summary (what the alert
rules read), and for an inbound message what it does (:mod:`maxcore.rules.replies`): an opt-out
revokes the lead's consent on its channel or on all of them (with the reason), an out-of-office reply
records the day the lead is back, an automatic message is marked and moves nothing. The same
transaction adds what the activity counts to the reporting counters, and an answer to a survey's
score to the survey counters: a reply recorded is counted, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.ai.intent import ask_intent
from maxcore.ai.llm import ChatModel, chat_model
from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository, message_ref
from maxcore.dal.alerts import AlertRepository
from maxcore.dal.base import decode_position, encode_position, timeline_position
from maxcore.dal.leads import LeadRepository
from maxcore.errors import (
    ConflictError,
    DuplicateMessageError,
    InsufficientTokensError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
    UpstreamError,
)
from maxcore.ids import new_id
from maxcore.models.activity import (
    Activity,
    ClassifyRequest,
    ClassifyResponse,
    CreateActivityRequest,
    CueResponse,
    Direction,
    Refinement,
)
from maxcore.models.alert import Alert
from maxcore.models.budget import TokenAction
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.contact import DEFAULT_COUNTRY
from maxcore.models.intent import HOT_INTENTS, Intent, ReplyKind
from maxcore.models.lead import ConsentState, Lead
from maxcore.observability import logger, metrics
from maxcore.rules.appointments import survey_counts
from maxcore.rules.replies import ReplyEffect, inbound_effect
from maxcore.rules.reporting import (
    ANSWERED_WITHIN,
    NOTHING,
    Counts,
    inbound_counts,
    is_counted,
    outbound_counts,
)
from maxcore.rules.summary import apply_activity
from maxcore.rules.unsubscribe import UNSUBSCRIBED_FROM
from maxcore.services.alerts import AlertService
from maxcore.services.answers import as_answer
from maxcore.services.appointments import AnswerTarget, AppointmentService
from maxcore.services.budget import BudgetService
from maxcore.services.consent import ConsentService
from maxcore.services.email_threads import RECENT_ACTIVITIES
from maxcore.services.tenants import tenant_settings
from maxcore.services.variants import VariantService
from maxcore.texts import date_text, render

if TYPE_CHECKING:
    from maxcore.rules.intent import Classification

ATTEMPTS = 3
"""Tries of the activity transaction when another write changed the lead meanwhile."""


FUTURE_TOLERANCE_SECONDS = 60
"""Clock skew allowed between the caller and us before a timestamp counts as in the future."""


def _classify(text: str, received_at: datetime | None) -> Classification:
    """The reply classifier's verdict on ``text``.

    Imported on the first reply read: the classifier compiles several hundred patterns when imported
    (about 25 ms), which the functions that only record outbound messages should not pay at cold start.
    """
    from maxcore.rules.intent import classify

    return classify(text, received_at=received_at)


def classification(text: str, received_at: datetime | None = None) -> ClassifyResponse:
    """The API view of the reply-understanding rules' verdict on ``text``."""
    result = _classify(text, received_at)
    return ClassifyResponse(
        intent=result.intent.value,
        hot=result.hot,
        confidence=result.confidence,
        cues=[
            CueResponse(intent=c.intent.value, pattern=c.pattern, matched=c.matched, weight=c.weight)
            for c in result.cues
        ],
        return_date=None if result.return_date is None else result.return_date.isoformat(),
        language=result.language,
        survey_score=result.survey_score,
        confirmation=result.confirmation,
    )


NO_USABLE_INTENT = "the language model gave no usable intent"


def understand(
    tenant_id: str,
    request: ClassifyRequest,
    model_factory: Callable[[], ChatModel] = chat_model,
) -> ClassifyResponse:
    """The rules' reading of a text and, when asked and possible, the language model's second opinion.

    The model never decides alone whether the answer exists: without a configured model, without
    tokens, or when the model fails (tokens refunded), the rules' answer stands and says why.
    """
    verdict = classification(request.text, request.received_at)
    if not request.refine:
        return verdict

    tenant = tenant_settings(tenant_id)

    def unrefined(key: str) -> ClassifyResponse:
        reason = render(f"refinement.{key}", tenant.locale.value)
        refinement = Refinement(used=False, rules_intent=verdict.intent, reason=reason)
        return verdict.model_copy(update={"refinement": refinement})

    try:
        model = model_factory()
    except ServiceUnavailableError:
        return unrefined("no_model")
    try:
        with BudgetService(tenant_id).spend(TokenAction.LEAD_ANALYSIS, mode=tenant.mode):
            opinion = ask_intent(model, request.text, verdict.intent)
            if opinion is None:
                raise UpstreamError(NO_USABLE_INTENT, {})
    except InsufficientTokensError:
        return unrefined("no_tokens")
    except UpstreamError as exc:
        logger.warning("intent refinement failed", extra={"error": exc.message})
        return unrefined("unusable" if exc.message == NO_USABLE_INTENT else "failed")
    refinement = Refinement(
        used=True, rules_intent=verdict.intent, model_intent=opinion.intent, reason=opinion.reason
    )
    return verdict.model_copy(
        update={
            "intent": opinion.intent,
            "hot": opinion.intent in HOT_INTENTS,
            "source": "llm",
            "refinement": refinement,
        }
    )


class ActivityService:
    """The activities of one tenant's leads."""

    def __init__(
        self, tenant_id: str, clock: Callable[[], datetime] = utcnow, timezone: str | None = None
    ) -> None:
        """``timezone``: the tenant's, when the caller read the tenant already; else it is read when
        a first message is counted (the reporting counters count on the tenant's day)."""
        self.tenant_id = tenant_id
        self.leads = LeadRepository(tenant_id)
        self.repository = ActivityRepository(tenant_id)
        self._clock = clock
        self._timezone = timezone

    def log(self, request: CreateActivityRequest) -> tuple[Activity, Lead]:
        """Record an interaction on a lead (404 for an unknown lead, 422 for a future time)."""
        now = self._clock()
        occurred_at = (request.occurred_at or now).astimezone(UTC)
        if (occurred_at - now).total_seconds() > FUTURE_TOLERANCE_SECONDS:
            raise InvalidInputError(
                "occurred_at is in the future; log what has happened",
                {"occurred_at": occurred_at.isoformat(), "now": now.isoformat()},
            )
        activity = Activity(
            id=new_id(),
            lead_id=request.lead_id,
            channel=request.channel,
            direction=request.direction,
            status=request.status,
            preview=request.preview,
            provider_message_id=request.provider_message_id,
            occurred_at=occurred_at,
        )
        return self.record(activity)

    def record(
        self,
        activity: Activity,
        *,
        consent_updates: dict[Channel, ConsentState] | None = None,
        evaluate: bool = True,
        lead: Lead | None = None,
    ) -> tuple[Activity, Lead]:
        """Record ``activity`` with its consequences on the lead, then (unless told not to) its alerts.

        An inbound text gets its intent, and every inbound message what it does
        (:func:`~maxcore.rules.replies.reply_effect`, kept as ``metadata["reply_kind"]``): an opt-out
        revokes consent, an out-of-office reply records the day the lead is back, an automatic
        message (``metadata["automatic"]``, or a text the rules read as one) moves nothing.
        ``consent_updates`` (an SMS keyword, a provider's opt-out) win over what the text says. A
        provider message already recorded raises :class:`~maxcore.errors.DuplicateMessageError` and
        changes nothing. With ``evaluate=False`` the caller re-evaluates the alerts later (the
        webhooks do it through the queue). ``lead``: the lead as the caller read it, for the first
        try (its write is conditional on that version; a lead changed meanwhile is read again).
        """
        now = self._clock()
        verdict = None
        if activity.direction is Direction.IN and activity.text:
            verdict = _classify(activity.text, activity.occurred_at)
            activity = activity.model_copy(
                update={
                    "intent": verdict.intent.value,
                    "metadata": {
                        **activity.metadata,
                        "intent_cues": [c.pattern for c in verdict.cues[:5]],
                        "confidence": verdict.confidence,
                    },
                }
            )
            activity = as_answer(self.repository, activity, verdict)
        appointment = self._appointment_answered(activity)
        if appointment is not None:
            said = {"appointment_id": appointment.appointment.id, "appointment_note": appointment.note}
            activity = activity.model_copy(update={"metadata": {**activity.metadata, **said}})
        effect = None
        if activity.direction is Direction.IN:
            effect = self._reply_effect(activity, verdict)
            activity = activity.model_copy(update={"metadata": _marked(activity.metadata, effect, verdict)})
        kind = None if effect is None else effect.kind
        counted = is_counted(activity, kind)
        answered = self._answered_template(activity) if counted and kind is ReplyKind.HOT else None
        scores = survey_counts(activity)
        known = lead if lead is not None and lead.id == activity.lead_id else None
        ledger = ConsentService(self.tenant_id, self._clock)
        for attempt in range(1, ATTEMPTS + 1):
            lead = known or self.leads.get(activity.lead_id)
            known = None
            summary = apply_activity(lead.summary, activity, now, effect=effect)
            consent = None
            if effect is not None and effect.revoke_channels:
                consent = _revoked(lead, effect.revoke_channels, now, _opt_out_reason(ledger, activity))
            if consent_updates:
                consent = {**(consent if consent is not None else lead.consent), **consent_updates}
            counts = self._counts(activity, kind, lead, answered) if counted else NOTHING
            counts = replace(counts, surveys=scores)
            try:
                self.repository.record(lead, activity, summary, consent, counts)
            except DuplicateMessageError:
                raise
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            if effect is not None and effect.revoke_channels:
                self._record_opt_out(ledger, lead, activity, effect.revoke_channels, consent_updates or {})
            if kind is ReplyKind.OPT_OUT:
                self._count_unsubscribe(activity)
            updated = lead.model_copy(
                update={
                    "summary": summary,
                    "consent": consent if consent is not None else lead.consent,
                    "version": lead.version + 1,
                }
            )
            metrics.add_metric(name="ActivityLogged", unit=MetricUnit.Count, value=1)
            self._answered(activity, updated, appointment)
            report = None
            if evaluate:
                # The same code path as the daily sweep: the lead's alerts follow its new summary now.
                try:
                    report = AlertService(self.tenant_id, self._clock).evaluate_lead(lead.id)
                except NotFoundError:  # deleted meanwhile
                    report = None
            logger.info(
                "activity logged",
                extra={
                    "lead_id": lead.id,
                    "activity_id": activity.id,
                    "channel": activity.channel.value,
                    "direction": activity.direction.value,
                    "intent": activity.intent,
                    "alerts_opened": None if report is None else report.opened,
                    "alerts_resolved": None if report is None else report.resolved,
                },
            )
            return activity, updated
        raise AssertionError("unreachable")  # pragma: no cover

    def _appointment_answered(self, activity: Activity) -> AnswerTarget | None:
        """The appointment an answer to a reminder confirms or cancels, before the answer is written."""
        reading = activity.metadata.get("appointment")
        if reading not in ("confirmed", "cancelled"):
            return None
        service = AppointmentService(self.tenant_id, self._clock)
        return service.answer_target(activity.lead_id, reading == "confirmed", activity.occurred_at)

    def _answered(self, activity: Activity, lead: Lead, appointment: AnswerTarget | None) -> None:
        """What a recorded answer to a reminder does: confirm or cancel its appointment."""
        if appointment is not None:
            AppointmentService(self.tenant_id, self._clock).apply_answer(lead, appointment, activity.channel)

    def _counts(self, activity: Activity, kind: ReplyKind | None, lead: Lead, answered: str | None) -> Counts:
        """What recording ``activity`` adds to the reporting counters, on the tenant's day."""
        if self._timezone is None:
            self._timezone = tenant_settings(self.tenant_id).timezone
        if activity.direction is Direction.OUT or kind is None:
            return outbound_counts(activity, self._timezone)
        last_sent = lead.summary.last_outbound_by_channel.get(activity.channel.value)
        return inbound_counts(activity, kind, last_sent, self._timezone, answered)

    def _answered_template(self, activity: Activity) -> str | None:
        """AP9b: the template of our latest message on the reply's channel, which a positive reply
        counts for (one Query, for positive replies only)."""
        at = activity.occurred_at
        answered = self.repository.latest_sent_on(
            activity.lead_id, Channel(activity.channel.value), at - ANSWERED_WITHIN, at
        )
        template_id = None if answered is None else answered.metadata.get("template_id")
        return template_id if isinstance(template_id, str) else None

    def _count_unsubscribe(self, opt_out: Activity) -> None:
        """An opt-out counts against the A/B variant of the message it concerns (once per message)."""
        message = self._opted_out_of(opt_out)
        if message is not None:
            VariantService(self.tenant_id, self._clock).count_unsubscribe(message_ref(message), message)

    def _opted_out_of(self, opt_out: Activity) -> Activity | None:
        """The message an opt-out concerns: the e-mail whose link was used (AP9), else our latest
        message on the opt-out's channel, as a reply answers it (AP9b)."""
        named = opt_out.metadata.get(UNSUBSCRIBED_FROM)
        if isinstance(named, str):
            return self.repository.recent_outbound_with(opt_out.lead_id, RECENT_ACTIVITIES, message_id=named)
        at = opt_out.occurred_at
        return self.repository.latest_sent_on(
            opt_out.lead_id, Channel(opt_out.channel.value), at - ANSWERED_WITHIN, at
        )

    def _record_opt_out(
        self,
        ledger: ConsentService,
        lead: Lead,
        activity: Activity,
        channels: tuple[Channel, ...],
        decided: Mapping[Channel, ConsentState],
    ) -> None:
        """Write a written opt-out to the ledger; the channels ``decided`` by the caller are its to write."""
        changes = {channel: False for channel in channels if channel not in decided}
        ledger.record_lead_changes(
            lead,
            changes,
            ConsentSource.REPLY,
            activity.provider_message_id or activity.id,
            _opt_out_reason(ledger, activity),
        )

    def _reply_effect(self, activity: Activity, verdict: Classification | None) -> ReplyEffect:
        """What an inbound activity does; the tenant's country is read only for an absence notice."""
        away = verdict is not None and verdict.intent is Intent.OUT_OF_OFFICE
        country = tenant_settings(self.tenant_id).default_country if away else DEFAULT_COUNTRY
        return inbound_effect(activity, verdict, country)

    def timeline(
        self, lead_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Activity | Alert], str | None]:
        """A page of a lead's timeline, activities and alerts newest first (404 for an unknown lead).

        Each source is read from the cursor's position for one more entry than the page holds, the
        two are merged on (time, id), and the cursor names the last entry returned.
        """
        before = None if cursor is None else decode_position(cursor)
        self.leads.get(lead_id)
        activities = self.repository.page_for_lead(lead_id, before, limit + 1)
        alerts = AlertRepository(self.tenant_id).page_for_lead(lead_id, before, limit + 1)
        entries: list[tuple[str, Activity | Alert]] = [
            (timeline_position(a.occurred_at, a.id), a) for a in activities
        ] + [(timeline_position(a.created_at, a.id), a) for a in alerts]
        entries.sort(key=lambda entry: entry[0], reverse=True)
        page = entries[:limit]
        next_cursor = encode_position(page[-1][0]) if len(entries) > limit else None
        return [entry for _, entry in page], next_cursor


def _opt_out_reason(ledger: ConsentService, activity: Activity) -> str:
    """Why a written reply opted its sender out: the day and the message, quoted."""
    return ledger.reason(
        "opt_out_reply",
        date=date_text(activity.occurred_at.date(), ledger.locale),
        quote=(activity.preview or "")[:80],
    )[:200]


def _revoked(
    lead: Lead, channels: tuple[Channel, ...], now: datetime, reason: str
) -> dict[Channel, ConsentState]:
    """The lead's consent with ``channels`` revoked, for ``reason`` (the opt-out message quoted)."""
    consent = dict(lead.consent)
    for channel in channels:
        consent[channel] = ConsentState(granted=False, updated_at=now, reason=reason)
    return consent


def _marked(metadata: dict[str, Any], effect: ReplyEffect, verdict: Classification | None) -> dict[str, Any]:
    """The activity's metadata with what the message did, and why it is automatic when the text says so."""
    marked = {**metadata, "reply_kind": effect.kind.value}
    if verdict is not None and verdict.automatic and not metadata.get("automatic"):
        marked["automatic"] = "text"
    return marked
