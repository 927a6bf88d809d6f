from django.db import migrations, models


class Migration(migrations.Migration):
    """A reader may report each revision of a comment once: an edited text is a new
    thing to report. Looser than the old constraint, so existing rows all fit."""

    dependencies = [("discussion", "0007_unique_display_name")]

    operations = [
        migrations.RemoveConstraint(model_name="report", name="one_report_per_user"),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                fields=("comment", "reporter", "comment_revision"), name="one_report_per_reader_and_revision"
            ),
        ),
    ]
