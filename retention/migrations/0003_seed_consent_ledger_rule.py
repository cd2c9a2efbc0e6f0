"""Seed the retention rule of the consent ledger (its records are registered by the consents app)."""

from django.db import migrations
from django.utils import timezone

BASIS = (
    "Proof of consent and of opt-outs (GDPR Art. 7(1); CCPA §1798.135(c)(4) and 11 CCR §7025): kept 36 months "
    "after the person's last consent choice, the limitation period for claims about it; policy §5."
)


def seed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    category = DataCategory.objects.filter(code="consent_ledger").first()
    if category is None or RetentionRule.objects.filter(category=category, is_active=True).exists():
        return
    rule = RetentionRule.objects.create(category=category, period=36, period_unit="months", event="last_activity",
                                        action="delete", legal_basis=BASIS, is_active=True)
    HistoricalRetentionRule.objects.create(
        id=rule.id, category_id=rule.category_id, period=36, period_unit="months", event="last_activity",
        action="delete", legal_basis=BASIS, is_active=True, created_at=rule.created_at, updated_at=rule.updated_at,
        history_date=timezone.now(), history_type="+", history_change_reason="Seeded default (migration)")


def unseed(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    rules = RetentionRule.objects.filter(category__code="consent_ledger", legal_basis=BASIS)
    HistoricalRetentionRule.objects.filter(id__in=rules.values("id")).delete()
    rules.delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_seed_categories_and_default_rules")]
    operations = [migrations.RunPython(seed, unseed)]
