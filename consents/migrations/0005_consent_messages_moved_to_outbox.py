"""Consent e-mails live in the outbox now (copied by outbox.0003): drop their own table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("consents", "0004_subject_moved"),
        ("outbox", "0003_fill_and_copy_consent_messages"),
    ]

    operations = [migrations.DeleteModel(name="ConsentMessage")]
