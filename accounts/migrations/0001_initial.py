"""The accounts' models, until now the discussion's, with their tables: created here
in the migration state only. The tables (discussion_readerprofile,
discussion_usernamekey, discussion_tokensecondfactor) were made by the discussion's
migrations up to 0011, which this one follows, and keep their names and rows;
discussion's 0012 then drops the models from its own state, again without touching
the database."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("discussion", "0011_token_second_factor"),
        ("otp_totp", "0003_add_timestamps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UsernameKey",
                    fields=[
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="username_key",
                                serialize=False,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        ("key", models.TextField(db_index=True)),
                    ],
                    options={"db_table": "discussion_usernamekey"},
                ),
                migrations.CreateModel(
                    name="TokenSecondFactor",
                    fields=[
                        (
                            "token",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="second_factor",
                                serialize=False,
                                to="authtoken.token",
                            ),
                        ),
                        ("verified_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "device",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="otp_totp.totpdevice",
                            ),
                        ),
                    ],
                    options={"db_table": "discussion_tokensecondfactor"},
                ),
                migrations.CreateModel(
                    name="ReaderProfile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("display_name", models.CharField(blank=True, max_length=50)),
                        ("display_name_key", models.TextField(blank=True, editable=False, null=True)),
                        ("suspended_until", models.DateTimeField(blank=True, null=True)),
                        ("suspension_reason", models.CharField(blank=True, max_length=255)),
                        ("banned", models.BooleanField(default=False)),
                        ("ban_reason", models.CharField(blank=True, max_length=255)),
                        ("always_premoderated", models.BooleanField(default=False)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reader_profile",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "discussion_readerprofile",
                        "constraints": [
                            models.UniqueConstraint(fields=("display_name_key",), name="unique_display_name")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
