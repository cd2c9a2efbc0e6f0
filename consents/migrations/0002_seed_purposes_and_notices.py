"""Seed the purposes of the privacy policy and their first notice versions (data: consents/defaults.py).

Reversible: unseeding removes only purposes no ledger event or state points to.
"""

from django.db import migrations

from consents.defaults import PURPOSES, seed_purposes


def seed(apps, schema_editor):
    seed_purposes(apps.get_model("consents", "Purpose"), apps.get_model("consents", "NoticeVersion"))


def unseed(apps, schema_editor):
    Purpose = apps.get_model("consents", "Purpose")
    NoticeVersion = apps.get_model("consents", "NoticeVersion")
    codes = [p["code"] for p in PURPOSES]
    unused = Purpose.objects.filter(code__in=codes, events__isnull=True, states__isnull=True)
    NoticeVersion.objects.filter(purpose__in=unused).delete()
    unused.delete()


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_consent_ledger")]

    operations = [migrations.RunPython(seed, unseed)]
