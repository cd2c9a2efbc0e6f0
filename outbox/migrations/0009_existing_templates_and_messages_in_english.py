# Issue 18: every template stored before languages existed is the English version, and every message sent
# before was rendered from one.

from django.db import migrations


def fill_english(apps, schema_editor):
    for model in ("MessageTemplate", "HistoricalMessageTemplate", "Message"):
        apps.get_model("outbox", model).objects.filter(language__isnull=True).update(language="en")


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0008_template_and_message_language"),
    ]

    operations = [
        migrations.RunPython(fill_english, migrations.RunPython.noop),
    ]
