"""One outbox for every e-mail: who a message is to (data subject), its stream, headers, a stable Message-ID
and the indexed next attempt of the one retry sweep. Added nullable; 0003 fills them, 0004 constrains."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0001_move_messages"),
        ("requests_app", "0007_move_models_out"),
        ("subjects", "0001_move_data_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="data_subject",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="messages",
                                    to="subjects.datasubject"),
        ),
        migrations.AddField(
            model_name="message",
            name="headers",
            field=models.JSONField(blank=True, default=dict, help_text="Extra headers (e.g. List-Unsubscribe)."),
        ),
        migrations.AddField(
            model_name="message",
            name="message_id",
            field=models.CharField(editable=False, max_length=255, null=True,
                                   help_text="RFC 5322 Message-ID, fixed at creation and sent with every attempt."),
        ),
        migrations.AddField(
            model_name="message",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="stream",
            field=models.CharField(choices=[("request", "Privacy request"), ("consent", "Consents")],
                                   default="request", max_length=20),
        ),
        migrations.AlterField(
            model_name="message",
            name="last_error",
            field=models.CharField(blank=True, help_text="Exception class name only.", max_length=200),
        ),
        migrations.AlterField(
            model_name="message",
            name="submission",
            field=models.ForeignKey(blank=True, help_text="The filing a request message is about.", null=True,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="messages",
                                    to="requests_app.submission"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(("next_attempt_at__isnull", False)), fields=["next_attempt_at"],
                               name="message_due_work"),
        ),
    ]
