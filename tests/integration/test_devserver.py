"""The local dev server end to end: HTTP in, template routes, dev tokens, demo data, schedules."""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests
import resend
import time_machine

from devserver.seed import DEMO_TENANT_ID, PEOPLE, seed_demo
from devserver.server import DevServer, banner, running_dev_server
from devserver.template import http_routes, load_template
from devserver.token import sign_dev_token
from maxcore.services.timers import timer_name
from tests.support.webhook_receiver import ReceivedRequest, running_webhook_receiver

pytestmark = pytest.mark.integration

TIMEOUT = 30


@pytest.fixture(scope="module")
def server() -> Iterator[DevServer]:
    """One dev server for the module, on a free port, with its own embedded moto (not the suite's)."""
    with running_dev_server(quiet=True) as dev_server:
        yield dev_server


@pytest.fixture(scope="module")
def admin_token(server: DevServer) -> str:
    """The admin token the dev server prints at start."""
    printed = re.search(r"Admin token\s+\(demo\): (\S+)", banner(server))
    assert printed is not None
    return printed.group(1)


def _get(server: DevServer, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def _all_leads(server: DevServer, token: str) -> list[dict[str, Any]]:
    response = _get(server, "/leads", token, params={"limit": "100"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return list(body["items"])


def test_the_demo_tenant_is_seeded_with_about_thirty_french_leads(
    server: DevServer, admin_token: str
) -> None:
    # Given the dev server just started
    # When its printed admin token lists the leads
    leads = _all_leads(server, admin_token)
    # Then the demo tenant has its thirty leads, with French mobiles and a month of activity behind them
    assert len(leads) == len(PEOPLE) == 30
    assert all(re.fullmatch(r"\+33[67]\d{8}", lead["phone"]) for lead in leads)
    assert {lead["status"] for lead in leads} >= {"new", "contacted", "qualified", "converted"}
    contacted = [lead for lead in leads if lead["summary"]["last_contact_at"]]
    assert 15 <= len(contacted) < len(leads), "some leads were never contacted, most were"
    assert any(lead["summary"]["last_intent"] for lead in leads)


def test_the_banner_has_a_member_token_and_a_curl_that_work(server: DevServer) -> None:
    text = banner(server)
    member = re.search(r"Member token \(demo\): (\S+)", text)
    assert member is not None
    assert _get(server, "/leads", member.group(1), params={"limit": "1"}).status_code == 200
    assert 'curl -s -H "Authorization: Bearer ' in text
    assert f"{server.url}/leads?limit=5" in text


def test_seeding_again_changes_nothing(server: DevServer, admin_token: str) -> None:
    # Given the seeded tenant
    before = _all_leads(server, admin_token)
    # When seeding runs a second time against the same table
    report = seed_demo()
    # Then it finds every lead already there and writes nothing
    assert not report.tenant_created
    assert (report.leads_created, report.activities_recorded) == (0, 0)
    assert report.leads_already_there == len(PEOPLE)
    assert _all_leads(server, admin_token) == before


def test_a_request_without_a_token_is_401_in_the_project_envelope(server: DevServer) -> None:
    response = _get(server, "/leads")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthorized", "message": response.json()["error"]["message"], "details": {}}
    }
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_signed_with_another_secret_is_401(server: DevServer, admin_token: str) -> None:
    # Given the very claims of the printed token, signed with a key the server does not know
    claims = jwt.decode(admin_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "some-other-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    # When it is used, then it is refused, saying why
    response = _get(server, "/leads", forged)
    assert response.status_code == 401
    assert "signature" in response.json()["error"]["message"]


def test_another_tenants_token_sees_no_leads(server: DevServer, admin_token: str) -> None:
    # Given a token of another tenant
    other = sign_dev_token("other-tenant")
    # When it lists leads and asks for one of the demo's leads
    demo_lead = _all_leads(server, admin_token)[0]
    # Then it sees none of them
    assert _all_leads(server, other) == []
    assert _get(server, f"/leads/{demo_lead['id']}", other).status_code == 404


def test_unknown_routes_are_404_and_wrong_methods_405(server: DevServer, admin_token: str) -> None:
    missing = _get(server, "/nothing-here", admin_token)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = requests.put(f"{server.url}/leads", timeout=TIMEOUT)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_cors_preflight_and_origin_follow_the_template(server: DevServer, admin_token: str) -> None:
    origin = "http://localhost:5173"
    preflight = requests.options(
        f"{server.url}/leads",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=TIMEOUT,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
    listed = _get(server, "/leads", admin_token, params={"limit": "1"})
    assert "Access-Control-Allow-Origin" not in listed.headers
    from_front = requests.get(
        f"{server.url}/leads?limit=1",
        headers={"Origin": origin, "Authorization": f"Bearer {admin_token}"},
        timeout=TIMEOUT,
    )
    assert from_front.headers["Access-Control-Allow-Origin"] == origin
    stranger = requests.get(
        f"{server.url}/leads", headers={"Origin": "https://evil.example"}, timeout=TIMEOUT
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_the_openapi_document_lists_every_route_of_the_template(server: DevServer) -> None:
    document = _get(server, "/openapi.json").json()
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (route.method, re.sub(r"\{[^}]+\}", "{}", route.path)) for route in http_routes(load_template())
    }
    assert routes <= documented
    assert document["info"]["title"] == "M.A.X. API"
    assert document["servers"][0]["url"] == server.url
    assert "jwt" in document["components"]["securitySchemes"]


def test_a_function_split_into_routers_serves_each_router_from_its_own_modules(
    server: DevServer, admin_token: str
) -> None:
    # Given the prospection function, whose routes sit in its own routes/ package
    # When its routes are called through the dev server
    scenarios = _get(server, "/scenarios", admin_token)
    blacklist = _get(server, "/blacklist", admin_token)

    # Then each router answers, and its modules are kept under the function's name, not as a bare
    # "routes" that another function's routes/ would be confused with
    assert scenarios.status_code == 200, scenarios.text
    assert len(scenarios.json()["items"]) >= 5
    assert blacklist.status_code == 200, blacklist.text
    assert "routes" not in sys.modules
    assert "maxfn_functions_prospection_routes.scenarios" in sys.modules


def test_docs_serve_swagger_ui_with_local_assets(server: DevServer) -> None:
    page = _get(server, "/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/openapi.json" in page.text
    assert "//cdn" not in page.text, "the page must work without a network"
    for asset in ("/docs/swagger-ui-bundle.min.js", "/docs/swagger-ui.min.css"):
        served = _get(server, asset)
        assert served.status_code == 200
        assert len(served.content) > 10_000


def test_health_names_the_local_backends(server: DevServer) -> None:
    health = _get(server, "/_local/health").json()
    assert health["status"] == "ok"
    assert health["embedded_dynamodb"] is True
    assert "FanoutQueue" in health["queues"]


def test_firing_daily_alert_generation_runs_the_worker_for_the_demo_tenant(server: DevServer) -> None:
    # Given the schedules of template.yaml
    names = [schedule["name"] for schedule in _get(server, "/_local/schedules").json()["schedules"]]
    assert "DailyAlertGeneration" in names
    # When the daily alert generation is fired by hand
    response = requests.post(f"{server.url}/_local/schedules/DailyAlertGeneration", timeout=TIMEOUT)
    # Then the scheduler fanned the job out and the worker ran it for the demo tenant, with no failure
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["result"]["job"] == "generate_alerts"
    assert "<aws." not in json.dumps(report["event"]), "Scheduler context attributes are filled in"
    assert report["result"]["tenants"] >= 1
    [worker] = report["consumers"]
    assert worker["function"] == "SchedulerWorkerFunction"
    assert worker["failed"] == 0
    assert {"tenant_id": DEMO_TENANT_ID, "job": "generate_alerts", "outcome": "succeeded"} in [
        {"tenant_id": m["body"]["tenant_id"], "job": m["body"]["job"], "outcome": m["outcome"]}
        for m in worker["messages"]
    ]
    # And the queue is empty afterwards: firing again delivers exactly one new message per tenant
    again = requests.post(f"{server.url}/_local/schedules/DailyAlertGeneration", timeout=TIMEOUT).json()
    assert len(again["consumers"][0]["messages"]) == again["result"]["messages"]


def test_firing_an_unknown_schedule_is_404_naming_the_known_ones(server: DevServer) -> None:
    response = requests.post(f"{server.url}/_local/schedules/NoSuchSchedule", timeout=TIMEOUT)
    assert response.status_code == 404
    assert "DailyAlertGeneration" in response.json()["error"]["details"]["schedules"]


def test_a_message_the_worker_fails_on_stays_queued_for_the_next_firing(server: DevServer) -> None:
    # Given a message on the fan-out queue that no worker can read
    assert server.backend is not None
    sqs = server.backend.sqs()
    queue_url = server.backend.queue_urls["FanoutQueue"]
    sqs.send_message(QueueUrl=queue_url, MessageBody='{"job": "no_such_job", "tenant_id": "demo"}')
    try:
        # When a schedule fires, the worker gets it in its batch and reports it as failed
        first = requests.post(
            f"{server.url}/_local/schedules/HourlyProspectionActions", timeout=TIMEOUT
        ).json()
        [worker] = first["consumers"]
        failed = [m for m in worker["messages"] if m["outcome"] == "failed"]
        assert [m["body"]["job"] for m in failed] == ["no_such_job"]
        assert worker["succeeded"] == first["result"]["messages"], "the rest of the batch was not held back"
        # Then it is not deleted: the next firing delivers it again, and only it fails again
        second = requests.post(
            f"{server.url}/_local/schedules/HourlyProspectionActions", timeout=TIMEOUT
        ).json()
        retried = [m for m in second["consumers"][0]["messages"] if m["outcome"] == "failed"]
        assert [m["message_id"] for m in retried] == [m["message_id"] for m in failed]
    finally:
        sqs.purge_queue(QueueUrl=queue_url)


def test_firing_the_due_timers_sends_a_scheduled_message_once(
    server: DevServer, admin_token: str, time_machine: time_machine.TimeMachineFixture
) -> None:
    # Given a message to a demo lead scheduled in two minutes: its timer waits on moto
    auth = {"Authorization": f"Bearer {admin_token}"}
    send_at = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    scheduled = None
    for lead in _all_leads(server, admin_token):
        body = {"lead_id": lead["id"], "body": "Un appel jeudi ?", "subject": "Appel", "send_at": send_at}
        response = requests.post(f"{server.url}/messages", json=body, headers=auth, timeout=TIMEOUT)
        if response.status_code == 202:
            scheduled = response.json()
            break
    assert scheduled is not None, "some demo lead can be written to"
    timer = timer_name(DEMO_TENANT_ID, "scheduled-message", scheduled["id"])
    # When the timers are fired before its time, it stays
    early = requests.post(f"{server.url}/_local/timers/fire", timeout=TIMEOUT).json()
    assert timer not in early["fired"]
    # When they are fired once its time has come
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=5))
    fired = requests.post(f"{server.url}/_local/timers/fire", timeout=TIMEOUT).json()
    # Then its timer was delivered to the worker, which sent the message
    assert timer in fired["fired"]
    [worker] = fired["consumers"]
    assert worker["failed"] == 0
    assert {"job": "send_scheduled", "item_id": scheduled["id"]} in [
        {"job": m["body"]["job"], "item_id": m["body"].get("item_id")} for m in worker["messages"]
    ]
    sent = _get(server, f"/messages/scheduled/{scheduled['id']}", admin_token).json()
    assert sent["state"] == "sent"
    # And the timer is gone: firing again delivers nothing of it
    again = requests.post(f"{server.url}/_local/timers/fire", timeout=TIMEOUT).json()
    assert timer not in again["fired"]
    assert requests.get(f"{server.url}/_local/timers/fire", timeout=TIMEOUT).status_code == 405


def test_a_delete_then_a_get_on_one_kept_alive_connection_both_read_cleanly(
    server: DevServer, admin_token: str
) -> None:
    # Given a lead and one kept-alive connection
    headers = {"Authorization": f"Bearer {admin_token}"}
    with requests.Session() as session:
        created = session.post(f"{server.url}/leads", json={"first_name": "Éphémère"}, headers=headers)
        assert created.status_code == 201, created.text
        # When it is deleted, then the list is read on the same connection
        deleted = session.delete(f"{server.url}/leads/{created.json()['id']}", headers=headers)
        listed = session.get(f"{server.url}/leads", params={"limit": "100"}, headers=headers, timeout=TIMEOUT)
    # Then the 204 carries no body and the next answer is read whole, not shifted by stray bytes
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert "Content-Length" not in deleted.headers
    assert listed.status_code == 200
    assert created.json()["id"] not in {lead["id"] for lead in listed.json()["items"]}


def test_the_bytes_of_a_204_end_at_its_headers(server: DevServer, admin_token: str) -> None:
    # Given a lead, deleted and then read over one raw HTTP/1.1 connection
    headers = {"Authorization": f"Bearer {admin_token}"}
    lead_id = requests.post(
        f"{server.url}/leads", json={"first_name": "Brut"}, headers=headers, timeout=TIMEOUT
    ).json()["id"]
    host, port = server.url.removeprefix("http://").split(":")
    request = (
        f"DELETE /leads/{lead_id} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {admin_token}\r\n\r\n"
        f"GET /_local/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(request.encode())
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    # Then the second status line follows the first answer's blank line directly
    first, rest = raw.split(b"\r\n\r\n", 1)
    assert first.startswith(b"HTTP/1.1 204 ")
    assert b"content-length" not in first.lower()
    assert rest.startswith(b"HTTP/1.1 200 "), rest[:40]


def test_a_percent_encoded_path_parameter_reaches_the_function_decoded(
    server: DevServer, admin_token: str
) -> None:
    # Given an address on the demo tenant's blacklist
    headers = {"Authorization": f"Bearer {admin_token}"}
    added = requests.post(
        f"{server.url}/blacklist",
        json={"email": "encode@example.com", "reason": "test"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert added.status_code == 201, added.text
    # When a client deletes it with the "@" percent-encoded, as URL builders write it
    deleted = requests.delete(
        f"{server.url}/blacklist/email/encode%40example.com", headers=headers, timeout=TIMEOUT
    )
    # Then it is gone, as through API Gateway, which hands HTTP API functions the path decoded
    assert deleted.status_code == 204, deleted.text
    listed = _get(server, "/blacklist", admin_token).json()["items"]
    assert "encode@example.com" not in {entry["value"] for entry in listed}


def test_an_endpoint_registered_on_the_dev_server_receives_a_new_lead_signed(
    server: DevServer, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    with running_webhook_receiver() as receiver:
        # Given an endpoint on this machine, registered through the dev server
        registration = {"url": receiver.url, "event_types": ["lead.created"], "description": "local n8n"}
        created = requests.post(
            f"{server.url}/webhook-endpoints", json=registration, headers=auth, timeout=TIMEOUT
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]

        # When a lead is created through the dev server, and its event poller runs on its own
        lead = {"first_name": "Inès", "phone": "+33 6 98 76 54 32"}
        response = requests.post(f"{server.url}/leads", json=lead, headers=auth, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        lead_id = response.json()["id"]

        def of_the_lead() -> list[ReceivedRequest]:
            # Changes made by earlier tests may still be on their way: only this lead's are looked at.
            return [r for r in receiver.received if json.loads(r.body)["data"].get("lead_id") == lead_id]

        deadline = time.monotonic() + 60
        while not of_the_lead() and time.monotonic() < deadline:
            time.sleep(0.2)

        # Then the endpoint received lead.created for that lead once, signed with its secret
        (request,) = of_the_lead()
        headers = {
            "id": request.headers["webhook-id"],
            "timestamp": request.headers["webhook-timestamp"],
            "signature": request.headers["webhook-signature"],
        }
        resend.Webhooks.verify({"payload": request.body, "headers": headers, "webhook_secret": secret})
        assert json.loads(request.body)["type"] == "lead.created"
