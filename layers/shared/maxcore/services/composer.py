"""Writing a step's message: AI first, then the step's template, then a built-in default.

This is the seed's triple fallback. The source that wrote the message is returned with it and
recorded on the step's decision, so the team can see how many messages the AI actually wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxcore.errors import InvalidInputError, MaxError
from maxcore.models.lead import Lead
from maxcore.models.prospection import MessageSource, ScenarioStep
from maxcore.models.template import RenderRequest, TemplateStatus
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.budget import ai_message_action
from maxcore.rules.prospection import message_source
from maxcore.services.budget import BudgetService
from maxcore.services.templates import TemplateService
from maxcore.texts import render

MAX_BODY = 4000
SHORT_CHANNELS = {"sms", "whatsapp", "telegram"}


@dataclass(frozen=True)
class Composed:
    """A message ready to send or to show."""

    body: str
    subject: str | None
    source: MessageSource
    template_id: str | None = None


def ai_configured() -> bool:
    """Whether a language model is configured (no key: the fallback starts at the template)."""
    from maxcore.ai.llm import api_key

    return api_key() is not None


class Composer:
    """Writes the messages of one tenant's steps."""

    def __init__(self, tenant: Tenant, ai_available: bool | None = None) -> None:
        self.tenant = tenant
        self.templates = TemplateService(tenant.id)
        self._ai = ai_configured() if ai_available is None else ai_available

    def template_usable(self, step: ScenarioStep) -> bool:
        """Whether the step's template exists, is active and is written for the step's channel."""
        if step.template_id is None:
            return False
        try:
            template = self.templates.get(step.template_id)
        except MaxError:
            return False
        return template.status is TemplateStatus.ACTIVE and template.channel.value == step.channel.value

    def planned_source(self, step: ScenarioStep) -> MessageSource:
        """The source that would write the step, without writing it (the schedule preview)."""
        return message_source(step, self._ai, self.template_usable(step))

    def compose(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed:
        """The step's message for ``lead``: AI, else template, else the built-in default."""
        if step.ai_prompt and self._ai:
            written = self._by_ai(step, lead, history)
            if written is not None:
                return written
        if step.template_id is not None and self.template_usable(step):
            try:
                rendered = self.templates.render(step.template_id, RenderRequest(lead_id=lead.id))
            except InvalidInputError as exc:
                # Filled in, its HTML is refused (a value puts an http: or script URL in a link):
                # the step must still go, with the built-in message, rather than fail every hour.
                logger.warning(
                    "template refused once filled in, default message instead",
                    extra={"template_id": step.template_id, "reason": exc.message},
                )
                return self.default(step, lead)
            if not rendered.missing and rendered.body:
                return Composed(
                    body=rendered.body[:MAX_BODY],
                    subject=rendered.subject,
                    source=MessageSource.TEMPLATE,
                    template_id=step.template_id,
                )
            logger.info(
                "template cannot be used for the step, default message instead",
                extra={"template_id": step.template_id, "missing": rendered.missing},
            )
        return self.default(step, lead)

    def default(self, step: ScenarioStep, lead: Lead) -> Composed:
        """The built-in message: warm, short, in the tenant's language."""
        locale = self.tenant.locale.value
        cta = step.cta or render("prospection.default.cta", locale)
        values = {
            "first_name": lead.first_name or "",
            "objective": step.objective,
            "cta": cta,
            "company": self.tenant.name,
        }
        key = (
            "prospection.default.short"
            if step.channel.value in SHORT_CHANNELS
            else "prospection.default.body"
        )
        body = render(key, locale, **values).replace(" ,", ",").replace("  ", " ")
        subject = (
            render("prospection.default.subject", locale, **values) if step.channel.value == "email" else None
        )
        return Composed(body=body[:MAX_BODY], subject=subject, source=MessageSource.DEFAULT)

    def _by_ai(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        # Any failure (no tokens, the model down, an empty answer) falls back: the step still goes.
        from maxcore.ai.llm import chat_model

        try:
            with BudgetService(self.tenant.id).spend(
                ai_message_action(step.channel),
                reason=f"prospection step {step.order}: {step.objective}"[:200],
                mode=self.tenant.mode,
            ):
                completion = chat_model().complete(self._prompt(step, lead, history), tools=[])
                text = (completion.content or "").strip()
                if not text:
                    raise ValueError("the model wrote nothing")
        except Exception as exc:
            logger.info(
                "AI message failed, falling back", extra={"step": step.order, "error": type(exc).__name__}
            )
            return None
        subject = None
        if step.channel.value == "email":
            first, _, rest = text.partition("\n")
            if first.lower().startswith(("objet:", "objet :", "subject:")) and rest.strip():
                subject, text = first.split(":", 1)[1].strip()[:200], rest.strip()
            else:
                subject = step.objective[:200]
        return Composed(body=text[:MAX_BODY], subject=subject, source=MessageSource.AI)

    def _prompt(self, step: ScenarioStep, lead: Lead, history: list[str]) -> list[dict[str, str]]:
        language = "English" if self.tenant.locale.value == "en" else "French"
        system = (
            f"You write one prospection message for {self.tenant.name}, in {language}, warm, direct and "
            f"human. Channel: {step.channel.value}. "
            + ("Start with 'Subject: ...' on the first line. " if step.channel.value == "email" else "")
            + ("At most 300 characters. " if step.channel.value in SHORT_CHANNELS else "At most 120 words. ")
            + "Write only the message, no placeholders."
        )
        context = {
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "company": lead.company,
            "status": lead.status.value,
            "last_intent": lead.summary.last_intent,
            "previous_steps": history[-3:],
        }
        user = (
            f"Step {step.order}. Objective: {step.objective}. "
            f"Suggested call to action: {step.cta or '-'}. Instructions: {step.ai_prompt}. Lead: {context}"
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
