from tortoise import migrations
from tortoise.migrations import operations as ops
from models.account import TokenKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_history_file_sizes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AuthToken',
            name='kind',
            field=fields.CharEnumField(default=TokenKind.SESSION, description='SESSION: SESSION', enum_type=TokenKind, max_length=16),
        ),
    ]
