"""Writes of the reporting app: keeping each case's report fact in step with the case."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from regimes import deadlines
from regimes.conventions import current_conventions
from reporting.models import CaseFact
from reporting.rules import classify
from requests_app.models import Case

# The case field the compliance work (issue 15) adds for how a case ended, and its value for "complied with
# in part". Until that field exists, no completed case counts as in part.
OUTCOME_FIELD, PARTIAL_OUTCOME = "outcome", "complied_in_part"


def complied_in_part(dsr: Case) -> bool:
    return getattr(dsr, OUTCOME_FIELD, "") == PARTIAL_OUTCOME


def _fields_of(dsr: Case) -> dict:
    outcome, reason = classify(status=dsr.status, denial_ground=dsr.denial_ground,
                               complied_in_part=complied_in_part(dsr))
    closed_on = (deadlines.receipt_date(dsr.closed_at, dsr.regime, current_conventions())
                 if dsr.closed_at is not None else None)
    return {"regime": dsr.regime, "right": dsr.right, "received_on": dsr.receipt_date, "status": dsr.status,
            "outcome": outcome, "denial_ground": dsr.denial_ground, "denial_reason": reason,
            "closed_on": closed_on, "due_on": dsr.due_on, "extended": dsr.extended_at is not None,
            "updated_at": timezone.now()}


def case_fact_record(dsr: Case) -> CaseFact:
    """Create or update the report fact of a case (called by the case services in their transaction).

    One upsert (INSERT … ON CONFLICT (case_id) DO UPDATE): every case write calls it, and a read, a
    create and their two savepoints were six statements (issue 19, intake)."""
    fields = _fields_of(dsr)
    fact = CaseFact(case_id=dsr.pk, **fields)
    CaseFact.objects.bulk_create([fact], update_conflicts=True, unique_fields=["case"], update_fields=list(fields))
    return fact


def case_facts_sync() -> int:
    """Record the fact of every case that has none or an outdated one (first install, repairs); return how many."""
    count = 0
    stale = Case.objects.filter(Q(report_fact__isnull=True) | Q(report_fact__updated_at__lt=F("updated_at")))
    for dsr in stale.order_by("pk").iterator(chunk_size=500):
        with transaction.atomic():
            case_fact_record(dsr)
        count += 1
    return count
