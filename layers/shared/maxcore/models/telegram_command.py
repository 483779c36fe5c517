"""A tenant's own Telegram commands: a bot command answered with one of its templates."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from maxcore.models.common import LazyModel, Line, StrictModel, Ulid

CommandDescription = Annotated[Line, Field(min_length=1, max_length=256)]
"""What the bot's menu says of a command (Telegram shows 1 to 256 characters)."""


class TelegramCommand(LazyModel):
    """One command of the tenant's menu: its name (no slash), the template that answers it."""

    name: str
    template_id: Ulid
    description: str
    updated_at: datetime
    updated_by: str | None = None


class CommandMenu(LazyModel):
    """Every command of a tenant, and the revision its next change is conditional on."""

    commands: dict[str, TelegramCommand] = Field(default_factory=dict)
    revision: int = 0
    """0: the tenant never set a command."""


class SetTelegramCommandRequest(StrictModel):
    """The template a command answers with, and how the bot's menu describes it."""

    template_id: Ulid = Field(description="An active template written for Telegram.")
    description: CommandDescription = Field(description="Shown next to the command in the bot's menu.")


class TelegramCommandResponse(LazyModel):
    """A command as the admin sees it: usable, or broken and why."""

    name: str
    command: str = Field(description="As a lead types it: `/` and the name.")
    template_id: str
    description: str
    usable: bool
    problem: str | None = Field(
        default=None, description="Why the command answers the help instead of its template (FR/EN)."
    )
    updated_at: datetime


class TelegramCommandList(LazyModel):
    """The tenant's commands by name, and how many more it may set."""

    items: list[TelegramCommandResponse]
    limit: int
