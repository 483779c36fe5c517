"""The tenant: one business using M.A.X., with its plan, autonomy mode and preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Self
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

from maxcore.models.common import LazyModel, Line, SchemaHint, StrictModel, TenantId, Text, partial_change
from maxcore.models.contact import DEFAULT_COUNTRY, check_country, known_countries


class Plan(StrEnum):
    """Subscription plan; sets the monthly token allowance."""

    STANDARD = "standard"
    PRO = "pro"
    STUDIO = "studio"


class Mode(StrEnum):
    """How far the assistant may act on its own."""

    ADVISE = "advise"
    ASSISTED = "assisted"
    AUTO = "auto"


class Locale(StrEnum):
    """Language of the texts shown to the tenant's users."""

    FR = "fr"
    EN = "en"


# Names the zone database holds that are not IANA zones a business could be in.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@cache
def _known_timezones() -> frozenset[str]:
    # Read once per process: the first call walks the zone database (about 20 ms).
    return frozenset(available_timezones() - _NOT_ZONES)


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA timezone (``Europe/Paris``), else raise ``ValueError``.

    Parameters
    ----------
    name
        The timezone as a client wrote it; case matters, as in the IANA database.

    Raises
    ------
    ValueError
        With a message saying what a valid value looks like.
    """
    if name not in _known_timezones():
        raise ValueError(f"unknown timezone {name!r}: use an IANA name such as Europe/Paris")
    return name


# What an IANA zone name looks like (Europe/Paris, America/Argentina/Buenos_Aires, Etc/GMT+5, UTC): the
# document states the shape; the names themselves (about 600) are checked against the zone database.
TIMEZONE_PATTERN = r"^[A-Z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$"

Timezone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(check_timezone),
    SchemaHint.of(
        pattern=TIMEZONE_PATTERN,
        description="An IANA time zone name from the tz database, e.g. Europe/Paris.",
        examples=["Europe/Paris"],
    ),
]
"""An IANA timezone name, checked against the zone database."""


class _KnownCountries:
    """Lists the regions the phone library knows as the schema's enum, so clients know them too.

    Computed when the OpenAPI document is built, not at import: the list comes from phonenumbers.
    """

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = known_countries()
        return schema


Country = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(check_country), _KnownCountries()
]
"""An ISO 3166 alpha-2 region the phone library knows (``FR``, ``BE``, ``GB``)."""

COUNTRY_DESCRIPTION = (
    "ISO 3166 alpha-2 code (FR, BE, GB...): national phone numbers (06 12 34 56 78) are read as "
    "numbers of this country, everywhere a number is read (leads, CSV imports, search, blacklist)."
)

TenantName = Annotated[Line, StringConstraints(min_length=1, max_length=100)]

# Bounds of the alert thresholds, shared by the settings and their partial change.
Days365 = Annotated[int, Field(ge=1, le=365)]
Days730 = Annotated[int, Field(ge=1, le=730)]
Hours168 = Annotated[int, Field(ge=1, le=168)]
WindowDays = Annotated[int, Field(ge=7, le=365)]
MinSent = Annotated[int, Field(ge=1, le=50)]
GapPoints = Annotated[int, Field(ge=0, le=100)]

Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
"""A time of day, ``HH:MM`` on 24 hours."""


class AlertThresholds(LazyModel):
    """Thresholds of the living alerts, with the product's defaults."""

    no_contact_days: Days365 = 7
    no_reply_days: Days365 = 3
    no_followup_days: Days365 = 7
    hot_lead_hours: Hours168 = 24
    stale_lead_days: Days730 = 30
    preferred_channel_window_days: WindowDays = 30
    preferred_channel_min_sent: MinSent = 2
    preferred_channel_min_gap_points: GapPoints = 30


class SendWindow(LazyModel):
    """Default days and hours, in the tenant's timezone, when messages may leave."""

    days: list[Weekday] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        min_length=1,
        max_length=7,
        description="0 = Monday",
        json_schema_extra={"uniqueItems": True},
    )
    start: ClockTime = "09:00"
    end: ClockTime = "18:00"

    @field_validator("days")
    @classmethod
    def _unique_days(cls, days: list[int]) -> list[int]:
        if len(set(days)) != len(days):
            raise ValueError("days must not repeat")
        return sorted(days)

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        # "HH:MM" strings of the same width compare as times.
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


LEGAL_MARKETING_START, LEGAL_MARKETING_END = "08:00", "20:00"
"""The widest hours a marketing SMS or WhatsApp may reach a recipient in, on the recipient's clock."""


class MarketingHours(LazyModel):
    """The hours, on the recipient's clock, marketing SMS and WhatsApp may arrive in (08:00-20:00 at most)."""

    model_config = ConfigDict(extra="forbid")

    start: ClockTime = LEGAL_MARKETING_START
    end: ClockTime = LEGAL_MARKETING_END

    @model_validator(mode="after")
    def _within_the_legal_hours(self) -> Self:
        # "HH:MM" strings of the same width compare as times.
        if self.start < LEGAL_MARKETING_START or self.end > LEGAL_MARKETING_END:
            raise ValueError(
                f"marketing hours can only narrow {LEGAL_MARKETING_START}-{LEGAL_MARKETING_END}, "
                f"got {self.start}-{self.end}"
            )
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


ProfileLine = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProfileText = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Signature = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Website = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^https?://[^\s/$.?#][^\s]*$")
]


class BusinessProfile(LazyModel):
    """What the tenant sells and how it speaks: the assistant writes every message from it.

    Every field is optional: a tenant fills what it knows, and the prompt leaves out what is missing.
    """

    model_config = ConfigDict(extra="forbid")

    offer: ProfileText | None = Field(
        default=None,
        description="What the business sells.",
        examples=["Soins du visage et épilation laser"],
    )
    audience: ProfileText | None = Field(
        default=None, description="To whom it sells.", examples=["Femmes actives de 25 à 55 ans à Lyon"]
    )
    value: ProfileText | None = Field(
        default=None,
        description="The value it brings its customers.",
        examples=["Des résultats visibles dès la première séance"],
    )
    tone: ProfileLine | None = Field(
        default=None,
        description="The tone of its messages.",
        examples=["chaleureux, vouvoiement"],
    )
    signature: Signature | None = Field(
        default=None,
        description="The sender's signature, appended to every e-mail.",
        examples=["Camille Martin\nInstitut Belle Peau\n04 78 00 00 00"],
    )
    website: Website | None = Field(default=None, description="Its website (http or https).")

    def is_empty(self) -> bool:
        """Whether no field is filled."""
        return not any(self.model_dump().values())


class Tenant(LazyModel):
    """A tenant as the domain sees it."""

    id: TenantId
    name: str
    plan: Plan = Plan.STANDARD
    mode: Mode = Mode.ASSISTED
    locale: Locale = Locale.FR
    timezone: str = "Europe/Paris"
    default_country: str = DEFAULT_COUNTRY
    alert_thresholds: AlertThresholds = Field(default_factory=AlertThresholds)
    send_window: SendWindow = Field(default_factory=SendWindow)
    marketing_hours: MarketingHours = Field(default_factory=MarketingHours)
    business_profile: BusinessProfile = Field(default_factory=BusinessProfile)
    auto_mode_confirmed_at: datetime | None = None
    auto_mode_confirmed_by: str | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1


# --- API schemas ---------------------------------------------------------------------------------


class AlertThresholdsChange(StrictModel):
    """Some alert thresholds: the keys sent replace the current values, the others stay."""

    no_contact_days: Days365 | None = None
    no_reply_days: Days365 | None = None
    no_followup_days: Days365 | None = None
    hot_lead_hours: Hours168 | None = None
    stale_lead_days: Days730 | None = None
    preferred_channel_window_days: WindowDays | None = None
    preferred_channel_min_sent: MinSent | None = None
    preferred_channel_min_gap_points: GapPoints | None = None

    model_config = ConfigDict(
        json_schema_extra=partial_change(
            "no_contact_days",
            "no_reply_days",
            "no_followup_days",
            "hot_lead_hours",
            "stale_lead_days",
            "preferred_channel_window_days",
            "preferred_channel_min_sent",
            "preferred_channel_min_gap_points",
            at_least_one=False,
        )
    )

    # Runs only on the keys sent (defaults are not validated): a null sent is refused by name.
    @field_validator("*")
    @classmethod
    def _not_null(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            raise ValueError(f"{info.field_name} cannot be null")
        return value

    def changes(self) -> dict[str, int]:
        """The thresholds the client sent, with their new values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class SendWindowChange(SendWindow):
    """A new default send window; it replaces the current one whole, so every field is required."""

    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(
        min_length=1,
        max_length=7,
        description="0 = Monday ... 6 = Sunday",
        json_schema_extra={"uniqueItems": True},
    )
    start: ClockTime
    end: ClockTime


_NOT_NULLABLE = (
    "name",
    "mode",
    "locale",
    "timezone",
    "default_country",
    "alert_thresholds",
    "send_window",
    "marketing_hours",
    "business_profile",
)


MARKETING_HOURS_DESCRIPTION = (
    "When marketing SMS and WhatsApp may reach a recipient, on the recipient's clock, Monday to "
    "Saturday except public holidays: 08:00-20:00 at most, narrower if the tenant wishes."
)


BUSINESS_PROFILE_DESCRIPTION = (
    "What the business sells, to whom, the value it brings, its tone, the sender's signature and its "
    "website: the assistant writes from it. A change replaces the whole profile (unsent fields are cleared)."
)


class UpdateTenantRequest(StrictModel):
    """A partial change of the tenant's settings: only the fields sent change.

    The plan is not here: it follows the subscription and changes through billing only.
    """

    model_config = ConfigDict(
        json_schema_extra=partial_change(*_NOT_NULLABLE, besides=("confirm_auto_mode",))
    )

    name: TenantName | None = None
    mode: Mode | None = Field(
        default=None,
        description="advise: reads and suggests only; assisted: prepares, a user approves each send; "
        "auto: sends and runs automations without approval.",
    )
    locale: Locale | None = None
    timezone: Timezone | None = Field(default=None, description="IANA name, e.g. Europe/Paris.")
    default_country: Country | None = Field(default=None, description=COUNTRY_DESCRIPTION, examples=["BE"])
    alert_thresholds: AlertThresholdsChange | None = None
    send_window: SendWindowChange | None = None
    marketing_hours: MarketingHours | None = Field(default=None, description=MARKETING_HOURS_DESCRIPTION)
    business_profile: BusinessProfile | None = Field(default=None, description=BUSINESS_PROFILE_DESCRIPTION)
    confirm_auto_mode: bool = Field(
        default=False,
        description='Required with "mode": "auto" the first time the tenant switches to auto mode.',
    )
    # Hidden from the document (the schema forbids extra fields anyway): only here to answer a
    # plan change with a clearer message than "extra inputs are not permitted".
    plan: SkipJsonSchema[Any] = None

    @field_validator("plan")
    @classmethod
    def _plan_is_read_only(cls, _: Any) -> None:
        raise ValueError("plan cannot be changed here: it follows the subscription (billing)")

    # Runs only on the fields sent (defaults are not validated): a null sent is refused by name.
    @field_validator(*_NOT_NULLABLE)
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            raise ValueError(f"{info.field_name} cannot be null")
        return value

    @field_validator("confirm_auto_mode")
    @classmethod
    def _confirms_auto(cls, confirm: bool, info: ValidationInfo) -> bool:
        # Fields validate in declaration order: a valid "mode" is already in info.data.
        if confirm and info.data.get("mode") is not Mode.AUTO:
            raise ValueError('confirm_auto_mode goes with "mode": "auto"')
        return confirm

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set - {"confirm_auto_mode"}:
            raise ValueError("nothing to change: send at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        """The settings the client sent, with their new values (``confirm_auto_mode`` left out)."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"confirm_auto_mode", "plan"}}


class TenantResponse(LazyModel):
    """The tenant's settings as the API returns them."""

    id: TenantId
    name: str
    plan: Plan = Field(description="Changes with the subscription, not through this API.")
    mode: Mode
    locale: Locale
    timezone: str = Field(description="IANA name, e.g. Europe/Paris.")
    default_country: str = Field(description=COUNTRY_DESCRIPTION, examples=["FR"])
    alert_thresholds: AlertThresholds
    send_window: SendWindow
    marketing_hours: MarketingHours = Field(description=MARKETING_HOURS_DESCRIPTION)
    business_profile: BusinessProfile = Field(description=BUSINESS_PROFILE_DESCRIPTION)
    auto_mode_confirmed_at: datetime | None = Field(
        description="When a user first confirmed auto mode; null until then."
    )
    auto_mode_confirmed_by: str | None = Field(description="Who confirmed it (the token's subject).")
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_tenant(cls, tenant: Tenant) -> TenantResponse:
        """Build the API view of ``tenant``."""
        return cls(**tenant.model_dump())
