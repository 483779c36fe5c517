"""Which of our e-mails an inbound e-mail answers, by its ``In-Reply-To`` and ``References``.

Our Message-IDs name the lead they were sent to (:mod:`maxcore.rules.email_threads`), so a reply's
headers lead to its lead with reads in the tenant's own partition only: an id naming another tenant's
lead, or one that was never ours, finds nothing and the reply is matched by its address as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxcore.dal.activities import ActivityRepository
from maxcore.dal.leads import LeadRepository
from maxcore.errors import NotFoundError
from maxcore.models.activity import Activity
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.webhook import InboundMessage
from maxcore.rules.email_threads import Thread, answered_ids, lead_named, received_thread

RECENT_ACTIVITIES = 50
"""The lead's latest activities searched for the e-mail a reply names (one Query)."""


@dataclass(frozen=True)
class Answered:
    """The lead a reply's thread names and, when still among its latest activities, our e-mail."""

    lead_id: str
    activity: Activity | None

    @property
    def metadata(self) -> dict[str, object]:
        """What the reply's activity records about the e-mail it answers (its campaign and step)."""
        if self.activity is None:
            return {}
        sent = self.activity.metadata
        answered: dict[str, object] = {"in_reply_to_activity": self.activity.id}
        if sent.get("campaign_id") is not None:
            answered |= {"in_reply_to_campaign": sent["campaign_id"], "in_reply_to_step": sent.get("step")}
        return answered


def find_answered(tenant_id: str, message: InboundMessage) -> Answered | None:
    """The lead (and e-mail) the first of our Message-IDs the reply names points to, in this tenant.

    The ids are tried as :func:`~maxcore.rules.email_threads.answered_ids` orders them; one that is
    not ours, or names a lead this tenant does not have (deleted, or another tenant's), is skipped.
    ``None`` when no id leads anywhere: the caller matches the sender's address.
    """
    if message.channel is not Channel.EMAIL:
        return None
    leads, activities = LeadRepository(tenant_id), ActivityRepository(tenant_id)
    for message_id in answered_ids(message.in_reply_to, message.references):
        lead_id = lead_named(message_id)
        if lead_id is None or not _exists(leads, lead_id):
            continue
        sent = activities.recent_outbound_with(lead_id, RECENT_ACTIVITIES, message_id=message_id)
        return Answered(lead_id, sent)
    return None


def _exists(leads: LeadRepository, lead_id: str) -> bool:
    try:
        leads.get(lead_id)
    except NotFoundError:
        return False
    return True


def last_received_thread(tenant_id: str, lead: Lead) -> Thread | None:
    """The thread of the lead's last e-mail to us, which a reply by e-mail continues (AP95).

    ``None`` when the lead never wrote by e-mail, or when that e-mail's Message-ID is unknown (an
    e-mail logged by hand, or read before Message-IDs were kept): the reply starts a thread.
    """
    at = lead.summary.last_inbound_by_channel.get(Channel.EMAIL.value)
    if at is None:
        return None
    received = ActivityRepository(tenant_id).latest_received_on(lead.id, Channel.EMAIL, at, at)
    if received is None or not isinstance(received.metadata.get("message_id"), str):
        return None
    subject = received.metadata.get("subject")
    references = received.metadata.get("references")
    return received_thread(
        subject if isinstance(subject, str) else None,
        str(received.metadata["message_id"]),
        [i for i in references if isinstance(i, str)] if isinstance(references, list) else [],
    )
