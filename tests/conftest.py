"""Test-wide settings: fake AWS credentials and a table name, set before any code reads them."""

from __future__ import annotations

import os

# Never let a test reach a real AWS account, whatever the developer's shell holds.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_REGION": "eu-west-3",
        "TABLE_NAME": "max-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MAX",
        "POWERTOOLS_DEV": "false",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("AWS_PROFILE", None)
