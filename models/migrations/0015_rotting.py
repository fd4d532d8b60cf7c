from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """Rotting deals: a stage's limit, a deal's last change by someone and when it rots.
    A deal's last change so far is its last update; no stage has a limit yet, so no
    deal rots."""

    dependencies = [('models', '0014_leads')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Deal',
            name='last_activity_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Deal',
            name='rots_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            "UPDATE deal SET last_activity_at = updated_at", reverse_sql="SELECT 1"
        ),
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['status', 'rots_at']),
        ),
        ops.AddField(
            model_name='Stage',
            name='rotten_after_days',
            field=fields.IntField(null=True),
        ),
    ]
