from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("discussion", "0004_reader_profiles_for_everyone")]

    operations = [
        migrations.AddField(
            model_name="readerprofile",
            name="display_name_key",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
    ]
