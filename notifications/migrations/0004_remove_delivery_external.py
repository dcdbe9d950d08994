from django.db import migrations


class Migration(migrations.Migration):
    """Delivery.external_* moved into the outbox by 0003."""

    dependencies = [("notifications", "0003_delivery_external_to_outbox")]

    operations = [
        migrations.RemoveIndex(
            model_name='delivery',
            name='delivery_external',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='external_at',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='external_channels',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='external_state',
        ),
    ]
