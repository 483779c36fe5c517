"""The stack's own import floor: what any function of this stack pays before it does anything.

``scripts/importtime.py`` imports this module in a fresh interpreter, with the same environment as
the functions (tracing on as deployed), and compares every function's import to it. It holds exactly
the stack the design chose and nothing of M.A.X.: a boto3 DynamoDB client, pydantic, a pynamodb model
class, Powertools' Logger, Metrics and Tracer, and an HTTP API resolver with validation and one typed
route. A function cannot cost less than this; what it costs beyond it is its own code.
"""

from __future__ import annotations

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

logger = Logger(service="floor")
metrics = Metrics(namespace="Floor", service="floor")
tracer = Tracer(service="floor")
dynamodb = boto3.client("dynamodb")
app = APIGatewayHttpResolver(enable_validation=True)


class Item(Model):
    """A one-attribute table item, as the data layer declares its items."""

    class Meta:
        table_name = "floor"

    PK = UnicodeAttribute(hash_key=True)


class Greeting(BaseModel):
    """A validated body and answer."""

    name: str


@app.post("/greetings")
def greet(body: Greeting) -> Greeting:
    """Echo the validated body."""
    return body
