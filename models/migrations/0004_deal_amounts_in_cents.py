from decimal import ROUND_HALF_UP, Decimal

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


async def fill_cents(apps, schema_editor) -> None:
    """Existing deals get their integer amounts (same rule as resolvers.progress)."""
    client = schema_editor.client
    sqlite = client.capabilities.dialect == "sqlite"
    marks = ("?", "?", "?") if sqlite else ("$1", "$2", "$3")
    rows = await client.execute_query_dict("SELECT id, value, probability FROM deal")
    for row in rows:
        cents = int((Decimal(str(row["value"])) * 100).to_integral_value(ROUND_HALF_UP))
        forecast = (2 * cents * row["probability"] + 100) // 200
        await client.execute_query(
            f"UPDATE deal SET value_cents = {marks[0]}, forecast_cents = {marks[1]} "
            f"WHERE id = {marks[2]}",
            [cents, forecast, row["id"]],
        )

class Migration(migrations.Migration):
    dependencies = [('models', '0003_deals')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Deal',
            name='forecast_cents',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Deal',
            name='value_cents',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['process_id', 'stage_id', 'updated_at']),
        ),
        ops.RunPython(fill_cents, ops.RunPython.noop),
    ]
