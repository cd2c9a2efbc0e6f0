# Issue 18: the requester's language, stored on the submission (earlier requests were all in English).

import medprivacy.languages
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0012_awaiting_reply_queue"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalsubmission",
            name="language",
            field=models.CharField(choices=medprivacy.languages.language_choices, default="en",
                                   help_text="The requester's language: the status page and every message about "
                                             "this request use it.", max_length=8),
        ),
        migrations.AddField(
            model_name="submission",
            name="language",
            field=models.CharField(choices=medprivacy.languages.language_choices, default="en",
                                   help_text="The requester's language: the status page and every message about "
                                             "this request use it.", max_length=8),
        ),
    ]
