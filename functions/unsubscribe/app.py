"""The public unsubscribe page of marketing e-mails: ``/u/{token}``.

No JWT: the signed token in the path is the proof (:mod:`maxcore.rules.unsubscribe_token`). GET
shows the confirmation page and writes nothing; POST (the page's button, or a mailbox provider's
RFC 8058 one-click with ``List-Unsubscribe=One-Click``) records the opt-out. Both answer HTML, so
they are left out of the OpenAPI document.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from maxcore.api import create_app, make_handler
from maxcore.services.unsubscribe import CONTENT_SECURITY_POLICY, Page, UnsubscribeService

app = create_app("M.A.X. unsubscribe page")


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


@app.get("/u/<token>", include_in_schema=False)
def show(token: str) -> Response[str]:
    """The confirmation page in the tenant's language (or the page of a link no longer valid)."""
    return _html(UnsubscribeService().show(token))


@app.post("/u/<token>", include_in_schema=False)
def unsubscribe(token: str) -> Response[str]:
    """Record the opt-out, once per link, and say it is done."""
    return _html(UnsubscribeService().unsubscribe(token))


# Form-encoded bodies (the one-click POST) are welcome.
lambda_handler = make_handler(app, json_only=False)
