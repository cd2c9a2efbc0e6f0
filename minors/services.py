"""Record what someone said about a person's age, and a parent's authorization of a child's opt-in.

What follows from an age lives with its users: consent decisions in `consents.selectors`, the policy §10
deletion of a child's data in `requests_app.services.children`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from minors.models import AgeSource, AgeStatement, ParentalAuthorization

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
MAX_AGE = 130


class AgeError(ValueError):
    """An age statement that cannot be true, or an authorization missing what the law asks for."""


def age_statement_record(*, subject: models.Model, source: str, birth_date: dt.date | None = None,
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


def parental_authorization_record(*, subject: models.Model, purpose: models.Model, guardian_name: str, method: str,
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
