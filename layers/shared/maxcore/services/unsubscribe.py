"""One-click unsubscribe: the link a marketing e-mail carries, and what opening and posting it do.

Sending: :func:`footed` signs the recipient's token and gives the e-mail its footer and
``List-Unsubscribe`` headers (the rules are :mod:`maxcore.rules.unsubscribe`).

The public page (``/u/{token}``, no JWT: the token is the proof): GET shows what the link does and
writes nothing (a link scanner opening every URL of an e-mail unsubscribes nobody); POST (the
page's button, or a mailbox provider's RFC 8058 one-click) records the opt-out at once. It goes
the way an inbound STOP does: an inbound activity marked as the opt-out keyword, with the consent of
the e-mail channel revoked, then the lead's re-evaluation queued, which ends its running sequences
``unsubscribed``. The activity names the e-mail the link was in, whose A/B variant counts the
unsubscribe. Its provider id is the token's hash, so a second POST of the same link records
nothing more. Either way the opt-out goes in the tenant's consent ledger
(:mod:`maxcore.services.consent`, source ``link``, the token's hash as proof): a link whose lead is
gone (deleted, or its address changed since) opts the address out there alone, so a lead created
again with it starts opted out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.leads import LeadRepository
from maxcore.dal.secrets import unsubscribe_secret
from maxcore.errors import ChannelUnavailableError, DuplicateMessageError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.common import Channel
from maxcore.models.consent import ConsentSource
from maxcore.models.lead import ConsentState, Lead
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules import unsubscribe as rules
from maxcore.rules.keywords import Keyword
from maxcore.rules.unsubscribe import CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY
from maxcore.rules.unsubscribe import UNSUBSCRIBED_FROM
from maxcore.rules.unsubscribe import Page as Page
from maxcore.rules.unsubscribe_token import (
    InvalidUnsubscribeTokenError,
    UnsubscribeClaim,
    issue,
    proof,
    verify,
)
from maxcore.services.activities import ActivityService
from maxcore.services.consent import ConsentService
from maxcore.services.inbound import Enqueue
from maxcore.services.queueing import enqueue_lead_evaluation
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings

SOURCE = ConsentSource.LINK.value
"""How the opt-out came, as its activity records it."""
INVALID_STATUS = {"forged": 403, "expired": 410, "malformed": 404}
"""The status of the page a link that proves nothing gets, by why."""


def footed(
    claim: UnsubscribeClaim,
    body: str,
    html: str | None,
    email: rules.MarketingEmail,
    inbound_address: str | None,
) -> rules.Footed:
    """A marketing e-mail to ``claim``'s address with its signature, its unsubscribe link and headers.

    Raises
    ------
    ChannelUnavailableError
        ``unsubscribe_unavailable``: the stack has no public URL for the link; a marketing e-mail
        without a working unsubscribe link is not sent.
    """
    base_url = get_settings().unsubscribe_base_url
    if not base_url:
        raise ChannelUnavailableError(
            "unsubscribe_unavailable",
            "marketing e-mails need an unsubscribe link: set the API's public URL (PublicApiUrl) first",
            {"channel": claim.channel.value},
        )
    token = issue(claim, unsubscribe_secret())
    link = rules.UnsubscribeLink(rules.unsubscribe_url(base_url, token), inbound_address)
    return rules.with_footer(body, html, email, link)


class UnsubscribeService:
    """The unsubscribe page of any tenant: the token names the tenant, nothing else does."""

    def __init__(
        self,
        clock: Callable[[], datetime] = utcnow,
        enqueue: Enqueue = enqueue_lead_evaluation,
        secret: Callable[[], bytes] = unsubscribe_secret,
    ) -> None:
        self._clock = clock
        self._enqueue = enqueue
        self._secret = secret

    def show(self, token: str) -> rules.Page:
        """GET: the confirmation page in the tenant's language; an invalid link's page otherwise."""
        found = self._verified(token)
        if isinstance(found, rules.Page):
            return found
        claim, tenant = found
        return rules.confirmation_page(tenant.locale.value, tenant.name, claim.address)

    def unsubscribe(self, token: str) -> rules.Page:
        """POST: record the opt-out (once per link), then say it is done."""
        found = self._verified(token)
        if isinstance(found, rules.Page):
            return found
        claim, tenant = found
        self._opt_out(claim, proof(token), tenant.locale.value)
        return rules.done_page(tenant.locale.value, tenant.name, claim.address)

    def _verified(self, token: str) -> tuple[UnsubscribeClaim, Tenant] | rules.Page:
        try:
            claim = verify(token, self._secret(), self._clock())
        except InvalidUnsubscribeTokenError as exc:
            logger.info("unsubscribe link refused", extra={"reason": exc.reason})
            return rules.invalid_page(INVALID_STATUS[exc.reason])
        try:
            tenant = tenant_settings(claim.tenant_id)
        except NotFoundError:
            logger.info("unsubscribe link of a tenant that is gone", extra={"tenant_id": claim.tenant_id})
            return rules.invalid_page(404)
        return claim, tenant

    def _opt_out(self, claim: UnsubscribeClaim, token_proof: str, locale: str) -> None:
        now = self._clock()
        lead = self._lead(claim)
        ledger = ConsentService(claim.tenant_id, self._clock, locale)
        reason = ledger.reason("link")
        if lead is None:
            # The address opts out all the same: a lead created again with it starts opted out.
            if ledger.is_revoked(claim.channel, claim.address):
                return
            ledger.revoke(
                claim.channel, claim.address, source=ConsentSource.LINK, proof=token_proof, reason=reason
            )
            logger.info("address opted out by an unsubscribe link", extra={"tenant_id": claim.tenant_id})
            return
        activity = Activity(
            id=new_id(),
            lead_id=lead.id,
            channel=ActivityChannel(claim.channel.value),
            direction=Direction.IN,
            status=ActivityStatus.DELIVERED,
            provider_message_id=f"unsubscribe-{token_proof}",
            occurred_at=now,
            metadata={
                "keyword": Keyword.OPT_OUT.value,
                "source": SOURCE,
                "proof": token_proof,
                "sender": claim.address,
                **({UNSUBSCRIBED_FROM: claim.message_id} if claim.message_id else {}),
            },
        )
        consent = {claim.channel: ConsentState(granted=False, updated_at=now, reason=reason)}
        try:
            ActivityService(claim.tenant_id, self._clock).record(
                activity, consent_updates=consent, evaluate=False, lead=lead
            )
        except DuplicateMessageError:
            logger.info(
                "unsubscribe link already used", extra={"tenant_id": claim.tenant_id, "lead_id": lead.id}
            )
            return
        ledger.record(
            claim.channel,
            claim.address,
            granted=False,
            source=ConsentSource.LINK,
            proof=token_proof,
            reason=reason,
            at=now,
        )
        self._enqueue(claim.tenant_id, lead.id, now)
        logger.info("unsubscribed by link", extra={"tenant_id": claim.tenant_id, "lead_id": lead.id})

    def _lead(self, claim: UnsubscribeClaim) -> Lead | None:
        """The lead the link was sent to, if it still has the address the link was sent to."""
        try:
            lead = LeadRepository(claim.tenant_id).get(claim.lead_id)
        except NotFoundError:
            return None
        if claim.channel is Channel.EMAIL and (lead.email or "").casefold() != claim.address.casefold():
            return None
        return lead
