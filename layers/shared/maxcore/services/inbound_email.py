"""An inbound e-mail, read in full by the worker: fetch it from Resend, read it, record it.

Resend's ``email.received`` webhook announces an e-mail without its body; the webhook queues a
``read_email`` job and answers at once. The worker fetches the e-mail through Resend's receiving API
(:class:`~maxcore.channels.resend.ResendInbox`), reads it (:func:`maxcore.rules.email_reply.read_email`:
the new text without quotes and signature, whether a machine sent it, attachments, thread) and
records it like any inbound message (:class:`~maxcore.services.inbound.InboundService`).

The event is never lost. A fetch that may succeed later (network, 5xx, 429) raises, and the queue
delivers the job again; on its last delivery, on a permanent error (Resend does not know the e-mail)
or without a Resend API key, the e-mail is recorded with its subject as its text,
``metadata["text_source"] = "subject_fallback"`` (``"body"`` otherwise), and a warning is logged.
Recording twice records once: the e-mail's id is unique per tenant. The e-mail's own Message-ID and
the latest ids of its ``References`` are kept in ``metadata``: a reply from the inbox threads under it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from maxcore.channels.resend import ReceivedEmailError
from maxcore.models.webhook import InboundEmailNotice, InboundMessage
from maxcore.observability import logger
from maxcore.rules.email_reply import read_email
from maxcore.services.channels import ChannelService
from maxcore.services.inbound import InboundService
from maxcore.services.tenants import tenant_settings

BODY = "body"
SUBJECT_FALLBACK = "subject_fallback"
REFERENCES_KEPT = 20
"""The latest ids of an inbound e-mail's ``References`` kept on its activity (a reply repeats them)."""


class InboundEmailService(InboundService):
    """The inbound e-mails of one tenant: inbound messages whose text is fetched from Resend."""

    def read(self, notice: InboundEmailNotice, last_delivery: bool) -> dict[str, Any]:
        """Fetch, read and record the e-mail of ``notice``; return what was recorded.

        ``last_delivery``: the queue will not deliver this job again, so a fetch that fails now
        records the subject instead of raising.

        Raises
        ------
        ReceivedEmailError
            A fetch that may succeed later, when this is not the last delivery.
        """
        try:
            message, metadata = self._fetched(notice)
        except ReceivedEmailError as exc:
            if not (exc.permanent or last_delivery):
                raise
            message, metadata = self._subject_only(notice, str(exc))
        outcome, _ = self.receive(message, tenant_settings(self.tenant_id), metadata)
        return {
            "email_id": notice.email_id,
            "outcome": outcome,
            "text_source": metadata["text_source"],
            "automatic": message.automatic,
        }

    def _fetched(self, notice: InboundEmailNotice) -> tuple[InboundMessage, dict[str, Any]]:
        inbox = ChannelService(self.tenant_id, self._clock).resend_inbox()
        if inbox is None:
            return self._subject_only(notice, "the tenant has no Resend API key to fetch it with")
        email = inbox.get(notice.email_id)
        reading = read_email(email.text, email.html, email.headers, notice.sender, email.attachments)
        message = notice.message(
            reading.text,
            automatic=reading.automatic,
            in_reply_to=reading.in_reply_to,
            references=reading.references,
        )
        metadata: dict[str, Any] = {"text_source": BODY, "subject": notice.subject}
        if reading.message_id:
            # What a reply from the inbox threads under (In-Reply-To, References).
            metadata["message_id"] = reading.message_id
            metadata["references"] = list(reading.references[-REFERENCES_KEPT:])
        if reading.attachments:
            metadata["attachments"] = [asdict(a) for a in reading.attachments]
        return message, metadata

    def _subject_only(self, notice: InboundEmailNotice, why: str) -> tuple[InboundMessage, dict[str, Any]]:
        logger.warning(
            "an inbound e-mail is recorded with its subject only",
            extra={"email_id": notice.email_id, "reason": why},
        )
        return notice.subject_only(), {"text_source": SUBJECT_FALLBACK, "subject": notice.subject}
