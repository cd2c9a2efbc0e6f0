"""Record what someone said about a person's age and a parent's authorization; act on the policy §10 promise.

Privacy policy §10: the services are not directed to children under 13 (or the higher digital consent age
where the GDPR applies); if we learn that we collected a child's information, we delete it promptly. Learning
a child's age therefore opens one erasure case on the company's own initiative (nothing to verify: the
company acts on its own promise), which reaches every system of the data map like any erasure. Patients are
excluded: the clinic that submitted a minor's data obtains the parents' consent (policy §10, second paragraph).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from consents.models import Purpose
from minors import selectors
from minors.models import AgeSource, AgeStatement, ParentalAuthorization
from requests_app import deadlines
from requests_app.models import Case, DataSubject, Relationship, Submission
from requests_app.services.cases import case_change_status, case_create, case_start_fulfilment
from requests_app.workflow import Status

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
MAX_AGE = 130


class AgeError(ValueError):
    """An age statement that cannot be true, or an authorization missing what the law asks for."""


def age_statement_record(*, subject: DataSubject, source: str, birth_date: dt.date | None = None,
                         age: int | None = None, dsr_reference: str = "", actor: Actor = None) -> AgeStatement:
    """Store a stated birth date or age; raise AgeError for one that cannot be true."""
    if source not in AgeSource.values:
        raise AgeError(f"Unknown source {source!r}")
    today = timezone.now().date()
    if birth_date is None and age is None:
        raise AgeError("Give a date of birth or an age")
    if birth_date is not None and not (today - dt.timedelta(days=366 * MAX_AGE) < birth_date <= today):
        raise AgeError("Give a real date of birth (not in the future)")
    if age is not None and not 0 <= age <= MAX_AGE:
        raise AgeError(f"An age is a whole number of years from 0 to {MAX_AGE}")
    statement = AgeStatement.objects.create(subject=subject, birth_date=birth_date, age=age, stated_on=today,
                                            source=source, dsr_reference=dsr_reference, recorded_by=actor)
    logger.info("minors: age statement %s recorded for subject %s (%s)", statement.pk, subject.pk, source)
    return statement


def is_policy_child(subject: DataSubject) -> bool:
    """Return whether the subject is known to be under the policy §10 age where they live (patients never)."""
    if subject.relationship == Relationship.PATIENT:
        return False
    age = selectors.known_age(subject_id=subject.pk)
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


def parental_authorization_record(*, subject: DataSubject, purpose: Purpose, guardian_name: str, method: str,
                                  guardian_email: str = "", actor: Actor = None) -> ParentalAuthorization:
    """Record a parent's verified authorization of a child's opt-in to one purpose (11 CCR §7070)."""
    guardian_name, method = (guardian_name or "").strip(), (method or "").strip()
    if not guardian_name:
        raise AgeError("Name the parent or guardian who authorized")
    if not method:
        raise AgeError("Say how the parent's identity and authority were verified (11 CCR §7070(b))")
    authorization = ParentalAuthorization.objects.create(
        subject=subject, purpose=purpose, guardian_name=guardian_name, guardian_email=guardian_email.strip(),
        method=method, recorded_by=actor)
    logger.info("minors: parental authorization %s recorded for subject %s", authorization.pk, subject.pk)
    return authorization
