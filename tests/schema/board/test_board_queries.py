"""A board costs the same number of SQL statements at 100 deals as at 2,000."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from models.account import Role, User
from resolvers.clock import now_utc
from schema.ids import global_id
from testkit.board_data import DealSeed, TaskSeed, default_tree, seed_deals
from testkit.clients import GraphQLClient
from testkit.documents import BOARD_QUERY
from testkit.queries import logged_queries
from testkit.teams import PASSWORD, Team


async def seed(team: Team, count: int, offset: int) -> str:
    """`count` deals spread over the default process's five stages; its global id."""
    tree = await default_tree(team.workspace.id)
    assert len(tree.stages) == 5
    others = [
        await User.create(
            workspace=team.workspace,
            email=f"seller{offset}-{i}@example.com",
            name=f"Seller {i}",
            role=Role.USER,
            password_hash=PASSWORD,
        )
        for i in range(3)
    ]
    owners = [team.user.id, team.manager.id, *(u.id for u in others)]
    steps = [step.row.id for stage in tree.stages for step in stage.steps]
    rng = random.Random(count)
    now = now_utc()
    await seed_deals(
        team.workspace.id,
        tree,
        [
            DealSeed(
                name=f"Deal {offset + i}",
                owner_id=rng.choice(owners),
                value=Decimal(rng.randrange(0, 10**7)) / 100,
                is_public=rng.random() < 0.3,
                participant_ids=(team.user.id,) if rng.random() < 0.2 else (),
                completed=frozenset(rng.sample(steps, rng.randrange(0, len(steps)))),
                tasks=tuple(
                    TaskSeed(now + timedelta(hours=rng.randrange(-72, 72)))
                    for _ in range(rng.randrange(0, 3))
                ),
            )
            for i in range(count)
        ],
        now,
    )
    return global_id("Process", tree.row.id)


async def statements(client: GraphQLClient, process_id: str) -> tuple[int, int]:
    """(SQL statements, cards shown) for one full board."""
    with logged_queries() as log:
        board = (await client.data(BOARD_QUERY, {"processId": process_id, "first": 20}))["board"]
    return log.count, sum(len(c["deals"]["edges"]) for c in board["columns"])


async def test_board_statements_do_not_grow_with_deals_or_cards(
    team: Team, manager_client, user_client
):
    process_id = await seed(team, 100, 0)
    small = {
        who: await statements(c, process_id)
        for who, c in (("manager", manager_client), ("user", user_client))
    }
    await seed(team, 1900, 100)
    large = {
        who: await statements(c, process_id)
        for who, c in (("manager", manager_client), ("user", user_client))
    }

    assert large["manager"][1] == 100, "five full columns of 20 cards"
    for who in ("manager", "user"):
        assert small[who][0] == large[who][0], (who, small, large)
    assert large["manager"][0] <= 15, large


async def test_a_cards_task_dot_is_read_with_the_card(team: Team, manager_client, user_client):
    """Each card's dot comes from what the cards' statement read for it (`CARD_TASKS`):
    no statement of a board reads tasks on its own, whatever the dots show."""
    process_id = await seed(team, 60, 0)
    for client in (manager_client, user_client):
        with logged_queries() as log:
            data = await client.data(BOARD_QUERY, {"processId": process_id, "first": 20})
        dots = {
            edge["node"]["taskStatus"]
            for column in data["board"]["columns"]
            for edge in column["deals"]["edges"]
        }
        assert len(dots) > 1, dots  # the seed gives overdue, today's and later tasks
        own = [s for s in log.statements if '"task"' in s and '"union_part"' not in s]
        assert own == [], own
