"""The fuzz run over HTTP: for every query and mutation field of the schema, generated
documents (valid, and with one schema violation; arguments inline or as variables;
random, boundary and hostile values, real and forged ids and cursors) sent as every
role and as nobody. Every answer must be a well-formed GraphQL answer, nothing may be
logged as an error, and a refused mutation changes nothing. Then the envelope: bodies
that are not GraphQL requests at all."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.documents import Operation, operations, root_fields
from tests.fuzz.oracle import (
    check_http,
    check_unchanged,
    fingerprint,
    refused,
    watching_logs,
)
from tests.fuzz.profiles import fuzz_settings
from tests.fuzz.values import scalar_strategies
from tests.fuzz.world import ROLES, World

FIELDS = [("query", name) for name in root_fields("query")] + [
    ("mutation", name) for name in root_fields("mutation")
]


async def send(
    http: httpx.AsyncClient, body: bytes, token: str | None, content_type: str = "application/json"
) -> httpx.Response:
    headers = {"content-type": content_type}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", content=body, headers=headers)


def encode(body: Any) -> bytes:
    """JSON as a client library writes it: non-ASCII escaped, so that lone surrogates
    travel as `\\udxxx` escapes (they cannot be encoded as UTF-8)."""
    return json.dumps(body).encode()


async def check_operation(http: httpx.AsyncClient, world: World, operation: Operation) -> None:
    """`operation` sent as every role, each answer checked."""
    await world.refresh_sessions()
    for role in ROLES:
        where = f"{operation.kind} {operation.field} as {role}"
        before = await fingerprint() if operation.kind == "mutation" else None
        with watching_logs() as logs:
            response = await send(http, encode(operation.body()), world.tokens[role])
            body = check_http(
                response.status_code, response.headers.get("content-type", ""), response.content
            )
            logs.check(where)
        if before is not None and refused(body, operation.field):
            check_unchanged(before, await fingerprint(), where)


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=[f"{k}-{f}" for k, f in FIELDS])
@fuzz_settings(short_examples=4)
@given(data=st.data())
async def test_every_root_field_answers_well_formed(
    fuzz_http: httpx.AsyncClient, world: World, kind: str, field: str, data: st.DataObject
):
    scalars = scalar_strategies(world.ids, world.cursors, world.strings)
    operation = data.draw(operations(kind, field, scalars), label="operation")
    await check_operation(fuzz_http, world, operation)


def _json_values() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )


UPLOAD_MUTATION = """
mutation ($f: Upload) {
  completeStep(input: {dealId: "x", stepId: "y", file: $f}) { errors { code } }
}
"""
REQUEST_KEYS = ("query", "variables", "operationName", "extensions")


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[bytes, str]:
    """Bodies a broken or hostile client sends: JSON that is not an object, objects whose
    keys have the wrong types, bytes that are not UTF-8, deep nesting, other content
    types, and multipart requests whose `map` is wrong."""
    kind = draw(st.sampled_from(["json", "object", "bytes", "nested", "multipart", "form"]))
    if kind == "json":
        return encode(draw(_json_values())), "application/json"
    if kind == "object":
        body = {key: draw(_json_values()) for key in draw(st.sets(st.sampled_from(REQUEST_KEYS)))}
        if draw(st.booleans()):
            body["query"] = draw(st.sampled_from(["{ me { id } }", "query Q { me { id } }", "{"]))
        return encode(body), "application/json"
    if kind == "bytes":
        raw = draw(
            st.binary(max_size=64) | st.sampled_from([b"\xff\xfe", b'{"query": "\xc3"}', b""])
        )
        return raw, draw(st.sampled_from(["application/json", "application/graphql", "text/plain"]))
    if kind == "nested":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        opener = draw(st.sampled_from(["[", '{"a":']))
        return (opener * depth).encode(), "application/json"
    if kind == "form":
        return b"query=%7Bme%7Bid%7D%7D", "application/x-www-form-urlencoded"
    operations_part = encode({"query": UPLOAD_MUTATION, "variables": {"f": None}})
    mapping = draw(
        _json_values() | st.sampled_from([{"0": ["variables.f"]}, {"0": ["variables.f.x"]}])
    )
    boundary = "fuzzboundary"
    head = f"--{boundary}\r\nContent-Disposition: form-data; "
    parts = (
        f'{head}name="operations"\r\n\r\n'.encode()
        + operations_part
        + f'\r\n{head}name="map"\r\n\r\n{json.dumps(mapping)}'.encode()
        + f'\r\n{head}name="0"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
        + f"hello\r\n--{boundary}--\r\n".encode()
    )
    return parts, f"multipart/form-data; boundary={boundary}"


@fuzz_settings(short_examples=30)
@given(envelope=envelopes(), role=st.sampled_from(ROLES))
async def test_any_body_answers_well_formed(
    fuzz_http: httpx.AsyncClient, world: World, envelope: tuple[bytes, str], role: str
):
    body, content_type = envelope
    with watching_logs() as logs:
        response = await send(fuzz_http, body, world.tokens[role], content_type)
        check_http(response.status_code, response.headers.get("content-type", ""), response.content)
        logs.check(f"a {content_type} body as {role}")
