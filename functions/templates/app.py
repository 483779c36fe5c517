"""Templates API: drafts, validation and activation by a human, versions, rendering, M.A.X.'s drafts."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from maxcore.api import JWT_SECURITY, CursorQuery, admin, create_app, make_handler, principal, responses
from maxcore.models.common import Channel, Ulid
from maxcore.models.telegram_command import (
    SetTelegramCommandRequest,
    TelegramCommandList,
    TelegramCommandResponse,
)
from maxcore.models.template import (
    CreateTemplateRequest,
    DraftCreated,
    DraftFromChatRequest,
    GeneratedBy,
    RenderRequest,
    RenderResponse,
    SetWhatsAppContentRequest,
    TemplateCategory,
    TemplatePage,
    TemplateResponse,
    TemplateStatus,
    UpdateTemplateRequest,
    VersionList,
    VersionResponse,
)
from maxcore.models.tenant import Locale
from maxcore.services.modes import ActionKind, ModeGuard
from maxcore.services.telegram_commands import TelegramCommandService
from maxcore.services.templates import TemplateFilter, TemplateService, to_response, version_response

app = create_app("M.A.X. templates")


def _service() -> TemplateService:
    caller = principal(app)
    return TemplateService(caller.tenant_id, actor=caller.subject)


@app.get(
    "/templates",
    operation_id="listTemplates",
    responses=responses(200, "A page of templates."),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="List templates",
)
def list_templates(
    channel: Annotated[Channel | None, Query()] = None,
    status: Annotated[TemplateStatus | None, Query()] = None,
    category: Annotated[TemplateCategory | None, Query()] = None,
    generated_by: Annotated[GeneratedBy | None, Query()] = None,
    locale: Annotated[Locale | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: CursorQuery = None,
) -> TemplatePage:
    """Templates of the caller's tenant, newest first, with a cursor to the next page."""
    filters = TemplateFilter(
        channel=channel, status=status, category=category, generated_by=generated_by, locale=locale
    )
    templates, next_cursor = _service().list_page(filters, limit=limit, cursor=cursor)
    return TemplatePage(items=[to_response(t) for t in templates], next_cursor=next_cursor)


@app.post(
    "/templates",
    operation_id="createTemplate",
    status_code=201,
    responses=responses(201, "The template, created as a draft."),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Create a template (draft)",
)
def create_template(body: Annotated[CreateTemplateRequest, Body()]) -> TemplateResponse:
    """A new draft; an unknown variable, unsafe HTML or an oversized body is a 422 naming it."""
    return to_response(_service().create(body))


@app.post(
    "/templates/draft-from-chat",
    operation_id="createTemplateDraftFromChat",
    status_code=201,
    responses=responses(201, "The draft M.A.X. wrote, saved.", 402, 404),
    security=JWT_SECURITY,
    tags=["templates", "assistant"],
    summary="Save a draft written in the chat",
)
def draft_from_chat(body: Annotated[DraftFromChatRequest, Body()]) -> DraftCreated:
    """Save a draft written by M.A.X. (``generated_by: max``): always a draft, never active.

    The tenant's mode must allow drafts (advise mode does not: 403 ``mode_forbids_action``).
    """
    caller = principal(app)
    if body.generated_by is GeneratedBy.MAX:
        ModeGuard(caller.tenant_id).require(ActionKind.DRAFT)
    template = TemplateService(caller.tenant_id, actor=caller.subject).create(
        body.to_create(), generated_by=body.generated_by
    )
    return DraftCreated(template_id=template.id, status=template.status, template=to_response(template))


@app.get(
    "/templates/<template_id>",
    operation_id="getTemplate",
    responses=responses(200, "The template, with its waiting draft.", 404),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Get a template",
)
def get_template(template_id: Annotated[Ulid, Path()]) -> TemplateResponse:
    """One template; another tenant's template is a 404."""
    return to_response(*_service().get_with_draft(template_id))


@app.patch(
    "/templates/<template_id>",
    operation_id="updateTemplate",
    responses=responses(200, "The template; content changes of an active one went to a draft.", 404, 409),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Change a template",
)
def update_template(
    template_id: Annotated[Ulid, Path()], body: Annotated[UpdateTemplateRequest, Body()]
) -> TemplateResponse:
    """Change the fields sent. On an active template the content changes go to a new draft version
    and the active version keeps serving until the draft is activated."""
    service = _service()
    template = service.update(template_id, body)
    return to_response(template, service.draft_of(template))


@app.delete(
    "/templates/<template_id>",
    operation_id="deleteTemplate",
    status_code=204,
    responses=responses(204, "Deleted, with all its versions.", 404, 409),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Delete a template",
)
def delete_template(template_id: Annotated[Ulid, Path()]) -> None:
    """Delete a template and its versions."""
    _service().delete(template_id)


@app.post(
    "/templates/<template_id>/activate",
    operation_id="activateTemplate",
    responses=responses(200, "The template, active.", 404, 409),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Activate a draft (human validation)",
)
def activate_template(template_id: Annotated[Ulid, Path()]) -> TemplateResponse:
    """Make the draft active if it validates: known placeholders, SMS of at most 10 segments, WhatsApp
    body of at most 1024 characters, e-mail with a subject and safe HTML. Otherwise 422 with the
    problems, and nothing changes."""
    return to_response(_service().activate(template_id))


@app.post(
    "/templates/<template_id>/archive",
    operation_id="archiveTemplate",
    responses=responses(200, "The template, archived.", 404, 409),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Archive a template",
)
def archive_template(template_id: Annotated[Ulid, Path()]) -> TemplateResponse:
    """Take a template out of use; it stays readable and can be activated again."""
    return to_response(_service().archive(template_id))


@app.put(
    "/templates/<template_id>/whatsapp",
    operation_id="setTemplateWhatsAppContent",
    responses=responses(200, "The template, with its Twilio Content and approval.", 403, 404, 409),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Register a WhatsApp template's Twilio Content (admin)",
)
def set_whatsapp_content(
    template_id: Annotated[Ulid, Path()], body: Annotated[SetWhatsAppContentRequest, Body()]
) -> TemplateResponse:
    """Register the Twilio Content SID a WhatsApp template was submitted as, and its approval state.

    Outside WhatsApp's 24-hour window only an approved template is sent, as its Content with its
    placeholders' values as Content variables (``1``, ``2``... in order of appearance). Admins only;
    a template of another channel is a 422.
    """
    admin(app)
    return to_response(_service().set_whatsapp(template_id, body))


@app.post(
    "/templates/<template_id>/whatsapp/refresh",
    operation_id="refreshTemplateWhatsAppApproval",
    responses=responses(200, "The template, with the approval Twilio gives.", 403, 404, 409, 502),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Read a WhatsApp template's approval from Twilio (admin)",
)
def refresh_whatsapp_approval(template_id: Annotated[Ulid, Path()]) -> TemplateResponse:
    """Ask Twilio's Content API how Meta stands on the template's Content, and keep the answer.

    Admins only. 409 ``content_sid_missing`` before a Content SID is registered, 409
    ``twilio_credentials_missing`` without the account's Twilio credentials; 502 when Twilio does
    not answer (nothing is written).
    """
    admin(app)
    return to_response(_service().refresh_whatsapp(template_id))


@app.post(
    "/templates/<template_id>/render",
    operation_id="renderTemplate",
    responses=responses(200, "The template, filled in.", 404),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Render a template",
)
def render_template(
    template_id: Annotated[Ulid, Path()], body: Annotated[RenderRequest, Body()]
) -> RenderResponse:
    """Fill the template for a lead and/or explicit values; says which variables fell back or are missing."""
    return _service().render(template_id, body)


@app.get(
    "/templates/<template_id>/versions",
    operation_id="listTemplateVersions",
    responses=responses(200, "Every version, oldest first.", 404),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="List a template's versions",
)
def list_versions(template_id: Annotated[Ulid, Path()]) -> VersionList:
    """Every version of a template: the active one, the superseded ones, the waiting draft."""
    template, versions = _service().versions(template_id)
    return VersionList(items=[version_response(template.channel, v) for v in versions])


@app.get(
    "/templates/<template_id>/versions/<number>",
    operation_id="getTemplateVersion",
    responses=responses(200, "The version.", 404),
    security=JWT_SECURITY,
    tags=["templates"],
    summary="Get one version of a template",
)
def get_version(
    template_id: Annotated[Ulid, Path()], number: Annotated[int, Path(ge=1, le=99999)]
) -> VersionResponse:
    """One version of a template."""
    template, version = _service().version(template_id, number)
    return version_response(template.channel, version)


# --- Telegram commands: the tenant's own bot commands, each answered with a template --------------------
CommandName = Annotated[str, Path(max_length=64, description="The command's name, without the slash.")]


@app.get(
    "/telegram/commands",
    operation_id="listTelegramCommands",
    responses=responses(200, "The tenant's commands by name, each usable or broken (and why)."),
    security=JWT_SECURITY,
    tags=["telegram commands"],
    summary="List the tenant's Telegram commands",
)
def list_telegram_commands() -> TelegramCommandList:
    """Each command with its template; a command whose template was deleted, deactivated or is not
    a Telegram template is `usable: false` and answers the help until it is fixed."""
    return TelegramCommandService(principal(app).tenant_id).list()


@app.put(
    "/telegram/commands/<command>",
    operation_id="setTelegramCommand",
    # 404: a path segment holding characters no route accepts (a slash, a dot...) matches no route.
    responses=responses(200, "The command as set.", 404, 409, 422),
    security=JWT_SECURITY,
    tags=["telegram commands"],
    summary="Create or change a Telegram command (admin)",
)
def set_telegram_command(
    command: CommandName, body: Annotated[SetTelegramCommandRequest, Body()]
) -> TelegramCommandResponse:
    """A name Telegram accepts (1-32 lowercase letters, digits, underscores; not /start, /stop, /help
    nor an opt-out word) answered with an active Telegram template; at most 100 commands."""
    caller = admin(app)
    return TelegramCommandService(caller.tenant_id).set(command, body, caller.subject)


@app.delete(
    "/telegram/commands/<command>",
    operation_id="deleteTelegramCommand",
    status_code=204,
    responses=responses(204, "Deleted: the command answers the help from now on.", 404, 409),
    security=JWT_SECURITY,
    tags=["telegram commands"],
    summary="Delete a Telegram command (admin)",
)
def delete_telegram_command(command: CommandName) -> None:
    """The command goes; its template stays."""
    TelegramCommandService(admin(app).tenant_id).delete(command)


lambda_handler = make_handler(app)
