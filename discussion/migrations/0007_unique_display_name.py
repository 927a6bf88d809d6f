from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("discussion", "0006_display_names_made_unique")]

    operations = [
        migrations.AddConstraint(
            model_name="readerprofile",
            constraint=models.UniqueConstraint(fields=("display_name_key",), name="unique_display_name"),
        ),
    ]
