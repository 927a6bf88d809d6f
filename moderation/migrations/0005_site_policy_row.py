from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def create_site_policy(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The one row the selectors read, so that reading the policy never has to write it.
    apps.get_model("moderation", "SitePolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0004_site_comment_mode"),
    ]

    operations = [
        migrations.RunPython(create_site_policy, migrations.RunPython.noop),
    ]
