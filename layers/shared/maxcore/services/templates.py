"""Template use cases: drafts, validation before activation, versions, rendering, the built-in library.

The user keeps control: M.A.X. only ever writes drafts (:meth:`TemplateService.create` with
``generated_by=max``, :meth:`TemplateService.update` on drafts); only a user's
:meth:`TemplateService.activate` makes a template sendable, and only once it validates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.clock import utcnow
from maxcore.dal.channels import ChannelRepository
from maxcore.dal.leads import LeadRepository
from maxcore.dal.templates import TemplateFilter, TemplateRepository, VersionWrite
from maxcore.errors import (
    ChannelUnavailableError,
    ConflictError,
    InvalidInputError,
    UnsafeHtmlError,
    UpstreamError,
)
from maxcore.ids import new_id, stable_id
from maxcore.library import templates as library
from maxcore.models.common import Channel
from maxcore.models.lead import Lead
from maxcore.models.template import (
    CreateTemplateRequest,
    GeneratedBy,
    Problem,
    Readiness,
    RenderRequest,
    RenderResponse,
    SetWhatsAppContentRequest,
    Template,
    TemplateCategory,
    TemplateContent,
    TemplateResponse,
    TemplateStatus,
    TemplateVersion,
    UpdateTemplateRequest,
    VersionResponse,
    VersionState,
    WhatsAppApproval,
    WhatsAppContent,
    WhatsAppContentResponse,
)
from maxcore.models.tenant import Locale, Tenant
from maxcore.observability import logger, metrics
from maxcore.rules import html as html_rules
from maxcore.rules import sms as sms_rules
from maxcore.rules import templates as rules
from maxcore.rules import whatsapp as whatsapp_rules
from maxcore.rules.marketing import is_marketing, with_opt_out
from maxcore.services.tenants import tenant_settings
from maxcore.settings import get_settings

__all__ = [
    "TemplateFilter",
    "TemplateService",
    "library_template_id",
    "readiness",
    "release_pairs",
    "seed_library",
    "to_response",
    "upgrade_library",
    "version_response",
]

LIBRARY_ACTOR = "system:library"


def _refuse(problems: list[Problem], what: str) -> InvalidInputError:
    summary = "; ".join(p.message for p in problems[:3])
    return InvalidInputError(f"{what}: {summary}", {"problems": [p.model_dump() for p in problems]})


def readiness(channel: Channel, content: TemplateContent) -> Readiness:
    """Whether ``content`` would activate now, what stops it, and (SMS) its encoding and segments."""
    problems = rules.activation_problems(channel, content)
    sms = rules.sms_info(rules.sms_estimate(content.body)) if channel is Channel.SMS else None
    return Readiness(ready=not problems, problems=problems, sms=sms)


def to_response(template: Template, draft: TemplateVersion | None = None) -> TemplateResponse:
    """The API view of a template (with its waiting draft when it was read)."""
    content = template.content
    return TemplateResponse(
        id=template.id,
        channel=template.channel,
        name=template.name,
        category=template.category,
        locale=template.locale,
        status=template.status,
        generated_by=template.generated_by,
        builtin=template.builtin_key is not None,
        version=template.version,
        latest_version=template.latest_version,
        draft_version=template.draft_version,
        subject=content.subject,
        body=content.body,
        html=content.html,
        variables=content.variables,
        placeholders=rules.placeholder_names(content),
        readiness=readiness(template.channel, content),
        draft=None if draft is None else version_response(template.channel, draft),
        whatsapp=_whatsapp_response(template),
        created_by=template.created_by,
        validated_by=template.validated_by,
        validated_at=template.validated_at,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def _whatsapp_response(template: Template) -> WhatsAppContentResponse | None:
    whatsapp = template.whatsapp
    if whatsapp is None:
        return None
    return WhatsAppContentResponse(
        content_sid=whatsapp.content_sid,
        state=whatsapp.state,
        rejection_reason=whatsapp.rejection_reason,
        variables=whatsapp_rules.content_variable_names(template.content.body),
        updated_at=whatsapp.updated_at,
    )


def version_response(channel: Channel, version: TemplateVersion) -> VersionResponse:
    """The API view of a version; drafts say whether they would activate."""
    ready = readiness(channel, version.content) if version.state is VersionState.DRAFT else None
    return VersionResponse.from_version(version, ready)


class TemplateService:
    """The templates of one tenant, acting for one user (``actor``: the JWT subject)."""

    def __init__(
        self, tenant_id: str, actor: str | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.tenant_id = tenant_id
        self.actor = actor
        self.repository = TemplateRepository(tenant_id)
        self._clock = clock

    # --- reads --------------------------------------------------------------------------------
    def get(self, template_id: str) -> Template:
        """One template; another tenant's is a 404."""
        return self.repository.get(template_id)

    def get_with_draft(self, template_id: str) -> tuple[Template, TemplateVersion | None]:
        """A template and the draft version waiting for activation, if any."""
        template = self.repository.get(template_id)
        return template, self.draft_of(template)

    def draft_of(self, template: Template) -> TemplateVersion | None:
        """The draft version of ``template`` waiting for activation, if any."""
        if template.draft_version is None:
            return None
        return self.repository.get_version(template.id, template.draft_version)

    def list_page(
        self, filters: TemplateFilter, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[Template], str | None]:
        """A page of templates, newest first."""
        return self.repository.list_templates(filters, limit, cursor)

    def versions(self, template_id: str) -> tuple[Template, list[TemplateVersion]]:
        """A template and every one of its versions, oldest first."""
        template = self.repository.get(template_id)
        return template, self.repository.list_versions(template_id)

    def version(self, template_id: str, number: int) -> tuple[Template, TemplateVersion]:
        """A template and one of its versions."""
        template = self.repository.get(template_id)
        return template, self.repository.get_version(template_id, number)

    # --- writes -------------------------------------------------------------------------------
    def create(
        self, request: CreateTemplateRequest, generated_by: GeneratedBy = GeneratedBy.USER
    ) -> Template:
        """A new draft; content no draft may hold (unknown variable, unsafe HTML...) is a 422."""
        content = request.content()
        problems = rules.content_problems(request.channel, content)
        if problems:
            raise _refuse(problems, "the template cannot be saved")
        now = self._clock()
        template = Template(
            id=new_id(),
            channel=request.channel,
            name=request.name,
            category=request.category,
            locale=request.locale or self._tenant_locale(),
            status=TemplateStatus.DRAFT,
            generated_by=generated_by,
            content=content,
            created_by=self.actor,
            created_at=now,
            updated_at=now,
        )
        first = TemplateVersion(
            template_id=template.id,
            number=1,
            state=VersionState.DRAFT,
            content=content,
            generated_by=generated_by,
            created_by=self.actor,
            created_at=now,
            updated_at=now,
        )
        created = self.repository.create(template, first)
        metrics.add_metric(name="TemplateDraftCreated", unit=MetricUnit.Count, value=1)
        logger.info(
            "template draft created",
            extra={"template_id": template.id, "channel": template.channel.value, "by": generated_by.value},
        )
        return created

    def update(
        self,
        template_id: str,
        request: UpdateTemplateRequest,
        generated_by: GeneratedBy = GeneratedBy.USER,
    ) -> Template:
        """Change a template. Content changes of an active template go to a draft version; the
        active version keeps serving until a user activates the draft."""
        template = self.repository.get(template_id)
        if template.status is TemplateStatus.ARCHIVED:
            raise ConflictError(
                "the template is archived; activate it again before changing it",
                {"template_id": template_id, "status": template.status.value},
            )
        now = self._clock()
        head = template.model_copy(update={**request.metadata_changes(), "updated_at": now})
        changes = request.content_changes()
        if not changes:
            return self.repository.commit(head, expected_revision=template.revision)

        if template.status is TemplateStatus.DRAFT:
            base = template.content
            number, how = template.version, VersionWrite.UPDATE_DRAFT
            created_at = template.created_at
        elif template.draft_version is not None:
            waiting = self.repository.get_version(template_id, template.draft_version)
            base, number, how = waiting.content, waiting.number, VersionWrite.UPDATE_DRAFT
            created_at = waiting.created_at
        else:
            base, number, how = template.content, template.latest_version + 1, VersionWrite.CREATE
            created_at = now
        content = base.model_copy(update=changes)
        problems = rules.content_problems(template.channel, content)
        if problems:
            raise _refuse(problems, "the template cannot be saved")
        draft = TemplateVersion(
            template_id=template_id,
            number=number,
            state=VersionState.DRAFT,
            content=content,
            generated_by=generated_by,
            created_by=self.actor,
            created_at=created_at,
            updated_at=now,
        )
        if template.status is TemplateStatus.DRAFT:
            head = head.model_copy(update={"content": content})
        else:
            head = head.model_copy(
                update={"draft_version": number, "latest_version": max(number, head.latest_version)}
            )
        logger.info(
            "template draft saved",
            extra={"template_id": template_id, "version": number, "new_version": how is VersionWrite.CREATE},
        )
        return self.repository.commit(head, expected_revision=template.revision, versions=[(draft, how)])

    def activate(self, template_id: str) -> Template:
        """Make the waiting draft (or an archived template) active, only if it validates (else 422)."""
        template = self.repository.get(template_id)
        now = self._clock()
        validated = {"validated_by": self.actor, "validated_at": now, "updated_at": now}
        if template.status is TemplateStatus.ACTIVE and template.draft_version is None:
            raise ConflictError(
                "the template is already active and has no draft waiting for activation",
                {"template_id": template_id, "version": template.version},
            )
        if template.draft_version is not None and template.status is not TemplateStatus.DRAFT:
            candidate = self.repository.get_version(template_id, template.draft_version)
        else:
            candidate = self.repository.get_version(template_id, template.version)
        problems = rules.activation_problems(template.channel, candidate.content)
        if problems:
            metrics.add_metric(name="TemplateActivationRefused", unit=MetricUnit.Count, value=1)
            raise _refuse(problems, "the template cannot be activated")
        writes: list[tuple[TemplateVersion, VersionWrite]] = [
            (candidate.model_copy(update={"state": VersionState.ACTIVE, **validated}), VersionWrite.REPLACE)
        ]
        if candidate.number != template.version:
            serving = self.repository.get_version(template_id, template.version)
            writes.append(
                (
                    serving.model_copy(update={"state": VersionState.SUPERSEDED, "updated_at": now}),
                    VersionWrite.REPLACE,
                )
            )
        # A Twilio Content cannot change: a new WhatsApp text needs a new Content, registered again.
        same_text = candidate.content.body == template.content.body
        head = template.model_copy(
            update={
                "status": TemplateStatus.ACTIVE,
                "version": candidate.number,
                "draft_version": None,
                "content": candidate.content,
                "whatsapp": template.whatsapp if same_text else None,
                **validated,
            }
        )
        activated = self.repository.commit(head, expected_revision=template.revision, versions=writes)
        metrics.add_metric(name="TemplateActivated", unit=MetricUnit.Count, value=1)
        logger.info("template activated", extra={"template_id": template_id, "version": candidate.number})
        return activated

    # --- WhatsApp: the Twilio Content a template goes as out of the 24-hour window ---------------
    def set_whatsapp(self, template_id: str, request: SetWhatsAppContentRequest) -> Template:
        """Register a WhatsApp template's Twilio Content SID and its approval state (an admin's call)."""
        template = self._whatsapp_template(template_id)
        rejected = request.state is WhatsAppApproval.REJECTED
        whatsapp = WhatsAppContent(
            content_sid=request.content_sid,
            state=request.state,
            rejection_reason=request.rejection_reason if rejected else None,
            updated_at=self._clock(),
        )
        return self._save_whatsapp(template, whatsapp)

    def refresh_whatsapp(self, template_id: str) -> Template:
        """Read the approval of a WhatsApp template's Content from Twilio and keep it.

        Raises
        ------
        ConflictError
            No Content SID registered yet (409 ``content_sid_missing``), or no Twilio credentials
            (409 ``twilio_credentials_missing``).
        InvalidInputError
            Twilio has no Content with the registered SID (422).
        UpstreamError
            Twilio did not answer (502); nothing is written.
        """
        # Only this path reads credentials and talks to Twilio: the other routes import neither.
        from maxcore.channels.twilio import ContentLookupError, whatsapp_approval
        from maxcore.dal.secrets import SecretRepository

        template = self._whatsapp_template(template_id)
        if template.whatsapp is None:
            raise ChannelUnavailableError(
                "content_sid_missing",
                f"register the template's Twilio Content SID first (PUT /templates/{template_id}/whatsapp)",
                {"template_id": template_id},
            )
        credentials = SecretRepository(self.tenant_id).get_all("twilio", ("account_sid", "auth_token"))
        if credentials["account_sid"] is None or credentials["auth_token"] is None:
            raise ChannelUnavailableError(
                "twilio_credentials_missing",
                "the account has no Twilio credentials to ask about the template: set them with "
                "PUT /channels/whatsapp, or set the approval state by hand",
                {"template_id": template_id},
            )
        settings = get_settings()
        try:
            status, reason = whatsapp_approval(
                credentials["account_sid"],
                credentials["auth_token"],
                template.whatsapp.content_sid,
                settings.twilio_content_api_url,
                settings.provider_timeout_seconds,
            )
        except ContentLookupError as exc:
            details = {"template_id": template_id, "content_sid": template.whatsapp.content_sid}
            if exc.not_found:
                raise InvalidInputError(
                    f"Twilio has no Content {template.whatsapp.content_sid} in this account",
                    [{"field": "content_sid", "message": exc.reason}],
                ) from exc
            raise UpstreamError(
                f"Twilio did not say how the template stands ({exc.reason}); nothing changed", details
            ) from exc
        state = whatsapp_rules.approval_state(status)
        whatsapp = template.whatsapp.model_copy(
            update={
                "state": state,
                "rejection_reason": reason if state is WhatsAppApproval.REJECTED else None,
                "updated_at": self._clock(),
            }
        )
        return self._save_whatsapp(template, whatsapp)

    def _whatsapp_template(self, template_id: str) -> Template:
        template = self.repository.get(template_id)
        if template.channel is not Channel.WHATSAPP:
            raise InvalidInputError(
                f"only a WhatsApp template has a Twilio Content; this one is for {template.channel.value}",
                [{"field": "template_id", "message": "not a WhatsApp template"}],
            )
        return template

    def _save_whatsapp(self, template: Template, whatsapp: WhatsAppContent) -> Template:
        head = template.model_copy(update={"whatsapp": whatsapp})
        saved = self.repository.commit(head, expected_revision=template.revision)
        logger.info(
            "whatsapp template state",
            extra={"template_id": template.id, "content_sid": whatsapp.content_sid, "state": whatsapp.state},
        )
        return saved

    def archive(self, template_id: str) -> Template:
        """Take a template out of use; its versions stay readable (archiving twice is a no-op)."""
        template = self.repository.get(template_id)
        if template.status is TemplateStatus.ARCHIVED:
            return template
        head = template.model_copy(update={"status": TemplateStatus.ARCHIVED, "updated_at": self._clock()})
        return self.repository.commit(head, expected_revision=template.revision)

    def delete(self, template_id: str) -> None:
        """Delete a template and all its versions."""
        self.repository.delete(self.repository.get(template_id))
        logger.info("template deleted", extra={"template_id": template_id})

    # --- rendering ----------------------------------------------------------------------------
    def render(self, template_id: str, request: RenderRequest) -> RenderResponse:
        """Fill a template for a lead and/or explicit values; say what fell back or is missing.

        A marketing SMS (any category but the transactional ones) ends with the opt-out mention in
        the template's language, counted in the segments shown.
        """
        template = self.repository.get(template_id)
        number = request.version or template.version
        if number == template.version:
            content = template.content
        else:
            content = self.repository.get_version(template_id, number).content
        values = _tenant_values(tenant_settings(self.tenant_id))
        if request.lead_id is not None:
            lead = LeadRepository(self.tenant_id).get(request.lead_id)
            values |= rules.lead_values(lead.model_dump())
        values |= request.variables
        return self._filled(template, content, number, values, self.opt_out_number)

    def fill(
        self, template: Template, tenant: Tenant, lead: Lead, opt_out_number: Callable[[], str | None]
    ) -> RenderResponse:
        """:meth:`render` of the serving version for ``lead``, from what the caller already read.

        A scheduled run holds the template, the tenant and the lead, and reads the SMS opt-out number
        once (``opt_out_number``): filling a step's template then costs no request.
        """
        values = _tenant_values(tenant) | rules.lead_values(lead.model_dump())
        return self._filled(template, template.content, template.version, values, opt_out_number)

    def _filled(
        self,
        template: Template,
        content: TemplateContent,
        number: int,
        values: dict[str, str],
        opt_out_number: Callable[[], str | None],
    ) -> RenderResponse:
        rendered = rules.render(content, values)
        if rendered.html is not None:
            unsafe = html_rules.check_html(rendered.html)
            if unsafe:
                raise UnsafeHtmlError(
                    f"a variable's value makes the HTML unsafe: {html_rules.describe(unsafe)}",
                    {"problems": [{"kind": p.kind, "detail": p.detail, "line": p.line} for p in unsafe]},
                )
        body = rendered.body
        sms = None
        if template.channel is Channel.SMS:
            if is_marketing(template.category):
                body = with_opt_out(body, template.locale.value, opt_out_number())
            sms = rules.sms_info(sms_rules.analyse(body))
        content_variables = None
        if template.whatsapp is not None:
            content_variables = whatsapp_rules.content_variables(content.body, values)
        return RenderResponse(
            content_variables=content_variables,
            template_id=template.id,
            version=number,
            channel=template.channel,
            subject=rendered.subject,
            body=body,
            html=rendered.html,
            fallbacks=rendered.fallbacks,
            missing=rendered.missing,
            complete=not rendered.missing,
            sms=sms,
        )

    # --- helpers ------------------------------------------------------------------------------
    def _tenant_locale(self) -> Locale:
        return tenant_settings(self.tenant_id).locale

    def opt_out_number(self) -> str | None:
        """The number the tenant's SMS opt-outs are sent to (read from its SMS settings), for the mention."""
        return ChannelRepository(self.tenant_id).get(Channel.SMS).opt_out_number


def _tenant_values(tenant: Tenant) -> dict[str, str]:
    """The placeholder values a tenant gives a template (its name)."""
    return rules.tenant_values({"name": tenant.name})


def library_template_id(tenant_id: str, key: str, locale: str) -> str:
    """The id of the tenant's copy of the built-in template ``key`` in ``locale`` (stable: seeding reuses it).

    Parameters
    ----------
    tenant_id
        The tenant the library was seeded for.
    key
        The template's library key (``follow_up_d3``, ``relance_agressive_1``).
    locale
        ``fr`` or ``en``.

    Returns
    -------
    str
        A ULID; the template may not exist (an unknown key, or a copy the tenant deleted).
    """
    # The first release's number stays in the seed whatever the release: ids never change.
    return stable_id(library.RELEASED_AT, tenant_id, "1", key, locale)


def builtin_name(tenant_id: str, template_id: str, locale: str) -> str | None:
    """The library's name in ``locale`` of the built-in whose tenant copy has the id ``template_id``.

    Found from the id alone (a copy's id is derived from its key and locale), so it still names a
    built-in the tenant deleted. None when ``template_id`` is not a built-in's.
    """
    for entry in library.TEMPLATES:
        if library_template_id(tenant_id, entry.key, entry.locale) == template_id:
            return next(t.name for t in library.for_locale(locale) if t.key == entry.key)
    return None


def seed_library(tenant_id: str, now: datetime, *, fresh: bool = False) -> bool:
    """Give a tenant the built-in templates (both locales, active), once per release; return whether any
    release was seeded now.

    Idempotent: each release's built-ins have stable ids and are written before that release's marker;
    once a marker exists its release is never written again, so a rerun changes nothing and a template
    the tenant deleted does not come back (see :meth:`TemplateRepository.seed_library`). A tenant seeded
    with an older release gets only the templates the newer releases added.
    """
    repository = TemplateRepository(tenant_id)
    seeded_now: list[int] = []
    for release in range(1, library.LIBRARY_VERSION + 1):
        if repository.seed_library(release, release_pairs(tenant_id, release, now), now, fresh=fresh):
            seeded_now.append(release)
    if seeded_now:
        logger.info("template library seeded", extra={"tenant_id": tenant_id, "releases": seeded_now})
    return bool(seeded_now)


def upgrade_library(tenant_id: str, now: datetime) -> bool:
    """Give a tenant provisioned before the latest library release the templates it lacks; return whether
    any release was seeded now.

    For the built-ins a feature sends by itself (an appointment's reminder), which must not wait for
    the tenant's next provisioning run: one strongly consistent GetItem of the latest release's marker
    (AP20) when the tenant is up to date, else :func:`seed_library` (idempotent: two workers upgrading
    at once write each template once, and a built-in the tenant deleted from a release it had does not
    come back).
    """
    if TemplateRepository(tenant_id).has_library(library.LIBRARY_VERSION):
        return False
    return seed_library(tenant_id, now)


def release_pairs(tenant_id: str, release: int, now: datetime) -> list[tuple[Template, TemplateVersion]]:
    """The tenant's copies of the built-ins library ``release`` added: each head with its first version."""
    return [_library_pair(tenant_id, entry, now) for entry in library.released_in(release)]


def _library_pair(
    tenant_id: str, entry: library.LibraryTemplate, now: datetime
) -> tuple[Template, TemplateVersion]:
    channel = Channel(entry.channel)
    content = TemplateContent(
        subject=entry.subject, body=entry.body, html=entry.html, variables=list(entry.variables)
    )
    problems = rules.activation_problems(channel, content)
    if problems:  # a broken built-in is a bug of ours: fail loudly rather than seed it
        raise ValueError(f"built-in template {entry.key}/{entry.locale} is invalid: {problems}")
    template = Template(
        id=library_template_id(tenant_id, entry.key, entry.locale),
        channel=channel,
        name=entry.name,
        category=TemplateCategory(entry.category),
        locale=Locale(entry.locale),
        status=TemplateStatus.ACTIVE,
        generated_by=GeneratedBy.USER,
        builtin_key=entry.key,
        content=content,
        created_by=LIBRARY_ACTOR,
        validated_by=LIBRARY_ACTOR,
        validated_at=now,
        created_at=now,
        updated_at=now,
    )
    version = TemplateVersion(
        template_id=template.id,
        number=1,
        state=VersionState.ACTIVE,
        content=content,
        generated_by=GeneratedBy.USER,
        created_by=LIBRARY_ACTOR,
        validated_by=LIBRARY_ACTOR,
        validated_at=now,
        created_at=now,
        updated_at=now,
    )
    return template, version
