"""The evaluation corpus: one reply per line of ``corpus.jsonl``, with its expected label."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from maxcore.models.intent import Intent

CORPUS = Path(__file__).with_name("corpus.jsonl")
LABELS: tuple[str, ...] = tuple(intent.value for intent in Intent)
LANGUAGES = ("fr", "en")
STYLES = ("sms", "whatsapp", "email", "telegram")
_REQUIRED = frozenset({"text", "label", "lang", "style"})
_OPTIONAL = frozenset({"note", "received_at", "return_date"})


class CorpusError(ValueError):
    """A line of the corpus is not a valid reply."""


@dataclass(frozen=True)
class Reply:
    """A reply as a prospect wrote it, and what a careful sales rep reads in it."""

    line: int
    text: str
    label: str
    lang: str
    style: str
    note: str | None = None
    received_at: datetime | None = None
    return_date: date | None = None


def load(path: Path = CORPUS) -> list[Reply]:
    """Every reply of the corpus at ``path``, in file order; raise :class:`CorpusError` on a bad line."""
    replies = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip():
            try:
                replies.append(_reply(number, json.loads(raw)))
            except (ValueError, TypeError) as error:
                raise CorpusError(f"{path.name}:{number}: {error}") from error
    return replies


def _reply(number: int, fields: Any) -> Reply:
    if not isinstance(fields, dict):
        raise TypeError("a line is one JSON object")
    keys = set(fields)
    if missing := _REQUIRED - keys:
        raise ValueError(f"missing {sorted(missing)}")
    if unknown := keys - _REQUIRED - _OPTIONAL:
        raise ValueError(f"unknown {sorted(unknown)}")
    text = fields["text"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    reply = Reply(
        line=number,
        text=text,
        label=_one_of("label", fields["label"], LABELS),
        lang=_one_of("lang", fields["lang"], LANGUAGES),
        style=_one_of("style", fields["style"], STYLES),
        note=fields.get("note"),
        received_at=_instant(fields.get("received_at")),
        return_date=date.fromisoformat(fields["return_date"]) if "return_date" in fields else None,
    )
    if reply.return_date and (reply.received_at is None or reply.label != Intent.OUT_OF_OFFICE):
        raise ValueError("a return_date belongs to an out_of_office reply with its received_at")
    return reply


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"received_at {value!r} has no UTC offset")
    return instant
