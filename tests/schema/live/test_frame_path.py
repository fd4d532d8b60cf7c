"""The frame path (`schema.live.execution`, `server.frames`) over real sockets: one
execution and one encoding per group and document whatever the number of sockets, none
of Strawberry's per-socket result pipeline, frames in order with odd operation ids on
both sub-protocols, and an error in a shared result logged once and masked for all."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from resolvers import task_dot
from schema.live import execution
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, PROTOCOLS, event_id, live_client, subscribed
from testkit.teams import Team

TRANSPORT, LEGACY = PROTOCOLS
ODD_ID = 'board "one" \u0142\\'
LONE_SURROGATE_ID = "board \ud800"  # valid JSON, not Unicode: no UTF-8 encoder takes it
OTHER_DOCUMENT = BOARD_EVENTS.replace("cursor kind dealId", "cursor kind")


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every payload the frame path encodes."""
    made: list[str] = []
    encode = execution.payload_text

    def counted(result: Any) -> str:
        text = encode(result)
        made.append(text)
        return text

    monkeypatch.setattr(execution, "payload_text", counted)
    return made


@pytest.fixture
def per_socket_results(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Results that went through Strawberry's per-socket sending (none should)."""
    sent: list[object] = []

    async def transport_next(self: Operation, result: object) -> None:
        sent.append(result)

    async def legacy_data(self: BaseGraphQLWSHandler, result: object, op_id: str) -> None:
        sent.append(result)

    monkeypatch.setattr(Operation, "send_next", transport_next)
    monkeypatch.setattr(BaseGraphQLWSHandler, "send_data_message", legacy_data)
    return sent


async def test_each_group_and_document_is_executed_and_encoded_once(
    live_url, app, team: Team, manager_client, process_id: str, encodings, per_socket_results
):
    managers = [(team.tokens["manager"], TRANSPORT)] * 2 + [(team.tokens["admin"], LEGACY)]
    async with (
        live_client(live_url, *managers[0]) as first,
        live_client(live_url, *managers[1]) as second,
        live_client(live_url, *managers[2]) as legacy,
        live_client(live_url, team.tokens["user"]) as salesperson,
    ):
        sockets = [first, second, legacy, salesperson]
        for socket in sockets:
            await socket.subscribe(ODD_ID, BOARD_EVENTS, processId=process_id)
        await first.subscribe("other", OTHER_DOCUMENT, processId=process_id)
        await subscribed(app, team.workspace.id, 5)
        for i in range(4):
            await create_deal(manager_client, name=f"Framed {i}", isPublic=True)
        events = [[await socket.event(ODD_ID) for _ in range(4)] for socket in sockets]
        others = [await first.event("other") for _ in range(4)]

    names = [f"Framed {i}" for i in range(4)]
    for received in events:
        assert [event["deal"]["name"] for event in received] == names  # in order
    cursors = [event_id(event["cursor"]) for event in events[0]]
    assert cursors == sorted(cursors) and len(set(cursors)) == 4
    assert events[0] == events[1] == events[2]  # managers and the admin: one group
    assert [event["deal"]["name"] for event in others] == names
    assert "dealId" not in others[0]
    # Per event: managers' document, the salesperson's, the other document.
    assert len(encodings) == 4 * 3
    assert per_socket_results == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_error_in_a_shared_result_is_logged_once_and_masked_for_everyone(
    live_url,
    app,
    team: Team,
    manager_client,
    process_id: str,
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    def broken_dot(*args: object) -> object:
        raise RuntimeError("secret=hunter2 in a shared result")

    async with (
        live_client(live_url, team.tokens["manager"], protocol) as one,
        live_client(live_url, team.tokens["admin"], protocol) as two,
    ):
        for socket in (one, two):
            await socket.subscribe(ODD_ID, BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        monkeypatch.setattr(task_dot, "task_status", broken_dot)
        caplog.set_level(logging.INFO)
        created = await manager_client.post(
            'mutation { createDeal(input: {name: "Broken", isPublic: true}) { errors { code } } }'
        )
        assert created["data"]["createDeal"]["errors"] == []
        messages = [await socket.message(ODD_ID) for socket in (one, two)]

    for message in messages:
        assert message["id"] == ODD_ID and message["type"] in ("next", "data")
        assert "hunter2" not in str(message)
        assert [e["message"] for e in message["payload"]["errors"]] == ["Unexpected error."]
        assert message["payload"]["data"]["boardEvents"]["deal"] is None
    assert messages[0]["payload"] == messages[1]["payload"]
    logged = [r for r in caplog.records if "hunter2" in str(r.getMessage()) or r.exc_info]
    assert len(logged) == 1, [r.getMessage() for r in logged]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_operation_id_that_is_not_unicode_still_gets_its_frames(
    live_url, app, team: Team, manager_client, process_id: str, protocol: str
):
    async with live_client(live_url, team.tokens["manager"], protocol) as socket:
        await socket.subscribe(LONE_SURROGATE_ID, BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        deal = await create_deal(manager_client, name="Surrogate", isPublic=True)
        event = await socket.event(LONE_SURROGATE_ID)

    assert event["dealId"] == deal["id"]


WITH_FRAGMENTS = """
subscription Board($processId: ID!, $withColumns: Boolean!) {
  boardEvents(processId: $processId) {
    cursor
    deal { ...Card owner { name } }
    columns @include(if: $withColumns) { stage { name } dealCount }
    ... on BoardEvent { kind }
  }
}
fragment Card on Deal { name stage { name } }
"""


async def test_a_live_documents_selections_are_worked_out_once_for_every_event(
    live_url, app, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    """What a document's selections collect (fragments spread, `@include` applied) is
    worked out at its first event and kept under the document's own nodes
    (`execution._Selections`): later events collect nothing again, the memo holds at
    most an entry per selection of the document however many events, and each event
    still means what its document says."""
    collected: list[object] = []
    collect = execution.PlainFieldExecution.collect_subfields

    def counted(self: Any, return_type: Any, details: Any) -> Any:
        if getattr(self, "_selections", None) is not None:  # a live event's, not a mutation's
            collected.append(return_type)
        return collect(self, return_type, details)

    monkeypatch.setattr(execution.PlainFieldExecution, "collect_subfields", counted)
    names = ["First", *(f"Later {i}" for i in range(11))]  # more events than selections
    async with live_client(live_url, team.tokens["manager"]) as socket:
        await socket.subscribe("board", WITH_FRAGMENTS, processId=process_id, withColumns=True)
        await subscribed(app, team.workspace.id, 1)
        events = []
        for name in names:
            await create_deal(manager_client, name=name, isPublic=True)
            events.append(await socket.event("board"))
            if name == "First":
                after_first = len(collected)
        (renderer,) = [r for r in execution._renderers.values() if "Card" in r.fragments]
        kept = renderer._selections

    selections = 8  # boardEvents, deal, Card, its stage, owner, columns, their stage, `... on`
    assert isinstance(kept, execution._Selections)
    assert after_first > 0 and len(collected) == after_first
    assert len(kept.subfields) <= selections and len(kept.subplans) <= selections
    assert len(kept.plans) <= selections + 1  # and the root's
    for event, name in zip(events, names, strict=True):
        assert list(event) == ["cursor", "deal", "columns", "kind"]
        assert event["deal"]["name"] == name and event["deal"]["stage"] == {"name": "Qualify"}
        assert event["deal"]["owner"]["name"]
        assert event["kind"] == "DEAL_ADDED" and event["columns"][0]["dealCount"] >= 1
