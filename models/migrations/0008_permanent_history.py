from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


async def copy_deal_events(apps, schema_editor) -> None:
    """Every deal event logged so far becomes a history entry with the same id (the
    replay log's board facts stay behind: history does not need them)."""
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        data = "(data::jsonb - 'before' - 'after')"
    else:
        data = "json_remove(data, '$.before', '$.after')"
    await client.execute_script(
        "INSERT INTO history_entry (id, workspace_id, deal_id, actor_id, kind, at, data) "
        f"SELECT id, workspace_id, deal_id, actor_id, kind, at, {data} FROM event "
        "WHERE deal_id IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0007_participant_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HistoryEntry',
            fields=[
                ('id', fields.BigIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='history_entries', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(max_length=40)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('file_hash', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'history_entry', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'id']), Index(fields=['file_hash'])], 'pk_attr': 'id', 'table_description': 'One change: who, when, what kind, the before/after values (`data["changes"]`)'},
            bases=['Model'],
        ),
        ops.RunPython(copy_deal_events, ops.RunPython.noop),
        ops.AlterModelOptions(
            name='Event',
            options={'table': 'event', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'id']), Index(fields=['workspace_id', 'id']), Index(fields=['published_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One change, written in the transaction that made it, for live subscribers. Ids'},
        ),
    ]
