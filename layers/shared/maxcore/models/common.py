"""Types shared by every model: identifiers, channels, the error envelope, pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
TENANT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"

Ulid = Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
"""A ULID as the API shows it: 26 upper-case Crockford base32 characters."""

TenantId = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN)]
"""A tenant id: lower-case letters, digits and dashes (no ``#`` or ``_``, which keys reserve)."""

# Cursors are what a client passes back from `next_cursor`; their patterns are in the OpenAPI document,
# so a generated client (and the contract run) knows what one looks like. Only ids and times go in: the
# partition is always rebuilt from the caller's own claims, so a forged cursor cannot reach another
# tenant, at most another place in the caller's own list.
_ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z"
_ULID_BODY = ULID_PATTERN.strip("^$")
CURSOR_PATTERN = ULID_PATTERN
"""Cursor of a list by id: the id of the last item of the previous page."""
POSITION_CURSOR_PATTERN = rf"^{_ISO_TIME}_{_ULID_BODY}$"
"""Cursor of a time-ordered list: ``<time of the last item>_<its id>``."""
ALERT_CURSOR_PATTERN = rf"^(\d_)?{_ISO_TIME}_{_ULID_BODY}$"
"""Cursor of the alerts: ``[<severity rank>_]<time>_<alert id>``."""
DUE_CURSOR_PATTERN = rf"^{_ISO_TIME}#{_ULID_BODY}#{_ULID_BODY}$"
"""Where a run of the due index stopped: the due key of its last step, ``<due time>#<campaign>#<lead>``."""

# Control characters: C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F). A NUL cuts strings short
# in the tools and providers downstream (SMS gateways, CSV exports, terminals), and the others are
# invisible in the front end yet change what a message says. Tab, line feed and carriage return are text.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
LINE_PATTERN = r"^[^\x00-\x08\x0a-\x1f\x7f-\x9f]*$"
_LINE_BREAKS = "\n\r"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
"""A month, ``YYYY-MM``: the periods of the survey analytics, a month of the token ledger."""

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
"""Free text a user typed (notes, bodies, descriptions): no control character but tab and line breaks.

Add the length where it is used, ``Annotated[Text, StringConstraints(max_length=2000)]``: the pattern
is in the OpenAPI document, so clients and the contract run know the rule.
"""

Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]
"""Single-line free text (names, subjects): as :data:`Text`, and no line break either."""


def control_character_problem(value: str, pattern: str) -> str | None:
    """Why ``value`` breaks :data:`Text` or :data:`Line` (``pattern``), in a sentence; None if it does not."""
    if pattern not in (TEXT_PATTERN, LINE_PATTERN):
        return None
    for position, character in enumerate(value):
        code = ord(character)
        if pattern == LINE_PATTERN and character in _LINE_BREAKS:
            return f"must be a single line: line break (U+{code:04X}) at position {position}"
        if (code < 0x20 and character not in "\t" + _LINE_BREAKS) or 0x7F <= code <= 0x9F:
            return f"contains a control character (U+{code:04X}) at position {position}"
    return None


class Channel(StrEnum):
    """A messaging channel a lead can be reached on."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    TELEGRAM = "telegram"


class Role(StrEnum):
    """A user's role in a tenant, from the JWT ``role`` claim."""

    ADMIN = "admin"
    MEMBER = "member"


class LazyModel(BaseModel):
    """Base of every model: its validator and serializer are built on first use, not when it is defined.

    A function's modules define many more models than one of its requests uses (every entity, request
    and response its services name); building them all at import was most of a cold start's own cost.
    """

    model_config = ConfigDict(defer_build=True)


class StrictModel(LazyModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(LazyModel):
    """What went wrong, for people and for programs."""

    code: str = Field(description="Stable machine-readable code, e.g. `validation_error`.")
    message: str = Field(description="A sentence saying what is wrong.")
    details: Any = Field(default_factory=dict, description="Field-level details, when there are some.")


class ErrorResponse(LazyModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorBody


def partial_change(
    *not_null: str, at_least_one: bool = True, besides: tuple[str, ...] = ()
) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a PATCH body: the rules its validators enforce, stated in the schema.

    A field of a partial change is optional, so pydantic documents it as nullable; the fields named in
    ``not_null`` may be left out but never sent as null (the model's validator refuses it), and with
    ``at_least_one`` an empty change is refused: at least one field other than ``besides`` is required.
    """

    def extra(schema: dict[str, Any]) -> None:
        properties: dict[str, Any] = schema["properties"]
        for name in not_null:
            properties[name] = _without_null(properties[name])
        if at_least_one and besides:
            schema["anyOf"] = [{"required": [name]} for name in properties if name not in besides]
        elif at_least_one:
            schema["minProperties"] = 1

    return extra


def _without_null(field: dict[str, Any]) -> dict[str, Any]:
    branches = field.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return field
    others = [branch for branch in branches if branch != {"type": "null"}]
    outer = {key: value for key, value in field.items() if key not in ("anyOf", "default")}
    return {**others[0], **outer} if len(others) == 1 else {**outer, "anyOf": others}


# eq=False: hashed by identity, since typing hashes Annotated metadata and a keyword may hold a list.
@dataclass(frozen=True, eq=False)
class SchemaHint:
    """JSON-schema keywords for a rule a validator of the type already enforces (``format: email``).

    Put on an ``Annotated`` type next to that validator: the document states the rule while the
    validator keeps its own, clearer message (``unknown timezone 'X': use an IANA name...``).
    """

    keywords: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, **keywords: Any) -> SchemaHint:
        """A hint adding ``keywords`` to the type's schema."""
        return cls(tuple(keywords.items()))

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(dict(self.keywords))
        return schema


def exactly_one_of(*names: str) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a body that takes exactly one of ``names`` (the others left out or null)."""

    def extra(schema: dict[str, Any]) -> None:
        schema["oneOf"] = [
            {
                "required": [name],
                "properties": {
                    other: {"not": {"type": "null"}} if other == name else {"type": "null"} for other in names
                },
            }
            for name in names
        ]

    return extra


def at_least_one_of(*names: str) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a body that needs at least one of ``names`` sent and not null."""

    def extra(schema: dict[str, Any]) -> None:
        schema["anyOf"] = [
            {"required": [name], "properties": {name: {"not": {"type": "null"}}}} for name in names
        ]

    return extra


def only_when(field: str, value: str, *names: str) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a body whose fields ``names`` are for ``field == value`` only.

    Either ``field`` is ``value``, or each of ``names`` is left out or null: an ``anyOf`` every
    generator and hypothesis-jsonschema read, where ``if``/``then`` is not always supported.
    """

    def extra(schema: dict[str, Any]) -> None:
        schema["anyOf"] = [
            {"properties": {field: {"const": value}}},
            {"properties": {name: {"type": "null"} for name in names}},
        ]

    return extra
