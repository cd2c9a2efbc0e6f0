"""Add the research and AI partners of the privacy policy §4 to the data map, and the policy's sixth patient
category (other health information) to the systems that hold patient data.

The policy says that sharing data for research or AI development "could be considered a 'sale' or 'sharing'
under CCPA"; as third parties they get a "stop selling or sharing" task on every opt-out (and a "limit use"
task on a request to limit sensitive information), like the advertising partners.
"""

from django.db import migrations

_PATIENT = ["patient_medical_images", "patient_identifiers", "patient_demographics", "patient_clinical",
            "patient_genetic", "patient_other_health"]
# "De-identified or aggregated information derived from Patient Information and other data" (policy §3, §4).
_OTHER = ["usage", "device", "clickstream", "search_browse_history"]

SYSTEMS = [
    {"name": "Research partners and collaborators", "role": "third_party",
     "description": "Research partners and collaborators who may receive de-identified or aggregated data "
                    "(privacy policy §4, 'For Research and AI Development').",
     "categories": _PATIENT + _OTHER,
     "purposes": "Medical research, educational materials, publications and improving healthcare (policy §3), "
                 "under agreements and ethical review; specific consent where the law or an agreement requires.",
     "retention": "Per each research agreement; data for a project is deleted or further de-identified when "
                  "it ends (policy §5). We tell partners of opt-outs and deletions."},
    {"name": "AI development partners", "role": "third_party",
     "description": "Partners who may receive de-identified or aggregated data to develop, train and improve "
                    "AI tools for medical imaging, diagnostics or treatment planning (privacy policy §3, §4).",
     "categories": _PATIENT + _OTHER,
     "purposes": "Developing, training and improving AI tools and building related databases (policy §3).",
     "retention": "Per each development agreement (policy §5). We tell partners of opt-outs and deletions."},
]


# The sixth patient category of the policy §2(b) ("other sensitive health information") is held where the others are.
OTHER_HEALTH = "patient_other_health"
HOLDERS = ["Imaging platform", "Amazon Web Services (hosting)", "Microsoft Azure (hosting)", "Google Cloud (hosting)"]


def seed(apps, schema_editor):
    System = apps.get_model("fulfilment", "System")
    for system in System.objects.filter(name__in=HOLDERS):
        if OTHER_HEALTH not in system.categories:
            system.categories = [*system.categories, OTHER_HEALTH]
            system.save(update_fields=["categories"])
    for row in SYSTEMS:
        row = dict(row)
        System.objects.get_or_create(name=row.pop("name"), defaults=row)


def unseed(apps, schema_editor):
    System = apps.get_model("fulfilment", "System")
    # Only rows no task refers to: a partner that already got tasks stays in the record.
    System.objects.filter(name__in=[row["name"] for row in SYSTEMS], tasks__isnull=True).delete()
    for system in System.objects.filter(name__in=HOLDERS):
        if OTHER_HEALTH in system.categories:
            system.categories = [code for code in system.categories if code != OTHER_HEALTH]
            system.save(update_fields=["categories"])


class Migration(migrations.Migration):

    dependencies = [
        ("fulfilment", "0002_model_labels_follow_moved_models"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
