"""The database the committed migrations build has every index the models declare, on
both backends. SQLite cannot alter a column in place: Tortoise rebuilds the table, and
the rebuild drops the table's indexes (migration 0014 had to put history_entry's back);
this catches the next one."""

from __future__ import annotations

from tortoise import Tortoise, connections


async def _indexed_columns(table: str) -> set[tuple[str, ...]]:
    """The column lists of the table's indexes, unique ones included."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(
            "SELECT array_agg(a.attname ORDER BY k.ord) AS columns "
            "FROM pg_index i "
            "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = $1::regclass GROUP BY i.indexrelid",
            [f'"{table}"'],
        )
        return {tuple(row["columns"]) for row in rows}
    _, indexes = await connection.execute_query(f'PRAGMA index_list("{table}")')
    found = set()
    for index in indexes:
        _, columns = await connection.execute_query(f'PRAGMA index_info("{index["name"]}")')
        found.add(tuple(column["name"] for column in sorted(columns, key=lambda c: c["seqno"])))
    return found


async def test_every_declared_index_exists_after_the_migrations(orm: None):
    missing, checked = [], 0
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        declared = [
            tuple(index) if isinstance(index, tuple | list) else tuple(index.fields)
            for index in meta.indexes
        ]
        declared += [
            tuple(meta.fields_map[f].source_field or f for f in together)  # type: ignore[attr-defined]
            for together in meta.unique_together
        ]
        present = await _indexed_columns(meta.db_table)
        checked += len(declared)
        missing += [f"{meta.db_table}{columns}" for columns in declared if columns not in present]

    assert missing == []
    assert checked > 20
