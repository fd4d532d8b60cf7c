from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


async def link_existing_requests(apps, schema_editor) -> None:
    """An ACCESS_REQUESTED notification sent before this migration names its request:
    the requester's (the notification's actor) latest request on that deal made no later
    than the notification."""
    await schema_editor.client.execute_script(
        "UPDATE notification SET access_request_id = ("
        " SELECT r.id FROM access_request r"
        " WHERE r.deal_id = notification.deal_id AND r.requester_id = notification.actor_id"
        " AND r.created_at <= notification.created_at"
        " ORDER BY r.id DESC LIMIT 1"
        ") WHERE kind = 'ACCESS_REQUESTED'"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0008_permanent_history')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notification',
            name='access_request',
            field=fields.ForeignKeyField('models.AccessRequest', source_field='access_request_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.RunPython(link_existing_requests, ops.RunPython.noop),
    ]
