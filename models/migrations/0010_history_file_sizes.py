from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


async def fill_files(apps, schema_editor) -> None:
    """Entries copied by 0008 carry their file in `data` only: give them `file_hash`
    (files are kept, and counted, by it), then every file entry its size, from a step
    completion that attached the same file (an older entry whose step was un-completed
    has none to take it from: its file counts 0 bytes towards the quota)."""
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        said = "(data::jsonb ->> 'fileHash')"
    else:
        said = "json_extract(data, '$.fileHash')"
    await client.execute_script(
        f"UPDATE history_entry SET file_hash = {said} "
        f"WHERE file_hash IS NULL AND length({said}) = 64"
    )
    await client.execute_script(
        "UPDATE history_entry SET file_size = ("
        " SELECT MAX(c.file_size) FROM step_completion c"
        " WHERE c.file_hash = history_entry.file_hash"
        ") WHERE file_hash IS NOT NULL AND file_size IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0009_access_request_notifications')]

    initial = False

    operations = [
        ops.AddField(
            model_name='HistoryEntry',
            name='file_size',
            field=fields.BigIntField(null=True),
        ),
        ops.AddIndex(
            model_name='HistoryEntry',
            index=Index(fields=['workspace_id', 'file_hash']),
        ),
        ops.RunPython(fill_files, ops.RunPython.noop),
    ]
