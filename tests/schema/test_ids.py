"""Global ids: opaque, and anything malformed names nothing."""

from __future__ import annotations

import base64

import pytest

from resolvers.errors import Refused
from schema.ids import decode_id, global_id, parse_global_id


def _raw(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_round_trip():
    assert parse_global_id(global_id("Process", 42)) == ("Process", 42)


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
