"""A `Statement` answers what its query answers when Tortoise runs it, on every call,
for any arguments (another workspace's, another user's, lists of other lengths, inside
a transaction), while rendering its SQL once per layout; a query that depends on
anything but its arguments is rendered every time; and the hot statements of a request
(the session, the process, the owners) are kept on this backend."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from pypika_tortoise.queries import QueryBuilder
from tortoise import connections
from tortoise.queryset import QuerySet

from models.account import AuthToken, Role, User
from resolvers import access, sql_union, statements
from resolvers.accounts import auth, users
from resolvers.board import kanban
from resolvers.clock import now_utc
from resolvers.deals import state
from resolvers.deals.lists import keyset_query
from resolvers.processes import tree
from resolvers.statements import LONGEST_LIST, Shaping, Statement
from resolvers.transactions import in_transaction
from schema.accounts.types import User as UserType
from schema.deals.types import columns_read
from schema.ids import global_id
from server.settings import Settings
from testkit.board_data import DealSeed, default_tree, seed_deals
from testkit.database import is_postgres
from testkit.documents import BOARD_QUERY
from testkit.teams import Team


def dialect() -> str:
    return connections.get("default").capabilities.dialect


def counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    renders: list[int] = []
    render = statements.render

    def counted(query: QuerySet[User]) -> tuple[str, list[object]]:
        renders.append(1)
        return render(query)

    monkeypatch.setattr(statements, "render", counted)
    return renders


def named(workspace_id: int, not_email: str, names: list[str]) -> QuerySet[User]:
    query = User.filter(workspace_id=workspace_id, name__in=names)
    return query.exclude(email=not_email).order_by("id")


def in_role(workspace_id: int, role: str) -> QuerySet[User]:
    return User.filter(workspace_id=workspace_id, role=role)


def summary(found: list[User]) -> list[tuple[int, int, str, str]]:
    return [(u.id, u.workspace_id, u.name, u.email) for u in found]


async def test_every_call_answers_what_tortoise_answers(
    team: Team, rival: Team, monkeypatch: pytest.MonkeyPatch
):
    statement = Statement(named)
    renders = counting_renders(monkeypatch)
    calls = [
        (team.workspace.id, "x@example.com", ["Sam Seller"]),
        (rival.workspace.id, "x@example.com", ["Sam Seller"]),
        (team.workspace.id, "x@example.com", ["Maria Manager"]),
        (rival.workspace.id, rival.user.email, ["Sam Seller"]),  # nobody
        (team.workspace.id, "x@example.com", ["Sam Seller", "Maria Manager"]),  # another layout
        (rival.workspace.id, "x@example.com", ["Maria Manager", "Sam Seller"]),
        (team.workspace.id, "x@example.com", []),
    ]
    for args in calls:
        found = await statement.all(*args)
        assert summary(found) == summary(await named(*args)), args
        assert all(type(u) is User and u._saved_in_db for u in found)
    assert summary(await statement.all(*calls[1])) == [
        (rival.user.id, rival.workspace.id, "Sam Seller", rival.user.email)
    ]
    assert len(renders) == 3 * 3  # per layout (lists of one, two, none): probes, first call
    assert statement.cached(dialect(), 1, "a", ["a"])
    assert statement.cached(dialect(), 1, "a", [])


async def test_a_long_list_is_rendered_every_time(team: Team, monkeypatch: pytest.MonkeyPatch):
    statement = Statement(users._users_of)
    renders = counting_renders(monkeypatch)
    ids = [team.admin.id, team.manager.id, *range(10**6, 10**6 + LONGEST_LIST)]
    for _ in range(2):
        found = await statement.all(team.workspace.id, ids)
        assert {u.id for u in found} == {team.admin.id, team.manager.id}
    assert renders == [] and not statement.cached(dialect(), 1, ids)


async def test_users_are_read_as_shown_without_their_password_hash(team: Team):
    """Without their hash, and with every column the API shows of a user: a `User`
    is made of each as of the whole row (a field the type gains must be read too)."""
    found = await users.users_by_ids(team.workspace.id, [team.admin.id, team.user.id])
    assert found.keys() == {team.admin.id, team.user.id}
    for pk, user in found.items():
        assert user._partial and not hasattr(user, "password_hash")
        full = await User.get(id=pk)
        assert (user.email, user.name, user.role, user.active, user.workspace_id) == (
            full.email,
            full.name,
            full.role,
            full.active,
            full.workspace_id,
        )
        assert vars(UserType.from_row(user)) == vars(UserType.from_row(full))


def first_few(workspace_id: int, first: int) -> QuerySet[User]:
    return User.filter(workspace_id=workspace_id).order_by("id").limit(first)


async def test_a_statement_keeps_so_many_layouts(team: Team, monkeypatch: pytest.MonkeyPatch):
    """Each page size (a `Shaping`) is a layout of its own; past `MOST_LAYOUTS` the one
    used longest ago goes (a client choosing new page sizes again and again cannot keep
    the layouts in use out), every answer the same."""
    monkeypatch.setattr(statements, "MOST_LAYOUTS", 3)
    statement = Statement(first_few)
    for first in (1, 2, 3, 1, 4, 4):
        found = await statement.all(team.workspace.id, Shaping(first))
        assert [u.id for u in found] == [u.id for u in await first_few(team.workspace.id, first)]
    kept = [statement.cached(dialect(), 1, Shaping(first)) for first in (1, 2, 3, 4)]
    assert kept == [True, False, True, True]


def named_before_now(workspace_id: int) -> QuerySet[User]:
    return User.filter(workspace_id=workspace_id, created_at__lt=now_utc() + timedelta(days=1))


def ending_with(workspace_id: int, domain: str) -> QuerySet[User]:
    """Tortoise makes the argument a pattern: the parameter is not the argument."""
    return User.filter(workspace_id=workspace_id, email__endswith=domain)


def with_a_literal(workspace_id: int) -> QuerySet[User]:
    """The argument only decides a constant: the text and parameters do not show it."""
    return User.filter(role=Role.ADMIN if workspace_id > 0 else Role.USER)


async def test_a_query_that_varies_otherwise_is_not_kept(team: Team, rival: Team):
    statement = Statement(in_role)  # an enum's field refuses the probes
    for args in ((team.workspace.id, "USER"), (rival.workspace.id, "MANAGER")):
        assert summary(await statement.all(*args)) == summary(await in_role(*args))
    assert not statement.cached(dialect(), 1, "USER")
    statement = Statement(ending_with)
    for args in ((team.workspace.id, "example.com"), (rival.workspace.id, ".org")):
        assert summary(await statement.all(*args)) == summary(await ending_with(*args))
    assert not statement.cached(dialect(), 1, ".com")
    for make in (named_before_now, with_a_literal):
        statement = Statement(make)
        for workspace in (team.workspace, rival.workspace):
            found = await statement.all(workspace.id)
            assert summary(found) == summary(await make(workspace.id)), make
        assert not statement.cached(dialect(), team.workspace.id), make


async def test_what_a_query_could_carry_besides_its_arguments_is_refused(team: Team):
    workspace_id = team.workspace.id
    with pytest.raises(TypeError):
        Statement(lambda role: User.filter(workspace_id=workspace_id, role=role))
    with pytest.raises(TypeError):
        Statement(lambda role, workspace_id=workspace_id: User.filter(role=role))
    statement = Statement(named)
    with pytest.raises(TypeError):
        await statement.all(workspace_id, 1.5, ["Sam Seller"])
    with pytest.raises(TypeError):
        await statement.all(workspace_id, "x@example.com", ["Sam Seller", 1])


async def test_inside_a_transaction_it_reads_the_transactions_rows(team: Team):
    statement = Statement(users._users_of)
    await statement.all(team.workspace.id, [team.admin.id])  # kept before
    async with in_transaction():
        added = await User.create(
            workspace=team.workspace, email="new@example.com", name="New", password_hash="x"
        )
        found = await statement.all(team.workspace.id, [added.id])
        assert [u.id for u in found] == [added.id]


async def test_sessions_come_with_their_user_and_workspace(team: Team, rival: Team):
    """The session lookup of every request: kept, and what it reads is right for each
    token, an expired, revoked or unknown one finding nobody."""
    found = await auth.live_sessions({team.tokens["manager"], rival.tokens["user"], "nobody"})
    assert {token: (u.id, u.workspace.name) for token, u in found.items()} == {
        team.tokens["manager"]: (team.manager.id, team.workspace.name),
        rival.tokens["user"]: (rival.user.id, rival.workspace.name),
    }
    assert auth._SESSIONS.cached(dialect(), now_utc(), ["a", "b", "c"])
    checked = await auth.live_session_users({team.tokens["manager"], rival.tokens["user"], "x"})
    assert checked == {
        team.tokens["manager"]: auth.SessionUser(team.manager.id, "MANAGER"),
        rival.tokens["user"]: auth.SessionUser(rival.user.id, "USER"),
    }
    assert auth._SESSION_USERS.cached(dialect(), now_utc(), ["a", "b", "c"])
    await AuthToken.filter(token_hash=auth.token_digest(rival.tokens["user"])).update(
        revoked_at=now_utc()
    )
    await AuthToken.filter(token_hash=auth.token_digest(team.tokens["manager"])).update(
        expires_at=now_utc() - timedelta(seconds=1)
    )
    assert await auth.live_sessions({team.tokens["manager"], rival.tokens["user"]}) == {}
    assert (await auth.authenticate(team.tokens["user"])).id == team.user.id  # type: ignore[union-attr]


async def test_a_request_renders_its_session_once(
    team: Team, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    """Through the HTTP app: after the first request, none of a board's statements (the
    session, the process, the figures, the cards with their owners) is rendered again."""
    default = await default_tree(team.workspace.id)
    owners = [team.user.id, team.manager.id]
    seeds = [DealSeed(name=f"Deal {i}", owner_id=owners[i % 2]) for i in range(6)]
    await seed_deals(team.workspace.id, default, seeds, now_utc())
    client = team.client(http, "manager")
    variables = {"processId": global_id("Process", default.row.id), "first": 5}
    first = await client.data(BOARD_QUERY, variables)
    renders: list[str] = []
    render = QueryBuilder.get_parameterized_sql  # what every rendering ends in
    # Only the request's: the app's own workers (the outbox relay, the task clock)
    # render their statements on their own schedule.
    requesting: ContextVar[bool] = ContextVar("requesting", default=False)

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        if requesting.get():
            renders.append(str(query))
        return render(query, *args, **kwargs)

    monkeypatch.setattr(QueryBuilder, "get_parameterized_sql", counted)
    requesting.set(True)
    assert await client.data(BOARD_QUERY, variables) == first
    assert renders == []
    owned = {
        c["node"]["owner"]["id"] for col in first["board"]["columns"] for c in col["deals"]["edges"]
    }
    assert owned == {global_id("User", owner) for owner in owners}
    assert auth._SESSIONS.cached(dialect(), now_utc(), ["a"])
    assert tree._PROCESSES.cached(dialect(), 1, [1])
    assert kanban._FIGURES_OF.cached(dialect(), True, 1, 1, 1, None, now_utc())
    # The board's cards are read with the columns its card fields need.
    card = ["id", "name", "value", "probability", "forecastValue", "taskStatus", "owner"]
    shown = columns_read(card)
    assert shown is not None
    read = Shaping(kanban.card_columns(shown))
    assert kanban._FIRST_CARDS_OF.cached(dialect(), True, 1, 1, 1, 1, Shaping(5), read)
    assert not kanban._FIRST_CARDS_OF.cached(dialect(), True, 1, 1, 1, 1, Shaping(6), read)
    assert not kanban._FIRST_CARDS_OF.cached(dialect(), True, 1, 1, 1, 1, Shaping(5), Shaping(None))


async def test_a_boards_first_pages_for_every_kind_of_viewer(team: Team, rival: Team):
    """The first pages from the kept text are those Tortoise's rendering gives, for a
    manager and a salesperson of each workspace and two page sizes (the LIMIT is text:
    each page size a layout of its own)."""
    now = now_utc()
    for which in (team, rival):
        default = await default_tree(which.workspace.id)
        owners = [which.user.id, which.manager.id]
        seeds = [
            DealSeed(
                name=f"D{i}",
                owner_id=owners[i % 2],
                is_public=i % 3 == 0,
                completed=frozenset(
                    step.row.id for stage in default.stages[: i % 4] for step in stage.steps
                ),
            )
            for i in range(30)
        ]
        await seed_deals(which.workspace.id, default, seeds, now)
    for which in (team, rival, team):
        process = (await default_tree(which.workspace.id)).row.id
        for viewer in (which.manager, which.user):
            scope = await kanban.board_scope(viewer, process, None, now, "UTC")
            every_deal = access.sees_every_deal(viewer)
            stage_ids = [stage.row.id for stage in scope.tree.stages]
            for first, columns in ((2, None), (5, None), (5, kanban.card_columns({"name"}))):
                found = await kanban._first_pages(scope, stage_ids, first, columns)
                expected = await sql_union.fetch_union(
                    [
                        keyset_query(
                            kanban._cards(scope.deals(), stage_id, columns),
                            kanban.CARD_ORDER,
                            True,
                            None,
                            first,
                        )
                        for stage_id in stage_ids
                    ]
                )
                assert found is not None
                assert [
                    [(d.id, d.name, d.updated_at, d.open_task_count) for d in page]
                    for page in found
                ] == [
                    [(d.id, d.name, d.updated_at, d.open_task_count) for d in page]
                    for page in expected
                ]
                partial = {d._partial for page in found for d in page}
                assert partial == {columns is not None}
                if columns is not None:
                    assert not any(hasattr(d, "contact_person") for page in found for d in page)
                assert sum(map(len, found)) > 0
                owners = kanban.card_owners(
                    [d for page in found for d in page], viewer.workspace_id
                )
                assert owners.keys() == {d.owner_id for page in found for d in page}
                assert {o.workspace_id for o in owners.values()} == {which.workspace.id}
                assert kanban._FIRST_CARDS_OF.cached(
                    dialect(), every_deal, 1, 1, 1, 1, Shaping(first), Shaping(columns)
                )


async def test_a_boards_figures_for_every_kind_of_viewer(team: Team, rival: Team):
    """The figures' statement (a `.values()` query shaped by the viewer's kind) answers
    what Tortoise answers, for a manager and a salesperson of each workspace."""
    now = now_utc()
    for which in (team, rival):
        default = await default_tree(which.workspace.id)
        owners = [which.user.id, which.manager.id]
        seeds = [
            DealSeed(name=f"D{i}", owner_id=owners[i % 2], value=Decimal(i), is_public=i % 3 == 0)
            for i in range(9)
        ]
        await seed_deals(which.workspace.id, default, seeds, now)
    for which in (team, rival, team):
        process = (await default_tree(which.workspace.id)).row.id
        for viewer in (which.manager, which.user):
            every_deal = access.sees_every_deal(viewer)
            stages = [stage.row.id for stage in (await default_tree(which.workspace.id)).stages]
            for some in (None, stages[:2]):
                args = (every_deal, which.workspace.id, viewer.id, process, some, now)
                found = await kanban._FIGURES_OF.all(*args)
                assert found == await kanban._figures_of(*args) and found, args
            salespeople = [which.user.id, which.manager.id]
            by_person = await kanban.figures_by_salesperson(
                which.workspace.id, process, stages, salespeople, now
            )
            for person in (which.user, which.manager):
                # a manager counted as a salesperson sees what one would: compare alike
                alike = await kanban._figures_of(
                    False, which.workspace.id, person.id, process, None, now
                )
                assert {
                    stage: figures
                    for stage, figures in by_person[person.id].items()
                    if figures.deal_count
                } == {row["stage_id"]: kanban.ColumnFigures.of_row(row) for row in alike}
    for every_deal in (True, False):
        assert kanban._FIGURES_OF.cached(dialect(), every_deal, 1, 1, 1, None, now)
        assert kanban._FIGURES_OF.cached(dialect(), every_deal, 1, 1, 1, [1, 2], now)
    for sight in kanban.Sight:
        assert kanban._SIGHT_FIGURES.cached(dialect(), sight, 1, 1, stages, [1, 2], now)


def test_probes_are_unlike_each_other_and_real_values():
    layout = ((-1, int), (3, str), (2, datetime), (0, int))
    (first, first_leaves), (second, second_leaves) = (
        statements._probes(layout, which) for which in (0, 1)
    )
    assert len(first) == len(second) == 4 and len(first_leaves) == 6
    assert len(set(first_leaves) | set(second_leaves)) == 12
    assert all(i < 0 for i in (first[0], second[0]))
    assert first[3] == [] and second[3] == []


async def test_a_deals_lock_for_every_kind_of_viewer_and_reach(team: Team, rival: Team):
    """The statement every mutation of a deal starts with finds, inside a transaction,
    what Tortoise finds: each viewer's own deals, public ones, ones they take part in,
    the trash as the reach says, never another workspace's."""
    now = now_utc()
    default = await default_tree(team.workspace.id)
    mine, manager = team.user.id, team.manager.id
    seeds = [
        DealSeed(name="Own", owner_id=mine),
        DealSeed(name="Public", owner_id=manager, is_public=True),
        DealSeed(name="Joined", owner_id=manager, participant_ids=(mine,)),
        DealSeed(name="Hidden", owner_id=manager),
        DealSeed(name="Own, trashed", owner_id=mine, deleted_at=now),
        DealSeed(name="Hidden, trashed", owner_id=manager, deleted_at=now),
    ]
    ours = await seed_deals(team.workspace.id, default, seeds, now)
    theirs = await seed_deals(
        rival.workspace.id,
        await default_tree(rival.workspace.id),
        [DealSeed(name="Theirs", owner_id=rival.user.id, is_public=True)],
        now,
    )
    deal_ids = [deal.id for deal in [*ours, *theirs]]
    found: dict[tuple[str, str], list[str]] = {}
    for viewer in (team.manager, team.user):
        every_deal = access.sees_every_deal(viewer)
        for reach in state.Reach:
            for deal_id in deal_ids:
                args = (team.workspace.id, viewer.id, every_deal, reach, deal_id)
                async with in_transaction():
                    kept = await state._LOCKED.all(*args)
                    assert [d.id for d in kept] == [d.id for d in await state._locked(*args)]
                found.setdefault((viewer.name, reach.name), []).extend(d.name for d in kept)
            assert state._LOCKED.cached(dialect(), 1, 1, every_deal, reach, 1)
    user, boss = team.user.name, team.manager.name
    assert found[(user, "VISIBLE")] == ["Own", "Public", "Joined"]
    assert found[(boss, "VISIBLE")] == ["Own", "Public", "Joined", "Hidden"]
    assert found[(boss, "REQUESTABLE")] == found[(boss, "VISIBLE")]
    assert found[(user, "TRASH")] == ["Own, trashed"]
    assert found[(boss, "TRASH")] == ["Own, trashed", "Hidden, trashed"]
    everything = [seed.name for seed in seeds]
    assert found[(user, "WORKSPACE")] == found[(boss, "WORKSPACE")] == everything
    assert found[(user, "REQUESTABLE")] == everything[:4]
    rendered = state._LOCKED.rendered(team.workspace.id, mine, False, state.Reach.VISIBLE, 1)
    assert rendered is not None
    assert ("FOR UPDATE" in rendered[0]) == (dialect() == "postgres"), "the row lock is kept"


async def test_a_deals_lock_holds_the_row_until_the_transaction_ends(
    team: Team, settings: Settings
):
    """On PostgreSQL the kept text locks the row on the transaction's own connection:
    another connection cannot lock it meanwhile, and can once the transaction ended.
    (SQLite has no row locks: a transaction's first write locks the whole database.)"""
    if not is_postgres(settings.database_url):
        pytest.skip("row locks are PostgreSQL's")
    default = await default_tree(team.workspace.id)
    (deal,) = await seed_deals(
        team.workspace.id, default, [DealSeed(name="Locked", owner_id=team.user.id)], now_utc()
    )
    other = await asyncpg.connect(settings.database_url)
    try:
        probe = 'SELECT id FROM "deal" WHERE id = $1 FOR UPDATE NOWAIT'
        for viewer in (team.user, team.manager, team.user):  # the last from the kept text
            every_deal = access.sees_every_deal(viewer)
            async with in_transaction():
                args = (team.workspace.id, viewer.id, every_deal, state.Reach.VISIBLE, deal.id)
                assert [d.id for d in await state._LOCKED.all(*args)] == [deal.id]
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await other.fetch(probe, deal.id)
            assert await other.fetch(probe, deal.id)  # the transaction ended: free again
    finally:
        await other.close()


def test_whether_a_viewer_sees_every_deal_is_a_bool_not_a_number():
    """It shapes a kept statement's text; as a number it would be filled in as a value,
    and the first viewer's text would serve every other."""
    with pytest.raises(TypeError):
        access.visible_deals_of(1, 1, 1)  # type: ignore[arg-type]
