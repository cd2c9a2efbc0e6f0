"""Give the data categories the labels of the one list (retention/categories.py), which the data map uses too.

The schedule and the data map had named twelve categories differently (ten rows renamed here); the policy §2 wording wins for its
categories, the requester-facing wording for the portal's own. A frozen copy: later label changes are new
migrations. Reversible.
"""

from django.db import migrations

# code: (label before, label now)
LABELS = {
    "patient_medical_images": ('Patient medical images', 'Medical images'),
    "patient_clinical": ('Patient clinical information', 'Clinical information'),
    "patient_genetic": ('Patient genetic data', 'Genetic data'),
    "clinician_professional": ('Clinician professional information', 'Professional information about clinicians'),
    "privacy_request_records": ('Privacy request records', 'Records of your privacy requests'),
    "consent_ledger": ('Consent ledger', 'Records of your consents and opt-outs'),
    "verification_tokens": ('Verification tokens', 'Verification links'),
    "authorization_documents": ('Uploaded authorization documents', 'Authorized-agent documents'),
    "access_packages": ('Exported access packages', 'Copies of your data we prepared for you'),
    "audit_history": ('Audit history', 'Audit history of your requests'),
}


def _rename(apps, pick: int) -> None:
    data_category = apps.get_model("retention", "DataCategory")
    for code, labels in LABELS.items():
        data_category.objects.filter(code=code).update(name=labels[pick])


def forward(apps, schema_editor) -> None:
    _rename(apps, 1)


def backward(apps, schema_editor) -> None:
    _rename(apps, 0)


class Migration(migrations.Migration):

    dependencies = [("retention", "0005_subject_moved")]

    operations = [migrations.RunPython(forward, backward)]
