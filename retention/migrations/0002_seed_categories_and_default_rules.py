"""Seed the data categories of the privacy policy §2 and the portal's own, and the default rules.

The periods are retention *data*, editable by supervisors in the admin (every change is in the
rule's history); they are seeded here, not hard-coded in any module.
"""

from django.db import migrations
from django.utils import timezone

VISITORS, PATIENTS, CLINICIANS, PORTAL = "visitors_users", "patients", "clinicians", "portal"

CATEGORIES = [
    # Policy §2(a): website visitors and registered users.
    ("contact_identification", "Contact and identification information", VISITORS,
     "Name, e-mail address, phone number, occupation, organization name, address."),
    ("account", "Account information", VISITORS, "Username, password, e-mail address, user preferences."),
    ("payment", "Payment information", VISITORS,
     "Card number, billing and shipping address, transaction details (cards mostly held by processors)."),
    ("usage", "Usage data", VISITORS, "Pages visited, features used, searches performed, time spent."),
    ("device", "Device data", VISITORS, "IP address, browser, operating system, device type and identifiers."),
    ("location", "Location data", VISITORS, "Approximate location derived from the IP address."),
    ("search_browse_history", "Search and browse history", VISITORS, "Searches and pages visited in the Services."),
    ("clickstream", "Clickstream data", VISITORS, "Links clicked on the website and in the Services."),
    ("social_media", "Social media data", VISITORS, "Profile information and posts shared through social media."),
    ("advertising", "Advertising data", VISITORS, "Ad impressions and clicks."),
    ("third_party", "Third-party data", VISITORS, "Information from data brokers, partners, public databases."),
    # Policy §2(b): patients, submitted by registered users (we are the clinic's processor).
    ("patient_medical_images", "Patient medical images", PATIENTS, "CT, MRI, X-ray, DICOM files."),
    ("patient_identifiers", "Patient identifiers", PATIENTS,
     "Full name, date of birth, identification numbers assigned by the provider."),
    ("patient_demographics", "Patient demographic information", PATIENTS, "E.g. gender."),
    ("patient_clinical", "Patient clinical information", PATIENTS,
     "Surgical and medical history, diagnoses, other health information."),
    ("patient_genetic", "Patient genetic data", PATIENTS, "Genetic data."),
    # Policy §2(c): clinicians and organizations.
    ("clinician_professional", "Clinician professional information", CLINICIANS,
     "Name, specialty, license number, NPI number."),
    ("organization_information", "Organization information", CLINICIANS,
     "Organization name, address, phone number, website, tax information."),
    # The portal's own records.
    ("privacy_request_records", "Privacy request records", PORTAL,
     "Data subjects, submissions, cases, their timeline and messages (CCPA regulations §7101)."),
    ("unverified_requests", "Unverified privacy requests", PORTAL,
     "Requests closed because the requester never confirmed their identity."),
    ("consent_ledger", "Consent ledger", PORTAL, "Who consented to what, when, how, under which notice version."),
    ("verification_tokens", "Verification tokens", PORTAL, "Hashes of single-use e-mail verification links."),
    ("authorization_documents", "Uploaded authorization documents", PORTAL,
     "Signed permissions and powers of attorney uploaded by authorized agents."),
    ("access_packages", "Exported access packages", PORTAL, "Files prepared for access and portability requests."),
    ("audit_history", "Audit history", PORTAL, "History rows of records (simple-history) and the admin log."),
]

# (category, period, unit, event, action, legal basis)
RULES = [
    ("privacy_request_records", 24, "months", "case_closure", "delete",
     "CCPA regulations 11 CCR §7101: keep records of requests and how they were answered for at least 24 "
     "months from the response, and use them for nothing else; policy §5: no longer than necessary."),
    ("verification_tokens", 30, "days", "collection", "delete",
     "Policy §5: a verification link is needed only until it is used or expires; kept 30 days for support."),
    ("unverified_requests", 30, "days", "case_closure", "delete",
     "Policy §5 and data minimisation: identity was never confirmed, so nothing is owed to the requester; "
     "30 days after the case closed as unverified."),
    ("authorization_documents", 0, "days", "case_closure", "anonymize",
     "CCPA regulations §7063 and GDPR Art. 5(1)(c): the agent's authorization is needed only to answer; the "
     "file is deleted once every case of the submission is closed (the record that it was checked remains)."),
    ("access_packages", 7, "days", "delivery", "delete",
     "Policy §5 and security (policy §6): a copy of everything we hold is a risk once delivered; 7 days "
     "leave time to download it again."),
]


def seed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    for code, name, source, description in CATEGORIES:
        DataCategory.objects.get_or_create(code=code, defaults={"name": name, "source": source,
                                                                "description": description})
    for code, period, unit, event, action, basis in RULES:
        category = DataCategory.objects.get(code=code)
        if not RetentionRule.objects.filter(category=category, is_active=True).exists():
            rule = RetentionRule.objects.create(category=category, period=period, period_unit=unit, event=event,
                                                action=action, legal_basis=basis, is_active=True)
            # The rule's history starts with the seed, so every later edit has a "before".
            HistoricalRetentionRule.objects.create(
                id=rule.id, category_id=rule.category_id, period=period, period_unit=unit, event=event,
                action=action, legal_basis=basis, is_active=True, created_at=rule.created_at,
                updated_at=rule.updated_at, history_date=timezone.now(), history_type="+",
                history_change_reason="Seeded default (migration)")


def unseed(apps, schema_editor):
    DataCategory = apps.get_model("retention", "DataCategory")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    codes = [c[0] for c in CATEGORIES]
    HistoricalRetentionRule = apps.get_model("retention", "HistoricalRetentionRule")
    rules = RetentionRule.objects.filter(category__code__in=codes)
    HistoricalRetentionRule.objects.filter(id__in=rules.values("id")).delete()
    rules.delete()
    DataCategory.objects.filter(code__in=codes, legal_holds__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("retention", "0001_retention_schedule_holds_runs"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
