"""The committed migrations describe the models exactly."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import asyncpg
import httpx
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from resolvers.accounts import passwords
from schema.ids import global_id
from server.database import tortoise_config
from server.settings import Settings
from testkit.commands import dealflow
from testkit.database import fresh_database, is_postgres
from testkit.live import event_id
from testkit.servers import dealflow_server


async def test_models_and_migrations_agree(orm: None, settings: Settings):
    apps_config = tortoise_config(settings)["apps"]

    writers = await MigrationAutodetector(Tortoise.apps, apps_config).changes()

    pending = [op.describe() for writer in writers for op in writer.operations]
    assert pending == [], (
        "The models changed without a migration: run `make migrations` and commit it. "
        f"Pending: {pending}"
    )


async def test_the_database_was_built_by_the_migrations(orm: None):
    """The test database comes from `migrate`, so every migration ran on this backend."""
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query("SELECT name FROM tortoise_migrations ORDER BY name")
    names = [row["name"] for row in rows]
    assert names[:2] == ["0001_initial", "0002_one_default_process"]


async def test_deal_amounts_migration_fills_existing_rows(settings: Settings):
    """0004 adds integer amounts to a database that already has deals (run as separate
    processes, as an operator would, so that this session's ORM stays untouched)."""
    async with fresh_database() as url:
        at_0003 = await dealflow(url, "migrate", "--target", "models.0003_deals")
        await execute(
            url,
            "INSERT INTO workspace (name, timezone, currency, created_at) "
            "VALUES ('W', 'UTC', 'EUR', CURRENT_TIMESTAMP)",
            'INSERT INTO "user" (workspace_id, email, name, role, password_hash, active, '
            "created_at) VALUES (1, 'a@b.co', 'A', 'ADMIN', 'x', TRUE, CURRENT_TIMESTAMP)",
            "INSERT INTO process (workspace_id, name, is_default, created_at, updated_at) "
            "VALUES (1, 'P', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO deal (workspace_id, process_id, owner_id, name, value, currency, "
            "status, is_public, probability, version, created_at, updated_at) VALUES "
            "(1, 1, 1, 'D', 1234.56, 'EUR', 'OPEN', FALSE, 33, 1, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)",
        )
        latest = await dealflow(url, "migrate")
        rows = await execute(url, "SELECT value_cents, forecast_cents FROM deal")

    assert at_0003.code == 0 and latest.code == 0, (at_0003, latest)
    assert rows == [(123456, 40740)]


async def execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Plain SQL through the driver, outside the ORM; the last statement's rows."""
    if is_postgres(url):
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in statements[:-1]:
                await connection.execute(statement)
            return [tuple(row) for row in await connection.fetch(statements[-1])]
        finally:
            await connection.close()
    with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as connection:
        for statement in statements[:-1]:
            connection.execute(statement)
        rows = connection.execute(statements[-1]).fetchall()
        connection.commit()
    return rows


OLD_TIME = "2026-01-05 10:00:00+00:00"

# What the first migration's schema allowed: a workspace, its people and a session, a
# process with an archived stage, and a deal.
AT_0001 = (
    "INSERT INTO workspace (id, name, timezone, currency, created_at) "
    f"VALUES (1, 'Kowalski', 'Europe/Warsaw', 'PLN', '{OLD_TIME}')",
    'INSERT INTO "user" (id, workspace_id, email, name, role, password_hash, active, '
    "created_at) VALUES (1, 1, 'boss@kowalski.pl', 'Bogna Boss', 'ADMIN', '{hash}', TRUE, "
    f"'{OLD_TIME}'), (2, 1, 'sam@kowalski.pl', 'Sam Seller', 'USER', '{{hash}}', TRUE, "
    f"'{OLD_TIME}')",
    "INSERT INTO auth_token (id, user_id, token_hash, kind, created_at, expires_at) VALUES "
    f"(1, 2, 'f00d', 'SESSION', '{OLD_TIME}', '2099-01-01 00:00:00+00:00')",
    "INSERT INTO process (id, workspace_id, name, is_default, created_at, updated_at) "
    f"VALUES (1, 1, 'Sales', TRUE, '{OLD_TIME}', '{OLD_TIME}')",
    "INSERT INTO stage (id, process_id, name, position, archived_at) VALUES "
    f"(1, 1, 'Lead', 0, NULL), (2, 1, 'Offer', 1, NULL), (3, 1, 'Old', 2, '{OLD_TIME}')",
    "INSERT INTO step (id, stage_id, name, position, weight, mandatory, who_can_perform, "
    "require_note, notify, archived_at) VALUES "
    "(1, 1, 'Call', 0, 10, FALSE, 'ANYONE', 'NOTE', '[\"MANAGERS\"]', NULL), "
    "(2, 2, 'Send offer', 0, 30, TRUE, 'SELECTED_USERS', 'NONE', '[]', NULL), "
    f"(3, 3, 'Fax', 0, 5, FALSE, 'ANYONE', 'NONE', '[]', '{OLD_TIME}')",
    "INSERT INTO step_performer (id, step_id, user_id) VALUES (1, 2, 2)",
    "INSERT INTO deal (id, workspace_id, process_id, owner_id, name, value, status, "
    "is_public, version, created_at, updated_at) VALUES "
    f"(1, 1, 1, 2, 'Solar roof', 40000.50, 'OPEN', FALSE, 2, '{OLD_TIME}', '{OLD_TIME}')",
)

FILE_HASH = "ab" * 32

# What the deals migration added room for: a completion, a participant, a cost, a task,
# the deal's events (with their board facts) and a process's, a notification.
FACTS = (
    '{"process": 1, "stage": %s, "open": true, "trash": false, "public": false, '
    '"owner": 2, "participants": [%s]}'
)
AT_0003 = (
    "UPDATE deal SET company = 'Green Farm', probability = 25 WHERE id = 1",
    "INSERT INTO step_completion (id, deal_id, step_id, completed_by_id, completed_at, note, "
    f"file_hash, file_name, file_size) VALUES (1, 1, 1, 2, '{OLD_TIME}', 'Met the CFO', "
    f"'{FILE_HASH}', 'minutes.pdf', 2048)",
    "INSERT INTO deal_participant (id, deal_id, user_id, created_at) "
    f"VALUES (1, 1, 1, '{OLD_TIME}')",
    "INSERT INTO deal_cost (id, deal_id, name, amount, position) "
    "VALUES (1, 1, 'Panels', 12000.25, 0)",
    "INSERT INTO task (id, workspace_id, title, due_at, assignee_id, deal_id, created_by_id, "
    f"done, created_at, updated_at) VALUES (1, 1, 'Call back', '{OLD_TIME}', 2, 1, 2, FALSE, "
    f"'{OLD_TIME}', '{OLD_TIME}')",
    "INSERT INTO event (id, workspace_id, deal_id, actor_id, kind, at, data) VALUES "
    f"(7, 1, 1, 2, 'DEAL_CREATED', '{OLD_TIME}', "
    '\'{"changes": [{"field": "name", "from": null, "to": "Solar roof"}], '
    f'"before": null, "after": {FACTS % ("1", "")}}}\'), '
    f"(8, 1, 1, 2, 'STEP_COMPLETED', '{OLD_TIME}', "
    '\'{"changes": [], "step": {"id": 1, "name": "Call"}, "note": "Met the CFO", '
    f'"file": "minutes.pdf", "fileHash": "{FILE_HASH}", '
    f'"before": {FACTS % ("1", "")}, "after": {FACTS % ("1", "1")}}}\'), '
    f"(9, 1, NULL, 1, 'PROCESS_CHANGED', '{OLD_TIME}', '{{\"process\": 1}}')",
    "INSERT INTO notification (id, workspace_id, recipient_id, kind, message, deal_id, step_id, "
    "actor_id, created_at) VALUES (1, 1, 1, 'STEP_COMPLETED', 'Sam completed \"Call\".', 1, 1, "
    f"2, '{OLD_TIME}'), (2, 1, 2, 'ACCESS_REQUESTED', 'Boss asks for access.', 1, NULL, 1, "
    f"'{OLD_TIME}')",
    "INSERT INTO access_request (id, deal_id, requester_id, status, created_at) "
    f"VALUES (1, 1, 1, 'PENDING', '{OLD_TIME}')",
)

UPGRADED_DEAL = """
query Deal($id: ID!) { deal(id: $id) {
  name company value currency probability stage { name } stageEnteredAt
  owner { email } participants { email }
  costs { name amount } profit tasks { title done } completedSteps { step { name } note }
  history { totalCount edges { cursor node { kind note step { name } changes { field to } } } }
} }
"""


async def test_a_database_from_the_first_migration_upgrades_with_its_data_intact(
    settings: Settings,
):
    """Data written under the first schemas, migrated to the latest: every row is still
    there, derived columns are filled, deal events became history, and the service
    serves it (log in with the old password, read the deal and its history)."""
    password = "an old password"
    hashed = await passwords.hash_password(password)
    async with fresh_database() as url:
        assert (await dealflow(url, "migrate", "--target", "models.0001_initial")).code == 0
        await execute(url, *(s.replace("{hash}", hashed) for s in AT_0001), "SELECT 1")
        assert (await dealflow(url, "migrate", "--target", "models.0003_deals")).code == 0
        await execute(url, *AT_0003, "SELECT 1")
        ran = await dealflow(url, "migrate")
        assert ran.code == 0, ran
        if is_postgres(url):  # the rows above were written with their ids: move the sequences on
            await execute(url, *(SEQUENCE_PAST_ROWS.format(table=t) for t in COUNTED_TABLES))

        counts = {
            table: (await execute(url, f'SELECT COUNT(*) FROM "{table}"'))[0][0]
            for table in COUNTED_TABLES
        }
        cents = await execute(url, "SELECT value_cents, forecast_cents FROM deal")
        history = await execute(
            url, "SELECT id, deal_id, actor_id, kind FROM history_entry ORDER BY id"
        )
        archived = await execute(url, "SELECT name FROM stage WHERE archived_at IS NOT NULL")
        files = await execute(url, "SELECT file_hash, file_size FROM history_entry WHERE id = 8")
        asked = await execute(url, "SELECT id, access_request_id FROM notification ORDER BY id")
        async with (
            dealflow_server(DATABASE_URL=url, BROADCAST_URL="memory://") as server,
            httpx.AsyncClient() as http,
        ):
            login = await http.post(
                server.http_url,
                json={"query": LOGIN, "variables": {"e": "sam@kowalski.pl", "p": password}},
            )
            token = login.json()["data"]["login"]["token"]
            answer = await http.post(
                server.http_url,
                json={"query": UPGRADED_DEAL, "variables": {"id": global_id("Deal", 1)}},
                headers={"authorization": f"Bearer {token}"},
            )

    assert counts == {table: 1 for table in COUNTED_TABLES} | {
        "user": 2,
        "stage": 3,
        "step": 3,
        "event": 3,
        "notification": 2,
    }
    assert cents == [(4000050, 1000013)]
    assert history == [(7, 1, 2, "DEAL_CREATED"), (8, 1, 2, "STEP_COMPLETED")]
    assert archived == [("Old",)]
    assert files == [(FILE_HASH, 2048)], "the file of a copied event is kept and counted"
    assert asked == [(1, None), (2, 1)], "the owner's notification names the request"
    deal = answer.json()["data"]["deal"]
    assert {k: v for k, v in deal.items() if k != "history"} == {
        "name": "Solar roof",
        "company": "Green Farm",
        "value": "40000.50",
        "currency": "PLN",
        "probability": 25,
        "stage": {"name": "Lead"},
        "stageEnteredAt": "2026-01-05T10:00:00+00:00",
        "owner": {"email": "sam@kowalski.pl"},
        "participants": [{"email": "boss@kowalski.pl"}],
        "costs": [{"name": "Panels", "amount": "12000.25"}],
        "profit": "28000.25",
        "tasks": [{"title": "Call back", "done": False}],
        "completedSteps": [{"step": {"name": "Call"}, "note": "Met the CFO"}],
    }
    assert deal["history"]["totalCount"] == 2
    completed, created = (edge["node"] for edge in deal["history"]["edges"])
    assert completed == {
        "kind": "STEP_COMPLETED",
        "note": "Met the CFO",
        "step": {"name": "Call"},
        "changes": [],
    }
    assert created["changes"] == [{"field": "name", "to": "Solar roof"}]
    assert [event_id(edge["cursor"]) for edge in deal["history"]["edges"]] == [8, 7]


COUNTED_TABLES = (
    "workspace",
    "user",
    "auth_token",
    "process",
    "stage",
    "step",
    "step_performer",
    "deal",
    "step_completion",
    "deal_participant",
    "deal_cost",
    "task",
    "event",
    "notification",
)

SEQUENCE_PAST_ROWS = (
    "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
)

LOGIN = """
mutation Login($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }
"""
