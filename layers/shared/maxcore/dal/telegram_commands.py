"""The Telegram command repository: a tenant's command menu and the answers to inbound commands."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import TelegramAnswerItem, TelegramMenuItem
from maxcore.errors import ConflictError
from maxcore.models.telegram_command import CommandMenu, TelegramCommand

ANSWER_TTL = timedelta(days=7)
"""How long an answer's claim is kept: far beyond Telegram's redelivery of an unanswered update."""

CLAIMED, SENDING, DONE = "claimed", "sending", "done"


class TelegramCommandRepository(TenantRepository):
    """The Telegram commands of one tenant."""

    # --- the menu ---------------------------------------------------------------------------------
    def menu(self) -> CommandMenu:
        """AP88: the tenant's commands and their revision (consistent); empty when none was ever set."""
        try:
            item = TelegramMenuItem.get(
                keys.telegram_pk(self.tenant_id), keys.TELEGRAM_MENU_SK, consistent_read=True
            )
        except DoesNotExist:
            return CommandMenu()
        commands = {
            name: TelegramCommand(name=name, **fields) for name, fields in plain(item.commands).items()
        }
        return CommandMenu(commands=commands, revision=int(item.revision))

    def save_menu(self, menu: CommandMenu) -> CommandMenu:
        """AP88: write the whole menu, if nobody changed it since ``menu.revision`` was read.

        Raises :class:`~maxcore.errors.ConflictError` when someone did (read it again and retry).
        """
        revision = menu.revision + 1
        item = TelegramMenuItem(
            keys.telegram_pk(self.tenant_id),
            keys.TELEGRAM_MENU_SK,
            commands={name: _fields(command) for name, command in menu.commands.items()},
            revision=revision,
        )
        condition = (
            TelegramMenuItem.PK.does_not_exist()
            if menu.revision == 0
            else TelegramMenuItem.revision == menu.revision
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if condition_failed(exc):
                raise ConflictError("the Telegram commands changed meanwhile; read them again") from exc
            raise
        return menu.model_copy(update={"revision": revision})

    # --- the answers ------------------------------------------------------------------------------
    def claim_answer(
        self, update_key: str, command: str, lease: tuple[str, datetime], now: datetime
    ) -> str | None:
        """AP89: take the answer to one inbound command, for a lease.

        Returns the answer's state before the claim (``""`` for a fresh one, ``sending`` for a send a
        dead worker started), or ``None`` when it is not claimable: settled, or held by a live lease.
        """
        token, lease_until = lease
        item = TelegramAnswerItem(
            *self._answer_key(update_key),
            command=command,
            state=CLAIMED,
            claim_token=token,
            lease_until=lease_until,
            created_at=now,
            expires_at=int((now + ANSWER_TTL).timestamp()),
        )
        try:
            item.save(condition=TelegramAnswerItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
        else:
            return ""
        try:
            held = TelegramAnswerItem.get(*self._answer_key(update_key), consistent_read=True)
        except DoesNotExist:
            return None  # expired between the two calls: long settled
        if held.state == DONE or (held.lease_until is not None and held.lease_until > now):
            return None
        taken = self._update(
            update_key,
            [TelegramAnswerItem.claim_token.set(token), TelegramAnswerItem.lease_until.set(lease_until)],
            TelegramAnswerItem.claim_token == held.claim_token,
        )
        return held.state if taken else None

    def note_answer_sending(self, update_key: str, token: str) -> bool:
        """AP89: the claimed answer's send starts (before the provider call), conditional on the claim."""
        return self._update(
            update_key, [TelegramAnswerItem.state.set(SENDING)], TelegramAnswerItem.claim_token == token
        )

    def settle_answer(
        self, update_key: str, token: str, outcome: str, code: str | None, activity_id: str | None
    ) -> bool:
        """AP89: what the answer came to, conditional on the claim; ``False`` when another worker won."""
        actions: list[Action] = [
            TelegramAnswerItem.state.set(DONE),
            TelegramAnswerItem.outcome.set(outcome),
            TelegramAnswerItem.lease_until.remove(),
        ]
        if code is not None:
            actions.append(TelegramAnswerItem.code.set(code))
        if activity_id is not None:
            actions.append(TelegramAnswerItem.activity_id.set(activity_id))
        return self._update(update_key, actions, TelegramAnswerItem.claim_token == token)

    def _answer_key(self, update_key: str) -> tuple[str, str]:
        return keys.telegram_pk(self.tenant_id), keys.telegram_answer_sk(update_key)

    def _update(self, update_key: str, actions: list[Action], condition: Condition) -> bool:
        try:
            TelegramAnswerItem(*self._answer_key(update_key)).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True


def _fields(command: TelegramCommand) -> dict[str, Any]:
    """A command as the menu item's map holds it (its name is the map's key)."""
    return command.model_dump(mode="json", exclude={"name"}, exclude_none=True)
