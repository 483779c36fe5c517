"""A tenant's own Telegram commands: the admin's menu, and the answer a lead's command gets.

An admin maps a command (``/tarifs``) to an active Telegram template. A lead who sends it (also
``/tarifs@MaxBot`` in a group, or with words after it) gets that template filled for them, sent once
through the exactly-once protocol (:mod:`maxcore.services.exactly_once`) under a key taken from the
inbound message (its chat and message id): a webhook Telegram delivers again answers once. The
answer is recorded on the lead's timeline next to the command, marked as a command's answer.

A command the tenant does not have, or whose template was deleted or deactivated since, answers a
short help listing the commands that work, in the tenant's language; a tenant with none keeps the
product's own help (:func:`maxcore.rules.keywords.answer_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.telegram_commands import SENDING, TelegramCommandRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.models.common import Channel
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.models.prospection import Outcome
from maxcore.models.telegram_command import (
    CommandMenu,
    SetTelegramCommandRequest,
    TelegramCommand,
    TelegramCommandList,
    TelegramCommandResponse,
)
from maxcore.models.template import Template
from maxcore.models.tenant import Tenant
from maxcore.models.webhook import InboundMessage
from maxcore.observability import logger
from maxcore.rules.send_window import Window
from maxcore.rules.telegram_commands import MAX_COMMANDS, menu_lines, name_problem, template_problem
from maxcore.services.exactly_once import Claim, ExactlyOnce, Message, SendResult
from maxcore.services.messaging import MessagingService
from maxcore.services.tenants import tenant_settings
from maxcore.texts import render

ATTEMPTS = 3
"""Writes of the menu tried when another admin changed it meanwhile."""


class TelegramCommandService:
    """The Telegram commands of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = TelegramCommandRepository(tenant_id)
        self._templates = TemplateRepository(tenant_id)
        self._clock = clock

    # --- the admin's menu -------------------------------------------------------------------------
    def list(self) -> TelegramCommandList:
        """Every command by name, each usable or broken (and why, in the tenant's language)."""
        commands = sorted(self.repository.menu().commands.values(), key=lambda c: c.name)
        locale = tenant_settings(self.tenant_id).locale.value
        return TelegramCommandList(
            items=[self._response(c, self._template(c.template_id), locale) for c in commands],
            limit=MAX_COMMANDS,
        )

    def set(self, name: str, request: SetTelegramCommandRequest, updated_by: str) -> TelegramCommandResponse:
        """Create or change command ``name``; a bad name or an unusable template writes nothing."""
        _check_name(name)
        template = self._template(request.template_id)
        _check_template(request.template_id, template)
        command = TelegramCommand(
            name=name,
            template_id=request.template_id,
            description=request.description,
            updated_at=self._clock(),
            updated_by=updated_by or None,
        )
        self._change(lambda menu: _with(menu, command))
        return self._response(command, template, tenant_settings(self.tenant_id).locale.value)

    def delete(self, name: str) -> None:
        """Remove command ``name``; 404 when the tenant has no such command."""
        self._change(lambda menu: _without(menu, name))

    def _change(self, change: Callable[[CommandMenu], CommandMenu]) -> None:
        """Apply ``change`` to the menu as read, written only if nobody changed it meanwhile."""
        for attempt in range(1, ATTEMPTS + 1):
            menu = self.repository.menu()
            try:
                self.repository.save_menu(change(menu))
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
                continue
            return

    def _response(
        self, command: TelegramCommand, template: Template | None, locale: str
    ) -> TelegramCommandResponse:
        problem = template_problem(template)
        return TelegramCommandResponse(
            name=command.name,
            command=f"/{command.name}",
            template_id=command.template_id,
            description=command.description,
            usable=problem is None,
            problem=None if problem is None else render(f"telegram.command.{problem}", locale),
            updated_at=command.updated_at,
        )

    def _template(self, template_id: str) -> Template | None:
        try:
            return self._templates.get(template_id)
        except NotFoundError:
            return None

    # --- a lead's command -------------------------------------------------------------------------
    def answer(
        self, message: InboundMessage, lead_id: str, command: str, tenant: Tenant
    ) -> tuple[bool, str | None]:
        """Answer a lead's ``/command`` the product does not answer itself.

        Returns whether the tenant's commands answered it and the text to put in the webhook's reply.
        ``(True, None)``: the command's template went to the lead (or had gone: Telegram delivered
        the message again). ``(True, help)``: the tenant has no such usable command; the help lists
        those that work. ``(False, None)``: the tenant has no usable command at all, the product's own
        answer applies.
        """
        usable = self._usable(self.repository.menu())
        if command in usable:
            outcome = self._send(message, lead_id, usable[command], tenant)
            if outcome is None or outcome in (Outcome.SENT, Outcome.UNCONFIRMED):
                return True, None
        if not usable:
            return False, None
        lines = menu_lines((c.name, c.description) for c in usable.values())
        return True, render("telegram.command.help", tenant.locale.value, company=tenant.name, commands=lines)

    def _usable(self, menu: CommandMenu) -> dict[str, TelegramCommand]:
        """The commands whose template can answer now."""
        return {
            name: command
            for name, command in menu.commands.items()
            if template_problem(self._template(command.template_id)) is None
        }

    def _send(
        self, message: InboundMessage, lead_id: str, command: TelegramCommand, tenant: Tenant
    ) -> Outcome | None:
        """Claim the answer to this message and send it; ``None`` when it was claimed before."""
        now = self._clock()
        claim = Claim.new(now)
        update_key = message.provider_message_id
        previous = self.repository.claim_answer(
            update_key, command.name, (claim.token, claim.lease_until), now
        )
        if previous is None:
            return None
        job = CommandAnswerSend(self, tenant, lead_id, command, update_key, claim.token, now)
        sending = ExactlyOnce(MessagingService(self.tenant_id, self._clock, timezone=tenant.timezone))
        return sending.resume(job) if previous == SENDING else sending.send(job)

    def settle(self, job: CommandAnswerSend, result: SendResult) -> Outcome | None:
        """Write what the answer came to on its claim; ``None`` when another worker won."""
        activity_id = None if result.recorded is None else result.recorded.activity_id
        done = self.repository.settle_answer(
            job.update_key, job.token, result.outcome.value, result.code, activity_id
        )
        logger.info(
            "telegram command answered",
            extra={
                "command": job.command.name,
                "lead_id": job.lead_id,
                "outcome": result.outcome.value,
                "code": result.code,
                "applied": done,
            },
        )
        return result.outcome if done else None


@dataclass
class CommandAnswerSend:
    """The answer to one command, as the exactly-once protocol runs it (a ``SendJob``)."""

    service: TelegramCommandService
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
        return {"command_answer": self.command.name, "answers": self.update_key}

    @property
    def window(self) -> Window:
        """The tenant's send window (only what a deferral would compute; an answer is never put off)."""
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
        return self.service.repository.note_answer_sending(self.update_key, self.token)

    def settle(self, result: SendResult) -> Outcome | None:
        """AP89: what the answer came to, conditional on the claim."""
        return self.service.settle(self, result)


def _check_name(name: str) -> None:
    problem = name_problem(name)
    if problem == "malformed":
        raise InvalidInputError(
            "a command name is 1 to 32 lowercase letters, digits or underscores, without the slash",
            [{"field": "command", "message": "use a-z, 0-9 and _ only"}],
        )
    if problem == "reserved":
        raise InvalidInputError(
            f"/{name} is answered by M.A.X. itself: /start, /stop, /help and the opt-out words are reserved",
            [{"field": "command", "message": "reserved"}],
        )


def _check_template(template_id: str, template: Template | None) -> None:
    if template is None:
        raise InvalidInputError(
            f"template {template_id} not found", [{"field": "template_id", "message": "template_missing"}]
        )
    problem = template_problem(template)
    if problem == "template_not_active":
        raise InvalidInputError(
            f"only an active template can answer a command; this one is {template.status.value}",
            [{"field": "template_id", "message": problem}],
        )
    if problem == "template_not_telegram":
        raise InvalidInputError(
            f"a command is answered on Telegram: the template is written for {template.channel.value}",
            [{"field": "template_id", "message": problem}],
        )


def _with(menu: CommandMenu, command: TelegramCommand) -> CommandMenu:
    if command.name not in menu.commands and len(menu.commands) >= MAX_COMMANDS:
        raise InvalidInputError(
            f"a bot has at most {MAX_COMMANDS} commands: delete one first",
            [{"field": "command", "message": "too_many_commands"}],
        )
    return menu.model_copy(update={"commands": {**menu.commands, command.name: command}})


def _without(menu: CommandMenu, name: str) -> CommandMenu:
    if name not in menu.commands:
        raise NotFoundError(f"Telegram command /{name} not found", {"command": name})
    return menu.model_copy(update={"commands": {k: v for k, v in menu.commands.items() if k != name}})
