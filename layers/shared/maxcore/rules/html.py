"""Safety check of e-mail HTML written by users or by the AI (pure).

Unsafe HTML is refused with a message naming each problem; it is never silently rewritten, so what is
sent is what its author saw. The check is deliberately strict: e-mail HTML needs tables, inline
styles, ``<style>`` blocks, images and links, never scripts, frames, forms or script URLs.

Browsers and :class:`html.parser.HTMLParser` do not always agree on where a comment, a ``<style>`` or
a ``<title>`` ends; to leave no room for markup the check reads one way and a browser another, the
content of comments, marked sections and raw-text elements is checked as HTML too, and markup the
parser cannot read is reported as malformed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

FORBIDDEN_ELEMENT = "forbidden_element"
EVENT_HANDLER_ATTRIBUTE = "event_handler_attribute"
DANGEROUS_URL = "dangerous_url"
"""A script URL in a URL attribute, or a script-running construct in CSS (``expression(``)."""
MALFORMED = "malformed"

FORBIDDEN_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "link",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "background",
        "poster",
        "xlink:href",
        "data",
        "lowsrc",
        "dynsrc",
        "cite",
        "longdesc",
        "codebase",
        "manifest",
        "icon",
        # SVG <animate>/<set> can write a URL into an href attribute.
        "from",
        "to",
    }
)
LIST_URL_ATTRIBUTES = {"srcset": ",", "imagesrcset": ",", "values": ";"}
"""URL attributes holding a list, and the separator of their entries."""
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
DANGEROUS_CSS = ("expression(", "javascript:", "vbscript:")

# Elements whose content a browser reads as text up to their end tag (the parser knows only script
# and style): read the same way here, so '<title><a title="</title><img onerror=...>">' shows its
# <img>, and their content is checked as HTML too (inside <svg> or with scripting off, it is HTML).
_RAW_TEXT_ELEMENTS = frozenset({"title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"})
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|(.))", re.S)
_TAG_START = re.compile(r"<[a-zA-Z]")
_MAX_DEPTH = 4
_SNIPPET = 40


@dataclass(frozen=True)
class HtmlProblem:
    """One reason to refuse a piece of HTML.

    Attributes
    ----------
    kind
        ``forbidden_element``, ``event_handler_attribute``, ``dangerous_url`` or ``malformed``.
    detail
        What was found, in words: ``<script>``, ``onclick on <a>``, ``javascript: in href of <a>``.
    line
        1-based line where the offending tag (or text) starts.
    """

    kind: str
    detail: str
    line: int


def _url_danger(value: str) -> str | None:
    """The dangerous scheme ``value`` starts with, ignoring whitespace, controls and case, if any."""
    compact = _IGNORED_IN_URLS.sub("", value).lower()
    return next((scheme for scheme in DANGEROUS_SCHEMES if compact.startswith(scheme)), None)


def _css_escape(match: re.Match[str]) -> str:
    code, char = match.group(1), match.group(2)
    if code is None:
        return "" if char in "\r\n\f" else char
    number = int(code, 16)
    return chr(number) if 0 < number <= 0x10FFFF else "\ufffd"


def _css_danger(css: str) -> str | None:
    """The script-running construct ``css`` contains, once comments and escapes are undone, if any.

    The text is read both with and without its comments: a ``/*`` inside a CSS string is no comment.
    """
    for text in (css, _CSS_COMMENT.sub("", css)):
        compact = _IGNORED_IN_URLS.sub("", _CSS_ESCAPE.sub(_css_escape, text)).lower()
        danger = next((token for token in DANGEROUS_CSS if token in compact), None)
        if danger is not None:
            return danger
    return None


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 1] + "…"


class _Checker(HTMLParser):
    """Collects the problems of one piece of HTML, starting at ``first_line`` of the document."""

    def __init__(self, text: str, first_line: int = 1, depth: int = 0) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.first_line = first_line
        self.depth = depth
        self.problems: list[HtmlProblem] = []
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def run(self) -> list[HtmlProblem]:
        try:
            self.feed(self.text)
        except AssertionError:
            # _markupbase gives up on some "<![...", which a browser reads as a bogus comment: say
            # so, and check what follows (a few times at most: the HTML is refused anyway).
            rest = self.text[self._offset() :]
            self._add(MALFORMED, f"unreadable markup '{_snippet(rest)}'")
            self._check_nested(rest[1:], self._line())
            return self.problems
        # What feed() could not finish: an unclosed raw-text element or an unterminated construct.
        rest = self.rawdata
        if self.cdata_elem is not None:
            self._check_raw_text(self.cdata_elem, rest, self._line())
            if self.depth == 0:
                self._add(MALFORMED, f"unclosed <{self.cdata_elem}>")
        elif rest.startswith("<") and len(rest) > 1:
            if self.depth == 0:
                self._add(MALFORMED, f"unterminated markup at end of input '{_snippet(rest)}'")
            self._check_nested(rest[1:], self._line())
        return self.problems

    def _offset(self) -> int:
        """Position in ``text`` of what the parser is reading."""
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _line(self) -> int:
        return self.first_line + self.getpos()[0] - 1

    def _add(self, kind: str, detail: str, line: int | None = None) -> None:
        self.problems.append(HtmlProblem(kind, detail, self._line() if line is None else line))

    def _check_nested(self, text: str, line: int) -> None:
        """Check ``text``, found inside a comment or a raw-text element, as HTML as well."""
        if self.depth < _MAX_DEPTH and "<" in text:
            self.problems += _Checker(text, line, self.depth + 1).run()

    def _check_raw_text(self, element: str, content: str, line: int) -> None:
        if element == "style":
            danger = _css_danger(content)
            if danger is not None:
                offending = next(
                    (n for n, text in enumerate(content.split("\n")) if _css_danger(text) is not None), 0
                )
                self._add(DANGEROUS_URL, f"{danger} in <style>", line + offending)
        self._check_nested(content, line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = tag.rsplit(":", 1)[-1]  # svg:script is a script too
        if name in FORBIDDEN_ELEMENTS:
            self._add(FORBIDDEN_ELEMENT, f"<{tag}>")
        elif name == "meta" and any(
            key == "http-equiv" and (value or "").strip().lower() == "refresh" for key, value in attrs
        ):
            self._add(FORBIDDEN_ELEMENT, "<meta http-equiv=refresh>")
        for key, value in attrs:
            self._check_attribute(tag, key, value or "")
        if name in _RAW_TEXT_ELEMENTS:
            self.set_cdata_mode(tag)

    def _check_attribute(self, tag: str, key: str, value: str) -> None:
        if key.startswith("on"):
            self._add(EVENT_HANDLER_ATTRIBUTE, f"{key} on <{tag}>")
        if key in URL_ATTRIBUTES:
            entries = [value]
        elif key in LIST_URL_ATTRIBUTES:
            entries = value.split(LIST_URL_ATTRIBUTES[key])
        else:
            entries = []
        for entry in entries:
            scheme = _url_danger(entry)
            if scheme is not None:
                self._add(DANGEROUS_URL, f"{scheme} in {key} of <{tag}>")
                break
        if key == "style":
            danger = _css_danger(value)
            if danger is not None:
                self._add(DANGEROUS_URL, f"{danger} in style of <{tag}>")

    def handle_data(self, data: str) -> None:
        if self.cdata_elem is not None:
            self._check_raw_text(self.cdata_elem, data, self._line())
            return
        start = self._offset()
        if _TAG_START.match(self.text, start):
            # The parser gave up on a start tag and passed it on as text; a browser may not.
            end = self.text.find(">", start)
            tag_text = self.text[start : end + 1 if end >= 0 else len(self.text)]
            self._add(MALFORMED, f"unreadable tag '{_snippet(tag_text)}'")

    def handle_comment(self, data: str) -> None:
        self._check_nested(data, self._line())

    def unknown_decl(self, data: str) -> None:
        self._check_nested(data, self._line())


def check_html(html: str) -> list[HtmlProblem]:
    """Return the problems that make ``html`` unsafe to send, in document order.

    Parameters
    ----------
    html
        An e-mail body or a fragment of one. Character references are decoded before the checks,
        so ``&#106;avascript:`` is seen as ``javascript:``.

    Returns
    -------
    list[HtmlProblem]
        Every problem found: forbidden elements (scripts, frames, objects, forms and their fields,
        ``<base>``, ``<link>``, ``<meta http-equiv=refresh>``), event handler attributes
        (``on...``), URL attributes starting with ``javascript:``, ``vbscript:`` or
        ``data:text/html`` once whitespace and control characters are removed, CSS with
        ``expression(`` or ``javascript:``, and markup the parser cannot read. Empty when the HTML
        is safe.
    """
    problems = _Checker(html).run()
    return sorted(problems, key=lambda problem: problem.line)


def describe(problems: list[HtmlProblem]) -> str:
    """Summarise ``problems`` in one line, e.g. ``html contains <script> (line 3); onclick on <a> (line 5)``.

    Returns ``html contains no unsafe content`` when there is no problem.
    """
    if not problems:
        return "html contains no unsafe content"
    return "html contains " + "; ".join(f"{problem.detail} (line {problem.line})" for problem in problems)
