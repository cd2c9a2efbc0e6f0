"""Fill the keyed hash of every existing subject's address (lookups by address match on it)."""

from django.db import migrations

from subjects.models import email_digest


def fill(apps, schema_editor):
    DataSubject = apps.get_model("subjects", "DataSubject")
    batch = []
    for subject in DataSubject.objects.exclude(email="").only("pk", "email").iterator(chunk_size=2000):
        subject.email_hash = email_digest(subject.email)
        batch.append(subject)
        if len(batch) >= 2000:
            DataSubject.objects.bulk_update(batch, ["email_hash"])
            batch = []
    if batch:
        DataSubject.objects.bulk_update(batch, ["email_hash"])


class Migration(migrations.Migration):
    dependencies = [("subjects", "0002_subject_email_hash")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
