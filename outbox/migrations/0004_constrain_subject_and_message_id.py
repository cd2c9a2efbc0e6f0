"""Every message has a data subject and a unique Message-ID (filled by 0003)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("outbox", "0003_fill_and_copy_consent_messages")]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="data_subject",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="messages",
                                    to="subjects.datasubject"),
        ),
        migrations.AlterField(
            model_name="message",
            name="message_id",
            field=models.CharField(editable=False, max_length=255, unique=True,
                                   help_text="RFC 5322 Message-ID, fixed at creation and sent with every attempt."),
        ),
    ]
