from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_statistics_indexes')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='Event',
            options={'table': 'event', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'id']), Index(fields=['workspace_id', 'id']), Index(fields=['published_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One change, written in the transaction that made it. Ids increase in commit order'},
        ),
        ops.AddField(
            model_name='Event',
            name='key',
            field=fields.CharField(null=True, unique=True, max_length=100),
        ),
        ops.AddField(
            model_name='Workspace',
            name='events_purged_through',
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
