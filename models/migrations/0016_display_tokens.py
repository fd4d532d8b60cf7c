from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    """Wall screens' read-only tokens, one board each."""

    dependencies = [('models', '0015_rotting')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DisplayToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='display_tokens', on_delete=OnDelete.CASCADE)),
                ('process', fields.ForeignKeyField('models.Process', source_field='process_id', db_constraint=True, to_field='id', related_name='display_tokens', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(null=True, max_length=200)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='display_tokens', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'display_token', 'app': 'models', 'pk_attr': 'id', 'table_description': "A wall screen's long-lived, read-only token for one board (`resolvers.accounts."},
            bases=['Model'],
        ),
    ]
