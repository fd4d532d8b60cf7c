"""How subscriptions execute their events (`SharedEventExecution`)."""

from __future__ import annotations

from graphql import parse

from schema import build_schema
from schema.live.execution import SharedEventExecution

BOARD = "subscription($p: ID!) { boardEvents(processId: $p) { cursor deal { stage { name } } } }"


def test_every_event_collects_its_fields_in_a_memo_of_its_own() -> None:
    """A memo shared with the subscription kept every event's entries for as long as the
    socket lived: the servers grew by some 20 MB a minute under the soak."""
    executor = SharedEventExecution.build(
        build_schema()._schema, parse(BOARD), raw_variable_values={"p": "UHJvY2Vzczox"}
    )
    assert isinstance(executor, SharedEventExecution)

    first = executor.build_per_event_executor(object())
    second = executor.build_per_event_executor(object())

    assert isinstance(first, SharedEventExecution)
    assert isinstance(second, SharedEventExecution)
    assert first._relevant_sub_fields is not executor._relevant_sub_fields
    assert first._relevant_sub_fields is not second._relevant_sub_fields
