"""Put risk assessments on the retention schedule: their data category and its rule (11 CCR §7155(c)).

Each revision is kept while its processing continues and then 60 months from the later of the processing's
end and the revision's completion (`RiskAssessment.retain_from`); `retention/minimums.py` refuses a shorter rule.
"""

from django.db import migrations
from django.utils import timezone

CODE = "risk_assessments"
NAME = "Risk assessments of our processing"
DESCRIPTION = ("Risk assessments under 11 CCR §7150–7157 with the names and positions of their contributors, "
               "reviewers and approvers.")
BASIS = ("11 CCR §7155(c): risk assessments, original and updated versions, are kept while the processing "
         "continues or five years after the assessment's completion, whichever is later; kept here 60 months after "
         "the later of the processing's end and the revision's completion.")


def seed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    category, _ = DataCategory.objects.get_or_create(code=CODE, defaults={
        "name": NAME, "source": "portal", "description": DESCRIPTION})
    if RetentionRule.objects.filter(category=category, is_active=True).exists():
        return
    rule = RetentionRule.objects.create(category=category, period=60, period_unit="months",
                                        event="project_completion", action="delete", legal_basis=BASIS,
                                        is_active=True)
    HistoricalRetentionRule.objects.create(
        id=rule.id, category_id=rule.category_id, period=rule.period, period_unit=rule.period_unit,
        event=rule.event, action=rule.action, legal_basis=rule.legal_basis, is_active=rule.is_active,
        created_at=rule.created_at, updated_at=rule.updated_at, history_date=timezone.now(), history_type="+",
        history_change_reason="Seeded default (migration)")


def unseed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    rules = RetentionRule.objects.filter(category__code=CODE, legal_basis=BASIS)
    HistoricalRetentionRule.objects.filter(id__in=rules.values("id")).delete()
    rules.delete()
    DataCategory.objects.filter(code=CODE, rules__isnull=True, legal_holds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_register"),
        ("retention", "0008_purge_run_planned_rows"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
