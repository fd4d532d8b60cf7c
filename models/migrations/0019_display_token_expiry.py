from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    """Display tokens may expire (null: until revoked, as every token made before)."""

    dependencies = [('models', '0018_forms_and_external_ids')]

    initial = False

    operations = [
        ops.AddField(
            model_name='DisplayToken',
            name='expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
