"""`fetch_union_over` answers what `fetch_union` answers, rendering two queries' SQL
instead of one per key when the key is only a parameter, and every query otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise.queryset import QuerySet

from models.deal import Deal
from resolvers import sql_union
from resolvers.clock import now_utc
from testkit.board_data import DealSeed, default_tree, seed_deals
from testkit.teams import Team


async def stage_ids(team: Team) -> list[int]:
    """The default process's stages, with deals in each (some in none)."""
    tree = await default_tree(team.workspace.id)
    now = now_utc()
    await seed_deals(
        team.workspace.id,
        tree,
        [
            DealSeed(
                name=f"Deal {i}",
                owner_id=[team.user.id, team.manager.id][i % 2],
                value=Decimal(i),
                completed=frozenset(
                    step.row.id for stage in tree.stages[: i % 4] for step in stage.steps
                ),
                last_activity_at=now - timedelta(hours=i),
            )
            for i in range(40)
        ],
        now,
    )
    return [stage.row.id for stage in tree.stages]


def counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    renders: list[int] = []
    render = sql_union.render

    def counted(query: Any) -> Any:
        renders.append(1)
        return render(query)

    monkeypatch.setattr(sql_union, "render", counted)
    return renders


def ids(pages: list[list[Deal]]) -> list[list[tuple[int, int]]]:
    return [[(deal.id, deal.stage_id) for deal in page] for page in pages]


@pytest.mark.parametrize(
    ("name", "make", "renders_all"),
    [
        (
            "stage only",
            lambda team: (
                lambda stage: (
                    Deal.filter(workspace_id=team.workspace.id, stage_id=stage)
                    .order_by("-updated_at", "-id")
                    .limit(3)
                )
            ),
            False,
        ),
        (
            "stage and a limit that follows it",
            lambda team: (
                lambda stage: (
                    Deal.filter(workspace_id=team.workspace.id, stage_id=stage)
                    .order_by("id")
                    .limit(stage % 5 + 1)
                )
            ),
            True,
        ),
        (
            "stage in the SQL text",
            lambda team: (
                lambda stage: (
                    Deal.filter(workspace_id=team.workspace.id)
                    .filter(stage_id__in=list(range(stage, stage + 1)))
                    .order_by("id")
                    .limit(2)
                    if stage % 2
                    else Deal.filter(workspace_id=team.workspace.id, stage_id=stage).limit(2)
                )
            ),
            True,
        ),
    ],
)
async def test_fetch_union_over_answers_as_fetch_union(
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    make: Callable[[Team], Callable[[int], QuerySet[Deal]]],
    renders_all: bool,
):
    keys = await stage_ids(team)
    query = make(team)
    expected = await sql_union.fetch_union([query(key) for key in keys])
    renders = counting_renders(monkeypatch)

    found = await sql_union.fetch_union_over(query, keys)

    assert ids(found) == ids(expected), name
    assert sum(map(len, found)) > 0
    assert len(renders) == (2 + len(keys) if renders_all else 2), name


async def test_a_limit_is_written_in_the_sql_not_sent_as_a_parameter(team: Team):
    """PostgreSQL keeps one plan for a statement only if no parameter changes how it
    would plan; a LIMIT does, so it is part of the text (and still applies)."""
    keys = await stage_ids(team)
    query = Deal.filter(workspace_id=team.workspace.id, stage_id=keys[0]).limit(37)

    sql, values = sql_union.render(query)
    (found,) = await sql_union.fetch_union([Deal.filter(workspace_id=team.workspace.id).limit(1)])

    assert "LIMIT 37" in sql and 37 not in values
    assert len(found) == 1
