# Issue 18: one template per (key, language); the language is required from now on.

import medprivacy.languages
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0009_existing_templates_and_messages_in_english"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalmessagetemplate",
            name="language",
            field=models.CharField(choices=medprivacy.languages.language_choices, default="en", max_length=8),
        ),
        migrations.AlterField(
            model_name="messagetemplate",
            name="language",
            field=models.CharField(choices=medprivacy.languages.language_choices, default="en", max_length=8),
        ),
        migrations.AlterField(
            model_name="message",
            name="language",
            field=models.CharField(choices=medprivacy.languages.language_choices, default="en",
                                   help_text="The language of the template it was rendered from.", max_length=8),
        ),
        migrations.AlterField(
            model_name="messagetemplate",
            name="key",
            field=models.SlugField(max_length=60),
        ),
        migrations.AddConstraint(
            model_name="messagetemplate",
            constraint=models.UniqueConstraint(fields=("key", "language"), name="message_template_key_language"),
        ),
    ]
