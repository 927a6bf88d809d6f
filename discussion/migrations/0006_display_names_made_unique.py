from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from accounts.names import display_name_key

MAX_LENGTH = 50


def _with_suffix(name: str, n: int) -> str:
    suffix = f" {n}"
    return name[: MAX_LENGTH - len(suffix)].rstrip() + suffix


def make_unique(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Fill the key of every display name; where names collide (the same after
    normalisation and case folding), the reader who took it first (lowest id) keeps
    it and later ones get the lowest free number: "Anna", "anna" → "Anna", "anna 2".
    A number is free when no display name had its key before this migration either,
    so nobody's own name is taken by a renamed duplicate. Deterministic for the
    same data, and it never fails: every name ends unique."""
    ReaderProfile = apps.get_model("discussion", "ReaderProfile")
    rows = list(
        ReaderProfile.objects.exclude(display_name="").order_by("pk").values_list("pk", "display_name")
    )
    original = {display_name_key(name) for _, name in rows}
    taken: set[str | None] = set()
    changed = []
    for pk, name in rows:
        key = display_name_key(name)
        if key is None:
            # Only invisible characters: shown as no name at all, so stored as none.
            changed.append(ReaderProfile(pk=pk, display_name="", display_name_key=None))
            continue
        new_name, n = name, 1
        while key in taken or (n > 1 and key in original):
            n += 1
            new_name = _with_suffix(name, n)
            key = display_name_key(new_name)
        taken.add(key)
        changed.append(ReaderProfile(pk=pk, display_name=new_name, display_name_key=key))
    ReaderProfile.objects.bulk_update(changed, ["display_name", "display_name_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("discussion", "0005_display_name_key")]

    operations = [migrations.RunPython(make_unique, migrations.RunPython.noop)]
