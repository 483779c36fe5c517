"""Automations: a trigger over a lead's state, a template to send, stop conditions, on or off."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from maxcore.models.common import LazyModel, Line, StrictModel, Ulid, partial_change
from maxcore.models.intent import Intent
from maxcore.models.prospection import Decision


class TriggerType(StrEnum):
    """What makes an automation act on a lead (the activation plan's decision rules)."""

    SILENCE = "silence"
    """Our last message is ``days`` old and the lead has not answered since."""
    OPENED_NO_REPLY = "opened_no_reply"
    """The lead opened an e-mail ``hours`` ago and has not answered since."""
    NOT_OPENED = "not_opened"
    """An e-mail was delivered ``hours`` ago and never opened."""
    NEVER_CONTACTED = "never_contacted"
    """The lead was created ``days`` ago and nobody ever wrote to it."""
    INBOUND_INTENT = "inbound_intent"
    """The lead's last reply showed one of ``intents`` and we have not answered it."""


class StopCondition(StrEnum):
    """What keeps an automation from acting on a lead."""

    REPLIED = "replied"
    STATUS_CONVERTED = "status_converted"
    OPTED_OUT = "opted_out"


class SilenceConfig(StrictModel):
    """``silence``: days without an answer after our last message."""

    days: int = Field(default=3, ge=1, le=365)


class OpenedNoReplyConfig(StrictModel):
    """``opened_no_reply``: hours since the e-mail was opened."""

    hours: int = Field(default=24, ge=1, le=24 * 30)


class NotOpenedConfig(StrictModel):
    """``not_opened``: hours since the e-mail was delivered."""

    hours: int = Field(default=48, ge=1, le=24 * 30)


class NeverContactedConfig(StrictModel):
    """``never_contacted``: days since the lead was created."""

    days: int = Field(default=1, ge=0, le=365)


class InboundIntentConfig(StrictModel):
    """``inbound_intent``: the reply intents that trigger."""

    intents: list[Intent] = Field(
        default_factory=lambda: [Intent.INTERESTED, Intent.MEETING_REQUEST], min_length=1, max_length=7
    )


TRIGGER_CONFIGS: dict[TriggerType, type[StrictModel]] = {
    TriggerType.SILENCE: SilenceConfig,
    TriggerType.OPENED_NO_REPLY: OpenedNoReplyConfig,
    TriggerType.NOT_OPENED: NotOpenedConfig,
    TriggerType.NEVER_CONTACTED: NeverContactedConfig,
    TriggerType.INBOUND_INTENT: InboundIntentConfig,
}


def check_trigger_config(trigger: TriggerType, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` completed with the trigger's defaults; ``ValueError`` naming the bad key."""
    try:
        model = TRIGGER_CONFIGS[trigger].model_validate(config)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "trigger_config"
        raise ValueError(f"trigger_config.{where}: {first['msg']} (for a {trigger.value} trigger)") from None
    return model.model_dump(mode="json")


DEFAULT_STOPS = [StopCondition.REPLIED, StopCondition.STATUS_CONVERTED, StopCondition.OPTED_OUT]


def check_compatible(trigger: TriggerType, stops: list[StopCondition]) -> None:
    """Refuse an automation that could never act: a reply trigger stopped by replies."""
    if trigger is TriggerType.INBOUND_INTENT and StopCondition.REPLIED in stops:
        raise ValueError(
            "stop_conditions: an inbound_intent automation answers replies, so it cannot stop on `replied`"
        )


SKIP_LEADS_IN_SEQUENCE = (
    "Leave alone a lead whose prospection sequence still runs (tried again each hour, until the "
    "sequence ends); `false` writes to it anyway."
)


class Automation(LazyModel):
    """An automation of a tenant."""

    id: str
    name: str
    trigger_type: TriggerType
    trigger_config: dict[str, Any]
    template_id: str
    stop_conditions: list[StopCondition]
    enabled: bool = False
    skip_leads_in_sequence: bool = Field(default=True, description=SKIP_LEADS_IN_SEQUENCE)
    created_at: datetime
    updated_at: datetime
    version: int = 1


class AutomationResponse(Automation):
    """An automation as the API shows it."""

    status: str = Field(description="`on` or `off`.")

    @classmethod
    def of(cls, automation: Automation) -> AutomationResponse:
        """The response of ``automation``."""
        return cls(**automation.model_dump(), status="on" if automation.enabled else "off")


class AutomationList(LazyModel):
    """A tenant's automations, newest first."""

    items: list[AutomationResponse]


AutomationName = Annotated[Line, StringConstraints(min_length=1, max_length=200)]


def _unique(stops: list[StopCondition]) -> list[StopCondition]:
    if len(set(stops)) != len(stops):
        raise ValueError("stop_conditions must not repeat")
    return stops


def _inlined(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` (enums) written in place, to embed in another."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"} and node["$ref"].startswith("#/$defs/"):
                return inline(definitions[node["$ref"].removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return dict(inline(schema))


def _trigger_rules(schema: dict[str, Any]) -> None:
    """Each trigger type with the config it takes, and no `replied` stop for a reply trigger."""
    rules: list[dict[str, Any]] = []
    for trigger, config in TRIGGER_CONFIGS.items():
        rule: dict[str, Any] = {
            "properties": {"trigger_type": {"const": trigger.value}, "trigger_config": _inlined(config)}
        }
        if trigger is TriggerType.INBOUND_INTENT:
            # The default stops include `replied`, which a reply trigger cannot have: they must be sent.
            allowed = [stop.value for stop in StopCondition if stop is not StopCondition.REPLIED]
            rule["properties"]["stop_conditions"] = {"items": {"enum": allowed}}
            rule["required"] = ["stop_conditions"]
        rules.append(rule)
    schema["oneOf"] = rules


class CreateAutomationRequest(StrictModel):
    """A new automation; it starts off unless ``enabled`` says otherwise."""

    model_config = ConfigDict(json_schema_extra=_trigger_rules)

    name: AutomationName
    trigger_type: TriggerType
    trigger_config: dict[str, Any] = Field(default_factory=dict)
    template_id: Ulid
    stop_conditions: list[StopCondition] = Field(
        default_factory=lambda: list(DEFAULT_STOPS), max_length=3, json_schema_extra={"uniqueItems": True}
    )
    enabled: bool = False
    skip_leads_in_sequence: bool = Field(default=True, description=SKIP_LEADS_IN_SEQUENCE)

    @model_validator(mode="after")
    def _config(self) -> Self:
        self.trigger_config = check_trigger_config(self.trigger_type, self.trigger_config)
        _unique(self.stop_conditions)
        check_compatible(self.trigger_type, self.stop_conditions)
        return self


class UpdateAutomationRequest(StrictModel):
    """A partial change of an automation; no field may be null."""

    model_config = ConfigDict(
        json_schema_extra=partial_change(
            "name",
            "trigger_type",
            "trigger_config",
            "template_id",
            "stop_conditions",
            "enabled",
            "skip_leads_in_sequence",
        )
    )

    name: AutomationName | None = None
    trigger_type: TriggerType | None = None
    trigger_config: dict[str, Any] | None = None
    template_id: Ulid | None = None
    stop_conditions: list[StopCondition] | None = Field(
        default=None, max_length=3, json_schema_extra={"uniqueItems": True}
    )
    enabled: bool | None = None
    skip_leads_in_sequence: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if self.stop_conditions is not None:
            _unique(self.stop_conditions)
        return self


class AutomationRun(LazyModel):
    """One occurrence of an automation's trigger on a lead, and what the scheduler did about it."""

    lead_id: str
    episode: str = Field(
        description="The occurrence: the trigger and the time of the message it started from."
    )
    state: str = Field(
        description="`claimed` or `sending` (a worker is on it), `deferred` (tried again later), `done`."
    )
    decision: Decision | None = Field(description="What was done and why; null while a worker is on it.")
    created_at: datetime
    updated_at: datetime


class AutomationRunPage(LazyModel):
    """A page of an automation's occurrences, by lead."""

    items: list[AutomationRun]
    next_cursor: str | None = None
