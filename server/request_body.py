"""Reading a GraphQL request's body and query parameters defensively.

Strawberry trusts the shape of what it parses: a body of `42`, bytes that are not
UTF-8, a multipart `map` that is not an object or a path into a string each raised
inside it (a 500 with a trace). Here every shape is checked before Strawberry sees it,
and anything wrong is a `MalformedRequest` (a 400 with a GraphQL-shaped body, see
`server.app`). JSON is also refused past `MAX_JSON_DEPTH` levels of nesting: Python's
decoder recurses, and so do the steps after it (variable coercion, copying).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from cross_web import HTTPException
from starlette.datastructures import UploadFile

# Dealflow's deepest input (a process: stages, steps, their people) nests under ten
# levels; this is generous and far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 32
# A name in a GraphQL document (the spec's Name), as long as any a client writes.
_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,199}")


class MalformedRequest(HTTPException):
    """A request whose body or parameters are not a GraphQL request: answered 400."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, reason)


def decode_json(
    data: str | bytes, what: str = "the request body", unique_keys: bool = False
) -> object:
    """`data` as JSON, or MalformedRequest: not UTF-8, not JSON, or nested too deep;
    with `unique_keys`, an object that names a key twice too (JSON keeps the last, and
    what a person wrote first would be lost without a word)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise MalformedRequest(f"{_capital(what)} is not valid UTF-8.") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique if unique_keys else None)
    except _DuplicateKey as twice:
        raise MalformedRequest(f"{_capital(what)} names {twice.key[:100]!r} twice.") from None
    except RecursionError:
        raise _too_deep(what) from None
    except ValueError:
        raise MalformedRequest(f"{_capital(what)} is not valid JSON.") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise _too_deep(what)
    return value


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    made = dict(pairs)
    if len(made) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return made


def json_object(data: str | bytes, what: str = "the request body") -> dict[str, Any]:
    value = decode_json(data, what)
    if not isinstance(value, dict):
        raise MalformedRequest(f"{_capital(what)} must be a JSON object.")
    return value


def optional_json_object(data: str | bytes, what: str) -> dict[str, Any] | None:
    """For `variables` and `extensions`: an object, or null."""
    value = decode_json(data, what)
    if value is not None and not isinstance(value, dict):
        raise MalformedRequest(f"{_capital(what)} must be a JSON object.")
    return value


def operation_name_problem(name: object, field: str = "operationName") -> str | None:
    """What is wrong with an `operationName`, if anything. Only a GraphQL name can name an
    operation; anything else (a lone surrogate, a megabyte) would only be echoed back in
    "Unknown operation named ..." (a lone surrogate cannot even be written as UTF-8)."""
    if name is None:
        return None
    if not isinstance(name, str) or _GRAPHQL_NAME.fullmatch(name) is None:
        return f"`{field}` must be null or a GraphQL name (letters, digits and _)."
    return None


def check_request_fields(data: Mapping[str, Any]) -> None:
    """The fields of a GraphQL request Strawberry does not check itself."""
    problem = operation_name_problem(data.get("operationName"))
    if problem is not None:
        raise MalformedRequest(problem)


def multipart_operations(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The GraphQL multipart request spec's `operations` and `map`, checked: the
    operations an object, the map an object whose values are lists of paths, each
    naming a file part of the form and a place in the operations that exists."""
    operations = form.get("operations")
    if not isinstance(operations, str):
        raise MalformedRequest("A multipart request needs an `operations` field.")
    parsed = json_object(operations, "`operations`")
    raw_map = form.get("map", "{}")
    if not isinstance(raw_map, str):
        raise MalformedRequest("The multipart `map` must be a JSON object.")
    files_map = json_object(raw_map, "the multipart `map`")
    places: set[tuple[str, ...]] = set()
    for name, paths in files_map.items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise MalformedRequest("Each value of the multipart `map` must be a list of paths.")
        if not isinstance(form.get(name), UploadFile):
            raise MalformedRequest(f"File {name!r} of the multipart `map` is missing.")
        for path in paths:
            _check_path(parsed, path)
            places.add(_place(places, path))
    _check_apart(places)
    return parsed, files_map


def _check_path(operations: dict[str, Any], path: str) -> None:
    """That `path` (`variables.input.file`) leads to a value that exists in
    `operations`, through objects by key and lists by index (`_index`: ASCII digits
    only, `"²"` being a digit to `str.isdigit` and no number to `int`)."""
    target: Any = operations
    for key in path.split("."):
        if isinstance(target, dict) and key in target:
            target = target[key]
        elif isinstance(target, list) and _index(key) < len(target):
            target = target[int(key)]
        else:
            raise MalformedRequest(f"The multipart `map` path {path[:100]!r} leads nowhere.")


def _index(key: str) -> int:
    """`key` as a list index, or a number no list reaches if it is none. An index is
    written one way only (`"0"`, never `"00"`): places are compared by their text, and
    `f.0` and `f.00.x` would be two places leading to one value."""
    plain = key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0"))
    return int(key) if plain else sys.maxsize


def _place(places: set[tuple[str, ...]], path: str) -> tuple[str, ...]:
    """`path` as the place a file goes, if no file goes there already."""
    place = tuple(path.split("."))
    if place in places:
        raise MalformedRequest(f"Two files of the multipart `map` go to {path[:100]!r}.")
    return place


def _check_apart(places: set[tuple[str, ...]]) -> None:
    """No file goes inside another's place (`variables.a` and `variables.a.b`): files
    are put in one after another, and the second path would lead through a file. Each
    place's shorter prefixes are looked up; a place is no deeper than the operations
    (`MAX_JSON_DEPTH`), so this stays linear in the map's length."""
    for place in places:
        for end in range(1, len(place)):
            if place[:end] in places:
                raise MalformedRequest(
                    "A file of the multipart `map` goes inside another's place "
                    f"({'.'.join(place[:end])[:100]!r})."
                )


def _depth_exceeds(value: object, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` deep (no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(what: str) -> MalformedRequest:
    return MalformedRequest(f"{_capital(what)} nests deeper than {MAX_JSON_DEPTH} levels.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
