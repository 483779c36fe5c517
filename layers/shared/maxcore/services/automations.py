"""Automations: a tenant's rules that follow leads up on their own (create, change, turn on or off).

An automation names a template of the tenant. It may be saved while that template is still a draft,
but it is turned on only with an active (validated) template: a human validates what M.A.X. sends.
The scheduler's side, acting on the leads, is :mod:`maxcore.services.automation_runner`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.automations import AutomationRepository
from maxcore.errors import InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.automation import (
    Automation,
    AutomationRun,
    CreateAutomationRequest,
    UpdateAutomationRequest,
    check_compatible,
    check_trigger_config,
)
from maxcore.models.budget import TokenAction
from maxcore.models.template import Template, TemplateStatus
from maxcore.observability import logger
from maxcore.services.budget import BudgetService
from maxcore.services.templates import TemplateService
from maxcore.services.tenants import tenant_settings


class AutomationService:
    """The automations of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = AutomationRepository(tenant_id)
        self.templates = TemplateService(tenant_id)
        self.budget = BudgetService(tenant_id, clock)
        self._clock = clock

    def list(self) -> list[Automation]:
        """Every automation, newest first."""
        return self.repository.list_all()

    def get(self, automation_id: str) -> Automation:
        """One automation; another tenant's is a 404."""
        return self.repository.get(automation_id)

    def create(self, request: CreateAutomationRequest) -> Automation:
        """A new automation (off unless ``enabled``); its template must be one of the tenant's.

        Its set-up costs the price list's ``automation_setup`` tokens, once: a 402
        ``insufficient_tokens`` when the balance is short, and nothing is saved.
        """
        self._template(request.template_id, turning_on=request.enabled)
        now = self._clock()
        automation = Automation(
            id=new_id(),
            name=request.name,
            trigger_type=request.trigger_type,
            trigger_config=request.trigger_config,
            template_id=request.template_id,
            stop_conditions=request.stop_conditions,
            enabled=request.enabled,
            skip_leads_in_sequence=request.skip_leads_in_sequence,
            created_at=now,
            updated_at=now,
        )
        # Its set-up is priced: reserved first (a 402 saves nothing), refunded if the save fails.
        with self.budget.spend_once(
            TokenAction.AUTOMATION_SETUP,
            automation.id,
            mode=tenant_settings(self.tenant_id).mode,
            about={"automation_id": automation.id, "name": automation.name},
        ):
            saved = self.repository.save(automation, new=True)
        logger.info(
            "automation created",
            extra={"automation_id": saved.id, "trigger": saved.trigger_type.value, "enabled": saved.enabled},
        )
        return saved

    def update(self, automation_id: str, request: UpdateAutomationRequest) -> Automation:
        """Change the fields sent. A new trigger type without a config takes that type's defaults."""
        before = self.repository.get(automation_id)
        changes = {name: getattr(request, name) for name in request.model_fields_set}
        trigger = changes.get("trigger_type", before.trigger_type)
        if "trigger_config" in changes:
            config = changes["trigger_config"]
        elif trigger is before.trigger_type:
            config = before.trigger_config
        else:
            config = {}
        stops = changes.get("stop_conditions", before.stop_conditions)
        try:
            changes["trigger_config"] = check_trigger_config(trigger, config)
            check_compatible(trigger, stops)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise InvalidInputError(str(exc), [{"field": field, "message": message}]) from None
        enabled = changes.get("enabled", before.enabled)
        if "template_id" in changes or (enabled and not before.enabled):
            self._template(changes.get("template_id", before.template_id), turning_on=enabled)
        after = before.model_copy(update={**changes, "updated_at": self._clock()})
        return self.repository.save(after)

    def toggle(self, automation_id: str) -> Automation:
        """Turn an automation on (its template must be active) or off."""
        before = self.repository.get(automation_id)
        if not before.enabled:
            self._template(before.template_id, turning_on=True)
        after = before.model_copy(update={"enabled": not before.enabled, "updated_at": self._clock()})
        saved = self.repository.save(after)
        logger.info("automation toggled", extra={"automation_id": saved.id, "enabled": saved.enabled})
        return saved

    def delete(self, automation_id: str) -> None:
        """Delete an automation; what it already did stays in the leads' timelines."""
        self.repository.delete(self.repository.get(automation_id))
        logger.info("automation deleted", extra={"automation_id": automation_id})

    def runs(
        self, automation_id: str, limit: int, cursor: str | None
    ) -> tuple[builtins.list[AutomationRun], str | None]:
        """What the automation did to each lead it triggered on, and why."""
        self.repository.get(automation_id)
        return self.repository.runs(automation_id, limit, cursor)

    def _template(self, template_id: str, *, turning_on: bool) -> Template:
        """The tenant's template, usable by an automation (422 naming ``template_id`` otherwise)."""
        try:
            template = self.templates.get(template_id)
        except NotFoundError:
            raise InvalidInputError(
                f"unknown template {template_id}",
                [{"field": "template_id", "message": "no such template for this tenant"}],
            ) from None
        if template.status is TemplateStatus.ARCHIVED:
            raise InvalidInputError(
                "the template is archived",
                [{"field": "template_id", "message": "choose a template that is not archived"}],
            )
        if turning_on and template.status is not TemplateStatus.ACTIVE:
            raise InvalidInputError(
                "an automation is turned on only with an active template: have it validated first",
                [{"field": "template_id", "message": f"the template is {template.status.value}, not active"}],
            )
        return template
