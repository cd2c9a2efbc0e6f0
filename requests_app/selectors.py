"""Every read of the requests app goes through these selectors (see shared/STYLE.md), including
object-permission scoping.

Officer functions (`cases_for_user`, `case_get_for_user`, …) are in one block; public ones (`public_*`)
serve the requester's pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from medprivacy import clock
from medprivacy.access import (  # the one permission layer
    cases_for_user,
    scope_to_cases,
)
from outbox.models import Message
from requests_app.models import Case, CaseAttachment, Submission
from requests_app.workflow import OPEN_STATUSES, Status
from subjects.models import DataSubject
from subjects.selectors import subject_reachable_by_id
from timeline.models import TimelineEvent

# ---------------------------------------------------------------------------------------------------------
# Officers: which cases a user may see and work (django-guardian object permissions)
# ---------------------------------------------------------------------------------------------------------

# Amber badge: due within this many days. "Due this week" = due today or in the next six days.
DUE_SOON_DAYS = 5
WEEK_DAYS = 7


def case_today() -> dt.date:
    """Today in the officers' display time zone (what "overdue" and "this week" mean in the office)."""
    return clock.office_today()


def cases_due_filter(queryset: QuerySet[Case], *, due: str, today: dt.date | None = None) -> QuerySet[Case]:
    """Narrow open cases to overdue, due this week (next 7 days) or due later."""
    today = today or case_today()
    open_cases = queryset.filter(status__in=OPEN_STATUSES)
    week_end = today + dt.timedelta(days=WEEK_DAYS - 1)
    if due == "overdue":
        return open_cases.filter(due_on__lt=today)
    if due == "week":
        return open_cases.filter(due_on__gte=today, due_on__lte=week_end)
    if due == "later":
        return open_cases.filter(due_on__gt=week_end)
    raise ValueError(f"unknown due filter {due!r}")


def case_timeline_for_user(*, user: AbstractBaseUser, dsr: Case) -> QuerySet[TimelineEvent]:
    """Return the case's timeline with each message exactly as sent, if the user may view the case."""
    return (scope_to_cases(TimelineEvent.objects.filter(case=dsr), user=user)
            .select_related("actor", "message").order_by("at", "pk"))


def case_attachments_for_user(*, user: AbstractBaseUser, dsr: Case) -> QuerySet[CaseAttachment]:
    return scope_to_cases(CaseAttachment.objects.filter(case=dsr), user=user).select_related("uploaded_by")


def case_attachment_get_for_user(*, user: AbstractBaseUser, case_pk: object, pk: object) -> CaseAttachment:
    """Return one attachment of a case the user may view, or raise CaseAttachment.DoesNotExist."""
    try:
        return scope_to_cases(CaseAttachment.objects.all(), user=user).get(case_id=case_pk, pk=pk)
    except (ValueError, TypeError):
        raise CaseAttachment.DoesNotExist(f"no attachment {pk!r}") from None


def case_related_for_user(*, user: AbstractBaseUser, dsr: Case) -> dict[str, list[Case]]:
    """Return the visible linked duplicates and the sibling cases of the same submission."""
    visible = cases_for_user(user=user)
    duplicates = visible.filter(Q(duplicate_of=dsr) | Q(pk=dsr.duplicate_of_id or 0))
    siblings = visible.filter(submission_id=dsr.submission_id).exclude(pk=dsr.pk)
    return {"duplicates": list(duplicates.order_by("pk")), "siblings": list(siblings.order_by("pk"))}


@dataclass(frozen=True)
class CaseDashboard:
    open: int
    overdue: int
    due_this_week: int
    unassigned: int
    awaiting_verification: int
    per_officer: list[tuple[str, int, int]]  # (username, open, overdue)


def case_dashboard_for_user(*, user: AbstractBaseUser, today: dt.date | None = None) -> CaseDashboard:
    """Count the open work the user can see, in two queries."""
    today = today or case_today()
    week_end = today + dt.timedelta(days=WEEK_DAYS - 1)
    open_cases = cases_for_user(user=user).filter(status__in=OPEN_STATUSES)
    totals = open_cases.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_this_week=Count("pk", filter=Q(due_on__gte=today, due_on__lte=week_end)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        awaiting_verification=Count("pk", filter=Q(status=Status.AWAITING_VERIFICATION)),
    )
    username = f"assignee__{get_user_model().USERNAME_FIELD}"
    per_officer = [
        (row[username], row["n"], row["late"])
        for row in open_cases.filter(assignee__isnull=False).values(username)
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))).order_by(username)
    ]
    return CaseDashboard(per_officer=per_officer, **totals)


def cases_changeable_among(*, user: AbstractBaseUser, pks: Iterable[object]) -> QuerySet[Case]:
    """Return those of `pks` the user may work on (bulk actions)."""
    return cases_for_user(user=user, perm="change").filter(pk__in=list(pks))


# ---------------------------------------------------------------------------------------------------------
# Public side (intake): what the requester may see through a signed link. Never scoped by a user; the
# caller has already checked the link, and these return only that requester's own records.
# ---------------------------------------------------------------------------------------------------------


def public_submission_get(*, submission_id: int) -> Submission | None:
    """Return a submission with its cases for the confirmation page, or None if gone or erased."""
    return (Submission.objects.select_related("subject").prefetch_related("cases")
            .filter(pk=submission_id, subject__erased_at__isnull=True).first())


def public_subject_get(*, subject_id: int) -> DataSubject | None:
    """Return the data subject a status link names, unless it is gone or erased."""
    return subject_reachable_by_id(subject_id)


def public_cases_for_subject(*, subject: DataSubject) -> list[Case]:
    """Return the subject's cases, newest first, for the status page."""
    return list(Case.objects.filter(subject=subject).select_related("duplicate_of")
                .order_by("-received_at", "pk"))


def public_messages_for_subject(*, subject: DataSubject) -> list[Message]:
    """Return every message sent about the subject's requests, newest first."""
    return list(Message.objects.filter(submission__subject=subject).order_by("-created_at", "-pk"))


def public_case_for_subject(*, subject: DataSubject, reference: str) -> Case | None:
    """Return the subject's case with this reference, or None (another subject's case is never found)."""
    return Case.objects.select_related("submission").filter(subject=subject, reference=reference).first()
