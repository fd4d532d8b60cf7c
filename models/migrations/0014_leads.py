from tortoise import migrations
from tortoise.migrations import operations as ops
from models.lead import LeadStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """Leads; events and history entries about a lead (a history entry's deal becomes
    optional). On SQLite, altering a column rebuilds the table without its indexes:
    the RunSQL puts back the ones history_entry had (a no-op on PostgreSQL)."""

    dependencies = [('models', '0013_line_items')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.CASCADE)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_leads', on_delete=OnDelete.RESTRICT)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_leads', on_delete=OnDelete.SET_NULL)),
                ('name', fields.CharField(max_length=200)),
                ('company', fields.CharField(null=True, max_length=200)),
                ('contact_person', fields.CharField(null=True, max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('phone', fields.CharField(null=True, max_length=50)),
                ('source', fields.CharField(null=True, max_length=200)),
                ('note', fields.TextField(null=True, unique=False)),
                ('status', fields.CharEnumField(default=LeadStatus.NEW, description='NEW: NEW\nCONTACTED: CONTACTED\nQUALIFIED: QUALIFIED\nDISQUALIFIED: DISQUALIFIED', enum_type=LeadStatus, max_length=16)),
                ('disqualified_reason', fields.TextField(null=True, unique=False)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='leads', on_delete=OnDelete.SET_NULL)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'lead', 'app': 'models', 'indexes': [Index(fields=['workspace_id', 'status', 'id']), Index(fields=['owner_id', 'status']), Index(fields=['deal_id'])], 'pk_attr': 'id', 'table_description': "`owner` None: the lead waits in the workspace's unassigned pool, where every"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='lead',
            field=fields.ForeignKeyField('models.Lead', source_field='lead_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='HistoryEntry',
            name='deal',
            field=fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE),
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_history_ent_deal_id_5b8570" ON "history_entry" ("deal_id", "id");'
            'CREATE INDEX IF NOT EXISTS "idx_history_ent_file_ha_862f4e" ON "history_entry" ("file_hash");'
            'CREATE INDEX IF NOT EXISTS "idx_history_ent_workspa_0dd70a" ON "history_entry" ("workspace_id", "file_hash")',
            reverse_sql="SELECT 1",
        ),
        ops.AddField(
            model_name='HistoryEntry',
            name='lead',
            field=fields.ForeignKeyField('models.Lead', source_field='lead_id', null=True, db_constraint=True, to_field='id', related_name='history', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='HistoryEntry',
            index=Index(fields=['lead_id', 'id']),
        ),
        ops.AddIndex(
            model_name='HistoryEntry',
            index=Index(fields=['workspace_id', 'id']),
        ),
    ]
