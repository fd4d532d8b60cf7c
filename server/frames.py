"""JSON encoding of WebSocket frames, once per shared result.

Subscribers of one group get the same execution result (`schema.live.execution`), so the
same `data` object goes out in a thousand frames that differ only by operation id.
Serialising it once and splicing it into each frame saves a `json.dumps` per socket.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

_SEPARATORS = (",", ":")
CACHE_SIZE = 256


class FrameEncoder:
    def __init__(self) -> None:
        # id(data) -> (data, its JSON): the object is held so its id is not reused.
        self._cache: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, message: object) -> str:
        data = _shared_data(message)
        if data is None:
            return json.dumps(message, separators=_SEPARATORS)
        assert isinstance(message, dict)
        cached = self._cache.get(id(data))
        if cached is None or cached[0] is not data:
            cached = (data, json.dumps(data, separators=_SEPARATORS))
            self._cache[id(data)] = cached
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        op_id = message["id"]
        plain = isinstance(op_id, str) and op_id.isalnum()  # most ids need no escaping
        op_id = f'"{op_id}"' if plain else json.dumps(op_id, separators=_SEPARATORS)
        return f'{{"id":{op_id},"type":"{message["type"]}","payload":{{"data":{cached[1]}}}}}'


def _shared_data(message: object) -> Any:
    """The `data` of a result frame that carries nothing else, or None."""
    if not isinstance(message, dict) or message.get("type") not in ("next", "data"):
        return None
    if set(message) != {"id", "type", "payload"}:
        return None
    payload = message["payload"]
    if not isinstance(payload, dict) or set(payload) != {"data"}:
        return None
    data = payload["data"]
    return data if isinstance(data, dict) else None
