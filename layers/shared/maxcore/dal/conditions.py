"""Telling a write refused by its condition from a write that failed for any other reason.

pynamodb raises one exception type per operation (PutError, UpdateError, DeleteError,
TransactWriteError) whatever DynamoDB answered. Only a condition that did not hold (or, in a
transaction, a concurrent transaction on the same item) means "the data changed meanwhile": a 409
the client resolves by reading again. A validation error, a missing table or a throttle is no
conflict: reported as one it would send the client retrying a request that can never succeed.
"""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError

_TRANSACTION_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def condition_failed(exc: PynamoDBException) -> bool:
    """Return whether ``exc`` only says that a condition of the write did not hold."""
    if isinstance(exc, TransactWriteError):
        codes = {reason.code for reason in exc.cancellation_reasons or [] if reason is not None}
        # Every other item of a cancelled transaction reports "None"; any other code is a real failure.
        codes.discard("None")
        return bool(codes) and codes <= _TRANSACTION_CONFLICTS
    return exc.cause_response_code == "ConditionalCheckFailedException"
