"""Requests that are not GraphQL requests at all: each gets a 400 with a GraphQL-shaped
error (`BAD_REQUEST`), one line in the log and no trace, and the server goes on."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from testkit.documents import ME_QUERY

COMPLETE_WITH_FILE = (
    "mutation ($input: CompleteStepInput!) { completeStep(input: $input) { errors { code } } }"
)
OPERATIONS = json.dumps(
    {"query": COMPLETE_WITH_FILE, "variables": {"input": {"dealId": "x", "stepId": "y"}}}
)

JSON_BODIES = {
    "invalid UTF-8": b'{"query": "\xff\xfe{ me { id } }"}',
    "a number": b"42",
    "a string": b'"x"',
    "null": b"null",
    "a list": b"[]",
    "a list of requests": json.dumps([{"query": ME_QUERY}]).encode(),
    "not JSON": b"{query",
    "nested 100k deep": b'{"query": "{ me { id } }", "variables": {"a": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}}",
    "nested deeper than the bound": (
        b'{"query": "{ me { id } }", "variables": {"a": ' + b"[" * 200 + b"]" * 200 + b"}}"
    ),
    "operationName not a string": json.dumps({"query": ME_QUERY, "operationName": 3}).encode(),
    "operationName a lone surrogate": json.dumps(
        {"query": ME_QUERY, "operationName": "\ud800"}
    ).encode(),
    "operationName not a name": json.dumps({"query": ME_QUERY, "operationName": "a b"}).encode(),
    "query not a string": json.dumps({"query": 3}).encode(),
    "variables not an object": json.dumps({"query": ME_QUERY, "variables": [1]}).encode(),
}


def _assert_bad_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"errors"}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"] and "Traceback" not in response.text


@pytest.mark.parametrize("name", list(JSON_BODIES))
async def test_malformed_json_bodies_are_bad_requests(
    name: str, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.INFO):
        response = await http.post(
            "/graphql", content=JSON_BODIES[name], headers={"content-type": "application/json"}
        )

    _assert_bad_request(response)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert (await http.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"query": ME_QUERY, "variables": "{nope"},
        {"query": ME_QUERY, "variables": "42"},
        {"query": ME_QUERY, "variables": '"x"'},
        {"query": ME_QUERY, "extensions": "[1]"},
        {"query": ME_QUERY, "variables": "[" * 5000 + "]" * 5000},
    ],
)
async def test_bad_get_parameters_are_bad_requests(params: dict[str, str], http, orm):
    _assert_bad_request(await http.get("/graphql", params=params))


async def test_get_parameters_that_are_not_utf8_are_bad_requests(http, orm):
    _assert_bad_request(await http.get("/graphql?query=%7Bme%7Bid%7D%7D&variables=%FF%FE"))


async def test_get_with_null_variables_still_works(http, orm):
    response = await http.get("/graphql", params={"query": ME_QUERY, "variables": "null"})

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""]
)
async def test_unsupported_content_types_are_bad_requests(content_type: str, http, orm):
    response = await http.post(
        "/graphql", content=json.dumps({"query": ME_QUERY}), headers={"content-type": content_type}
    )

    _assert_bad_request(response)


FILE = {"0": ("offer.pdf", b"%PDF-1.4", "application/pdf")}

MULTIPART_FORMS: dict[str, tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]] = {
    "map not an object": ({"operations": OPERATIONS, "map": "42"}, FILE),
    "map a list": ({"operations": OPERATIONS, "map": '["0"]'}, FILE),
    "map not JSON": ({"operations": OPERATIONS, "map": "{"}, FILE),
    "map value not a list": ({"operations": OPERATIONS, "map": '{"0": "variables.x"}'}, FILE),
    "map value a list of numbers": ({"operations": OPERATIONS, "map": '{"0": [1]}'}, FILE),
    "path into a string": (
        {"operations": OPERATIONS, "map": '{"0": ["variables.input.dealId.x"]}'},
        FILE,
    ),
    "path into a list by name": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"files": [None]}}),
            "map": '{"0": ["variables.files.first"]}',
        },
        FILE,
    ),
    "path past a list's end": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"files": [None]}}),
            "map": '{"0": ["variables.files.5"]}',
        },
        FILE,
    ),
    "path through a list by a digit that is no number": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"files": [None]}}),
            "map": '{"0": ["variables.files.\u00b2"]}',
        },
        FILE,
    ),
    "path through another file's place, its index written with a zero before it": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"f": [{"x": None}]}}),
            "map": '{"0": ["variables.f.0"], "1": ["variables.f.00.x"]}',
        },
        {**FILE, "1": ("other.pdf", b"%PDF-1.4", "application/pdf")},
    ),
    "path through another file's place": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"a": {"b": None}}}),
            "map": '{"0": ["variables.a"], "1": ["variables.a.b"]}',
        },
        {**FILE, "1": ("other.pdf", b"%PDF-1.4", "application/pdf")},
    ),
    "paths of one file, one inside the other": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"a": {"b": None}}}),
            "map": '{"0": ["variables.a.b", "variables.a"]}',
        },
        FILE,
    ),
    "two files in one place": (
        {
            "operations": json.dumps({"query": ME_QUERY, "variables": {"a": None}}),
            "map": '{"0": ["variables.a"], "1": ["variables.a"]}',
        },
        {**FILE, "1": ("other.pdf", b"%PDF-1.4", "application/pdf")},
    ),
    "path to a missing key": (
        {"operations": OPERATIONS, "map": '{"0": ["variables.nothing.file"]}'},
        FILE,
    ),
    "operations not JSON": ({"operations": "{", "map": '{"0": ["variables.input"]}'}, FILE),
    "operations a number": ({"operations": "7", "map": "{}"}, FILE),
    "operations missing": ({"map": '{"0": ["variables.input.file"]}'}, FILE),
    "file part missing": (
        {"operations": OPERATIONS, "map": '{"1": ["variables.input.file"]}'},
        FILE,
    ),
    "file part a plain field": (
        {"operations": OPERATIONS, "map": '{"x": ["variables.input.file"]}', "x": "text"},
        {},
    ),
}


@pytest.mark.parametrize("name", list(MULTIPART_FORMS))
async def test_malformed_multipart_requests_are_bad_requests(
    name: str, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, orm
):
    data, files = MULTIPART_FORMS[name]

    with caplog.at_level(logging.INFO):
        response = await http.post("/graphql", data=data, files=files or {"unused": ("a", b"")})

    _assert_bad_request(response)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


async def test_a_broken_multipart_body_is_a_bad_request(http, orm):
    response = await http.post(
        "/graphql",
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )

    _assert_bad_request(response)


async def test_other_refusals_of_the_http_layer_are_graphql_shaped(http, orm):
    mutation_by_get = await http.get("/graphql", params={"query": "mutation { logout { ok } }"})

    assert mutation_by_get.status_code == 400
    assert mutation_by_get.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
