"""The task clock writes a TASK_DUE event when a dot changes with time, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.event import Event
from models.task import Task
from resolvers.tasks.clock import record_due_tasks
from testkit.deals import create_deal
from testkit.ids import pk
from testkit.teams import Team

TOKYO = ZoneInfo("Asia/Tokyo")


async def test_midnight_and_due_times_move_dots_once(team: Team, manager_client):
    team.workspace.timezone = "Asia/Tokyo"
    await team.workspace.save(update_fields=["timezone"])
    deal = await create_deal(manager_client, name="Night owl")
    deal_id = pk(deal["id"])
    due = datetime(2026, 3, 11, 0, 30, tzinfo=TOKYO)
    await Task.create(
        workspace_id=team.workspace.id,
        title="Early call",
        due_at=due,
        assignee_id=team.manager.id,
        deal_id=deal_id,
    )
    midnight = datetime(2026, 3, 11, 0, 0, tzinfo=TOKYO)

    turned = await record_due_tasks(
        midnight - timedelta(seconds=1), midnight + timedelta(seconds=1)
    )
    again = await record_due_tasks(midnight - timedelta(seconds=1), midnight + timedelta(seconds=1))
    fell_due = await record_due_tasks(due - timedelta(seconds=1), due + timedelta(seconds=1))
    quiet = await record_due_tasks(due + timedelta(seconds=1), due + timedelta(seconds=2))

    events = await Event.filter(kind="TASK_DUE").order_by("id")
    assert turned == {team.workspace.id} and again == set() and quiet == set()
    assert fell_due == {team.workspace.id}
    assert [e.data["changes"] for e in events] == [
        [{"field": "taskStatus", "from": "LATER", "to": "TODAY"}],
        [{"field": "taskStatus", "from": "TODAY", "to": "OVERDUE"}],
    ]
    assert all(e.deal_id == deal_id and e.actor_id is None for e in events)
