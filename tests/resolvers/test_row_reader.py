"""A `RowReader`'s instances are Tortoise's own (`Model._init_from_db`), field by field,
for rows of every shape the models hold: deals open and closed, with and without the
optional dates, tasks and users; and a row with columns missing makes a partial
instance, as Tortoise does. Read by name or by position (the columns of one statement's
rows) alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.models import Model

from models.account import User
from models.deal import Deal, DealStatus
from models.task import Task
from resolvers import sql_union
from resolvers.accounts import users
from resolvers.board import kanban
from resolvers.row_reader import Related, RowReader
from testkit.board_data import DealSeed, TaskSeed, default_tree, seed_deals
from testkit.teams import Team

NOW = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC)


async def raw_rows(model: type[Model], workspace_id: int) -> list[dict[str, Any]]:
    """The model's rows as the driver hands them over."""
    table = model._meta.db_table
    connection = connections.get("default")
    mark = "$1" if connection.capabilities.dialect == "postgres" else "?"
    _, rows = await connection.execute_query(
        f'SELECT * FROM "{table}" WHERE "workspace_id" = {mark} ORDER BY "id"', [workspace_id]
    )
    return [dict(row) for row in rows]


def assert_same(found: Model, expected: Model) -> None:
    for name in expected._meta.fields_db_projection:
        mine, theirs = getattr(found, name), getattr(expected, name)
        assert mine == theirs and type(mine) is type(theirs), (name, mine, theirs)
        if isinstance(theirs, datetime):
            # In UTC either way (`datetime.UTC` for Tortoise's `ZoneInfo("UTC")`).
            assert mine.utcoffset() == theirs.utcoffset() == timedelta(0)
            assert mine.tzname() == theirs.tzname() == "UTC"
            assert mine.isoformat() == theirs.isoformat()
    for flag in ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save"):
        assert getattr(found, flag) == getattr(expected, flag), flag


async def test_instances_are_tortoises_own(team: Team):
    tree = await default_tree(team.workspace.id)
    await seed_deals(
        team.workspace.id,
        tree,
        [
            DealSeed(
                name=f"Deal {i}",
                owner_id=[team.user.id, team.manager.id][i % 2],
                value=Decimal(i * 1001) / 100,
                is_public=i % 3 == 0,
                status=[DealStatus.OPEN, DealStatus.WON, DealStatus.LOST][i % 3],
                company=None if i % 2 else "Acme",
                expected_close_date=date(2026, 8, i + 1) if i % 2 else None,
                closed_at=NOW - timedelta(days=i) if i % 3 else None,
                deleted_at=NOW if i == 4 else None,
                tasks=(TaskSeed(NOW + timedelta(hours=i), done=i % 2 == 0),),
                last_activity_at=NOW - timedelta(days=i, microseconds=i),
            )
            for i in range(6)
        ],
        NOW,
    )
    for model in (Deal, Task, User):
        rows = await raw_rows(model, team.workspace.id)
        reader = RowReader(model)

        assert rows, model
        by_position = reader.at(list(rows[0]))
        assert by_position is not None
        for row in rows:
            assert_same(reader.read(row), model._init_from_db(**row))
            assert_same(by_position(list(row.values())), model._init_from_db(**row))


async def test_a_row_missing_columns_makes_a_partial_instance_as_tortoise_does(team: Team):
    """By name through Tortoise itself; by position as Tortoise reads `.only()` rows:
    the columns there, converted alike, the others absent, and the instance partial."""
    tree = await default_tree(team.workspace.id)
    await seed_deals(team.workspace.id, tree, [DealSeed(name="Deal", owner_id=team.user.id)], NOW)
    (row,) = await raw_rows(Deal, team.workspace.id)
    deal_id = row["id"]
    for missing in ("name", "created_at", "status", "value"):
        del row[missing]
    expected = Deal._init_from_db(**row)

    found = RowReader(Deal).read(row)
    by_position = RowReader(Deal).at(list(row))
    assert by_position is not None
    in_order = by_position(list(row.values()))

    for instance in (found, in_order):
        assert instance._partial and instance.id == deal_id
        for missing in ("name", "created_at", "status", "value"):
            assert not hasattr(instance, missing), missing
        assert_same_present(instance, expected)
    partial = await Deal.filter(id=deal_id).only("id", "updated_at", "rots_at").first()
    assert partial is not None and partial._partial


async def test_a_statement_of_some_columns_reads_as_tortoise_reads_it(team: Team):
    """A board's cards of some columns (`kanban.card_columns`), read by position
    through the cards' statement, are the partial instances Tortoise makes of that
    query itself, field by field."""
    tree = await default_tree(team.workspace.id)
    seeds = [
        DealSeed(name=f"Deal {i}", owner_id=team.user.id, company=None if i % 2 else "Acme")
        for i in range(5)
    ]
    await seed_deals(team.workspace.id, tree, seeds, NOW)
    columns = kanban.card_columns({"name", "company", "forecast_cents", "rots_at"})
    query = kanban._cards(
        Deal.filter(workspace_id=team.workspace.id), tree.stages[0].row.id, columns
    )
    (found,) = await sql_union.fetch_union([query.order_by("id")])
    expected = await query.order_by("id")
    assert len(found) == len(expected) == 5
    for mine, theirs in zip(found, expected, strict=True):
        assert mine._partial and not hasattr(mine, "contact_person")
        assert_same_present(mine, theirs)


def assert_same_present(found: Model, expected: Model) -> None:
    """`assert_same` over the fields `expected` holds."""
    held = [name for name in expected._meta.fields_db_projection if hasattr(expected, name)]
    assert held and held == [n for n in found._meta.fields_db_projection if hasattr(found, n)]
    for name in held:
        mine, theirs = getattr(found, name), getattr(expected, name)
        assert mine == theirs and type(mine) is type(theirs), (name, mine, theirs)
    for flag in ("_partial", "_saved_in_db", "_custom_generated_pk", "_await_when_save"):
        assert getattr(found, flag) == getattr(expected, flag), flag


async def test_a_related_row_read_in_the_same_statement_is_tortoises_own(team: Team, rival: Team):
    """A card's owner comes with it (`Related`), as Tortoise reads that user, through
    one statement of cards as a board makes it (`sql_union`); an owner in another
    workspace than the card's is not one of the card owners."""
    tree = await default_tree(team.workspace.id)
    owners = [team.user.id, team.manager.id, team.admin.id]
    seeds = [DealSeed(name=f"Deal {i}", owner_id=owners[i % 3]) for i in range(9)]
    await seed_deals(team.workspace.id, tree, seeds, NOW)
    stray = await Deal.filter(workspace_id=team.workspace.id, owner_id=team.admin.id).first()
    assert stray is not None
    await Deal.filter(id=stray.id).update(owner_id=rival.user.id)  # never done by the API
    deals = Deal.filter(workspace_id=team.workspace.id)
    pages = await sql_union.fetch_union(
        [kanban._cards(deals, stage.row.id) for stage in tree.stages]
    )
    cards = [card for page in pages for card in page]
    assert len(cards) == 9

    for card in cards:
        owner = kanban._OWNER.read(card)
        assert owner is not None and not hasattr(owner, "password_hash")
        assert_same_present(owner, await shown_user(card.owner_id))
    found = kanban.card_owners(cards, team.workspace.id)
    assert found.keys() == {team.user.id, team.manager.id, team.admin.id}
    for pk, owner in found.items():
        assert_same_present(owner, await shown_user(pk))
    # Every column of the row, when asked for.
    whole = Related(User, "owner")
    (card,) = await Deal.filter(id=cards[0].id).annotate(**whole.annotations())
    owner = whole.read(card)
    assert owner is not None
    assert_same(owner, await User.get(id=card.owner_id))


async def shown_user(pk: int) -> User:
    """The user as Tortoise reads what an operation shows of one (`SHOWN_COLUMNS`)."""
    found = await User.filter(id=pk).only(*users.SHOWN_COLUMNS).first()
    assert found is not None and found._partial
    return found


def test_a_utc_datetime_is_kept_as_the_driver_gives_it():
    """With the default zone UTC, asyncpg's datetimes (aware, `datetime.UTC`) are the
    reader's values as they are, not converted anew (a board reads some 900), and
    SQLite's text in UTC needs no conversion after parsing; another zone converts."""
    from zoneinfo import ZoneInfo

    from resolvers.row_reader import _aware_datetime

    field = Deal._meta.fields_map["updated_at"]
    in_utc = _aware_datetime(ZoneInfo("UTC"), field)
    moment = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC)
    assert in_utc(moment) is moment
    parsed = in_utc("2026-07-01 09:30:15.123456+00:00")
    assert parsed == moment and parsed.tzinfo is UTC
    in_warsaw = _aware_datetime(ZoneInfo("Europe/Warsaw"), field)(moment)
    assert in_warsaw == moment and in_warsaw.utcoffset() == timedelta(hours=2)
