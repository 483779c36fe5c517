"""What the operator scripts share: the shared layer on the path, and ``--tenant`` checked as the API does."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parent.parent / "layers" / "shared"


def use_layer() -> None:
    """Put the shared layer on the path, as Lambda does, before anything imports ``maxcore``."""
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def table_configured() -> bool:
    """Whether the environment names the table (``TABLE_NAME``...); if not, say what to set on stderr."""
    use_layer()
    from pydantic import ValidationError

    from maxcore.settings import get_settings

    try:
        get_settings()
    except ValidationError:
        print("set TABLE_NAME (and DYNAMODB_ENDPOINT for a local DynamoDB)", file=sys.stderr)
        return False
    return True


def tenant_id(value: str) -> str:
    """The ``--tenant`` argument type: a tenant id by the API's pattern (the repositories check it again)."""
    use_layer()
    from maxcore.models.common import TENANT_ID_PATTERN

    if not re.match(TENANT_ID_PATTERN, value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a tenant id: 2-63 lower-case letters, digits and dashes"
        )
    return value
