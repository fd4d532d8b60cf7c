from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_live_updates')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='DealParticipant',
            index=Index(fields=['user_id', 'deal_id']),
        ),
    ]
