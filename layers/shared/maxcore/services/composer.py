"""Writing a step's message: AI first, then the step's template; else no message at all.

When neither can write, the step becomes a task for the user (the sequencer decides it), never a
message made of the step's internal objective. The source that wrote the message is returned with
it and recorded on the step's decision, so the team can see how many messages the AI actually wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from maxcore.errors import InsufficientTokensError, InvalidInputError, MaxError
from maxcore.models.budget import Reservation
from maxcore.models.lead import Lead
from maxcore.models.prospection import MessageSource, ScenarioStep
from maxcore.models.template import RenderRequest, TemplateStatus
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.budget import ai_message_action
from maxcore.rules.prospection import message_source
from maxcore.rules.templates import unsendable
from maxcore.services.budget import BudgetService
from maxcore.services.templates import TemplateService, library_template_id

SHORT_CHANNELS = {"sms", "whatsapp", "telegram"}


@dataclass(frozen=True)
class Composed:
    """A message ready to send or to show."""

    body: str
    subject: str | None
    source: MessageSource
    template_id: str | None = None
    charge: Reservation | None = None
    """The model's tokens for writing it, reserved until the caller settles them (:meth:`Composer.settle`)."""


def ai_configured() -> bool:
    """Whether a language model is configured (no key: the fallback starts at the template)."""
    from maxcore.ai.llm import api_key

    return api_key() is not None


class Composer:
    """Writes the messages of one tenant's steps."""

    def __init__(self, tenant: Tenant, ai_available: bool | None = None) -> None:
        self.tenant = tenant
        self.templates = TemplateService(tenant.id)
        self.budget = BudgetService(tenant.id)
        self._ai = ai_configured() if ai_available is None else ai_available
        self._usable: dict[tuple[str, str], bool] = {}

    def template_id(self, step: ScenarioStep) -> str | None:
        """The step's template: its own, else the tenant's copy of the library template it names."""
        if step.template_id is not None:
            return step.template_id
        if step.template_key is not None:
            return library_template_id(self.tenant.id, step.template_key, self.tenant.locale.value)
        return None

    def template_usable(self, step: ScenarioStep) -> bool:
        """Whether the step's template exists, is active and is written for the step's channel."""
        template_id = self.template_id(step)
        if template_id is None:
            return False
        key = (template_id, step.channel.value)
        if key not in self._usable:  # read once per run: every due step of a scenario asks
            try:
                template = self.templates.get(template_id)
            except MaxError:
                self._usable[key] = False
            else:
                self._usable[key] = (
                    template.status is TemplateStatus.ACTIVE and template.channel.value == step.channel.value
                )
        return self._usable[key]

    def planned_source(self, step: ScenarioStep) -> MessageSource | None:
        """The source that would write the step, without writing it (``None``: the step becomes a task)."""
        return message_source(step, self._ai, self.template_usable(step))

    def compose(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        """The step's message for ``lead``: AI (its tokens spent), else template; ``None`` when neither
        can write it."""
        composed = self.compose_held(step, lead, history)
        self.settle(composed, used=True)
        return composed

    def compose_held(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        """:meth:`compose` with the model's tokens only reserved (``charge``): the caller spends them
        once the message is its to send, and gives them back when another worker had the step."""
        if step.ai_prompt and self._ai:
            written = self._by_ai(step, lead, history)
            if written is not None:
                return written
        template_id = self.template_id(step)
        if template_id is None or not self.template_usable(step):
            return None
        try:
            rendered = self.templates.render(template_id, RenderRequest(lead_id=lead.id))
        except InvalidInputError as exc:
            # Filled in, its HTML is refused (a value puts an http: or script URL in a link).
            logger.warning(
                "template refused once filled in", extra={"template_id": template_id, "reason": exc.message}
            )
            return None
        if rendered.missing or not rendered.body:
            logger.info(
                "template cannot be used for the step",
                extra={"template_id": template_id, "missing": rendered.missing},
            )
            return None
        composed = Composed(
            body=rendered.body,
            subject=rendered.subject,
            source=MessageSource.TEMPLATE,
            template_id=template_id,
        )
        return self._checked(step, composed)

    def settle(self, composed: Composed | None, *, used: bool, outcome: str = "succeeded") -> None:
        """Spend the tokens the model's message reserved (``used``), or give them back."""
        if composed is None or composed.charge is None:
            return
        if used:
            self.budget.commit(composed.charge, outcome)
        else:
            self.budget.refund(composed.charge, outcome)

    def _checked(self, step: ScenarioStep, composed: Composed | None) -> Composed | None:
        """``composed`` if it may go on the step's channel as it is, else ``None`` (and why, in the log)."""
        channel = step.channel.channel
        if composed is None or channel is None:
            return None
        problem = unsendable(channel, composed.body, composed.subject)
        if problem is None:
            return composed
        logger.info(
            "written message may not go",
            extra={"step": step.order, "source": composed.source.value, "problem": problem},
        )
        return None

    def _by_ai(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        """The model's message, its tokens reserved; any failure (no tokens, the model down, a message
        that may not go) gives them back and falls back to the template."""
        try:
            charge = self.budget.reserve(
                ai_message_action(step.channel),
                reason=f"prospection step {step.order}: {step.objective}"[:200],
                mode=self.tenant.mode,
            )
        except InsufficientTokensError:
            logger.info("AI message failed, falling back", extra={"step": step.order, "error": "no_tokens"})
            return None
        try:
            written = self._checked(step, self._written_by_ai(step, lead, history))
        except Exception as exc:
            self.budget.refund(charge, f"failed: {type(exc).__name__}")
            logger.info(
                "AI message failed, falling back", extra={"step": step.order, "error": type(exc).__name__}
            )
            return None
        if written is None:
            self.budget.refund(charge, "not usable")
            return None
        return replace(written, charge=charge)

    def _written_by_ai(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        from maxcore.ai.llm import chat_model

        completion = chat_model().complete(self._prompt(step, lead, history), tools=[])
        text = (completion.content or "").strip()
        if not text:
            raise ValueError("the model wrote nothing")
        subject = None
        if step.channel.value == "email":
            first, _, rest = text.partition("\n")
            if not (first.lower().startswith(("objet:", "objet :", "subject:")) and rest.strip()):
                # No subject of its own: the step's objective is no subject to send, the template's is.
                logger.info("AI e-mail without a subject, falling back", extra={"step": step.order})
                return None
            subject, text = first.split(":", 1)[1].strip()[:200], rest.strip()
        return Composed(body=text, subject=subject, source=MessageSource.AI)

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
