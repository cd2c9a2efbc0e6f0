"""Fill the new outbox columns and copy every consent e-mail into the outbox (then consents drops its table).

Every message gets its data subject and a Message-ID. Messages not yet sent get a next attempt now, so the
one retry sweep sends them: also the consent e-mails, which had no retry at all before. Reversible: the
consent e-mails are copied back by `consents.0005` in reverse, and the filled columns are simply dropped.
"""

import uuid

from django.conf import settings
from django.db import migrations
from django.utils import timezone

UNSENT = ("queued", "sending", "failed")


def _message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def forward(apps, schema_editor) -> None:
    message = apps.get_model("outbox", "Message")
    consent_message = apps.get_model("consents", "ConsentMessage")
    submission = apps.get_model("requests_app", "Submission")
    now = timezone.now()
    subjects = dict(submission.objects.filter(messages__isnull=False).values_list("pk", "subject_id").distinct())
    for row in message.objects.filter(message_id__isnull=True).only("pk", "submission_id", "state").iterator():
        message.objects.filter(pk=row.pk).update(
            data_subject_id=subjects[row.submission_id], message_id=_message_id(),
            next_attempt_at=now if row.state in UNSENT else None,
        )
    copies = [
        message(data_subject_id=old.subject_id, submission=None, stream="consent", template_key=old.template_key,
                to_email=old.to_email, subject=old.subject_line, body_text=old.body_text, body_html="",
                headers=old.headers or {}, message_id=_message_id(), created_at=old.created_at, state=old.state,
                sent_at=old.sent_at, attempts=old.attempts, last_error=old.last_error,
                next_attempt_at=now if old.state in UNSENT else None)
        for old in consent_message.objects.order_by("pk").iterator()
    ]
    message.objects.bulk_create(copies, batch_size=500)


def backward(apps, schema_editor) -> None:
    message = apps.get_model("outbox", "Message")
    consent_message = apps.get_model("consents", "ConsentMessage")
    consents = message.objects.filter(stream="consent").order_by("pk")
    consent_message.objects.bulk_create([
        consent_message(subject_id=row.data_subject_id, template_key=row.template_key, to_email=row.to_email,
                        subject_line=row.subject, body_text=row.body_text, headers=row.headers,
                        created_at=row.created_at, state=row.state, sent_at=row.sent_at, attempts=row.attempts,
                        last_error=row.last_error)
        for row in consents.iterator()
    ], batch_size=500)
    consents.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0002_one_outbox_fields"),
        ("consents", "0004_subject_moved"),
    ]

    operations = [migrations.RunPython(forward, backward)]
