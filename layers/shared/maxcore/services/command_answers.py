"""The answer to a lead's Telegram command: the command's template, sent once.

The answer goes through the one exactly-once protocol (:mod:`maxcore.services.exactly_once`) under a
key taken from the inbound message (its chat and message id): it is claimed on its own item (AP89)
before the Bot API is called, so an update Telegram delivers again, even after the webhook's
idempotency window, answers once. It is recorded on the lead's timeline as an outbound message
marked ``command_answer`` (the command) and ``command_message`` (the message it answers).

Loaded by the send path only (:meth:`maxcore.services.telegram_commands.TelegramCommandService.answer`):
the messaging service it needs is a heavy import the other webhooks and the templates API never use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from maxcore.dal.telegram_commands import SENDING, TelegramCommandRepository
from maxcore.models.common import Channel
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.models.telegram_command import TelegramCommand
from maxcore.models.tenant import Tenant
from maxcore.models.webhook import InboundMessage
from maxcore.observability import logger
from maxcore.rules.send_window import Window
from maxcore.services.exactly_once import Claim, ExactlyOnce, Message, SendResult
from maxcore.services.messaging import MessagingService


def send_answer(
    repository: TelegramCommandRepository,
    clock: Callable[[], datetime],
    message: InboundMessage,
    lead_id: str,
    command: TelegramCommand,
    tenant: Tenant,
) -> Outcome | None:
    """Claim the answer to ``message`` and send ``command``'s template; ``None`` when claimed before.

    Parameters
    ----------
    repository
        The tenant's Telegram commands, where the answer is claimed and settled.
    clock
        The instant of the claim.
    message
        The lead's command, as received.
    lead_id
        The lead it came from.
    command
        The tenant's command it names, whose template answers.
    tenant
        The tenant's settings (time zone, send window).

    Returns
    -------
    Outcome | None
        What the answer came to (sent, unconfirmed, skipped with its reason...), or ``None`` when an
        earlier delivery of the same message had claimed it.
    """
    now = clock()
    claim = Claim.new(now)
    update_key = message.provider_message_id
    previous = repository.claim_answer(update_key, command.name, (claim.token, claim.lease_until), now)
    if previous is None:
        return None
    job = CommandAnswerSend(repository, tenant, lead_id, command, update_key, claim.token, now)
    sending = ExactlyOnce(MessagingService(repository.tenant_id, clock, timezone=tenant.timezone))
    # A worker that died mid-send: settled on the recorded message, never sent twice.
    return sending.resume(job) if previous == SENDING else sending.send(job)


@dataclass
class CommandAnswerSend:
    """The answer to one command, as the exactly-once protocol runs it (a ``SendJob``)."""

    repository: TelegramCommandRepository
    tenant: Tenant
    lead_id: str
    command: TelegramCommand
    update_key: str
    token: str
    now: datetime

    @property
    def key(self) -> str:
        """The inbound message the answer answers: one answer per message, however often delivered."""
        return f"telegram-command:{self.update_key}"

    @property
    def sent_by(self) -> str:
        """The command, as the activity records the sender."""
        return f"max:telegram_command:{self.command.name}"

    @property
    def channel(self) -> Channel:
        """Telegram: a command is answered where it was sent."""
        return Channel.TELEGRAM

    @property
    def marker(self) -> dict[str, object]:
        """The command and the message it answers, on the answer's activity."""
        return {"command_answer": self.command.name, "command_message": self.update_key}

    @property
    def window(self) -> Window:
        """The tenant's send window (only what a deferral would compute: an answer is never put off)."""
        return Window.of(self.tenant.send_window, self.tenant.timezone)

    @property
    def timezone(self) -> str:
        """The tenant's time zone."""
        return self.tenant.timezone

    def message(self) -> Message:
        """The command's template, filled in for the lead."""
        request = SendMessageRequest(
            lead_id=self.lead_id, channel=ChannelChoice.TELEGRAM, template_id=self.command.template_id
        )
        return Message(request, {})

    def note_sending(self) -> bool:
        """AP89: the answer is ``sending``, conditional on the claim."""
        return self.repository.note_answer_sending(self.update_key, self.token)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP89: what the answer came to, conditional on the claim; ``None`` when another worker won."""
        activity_id = None if result.recorded is None else result.recorded.activity_id
        done = self.repository.settle_answer(
            self.update_key, self.token, result.outcome.value, result.code, activity_id
        )
        logger.info(
            "telegram command answered",
            extra={
                "command": self.command.name,
                "lead_id": self.lead_id,
                "outcome": result.outcome.value,
                "code": result.code,
                "applied": done,
            },
        )
        return result.outcome if done else None
