"""The `dealflow` command: serve, migrate, create-workspace, demo, purge-trash, export,
import."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path

import uvicorn
from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api

from resolvers.accounts import passwords
from resolvers.accounts.workspaces import NewWorkspace, create_workspace
from resolvers.deals.files import sweep_unreferenced
from resolvers.deals.lifecycle import purge_trash
from resolvers.errors import Refused
from server.backup.exporting import export_workspace
from server.backup.format import BadBackup
from server.backup.importing import import_workspace
from server.database import open_orm, tortoise_config
from server.demo import DEMO_ADMIN, DEMO_PASSWORD, seed_demo
from server.going_away import WS_PROTOCOLS
from server.http_protocol import HTTP_PROTOCOL
from server.logs import log_config
from server.settings import Settings
from server.tracing import problem as tracing_problem


async def _with_orm(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    await open_orm(tortoise_config(settings))
    try:
        await work()
    finally:
        await Tortoise.close_connections()


async def migrate(settings: Settings, target: str | None = None) -> None:
    """Apply every migration not yet applied, or move to `target` (e.g.
    `models.0003_deals`, back or forth), with Tortoise's own migration tool."""
    try:
        await migrate_api(config=tortoise_config(settings), target=target)
    finally:
        await Tortoise.close_connections()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """On SIGTERM (and Ctrl+C) uvicorn stops listening, closes WebSockets with 1001
    (`server.going_away`), lets requests in flight finish for up to
    SHUTDOWN_GRACE_SECONDS, cancels what is left, and closes the app."""
    if problems := settings.insecure_for_production():
        print("Refusing to start in production (DEALFLOW_ENV=production):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    if unusable := tracing_problem(settings.tracing):
        print(f"Refusing to start: {unusable}", file=sys.stderr)
        return 2
    made_metrics_dir = None
    if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Each worker writes its metrics here; any of them answers /metrics for all.
        made_metrics_dir = tempfile.mkdtemp(prefix="dealflow-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = made_metrics_dir
    try:
        _run_uvicorn(args, settings)
    finally:
        if made_metrics_dir is not None:
            shutil.rmtree(made_metrics_dir, ignore_errors=True)
    return 0


def _run_uvicorn(args: argparse.Namespace, settings: Settings) -> None:
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # Deflate made fan-out several times slower and costs memory per socket.
        ws_per_message_deflate=False,
        # Larger frames are refused by uvicorn (1009) before they are buffered.
        ws_max_size=settings.max_request_bytes,
        http=HTTP_PROTOCOL,
        ws=WS_PROTOCOLS[args.ws],
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # The app trusts forwarded headers only from FORWARDED_ALLOW_IPS (server.app),
        # not from uvicorn's default of 127.0.0.1.
        proxy_headers=False,
        log_level="info",
        log_config=log_config("json" if settings.logs_as_json else "text"),
        # The app logs every request itself (`server.logs`), without query strings.
        access_log=False,
    )


def _create_workspace(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> None:
        workspace, admin = await create_workspace(
            NewWorkspace(
                name=args.name,
                admin_email=args.admin_email,
                admin_password=args.admin_password,
                admin_name=args.admin_name,
                timezone=args.timezone,
                currency=args.currency,
            )
        )
        print(f"Created workspace {workspace.name!r} (id {workspace.id}); admin {admin.email}")

    return _run(_with_orm(settings, work))


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> None:
        workspace = await seed_demo(settings.file_store(), if_empty=args.if_empty)
        if workspace is None:
            print("The database already has a workspace; demo not seeded.")
        else:
            print(f"Demo workspace ready. Log in as {DEMO_ADMIN} / {DEMO_PASSWORD}")

    return _run(_with_orm(settings, work))


def _purge_trash(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else settings.trash_retention_days

    async def work() -> None:
        purged = await purge_trash(timedelta(days=days))
        print(f"Purged {purged} deal(s) deleted more than {days} days ago.")
        swept = await sweep_unreferenced(settings.file_store())
        print(f"Deleted {swept.files} file(s) nothing refers to ({swept.bytes} bytes).")

    return _run(_with_orm(settings, work))


def _export(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> None:
        store = settings.file_store()
        print(await export_workspace(args.workspace, args.output, args.with_files, store))

    return _run(_with_orm(settings, work))


def _import(args: argparse.Namespace, settings: Settings) -> int:
    async def work() -> None:
        print(await import_workspace(args.input, args.files, settings.file_store()))

    return _run(_with_orm(settings, work))


def _run(work: Awaitable[None]) -> int:
    try:
        asyncio.run(work)  # type: ignore[arg-type]
    except Refused as refusal:
        for problem in refusal.problems:
            where = f" ({'.'.join(problem.field)})" if problem.field else ""
            print(f"error: {problem.code}: {problem.message}{where}", file=sys.stderr)
        return 2
    except BadBackup as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="dealflow", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the GraphQL API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--ws",
        default="auto",
        choices=list(WS_PROTOCOLS),
        help="uvicorn's WebSocket implementation (see the fan-out benchmark in the README)",
    )
    serve.set_defaults(handler=_serve)

    migrate_command = commands.add_parser("migrate", help="apply database migrations")
    migrate_command.add_argument("--target", help="a migration to move to, e.g. models.0003_deals")
    migrate_command.set_defaults(
        handler=lambda args, settings: _run(migrate(settings, args.target))
    )

    create = commands.add_parser("create-workspace", help="a workspace and its first admin")
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-password", required=True)
    create.add_argument("--admin-name", default="Administrator")
    create.add_argument("--timezone", default="UTC")
    create.add_argument("--currency", default="EUR")
    create.set_defaults(handler=_create_workspace)

    demo = commands.add_parser("demo", help="seed the demo workspace")
    demo.add_argument("--if-empty", action="store_true", help="only into an empty database")
    demo.set_defaults(handler=_demo)

    purge = commands.add_parser(
        "purge-trash", help="delete deals past the trash retention, then files nothing refers to"
    )
    purge.add_argument("--days", type=int, help="retention in days (TRASH_RETENTION_DAYS)")
    purge.set_defaults(handler=_purge_trash)

    export = commands.add_parser("export", help="write a workspace to a file (JSON lines)")
    export.add_argument("--workspace", required=True, help="its id or its name")
    export.add_argument("--output", required=True, type=Path, metavar="FILE")
    export.add_argument(
        "--with-files", type=Path, metavar="DIR", help="copy its attached files into DIR"
    )
    export.set_defaults(handler=_export)

    load = commands.add_parser("import", help="load a workspace written by export")
    load.add_argument("--input", required=True, type=Path, metavar="FILE")
    load.add_argument(
        "--files", type=Path, metavar="DIR", help="copy its attached files from DIR (checked)"
    )
    load.set_defaults(handler=_import)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    passwords.use_hasher(settings.password_hasher())
    code: int = args.handler(args, settings)
    return code


if __name__ == "__main__":
    sys.exit(main())
