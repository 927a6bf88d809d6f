import django.core.validators
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def closed_articles_to_mode_off(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(comments_open=False).update(comment_mode="off")


def mode_off_to_closed_articles(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(comment_mode="off").update(comments_open=False)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="comment_mode",
            field=models.CharField(
                choices=[
                    ("default", "site default"),
                    ("post", "post-moderation (scored, clear cases decide themselves)"),
                    ("pre", "pre-moderation (every comment waits for a moderator)"),
                    ("off", "closed"),
                ],
                default="default",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="comments_close_after_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Close the discussion this many days after publication; empty: the site default, 0: never.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(36500)],
            ),
        ),
        # An article closed before keeps being closed: comments_open=False becomes mode "off".
        migrations.RunPython(closed_articles_to_mode_off, mode_off_to_closed_articles),
        migrations.RemoveField(
            model_name="article",
            name="comments_open",
        ),
    ]
