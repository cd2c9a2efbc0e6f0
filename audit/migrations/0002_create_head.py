from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(pk=1)


def remove_head(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.filter(pk=1, sequence=0).delete()


class Migration(migrations.Migration):
    """The one head row every append locks, so two first appends never race on creating it."""

    dependencies = [("audit", "0001_audit_chain")]

    operations = [migrations.RunPython(create_head, remove_head)]
