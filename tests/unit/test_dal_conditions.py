"""Only a condition that did not hold is a conflict; any other failed write is not."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import (
    CancellationReason,
    DeleteError,
    PutError,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)

from maxcore.dal.conditions import condition_failed


def _cause(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "PutItem")


@pytest.mark.parametrize("error_type", [PutError, UpdateError, DeleteError])
@pytest.mark.parametrize(
    ("code", "conflict"),
    [
        ("ConditionalCheckFailedException", True),
        ("ValidationException", False),  # e.g. an empty string on DynamoDB Local before 2020
        ("ResourceNotFoundException", False),
        ("ProvisionedThroughputExceededException", False),
    ],
)
def test_a_single_write_is_a_conflict_only_when_its_condition_failed(
    error_type: type[PutError], code: str, conflict: bool
) -> None:
    assert condition_failed(error_type("failed", _cause(code))) is conflict


def _transaction(*codes: str | None) -> TransactWriteError:
    reasons = [None if code is None else CancellationReason(code=code) for code in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "x"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("failed", cause)


@pytest.mark.parametrize(
    ("codes", "conflict"),
    [
        ((None, "ConditionalCheckFailed"), True),
        (("None", "ConditionalCheckFailed", None), True),
        (("TransactionConflict", None), True),
        (("ValidationError", None), False),
        (("ConditionalCheckFailed", "ValidationError"), False),
        ((None, None), False),
        ((), False),
    ],
)
def test_a_transaction_is_a_conflict_only_when_conditions_or_concurrent_transactions_cancelled_it(
    codes: tuple[str | None, ...], conflict: bool
) -> None:
    assert condition_failed(_transaction(*codes)) is conflict
