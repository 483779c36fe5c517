"""Writing a step's message: AI first, then the step's template; else no message at all.

Whatever writes it, a message goes only if it passes the one check of what may leave
(:func:`maxcore.rules.templates.unsendable`: length for the channel, nothing left to fill in, the
tenant's language). A model's message that fails it gives way to the step's template; when neither
can write, the step becomes a task for the user (the sequencer decides it) with the check's problem,
never a message made of the step's internal objective. The source that wrote the message is returned
with it and recorded on the step's decision, so the team can see how many messages the AI wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from maxcore.ai import prompts
from maxcore.errors import InsufficientTokensError, InvalidInputError, MaxError
from maxcore.models.budget import Reservation
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.prospection import MessageSource, ScenarioStep
from maxcore.models.template import Template, TemplateStatus, WhatsAppContent
from maxcore.models.tenant import Tenant
from maxcore.observability import logger
from maxcore.rules.budget import ai_message_action
from maxcore.rules.marketing import with_opt_out
from maxcore.rules.prospection import message_source
from maxcore.rules.templates import unsendable
from maxcore.services.budget import BudgetService
from maxcore.services.templates import TemplateService, library_template_id


@dataclass(frozen=True)
class Composed:
    """A message ready to send or to show."""

    body: str
    subject: str | None
    source: MessageSource
    template_id: str | None = None
    template_category: str | None = None
    """The template's category, when a template wrote it (a survey's answers count for the survey)."""
    charge: Reservation | None = None
    """The model's tokens for writing it, reserved until the caller settles them (:meth:`Composer.settle`)."""


@dataclass(frozen=True)
class Unwritten:
    """No message for the step, and why."""

    problem: str | None = None
    """What the check found in the last message written (``None``: nothing could write one)."""


def ai_configured() -> bool:
    """Whether a language model is configured (no key: the fallback starts at the template)."""
    from maxcore.ai.llm import api_key

    return api_key() is not None


class Composer:
    """Writes the messages of one tenant's steps."""

    def __init__(
        self,
        tenant: Tenant,
        ai_available: bool | None = None,
        opt_out_number: Callable[[], str | None] | None = None,
    ) -> None:
        """``opt_out_number``: for a writer of messages that go (not a cost estimate), how to read the
        number SMS opt-outs are sent to: an SMS then ends with the opt-out mention before it is
        checked, so the mention counts in its segments."""
        self.tenant = tenant
        self.templates = TemplateService(tenant.id)
        self.budget = BudgetService(tenant.id)
        self._ai = ai_configured() if ai_available is None else ai_available
        self._templates: dict[str, Template | None] = {}
        self._opt_out_number = opt_out_number

    def template_id(self, step: ScenarioStep) -> str | None:
        """The step's template: its own, else the tenant's copy of the library template it names."""
        if step.template_id is not None:
            return step.template_id
        if step.template_key is not None:
            return library_template_id(self.tenant.id, step.template_key, self.tenant.locale.value)
        return None

    def template_usable(self, step: ScenarioStep) -> bool:
        """Whether the step's template exists, is active and is written for the step's channel."""
        return self._usable_template(step) is not None

    def whatsapp_template(self, step: ScenarioStep) -> WhatsAppContent | None:
        """The Twilio Content of a WhatsApp step's usable template, if it was registered as one."""
        template = self._usable_template(step)
        return None if template is None or template.channel is not Channel.WHATSAPP else template.whatsapp

    def _usable_template(self, step: ScenarioStep) -> Template | None:
        """The step's template if it exists, is active and is written for the step's channel."""
        template_id = self.template_id(step)
        if template_id is None:
            return None
        if template_id not in self._templates:  # read once per run: every due step of a scenario asks
            try:
                self._templates[template_id] = self.templates.get(template_id)
            except MaxError:
                self._templates[template_id] = None
        template = self._templates[template_id]
        if template is None or template.status is not TemplateStatus.ACTIVE:
            return None
        return template if template.channel.value == step.channel.value else None

    def planned_source(self, step: ScenarioStep, *, template_only: bool = False) -> MessageSource | None:
        """The source that would write the step, without writing it (``None``: the step becomes a task)."""
        return message_source(step, self._ai and not template_only, self.template_usable(step))

    def compose(
        self, step: ScenarioStep, lead: Lead, history: list[str], *, template_only: bool = False
    ) -> Composed | Unwritten:
        """The step's message for ``lead``: AI (its tokens spent), else template; :class:`Unwritten` when
        neither can.

        ``template_only``: the message must be the template (a WhatsApp one outside the 24-hour window).
        """
        composed = self.compose_held(step, lead, history, template_only=template_only)
        self.settle(composed, used=True)
        return composed

    def compose_held(
        self, step: ScenarioStep, lead: Lead, history: list[str], *, template_only: bool = False
    ) -> Composed | Unwritten:
        """:meth:`compose` with the model's tokens only reserved (``charge``): the caller spends them
        once the message is its to send, and gives them back when another worker had the step."""
        refused = Unwritten()
        if step.ai_prompt and self._ai and not template_only:
            written = self._by_ai(step, lead, history)
            if isinstance(written, Composed):
                return written
            refused = written
        template = self._usable_template(step)
        if template is None:
            return refused
        template_id = template.id
        try:
            rendered = self.templates.fill(
                template, self.tenant, lead, self._opt_out_number or self.templates.opt_out_number
            )
        except InvalidInputError as exc:
            # Filled in, its HTML is refused (a value puts an http: or script URL in a link).
            logger.warning(
                "template refused once filled in", extra={"template_id": template_id, "reason": exc.message}
            )
            return refused
        if rendered.missing or not rendered.body:
            logger.info(
                "template cannot be used for the step",
                extra={"template_id": template_id, "missing": rendered.missing},
            )
            return refused
        composed = Composed(
            body=rendered.body,
            subject=rendered.subject,
            source=MessageSource.TEMPLATE,
            template_id=template_id,
            template_category=template.category.value,
        )
        return self._checked(step, composed)

    def settle(self, composed: Composed | Unwritten, *, used: bool, outcome: str = "succeeded") -> None:
        """Spend the tokens the model's message reserved (``used``), or give them back."""
        if not isinstance(composed, Composed) or composed.charge is None:
            return
        if used:
            self.budget.commit(composed.charge, outcome)
        else:
            self.budget.refund(composed.charge, outcome)

    def _checked(self, step: ScenarioStep, composed: Composed | None) -> Composed | Unwritten:
        """``composed`` if it may go on the step's channel as it is, else why not (logged too)."""
        channel = step.channel.channel
        if composed is None or channel is None:
            return Unwritten()
        if channel is Channel.SMS and self._opt_out_number is not None:
            # A prospection SMS is marketing: it ends with the opt-out mention, counted in its segments.
            locale = self.tenant.locale.value
            composed = replace(composed, body=with_opt_out(composed.body, locale, self._opt_out_number()))
        problem = unsendable(channel, composed.body, composed.subject, locale=self.tenant.locale.value)
        if problem is None:
            return composed
        logger.info(
            "written message may not go",
            extra={"step": step.order, "source": composed.source.value, "problem": problem},
        )
        return Unwritten(problem)

    def _by_ai(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | Unwritten:
        """The model's message, checked, its tokens reserved; any failure (no tokens, the model down, a
        message that may not go) gives them back and falls back to the template."""
        try:
            charge = self.budget.reserve(
                ai_message_action(step.channel),
                mode=self.tenant.mode,
                about={"step": str(step.order)},
            )
        except InsufficientTokensError:
            logger.info("AI message failed, falling back", extra={"step": step.order, "error": "no_tokens"})
            return Unwritten()
        try:
            written = self._checked(step, self._written_by_ai(step, lead, history))
        except Exception as exc:
            self.budget.refund(charge, f"failed: {type(exc).__name__}")
            logger.info(
                "AI message failed, falling back", extra={"step": step.order, "error": type(exc).__name__}
            )
            return Unwritten()
        if isinstance(written, Unwritten):
            self.budget.refund(charge, "not usable")
            return written
        return replace(written, charge=charge)

    def _written_by_ai(self, step: ScenarioStep, lead: Lead, history: list[str]) -> Composed | None:
        from maxcore.ai.llm import chat_model

        prompt = prompts.step_prompt(
            tenant_name=self.tenant.name,
            locale=self.tenant.locale.value,
            profile=self.tenant.business_profile,
            step=step,
            lead=lead,
            history=history,
        )
        completion = chat_model().complete(prompt, tools=[])
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
