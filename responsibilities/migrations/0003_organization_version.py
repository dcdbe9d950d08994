from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("responsibilities", "0002_duty_lists_logs_letters")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="版本"),
        ),
        migrations.AddField(
            model_name="historicalorganization",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="版本"),
        ),
    ]
