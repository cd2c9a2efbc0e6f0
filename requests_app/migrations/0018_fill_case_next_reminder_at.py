"""Fill `Case.next_reminder_at` for the open cases (data migration; the column came in 0013).

Each open case gets the first day since its receipt on which a reminder may be due, as `Case.save` computes
it (`reminder_schedule.next_reminder_at`, a pure function of the case's fields and the reminder settings):
cases with a reminder due already are looked at by the first sweep, which then reschedules them.
Closed cases keep None. Cases are read in primary-key chunks; one UPDATE per distinct instant per chunk.
"""

from collections import defaultdict

from django.db import migrations

from requests_app import reminder_schedule

OPEN_STATUSES = ("awaiting_requester", "awaiting_verification", "forwarded_awaiting_controller", "in_progress",
                 "verified")
FIELDS = ("status", "regime", "right", "receipt_date", "acknowledge_by", "acknowledged_at", "respond_by",
          "extended_respond_by", "extended_at", "due_on", "paused_since", "assignee_id", "awaiting_reply_since",
          "updated_at")
CHUNK = 2000


def fill(apps, schema_editor):
    case_model = apps.get_model("requests_app", "Case")
    policy = reminder_schedule.reminder_policy()
    last = 0
    while True:
        chunk = list(case_model.objects.filter(pk__gt=last, status__in=OPEN_STATUSES).order_by("pk")
                     .only(*FIELDS)[:CHUNK])
        if not chunk:
            return
        by_instant = defaultdict(list)
        for dsr in chunk:
            by_instant[reminder_schedule.next_reminder_at(dsr, policy=policy)].append(dsr.pk)
        for instant, ids in by_instant.items():
            case_model.objects.filter(pk__in=ids).update(next_reminder_at=instant)
        last = chunk[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("requests_app", "0017_case_reference_trigram_index"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
