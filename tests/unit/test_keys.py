"""Key building: every partition key starts with the tenant, and ids cannot escape it."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime

import pytest

from maxcore.dal import keys
from maxcore.dal.base import decode_cursor, decode_position, encode_cursor, encode_position, timeline_position
from maxcore.errors import BadRequestError
from maxcore.models.common import CURSOR_PATTERN, POSITION_CURSOR_PATTERN

LEAD = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def _partition_builders() -> list[tuple[str, object]]:
    return [
        (name, fn)
        for name, fn in inspect.getmembers(keys, inspect.isfunction)
        if name.endswith(("_pk", "gsi1pk", "gsi2pk")) and name != "directory_gsi1pk"
    ]


@pytest.mark.parametrize(("name", "builder"), _partition_builders())
def test_every_partition_key_begins_with_the_tenant(name: str, builder: object) -> None:
    assert callable(builder)
    arity = len(inspect.signature(builder).parameters)
    args = ["acme", *(["x"] if arity >= 2 else []), *([1] if arity >= 3 else [])][:arity]
    if name == "due_gsi2pk":
        args = ["acme", 3]
    assert str(builder(*args)).startswith("TENANT#acme#") or builder(*args) == "TENANT#acme"


@pytest.mark.parametrize("bad", ["", "ACME", "a#b", "_directory", "x", "a" * 64, "acme_co"])
def test_a_tenant_id_that_could_forge_keys_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid tenant id"):
        keys.lead_pk(bad)


def test_the_directory_cannot_collide_with_a_tenant() -> None:
    assert keys.directory_gsi1pk(0) == "TENANT#_DIRECTORY#0"
    with pytest.raises(ValueError, match="invalid tenant id"):
        keys.tenant_pk("_DIRECTORY")


def test_shards_are_stable_and_spread() -> None:
    shards = {keys.shard_of(f"tenant-{i}", keys.DIRECTORY_SHARDS) for i in range(100)}
    assert shards == set(range(keys.DIRECTORY_SHARDS))
    assert keys.shard_of("acme", 8) == keys.shard_of("acme", 8)


def test_activity_sort_keys_sort_by_time() -> None:
    earlier = keys.activity_sk("2026-03-01T08:00:00.000000Z", "01JZZZZZZZZZZZZZZZZZZZZZZZ")
    later = keys.activity_sk("2026-03-02T08:00:00.000000Z", "01JAAAAAAAAAAAAAAAAAAAAAAA")
    assert earlier < later


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(LEAD)) == LEAD


@pytest.mark.parametrize("bad", ["", "nope", encode_cursor(LEAD)[:-3], "eyJ2IjoyLCJhZnRlciI6IngifQ"])
def test_a_foreign_cursor_is_a_bad_request(bad: str) -> None:
    with pytest.raises(BadRequestError):
        decode_cursor(bad)


def test_cursors_match_the_patterns_the_openapi_states() -> None:
    # Given the cursors the lists hand out
    position = timeline_position(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), LEAD)
    # Then each matches its documented pattern and reads back as the key it came from
    assert re.match(CURSOR_PATTERN, encode_cursor(LEAD))
    assert re.match(POSITION_CURSOR_PATTERN, encode_position(position))
    assert "#" not in encode_position(position), "a # in a query string starts a fragment"
    assert decode_position(encode_position(position)) == position
    with pytest.raises(BadRequestError):
        decode_position(encode_cursor(LEAD))
