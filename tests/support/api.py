"""Calls our HTTP functions the way API Gateway would, with a real v2 event and JWT claims."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from devserver.events import LocalContext, http_event
from devserver.functions import load_handler


@dataclass
class ApiResponse:
    """What the function answered, decoded."""

    status: int
    headers: dict[str, str]
    body: Any


class ApiClient:
    """A caller of one tenant, with its role, invoking a function's ``lambda_handler`` in process."""

    def __init__(
        self, code_uri: str, tenant_id: str | None, role: str = "admin", sub: str = "user-1"
    ) -> None:
        self.handler = load_handler(code_uri, "app.lambda_handler")
        self.claims: dict[str, Any] | None = (
            None if tenant_id is None else {"tenant_id": tenant_id, "role": role, "sub": sub}
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: bytes | str | None = None,
        query: dict[str, str] | str = "",
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        """Send one request and decode the JSON answer."""
        all_headers = {"content-type": "application/json", **(headers or {})}
        body = raw_body if raw_body is not None else (None if json_body is None else json.dumps(json_body))
        event = http_event(method, path, query=query, headers=all_headers, body=body, claims=self.claims)
        result = self.handler(event, LocalContext())
        text = result.get("body") or ""
        return ApiResponse(
            status=int(result["statusCode"]),
            headers={k.lower(): v for k, v in (result.get("headers") or {}).items()},
            body=json.loads(text) if text else None,
        )

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def patch(self, path: str, json_body: Any = None, **kwargs: Any) -> ApiResponse:
        return self.request("PATCH", path, json_body=json_body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("DELETE", path, **kwargs)
