from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MODELS = ("readerprofile", "usernamekey", "tokensecondfactor")


def _relabel(apps: Apps, from_label: str, to_label: str) -> None:
    """Give the models' content types their new app label. The rows stay, so their
    permissions stay granted (the Moderators group may view reader profiles) and the
    admin's history of a reader profile stays with it. A content type that already
    has the new label is kept, and the old one left for ``remove_stale_contenttypes``:
    every migrate ends by creating the content types of the code's models, also one
    that stopped short of this migration (``migrate discussion 0011``)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = set(
        ContentType.objects.filter(app_label=to_label, model__in=MODELS).values_list("model", flat=True)
    )
    ContentType.objects.filter(app_label=from_label, model__in=set(MODELS) - taken).update(app_label=to_label)
    ContentType.objects.clear_cache()


def to_accounts(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, "discussion", "accounts")


def to_discussion(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, "accounts", "discussion")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(to_accounts, to_discussion)]
