from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_deal_amounts_in_cents')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['workspace_id', 'closed_at']),
        ),
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['workspace_id', 'created_at']),
        ),
    ]
