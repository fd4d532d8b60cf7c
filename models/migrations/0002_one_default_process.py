from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    """At most one live default process per workspace, enforced by the database itself."""

    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.RunSQL(
            "CREATE UNIQUE INDEX process_one_default ON process (workspace_id) "
            "WHERE is_default AND deleted_at IS NULL",
            reverse_sql="DROP INDEX process_one_default",
        ),
    ]
