"""Builds the events AWS would deliver to our functions, for the dev server and the tests.

The HTTP events follow API Gateway's HTTP API payload format 2.0 with a JWT authorizer; the
context object carries what Powertools reads from a real Lambda context.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode


@dataclass
class LocalContext:
    """The parts of a Lambda context that Powertools and our handlers read."""

    function_name: str = "local"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-3:000000000000:function:{self.function_name}"

    timeout_ms: int = 300_000
    """The function's timeout (the worker's, the longest of the stack); a test gives a short one."""
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, round(self.timeout_ms - (time.monotonic() - self.started) * 1000))


_ENCODED_SLASH = re.compile("%2F", re.IGNORECASE)


def api_gateway_path(path: str) -> str:
    """The request path as an HTTP API puts it in ``rawPath``: percent-decoded.

    Unlike REST APIs and function URLs, HTTP APIs deliver ``rawPath``, ``requestContext.http.path``
    and ``pathParameters`` decoded (``/blacklist/email/a%40b.com`` arrives as ``.../a@b.com``).
    An encoded slash stays encoded so that it never splits a path segment in two.
    """
    # "%2F" is escaped once more so that unquote turns it back into "%2F", not into "/".
    return "/".join(unquote(_ENCODED_SLASH.sub("%252F", segment)) for segment in path.split("/"))


def http_event(
    method: str,
    path: str,
    *,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: str | Mapping[str, str] = "",
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    claims: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event as the JWT-authorized route would receive it.

    A body that is not UTF-8 text is base64-encoded with ``isBase64Encoded`` set, as API Gateway does.
    """
    raw_query = query if isinstance(query, str) else urlencode(query)
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        # API Gateway joins repeated query parameters with commas.
        params[name] = f"{params[name]},{value}" if name in params else value
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    encoded, text = False, None
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
    else:
        text = body
    path = api_gateway_path(path)
    now = datetime.now(UTC)
    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": lowered.get("host", "localhost"),
        "domainPrefix": "local",
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", "local"),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key or f"{method.upper()} {path}",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(time.time() * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request_context["routeKey"],
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": request_context,
        "isBase64Encoded": encoded,
    }
    if params:
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if text is not None:
        event["body"] = text
    return event


def scheduled_event(rule_name: str, detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An EventBridge "Scheduled Event" as a schedule rule delivers it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-3",
        "resources": [f"arn:aws:events:eu-west-3:000000000000:rule/{rule_name}"],
        "detail": dict(detail or {}),
    }


def sqs_event(
    messages: list[tuple[str, str]], queue_name: str = "fanout", receive_count: int = 1
) -> dict[str, Any]:
    """An SQS event with the given ``(message_id, body)`` records, each received ``receive_count`` times."""
    arn = f"arn:aws:sqs:eu-west-3:000000000000:{queue_name}"
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "local",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "eu-west-3",
            }
            for message_id, body in messages
        ]
    }
