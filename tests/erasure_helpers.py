"""Building a person whose erasure request was completed, through the real services (not collected by pytest)."""

from __future__ import annotations

from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask, System
from requests_app.models import Case
from requests_app.services import workbench
from requests_app.workflow import Status
from tests.factories import DataSubjectFactory, SubmissionFactory, make_case, supervisor


def complete_erasure(dsr: Case) -> Case:
    """Verify (if needed), finish every fulfilment task by hand and complete an erasure case as a supervisor."""
    boss = supervisor()
    System.objects.exclude(access_method=System.Access.MANUAL).update(is_active=False)  # no connector calls
    workbench.case_assign(dsr=dsr, assignee=boss, actor=boss, reason="caseload")
    dsr.refresh_from_db()
    # The identity must be settled at the level the rules ask for (compliance.rules.EVIDENCE): an officer
    # records matched data points, which is what a CCPA deletion ("reasonable degree") needs.
    if dsr.needs_officer_verification or dsr.status != Status.VERIFIED or not dsr.verification_evidence:
        workbench.case_verify_identity(dsr=dsr, actor=boss, method="data_points")
    else:
        fulfilment.fulfilment_create_tasks(dsr=dsr, actor=boss)
    for task in FulfilmentTask.objects.filter(case=dsr, state=FulfilmentTask.State.OPEN):
        fulfilment.fulfilment_task_resolve(task=task, state="done", actor=boss)
    workbench.case_complete(dsr=dsr, actor=boss, outcome_summary="Deleted", response="We deleted your data.")
    dsr.refresh_from_db()
    return dsr


def erasure_case(*, email: str, full_name: str = "Erin Erasable", country: str = "US", subdivision: str = "CA",
                 regime: str = "ccpa") -> Case:
    subject = DataSubjectFactory(email=email, full_name=full_name, country=country, subdivision=subdivision)
    return make_case(right="erasure", regime=regime, submission=SubmissionFactory(subject=subject))
