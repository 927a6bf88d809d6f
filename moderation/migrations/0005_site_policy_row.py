from django.db import migrations


def create_site_policy(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # The one row the selectors read, so that reading the policy never has to write it.
    apps.get_model("moderation", "SitePolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0004_site_comment_mode"),
    ]

    operations = [
        migrations.RunPython(create_site_policy, migrations.RunPython.noop),
    ]
