from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def create_missing_profiles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Readers registered before every account got a profile get one now, so that
    moderators can find and restrict them."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    ReaderProfile = apps.get_model("discussion", "ReaderProfile")
    missing = User.objects.filter(reader_profile__isnull=True).values_list("pk", flat=True)
    ReaderProfile.objects.bulk_create(
        [ReaderProfile(user_id=pk) for pk in missing.iterator()], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussion", "0003_moderation_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_missing_profiles, migrations.RunPython.noop)]
