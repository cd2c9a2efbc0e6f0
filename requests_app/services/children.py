"""The privacy policy §10 promise: a child's data, once we learn of it, is deleted on our own initiative.

The services are not directed to children under 13 (or the higher digital consent age where the GDPR applies);
learning a child's age therefore opens one erasure case (nothing to verify: the company acts on its own promise),
which reaches every system of the data map like any erasure. Patients are excluded: the clinic that submitted a
minor's data obtains the parents' consent (policy §10, second paragraph).
"""

from __future__ import annotations

import logging

from django.db import transaction

from minors import selectors as minors_selectors
from regimes import deadlines
from requests_app.models import Case, Submission
from requests_app.services.cases import case_change_status, case_create, case_start_fulfilment
from requests_app.workflow import Status
from subjects.models import DataSubject, Relationship
from timeline.services import Actor

logger = logging.getLogger(__name__)


def is_policy_child(subject: DataSubject) -> bool:
    """Return whether the subject is known to be under the policy §10 age where they live (patients never)."""
    if subject.relationship == Relationship.PATIENT:
        return False
    age = minors_selectors.known_age(subject_id=subject.pk)
    return age is not None and age < deadlines.policy_child_age(subject.country or None)


def child_data_deletion_open(*, subject: DataSubject, submission: Submission, actor: Actor = None) -> Case | None:
    """Open the erasure the policy §10 promises for a child's data; None if one is already open or not a child."""
    if not is_policy_child(subject):
        return None
    with transaction.atomic():
        DataSubject.objects.select_for_update().filter(pk=subject.pk).first()  # one deletion case at a time
        if Case.objects.open().filter(subject=subject, right="erasure").exists():
            return None
        regime = deadlines.regime_for(country=subject.country or None, subdivision=subject.subdivision or None,
                                      right="erasure")
        dsr = case_create(submission=submission, right="erasure", regime=regime, actor=actor,
                          reason="Opened on our own initiative: a child's data (privacy policy §10)")
        if dsr.status == Status.AWAITING_VERIFICATION:
            dsr = case_change_status(
                dsr=dsr, to=Status.VERIFIED, actor=actor, verification_method="not required: our own initiative",
                reason="Nothing to verify: we delete a child's data on our own initiative (policy §10)",
            )
            case_start_fulfilment(dsr=dsr, actor=actor)
    logger.info("minors: child data deletion case %s opened for subject %s", dsr.pk, subject.pk)
    return dsr
