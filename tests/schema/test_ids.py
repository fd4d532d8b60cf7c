"""Global ids: opaque (sealed: they do not reveal how many rows exist), and anything
malformed or forged names nothing."""

from __future__ import annotations

import base64
import os

import pytest

from resolvers import opaque
from resolvers.errors import Refused
from resolvers.pagination import IdCursor
from schema.ids import decode_id, global_id, parse_global_id


def _raw(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_round_trip():
    assert parse_global_id(global_id("Process", 42)) == ("Process", 42)


def test_ids_of_neighbouring_rows_share_nothing_readable():
    ids = [global_id("Deal", pk) for pk in range(1, 200)]

    assert len(set(ids)) == len(ids)
    assert all(len(i) == 22 for i in ids)
    # No common prefix or suffix gives the sequence away.
    assert len({i[:4] for i in ids}) > 150 and len({i[-4:] for i in ids}) > 150
    assert global_id("Deal", 7) != global_id("User", 7)


def test_another_secret_makes_other_ids_and_refuses_these():
    mine = global_id("Deal", 7)
    assert parse_global_id(mine) == ("Deal", 7)  # decoded (and remembered) under this one
    try:
        opaque.use_secret("another server's secret")
        assert global_id("Deal", 7) != mine
        assert parse_global_id(mine) is None
    finally:
        opaque.use_secret(os.environ["SECRET_KEY"])
    assert parse_global_id(mine) == ("Deal", 7)


def _flipped(raw: str) -> str:
    return ("B" if raw[0] == "A" else "A") + raw[1:]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "%%%",
        _raw("Process"),
        _raw("Process:"),
        _raw("Process:-1"),
        _raw("Process:1.5"),
        _raw("Process:١٢"),  # non-ASCII digits
        _raw("Process:2147483648"),  # past a 32-bit key
        _raw("Process:" + "9" * 40),
        "A" * 500,
        "A" * 22,
        _flipped(global_id("Process", 1)),
        global_id("Process", 2**31),  # past a 32-bit key
        global_id("Process", 1) + "=",
    ],
)
def test_malformed_ids_name_nothing(raw):
    assert parse_global_id(raw) is None


def test_an_id_of_another_type_reads_as_not_found():
    with pytest.raises(Refused) as refused:
        decode_id(global_id("User", 1), "Process", ("input", "id"))

    (problem,) = refused.value.problems
    assert (problem.code, problem.message, problem.field) == (
        "NOT_FOUND",
        "Process not found.",
        ("input", "id"),
    )


@pytest.mark.parametrize("kind", list(IdCursor))
def test_every_kind_of_cursor_has_its_own_tag(kind):
    cursor = kind.of(42)

    assert kind.read(cursor) == 42
    assert {other for other in IdCursor if opaque.unseal(cursor) == (other.value, 42)} == {kind}
