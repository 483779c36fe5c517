"""The public unsubscribe page of marketing e-mails: ``/u/{token}``.

No JWT: the signed token in the path is the proof (:mod:`maxcore.rules.unsubscribe_token`). GET
shows the confirmation page and writes nothing; POST (the page's button, or a mailbox provider's
RFC 8058 one-click with ``List-Unsubscribe=One-Click``) records the opt-out. Both answer an HTML
page, whatever happened: a person reads it.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from maxcore.api import create_app, make_handler
from maxcore.models.common import ErrorResponse
from maxcore.services.unsubscribe import CONTENT_SECURITY_POLICY, Page, UnsubscribeService

app = create_app("M.A.X. unsubscribe page")


def _page(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


PAGE_RESPONSES: dict[int, OpenAPIResponse] = {
    403: _page("The link was changed or signed with another key: nothing written."),
    404: {
        "description": "Not a link of ours, or its tenant is gone: nothing written (a path no route takes, "
        "such as one with a NUL, gets the API's JSON error).",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"model": ErrorResponse},
        },
    },
    410: _page("The link has expired (60 days after its e-mail): nothing written."),
}


def _html(page: Page) -> Response[str]:
    return Response(
        status_code=page.status,
        content_type="text/html; charset=utf-8",
        body=page.html,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


@app.get(
    "/u/<token>",
    operation_id="showUnsubscribePage",
    responses={200: _page("The confirmation page, in the tenant's language."), **PAGE_RESPONSES},
    tags=["unsubscribe"],
    summary="The unsubscribe page of a marketing e-mail's link (no JWT: the signed token)",
)
def show(token: str) -> Response[str]:
    """The confirmation page in the tenant's language (or the page of a link no longer valid)."""
    return _html(UnsubscribeService().show(token))


@app.post(
    "/u/<token>",
    operation_id="unsubscribeByLink",
    responses={200: _page("Unsubscribed (now, or already by this link)."), **PAGE_RESPONSES},
    tags=["unsubscribe"],
    summary="Unsubscribe: the page's button, or the mailbox's RFC 8058 one-click",
)
def unsubscribe(token: str) -> Response[str]:
    """Record the opt-out, once per link, and say it is done."""
    return _html(UnsubscribeService().unsubscribe(token))


# Form-encoded bodies (the one-click POST) are welcome.
lambda_handler = make_handler(app, json_only=False)
