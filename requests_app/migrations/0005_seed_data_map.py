"""Seed the data map from the privacy policy §2 and §4 (officers edit it in the admin afterwards)."""

from django.db import migrations

_HOSTED = [
    "contact_identification", "account", "payment", "usage", "device", "location", "search_browse_history",
    "clickstream", "social_media", "advertising", "third_party", "patient_medical_images", "patient_identifiers",
    "patient_demographics", "patient_clinical", "patient_genetic", "clinician_professional",
    "organization_information",
]
_POLICY_RETENTION = ("As long as necessary for the purposes in the privacy policy (§5): while the relationship "
                     "lasts, longer only where a law, our legal position or an agreement requires.")

SYSTEMS = [
    {"name": "Imaging platform", "role": "internal",
     "description": "Our medical-imaging services: clinicians' accounts and the patient data they submit.",
     "categories": ["account", "clinician_professional", "organization_information", "patient_medical_images",
                    "patient_identifiers", "patient_demographics", "patient_clinical", "patient_genetic"],
     "purposes": "Providing the services registered users ask for, as their clinic instructs; de-identified "
                 "research and AI development where consent or agreements allow.",
     "retention": "As the agreements with registered users require; de-identified data may be kept longer."},
    {"name": "Website and customer accounts", "role": "internal",
     "description": "The public website, sign-up and account management, the shop.",
     "categories": ["contact_identification", "account", "payment", "usage", "device", "location",
                    "search_browse_history", "clickstream", "social_media", "advertising", "third_party"],
     "purposes": "Operating the website and accounts, transactions, communication, personalization, security.",
     "retention": _POLICY_RETENTION},
    {"name": "MedPrivacy portal (this system)", "role": "internal", "access_method": "django_model",
     "description": "Records of privacy requests, consents and the copies of data prepared for requesters.",
     "categories": ["privacy_request_records", "consent_ledger", "verification_tokens",
                    "authorization_documents", "access_packages", "audit_history"],
     "model_labels": ["requests_app.DataSubject", "requests_app.Submission", "requests_app.Message",
                      "requests_app.VerificationToken", "requests_app.AccessPackage"],
     "purposes": "Handling privacy requests and proving how we handled them (compliance with law).",
     "retention": "Request records at least 24 months after the answer (11 CCR §7101); download copies 7 days."},
    {"name": "Payment processor", "role": "service_provider",
     "description": "Processes card payments; full card details stay with the processor.",
     "categories": ["contact_identification", "payment"],
     "purposes": "Processing transactions.",
     "retention": "As long as tax, accounting and card-network rules require."},
    {"name": "Amazon Web Services (hosting)", "role": "service_provider", "categories": _HOSTED,
     "description": "Data hosting.", "purposes": "Hosting our website and services.",
     "retention": "As our applications keep it; backups roll off on their schedule."},
    {"name": "Microsoft Azure (hosting)", "role": "service_provider", "categories": _HOSTED,
     "description": "Data hosting.", "purposes": "Hosting our website and services.",
     "retention": "As our applications keep it; backups roll off on their schedule."},
    {"name": "Google Cloud (hosting)", "role": "service_provider", "categories": _HOSTED,
     "description": "Data hosting.", "purposes": "Hosting our website and services.",
     "retention": "As our applications keep it; backups roll off on their schedule."},
    {"name": "Google Analytics", "role": "service_provider",
     "categories": ["usage", "device", "location", "search_browse_history", "clickstream"],
     "description": "Website and service analytics.",
     "purposes": "Understanding how the services are used, diagnosing problems, improving them.",
     "retention": "Per the analytics data-retention setting of our property."},
    {"name": "Zendesk (customer support)", "role": "service_provider",
     "categories": ["contact_identification", "account"],
     "description": "Customer support tickets.", "purposes": "Answering support requests.",
     "retention": _POLICY_RETENTION},
    {"name": "Mailchimp (marketing e-mail)", "role": "service_provider",
     "categories": ["contact_identification"],
     "description": "Newsletters and marketing automation.",
     "purposes": "Sending newsletters and promotions, subject to your opt-out and consent.",
     "retention": "Until you unsubscribe, then as a suppression entry so we do not e-mail you again."},
    {"name": "Advertising partners (third-party advertising cookies)", "role": "third_party",
     "categories": ["advertising", "device", "usage"],
     "description": "Partners whose advertising cookies may amount to a 'sale' or 'sharing' under the CCPA.",
     "purposes": "Targeted advertising on our services and elsewhere.",
     "retention": "Per each partner's policy; we tell them of opt-outs and deletions."},
]


def seed(apps, schema_editor):
    System = apps.get_model("requests_app", "System")
    for row in SYSTEMS:
        row = dict(row)
        System.objects.get_or_create(name=row.pop("name"), defaults=row)


def unseed(apps, schema_editor):
    System = apps.get_model("requests_app", "System")
    System.objects.filter(name__in=[row["name"] for row in SYSTEMS], tasks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0004_fulfilment_data_map_tasks_packages")]
    operations = [migrations.RunPython(seed, unseed)]
