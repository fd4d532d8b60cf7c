from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_product_catalogue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LineItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('deal', fields.ForeignKeyField('models.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='line_items', on_delete=OnDelete.CASCADE)),
                ('product', fields.ForeignKeyField('models.Product', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='line_items', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('quantity', fields.DecimalField(max_digits=14, decimal_places=4)),
                ('unit_price', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('discount_percent', fields.DecimalField(max_digits=5, decimal_places=2)),
                ('amount', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'line_item', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One line of what a deal sells: a product of the catalogue or free text, a'},
            bases=['Model'],
        ),
    ]
