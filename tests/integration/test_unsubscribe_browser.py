"""The unsubscribe page in a real browser: Debian's headless chromium, driven by playwright.

The dev server serves the page as API Gateway would; a prospection e-mail is sent through the real
resend SDK to the fake Resend, and the browser opens the link its ``List-Unsubscribe`` header
carries, reads the French page, clicks its button, and the lead's consent is read back through the
API. A screenshot of each page is saved in the test's output folder (its path is printed).

Chromium comes from ``scripts/install_chromium.sh`` (the Makefile's integration targets run it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devserver.server import DevServer, running_dev_server
from devserver.token import sign_dev_token
from maxcore.models.message import ChannelChoice, SendMessageRequest
from maxcore.rules.unsubscribe import marketing_email
from maxcore.services.messaging import MessagingService
from maxcore.services.tenants import provision_tenant
from maxcore.settings import reset_settings
from tests.integration.conftest import RESEND_LIVE_KEY
from tests.support.fake_providers import FakeResend

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""What a headless chromium needs as root on a machine without a network outside."""
TENANT = "t-browser"


@pytest.fixture
def server(resend_for_sends: FakeResend, monkeypatch: pytest.MonkeyPatch) -> Iterator[DevServer]:
    """The dev server, without demo data; the e-mails' unsubscribe links point at it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/install_chromium.sh installs it")
        pytest.skip("chromium is not installed (scripts/install_chromium.sh)")
    with running_dev_server(seed=False, quiet=True) as dev_server:
        monkeypatch.setenv("UNSUBSCRIBE_BASE_URL", dev_server.url)
        reset_settings()
        yield dev_server
    reset_settings()


def _api(server: DevServer, method: str, path: str, body: object = None) -> dict[str, object]:
    token = sign_dev_token(TENANT, role="admin", sub="browser-test")
    answer = requests.request(
        method, f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code < 300, answer.text
    return dict(answer.json())


def test_the_link_of_a_sent_email_unsubscribes_in_a_real_browser(
    server: DevServer, resend_for_sends: FakeResend, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    # Given a French tenant on Resend and a lead who got a prospection e-mail
    tenant, _ = provision_tenant(TENANT, "Institut Belle Peau")
    credentials = {"credentials": {"api_key": RESEND_LIVE_KEY}, "sender": "contact@bellepeau.fr"}
    _api(server, "PUT", "/channels/email", credentials)
    lead_id = str(_api(server, "POST", "/leads", {"first_name": "Léa", "email": "lea@example.fr"})["id"])
    request = SendMessageRequest(
        lead_id=lead_id, channel=ChannelChoice.EMAIL, subject="Votre atelier", body="Bonjour Léa,"
    )
    MessagingService(TENANT).deliver(
        request, "max:campaign:browser", "step:browser:1", {}, marketing=marketing_email(tenant)
    )
    [email] = resend_for_sends.sent
    link = email["headers"]["List-Unsubscribe"].split(">")[0].removeprefix("<")
    assert link.startswith(f"{server.url}/u/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            blocked: list[str] = []
            page.on(
                "console", lambda message: blocked.append(message.text) if message.type == "error" else None
            )
            # When the lead opens the link
            opened = page.goto(link)
            # Then the page asks, in French, with the tenant's name and the address masked
            assert opened is not None
            assert opened.status == 200
            assert page.locator("h1").inner_text() == "Désinscription"
            assert "Institut Belle Peau" in page.inner_text("main")
            assert "l*a@example.fr" in page.inner_text("main")
            page.screenshot(path=str(tmp_path / "unsubscribe-confirm.png"))
            # And the lead's consent is untouched so far
            assert _api(server, "GET", f"/leads/{lead_id}")["consent"] == {}
            # When the lead clicks the button
            page.get_by_role("button", name="Confirmer la désinscription").click()
            page.wait_for_load_state()
            # Then the page says it is done
            assert page.locator("h1").inner_text() == "Vous êtes désinscrit(e)"
            shot = tmp_path / "unsubscribe-done.png"
            page.screenshot(path=str(shot))
            print(f"screenshots: {tmp_path}")
            # And nothing the page holds was refused by its content security policy
            assert blocked == []
        finally:
            browser.close()
    # And the lead's e-mail consent is revoked, as the API shows it
    consent = _api(server, "GET", f"/leads/{lead_id}")["consent"]
    assert isinstance(consent, dict)
    assert consent["email"]["granted"] is False
    assert shot.read_bytes().startswith(b"\x89PNG")
