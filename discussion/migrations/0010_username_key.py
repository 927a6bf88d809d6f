from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from accounts.names import display_name_key


def fill_keys(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Every existing account gets the key of its username, so that display names are
    compared with all usernames from the start."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    UsernameKey = apps.get_model("discussion", "UsernameKey")
    rows = User.objects.values_list("pk", "username").iterator()
    UsernameKey.objects.bulk_create(
        (UsernameKey(user_id=pk, key=display_name_key(name) or "") for pk, name in rows), batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussion", "0009_shown_like_count"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UsernameKey",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="username_key",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("key", models.TextField(db_index=True)),
            ],
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
