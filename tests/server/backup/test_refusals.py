"""What `dealflow import` and `dealflow export` refuse: one line on stderr, a non-zero
exit, and nothing changed (every table counted before and after, STORAGE_DIR listed, no
file written)."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import Tortoise

from models.account import Role, User
from models.deal import StepCompletion
from models.process import Step
from models.product import Product
from resolvers.deals.editing import NewDeal, create_deal
from server.backup.format import ADDED_IN, COLUMNS_ADDED_IN, VERSION, BadBackup
from server.backup.importing import import_workspace
from server.settings import Settings
from testkit.backup_files import read_lines, write_lines
from testkit.backup_workspace import build_rich_workspace
from testkit.commands import Ran, dealflow
from testkit.database import fresh_database
from testkit.teams import Team, make_team

Lines = list[Any]


@dataclass(frozen=True)
class Exported:
    lines: Lines  # with emails no other test uses
    files: Path


@pytest.fixture(scope="module")
async def exported(
    app: Starlette, settings: Settings, password_hash: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Exported]:
    """One rich workspace, exported once for every test here (the database is emptied
    after each test; the file stays)."""
    folder = tmp_path_factory.mktemp("exported")
    team = await make_team("Moving Co", password_hash)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as http:
        await build_rich_workspace(team.client(http, "admin"), team.admin.email)
    ran = await dealflow(
        settings.database_url,
        *("export", "--workspace", team.workspace.id, "--output", folder / "moving.jsonl"),
        *("--with-files", folder / "files"),
        STORAGE_DIR=settings.storage_dir,
    )
    assert ran.code == 0, ran.err
    lines = read_lines(folder / "moving.jsonl")
    for line in lines[1:]:
        if line["record"] == "user":
            line["email"] = f"moved-{line['email']}"
    yield Exported(lines, folder / "files")


async def row_counts() -> dict[str, int]:
    return {
        model._meta.db_table: await model.all().count()
        for model in Tortoise.apps["models"].values()
    }


def everything_in(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def stored(settings: Settings) -> set[Path]:
    return everything_in(Path(settings.storage_dir))


async def import_changing_nothing(settings: Settings, path: Path, *options: str | Path) -> Ran:
    counts, files = await row_counts(), stored(settings)
    ran = await dealflow(
        settings.database_url,
        *("import", "--input", path, *options),
        STORAGE_DIR=settings.storage_dir,
    )
    assert await row_counts() == counts
    assert stored(settings) == files
    return ran


def refused(ran: Ran, reason: str) -> None:
    assert ran.code == 2, ran
    assert ran.out == ""
    assert ran.err.count("\n") == 1 and ran.err.startswith("error: "), ran.err
    assert reason in ran.err, ran.err


def copied_with_one_spoilt(files: Path, folder: Path, spoil: Callable[[Path], object]) -> Path:
    shutil.copytree(files, folder)
    spoil(min(path for path in folder.rglob("*") if path.is_file()))
    return folder


def first(lines: Lines, kind: str) -> dict[str, Any]:
    return next(line for line in lines[1:] if line["record"] == kind)


def at(lines: Lines, kind: str) -> int:
    return next(i for i, line in enumerate(lines) if i and line["record"] == kind)


def edit(kind: str, **changes: Any) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        first(lines, kind).update(changes)
        return lines

    return change


def without(kind: str, column: str) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        del first(lines, kind)[column]
        return lines

    return change


def in_history(lines: Lines) -> Lines:
    entry = next(
        line for line in lines[1:] if line["record"] == "history_entry" and "step" in line["data"]
    )
    entry["data"]["step"]["id"] = 999_999
    return lines


def twice(lines: Lines) -> Lines:
    lines.insert(at(lines, "deal"), copy.deepcopy(first(lines, "deal")))
    return lines


def out_of_order(lines: Lines) -> Lines:
    user = lines.pop(at(lines, "user") + 1)
    lines.insert(at(lines, "deal") + 1, user)
    return lines


def header(**changes: Any) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        lines[0].update(changes)
        return lines

    return change


# Through the command: one of each way a file can be wrong.
BAD_FILES = [
    ("not JSON", lambda lines: [*lines[:3], "{'not': json}", *lines[3:]], "line 4: not JSON"),
    ("empty", lambda lines: [], "the file is empty"),
    ("no header", lambda lines: lines[1:], "not a Dealflow export"),
    ("a later version", header(version=VERSION + 1), f"version {VERSION + 1} of the format"),
    ("an unknown migration", header(migration="models.0099_tomorrow"), "does not know"),
    (
        "unknown kind",
        lambda lines: [*lines[:3], {"record": "spaceship", "id": 1}, *lines[3:]],
        "line 4: unknown record kind 'spaceship'",
    ),
    (
        "reference to a record not in the file",
        edit("deal", owner_id=999_999),
        "owner_id names user 999999, which is not above it in the file",
    ),
    ("reference inside history data", in_history, "data.step.id names step 999999"),
    ("missing column", without("deal", "name"), "lacks name"),
    ("unknown column", edit("task", colour="red"), "has unknown columns: colour"),
    ("bad value", edit("deal", value="12,50"), "value must be a decimal"),
    ("an id twice", twice, "comes twice"),
    ("out of order", out_of_order, "a user record after deal records"),
    ("cut short", lambda lines: lines[:-1], "cut short or edited"),
]
# In-process, for speed: the rules each value must keep.
BAD_VALUES = [
    ("header without counts", header(counts={"deal": 1}), "the header lacks"),
    ("too many decimals", edit("deal_cost", amount="1.005"), "amount must be a decimal"),
    ("a float for a decimal", edit("deal", value=12.5), "value must be a decimal"),
    ("bad choice", edit("deal", status="MAYBE"), "status must be one of OPEN, WON"),
    ("time without offset", edit("deal", created_at="2026-01-01T10:00:00"), "ISO 8601 time"),
    ("bad date", edit("deal", expected_close_date="soon"), "must be an ISO 8601 date"),
    ("a boolean for a number", edit("step", weight=True), "weight must be an integer"),
    ("a number for a boolean", edit("deal", is_public=1), "must be true or false"),
    ("null where required", edit("deal", name=None), "name must not be null"),
    ("too long", edit("stage", name="x" * 201), "at most 200 characters"),
    ("a NUL character", edit("deal", company="Green\x00Farm"), "must not contain NUL"),
    ("not a hash", edit("step_completion", file_hash="../../etc/passwd"), "must be a SHA-256"),
    ("bad email", edit("user", email="Boss@Acme.example"), "must be a lower-case email"),
    ("bad audience", edit("step", notify=["EVERYONE"]), "notify must be a list of ADMINS"),
    ("bad time zone", edit("workspace", timezone="Mars/Olympus"), "Unknown time zone"),
    ("a string for an id", edit("deal", owner_id="7"), "owner_id must be the id of a user"),
]


@pytest.mark.parametrize(
    ("spoil", "reason"), [pytest.param(s, r, id=name) for name, s, r in BAD_FILES]
)
async def test_a_bad_file_changes_nothing(
    settings: Settings,
    rival: Team,
    exported: Exported,
    tmp_path: Path,
    spoil: Callable[[Lines], Lines],
    reason: str,
):
    bad = write_lines(tmp_path / "bad.jsonl", spoil(copy.deepcopy(exported.lines)))

    ran = await import_changing_nothing(settings, bad, "--files", exported.files)

    refused(ran, reason)


@pytest.mark.parametrize(
    ("spoil", "reason"), [pytest.param(s, r, id=name) for name, s, r in BAD_VALUES]
)
async def test_a_bad_value_changes_nothing(
    settings: Settings,
    rival: Team,
    exported: Exported,
    tmp_path: Path,
    spoil: Callable[[Lines], Lines],
    reason: str,
):
    bad = write_lines(tmp_path / "bad.jsonl", spoil(copy.deepcopy(exported.lines)))
    counts = await row_counts()

    with pytest.raises(BadBackup, match=re.escape(reason)):
        await import_workspace(bad, exported.files, settings.file_store())

    assert await row_counts() == counts


async def test_a_file_that_is_not_text_changes_nothing(
    settings: Settings, rival: Team, tmp_path: Path
):
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0 a photo, not an export")

    ran = await import_changing_nothing(settings, binary)

    refused(ran, "is not UTF-8 text")


async def test_the_unspoilt_file_imports(
    settings: Settings, rival: Team, exported: Exported, tmp_path: Path
):
    """The control: the refusals above are the spoiling's doing."""
    good = write_lines(tmp_path / "good.jsonl", exported.lines)

    ran = await dealflow(
        settings.database_url,
        *("import", "--input", good, "--files", exported.files),
        STORAGE_DIR=settings.storage_dir,
    )

    assert ran.code == 0, ran.err
    assert "Imported workspace 'Moving Co'" in ran.out


async def test_emails_already_in_use_change_nothing(
    settings: Settings, rival: Team, exported: Exported, tmp_path: Path, password_hash: str
):
    taken = exported.lines[at(exported.lines, "user") + 2]["email"]
    await User.create(
        workspace=rival.workspace,
        email=taken,
        name="Already here",
        role=Role.USER,
        password_hash=password_hash,
    )
    good = write_lines(tmp_path / "good.jsonl", exported.lines)

    ran = await import_changing_nothing(settings, good)

    refused(ran, f"the email {taken} is already in use on this server")


async def test_attached_files_missing_or_altered_change_nothing(
    settings: Settings, rival: Team, exported: Exported, tmp_path: Path
):
    good = write_lines(tmp_path / "good.jsonl", exported.lines)
    for name, spoil, reason in (
        ("missing", lambda path: path.unlink(), "is not in"),
        ("altered", lambda path: path.write_bytes(b"other"), "does not hold the content"),
    ):
        folder = copied_with_one_spoilt(exported.files, tmp_path / name, spoil)

        ran = await import_changing_nothing(settings, good, "--files", folder)

        refused(ran, reason)


async def test_a_database_not_migrated_is_refused(exported: Exported, tmp_path: Path):
    good = write_lines(tmp_path / "good.jsonl", exported.lines)
    async with fresh_database() as empty:
        ran = await dealflow(empty, "import", "--input", good)

    refused(ran, "run `dealflow migrate` first")


async def test_export_names_its_workspace(settings: Settings, team: Team, tmp_path: Path):
    unknown = await dealflow(
        settings.database_url, "export", "--workspace", "Nobody", "--output", tmp_path / "x"
    )
    await make_team("Acme", "x")
    twins = await dealflow(
        settings.database_url, "export", "--workspace", "Acme", "--output", tmp_path / "x"
    )

    refused(unknown, "no workspace has the id or name 'Nobody'")
    refused(twins, "2 workspaces are named 'Acme'")
    assert not (tmp_path / "x").exists()


async def test_export_with_an_attached_file_lost_from_storage_writes_nothing(
    settings: Settings, team: Team, tmp_path: Path
):
    deal = await create_deal(team.user, NewDeal(name="Roof"))
    step = await Step.filter(stage__process__workspace_id=team.workspace.id).first()
    assert step is not None
    lost = hashlib.sha256(b"never stored").hexdigest()
    await StepCompletion.create(
        deal_id=deal.id, step_id=step.id, completed_by_id=team.user.id, file_hash=lost
    )

    ran = await dealflow(
        settings.database_url,
        *("export", "--workspace", team.workspace.id, "--output", tmp_path / "acme.jsonl"),
        *("--with-files", tmp_path / "files"),
        STORAGE_DIR=settings.storage_dir,
    )

    refused(ran, f"1 attached file(s) are missing from STORAGE_DIR ({settings.storage_dir})")
    assert lost in ran.err
    assert everything_in(tmp_path) == set()


@pytest.mark.parametrize("version", range(1, VERSION))
async def test_a_file_of_an_earlier_version_still_imports(
    settings: Settings, exported: Exported, tmp_path: Path, version: int
):
    """An earlier version lacks the kinds and columns added since (version 1: products
    and line items; 2: leads, rotting, history about leads): its files count none of
    those kinds and hold none of those columns, which read as null."""
    added = {kind for kind, since in ADDED_IN.items() if since > version}
    columns = {name for name, since in COLUMNS_ADDED_IN.items() if since > version}
    lines = copy.deepcopy(exported.lines)
    head, rows = lines[0], []
    for row in lines[1:]:
        if row["record"] in added or (row["record"] == "history_entry" and row["lead_id"]):
            continue
        rows.append({k: v for k, v in row.items() if f"{row['record']}.{k}" not in columns})
    head["version"] = version
    head["counts"] = {kind: n for kind, n in head["counts"].items() if kind not in added}
    head["counts"]["history_entry"] = sum(1 for row in rows if row["record"] == "history_entry")
    old = write_lines(tmp_path / f"version-{version}.jsonl", [head, *rows])

    imported = await import_workspace(old, exported.files, settings.file_store())

    for kind in added:
        assert imported.counts[kind] == 0, kind
    if "product" in added:
        assert await Product.filter(workspace_id=imported.workspace.id).count() == 0
    assert imported.counts["deal"] == head["counts"]["deal"]
