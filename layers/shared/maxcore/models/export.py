"""CSV exports: what a user asks for, the export's record as the worker moves it, and the API's view."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from maxcore.models.common import LazyModel, StrictModel, Ulid
from maxcore.models.lead import LeadStatus

MAX_PERIOD_DAYS = 366
"""The longest period an interactions export covers."""


class ExportKind(StrEnum):
    """What an export holds."""

    LEADS = "leads"
    PROSPECTS = "prospects"
    INTERACTIONS = "interactions"
    ANALYTICS = "analytics"


ADMIN_KINDS = frozenset({ExportKind.LEADS, ExportKind.INTERACTIONS})
"""Kinds only an admin may export or download: every lead's contacts, or every message of the tenant."""


class ExportState(StrEnum):
    """Where an export is: ``expired`` is a ``ready`` export whose file is gone (the API's reading)."""

    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


_FIELDS_OF_KIND: dict[ExportKind, frozenset[str]] = {
    ExportKind.LEADS: frozenset({"status", "tag", "q"}),
    ExportKind.PROSPECTS: frozenset({"campaign_id"}),
    ExportKind.INTERACTIONS: frozenset({"since", "until"}),
    ExportKind.ANALYTICS: frozenset({"campaign_id"}),
}
_REQUIRED_OF_KIND: dict[ExportKind, frozenset[str]] = {
    ExportKind.PROSPECTS: frozenset({"campaign_id"}),
    ExportKind.INTERACTIONS: frozenset({"since", "until"}),
    ExportKind.ANALYTICS: frozenset({"campaign_id"}),
}


def _one_kind_with_its_filters(schema: dict[str, Any]) -> None:
    """``json_schema_extra``: each kind with its own filters only, the required ones not null."""
    every = set().union(*_FIELDS_OF_KIND.values())
    variants = []
    for kind, fields in _FIELDS_OF_KIND.items():
        required = sorted(_REQUIRED_OF_KIND.get(kind, ()))
        properties: dict[str, Any] = {"kind": {"const": kind.value}}
        properties.update({name: {"type": "null"} for name in sorted(every - fields)})
        properties.update({name: {"not": {"type": "null"}} for name in required})
        variants.append({"properties": properties, "required": ["kind", *required]})
    schema["oneOf"] = variants


# Every filter is validated even when left out (``validate_default``): a required one missing is named
# in the 422 like a wrong one.
class CreateExportRequest(StrictModel):
    """An export to produce: its kind and the filters of that kind (others are refused)."""

    model_config = ConfigDict(json_schema_extra=_one_kind_with_its_filters)

    kind: ExportKind
    status: LeadStatus | None = Field(
        default=None, validate_default=True, description="`leads`: only leads in this status."
    )
    tag: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, validate_default=True, description="`leads`: only leads with this tag."
    )
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        validate_default=True,
        description="`leads`: free text on name, e-mail, phone (as `GET /leads`).",
    )
    campaign_id: Ulid | None = Field(
        default=None, validate_default=True, description="`prospects` and `analytics`: the campaign."
    )
    since: date | None = Field(
        default=None,
        validate_default=True,
        description="`interactions`: the first day of the period (the tenant's time zone).",
    )
    until: date | None = Field(
        default=None,
        validate_default=True,
        description=f"`interactions`: the last day, included; at most {MAX_PERIOD_DAYS} days.",
    )

    @field_validator("status", "tag", "q", "campaign_id", "since", "until", mode="after")
    @classmethod
    def _belongs_to_the_kind(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is None or info.field_name is None:
            return value
        if value is None and info.field_name in _REQUIRED_OF_KIND.get(kind, ()):
            raise ValueError(f"required for an export of kind {kind.value}")
        if value is not None and info.field_name not in _FIELDS_OF_KIND[kind]:
            raise ValueError(f"not a filter of an export of kind {kind.value}")
        since = info.data.get("since")
        if info.field_name == "until" and value is not None and since is not None:
            if value < since:
                raise ValueError("the period ends before it starts")
            if (value - since).days >= MAX_PERIOD_DAYS:
                raise ValueError(f"the period is at most {MAX_PERIOD_DAYS} days")
        return value

    def filters(self) -> dict[str, str]:
        """The filters given, as text (what the export's record keeps)."""
        values = self.model_dump(mode="json", exclude={"kind"}, exclude_none=True)
        return {name: str(value) for name, value in values.items()}


class Upload(LazyModel):
    """An export's file as uploaded so far: the S3 multipart upload, and where its rows stopped."""

    id: str
    """The S3 upload id."""
    parts: list[str] = Field(default_factory=list)
    """The ETag of each part uploaded, part 1 first."""
    cursor: str | None = None
    """Where the rows of the next part start (the position after the last row uploaded)."""
    written: int = 0
    """Data rows in the parts uploaded."""


class Export(LazyModel):
    """An export as the domain sees it."""

    id: Ulid
    kind: ExportKind
    state: ExportState
    filters: dict[str, str] = Field(default_factory=dict)
    created_by: str
    created_at: datetime
    slot: int | None = None
    """Which of the tenant's export slots it holds while queued or running."""
    attempt: int = 0
    """How many times a worker claimed it (a crash half-way makes the next one start again)."""
    lease_until: datetime | None = None
    """While running: until when the worker that claimed it owns it."""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    rows: int | None = None
    file_expires_at: datetime | None = None
    error: str | None = None
    """Why it failed: a code (``campaign_not_found``)."""
    upload: Upload | None = None
    """While running: the file's upload so far, where the next invocation carries on."""


class ExportResponse(LazyModel):
    """An export as the API shows it; ``download_url`` while its file is there."""

    id: str
    kind: ExportKind
    state: ExportState
    filters: dict[str, str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rows: int | None = Field(description="Data rows of the file (the header aside), once ready.")
    file_expires_at: datetime | None = Field(description="When the file is deleted (ready exports).")
    download_url: str | None = Field(
        description="A signed link to the CSV, valid 15 minutes: read the export again for a new one."
    )
    download_url_expires_at: datetime | None
    error: str | None = Field(description="Why it failed, in the tenant's language.")


class ExportPage(LazyModel):
    """A page of exports, newest first."""

    items: list[ExportResponse]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )
