from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    """Lead capture forms; deals' and leads' external ids (unique per workspace)."""

    dependencies = [('models', '0017_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LeadForm',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('workspace', fields.ForeignKeyField('models.Workspace', source_field='workspace_id', db_constraint=True, to_field='id', related_name='lead_forms', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='lead_forms', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_lead_forms', on_delete=OnDelete.SET_NULL)),
                ('token_digest', fields.CharField(unique=True, max_length=64)),
                ('token_sealed', fields.TextField(unique=False)),
                ('allowed_origins', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('redirect_url', fields.CharField(null=True, max_length=2000)),
                ('source', fields.CharField(max_length=200)),
                ('honeypot_field', fields.CharField(default='_gotcha', max_length=100)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'lead_form', 'app': 'models', 'pk_attr': 'id', 'table_description': "The token is in the form's URL: only its digest finds the form, and a sealed copy"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LeadFormSubmission',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('form', fields.ForeignKeyField('models.LeadForm', source_field='form_id', db_constraint=True, to_field='id', related_name='submissions', on_delete=OnDelete.CASCADE)),
                ('client_key', fields.CharField(max_length=100)),
                ('lead', fields.ForeignKeyField('models.Lead', source_field='lead_id', null=True, db_constraint=True, to_field='id', related_name='form_submissions', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'lead_form_submission', 'app': 'models', 'unique_together': (('form', 'client_key'),), 'pk_attr': 'id', 'table_description': 'A submission that came with a client key: the same key again within a day'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Deal',
            name='external_id',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddConstraint(
            model_name='Deal',
            constraint=UniqueConstraint(fields=('workspace', 'external_id'), name=None),
        ),
        ops.AddField(
            model_name='Lead',
            name='external_id',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddConstraint(
            model_name='Lead',
            constraint=UniqueConstraint(fields=('workspace', 'external_id'), name=None),
        ),
    ]
