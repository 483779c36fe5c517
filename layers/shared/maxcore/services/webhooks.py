"""Provider webhooks: prove the provider, read the event once, and act on it.

Every delivery is checked against the tenant's own secret before anything is read (403 and no write
otherwise), processed once per provider event id (Powertools idempotency, kept 72 hours: longer than
Resend's 28-hour retry schedule), and answered at once: the lead's alerts are re-evaluated by the
worker, through the queue, and an inbound e-mail is fetched and read there too. Even past the
idempotency window, a message is recorded once (its provider id is unique per tenant) and a status
only moves forward.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.channels.base import REFERENCE_PARAMETER
from maxcore.channels.inbound import (
    WebhookPayloadError,
    parse_resend,
    parse_telegram,
    parse_twilio,
    telegram_delivery_key,
    twilio_delivery_key,
)
from maxcore.clock import utcnow
from maxcore.dal.activities import ActivityRepository, MessageRef, StatusChange
from maxcore.dal.leads import LeadRepository
from maxcore.dal.suppressions import SuppressionRepository
from maxcore.errors import (
    BadRequestError,
    BodyTooDeepError,
    ConflictError,
    DuplicateMessageError,
    InvalidSignatureError,
    NotFoundError,
)
from maxcore.models.activity import ActivityStatus, Direction
from maxcore.models.common import TENANT_ID_PATTERN, ULID_PATTERN, Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.lead import ConsentState, Lead, LeadSummary
from maxcore.models.tenant import Tenant
from maxcore.models.webhook import (
    DeliveryUpdate,
    IgnoredEvent,
    InboundEmailNotice,
    InboundMessage,
    SuppressionReason,
    WebhookEvent,
)
from maxcore.observability import logger, metrics
from maxcore.rules import delivery as delivery_rules
from maxcore.rules import reporting as reporting_rules
from maxcore.rules import webhook_auth
from maxcore.rules.consent import lead_addresses
from maxcore.rules.json_depth import MAX_JSON_DEPTH, too_deep
from maxcore.rules.summary import apply_delivery
from maxcore.rules.variants import provider_opt_out
from maxcore.services.activities import ActivityService
from maxcore.services.channels import ChannelService
from maxcore.services.consent import ConsentService
from maxcore.services.idempotency import run_once
from maxcore.services.inbound import Enqueue, InboundService
from maxcore.services.queueing import enqueue_email_reading, enqueue_lead_evaluation
from maxcore.services.tenants import tenant_settings
from maxcore.services.variants import VariantService
from maxcore.texts import date_text, render

DELIVERY_EXPIRY_SECONDS = 72 * 3600
"""Deliveries are remembered 72 h: Resend retries for about 28 h, Twilio and Telegram for less."""

ATTEMPTS = 3

_TENANT = re.compile(TENANT_ID_PATTERN)
_ULID = re.compile(ULID_PATTERN)


@dataclass(frozen=True)
class WebhookReply:
    """What the provider gets back: 200 and, for an inbound keyword, the answer to send."""

    outcome: str
    body: str = ""
    content_type: str = "application/json"
    status: int = 200


class WebhookService:
    """The webhooks of one tenant (the tenant of the URL, proven by the signature)."""

    def __init__(
        self,
        tenant_id: str,
        clock: Callable[[], datetime] = utcnow,
        enqueue: Enqueue = enqueue_lead_evaluation,
        lambda_context: Any = None,
    ) -> None:
        if not _TENANT.match(tenant_id):
            raise InvalidSignatureError("unknown tenant")
        self.tenant_id = tenant_id
        self._clock = clock
        self._enqueue = enqueue
        self._lambda_context = lambda_context

    # --- the three providers ------------------------------------------------------------------
    def twilio(self, url: str, body: str, content_type: str, signature: str | None) -> WebhookReply:
        """An inbound SMS or WhatsApp message, or a status callback, from Twilio.

        ``body`` is the raw body: a form (every value of a repeated name kept, as Twilio signs
        them) or, with a JSON ``content_type``, a JSON object proven by the URL's ``bodySHA256``.
        """
        tenant = self._tenant()
        token = ChannelService(self.tenant_id, self._clock).webhook_secret("twilio") or ""
        is_json = content_type.split(";")[0].strip().lower() == "application/json"
        form = None if is_json else parse_qs(body, keep_blank_values=True)
        self._check(
            webhook_auth.verify_twilio(token, url, body if form is None else form, signature), "twilio"
        )
        now = self._clock()
        try:
            fields = _twilio_fields(body) if form is None else {k: v[0] for k, v in form.items() if v}
            event = parse_twilio(fields, now, tenant.default_country)
            key = twilio_delivery_key(fields)
        except WebhookPayloadError as exc:
            raise BadRequestError(str(exc)) from exc
        reference = _our_reference(url)
        return self._once("twilio", key, lambda: self._act(event, tenant, _twiml, reference))

    def resend(self, headers: Mapping[str, str], body: bytes) -> WebhookReply:
        """An e-mail event from Resend (Svix-signed)."""
        tenant = self._tenant()
        secret = ChannelService(self.tenant_id, self._clock).webhook_secret("resend") or ""
        if not secret:
            self._check(webhook_auth.Verdict(False, "no webhook secret configured for this tenant"), "resend")
        # verify_svix refuses a malformed secret itself (its verdict says so).
        self._check(webhook_auth.verify_svix(secret, headers, body, self._clock()), "resend")
        try:
            _refuse_deep(body)
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise WebhookPayloadError("the event is not a JSON object")
            event = parse_resend(payload)
        except (ValueError, WebhookPayloadError) as exc:
            raise BadRequestError(f"the event cannot be read: {exc}") from exc
        return self._once("resend", headers.get("svix-id", ""), lambda: self._act(event, tenant, _json_reply))

    def telegram(self, secret_token: str | None, body: bytes) -> WebhookReply:
        """A bot update from Telegram."""
        tenant = self._tenant()
        secret = ChannelService(self.tenant_id, self._clock).webhook_secret("telegram") or ""
        self._check(webhook_auth.verify_telegram(secret, secret_token), "telegram")
        try:
            _refuse_deep(body)
            update = json.loads(body)
            if not isinstance(update, dict):
                raise WebhookPayloadError("the update is not a JSON object")
            event = parse_telegram(update)
            key = telegram_delivery_key(update)
        except (ValueError, WebhookPayloadError) as exc:
            raise BadRequestError(f"the update cannot be read: {exc}") from exc
        return self._once("telegram", key, lambda: self._act(event, tenant, _telegram_reply))

    def _settle_lost_answer(
        self, activities: ActivityRepository, update: DeliveryUpdate, reference: str, now: datetime
    ) -> MessageRef | None:
        """Give the message our reference names the provider id of this callback, and find it.

        The reference is looked up in this tenant's partition only (the signature proved the
        tenant), and only for a message of the callback's channel that has no provider id yet, or
        has this one. Its activity was recorded ``unconfirmed`` (the answer timed out), or not at all
        (the sender died after the provider accepted it): then it is recorded now, as it was about
        to be, with the provider's id.
        """
        found = activities.find_pending(reference)
        if found is None:
            return None
        where, pending = found
        if pending.channel.value != update.channel.value or pending.direction is not Direction.OUT:
            return None
        sid = update.provider_message_id
        recorded = activities.get(where)
        if recorded is not None:
            if recorded.provider_message_id is None:
                activities.attach_provider_id(where, sid, now)
        else:
            activity = pending.model_copy(
                update={
                    "provider_message_id": sid,
                    "metadata": {**pending.metadata, "recorded_by": "status_callback"},
                }
            )
            try:
                ActivityService(self.tenant_id, self._clock).record(activity, evaluate=False)
            except DuplicateMessageError:
                pass  # its sender recorded it meanwhile: attach the id to that record
            except NotFoundError:
                return None  # the lead was deleted meanwhile
            else:
                logger.info(
                    "a message whose sender stopped was recorded from its status callback",
                    extra={"activity_id": activity.id, "lead_id": activity.lead_id},
                )
                return activities.find_by_provider_id(sid)
            if activities.get(where) is not None:
                activities.attach_provider_id(where, sid, now)
        ref = activities.find_by_provider_id(sid)
        if ref is not None and ref.activity_id == pending.id:
            logger.info("a lost answer was settled by its status callback", extra={"activity_id": pending.id})
            return ref
        return None

    # --- shared steps -------------------------------------------------------------------------
    def _tenant(self) -> Tenant:
        try:
            return tenant_settings(self.tenant_id)
        except NotFoundError as exc:
            # The same answer as a bad signature: the URL must not tell which tenants exist.
            raise InvalidSignatureError("the webhook's signature cannot be verified") from exc

    def _check(self, verdict: webhook_auth.Verdict, provider: str) -> None:
        if not verdict.ok:
            metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
            logger.warning("webhook rejected", extra={"provider": provider, "reason": verdict.reason})
            raise InvalidSignatureError("the webhook's signature cannot be verified")

    def _once(self, provider: str, key: str, work: Callable[[], WebhookReply]) -> WebhookReply:
        if not key:
            raise BadRequestError("the delivery carries no event id")
        answer = run_once(
            f"webhook-{provider}",
            f"{self.tenant_id}:{key}",
            lambda: asdict(work()),
            expires_after_seconds=DELIVERY_EXPIRY_SECONDS,
            lambda_context=self._lambda_context,
        )
        reply = WebhookReply(**answer)
        logger.info(
            "webhook processed", extra={"provider": provider, "event_key": key, "outcome": reply.outcome}
        )
        return reply

    def _act(
        self,
        event: WebhookEvent,
        tenant: Tenant,
        reply: Callable[[str, str | None, InboundMessage | None], WebhookReply],
        reference: str | None = None,
    ) -> WebhookReply:
        if isinstance(event, IgnoredEvent):
            return reply(f"ignored: {event.kind}", None, None)
        if isinstance(event, DeliveryUpdate):
            return reply(self._delivery(event, tenant.locale.value, tenant.timezone, reference), None, None)
        if isinstance(event, InboundEmailNotice):
            # Fetching and reading the body is the worker's: the provider gets its answer now.
            enqueue_email_reading(self.tenant_id, event)
            return reply("queued: read_email", None, None)
        outcome, answer = InboundService(self.tenant_id, self._clock, self._enqueue).receive(event, tenant)
        return reply(outcome, answer, event)

    def _delivery(
        self, update: DeliveryUpdate, locale: str, timezone: str, reference: str | None = None
    ) -> str:
        """Move a sent message's status forward; suppress an address that bounced or complained.

        ``timezone``: the tenant's, whose days the reporting counters count on. ``reference``: our
        id of the message, from the status callback URL (Twilio). It lets the callback of a message
        whose provider answer was lost give it its provider id.
        """
        now = self._clock()
        if update.suppress is not None and update.recipient:
            SuppressionRepository(self.tenant_id).suppress(
                update.recipient, update.suppress.value, update.error_message, update.provider_message_id, now
            )
        revoke = None
        if update.opted_out or update.suppress is not None:
            revoke = ConsentState(granted=False, updated_at=now, reason=_opt_out_reason(update, locale))
        if revoke is not None and update.recipient:
            # The address opts out even when no lead holds it (any more): a lead given it later
            # starts opted out.
            self._record_opt_out(update, update.recipient, revoke.reason)
        activities = ActivityRepository(self.tenant_id)
        leads = LeadRepository(self.tenant_id)
        ref = activities.find_by_provider_id(update.provider_message_id)
        if ref is None and reference is not None:
            ref = self._settle_lost_answer(activities, update, reference, now)
        lead_id = ref.lead_id if ref is not None else None
        if lead_id is None and update.suppress is not None and update.recipient:
            lead_id = leads.find_by_contact("email", update.recipient)
        if lead_id is None:
            return "ignored: unknown message"
        if ref is not None and provider_opt_out(update):
            # The opt-out counts against the A/B variant of the message it was reported on.
            VariantService(self.tenant_id, self._clock).count_unsubscribe(ref)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                lead = leads.get(lead_id)
            except NotFoundError:
                return "ignored: lead deleted"
            if revoke is not None and attempt == 1 and not update.recipient:
                self._record_opt_out(update, lead_addresses(lead).get(update.channel), revoke.reason)
            consent = None if revoke is None else {**lead.consent, update.channel: revoke}
            try:
                allowed_from = (
                    ()
                    if update.status is None
                    else tuple(s.value for s in delivery_rules.statuses_before(update.status))
                )
                if ref is None or update.status is None or not allowed_from:
                    # No status to move (or one nothing may be replaced by: an empty IN is no
                    # condition at all), only the consent may change.
                    if consent is None:
                        if ref is None or update.status is None:
                            return "ignored: nothing to change"
                        return "unchanged: the status is already further"
                    leads.update(lead, lead.model_copy(update={"consent": consent, "updated_at": now}))
                    return "consent revoked"
                summary = apply_delivery(lead.summary, ref.activity_id, update.status, update.occurred_at)
                moved = _advance(
                    activities, lead, ref, update, update.status, allowed_from, summary, consent, timezone
                )
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            if not moved:
                return "unchanged: the status is already further"
            VariantService(self.tenant_id, self._clock).count_delivery(ref, update.status)
            self._enqueue(self.tenant_id, lead_id, now)
            return f"status: {update.status.value}"
        raise AssertionError("unreachable")  # pragma: no cover

    def _record_opt_out(self, update: DeliveryUpdate, address: str | None, reason: str) -> None:
        """Write a bounce, a complaint or a provider's opt-out to the consent ledger."""
        if address is None:
            return
        source = ConsentSource.PROVIDER
        if update.suppress is not None:
            complained = update.suppress is SuppressionReason.COMPLAINED
            source = ConsentSource.COMPLAINT if complained else ConsentSource.BOUNCE
        ConsentService(self.tenant_id, self._clock).record(
            update.channel,
            address,
            granted=False,
            source=source,
            proof=update.provider_message_id,
            reason=reason,
            at=update.occurred_at,
        )


def _opt_out_reason(update: DeliveryUpdate, locale: str) -> str:
    """Why a delivery update opts its address out (a bounce, a complaint, the provider's opt-out)."""
    day = date_text(update.occurred_at.date(), locale)
    if update.suppress is None:
        return render("consent.reason.provider_opt_out", locale, code=update.error_code or "?", date=day)
    key = "complaint" if update.suppress is SuppressionReason.COMPLAINED else "hard_bounce"
    return render(f"consent.reason.{key}", locale, date=day)


def _advance(
    activities: ActivityRepository,
    lead: Lead,
    ref: MessageRef,
    update: DeliveryUpdate,
    status: ActivityStatus,
    allowed_from: tuple[str, ...],
    summary: LeadSummary,
    consent: dict[Channel, ConsentState] | None,
    timezone: str,
) -> bool:
    """Move the message's status, counting what the move establishes (delivered, read, bounced).

    The statuses it may move from are tried in groups that count the same facts, the group that
    counts the most first (:func:`~maxcore.rules.reporting.status_steps`): the one conditional
    write that holds counts its own facts, so a fact is counted once whatever the order of the
    reports. Returns False when no group held (the status is already further).
    """
    for step in reporting_rules.status_steps(status, allowed_from):
        change = StatusChange(
            status=status.value,
            at=update.occurred_at,
            allowed_from=step.from_statuses,
            error_code=update.error_code,
            error_message=update.error_message,
        )
        counts = reporting_rules.status_counts(
            step.facts, ref.occurred_at, ref.channel, timezone, ref.campaign_id
        )
        if activities.advance_status(lead, ref, change, summary, consent, counts):
            return True
    return False


def _refuse_deep(body: bytes) -> None:
    """Refuse a signed body nesting deeper than any real event, before json.loads recurses into it."""
    if too_deep(body.decode("utf-8", "replace")):
        raise BodyTooDeepError(
            f"the body nests more than {MAX_JSON_DEPTH} arrays or objects", {"max_depth": MAX_JSON_DEPTH}
        )


def _our_reference(url: str) -> str | None:
    """Our reference of the message in a status callback URL (``?ref=<activity id>``), if well formed."""
    values = parse_qs(urlsplit(url).query).get(REFERENCE_PARAMETER, [])
    return values[0] if len(values) == 1 and _ULID.match(values[0]) else None


def _twilio_fields(body: str) -> dict[str, str]:
    """The fields of a signed JSON Twilio request, as strings like a form's."""
    _refuse_deep(body.encode())
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookPayloadError(f"the body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in payload.items() if v is not None}


def _twiml(outcome: str, answer: str | None, _: InboundMessage | None) -> WebhookReply:
    body = "<Response/>" if answer is None else f"<Response><Message>{escape(answer)}</Message></Response>"
    return WebhookReply(
        outcome=outcome, body='<?xml version="1.0" encoding="UTF-8"?>' + body, content_type="text/xml"
    )


def _json_reply(outcome: str, _: str | None, __: InboundMessage | None) -> WebhookReply:
    return WebhookReply(outcome=outcome, body=json.dumps({"received": True, "outcome": outcome}))


def _telegram_reply(outcome: str, answer: str | None, message: InboundMessage | None) -> WebhookReply:
    # Telegram runs a Bot API method given in the webhook's answer: the reply costs no extra call.
    body: dict[str, Any] = {}
    if answer is not None and message is not None:
        body = {"method": "sendMessage", "chat_id": message.sender, "text": answer}
    return WebhookReply(outcome=outcome, body=json.dumps(body, ensure_ascii=False))
