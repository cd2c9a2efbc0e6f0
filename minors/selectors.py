"""Reads about a person's age and their parents' authorizations."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
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
    statement = age_statements_latest_first(subject_id=subject_id).first()
    if statement is None:
        return None
    return age_from_statement(birth_date=statement.birth_date, age=statement.age, stated_on=statement.stated_on,
                              on=on)


def age_statements_latest_first(*, subject_id) -> QuerySet[AgeStatement]:
    """The subject's age statements, the one `known_age` reads first (`subject_id` may be an OuterRef)."""
    return AgeStatement.objects.filter(subject_id=subject_id).order_by("-created_at", "-pk")


def age_from_statement(*, birth_date: dt.date | None, age: int | None, stated_on: dt.date | None,
                       on: dt.date | None = None) -> int | None:
    """Return the age on ``on`` (today) that one statement gives (see `known_age`); None without one."""
    on = on or timezone.now().date()
    if birth_date is not None:
        return age_on(birth_date, on)
    if age is None or stated_on is None:
        return None
    return age + max((on - stated_on).days // 366, 0)


def parent_authorized(*, subject_id: int, purpose_id: int, at: dt.datetime | None = None) -> bool:
    """Return whether a parent's authorization of this purpose was in force at ``at`` (now)."""
    at = at or timezone.now()
    return ParentalAuthorization.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at),
        subject_id=subject_id, purpose_id=purpose_id, authorized_at__lte=at,
    ).exists()
