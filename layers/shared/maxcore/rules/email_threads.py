"""E-mail threads: the Message-IDs we choose, how a reply's headers name them, and follow-up subjects.

Every e-mail we send carries a Message-ID of ours, ``<token.lead_id@sender-domain>``: the token is a
hash of what stays the same for one logical send (a claimed job's idempotency key), so every try of
it (a retry, a send resumed after its worker died) carries the same id and the provider, which
deduplicates on the key only for an identical request, sees the same e-mail. The lead's id inside
it lets a reply's ``In-Reply-To`` or ``References`` name its lead with no stored mapping: the lookup
stays in the tenant's own partition. Ids here are bare (``a@b``); the adapter writes them between
angle brackets.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from maxcore.models.common import ULID_PATTERN
from maxcore.models.prospection import Scenario, ScenarioStep, SentStep, StepChannel, ThreadMode

TOKEN_LENGTH = 16
"""Characters of the hash of the send's key in a Message-ID (80 bits, lower-case base32)."""

_OURS = re.compile(rf"^[a-z2-7]{{{TOKEN_LENGTH}}}\.(?P<lead>{ULID_PATTERN.strip('^$')})@[^@\s<>]+$")
# "Re:", "RE :", "re:" and the like, repeated: a follow-up never reads "Re: Re: ".
_REPLY_PREFIX = re.compile(r"^(\s*re\s*:\s*)+", re.IGNORECASE)


def message_id(send_key: str, lead_id: str, sender: str) -> str:
    """The Message-ID of one logical send, bare (no angle brackets).

    Parameters
    ----------
    send_key
        What every try of the send shares and no other send has: a claimed job's key as the provider
        gets it (the tenant's id included), or a fresh id for a user's request.
    lead_id
        The lead written to, which a reply naming this id is recorded on.
    sender
        The sending address (``Name <a@b>`` or ``a@b``): its domain ends the id.

    Returns
    -------
    str
        ``<token>.<lead_id>@<domain>``.
    """
    digest = hashlib.blake2b(send_key.encode(), digest_size=10).digest()
    token = base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]
    return f"{token}.{lead_id}@{_domain(sender)}"


def lead_named(value: str) -> str | None:
    """The lead id inside one of our Message-IDs (angle brackets allowed), ``None`` for any other id."""
    found = _OURS.match(value.strip().strip("<>").strip())
    return None if found is None else found["lead"]


def answered_ids(in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    """The ids a reply names, in the order they are tried: ``In-Reply-To``, then ``References``
    from the newest (last) to the oldest, each once."""
    ordered = [] if in_reply_to is None else [in_reply_to]
    ordered += reversed(references)
    return list(dict.fromkeys(i.strip().strip("<>") for i in ordered if i.strip()))


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, never ``Re: Re: `` (Gmail and Outlook both thread on ``Re:``)."""
    return "Re: " + _REPLY_PREFIX.sub("", subject).strip()


@dataclass(frozen=True)
class Thread:
    """The e-mails of a sequence's thread so far: what a same-thread follow-up answers."""

    subject: str
    """The first e-mail's subject."""
    message_ids: tuple[str, ...]
    """Oldest first: ``References``; the last one is ``In-Reply-To``."""
    sender: str | None = None
    """The address the first e-mail went from (a follow-up keeps it), when it was recorded."""

    @property
    def reply_subject(self) -> str:
        """The subject a follow-up in this thread takes."""
        return reply_subject(self.subject)


def received_thread(subject: str | None, message_id: str, references: Sequence[str]) -> Thread:
    """The thread a reply to an e-mail we received continues: that e-mail's ``References``, then
    its own Message-ID (RFC 5322 3.6.4), under its subject."""
    return Thread(subject or "", (*references, message_id))


def thread_for_step(step: ScenarioStep, sent: Iterable[SentStep], scenario: Scenario) -> Thread | None:
    """The thread ``step`` of ``scenario`` continues given the steps ``sent``: ``None`` for a step
    that is not a same-thread e-mail, or when it starts the thread."""
    if step.channel is not StepChannel.EMAIL or step.thread is not ThreadMode.SAME:
        return None
    return current_thread(sent, scenario)


def current_thread(sent: Iterable[SentStep], scenario: Scenario) -> Thread | None:
    """The thread a same-thread step of ``scenario`` continues, from the e-mail steps sent so far.

    An e-mail step whose setting is ``new``, or the first e-mail sent, starts a thread; a ``same``
    one joins the current thread. Steps sent before Message-IDs were kept (none recorded) are not
    part of any thread. ``None`` when no e-mail was sent yet: the step starts the thread.
    """
    thread: Thread | None = None
    for s in sent:
        if s.channel is not StepChannel.EMAIL or s.message_id is None:
            continue
        step = scenario.step(s.step)
        if thread is None or step is None or step.thread is ThreadMode.NEW:
            thread = Thread(s.subject or "", (s.message_id,), s.sender)
        else:
            thread = Thread(thread.subject, (*thread.message_ids, s.message_id), thread.sender)
    return thread


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rpartition("@")[2].lower() or "localhost"
