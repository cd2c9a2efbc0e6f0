from django.db import migrations


def backfill(apps, schema_editor):
    """Record the fact of every case that exists when reporting is installed."""
    from reporting.rules import classify
    from regimes import deadlines
    from regimes.conventions import current_conventions

    Case = apps.get_model("requests_app", "Case")
    CaseFact = apps.get_model("reporting", "CaseFact")
    conventions = current_conventions()
    facts = []
    for dsr in Case.objects.filter(report_fact__isnull=True).order_by("pk").iterator(chunk_size=1000):
        outcome, reason = classify(status=dsr.status, denial_ground=dsr.denial_ground,
                                   complied_in_part=getattr(dsr, "outcome", "") == "complied_in_part")
        facts.append(CaseFact(
            case_id=dsr.pk, regime=dsr.regime, right=dsr.right, received_on=dsr.receipt_date, status=dsr.status,
            outcome=outcome, denial_ground=dsr.denial_ground, denial_reason=reason,
            closed_on=deadlines.receipt_date(dsr.closed_at, dsr.regime, conventions) if dsr.closed_at else None,
            due_on=dsr.due_on, extended=dsr.extended_at is not None,
        ))
        if len(facts) >= 1000:
            CaseFact.objects.bulk_create(facts)
            facts = []
    CaseFact.objects.bulk_create(facts)


class Migration(migrations.Migration):
    # After every requests_app migration, so the backfill reads the cases with their outcome (issue 15).
    dependencies = [("reporting", "0001_case_facts"), ("requests_app", "0012_awaiting_reply_queue")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
