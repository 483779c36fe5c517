"""Template rules: placeholders, what a template may contain, what it needs to activate, rendering.

Pure functions, no I/O. A placeholder is ``{{name}}`` or ``{{name|fallback}}``; the name is one of
the lead's or the tenant's fields (:data:`LEAD_VARIABLES`, :data:`TENANT_VARIABLES`) or a custom
variable the template declares.

Two levels of checks:

- :func:`content_problems`, on every write: what no draft may contain (an unknown or malformed
  placeholder, unsafe HTML, HTML or a subject outside e-mail, a body over the channel's hard limit);
- :func:`activation_problems`, before a draft becomes active: all of the above, plus what a sendable
  template needs (an e-mail subject, an SMS of at most 10 segments, a WhatsApp body of at most 1024
  characters).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from maxcore.models.common import Channel
from maxcore.models.template import Problem, SmsInfo, TemplateContent
from maxcore.rules import html as html_rules
from maxcore.rules import sms as sms_rules
from maxcore.rules.language import language_of

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]{0,39})\s*(?:\|([^{}]*))?\}\}")
"""``{{name}}`` or ``{{name|fallback}}``; spaces around the name are tolerated."""

LEAD_VARIABLES: dict[str, str] = {
    "firstName": "first_name",
    "lastName": "last_name",
    "fullName": "full_name",
    "company": "company",
    "email": "email",
    "phone": "phone",
}
"""Placeholders filled from the lead, and the lead field each reads."""

TENANT_VARIABLES: dict[str, str] = {"companyName": "name"}
"""Placeholders filled from the tenant (the sender's company)."""

BUILTIN_VARIABLES = frozenset(LEAD_VARIABLES) | frozenset(TENANT_VARIABLES)

HARD_LIMITS: dict[Channel, int] = {
    # Beyond these no provider takes the message at all (Twilio bodies: 1600 characters;
    # Telegram messages: 4096); e-mail bodies are bounded to keep items well under 400 KB.
    Channel.SMS: 1600,
    Channel.WHATSAPP: 4096,
    Channel.TELEGRAM: 4096,
    Channel.EMAIL: 50_000,
}
WHATSAPP_MAX_BODY = 1024
"""WhatsApp template bodies are at most 1024 characters."""

_A = {
    Channel.SMS: "an SMS",
    Channel.WHATSAPP: "a WhatsApp",
    Channel.TELEGRAM: "a Telegram",
    Channel.EMAIL: "an e-mail",
}

SMS_ESTIMATE_VARIABLE_LENGTH = 10
"""Characters assumed for a variable without fallback when estimating an SMS template's segments."""


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as written."""

    name: str
    fallback: str | None
    text: str


def placeholders(text: str | None) -> list[Placeholder]:
    """Every well-formed placeholder of ``text``, in order."""
    if not text:
        return []
    return [Placeholder(m.group(1), m.group(2), m.group(0)) for m in PLACEHOLDER.finditer(text)]


def placeholder_names(content: TemplateContent) -> list[str]:
    """The distinct placeholder names of a content (subject, body, HTML), in first-use order."""
    names: dict[str, None] = {}
    for text in (content.subject, content.body, content.html):
        for placeholder in placeholders(text):
            names.setdefault(placeholder.name, None)
    return list(names)


def malformed_placeholders(text: str | None, *, css: bool = False) -> list[str]:
    """Fragments that look like placeholders but are not well formed (``{{first name}}``, ``{{x``).

    ``css``: the text is HTML whose ``<style>`` may close nested blocks with ``}}`` (``@media``), so
    only a stray opening ``{{`` counts there.
    """
    if not text:
        return []
    rest = PLACEHOLDER.sub("", text)
    pattern = r"\{\{[^}]{0,40}\}?\}?" if css else r"\{\{[^}]{0,40}\}?\}?|\}\}"
    return [match.group(0) for match in re.finditer(pattern, rest)][:10]


def _problem(code: str, field_name: str, message: str, **details: Any) -> Problem:
    return Problem(code=code, field=field_name, message=message, details=details)


def content_problems(channel: Channel, content: TemplateContent) -> list[Problem]:
    """What makes a content unfit to be stored at all, even as a draft."""
    problems: list[Problem] = []
    texts = {"subject": content.subject, "body": content.body, "html": content.html}
    declared = set(content.variables)
    for field_name, text in texts.items():
        for fragment in malformed_placeholders(text, css=field_name == "html"):
            problems.append(
                _problem(
                    "malformed_placeholder",
                    field_name,
                    f"{fragment!r} is not a placeholder; write {{{{name}}}} or {{{{name|fallback}}}}",
                    fragment=fragment,
                )
            )
        unknown: dict[str, None] = {}
        for placeholder in placeholders(text):
            if placeholder.name not in BUILTIN_VARIABLES and placeholder.name not in declared:
                unknown.setdefault(placeholder.name, None)
        for name in unknown:
            problems.append(
                _problem(
                    "unknown_variable",
                    field_name,
                    f"unknown variable {{{{{name}}}}}: use a lead or tenant field "
                    f"({', '.join(sorted(BUILTIN_VARIABLES))}) or declare it in variables",
                    variable=name,
                )
            )
    shadowing = sorted(declared & BUILTIN_VARIABLES)
    if shadowing:
        problems.append(
            _problem(
                "reserved_variable",
                "variables",
                f"{', '.join(shadowing)} already come from the lead or the tenant; do not declare them",
                variables=shadowing,
            )
        )
    if channel is not Channel.EMAIL:
        for field_name in ("subject", "html"):
            if texts[field_name] is not None:
                problems.append(
                    _problem(
                        "not_for_channel",
                        field_name,
                        f"{_A[channel]} template has no {field_name}; only e-mail templates do",
                        channel=channel.value,
                    )
                )
    limit = HARD_LIMITS[channel]
    if len(content.body) > limit:
        problems.append(
            _problem(
                "too_long",
                "body",
                f"the body is {len(content.body)} characters; {_A[channel]} body is at most {limit}",
                length=len(content.body),
                limit=limit,
            )
        )
    if content.html is not None:
        unsafe = html_rules.check_html(content.html)
        if unsafe:
            problems.append(
                _problem(
                    "unsafe_html",
                    "html",
                    html_rules.describe(unsafe),
                    problems=[{"kind": p.kind, "detail": p.detail, "line": p.line} for p in unsafe],
                )
            )
    return problems


def sms_estimate(body: str) -> sms_rules.SmsReport:
    """Encoding and segments of an SMS template, each variable counted as its fallback or 10 characters."""

    def sample(match: re.Match[str]) -> str:
        fallback = match.group(2)
        return fallback if fallback is not None else "x" * SMS_ESTIMATE_VARIABLE_LENGTH

    return sms_rules.analyse(PLACEHOLDER.sub(sample, body))


def sms_info(report: sms_rules.SmsReport) -> SmsInfo:
    """The API view of an SMS report."""
    return SmsInfo(
        encoding=report.encoding.value,
        units=report.units,
        segments=report.segments,
        per_segment=report.per_segment,
        non_gsm_characters=list(report.non_gsm_characters),
    )


def activation_problems(channel: Channel, content: TemplateContent) -> list[Problem]:
    """What stops a content from becoming active (empty: it may be activated)."""
    problems = content_problems(channel, content)
    if channel is Channel.EMAIL and not content.subject:
        problems.append(_problem("subject_required", "subject", "an e-mail template needs a subject"))
    if channel is Channel.SMS:
        report = sms_estimate(content.body)
        if report.segments > sms_rules.MAX_SEGMENTS:
            problems.append(
                _problem(
                    "too_many_segments",
                    "body",
                    f"this SMS takes {report.segments} {report.encoding.value} segments; "
                    f"the limit is {sms_rules.MAX_SEGMENTS}",
                    segments=report.segments,
                    encoding=report.encoding.value,
                    limit=sms_rules.MAX_SEGMENTS,
                )
            )
    if channel is Channel.WHATSAPP and len(content.body) > WHATSAPP_MAX_BODY:
        problems.append(
            _problem(
                "too_long",
                "body",
                f"a WhatsApp template body is at most {WHATSAPP_MAX_BODY} characters; "
                f"this one has {len(content.body)}",
                length=len(content.body),
                limit=WHATSAPP_MAX_BODY,
            )
        )
    return problems


# --- what may leave -----------------------------------------------------------------------------
SUBJECT_MAX = 200
"""The longest e-mail subject a message may carry (what a send request accepts)."""
BODY_MAX = 4000
"""The longest body a send request carries, whatever the channel allows."""
TWILIO_BODY_MAX = 1600
"""Twilio refuses a message body over 1600 characters, WhatsApp's included."""

LEFTOVER = re.compile(
    r"\{\{|\}\}"  # a placeholder not filled in, or a stray half of one
    r"|\[[^\W\d_][^\[\]\d\n:/]{0,39}\](?!\()"  # a model's blank to fill: [Prénom], [Your name]
    r"|\blorem\b",  # filler text
    re.IGNORECASE,
)
"""What a finished message never holds; a Markdown link's ``[text](url)`` is not a blank."""


def unsendable(channel: Channel, body: str, subject: str | None, *, locale: str) -> str | None:
    """Why a written message may not go as it is, or ``None`` when it may.

    The one check every written message passes before it leaves, whoever wrote it (a model, a
    template filled in).

    Parameters
    ----------
    channel
        The channel it would go on.
    body, subject
        The message as written (filled in, or from the model); ``subject`` for e-mail only.
    locale
        The language it must be written in (the tenant's, ``fr`` or ``en``).

    Returns
    -------
    str | None
        ``placeholder_left`` (a ``{{`` or ``}}``, a bracketed blank such as ``[Prénom]``, or "lorem"
        still in it), ``subject`` (an e-mail without one, or one too long), ``too_many_segments``
        (an SMS over :data:`maxcore.rules.sms.MAX_SEGMENTS`), ``too_long`` (over the channel's
        limit: Twilio's 1600 characters for WhatsApp, else the channel's hard limit or
        :data:`BODY_MAX`), ``wrong_language`` (French where English is expected, or the other way
        round; see :mod:`maxcore.rules.language`); ``None`` when none of these.
    """
    if any(text and LEFTOVER.search(text) for text in (subject, body)):
        return "placeholder_left"
    if channel is Channel.EMAIL and (not subject or len(subject) > SUBJECT_MAX):
        return "subject"
    if channel is Channel.SMS and sms_rules.analyse(body).segments > sms_rules.MAX_SEGMENTS:
        return "too_many_segments"
    if len(body) > _sendable_length(channel):
        return "too_long"
    written_in = language_of(f"{subject}\n{body}" if subject else body)
    if written_in is not None and written_in != locale:
        return "wrong_language"
    return None


def _sendable_length(channel: Channel) -> int:
    """The longest body a message on ``channel`` may have."""
    provider = TWILIO_BODY_MAX if channel in (Channel.SMS, Channel.WHATSAPP) else HARD_LIMITS[channel]
    return min(provider, BODY_MAX)


# --- rendering ----------------------------------------------------------------------------------
@dataclass
class Rendered:
    """A filled-in content, and which variables had to fall back or stayed empty."""

    subject: str | None
    body: str
    html: str | None
    fallbacks: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def lead_values(lead: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder values from a lead's fields (``first_name``...); empty fields are left out."""
    full = " ".join(str(lead[k]) for k in ("first_name", "last_name") if lead.get(k))
    source = {**lead, "full_name": full}
    values = {}
    for name, attribute in LEAD_VARIABLES.items():
        value = source.get(attribute)
        if value:
            values[name] = str(value)
    return values


def tenant_values(tenant: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder values from the tenant's fields."""
    return {name: str(tenant[attr]) for name, attr in TENANT_VARIABLES.items() if tenant.get(attr)}


def render(content: TemplateContent, values: Mapping[str, str]) -> Rendered:
    """Fill every placeholder: its value, else its fallback, else nothing (and say which).

    Values are inserted as they are in the subject and the text body, HTML-escaped in the HTML.
    """
    fallbacks: dict[str, None] = {}
    missing: dict[str, None] = {}

    def fill(text: str | None, escape: bool) -> str | None:
        if text is None:
            return None

        def one(match: re.Match[str]) -> str:
            name, fallback = match.group(1), match.group(2)
            value = values.get(name, "").strip()
            if not value:
                if fallback is not None:
                    fallbacks.setdefault(name, None)
                    value = fallback
                else:
                    missing.setdefault(name, None)
            return html_lib.escape(value) if escape else value

        return PLACEHOLDER.sub(one, text)

    subject = fill(content.subject, escape=False)
    body = fill(content.body, escape=False) or ""
    rendered_html = fill(content.html, escape=True)
    return Rendered(subject, body, rendered_html, list(fallbacks), list(missing))
