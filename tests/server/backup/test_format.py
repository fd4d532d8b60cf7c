"""The export format keeps up with the models: a table or column added later is either
exported or left out on purpose, never forgotten."""

from __future__ import annotations

from tortoise import Tortoise

from server.backup.format import KIND_NAMES, KINDS, LEFT_OUT, NOT_EXPORTED


async def test_every_table_is_exported_or_left_out_on_purpose(orm: None):
    tables = {model._meta.db_table for model in Tortoise.apps["models"].values()}
    left_out = {model._meta.db_table for model in NOT_EXPORTED}

    assert set(KIND_NAMES) | left_out == tables
    assert not set(KIND_NAMES) & left_out


async def test_every_column_is_exported_or_left_out_on_purpose(orm: None):
    for kind in KINDS:
        columns = set(kind.model._meta.db_fields) - {"id", "workspace_id"}
        listed = set(kind.columns) | {
            c.split(".")[1] for c in LEFT_OUT if c.startswith(f"{kind.name}.")
        }

        assert columns == listed, kind.name


async def test_references_point_to_kinds_written_before(orm: None):
    for position, kind in enumerate(KINDS):
        for column, target in kind.references.items():
            assert target in KIND_NAMES[:position], f"{kind.name}.{column} -> {target}"
