"""The messages that are instructions rather than conversation: stop, start again, help.

A lead who answers STOP must never be written to again on that channel, whatever the sequence or
the autonomy mode says; the webhook service asks :func:`keyword_of` before treating a message as a
reply. Pure: no I/O, the channel is a parameter.

The opt-out words are :data:`OPT_OUT_WORDS`, the one list the reply classifier
(:mod:`maxcore.rules.intent`) reads too. In English they are Twilio's default Messaging keywords,
which carriers and users already know (Twilio Help Center, "Twilio support for opt-out keywords (SMS
STOP filtering)", and the blog post "Update to FCC's SMS Opt-Out Keywords", which added OPTOUT and
REVOKE on 14 May 2025); in French they are the words French senders advertise (``STOP SMS``,
``ARRET``), which Twilio does not filter, so we are the ones who must hear them. The other keywords
are Twilio's too:

- opt-in: START, YES, UNSTOP;
- help: HELP, INFO.

Twilio only acts on a message that is the keyword alone ("STOP PLEASE" or "please cancel" do not
opt out), and so do we. On SMS Twilio also blocks the number itself (later sends fail with error
21610); on WhatsApp and Telegram nobody does it for us, which is why the same words are read on
every messaging channel. Telegram adds its bot commands (``/stop``, ``/start``, ``/help``, Telegram
Bot API "Commands": ``/command@BotName`` in groups, ``/start <payload>`` from a deep link). E-mail
has no keywords: an e-mail reply is always conversation, and unsubscribing goes through the
List-Unsubscribe link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from maxcore.models.common import Channel
from maxcore.rules.contact import fold

__all__ = [
    "OPT_OUT_WORDS",
    "PRODUCT_COMMANDS",
    "Keyword",
    "OptOutWord",
    "answer_key",
    "is_instruction",
    "keyword_of",
    "telegram_command",
]


class Keyword(StrEnum):
    """What a keyword message asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class OptOutWord:
    """A word that, sent alone, withdraws a lead's consent on the channel it came from.

    Attributes
    ----------
    word
        The keyword as a lead types it, folded (lower case, no accents): ``"stop"``, ``"arret"``.
        A message that is exactly this word (any case and accents, trailing punctuation aside) is an
        opt-out keyword here and an unsubscribe for the classifier.
    variants
        Other folded spellings the reply classifier also reads as this word (a letter held down, a
        space typed or left out, ``arrête`` for ``arrêt``). :func:`keyword_of` does not: like
        Twilio, it takes the exact word only, since it answers on its own with a confirmation.
    """

    word: str
    variants: tuple[str, ...] = ()


OPT_OUT_WORDS: tuple[OptOutWord, ...] = (
    # Twilio's defaults, English.
    OptOutWord("stop", ("stoop",)),
    OptOutWord("stopall", ("stop all",)),
    OptOutWord("unsubscribe", ("unsub",)),
    OptOutWord("cancel"),
    OptOutWord("end"),
    OptOutWord("quit"),
    OptOutWord("optout", ("opt out",)),
    OptOutWord("revoke"),
    # French.
    OptOutWord("stop sms", ("stopsms",)),
    OptOutWord("arret", ("arrete", "aret", "arete")),
)
"""Every opt-out keyword, English and French: the only list of them (see the module docstring)."""

_WORDS: dict[str, Keyword] = {
    **dict.fromkeys((w.word for w in OPT_OUT_WORDS), Keyword.OPT_OUT),
    **dict.fromkeys(("start", "yes", "unstop"), Keyword.OPT_IN),
    **dict.fromkeys(("help", "info"), Keyword.HELP),
}

_COMMAND = re.compile(r"/(?P<name>[A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s|$)")
"""A bot command at the start of a message: ``/name``, ``/name@BotName``, then a space or the end."""

_TELEGRAM_COMMANDS: dict[str, Keyword] = {
    "stop": Keyword.OPT_OUT,
    "start": Keyword.OPT_IN,
    "help": Keyword.HELP,
}

PRODUCT_COMMANDS = frozenset(_TELEGRAM_COMMANDS)
"""The bot commands the product answers itself (a tenant cannot give them another meaning)."""


def keyword_of(text: str, channel: Channel) -> Keyword | None:
    """The keyword ``text`` is on ``channel``, or ``None`` when it is an ordinary message.

    On SMS, WhatsApp and Telegram the whole message must be one of the keywords, in any case and
    with or without accents, surrounding spaces and trailing punctuation ignored (``"Stop."``,
    ``" STOP !"``, ``"Arrêt"``). On Telegram a bot command also counts, with or without the bot's
    name and with any arguments (``/stop``, ``/start@MaxBot``, ``/start lead-42``). E-mail never has
    keywords.

    Parameters
    ----------
    text
        The message as the lead wrote it.
    channel
        Where it was written.

    Returns
    -------
    Keyword | None
        ``OPT_OUT``, ``OPT_IN`` or ``HELP``; ``None`` for anything else, including a keyword inside a
        sentence ("stop, rappelez-moi plutôt").
    """
    if channel is Channel.EMAIL:
        return None
    if channel is Channel.TELEGRAM:
        command = telegram_command(text)
        if command is not None:
            return _TELEGRAM_COMMANDS.get(command)
    return _WORDS.get(_bare(text))


def is_instruction(marks: Mapping[str, object]) -> bool:
    """Whether an inbound message's marks say it was a keyword or a bot command, not conversation.

    The inbound service marks the activity (``metadata["keyword"]``: the keyword that acted,
    ``metadata["command"]``: the Telegram command's name); the timeline keeps such a message as the
    proof of what was asked, but the inbox neither counts it unread nor shows it as the last message.

    Parameters
    ----------
    marks
        The activity's metadata.

    Returns
    -------
    bool
        ``True`` when either mark is set.
    """
    return bool(marks.get("keyword") or marks.get("command"))


def answer_key(channel: Channel, keyword: Keyword | None, command: str | None) -> str | None:
    """The catalogue key of the answer a keyword or command gets in the webhook's reply, if any.

    HELP gets the help text on every channel. On Telegram, where nobody else answers, an opt-out
    and an opt-in get their confirmation, ``/start`` (for a lead who has not opted out: otherwise it
    is the opt-in) gets the welcome, and any other command the help text, so that no command falls
    silent. SMS carriers and Twilio confirm opt-outs themselves.

    Parameters
    ----------
    channel
        Where the message came from.
    keyword
        The keyword that acted (``None`` for an ordinary message, or a START from a lead who never
        opted out).
    command
        The Telegram command's name, or ``None``.

    Returns
    -------
    str | None
        A key of :data:`maxcore.texts.CATALOGUE`, or ``None`` when nothing is answered.
    """
    if keyword is Keyword.HELP:
        return "messaging.help_reply"
    if channel is not Channel.TELEGRAM:
        return None
    if keyword is Keyword.OPT_OUT:
        return "messaging.opt_out_confirmation"
    if keyword is Keyword.OPT_IN:
        return "messaging.opt_in_confirmation"
    if command == "start":
        return "messaging.telegram_welcome"
    return None if command is None else "messaging.help_reply"


def _bare(text: str) -> str:
    """``text`` folded (lower case, no accents) without surrounding spaces or trailing punctuation."""
    word = text.strip()
    # Phones add a full stop or an exclamation mark on their own; "STOP." is still STOP.
    while word and (word[-1].isspace() or unicodedata.category(word[-1]).startswith("P")):
        word = word[:-1]
    return fold(word)


def telegram_command(text: str) -> str | None:
    """The command a Telegram message is, or ``None`` when it is an ordinary message.

    A command is the message's first word: ``/`` and a name of 1 to 32 letters, digits or
    underscores (Telegram Bot API, "BotCommand"), optionally followed by ``@`` and the bot's name
    (groups) and by arguments (``/start <payload>`` from a deep link).

    Parameters
    ----------
    text
        The message as the lead wrote it.

    Returns
    -------
    str | None
        The command's name in lower case (``"/start@MaxBot abc123"`` -> ``"start"``, ``"/RDV"`` ->
        ``"rdv"``); ``None`` for a text that does not start with a command ("please /stop",
        ``"/start-over"``, a lone ``"/"``).
    """
    match = _COMMAND.match(text.strip())
    return None if match is None else match["name"].lower()
