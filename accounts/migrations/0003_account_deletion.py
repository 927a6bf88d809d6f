"""When a reader deleted their account: the pseudonymous account left behind for
the audit log is marked as deleted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_content_types_from_discussion"),
    ]

    operations = [
        migrations.AddField(
            model_name="readerprofile",
            name="deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
