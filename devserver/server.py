"""The local API: what ``sam local start-api`` would do, without containers.

It reads the HttpApi routes of template.yaml, authorizes each request with a dev token the way the JWT
authorizer would, turns it into an API Gateway HTTP API v2 event and calls the mapped handler in this
process. DynamoDB and SQS come from an embedded moto server (DynamoDB can be DynamoDB Local or AWS
instead), the tables are created from the template's own definitions, and the template's schedules
can be fired by hand, fan-out queue and worker included. The table's stream is polled every second:
its changes go to the outbound events' stream function and the deliveries it queues are made, so an
endpoint registered locally receives its events.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

import boto3

from devserver.events import LocalContext, http_event, scheduled_event, sqs_event
from devserver.functions import load_handler, load_module
from devserver.streams import TableStream
from devserver.template import (
    HttpRoute,
    Schedule,
    SqsConsumer,
    create_tables,
    function_environment,
    http_routes,
    load_template,
    schedules,
    sqs_consumers,
    stream_consumers,
    table_definitions,
)
from devserver.token import DevTokenError, sign_dev_token, verify_dev_token

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from devserver.moto import AtomicMotoServer
    from devserver.seed import SeedReport

HOST = "127.0.0.1"
DEFAULT_PORT = 3000
LOCAL_REGION = "eu-west-3"
DEFAULT_FRONTEND_ORIGIN = "http://localhost:5173"
DEFAULT_TABLE_NAMES = {"MaxTable": "max-local", "IdempotencyTable": "max-local-idempotency"}
API_TITLE = "M.A.X. API"
MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""API Gateway refuses payloads over 10 MB before any function runs."""

SWAGGER_ASSETS = {
    "swagger-ui-bundle.min.js": "application/javascript; charset=utf-8",
    "swagger-ui.min.css": "text/css; charset=utf-8",
}

# Powertools keeps per-invocation state in module globals (the resolver's current event, the logger's
# appended keys, the metrics buffer). A Lambda sandbox runs one invocation at a time, so the handlers
# were never written to share them between threads: the dev server serialises invocations the same way.
_INVOKE_LOCK = threading.Lock()


def _envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The project's error body, so a client sees one error shape whoever answered."""
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def _invoke(function_logical_id: str, code_uri: str, handler: str, event: dict[str, Any]) -> Any:
    """Call one Lambda handler in process, one invocation at a time."""
    with _INVOKE_LOCK:
        # Loading under the lock too: load_handler registers a module before running it, so a second
        # thread could otherwise pick up a half-imported module.
        function = load_handler(code_uri, handler)
        return function(event, LocalContext(function_name=function_logical_id))


def preload_handlers(template: Mapping[str, Any]) -> None:
    """Import every function of the template now, as Lambda's init phase would, so errors show at start."""
    targets = {(route.code_uri, route.handler) for route in http_routes(template)}
    targets |= {(schedule.code_uri, schedule.handler) for schedule in schedules(template)}
    targets |= {(consumer.code_uri, consumer.handler) for consumer in sqs_consumers(template)}
    with _INVOKE_LOCK:
        for code_uri, handler in sorted(targets):
            load_handler(code_uri, handler)


# ------------------------------------------------------------------------------------------ environment


class _Environment:
    """Undoable changes to ``os.environ``: an in-process server leaves its host as it found it."""

    def __init__(self) -> None:
        self._previous: dict[str, str | None] = {}

    def set(self, name: str, value: str) -> None:
        self._previous.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def setdefault(self, name: str, value: str) -> None:
        if not os.environ.get(name):
            self.set(name, value)

    def restore(self) -> None:
        for name, value in self._previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._previous.clear()


def apply_local_defaults(environment: _Environment | None = None) -> None:
    """Fake credentials, the region and no X-Ray: what every local entry point needs before any import."""
    env = environment or _Environment()
    # Fake keys only when none are set: they never reach AWS (every client here has a local endpoint),
    # and a developer pointing DYNAMODB_ENDPOINT at AWS keeps their own.
    if not os.environ.get("AWS_PROFILE"):
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION)
    env.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    # No X-Ray daemon runs locally; the tracer would only log connection errors.
    env.set("POWERTOOLS_TRACE_DISABLED", "true")
    # Unsubscribe links are signed with this local key (AWS: the stack's generated secret).
    env.setdefault("UNSUBSCRIBE_SECRET", "local-unsubscribe-secret")


def default_table_names(template: Mapping[str, Any]) -> dict[str, str]:
    """Physical table names: TABLE_NAME / IDEMPOTENCY_TABLE_NAME when set, else the local defaults."""
    variables = _table_env_variables(template)
    names: dict[str, str] = {}
    for logical_id in table_definitions(template):
        fallback = DEFAULT_TABLE_NAMES.get(logical_id, f"max-local-{_kebab(logical_id)}")
        variable = variables.get(logical_id)
        names[logical_id] = (os.environ.get(variable, "").strip() if variable else "") or fallback
    return names


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _table_env_variables(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id of each table -> the environment variable the functions read its name from."""
    found: dict[str, str] = {}
    for name, value in _all_function_environment(template).items():
        if isinstance(value, dict) and isinstance(value.get("Ref"), str):
            found.setdefault(value["Ref"], name)
    return found


def _all_function_environment(template: Mapping[str, Any]) -> dict[str, Any]:
    # All functions share this process, so their variables share one environment; the first definition of
    # a variable wins (the template gives shared ones in Globals).
    merged: dict[str, Any] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Function":
            for name, value in function_environment(template, logical_id).items():
                merged.setdefault(name, value)
    return merged


# -------------------------------------------------------------------------------------------- backends


@dataclass
class LocalBackend:
    """The AWS services the local functions talk to, and how to put the host environment back."""

    dynamodb_endpoint: str
    sqs_endpoint: str
    embedded_dynamodb: bool
    table_names: dict[str, str]
    queue_urls: dict[str, str]
    bucket_names: dict[str, str]
    _moto: AtomicMotoServer | None = field(repr=False)
    _environment: _Environment = field(repr=False)

    def default_variable(self, name: str, value: str) -> None:
        """Set a variable the functions read unless the host set it (restored by :meth:`stop`)."""
        self._environment.setdefault(name, value)
        _reset_layer_settings()

    def sqs(self) -> SQSClient:
        """An SQS client on the local queues."""
        return boto3.client("sqs", endpoint_url=self.sqs_endpoint, region_name=os.environ["AWS_REGION"])

    def stop(self) -> None:
        """Stop moto and restore the environment variables this backend set."""
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self._environment.restore()
        _reset_layer_settings()


STREAM_POLL_SECONDS = 1.0
"""How often the dev server reads the table's stream and makes the deliveries due."""

EVENT_QUEUES = frozenset({"DeliveryQueue"})
"""The queues the poller drains: the outbound events' deliveries (the others wait for a firing)."""

LOCAL_TIMER_ROLE_ARN = "arn:aws:iam::123456789012:role/max-local-timers"
"""The role a local timer names (moto checks nothing about it)."""


def _reset_layer_settings() -> None:
    from maxcore.settings import reset_settings

    reset_settings()


def start_backend(
    template: Mapping[str, Any],
    *,
    dynamodb_endpoint: str | None = None,
    table_names: Mapping[str, str] | None = None,
    with_streams: bool = False,
) -> LocalBackend:
    """Start moto, create the template's tables and queues, and point the functions' environment at them.

    With ``dynamodb_endpoint`` (DynamoDB Local, or AWS) the tables live there; moto still serves SQS, which
    neither of those provides. ``with_streams``: the tables get the streams the template declares.
    """
    from devserver.moto import AtomicMotoServer

    environment = _Environment()
    apply_local_defaults(environment)
    # moto's werkzeug server logs a line per AWS call, drowning the dev server's own access log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto = AtomicMotoServer(ip_address=HOST)
    moto.start()
    try:
        moto_endpoint = moto.endpoint()
        endpoint = dynamodb_endpoint or moto_endpoint
        names = dict(table_names) if table_names is not None else default_table_names(template)
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_REGION"])
        create_tables(dynamodb, names, template, with_streams=with_streams)
        sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name=os.environ["AWS_REGION"])
        queue_urls = _create_queues(sqs, template)
        s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name=os.environ["AWS_REGION"])
        bucket_names = _create_buckets(s3, template)
    except BaseException:
        moto.stop()
        environment.restore()
        raise
    backend = LocalBackend(
        dynamodb_endpoint=endpoint,
        sqs_endpoint=moto_endpoint,
        embedded_dynamodb=dynamodb_endpoint is None,
        table_names=names,
        queue_urls=queue_urls,
        bucket_names=bucket_names,
        _moto=moto,
        _environment=environment,
    )
    _configure_functions(template, backend, environment)
    return backend


def _queues(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::SQS::Queue"
    }


def _create_queues(sqs: SQSClient, template: Mapping[str, Any]) -> dict[str, str]:
    """Every queue of the template, dead-letter queues first so a redrive policy can name them."""
    queues = _queues(template)

    def dead_letter_target(properties: Mapping[str, Any]) -> str | None:
        target = (properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        attribute = target.get("Fn::GetAtt") if isinstance(target, dict) else None
        return attribute[0] if isinstance(attribute, list) and attribute[0] in queues else None

    ordered = sorted(queues, key=lambda logical_id: dead_letter_target(queues[logical_id]) is not None)
    urls: dict[str, str] = {}
    for logical_id in ordered:
        properties = queues[logical_id]
        attributes: dict[str, str] = {}
        for name in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
            if isinstance(properties.get(name), int):
                attributes[name] = str(properties[name])
        target = dead_letter_target(properties)
        if target is not None:
            arn = sqs.get_queue_attributes(QueueUrl=urls[target], AttributeNames=["QueueArn"])["Attributes"]
            receives = properties["RedrivePolicy"].get("maxReceiveCount", 5)
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arn["QueueArn"], "maxReceiveCount": str(receives)}
            )
        name = f"max-local-{_kebab(logical_id)}"
        urls[logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
    return urls


def _create_buckets(s3: Any, template: Mapping[str, Any]) -> dict[str, str]:
    """Every S3 bucket of the template (the exports' files), on moto, named ``max-local-<name>``."""
    names: dict[str, str] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::S3::Bucket":
            names[logical_id] = f"max-local-{_kebab(logical_id)}"
            s3.create_bucket(
                Bucket=names[logical_id],
                CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_REGION"]},
            )
    return names


def _configure_functions(
    template: Mapping[str, Any], backend: LocalBackend, environment: _Environment
) -> None:
    """Set what the functions read at runtime: the template's variables, with local values for its Refs."""
    parameters = template.get("Parameters") or {}
    for name, value in _all_function_environment(template).items():
        resolved: str | None = None
        if isinstance(value, str | int | float | bool):
            resolved = str(value)
        elif (queue_url := _queue_of_arn(value, backend)) is not None:
            # `!GetAtt Queue.Arn` (the delivery queue's, a timer's target): the local queue's ARN.
            resolved = _queue_arn(backend, queue_url)
            environment.set(name, resolved)
            continue
        elif isinstance(value, dict) and isinstance(value.get("Ref"), str):
            ref = value["Ref"]
            if ref in backend.table_names:
                resolved = backend.table_names[ref]
            elif ref in backend.queue_urls:
                resolved = backend.queue_urls[ref]
            elif ref in backend.bucket_names:
                resolved = backend.bucket_names[ref]
            elif isinstance(parameters.get(ref), dict) and "Default" in parameters[ref]:
                resolved = str(parameters[ref]["Default"])
        if resolved is None:
            continue
        # Values the local run owns are forced; the rest (log level, stage...) stay overridable.
        owned = {**backend.table_names, **backend.queue_urls, **backend.bucket_names}
        if isinstance(value, dict) and value.get("Ref") in owned:
            environment.set(name, resolved)
        else:
            environment.setdefault(name, resolved)
    environment.set("DYNAMODB_ENDPOINT", backend.dynamodb_endpoint)
    environment.set("SQS_ENDPOINT", backend.sqs_endpoint)
    # The exports' files: moto serves S3 too.
    environment.set("S3_ENDPOINT", backend.sqs_endpoint)
    # Provider credentials live in SSM Parameter Store: moto serves it locally.
    environment.set("SSM_ENDPOINT", backend.sqs_endpoint)
    for logical_id, variable in (("MaxTable", "TABLE_NAME"), ("IdempotencyTable", "IDEMPOTENCY_TABLE_NAME")):
        if logical_id in backend.table_names:
            environment.set(variable, backend.table_names[logical_id])
    if "FanoutQueue" in backend.queue_urls:
        environment.set("FANOUT_QUEUE_URL", backend.queue_urls["FanoutQueue"])
        # One-time timers are moto's schedules too: moto keeps them without firing them.
        environment.set("SCHEDULER_ENDPOINT", backend.sqs_endpoint)
        environment.set("TIMER_TARGET_ARN", _queue_arn(backend, backend.queue_urls["FanoutQueue"]))
        environment.set("TIMER_ROLE_ARN", LOCAL_TIMER_ROLE_ARN)
        environment.set("TIMER_GROUP", "default")
    _reset_layer_settings()


def _queue_of_arn(value: Any, backend: LocalBackend) -> str | None:
    """The local URL of the queue whose ARN ``value`` names (``!GetAtt Queue.Arn``), if it is one."""
    attribute = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    if isinstance(attribute, list) and len(attribute) == 2 and attribute[1] == "Arn":
        return backend.queue_urls.get(str(attribute[0]))
    return None


def _queue_arn(backend: LocalBackend, queue_url: str) -> str:
    attributes = backend.sqs().get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


# ---------------------------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class RouteMatch:
    """A template route that matches a request, with the values of its path parameters."""

    route: HttpRoute
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        """The routeKey API Gateway puts in the event: "METHOD /path/{param}", or "$default"."""
        return "$default" if self.route.path == "$default" else f"{self.route.method} {self.route.path}"


@dataclass(frozen=True)
class _CompiledRoute:
    route: HttpRoute
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    priority: tuple[int, int]


def _compile(route: HttpRoute) -> _CompiledRoute:
    if route.path == "$default":
        return _CompiledRoute(route, re.compile(r"^.*$"), (), (3, 0))
    names: list[str] = []
    parts: list[str] = []
    greedy = False
    for segment in route.path.strip("/").split("/") if route.path != "/" else []:
        if match := re.fullmatch(r"\{([A-Za-z0-9_.-]+)(\+?)\}", segment):
            names.append(match.group(1))
            greedy = greedy or bool(match.group(2))
            parts.append("(.+)" if match.group(2) else "([^/]+)")
        else:
            parts.append(re.escape(segment))
    # No optional trailing slash: API Gateway does not match /leads/ to /leads either.
    pattern = re.compile("^/" + "/".join(parts) + "$")
    # API Gateway prefers the most specific route: no variables, then more literal segments, greedy last.
    literal = len(parts) - len(names)
    return _CompiledRoute(route, pattern, tuple(names), (2 if greedy else (1 if names else 0), -literal))


class Router:
    """Finds the template route of a request, as API Gateway's route selection would."""

    def __init__(self, routes: list[HttpRoute]) -> None:
        self._routes = sorted((_compile(route) for route in routes), key=lambda c: c.priority)

    @property
    def routes(self) -> list[HttpRoute]:
        """The routes, most specific first."""
        return [compiled.route for compiled in self._routes]

    def match(self, method: str, raw_path: str) -> RouteMatch | list[str]:
        """The route for ``method`` on ``raw_path``, or the methods the path allows (empty: unknown path)."""
        allowed: list[str] = []
        for compiled in self._routes:
            found = compiled.pattern.match(raw_path)
            if found is None:
                continue
            if compiled.route.method in (method, "ANY"):
                values = {
                    name: unquote(value) for name, value in zip(compiled.names, found.groups(), strict=True)
                }
                return RouteMatch(compiled.route, values)
            if compiled.route.method not in allowed:
                allowed.append(compiled.route.method)
        return allowed


# ---------------------------------------------------------------------------------------------- openapi


def _normalised(path: str) -> str:
    """A path with its parameter names erased, to compare /leads/{id} with /leads/{lead_id}."""
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


def merged_openapi(template: Mapping[str, Any], server_url: str) -> dict[str, Any]:
    """The OpenAPI document of every HTTP function, restricted to what template.yaml routes.

    Each function's resolver describes its own operations; an operation the template does not route is
    left out, because API Gateway would answer 404 for it. Every operation must carry an explicit
    ``operationId`` unique across the document (generated clients name their methods after it), and
    optional values are written the way client generators read best (see :func:`_one_nullable_type`).
    """
    routes = http_routes(template)
    routed = {(route.method, _normalised(route.path)) for route in routes}
    catch_all = any(route.path == "$default" for route in routes)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": API_TITLE, "version": "1.0.0", "description": API_DESCRIPTION},
        "servers": [{"url": server_url, "description": "local dev server"}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: dict[str, str] = {}
    seen_modules: set[tuple[str, str]] = set()
    for route in routes:
        module_name = route.handler.rpartition(".")[0]
        if (route.code_uri, module_name) in seen_modules:
            continue
        seen_modules.add((route.code_uri, module_name))
        schema = _function_openapi(route.code_uri, module_name)
        document["openapi"] = schema.get("openapi", document["openapi"])
        document["info"]["version"] = schema.get("info", {}).get("version", "1.0.0")
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                verb = method.upper()
                if (
                    not catch_all
                    and (verb, _normalised(path)) not in routed
                    and ("ANY", _normalised(path)) not in routed
                ):
                    print(
                        f"devserver: {verb} {path} of {route.code_uri} is not routed by template.yaml",
                        file=sys.stderr,
                    )
                    continue
                target = document["paths"].setdefault(path, {})
                if method in target:
                    raise ValueError(f"two functions define {verb} {path}")
                _check_operation_id(operation, f"{verb} {path}", operation_ids)
                target[method] = operation
        components = schema.get("components", {})
        for section in ("schemas", "securitySchemes"):
            for name, definition in components.get(section, {}).items():
                existing = document["components"][section].setdefault(name, definition)
                if existing != definition:
                    raise ValueError(f"two functions define different components.{section}.{name}")
        for tag in schema.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        document["tags"] = list(tags.values())
    return cast(dict[str, Any], _one_nullable_type(document))


API_DESCRIPTION = """\
The API of M.A.X., the AI sales assistant of the CRM. Every route but the providers' webhooks needs a
bearer token: `Authorization: Bearer <JWT>`. The token's claims `tenant_id` and `role` (`admin` or
`member`) are the only source of the caller's tenant and rights.

**Local dev server**: `.venv/bin/python -m devserver token --tenant demo --role admin` prints a dev token
(HS256, signed locally; `make dev` prints one at start). Click *Authorize* and paste it.

**Deployed stacks**: the JWT of the identity provider configured by the stack parameters `JwtIssuer` (its
`iss`; API Gateway reads its OpenID discovery document and keys) and `JwtAudience` (accepted `aud`). The
provider must put the custom claims `tenant_id` and `role` in the token.

Errors are always `{"error": {"code", "message", "details"}}`; a 422 names each invalid field in `details`.
"""

OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)+$")
"""camelCase verbNoun (`listLeads`, `createCampaign`): what client generators turn into method names."""


def _check_operation_id(operation: Mapping[str, Any], where: str, seen: dict[str, str]) -> None:
    """Refuse a missing, ill-formed or duplicate operation id: Powertools would invent a snake_case one."""
    operation_id = str(operation.get("operationId", ""))
    if not OPERATION_ID.match(operation_id):
        raise ValueError(f"{where} needs an explicit camelCase operation_id (verbNoun), not {operation_id!r}")
    if operation_id in seen:
        raise ValueError(f"{where} and {seen[operation_id]} share the operation id {operation_id!r}")
    seen[operation_id] = where


_COMBINERS = ("anyOf", "oneOf", "allOf", "$ref", "not")


def _one_nullable_type(node: Any, in_parameter: bool = False) -> Any:
    """Rewrite pydantic's ``anyOf: [X, {type: null}]`` as one schema of type ``[X, "null"]``.

    OpenAPI 3.1 (what Powertools emits) is JSON Schema: a type array is how it says "nullable", and
    openapi-typescript (``string | null``) and openapi-generator (a nullable property) read it as one
    type, where the ``anyOf`` form gives some generators a wrapper class per field. Only a plain typed
    schema folds this way; a reference or a combination stays ``anyOf: [{$ref}, {type: null}]``, the 3.1
    spelling of a nullable reference. A query or path parameter has no JSON null at all: an optional
    one is simply not sent, so its null branch is dropped. And a dict whose keys have a pattern
    (``patternProperties``) is closed, as pydantic refuses any other key.
    """
    if isinstance(node, list):
        return [_one_nullable_type(item, in_parameter) for item in node]
    if not isinstance(node, dict):
        return node
    if "in" in node and "name" in node and isinstance(node.get("schema"), dict):
        return {**node, "schema": _one_nullable_type(node["schema"], in_parameter=True)}
    folded = {key: _one_nullable_type(value, in_parameter) for key, value in node.items()}
    if "patternProperties" in folded and "additionalProperties" not in folded:
        # pydantic checks every key of a dict against its pattern: a key that does not match is refused.
        folded["additionalProperties"] = False
    branches = folded.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2 or {"type": "null"} not in branches:
        return folded
    other = next(branch for branch in branches if branch != {"type": "null"})
    outer = {key: value for key, value in folded.items() if key != "anyOf"}
    if in_parameter:
        return {**other, **outer}
    if not isinstance(other.get("type"), str) or any(key in other for key in _COMBINERS):
        return folded
    merged: dict[str, Any] = {**other, **outer, "type": [other["type"], "null"]}
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    if "const" in merged:
        merged["enum"] = [merged.pop("const"), None]
    return merged


def openapi_json(template: Mapping[str, Any], port: int = DEFAULT_PORT) -> str:
    """The merged document as docs/openapi.json holds it: sorted keys, two-space indent, final newline.

    Sorted keys make the file independent of the order functions and fields were declared in, so it
    only changes when the API does.
    """
    document = merged_openapi(template, f"http://{HOST}:{port}")
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _function_openapi(code_uri: str, module_name: str) -> dict[str, Any]:
    app = getattr(load_module(code_uri, module_name), "app", None)
    if app is None:
        raise ValueError(f"{code_uri}{module_name}.py has no resolver named `app`")
    # Imported once load_module has put the layer on the path.
    from maxcore.api import openapi_document

    return openapi_document(app)


def swagger_html() -> str:
    """Swagger UI on the local OpenAPI document, with the assets Powertools ships (no CDN)."""
    return """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>M.A.X. API - local</title>
  <link rel="stylesheet" href="/docs/swagger-ui.min.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.min.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
"""


def _swagger_asset(name: str) -> bytes:
    import aws_lambda_powertools.event_handler as event_handler

    folder = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"
    return (folder / name).read_bytes()


# -------------------------------------------------------------------------------------------- schedules


def schedule_catalogue(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The template's schedules, as ``GET /_local/schedules`` lists them."""
    return [
        {
            "name": schedule.event_name,
            "function": schedule.function_logical_id,
            "expression": schedule.expression,
            "input": schedule.input,
        }
        for schedule in schedules(template)
    ]


class UnknownScheduleError(LookupError):
    """No schedule of the template has that event name."""


def fire_schedule(name: str, template: Mapping[str, Any], backend: LocalBackend) -> dict[str, Any]:
    """Run schedule ``name`` as EventBridge would, then drain the queues it fed into their consumers.

    Returns a report of what ran: the schedule handler's result and, per consumer, each message and
    whether it succeeded. Failed messages stay on their queue, visible again for the next firing, as
    they would come back after their visibility timeout in AWS.
    """
    found = [schedule for schedule in schedules(template) if schedule.event_name == name]
    if not found:
        raise UnknownScheduleError(name)
    schedule = found[0]
    started = time.monotonic()
    event = _schedule_event(schedule)
    result = _invoke(schedule.function_logical_id, schedule.code_uri, schedule.handler, event)
    consumers = drain_queues(template, backend)
    return {
        "schedule": schedule.event_name,
        "function": schedule.function_logical_id,
        "expression": schedule.expression,
        "input": schedule.input,
        "event": event,
        "result": result,
        "consumers": consumers,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }


def _schedule_event(schedule: Schedule) -> dict[str, Any]:
    # With an Input, both EventBridge rules and EventBridge Scheduler deliver exactly that JSON;
    # without one, a rule delivers its "Scheduled Event" envelope.
    if schedule.input is None:
        return scheduled_event(schedule.event_name)
    now = datetime.now(UTC)
    # EventBridge Scheduler fills these context attributes into a ScheduleV2 Input before delivering it.
    attributes = {
        "<aws.scheduler.schedule-arn>": f"arn:aws:scheduler:{LOCAL_REGION}:000000000000:schedule/default/"
        f"{schedule.event_name}",
        "<aws.scheduler.scheduled-time>": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }
    return cast(dict[str, Any], _substitute(schedule.input, attributes))


def _substitute(value: Any, attributes: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, replacement in attributes.items():
            value = value.replace(placeholder, replacement)
        return value
    if isinstance(value, dict):
        return {key: _substitute(item, attributes) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, attributes) for item in value]
    return value


_AT_EXPRESSION = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def fire_due_timers(template: Mapping[str, Any], backend: LocalBackend) -> dict[str, Any]:
    """Deliver the one-time timers that are due as EventBridge Scheduler would, then drain the queues.

    moto keeps the ``at()`` schedules that :mod:`maxcore.services.timers` sets but never fires them:
    each one due now has its input put on its target queue and is deleted (its ``ActionAfterCompletion``
    is ``DELETE``); those still to come stay. Then the queues go to their consumers, as a schedule's
    firing does.
    """
    started = time.monotonic()
    region = os.environ["AWS_REGION"]
    scheduler = boto3.client("scheduler", endpoint_url=backend.sqs_endpoint, region_name=region)
    sqs = backend.sqs()
    now = datetime.now(UTC).replace(tzinfo=None)
    # Only timers aimed at this run's queues: a moto server shared with other runs (the tests')
    # holds theirs too, aimed at queues this run does not have.
    ours = {_queue_arn(backend, url): url for url in backend.queue_urls.values()}
    fired: list[str] = []
    for summary in scheduler.list_schedules()["Schedules"]:
        name, group = summary["Name"], summary.get("GroupName", "default")
        schedule = scheduler.get_schedule(Name=name, GroupName=group)
        at = _AT_EXPRESSION.match(schedule["ScheduleExpression"])
        if at is None or datetime.fromisoformat(at.group(1)) > now:
            continue
        target = schedule["Target"]
        queue_url = ours.get(target["Arn"])
        if queue_url is None:
            continue
        sqs.send_message(QueueUrl=queue_url, MessageBody=target.get("Input", "{}"))
        scheduler.delete_schedule(Name=name, GroupName=group)
        fired.append(name)
    consumers = drain_queues(template, backend)
    return {"fired": fired, "consumers": consumers, "duration_ms": round((time.monotonic() - started) * 1000)}


@dataclass
class _ConsumerRun:
    consumer: SqsConsumer
    invocations: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        outcomes = [message["outcome"] for message in self.messages]
        return {
            "function": self.consumer.function_logical_id,
            "queue": self.consumer.queue_logical_id,
            "invocations": self.invocations,
            "succeeded": outcomes.count("succeeded"),
            "failed": outcomes.count("failed"),
            "messages": self.messages,
        }


MAX_DRAIN_ROUNDS = 100
"""A consumer that keeps feeding its own queue would otherwise drain forever."""


def drain_queues(
    template: Mapping[str, Any], backend: LocalBackend, deliveries: bool = False
) -> list[dict[str, Any]]:
    """Deliver every queued message to its consumer in batches, like Lambda's SQS event source mapping.

    The job queues, which schedules and timers feed; with ``deliveries``, the outbound events' delivery
    queue instead, which the dev server's event poller drains.
    """
    sqs = backend.sqs()
    runs = [
        _ConsumerRun(consumer)
        for consumer in sqs_consumers(template)
        if consumer.queue_logical_id in backend.queue_urls
        and (consumer.queue_logical_id in EVENT_QUEUES) == deliveries
    ]
    failed: dict[str, list[str]] = {}
    for _ in range(MAX_DRAIN_ROUNDS):
        delivered = 0
        for run in runs:
            delivered += _deliver_batch(sqs, backend.queue_urls[run.consumer.queue_logical_id], run, failed)
        if delivered == 0:
            break
    for queue_url, handles in failed.items():
        # Received failures stay hidden for the queue's visibility timeout; showing them again now lets the
        # next firing retry them (and moto move them to the DLQ after maxReceiveCount, as AWS would).
        for start in range(0, len(handles), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(handles[start : start + 10])
                ],
            )
    return [run.report() for run in runs]


def _deliver_batch(sqs: SQSClient, queue_url: str, run: _ConsumerRun, failed: dict[str, list[str]]) -> int:
    received = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(run.consumer.batch_size, 10)),
        WaitTimeSeconds=0,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages = received.get("Messages", [])
    if not messages:
        return 0
    queue_name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    event = sqs_event([(m["MessageId"], m["Body"]) for m in messages], queue_name=queue_name)
    for record, message in zip(event["Records"], messages, strict=True):
        # The consumer sees the real receipt handle and attributes, not placeholders.
        record["receiptHandle"] = message["ReceiptHandle"]
        record["md5OfBody"] = message.get("MD5OfBody", "")
        record["attributes"].update(message.get("Attributes", {}))
    run.invocations += 1
    try:
        response = _invoke(
            run.consumer.function_logical_id, run.consumer.code_uri, run.consumer.handler, event
        )
        failures = {
            str(item.get("itemIdentifier"))
            for item in (response or {}).get("batchItemFailures", [])
            if isinstance(item, dict)
        }
        error = None
    except Exception as exc:  # an invocation error fails the whole batch, as in Lambda
        traceback.print_exc()
        failures = {m["MessageId"] for m in messages}
        error = f"{type(exc).__name__}: {exc}"
    done = [m for m in messages if m["MessageId"] not in failures]
    for start in range(0, len(done), 10):
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ],
        )
    for message in messages:
        outcome = "failed" if message["MessageId"] in failures else "succeeded"
        if outcome == "failed":
            failed.setdefault(queue_url, []).append(message["ReceiptHandle"])
        entry: dict[str, Any] = {
            "message_id": message["MessageId"],
            "body": _json_or_text(message["Body"]),
            "outcome": outcome,
        }
        if error is not None:
            entry["error"] = error
        run.messages.append(entry)
    return len(messages)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


# ------------------------------------------------------------------------------------------------ CORS


@dataclass(frozen=True)
class CorsPolicy:
    """The HttpApi's CorsConfiguration, as API Gateway applies it."""

    origins: tuple[str, ...]
    headers: tuple[str, ...]
    methods: tuple[str, ...]
    max_age: int | None

    @classmethod
    def from_template(cls, template: Mapping[str, Any]) -> CorsPolicy:
        """Read the first HttpApi's CorsConfiguration; a Ref'd origin is FRONTEND_ORIGIN locally."""
        frontend = os.environ.get("FRONTEND_ORIGIN", "").strip() or DEFAULT_FRONTEND_ORIGIN
        config: dict[str, Any] = {}
        for resource in (template.get("Resources") or {}).values():
            if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::HttpApi":
                config = (resource.get("Properties") or {}).get("CorsConfiguration") or {}
                if config:
                    break
        origins = [
            origin if isinstance(origin, str) else frontend
            for origin in config.get("AllowOrigins", [frontend])
        ]
        max_age = config.get("MaxAge")
        return cls(
            origins=tuple(dict.fromkeys(origins)),
            headers=tuple(str(h) for h in config.get("AllowHeaders", ["authorization", "content-type"])),
            methods=tuple(
                str(m)
                for m in config.get("AllowMethods", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
            ),
            max_age=max_age if isinstance(max_age, int) else None,
        )

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``, or None (no CORS headers at all)."""
        if not origin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin in self.origins else None

    def preflight_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Headers of the answer to an OPTIONS preflight."""
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return []
        headers = [
            ("Access-Control-Allow-Origin", allowed),
            ("Access-Control-Allow-Methods", ",".join(self.methods)),
            ("Access-Control-Allow-Headers", ",".join(self.headers)),
            ("Vary", "Origin"),
        ]
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        return headers


# ---------------------------------------------------------------------------------------------- server


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as an HTTP API JWT authorizer passes them on: every value a string, lists as "[a b]"."""
    flat: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            flat[name] = "[" + " ".join(str(item) for item in value) + "]"
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        else:
            flat[name] = str(value)
    return flat


@dataclass
class _Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json_reply(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    return _Reply(status, [("Content-Type", "application/json"), *(headers or [])], body)


def _error_reply(
    status: int, code: str, message: str, details: Any = None, headers: list[tuple[str, str]] | None = None
) -> _Reply:
    return _json_reply(status, _envelope(code, message, details), headers)


class DevServer:
    """The local API in this process: backends, demo data, and a threaded HTTP server on 127.0.0.1."""

    def __init__(
        self,
        port: int = 0,
        *,
        dynamodb_endpoint: str | None = None,
        table_names: Mapping[str, str] | None = None,
        template: Mapping[str, Any] | None = None,
        seed: bool = True,
        quiet: bool = False,
        poll_events_every: float | None = STREAM_POLL_SECONDS,
    ) -> None:
        self.template = dict(template) if template is not None else load_template()
        self.router = Router(http_routes(self.template))
        self.cors = CorsPolicy.from_template(self.template)
        self.quiet = quiet
        self._requested_port = port
        self._dynamodb_endpoint = dynamodb_endpoint
        self._table_names = table_names
        self._seed = seed
        self.backend: LocalBackend | None = None
        self.seed_report: SeedReport | None = None
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._openapi: dict[str, Any] | None = None
        self._poll_every = poll_events_every
        self._stream: TableStream | None = None
        self._stream_lock = threading.Lock()
        self._poller: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> DevServer:
        """Start the backends, seed the demo tenant and bind the port (not serving yet)."""
        self.backend = start_backend(
            self.template,
            dynamodb_endpoint=self._dynamodb_endpoint,
            table_names=self._table_names,
            with_streams=True,
        )
        try:
            # Endpoints on this machine (n8n on localhost, a request bin) receive the local events; set
            # OUTBOUND_EVENTS_ALLOW_LOCAL=0 to check them as AWS does.
            self.backend.default_variable("OUTBOUND_EVENTS_ALLOW_LOCAL", "1")
            preload_handlers(self.template)
            if self._seed:
                from devserver.seed import seed_demo

                self.seed_report = seed_demo()
            # The stream is read from here on: the demo data makes no events.
            self._stream = TableStream(
                self.backend.table_names["MaxTable"], self.backend.dynamodb_endpoint, os.environ["AWS_REGION"]
            )
            self._http = _HttpServer((HOST, self._requested_port), self)
            # The unsubscribe links of the e-mails sent locally open this server's page.
            self.backend.default_variable("UNSUBSCRIBE_BASE_URL", self.url)
        except BaseException:
            self.backend.stop()
            self.backend = None
            raise
        return self

    def serve_in_background(self) -> DevServer:
        """Start (if needed) and serve from a daemon thread; for tests and embedding."""
        if self._http is None:
            self.start()
        assert self._http is not None
        self._thread = threading.Thread(target=self._http.serve_forever, name="devserver", daemon=True)
        self._thread.start()
        self._start_polling()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`close` or Ctrl-C."""
        if self._http is None:
            self.start()
        assert self._http is not None
        self._start_polling()
        self._http.serve_forever()

    def close(self) -> None:
        """Stop serving and polling, stop moto and restore the environment."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.join(timeout=30)
            self._poller = None
        if self._http is not None:
            if self._thread is not None:
                self._http.shutdown()
                self._thread.join(timeout=10)
                self._thread = None
            self._http.server_close()
            self._http = None
        if self.backend is not None:
            self.backend.stop()
            self.backend = None

    def __enter__(self) -> DevServer:
        return self.serve_in_background()

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0)."""
        if self._http is None:
            raise RuntimeError("the dev server is not started")
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        """Base URL of the local API."""
        return f"http://{HOST}:{self.port}"

    # --- local features ---------------------------------------------------------------------------------
    def openapi(self) -> dict[str, Any]:
        """The merged OpenAPI document, built once (the handlers' code does not change while serving)."""
        if self._openapi is None:
            # Under the invocation lock: reading a resolver's routes while it serves a request is not
            # something Lambda ever does either.
            with _INVOKE_LOCK:
                self._openapi = merged_openapi(self.template, self.url)
        return self._openapi

    def fire(self, name: str) -> dict[str, Any]:
        """Fire a schedule of the template by its event name."""
        if self.backend is None:
            raise RuntimeError("the dev server is not started")
        return fire_schedule(name, self.template, self.backend)

    def poll_events(self) -> dict[str, Any]:
        """Hand the table's new changes to its stream functions (outbound events), then make the
        deliveries that are due, as Lambda's stream and SQS event sources would."""
        if self.backend is None or self._stream is None:
            raise RuntimeError("the dev server is not started")
        with self._stream_lock:
            event = self._stream.event()
            consumers_of_changes = stream_consumers(self.template) if event["Records"] else []
            results = [
                _invoke(consumer.function_logical_id, consumer.code_uri, consumer.handler, event)
                for consumer in consumers_of_changes
            ]
            consumers = drain_queues(self.template, self.backend, deliveries=True)
        return {"records": len(event["Records"]), "results": results, "consumers": consumers}

    def _start_polling(self) -> None:
        if self._poll_every is None or self._poller is not None:
            return
        self._poller = threading.Thread(target=self._poll_until_closed, name="devserver-events", daemon=True)
        self._poller.start()

    def _poll_until_closed(self) -> None:
        assert self._poll_every is not None
        # time.sleep, not Event.wait: a condition's timed wait never returns under libfaketime (the
        # suites' run with the clock moved ahead), where a sleep still does.
        while not self._stopping.is_set():
            time.sleep(self._poll_every)
            if self._stopping.is_set():
                return
            try:
                self.poll_events()
            except Exception:  # a failed round is shown, and the next one goes on
                traceback.print_exc()

    def fire_timers(self) -> dict[str, Any]:
        """Fire the one-time timers that are due (a scheduled message's...), then drain the queues."""
        if self.backend is None:
            raise RuntimeError("the dev server is not started")
        return fire_due_timers(self.template, self.backend)

    def health(self) -> dict[str, Any]:
        """What ``GET /_local/health`` answers."""
        backend = self.backend
        return {
            "status": "ok",
            "dynamodb_endpoint": backend.dynamodb_endpoint if backend else None,
            "embedded_dynamodb": backend.embedded_dynamodb if backend else None,
            "sqs_endpoint": backend.sqs_endpoint if backend else None,
            "tables": backend.table_names if backend else {},
            "queues": backend.queue_urls if backend else {},
            "routes": [f"{route.method} {route.path}" for route in self.router.routes],
        }

    # --- requests ----------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> _Reply:
        """Answer one HTTP request (CORS headers are added by the caller)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        lowered = {name.lower(): value for name, value in headers}
        if method == "OPTIONS" and "access-control-request-method" in lowered:
            # API Gateway answers preflights itself when CorsConfiguration is set; no function runs.
            return _Reply(204, self.cors.preflight_headers(lowered.get("origin")), b"")
        local = self._local_route(method, path)
        if local is not None:
            return local
        match = self.router.match(method, path)
        if isinstance(match, list):
            if not match:
                return _error_reply(404, "not_found", f"no route for {method} {path}")
            return _error_reply(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {path}",
                {"allowed": match},
                [("Allow", ", ".join(match))],
            )
        claims: dict[str, str] | None = None
        if match.route.auth:
            authorization = lowered.get("authorization", "")
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _error_reply(
                    401,
                    "unauthorized",
                    "send Authorization: Bearer <dev token>",
                    headers=[("WWW-Authenticate", "Bearer")],
                )
            try:
                claims = api_gateway_claims(verify_dev_token(token.strip()))
            except DevTokenError as exc:
                return _error_reply(401, "unauthorized", str(exc), headers=[("WWW-Authenticate", "Bearer")])
        event = http_event(
            method,
            path,
            route_key=match.route_key,
            path_parameters=match.path_parameters or None,
            query=parts.query,
            headers=_joined_headers(headers),
            body=body if body else None,
            claims=claims,
        )
        try:
            result = _invoke(
                match.route.function_logical_id, match.route.code_uri, match.route.handler, event
            )
        except Exception:
            # A crashed invocation is API Gateway's 500; the traceback is what the Lambda logs would show.
            traceback.print_exc()
            return _error_reply(500, "internal_error", "the function failed; see the dev server's console")
        return _lambda_reply(result, event["requestContext"]["requestId"])

    def _local_route(self, method: str, path: str) -> _Reply | None:
        """The routes only the local run has; None when ``path`` is not one of them."""
        if path.startswith("/_local/schedules/"):
            if method != "POST":
                return _error_reply(
                    405, "method_not_allowed", "fire a schedule with POST", headers=[("Allow", "POST")]
                )
            return self._fire_reply(unquote(path.removeprefix("/_local/schedules/")))
        if path == "/_local/timers/fire":
            if method != "POST":
                return _error_reply(
                    405, "method_not_allowed", "fire the due timers with POST", headers=[("Allow", "POST")]
                )
            return _json_reply(200, self.fire_timers())
        reply: _Reply | None = None
        if path == "/_local/health":
            reply = _json_reply(200, self.health())
        elif path == "/_local/schedules":
            reply = _json_reply(200, {"schedules": schedule_catalogue(self.template)})
        elif path == "/openapi.json":
            reply = _json_reply(200, self.openapi())
        elif path in ("/docs", "/docs/"):
            reply = _Reply(200, [("Content-Type", "text/html; charset=utf-8")], swagger_html().encode())
        elif path.startswith("/docs/") and path.removeprefix("/docs/") in SWAGGER_ASSETS:
            name = path.removeprefix("/docs/")
            headers = [("Content-Type", SWAGGER_ASSETS[name]), ("Cache-Control", "max-age=86400")]
            reply = _Reply(200, headers, _swagger_asset(name))
        if reply is None or method in ("GET", "HEAD"):
            return reply
        return _error_reply(
            405, "method_not_allowed", f"{method} is not allowed on {path}", headers=[("Allow", "GET")]
        )

    def _fire_reply(self, name: str) -> _Reply:
        try:
            return _json_reply(200, self.fire(name))
        except UnknownScheduleError:
            known = [schedule["name"] for schedule in schedule_catalogue(self.template)]
            return _error_reply(
                404, "not_found", f"no schedule named {name!r} in template.yaml", {"schedules": known}
            )
        except Exception as exc:
            traceback.print_exc()
            return _error_reply(500, "schedule_failed", f"{type(exc).__name__}: {exc}")


def _joined_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated request headers joined with commas, as API Gateway v2 delivers them."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _lambda_reply(result: Any, request_id: str) -> _Reply:
    """Turn a handler's return value into HTTP, as an HTTP API with payload format 2.0 does."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Format 2.0 lets a function return any JSON value: API Gateway answers it as a 200.
        return _json_reply(200, result, [("Apigw-Requestid", request_id)])
    headers = [(str(name), str(value)) for name, value in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or []]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    headers.append(("Apigw-Requestid", request_id))
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = str(raw).encode("utf-8")
    return _Reply(int(result["statusCode"]), headers, body)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: DevServer) -> None:
        self.app = app
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "max-devserver"

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server answers 501 for any method without a do_<METHOD>; API Gateway routes every method
        # (an unrouted one is a 404/405 of ours), so every method goes to the same dispatcher.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        if not cast(_HttpServer, self.server).app.quiet:
            super().log_message(format, *args)

    def _read_body(self) -> bytes | None:
        """The request body; None when it is over API Gateway's size limit."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                total += size
                if total > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        app = cast(_HttpServer, self.server).app
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            reply = _error_reply(400, "bad_request", "the request body is malformed")
        else:
            if body is None:
                # The rest of the body is never read, so this connection cannot carry another request.
                self.close_connection = True
                reply = _error_reply(413, "payload_too_large", "API Gateway refuses bodies over 10 MB")
            else:
                try:
                    reply = app.handle(self.command, self.path, list(self.headers.items()), body)
                except Exception:
                    traceback.print_exc()
                    reply = _error_reply(500, "internal_error", "the dev server failed; see its console")
        allowed = app.cors.allowed_origin(self.headers.get("Origin"))
        headers = list(reply.headers)
        if allowed is not None and not any(
            name.lower() == "access-control-allow-origin" for name, _ in headers
        ):
            headers += [("Access-Control-Allow-Origin", allowed), ("Vary", "Origin")]
        # A 204 or 304 ends at its headers (RFC 9110): no body and no Content-Length, whatever the
        # function returned, as API Gateway answers; a body there would corrupt a kept-alive connection.
        bodiless = reply.status in (204, 304)
        self.send_response(reply.status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if not bodiless:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body and not bodiless:
            self.wfile.write(reply.body)


# ---------------------------------------------------------------------------------------------- banner


def banner(server: DevServer, tenant_id: str = "demo") -> str:
    """What the dev server prints at start: where it is, tokens for the demo tenant, a curl to paste."""
    admin = sign_dev_token(tenant_id, role="admin", sub="dev-admin")
    member = sign_dev_token(tenant_id, role="member", sub="dev-member")
    backend = server.backend
    lines = [f"M.A.X. dev server on {server.url}"]
    if backend is not None:
        kind = "embedded moto, in memory" if backend.embedded_dynamodb else "external"
        tables = ", ".join(backend.table_names.values())
        lines.append(f"  DynamoDB  {backend.dynamodb_endpoint} ({kind}); tables {tables}")
        lines.append(f"  SQS       {backend.sqs_endpoint} (moto); queues {', '.join(backend.queue_urls)}")
    if server.seed_report is not None:
        report = server.seed_report
        lines.append(
            f"  Demo tenant '{report.tenant_id}': {report.leads_created} leads and "
            f"{report.activities_recorded} activities added, {report.leads_already_there} leads already there"
        )
    lines += [
        "",
        f"  Admin token  ({tenant_id}): {admin}",
        f"  Member token ({tenant_id}): {member}",
        "",
        f'  curl -s -H "Authorization: Bearer {admin}" "{server.url}/leads?limit=5"',
        "",
        f"  Docs {server.url}/docs   OpenAPI {server.url}/openapi.json   Health {server.url}/_local/health",
        f"  Schedules: GET {server.url}/_local/schedules; fire one with",
        f"  curl -s -X POST {server.url}/_local/schedules/<EventName>",
        f"  Due one-time timers (scheduled messages): curl -s -X POST {server.url}/_local/timers/fire",
        "  Outbound events: the table's stream is read every second; registered endpoints get their events.",
        "  Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@contextmanager
def running_dev_server(**kwargs: Any) -> Iterator[DevServer]:
    """A dev server serving from a background thread for the duration of the block."""
    server = DevServer(**kwargs)
    server.serve_in_background()
    try:
        yield server
    finally:
        server.close()
