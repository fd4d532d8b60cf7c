"""What is kept by identity (`schema.kept`): found for the very objects it was made
from and never for equal ones, the least recently used forgotten first, at most `size`
entries; and an execution's own lookups (`known_by_identity`), which a different object
at a reused id does not fool."""

from __future__ import annotations

from schema.kept import KeptByIdentity, known_by_identity


class Doc:
    """Equal to any other: only identity tells two apart."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Doc)

    def __hash__(self) -> int:
        return 0


def test_a_value_is_kept_for_the_same_objects_and_key_only() -> None:
    kept: KeptByIdentity[str] = KeptByIdentity(8)
    made: list[str] = []

    def make(name: str) -> str:
        made.append(name)
        return name

    first, equal = Doc(), Doc()
    assert kept.get((first,), "a", lambda: make("first a")) == "first a"
    assert kept.get((first,), "a", lambda: make("again")) == "first a"
    assert kept.get((equal,), "a", lambda: make("equal a")) == "equal a"
    assert kept.get((first,), "b", lambda: make("first b")) == "first b"
    assert kept.get((), ("text", 1), lambda: make("by key")) == "by key"
    assert kept.get((), ("text", 1), lambda: make("by key again")) == "by key"
    assert made == ["first a", "equal a", "first b", "by key"]


def test_the_least_recently_used_is_forgotten_first() -> None:
    kept: KeptByIdentity[int] = KeptByIdentity(2)
    a, b, c = Doc(), Doc(), Doc()
    kept.get((a,), None, lambda: 1)
    kept.get((b,), None, lambda: 2)
    kept.get((a,), None, lambda: -1)  # a used again: b is now the oldest
    kept.get((c,), None, lambda: 3)  # over the size: b goes
    assert len(kept.kept) == 2
    assert kept.get((a,), None, lambda: -1) == 1
    assert kept.get((b,), None, lambda: 20) == 20  # made anew


def test_an_entry_whose_object_is_gone_is_not_found_for_a_new_one_at_its_id() -> None:
    """The entry holds its objects, so their ids are not reused while it is kept; an
    entry planted under another object's id (as if it had been reused) is not taken."""
    kept: KeptByIdentity[str] = KeptByIdentity(4)
    old, new = Doc(), Doc()
    kept.kept[(id(new), "k")] = ((old,), "old's")
    assert kept.get((new,), "k", lambda: "new's") == "new's"

    here: dict[tuple[str, int], tuple[Doc, str]] = {("plan", id(new)): (old, "old's")}
    calls: list[tuple[str, Doc]] = []

    def make(kind: str, held: Doc) -> str:
        calls.append((kind, held))
        return f"{kind} of new"

    assert known_by_identity(here, "plan", new, make) == "plan of new"
    assert known_by_identity(here, "plan", new, make) == "plan of new"
    assert known_by_identity(here, "subplan", new, make) == "subplan of new"
    assert calls == [("plan", new), ("subplan", new)]
