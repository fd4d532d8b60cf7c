from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.deal import AccessRequestStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


async def fill_existing_deals(apps, schema_editor) -> None:
    """Deals made before this migration: the workspace's currency, the first live stage
    of their process, entered when the deal was made (none had completed steps yet)."""
    await schema_editor.client.execute_script(
        "UPDATE deal SET "
        "currency = (SELECT currency FROM workspace WHERE workspace.id = deal.workspace_id), "
        "stage_id = (SELECT stage.id FROM stage WHERE stage.process_id = deal.process_id "
        "AND stage.archived_at IS NULL ORDER BY stage.position, stage.id LIMIT 1), "
        "stage_entered_at = created_at "
        "WHERE stage_entered_at IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0002_one_default_process')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='access_requests', on_delete=OnDelete.CASCADE)),
                ('requester', fields.ForeignKeyField('models.User', source_field='requester_id', db_constraint=True, to_field='id', related_name='access_requests', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=AccessRequestStatus.PENDING, description='PENDING: PENDING\nGRANTED: GRANTED\nDENIED: DENIED', enum_type=AccessRequestStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('answered_by', fields.ForeignKeyField('models.User', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name='answered_requests', on_delete=OnDelete.SET_NULL)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'access_request', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DealCost',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='costs', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('amount', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'deal_cost', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DealParticipant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='participants', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='participations', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'deal_participant', 'app': 'models', 'unique_together': (('deal', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(max_length=40)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'id']), Index(fields=['workspace_id', 'id']), Index(fields=['published_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One change, written in the transaction that made it. Ids increase: the id is the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='idempotency_records', on_delete=OnDelete.CASCADE)),
                ('operation', fields.CharField(max_length=40)),
                ('key', fields.CharField(max_length=200)),
                ('result_id', fields.IntField()),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idempotency_record', 'app': 'models', 'unique_together': (('user', 'operation', 'key'),), 'pk_attr': 'id', 'table_description': 'The first result of a mutation sent with an idempotency key, so a retry from a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('recipient', fields.ForeignKeyField('models.User', source_field='recipient_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=40)),
                ('message', fields.TextField(unique=False)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('step', fields.ForeignKeyField('models.Step', source_field='step_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.SET_NULL)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='sent_notifications', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'models', 'indexes': [Index(fields=['recipient_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StepCompletion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='completions', on_delete=OnDelete.CASCADE)),
                ('step', fields.ForeignKeyField('models.Step', source_field='step_id', db_constraint=True, to_field='id', related_name='completions', on_delete=OnDelete.RESTRICT)),
                ('completed_by', fields.ForeignKeyField('models.User', source_field='completed_by_id', db_constraint=True, to_field='id', related_name='completions', on_delete=OnDelete.RESTRICT)),
                ('completed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('note', fields.TextField(null=True, unique=False)),
                ('file_hash', fields.CharField(null=True, db_index=True, max_length=64)),
                ('file_name', fields.CharField(null=True, max_length=255)),
                ('file_size', fields.IntField(null=True)),
                ('file_content_type', fields.CharField(null=True, max_length=127)),
            ],
            options={'table': 'step_completion', 'app': 'models', 'unique_together': (('deal', 'step'),), 'pk_attr': 'id', 'table_description': 'A step done on a deal. Kept when the deal switches process, so switching back'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Task',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.RESTRICT)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', null=True, db_constraint=True, to_field='id', related_name='tasks', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_tasks', on_delete=OnDelete.SET_NULL)),
                ('source_step', fields.ForeignKeyField('models.Step', source_field='source_step_id', null=True, db_constraint=True, to_field='id', related_name='triggered_tasks', on_delete=OnDelete.SET_NULL)),
                ('done', fields.BooleanField(default=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'task', 'app': 'models', 'indexes': [Index(fields=['deal_id', 'done', 'due_at']), Index(fields=['assignee_id', 'done'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Deal',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Deal',
            name='company',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Deal',
            name='contact_person',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Deal',
            name='created_by',
            field=fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_deals', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Deal',
            name='currency',
            field=fields.CharField(default='EUR', db_default='EUR', max_length=3),
        ),
        ops.AddField(
            model_name='Deal',
            name='expected_close_date',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Deal',
            name='lost_at_stage',
            field=fields.ForeignKeyField('models.Stage', source_field='lost_at_stage_id', null=True, db_constraint=True, to_field='id', related_name='lost_deals', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Deal',
            name='lost_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Deal',
            name='probability',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Deal',
            name='source',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Deal',
            name='stage',
            field=fields.ForeignKeyField('models.Stage', source_field='stage_id', null=True, db_constraint=True, to_field='id', related_name='current_deals', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Deal',
            name='stage_entered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['workspace_id', 'status', 'deleted_at']),
        ),
        ops.AddIndex(
            model_name='Deal',
            index=Index(fields=['process_id', 'status', 'stage_id']),
        ),
        ops.RunPython(fill_existing_deals, ops.RunPython.noop),
    ]
