"""Reads about a person's age and their parents' authorizations."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from minors.models import AgeStatement, ParentalAuthorization


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``birth_date``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def known_age(*, subject_id: int, on: dt.date | None = None) -> int | None:
    """Return the subject's age on ``on`` (today) from the latest statement, or None when nobody said.

    A birth date gives the exact age; an age stated on a day grows by the whole years since (the lowest
    age consistent with the statement, so a child is never taken for older than they may be).
    """
    on = on or timezone.now().date()
    statement = AgeStatement.objects.filter(subject_id=subject_id).order_by("-created_at", "-pk").first()
    if statement is None:
        return None
    if statement.birth_date is not None:
        return age_on(statement.birth_date, on)
    return statement.age + max((on - statement.stated_on).days // 366, 0)


def parent_authorized(*, subject_id: int, purpose_id: int, at: dt.datetime | None = None) -> bool:
    """Return whether a parent's authorization of this purpose was in force at ``at`` (now)."""
    at = at or timezone.now()
    return ParentalAuthorization.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at),
        subject_id=subject_id, purpose_id=purpose_id, authorized_at__lte=at,
    ).exists()
