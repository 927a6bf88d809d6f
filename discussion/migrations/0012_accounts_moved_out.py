from django.db import migrations


class Migration(migrations.Migration):
    """Reader profiles, username keys and the second factor of tokens belong to the
    accounts app from here on (its 0001, which this follows): removed from this app's
    migration state only. Their tables stay, under their names, with their rows."""

    dependencies = [
        ("accounts", "0001_initial"),
        ("discussion", "0011_token_second_factor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ReaderProfile"),
                migrations.DeleteModel(name="TokenSecondFactor"),
                migrations.DeleteModel(name="UsernameKey"),
            ],
            database_operations=[],
        ),
    ]
