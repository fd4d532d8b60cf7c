"""Argument values for the fuzz run: every scalar of the schema gets a strategy that
mixes ordinary values, boundaries and hostile text, plus the real ids and cursors of
the seeded workspaces (ours and a foreign one) and forged ones.

hypothesis-graphql takes these as `custom_scalars` (AST value nodes); built-in scalars
are overridden too, so that `String` and `ID` arguments see more than random text.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

import graphql
from hypothesis import strategies as st

MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

# Text a database cannot store, or that breaks naive code: NUL and other control
# characters, lone surrogates (half of a UTF-16 pair), noncharacters, bidi overrides,
# combining marks, and text past every length limit.
HOSTILE_TEXT = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "\ufffe",
    "\uffff",
    "\x1b[31mred",
    "\r\n",
    "\t",
    "\u202eevil",
    "e\u0301",
    "\U0001f4a9",
    "null",
    "undefined",
    "' OR 1=1 --",
    '"; DROP TABLE deal; --',
    "%s%s%s%n",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "a" * 201,
    "é" * 5000,
    "x" * 70_000,
]

# Numbers as clients type them: signs, separators, exponents, other scripts' digits.
HOSTILE_NUMBERS = [
    "0",
    "-0",
    "-0.00",
    "0.001",
    "1_000",
    "1,000.00",
    "1e3",
    "1E-7",
    "NaN",
    "-Infinity",
    "Infinity",
    "\u0661\u0662\u0663",
    "\uff11\uff12",
    "12.345",
    "99999999999999999999999999999999999999.99",
    "-99999999999999999.99",
    "9" * 400,
    "+5",
    " 5 ",
    "0x10",
    "",
]

DATES = [
    "2026-03-10",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "20260310",
    "2026-03-10T12:00:00",
    "\uff12\uff10\uff12\uff16-03-10",
    "-2026-03-10",
    "+12026-03-10",
    "",
]

DATETIMES = [
    "2026-03-10T12:00:00Z",
    "2026-03-10T12:00:00",
    "2026-03-10T12:00:00+02:00",
    "2026-03-10",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999-14:00",
    "9999-12-31T23:59:59",
    "1970-01-01T00:00:00Z",
    "2026-03-10T25:00:00",
    "2026-03-10T12:00:00+99:00",
    "\uff12\uff10\uff12\uff16-03-10T12:00:00",
    "2026-W10-2T12:00",
    "",
]

INTS = [0, 1, -1, 2, 20, 99, 100, 101, 1000, MAX_INT, MIN_INT, MAX_INT - 1, MIN_INT + 1]
HUGE_INTS = [MAX_INT + 1, MIN_INT - 1, 2**53 + 1, 10**40]


def _b64(raw: str | bytes, urlsafe: bool = False) -> str:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(data).decode()


def forged_ids() -> list[str]:
    """Ids no server handed out: unknown and out-of-range numbers, wrong types, broken
    base64, and ids that are not base64 at all."""
    raw = [
        "Deal:0",
        "Deal:-1",
        "Deal:2147483648",
        "Deal:99999999999999999999999999999999999999",
        "Deal:1e30",
        "Deal:1.5",
        "Deal: 1",
        "Deal:\u0661",
        "User:1",
        "Process:1",
        "Step:1",
        "Nope:1",
        ":1",
        "Deal:",
        "Deal",
        "Deal:1:2",
        "\u0000:1",
    ]
    return [
        *(_b64(text) for text in raw),
        *(_b64(text, urlsafe=True) for text in raw[:4]),
        "not-an-id",
        "====",
        "RGVhbDox=",
        "1",
        "-1",
        "A" * 300,
    ]


def forged_cursors(real: Sequence[str]) -> list[str]:
    """Cursors no server handed out: keys of the wrong type or out of every range
    (40-digit numbers, 1e30, impossible dates), wrong shapes, and real cursors with
    one part swapped for something hostile."""
    keys: list[Any] = [
        [10**40, 1],
        [1e30, 1],
        [-1e308, 1],
        ["9999-99-99T99:99:99", 1],
        ["0000-00-00", 1],
        ["2026-03-10T12:00:00+00:00", 10**40],
        [None, None],
        [[], {}],
        ["x", "y"],
        [1],
        [1, 2, 3],
        [],
        {},
        "1",
        1,
        None,
    ]
    forged = [_b64(json.dumps(key), urlsafe=True) for key in keys]
    forged += ["1" * 40, "1e30", "-1", "0", "9" * 19, "\u0661\u0662", "%%%", "=", ""]
    for cursor in real[:6]:
        try:
            key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except ValueError:
            forged.append(cursor + "x")
            continue
        if isinstance(key, list) and key:
            for hostile in (10**40, 1e30, "9999-99-99", None, "\u0000"):
                forged.append(_b64(json.dumps([hostile, *key[1:]]), urlsafe=True))
    return forged


def _string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _int_node(value: int) -> graphql.IntValueNode:
    return graphql.IntValueNode(value=str(value))


def _float_node(value: float) -> graphql.FloatValueNode:
    return graphql.FloatValueNode(value=repr(value))


def text(*pools: Sequence[str]) -> st.SearchStrategy[str]:
    """Random text (any code point, surrogates included), hostile text, and `pools`."""
    choices: list[st.SearchStrategy[str]] = [
        st.text(max_size=30),
        st.text(st.characters(codec=None), max_size=10),
        st.sampled_from(HOSTILE_TEXT),
    ]
    choices += [st.sampled_from(list(pool)) for pool in pools if pool]
    return st.one_of(choices)


def scalar_strategies(
    ids: Sequence[str], cursors: Sequence[str], strings: Sequence[str]
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """AST value strategies for every scalar of the schema, given the seeded world's
    real ids, cursors and strings (emails, names)."""
    id_pool = [*ids, *forged_ids()]
    cursor_pool = [*cursors, *forged_cursors(cursors)]
    ints = st.one_of(
        st.sampled_from(INTS), st.integers(MIN_INT, MAX_INT), st.sampled_from(HUGE_INTS)
    )
    return {
        "ID": st.one_of(
            st.sampled_from(list(ids) or ["x"]).map(_string_node),
            st.sampled_from(id_pool).map(_string_node),
            text().map(_string_node),
            st.sampled_from(INTS).map(_int_node),
        ),
        "String": text(cursor_pool, strings, HOSTILE_NUMBERS).map(_string_node),
        "Int": ints.map(_int_node),
        "Float": st.floats(allow_nan=False, allow_infinity=False).map(_float_node),
        "Decimal": st.one_of(
            st.sampled_from(HOSTILE_NUMBERS).map(_string_node),
            st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
                lambda d: _string_node(str(d))
            ),
            ints.map(_int_node),
            st.floats(allow_nan=False, allow_infinity=False).map(_float_node),
            text().map(_string_node),
        ),
        "Date": st.one_of(
            st.sampled_from(DATES).map(_string_node),
            st.dates().map(lambda d: _string_node(d.isoformat())),
            text().map(_string_node),
            ints.map(_int_node),
        ),
        "DateTime": st.one_of(
            st.sampled_from(DATETIMES).map(_string_node),
            st.datetimes(timezones=st.timezones() | st.none()).map(
                lambda d: _string_node(d.isoformat())
            ),
            text().map(_string_node),
            ints.map(_int_node),
        ),
        "Upload": st.just(graphql.NullValueNode()),
    }
