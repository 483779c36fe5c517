"""Safety check of e-mail HTML written by users or by the AI (pure).

Unsafe HTML is refused with a message naming each problem; it is never silently rewritten, so what is
sent is what its author saw. The check is deliberately strict: e-mail HTML needs tables, inline
styles, ``<style>`` blocks, images and links, never scripts, frames, forms or script URLs.

Two passes. The first names the classic attacks precisely (scripts, event handlers, script URLs),
including those hidden in comments or raw-text elements. The second is an allowlist enforced by the
``nh3`` sanitiser (Ammonia, the html5ever parser browsers' parsing rules come from): HTML passes only if
nh3, configured for e-mail, would keep every tag and attribute it has; whatever nh3 would remove is
named instead, so anything not known to be safe (SVG, MathML, unknown attributes, ``http:`` images,
CSS ``url()`` in a ``style`` attribute, ``@import``...) is refused without having to be foreseen.

Browsers and :class:`html.parser.HTMLParser` do not always agree on where a comment, a ``<style>`` or
a ``<title>`` ends; to leave no room for markup the check reads one way and a browser another, the
content of comments, marked sections and raw-text elements is checked as HTML too, and markup the
parser cannot read is reported as malformed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
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


# --- the allowlist ---------------------------------------------------------------------------------

NOT_ALLOWED = "not_allowed"
"""Something the e-mail allowlist does not hold: the sanitiser would remove it."""

ALLOWED_TAGS = frozenset(
    {
        # text and structure
        "a", "abbr", "address", "article", "b", "big", "blockquote", "br", "center", "cite", "code",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
        "main", "mark", "meta", "ol", "p", "pre", "q", "s", "section", "small", "span", "strike",
        "strong", "style", "sub", "summary", "sup", "time", "title", "tt", "u", "ul", "wbr",
        # tables, the layout of e-mail
        "caption", "col", "colgroup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    }
)  # fmt: skip
_STRUCTURE_TAGS = frozenset({"html", "head", "body"})
"""Parsed as a fragment, nh3 drops these three tags: their attributes are checked here directly."""
_COMMON_ATTRIBUTES = frozenset(
    {"align", "bgcolor", "class", "dir", "height", "id", "lang", "role", "style", "title", "valign", "width"}
)
_TABLE_ATTRIBUTES = frozenset(
    {"abbr", "axis", "background", "border", "cellpadding", "cellspacing", "char", "charoff", "colspan",
     "frame", "headers", "nowrap", "rowspan", "rules", "scope", "span", "summary"}
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": _COMMON_ATTRIBUTES,
    "a": frozenset({"href", "name", "target", "rel"}),
    "img": frozenset({"alt", "border", "hspace", "vspace", "src", "srcset", "sizes"}),
    "font": frozenset({"color", "face", "size"}),
    "meta": frozenset({"charset", "content", "http-equiv", "name"}),
    "style": frozenset({"media", "type"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"type", "value"}),
    "hr": frozenset({"color", "noshade", "size"}),
    "details": frozenset({"open"}),
    "time": frozenset({"datetime"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "html": frozenset({"xmlns", "xmlns:v", "xmlns:o", "xmlns:w", "xmlns:m"}),
    "body": frozenset({"background", "link", "vlink", "alink", "text", "leftmargin", "topmargin"}),
    **dict.fromkeys(
        ("table", "tbody", "thead", "tfoot", "tr", "td", "th", "col", "colgroup"), _TABLE_ATTRIBUTES
    ),
}
"""Attributes kept on each tag (``*``: on every tag), on top of ``aria-*`` and ``data-*``."""
_GENERIC_PREFIXES = ("aria-", "data-")
LINK_SCHEMES = ("https", "mailto", "tel")
"""Schemes a link may use; a link without a scheme (``#top``, ``{{unsubscribe_url}}``) is kept too."""
_IMAGE_DATA = re.compile(r"data:image/(?:png|gif|jpe?g|webp)[;,]")
"""Inline raster images (a tracking pixel, a logo); ``data:image/svg+xml`` is a document, not a picture."""
_LINK_ATTRIBUTES = frozenset({"href", "cite"})
_IMAGE_ATTRIBUTES = frozenset({"src", "background"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_INLINE_CSS_FORBIDDEN = re.compile(r"url\(|image-set\(|expression\(|@import|(?<![\w-])behavior:|-moz-binding")
_BLOCK_CSS_FORBIDDEN = re.compile(r"image-set\(|expression\(|@import|(?<![\w-])behavior:|-moz-binding")
_CSS_URL = re.compile(r"url\((['\"]?)(.*?)\1\)")
_CSS_RULES = "no url(), expression(), @import, behavior or -moz-binding in a style attribute"


def _compact_css(css: str) -> str:
    """``css`` with escapes undone, comments, whitespace and controls removed, lower-cased."""
    return _IGNORED_IN_URLS.sub("", _CSS_ESCAPE.sub(_css_escape, _CSS_COMMENT.sub("", css))).lower()


def _image_url_refusal(url: str) -> str | None:
    compact = _IGNORED_IN_URLS.sub("", url).lower()
    if compact.startswith("https:") or _IMAGE_DATA.match(compact) or compact.startswith("{{"):
        return None
    return "images must use https"


def _value_refusal(tag: str, attribute: str, value: str) -> str | None:
    """Why the allowlist refuses ``value`` for ``attribute`` of ``tag``, or None when it keeps it."""
    if attribute in _LINK_ATTRIBUTES:
        scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", value).lower())
        if scheme is not None and scheme.group(1) not in LINK_SCHEMES:
            return "links must use https, mailto or tel"
    elif attribute in _IMAGE_ATTRIBUTES:
        return _image_url_refusal(value)
    elif attribute == "srcset":
        for entry in value.split(","):
            url = entry.strip().split(" ")[0]
            if url and _image_url_refusal(url) is not None:
                return "images must use https"
    elif attribute == "style":
        if _INLINE_CSS_FORBIDDEN.search(_compact_css(value)):
            return _CSS_RULES
    elif attribute == "http-equiv" and value.strip().lower() not in {"content-type", "x-ua-compatible"}:
        return "only Content-Type and X-UA-Compatible are allowed"
    return None


def _attribute_refusal(tag: str, attribute: str, value: str) -> str | None:
    """Why the allowlist removes this attribute, or None when it keeps it as it is."""
    allowed = attribute in ALLOWED_ATTRIBUTES["*"] or attribute in ALLOWED_ATTRIBUTES.get(tag, ())
    if not allowed and not attribute.startswith(_GENERIC_PREFIXES):
        return "not allowed in e-mail"
    return _value_refusal(tag, attribute, value)


def _nh3_filter(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute_filter: keep the value as it is, or None to remove the attribute."""
    return value if _value_refusal(tag, attribute, value) is None else None


@dataclass(frozen=True)
class _Tag:
    name: str
    attributes: dict[str, str]
    line: int


class _Collector(HTMLParser):
    """The start tags of a document and the content of its ``<style>`` blocks, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []
        self.styles: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in reversed(attrs)}  # the first one wins
        self.tags.append(_Tag(tag, attributes, self.getpos()[0]))

    def handle_data(self, data: str) -> None:
        if self.cdata_elem == "style":
            self.styles.append((data, self.getpos()[0]))


def _collect(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def _sanitise(html: str) -> str:
    """What nh3, configured with the e-mail allowlist, would make of ``html``."""
    import nh3  # compiled; imported here so that functions never checking HTML don't load it

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_nh3_filter,
        generic_attribute_prefixes=set(_GENERIC_PREFIXES),
        strip_comments=False,  # MSO conditional comments; the first pass checks what they hold
        link_rel=None,
        url_schemes={*LINK_SCHEMES, "data"},
    )


def _attribute_problems(tag: _Tag, kept: dict[str, str] | None) -> list[HtmlProblem]:
    """The attributes of ``tag`` the allowlist refuses (``kept``: what nh3 left of them, if known)."""
    problems = []
    for attribute, value in tag.attributes.items():
        reason = _attribute_refusal(tag.name, attribute, value)
        # Configured as it is, nh3 keeps a value as it is or drops the attribute: a value that merely
        # reads differently (html.parser decodes "&copy=2" in a URL, browsers and html5ever do not)
        # is no change.
        if reason is None and kept is not None and attribute not in kept:
            reason = "removed by the sanitiser"
        if reason is not None:
            shown = f' "{_snippet(value)}"' if attribute in _LINK_ATTRIBUTES | _IMAGE_ATTRIBUTES else ""
            problems.append(
                HtmlProblem(NOT_ALLOWED, f"{attribute}{shown} on <{tag.name}> ({reason})", tag.line)
            )
    return problems


def _css_block_problems(css: str, line: int) -> list[HtmlProblem]:
    compact = _compact_css(css)
    problems = []
    forbidden = _BLOCK_CSS_FORBIDDEN.search(compact)
    if forbidden is not None:
        problems.append(HtmlProblem(NOT_ALLOWED, f"{forbidden.group(0).rstrip(':(')} in <style>", line))
    for match in _CSS_URL.finditer(compact):
        if _image_url_refusal(match.group(2)) is not None:
            problems.append(
                HtmlProblem(NOT_ALLOWED, f"url({match.group(2)}) in <style> (images must use https)", line)
            )
    return problems


def check_allowlist(html: str) -> list[HtmlProblem]:
    """Return what the e-mail allowlist would remove from ``html``, in document order.

    Parameters
    ----------
    html
        An e-mail body or a fragment of one.

    Returns
    -------
    list[HtmlProblem]
        One ``not_allowed`` problem per tag nh3 would drop (the tag is named once, its attributes
        are not) and per attribute it would drop, with the reason (not allowed in e-mail,
        links must use https, mailto or tel, images must use https, forbidden CSS), plus what a
        ``<style>`` block must not hold: ``@import``, ``expression()``, ``behavior``,
        ``-moz-binding``, or a ``url()`` that is not https. Empty when nh3 would keep everything.

    Notes
    -----
    The input and nh3's output are both read by the same parser (:mod:`html.parser`, entities
    decoded) into start tags with their attributes, and aligned tag by tag, so quoting, entity
    encoding and self-closing slashes make no difference. A tag the HTML tree builder merely moves
    (a ``<b>`` directly in a ``<table>``) is not reported as removed: it still appears as often. nh3
    keeps an attribute value as it is or drops the attribute, so only dropped attributes are reported.
    """
    source = _collect(html)
    kept = _collect(_sanitise(html)).tags
    checked = [tag for tag in source.tags if tag.name not in _STRUCTURE_TAGS]
    problems: list[HtmlProblem] = []
    for tag in source.tags:
        if tag.name in _STRUCTURE_TAGS:
            problems += _attribute_problems(tag, None)
    missing = Counter(tag.name for tag in checked) - Counter(tag.name for tag in kept)
    matcher = SequenceMatcher(None, [t.name for t in checked], [t.name for t in kept], autojunk=False)
    for operation, first, last, kept_first, _ in matcher.get_opcodes():
        for offset, tag in enumerate(checked[first:last]):
            if operation == "equal":
                problems += _attribute_problems(tag, kept[kept_first + offset].attributes)
            elif missing[tag.name] > 0:
                missing[tag.name] -= 1
                problems.append(HtmlProblem(NOT_ALLOWED, f"<{tag.name}>", tag.line))
            else:
                problems += _attribute_problems(tag, None)
    for css, line in source.styles:
        problems += _css_block_problems(css, line)
    return sorted(problems, key=lambda problem: problem.line)


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
        Every problem found by the first pass: forbidden elements (scripts, frames, objects, forms
        and their fields, ``<base>``, ``<link>``, ``<meta http-equiv=refresh>``), event handler
        attributes (``on...``), URL attributes starting with ``javascript:``, ``vbscript:`` or
        ``data:text/html`` once whitespace and control characters are removed, CSS with
        ``expression(`` or ``javascript:``, and markup the parser cannot read. When it finds none,
        what the allowlist would remove (:func:`check_allowlist`). Empty when the HTML is safe.
    """
    problems = _Checker(html).run()
    if problems:
        # Named precisely already; the allowlist would only repeat them less clearly.
        return sorted(problems, key=lambda problem: problem.line)
    return check_allowlist(html)


def describe(problems: list[HtmlProblem]) -> str:
    """Summarise ``problems`` in one line, e.g. ``html contains <script> (line 3); onclick on <a> (line 5)``.

    Returns ``html contains no unsafe content`` when there is no problem.
    """
    if not problems:
        return "html contains no unsafe content"
    listed = "; ".join(f"{problem.detail} (line {problem.line})" for problem in problems)
    if all(problem.kind == NOT_ALLOWED for problem in problems):
        return "html has what e-mail does not allow; the sanitiser would remove: " + listed
    return "html contains " + listed
