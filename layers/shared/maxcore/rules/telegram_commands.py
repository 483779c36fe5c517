"""A tenant's own Telegram commands: which names it may take, which templates may answer them.

A tenant maps a bot command (``/tarifs``) to one of its templates; a lead who sends the command gets
the template filled for them. Pure: no I/O, the template and the command menu are parameters.

Names follow Telegram's Bot API ("BotCommand": 1 to 32 lowercase letters, digits and underscores),
stored without the slash. The product keeps the commands it answers itself (``/start``, ``/stop``,
``/help``, :data:`~maxcore.rules.keywords.PRODUCT_COMMANDS`) and the opt-out words: a tenant's
``/cancel`` must never look like an opt-out to a lead, nor an opt-out like a menu entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from maxcore.models.common import Channel
from maxcore.models.template import Template, TemplateStatus
from maxcore.rules.keywords import OPT_OUT_WORDS, PRODUCT_COMMANDS

__all__ = [
    "COMMAND_NAME_PATTERN",
    "DESCRIPTION_MAX",
    "MAX_COMMANDS",
    "MORE",
    "RESERVED_COMMANDS",
    "menu_lines",
    "name_problem",
    "template_problem",
]

COMMAND_NAME_PATTERN = r"^[a-z0-9_]{1,32}$"
"""What Telegram accepts as a command's name (without the slash)."""

MAX_COMMANDS = 100
"""The most commands a tenant may set: the most a bot's menu holds (setMyCommands)."""

DESCRIPTION_MAX = 256
"""The longest description Telegram shows in the menu."""

_NAME = re.compile(COMMAND_NAME_PATTERN)

RESERVED_COMMANDS = PRODUCT_COMMANDS | frozenset(w.word for w in OPT_OUT_WORDS if _NAME.match(w.word))
"""Names a tenant cannot take: the product's own commands and the opt-out words."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a tenant's command, or ``None`` when it can.

    Parameters
    ----------
    name
        The name asked for, without the slash.

    Returns
    -------
    str | None
        ``"malformed"`` for a name Telegram would refuse (``Tarifs``, ``prix-promo``, 33 characters),
        ``"reserved"`` for one the product answers itself (``start``, ``stop``, ``help``) or an
        opt-out word (``cancel``, ``arret``); ``None`` for a usable name.
    """
    if not _NAME.match(name):
        return "malformed"
    if name in RESERVED_COMMANDS:
        return "reserved"
    return None


def template_problem(template: Template | None) -> str | None:
    """Why ``template`` cannot answer a Telegram command, or ``None`` when it can.

    Parameters
    ----------
    template
        The template the command names, ``None`` when it does not exist (any more).

    Returns
    -------
    str | None
        ``"template_missing"``, ``"template_not_active"`` (a draft, or archived), ``"template_not_telegram"``
        (written for another channel), or ``None``.
    """
    if template is None:
        return "template_missing"
    if template.status is not TemplateStatus.ACTIVE:
        return "template_not_active"
    if template.channel is not Channel.TELEGRAM:
        return "template_not_telegram"
    return None


MORE = "…"
"""The last line of a help too long for one message: some commands were left out."""


def menu_lines(commands: Iterable[tuple[str, str]], room: int | None = None) -> str:
    """The commands as a lead reads them in a help answer: one ``/name - description`` a line, by name.

    With ``room``, at most that many characters (a Telegram message holds 4,096, and 100 commands
    with their descriptions can exceed it): whole lines in order, then :data:`MORE` for the rest.
    """
    lines = [f"/{name} - {description}" for name, description in sorted(commands)]
    text = "\n".join(lines)
    if room is None or len(text) <= room:
        return text
    kept: list[str] = []
    used = len(MORE)
    for line in lines:
        used += len(line) + 1
        if used > room:
            break
        kept.append(line)
    return "\n".join([*kept, MORE])
