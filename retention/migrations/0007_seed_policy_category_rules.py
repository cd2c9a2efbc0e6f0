"""Give each of the 19 data categories of the privacy policy §2 a retention rule, and keep unverified
requests as long as the law requires (11 CCR §7101, §7102) instead of 30 days.

The policy §5 names criteria, not periods: the duration of the relationship, legal obligations, our legal
position, the agreements with registered users (for patient information) and a project's purpose. These
defaults apply them; supervisors may change them in the admin (every change is in the rule's history), within
the legal minimums of `retention/minimums.py`.
"""

from django.db import migrations
from django.utils import timezone

VISITORS, PATIENTS = "visitors_users", "patients"

# The sixth patient category of the policy §2(b), the 19th of the policy.
NEW_CATEGORIES = [
    ("patient_other_health", "Other health information", PATIENTS,
     "Other sensitive health information relevant to the service provided (policy §2(b))."),
]

_RELATIONSHIP = "Policy §5: kept while the relationship lasts (an active account or agreement)"
_PATIENT = (
    "Policy §2(b) and §5: patient information is processed on the registered user's instructions and kept as "
    "the agreement with that user requires; at its end it is returned or destroyed (45 CFR "
    "§164.504(e)(2)(ii)(J); GDPR Art. 28(3)(g)), so an officer reviews it against the agreement."
)
_ANALYTICS = ("Policy §3 and §5: analytics and usage insights need recent data only; data minimisation "
              "(GDPR Art. 5(1)(c), Cal. Civ. Code §1798.100(c)).")

# (category, period, unit, event, action, legal basis)
RULES = [
    ("contact_identification", 36, "months", "relationship_end", "delete",
     f"{_RELATIONSHIP}, then 36 months for questions and legal claims about it (policy §5: legal position)."),
    ("account", 6, "months", "relationship_end", "delete",
     f"{_RELATIONSHIP}; 6 months after the account is closed, in case it is reopened or disputed."),
    ("payment", 84, "months", "collection", "delete",
     "Policy §5: legal obligation to keep transaction records for tax and accounting (7 years covers the US "
     "federal and state assessment periods); full card details stay with the payment processor."),
    ("usage", 26, "months", "collection", "delete", _ANALYTICS),
    ("device", 26, "months", "collection", "delete", _ANALYTICS),
    ("location", 14, "months", "collection", "delete", _ANALYTICS + " Approximate location only."),
    ("search_browse_history", 14, "months", "collection", "delete", _ANALYTICS),
    ("clickstream", 14, "months", "collection", "delete", _ANALYTICS),
    ("social_media", 24, "months", "last_activity", "delete",
     "Policy §2 and §5: kept while useful for the interaction on our social media pages; 24 months after the "
     "last one."),
    ("advertising", 13, "months", "collection", "delete",
     "Policy §3 and §5: ad impressions and clicks; 13 months, the usual lifetime of advertising cookies."),
    ("third_party", 12, "months", "collection", "delete",
     "Policy §2 and §5: data from brokers, partners and public databases is refreshed, not kept; 12 months."),
    ("patient_medical_images", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("patient_identifiers", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("patient_demographics", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("patient_clinical", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("patient_genetic", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("patient_other_health", 0, "days", "relationship_end", "flag_for_review", _PATIENT),
    ("clinician_professional", 36, "months", "relationship_end", "delete",
     f"{_RELATIONSHIP}, then 36 months for questions and legal claims (policy §5: legal position)."),
    ("organization_information", 84, "months", "relationship_end", "delete",
     f"{_RELATIONSHIP}; tax information is kept 7 years after it ends (policy §5: legal obligation)."),
]

UNVERIFIED_OLD = (30, "days")
UNVERIFIED_NEW = (24, "months")
UNVERIFIED_BASIS = (
    "11 CCR §7101(a): a request closed because identity was never confirmed is still a consumer request, kept "
    "with how we responded for at least 24 months after closing, and used for nothing else; 11 CCR §7102: it is "
    "counted in the metrics for its calendar year, published by 1 July of the next year."
)


def _history(HistoricalRetentionRule, rule, reason, history_type="+"):
    """Write the history row the seed or change would have had through the admin."""
    HistoricalRetentionRule.objects.create(
        id=rule.id, category_id=rule.category_id, period=rule.period, period_unit=rule.period_unit,
        event=rule.event, action=rule.action, legal_basis=rule.legal_basis, is_active=rule.is_active,
        created_at=rule.created_at, updated_at=rule.updated_at, history_date=timezone.now(),
        history_type=history_type, history_change_reason=reason)


def seed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    for code, name, source, description in NEW_CATEGORIES:
        DataCategory.objects.get_or_create(code=code, defaults={"name": name, "source": source,
                                                                "description": description})
    for code, period, unit, event, action, basis in RULES:
        category = DataCategory.objects.get(code=code)
        if RetentionRule.objects.filter(category=category, is_active=True).exists():
            continue
        rule = RetentionRule.objects.create(category=category, period=period, period_unit=unit, event=event,
                                            action=action, legal_basis=basis, is_active=True)
        _history(HistoricalRetentionRule, rule, "Seeded default (migration)")
    # The 30-day default deleted unverified requests before the law allows; only the untouched default moves.
    rule = RetentionRule.objects.filter(category__code="unverified_requests", is_active=True,
                                        period=UNVERIFIED_OLD[0], period_unit=UNVERIFIED_OLD[1]).first()
    if rule is not None:
        rule.period, rule.period_unit, rule.legal_basis = *UNVERIFIED_NEW, UNVERIFIED_BASIS
        rule.save()
        _history(HistoricalRetentionRule, rule, "Legal minimum: 11 CCR §7101, §7102 (migration)", "~")


def unseed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    codes = [row[0] for row in RULES]
    rules = RetentionRule.objects.filter(category__code__in=codes, legal_basis__in=[row[5] for row in RULES])
    HistoricalRetentionRule.objects.filter(id__in=rules.values("id")).delete()
    rules.delete()
    RetentionRule.objects.filter(category__code="unverified_requests", legal_basis=UNVERIFIED_BASIS).update(
        period=UNVERIFIED_OLD[0], period_unit=UNVERIFIED_OLD[1])
    DataCategory.objects.filter(code__in=[c[0] for c in NEW_CATEGORIES], rules__isnull=True,
                                legal_holds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0006_category_labels_from_the_one_list")]
    operations = [migrations.RunPython(seed, unseed)]
