"""Give stored decision templates the statements the rules now require (officers may have seeded them before).

Only adds what is missing: ``{{ rights_notice }}`` in the denial, closed-unverified and completion templates,
and ``{{ reason }}`` in the denial (which printed ``{{ ground_label }}``). Reversing leaves the texts as they are.
"""

import re

from django.db import migrations

RIGHTS = re.compile(r"\{\{\s*rights_notice\b")
REASON = re.compile(r"\{\{\s*reason\b")


def forwards(apps, schema_editor):
    MessageTemplate = apps.get_model("outbox", "MessageTemplate")
    for template in MessageTemplate.objects.filter(key__in=["denial", "closed_unverified", "completion"]):
        body = template.body_text
        if template.key == "denial" and not REASON.search(body):
            body = body.replace("{{ ground_label }}", "{{ reason }}") if "{{ ground_label }}" in body \
                else body + "\nThe reason: {{ reason }}.\n"
        if not RIGHTS.search(body):
            body = body + "\n{{ rights_notice }}\n"
        if body != template.body_text:
            template.body_text = body
            template.save(update_fields=["body_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0004_constrain_subject_and_message_id"),
        ("requests_app", "0008_case_outcome_appeal_of_verification_evidence_consumer_confirmation"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
