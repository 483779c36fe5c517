"""A tenant's own Telegram commands: the admin's menu, and the answer a lead's command gets.

An admin maps a command (``/tarifs``) to an active Telegram template. A lead who sends it (also
``/tarifs@MaxBot`` in a group, or with words after it) gets that template filled for them, sent once
(:mod:`maxcore.services.command_answers`).

A command the tenant does not have, or whose template was deleted or deactivated since, answers a
short help listing the commands that work, in the tenant's language; a tenant with none keeps the
product's own help (:func:`maxcore.rules.keywords.answer_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from maxcore.channels.base import SendError
from maxcore.clock import utcnow
from maxcore.dal.telegram_commands import TelegramCommandRepository
from maxcore.dal.templates import TemplateRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.models.common import Channel
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
from maxcore.rules.telegram_commands import MAX_COMMANDS, menu_lines, name_problem, template_problem
from maxcore.rules.templates import HARD_LIMITS
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
        templates = self._templates.heads(c.template_id for c in commands)
        return TelegramCommandList(
            items=[self._response(c, templates.get(c.template_id), locale) for c in commands],
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
        self._publish(self._change(lambda menu: _with(menu, command)))
        return self._response(command, template, tenant_settings(self.tenant_id).locale.value)

    def delete(self, name: str) -> None:
        """Remove command ``name``; 404 when the tenant has no such command."""
        self._publish(self._change(lambda menu: _without(menu, name)))

    def _change(self, change: Callable[[CommandMenu], CommandMenu]) -> CommandMenu:
        """Apply ``change`` to the menu as read, written only if nobody changed it meanwhile."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self.repository.save_menu(change(self.repository.menu()))
            except ConflictError:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _publish(self, menu: CommandMenu) -> None:
        """Show the usable commands in the bot's menu (Bot API ``setMyCommands``), by name.

        A tenant without a bot token has no menu to show them in; a Bot API that refuses or cannot be
        reached leaves the menu as it was (logged): the commands work without it, typed or read in
        the help.
        """
        # The secrets client is loaded on this path only: the templates API's other routes read none.
        from maxcore.channels.telegram import TelegramAdapter
        from maxcore.services.channels import ChannelService

        bot = ChannelService(self.tenant_id, self._clock).adapter(Channel.TELEGRAM)
        if not isinstance(bot, TelegramAdapter):
            return
        try:
            bot.set_commands(sorted((c.name, c.description) for c in self._usable(menu).values()))
        except SendError as exc:
            logger.warning("the bot's command menu was not updated", extra={"reason": str(exc)})

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
        those that work. ``(False, None)``: the product's own answer applies: the tenant has no
        usable command at all, or the template could not go to this lead (its reason is on the
        answer's claim, AP89, and in the log).
        """
        menu = self.repository.menu()
        found = menu.commands.get(command)
        if found is not None and template_problem(self._template(found.template_id)) is None:
            # Loaded on the send path only: the templates API and the other webhooks never send.
            from maxcore.services.command_answers import send_answer

            outcome = send_answer(self.repository, self._clock, message, lead_id, found, tenant)
            return outcome is None or outcome in (Outcome.SENT, Outcome.UNCONFIRMED), None
        usable = self._usable(menu)
        if not usable:
            return False, None
        locale = tenant.locale.value
        # The help is one Telegram message: the commands get the room its sentences leave.
        frame = render("telegram.command.help", locale, company=tenant.name, commands="")
        room = HARD_LIMITS[Channel.TELEGRAM] - len(frame)
        lines = menu_lines(((c.name, c.description) for c in usable.values()), room)
        return True, render("telegram.command.help", locale, company=tenant.name, commands=lines)

    def _usable(self, menu: CommandMenu) -> dict[str, TelegramCommand]:
        """The commands whose template can answer now (their templates read in one BatchGetItem)."""
        templates = self._templates.heads(c.template_id for c in menu.commands.values())
        return {
            name: command
            for name, command in menu.commands.items()
            if template_problem(templates.get(command.template_id)) is None
        }


def _check_name(name: str) -> None:
    problem = name_problem(name)
    if problem == "malformed":
        raise InvalidInputError(
            "a command name is 1 to 32 lowercase letters, digits or underscores, without the slash",
            {"command": name, "problem": "malformed"},
        )
    if problem == "reserved":
        raise InvalidInputError(
            f"/{name} is answered by M.A.X. itself: /start, /stop, /help and the opt-out words are reserved",
            {"command": name, "problem": "reserved"},
        )


def _check_template(template_id: str, template: Template | None) -> None:
    if template is None:
        raise InvalidInputError(
            f"template {template_id} not found", {"template_id": template_id, "problem": "template_missing"}
        )
    problem = template_problem(template)
    if problem == "template_not_active":
        raise InvalidInputError(
            f"only an active template can answer a command; this one is {template.status.value}",
            {"template_id": template_id, "problem": problem},
        )
    if problem == "template_not_telegram":
        raise InvalidInputError(
            f"a command is answered on Telegram: the template is written for {template.channel.value}",
            {"template_id": template_id, "problem": problem},
        )


def _with(menu: CommandMenu, command: TelegramCommand) -> CommandMenu:
    if command.name not in menu.commands and len(menu.commands) >= MAX_COMMANDS:
        raise InvalidInputError(
            f"a bot has at most {MAX_COMMANDS} commands: delete one first",
            {"limit": MAX_COMMANDS, "problem": "too_many_commands"},
        )
    return menu.model_copy(update={"commands": {**menu.commands, command.name: command}})


def _without(menu: CommandMenu, name: str) -> CommandMenu:
    if name not in menu.commands:
        raise NotFoundError(f"Telegram command /{name} not found", {"command": name})
    return menu.model_copy(update={"commands": {k: v for k, v in menu.commands.items() if k != name}})
