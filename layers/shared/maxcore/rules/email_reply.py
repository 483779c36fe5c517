"""Read an inbound e-mail: its new text, whether a machine sent it, its attachments and thread (pure).

What a lead wrote is what the e-mail adds to the conversation, not the whole body: the quoted history
(``> `` lines, "Le mar. 3 déc. 2026 à 10:02, Julien <...> a écrit :", "On ... wrote:", "-----Original
Message-----", Outlook's "De : ... Envoyé : ..." block) and the signature ("-- ", "Cordialement",
"Envoyé de mon iPhone") are cut by ``mailparser_reply`` (a maintained FR/EN reply parser). Four
things it misses are fixed before or after it (see :func:`new_text`):

- French typography puts a no-break space before the colon ("De\u00a0: ..."): Outlook's French header
  block is only recognised once those spaces are plain ones;
- Gmail wraps a long "Le ... a écrit :" line (often inside the ``<address>``): the header is joined
  back onto one line;
- its French phone signatures know "Envoyé depuis" but not "Envoyé de mon iPhone", its French
  closings miss "Bien cordialement" and "Bien à vous", and its separators miss Outlook's French
  "-----Message d'origine-----": the parser's French lists are extended;
- a quoted line with no header above it (an inline reply) is dropped too.

An e-mail with only an HTML part is turned into text first (:func:`html_to_text`). The standard
library's :class:`html.parser.HTMLParser` does it: the maintained converters are GPL (html2text) or
need lxml, a compiled dependency (inscriptis, html-text), and nh3 (in the layer) sanitises HTML but
lays out no text.

A machine's message is recognised from its headers (:func:`automatic_reason`). An out-of-office
answer carries ``Auto-Submitted: auto-replied`` like any auto-reply, yet it must still be read as
``out_of_office`` (it pauses the sequence): the e-mail is marked automatic *and* its text classified,
and whoever decides what a reply does lets ``out_of_office`` through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import Any

from maxcore.models.activity import TEXT_MAX

ATTACHMENTS_MAX = 20
"""The attachments listed on the activity; more are counted, not listed."""

# --- the new text -----------------------------------------------------------------------------------
_SPACES = re.compile("[\u00a0\u202f\u2007]")
# "Le ... a écrit :" or "On ... wrote:" that Gmail wrapped over two or three lines.
_WRAPPED_HEADER = re.compile(
    r"^(?:>[ \t]?)*(?:Le|On)\s[^\n]{0,200}(?:\n[^\n]{0,200}){0,2}?(?:a\s+écrit|wrote)\s?:[ \t]*$",
    re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>")
_EXTRA_SIGNATURES = {
    "fr": {
        "sent_from": [r"Envoy\u00e9 de mon", r"Envoy\u00e9 \u00e0 partir de mon"],
        "signatures": [r"bien cordialement", r"bien [\u00e0a] vous", r"sinc\u00e8res salutations"],
        # Outlook's French "-----Original Message-----" (a header: a capturing group, as the parser's).
        "wrote_header": [r"(^-{3,}\s*Message d'origine\s*-{3,}$)"],
    }
}


def new_text(body: str) -> str:
    """What the lead wrote in ``body``: without the quoted history and the signature.

    Parameters
    ----------
    body
        The e-mail's plain text (or its HTML turned into text).

    Returns
    -------
    str
        The new text, stripped; the whole body (without quoted lines) when no reply is found in it,
        and at most :data:`~maxcore.models.activity.TEXT_MAX` characters (what an activity keeps).
    """
    # The new text comes first: what lies beyond ten times what is kept is history, not worth parsing.
    text = _SPACES.sub(" ", body[: 10 * TEXT_MAX].replace("\r\n", "\n"))
    text = _WRAPPED_HEADER.sub(lambda m: " ".join(m.group(0).split("\n")), text)
    replies = _reply_message()(text=text, languages=["fr", "en"]).read().replies
    reply = replies[0].body if replies else text
    kept = [line for line in reply.split("\n") if not _QUOTED_LINE.match(line)]
    return _tidy("\n".join(kept))[:TEXT_MAX]


@cache
def _reply_message() -> type[Any]:
    """The parser's message class, with the French phone signatures and closings it lacks."""
    from mailparser_reply.parser import EmailMessage  # type: ignore[import-untyped]

    class ReplyMessage(EmailMessage):  # type: ignore[misc]
        def _get_language_regex(self, language: str, regex_key: str) -> str:
            found: str = super()._get_language_regex(language, regex_key)
            extra = _EXTRA_SIGNATURES.get(language, {}).get(regex_key, [])
            return "|".join(filter(None, [found, *extra]))

    return ReplyMessage


def _tidy(text: str) -> str:
    """Trailing spaces off, no more than one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


# --- HTML to text ---------------------------------------------------------------------------------------
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN = frozenset({"head", "script", "style", "template", "title", "noscript"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})
_RUNS_OF_SPACE = re.compile(r"[ \t\r\n\f]+")


class _TextMaker(HTMLParser):
    """Collects the visible text: blocks on their own lines, quotes prefixed with ``> ``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._hidden = 0
        self._quotes = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._break(force=True)
        elif tag in _BLOCKS:
            self._break()
            self._quotes += tag == "blockquote"
            self._pre += tag == "pre"
        elif tag in ("td", "th") and self._line:
            self._line.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break(force=True)
        elif tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self._break()
            if tag in ("p", "blockquote", "table", "ul", "ol"):
                self.lines.append(self._prefix())
            self._quotes = max(0, self._quotes - (tag == "blockquote"))
            self._pre = max(0, self._pre - (tag == "pre"))

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._pre:
            first, *rest = data.split("\n")
            self._line.append(first)
            for line in rest:
                self._break(force=True)
                self._line.append(line)
            return
        self._line.append(_RUNS_OF_SPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        self._break()

    def _prefix(self) -> str:
        return "> " * self._quotes

    def _break(self, force: bool = False) -> None:
        line = "".join(self._line).strip(" ")
        self._line = []
        if line or force:
            self.lines.append(self._prefix() + line)


def html_to_text(html: str) -> str:
    """The text a reader sees in ``html``: paragraphs and line breaks kept, entities decoded.

    Scripts, styles and the head are dropped; a ``<blockquote>`` (how mail clients quote the
    history) becomes ``> `` lines, so that :func:`new_text` strips it like a plain-text quote.
    """
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    return _tidy("\n".join(maker.lines))


# --- machines ----------------------------------------------------------------------------------------
_AUTOMATIC_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})
_REPORT_TYPES = {"delivery-status": "delivery report", "disposition-notification": "read receipt"}
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)
_SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster"})


def automatic_reason(headers: Mapping[str, str], sender: str) -> str | None:
    """Why a machine sent this e-mail, or ``None`` when a person did.

    From the headers (names in any case): ``Auto-Submitted`` other than ``no`` (RFC 3834),
    ``X-Autoreply`` and ``X-Autorespond`` (set by many auto-responders), ``Precedence: auto_reply``,
    ``bulk`` or ``junk``; a delivery or read receipt (``multipart/report`` with its ``report-type``,
    RFC 6522), or a sender that is ``mailer-daemon@`` or ``postmaster@``. ``X-Auto-Response-Suppress``
    only asks others not to answer: alone it does not make the message automatic.

    An out-of-office answer is automatic too (``Auto-Submitted: auto-replied``), yet its text must
    still be classified: it is ``out_of_office``, which pauses a sequence. The reason marks the
    message; it does not stop it from being read, and what a reply does lets ``out_of_office`` through.
    """
    named = {name.strip().lower(): value.strip() for name, value in headers.items()}
    submitted = named.get("auto-submitted", "").lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return f"auto-submitted: {submitted.split(';')[0].strip()}"
    for flag in ("x-autoreply", "x-autorespond"):
        if flag in named:
            return flag
    precedence = named.get("precedence", "").lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"precedence: {precedence}"
    content_type = named.get("content-type", "")
    if content_type.lower().startswith("multipart/report"):
        report = _REPORT_TYPE.search(content_type)
        kind = report.group(1).lower() if report else ""
        return _REPORT_TYPES.get(kind, "report")
    if sender.partition("@")[0].lower() in _SYSTEM_SENDERS:
        return "delivery report"
    return None


# --- attachments and thread -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as the timeline lists it (never downloaded)."""

    filename: str | None
    content_type: str | None
    size: int | None


def attachments_of(attachments: Iterable[Mapping[str, Any]]) -> list[AttachmentInfo]:
    """Name, type and size of each attachment, in order."""
    listed: list[AttachmentInfo] = []
    for attachment in attachments:
        size = attachment.get("size")
        listed.append(
            AttachmentInfo(
                filename=_str_or_none(attachment.get("filename")),
                content_type=_str_or_none(attachment.get("content_type")),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return listed


_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def message_ids(value: str | None) -> tuple[str, ...]:
    """The Message-IDs of an ``In-Reply-To`` or ``References`` header, without angle brackets."""
    if not value:
        return ()
    bracketed = _MESSAGE_ID.findall(value)
    return tuple(bracketed) if bracketed else tuple(value.split())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, whatever the case of its name."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.strip().lower() == wanted), None)


def _str_or_none(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- everything together -------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmailReading:
    """What an inbound e-mail says, once read."""

    text: str
    automatic: str | None
    attachments: list[AttachmentInfo]
    in_reply_to: str | None
    references: tuple[str, ...]
    message_id: str | None = None
    """The e-mail's own Message-ID (bare): what a reply to it names in ``In-Reply-To``."""


def read_email(
    text: str | None,
    html: str | None,
    headers: Mapping[str, str],
    sender: str,
    attachments: Iterable[Mapping[str, Any]] = (),
) -> EmailReading:
    """Read an inbound e-mail's parts into what the conversation records.

    Parameters
    ----------
    text, html
        The e-mail's plain and HTML parts (either may be missing); the plain part wins.
    headers
        Its headers (names in any case).
    sender
        The sender's address.
    attachments
        Resend's attachment objects (``filename``, ``content_type``, ``size``...).

    Returns
    -------
    EmailReading
        The new text (:func:`new_text`), why a machine sent it (:func:`automatic_reason`), the
        attachments (at most :data:`ATTACHMENTS_MAX`), the thread's Message-IDs and its own.
    """
    body = text if text and text.strip() else html_to_text(html or "")
    in_reply_to = message_ids(header(headers, "In-Reply-To"))
    own = message_ids(header(headers, "Message-ID"))
    return EmailReading(
        text=new_text(body),
        automatic=automatic_reason(headers, sender),
        attachments=attachments_of(attachments)[:ATTACHMENTS_MAX],
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=message_ids(header(headers, "References")),
        message_id=own[0] if own else None,
    )
