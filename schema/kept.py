"""What is worked out once per document and kept for its next requests: its
validation's errors (`schema.extensions`), its cost (`schema.cost`), its plans
(`schema.live.execution`); and, within one execution, what a selection's plan is
(`known_by_identity`, for `schema.plain_fields`).

The same few documents come all day (a board reloads), and the parser's cache
(`schema.extensions.DocumentCache`) hands the same document object for the same text,
so what is kept is looked up by the identity of the objects it was made from, never by
their value: graphql-core's syntax nodes are frozen dataclasses, whose hash walks every
node of a document on every lookup. An entry holds those objects, so that none of
their ids can be another object's while it is kept; the least recently used entry is
forgotten first, so unique documents cannot grow memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

# How many documents (parsed, validated, costed, planned) are kept: clients send the
# same few again and again (a board refreshes all day), and the bound keeps unique
# documents from growing memory. Each cache of them has this size, so that none forgets
# a document that the others still hold.
KEPT_DOCUMENTS = 256

H = TypeVar("H")
K = TypeVar("K")
V = TypeVar("V")


class KeptByIdentity(Generic[V]):
    """At most `size` values, each under the objects it was made from and a key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: dict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for `objects` (these very objects) and `key`, or `make()`'s,
        kept from now on."""
        at = (*(id(held) for held in objects), key)
        kept = self.kept.pop(at, None)
        if kept is None or any(a is not b for a, b in zip(kept[0], objects, strict=True)):
            kept = (objects, make())
            if len(self.kept) >= self.size:
                del self.kept[next(iter(self.kept))]
        self.kept[at] = kept  # the most recent last
        return kept[1]


def known_by_identity(
    here: dict[tuple[K, int], tuple[H, V]], kind: K, held: H, make: Callable[[K, H], V]
) -> V:
    """What `make(kind, held)` answers, found first in `here` under `kind` and the
    identity of `held`, which the entry holds beside it (so that its id cannot be
    another object's meanwhile). The same rule as `KeptByIdentity` without its bound and
    its order: for a dictionary that lives as long as one execution, and holds an entry
    per selection of its document, on a path taken for every card of a board."""
    key = (kind, id(held))
    found = here.get(key)
    if found is not None and found[0] is held:
        return found[1]
    made = make(kind, held)
    here[key] = (held, made)
    return made
