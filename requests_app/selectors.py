"""Every read of the requests app goes through these selectors (see shared/STYLE.md), including
object-permission scoping.

Officer functions (`cases_for_user`, `case_get_for_user`, …) are in one block; public ones (`public_*`)
serve the requester's pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from medprivacy import roles
from requests_app.models import Case, CaseAttachment, DataSubject, Message, Submission, TimelineEvent
from requests_app.workflow import OPEN, Status

# ---------------------------------------------------------------------------------------------------------
# Officers: which cases a user may see and work (django-guardian object permissions)
# ---------------------------------------------------------------------------------------------------------

OPEN_STATUSES = tuple(s.value for s in OPEN)
# Amber badge: due within this many days. "Due this week" = due today or in the next six days.
DUE_SOON_DAYS = 5
WEEK_DAYS = 7


def user_sees_all_cases(*, user: AbstractBaseUser) -> bool:
    """Return whether the user sees every case (superusers and holders of view_all_cases: supervisors)."""
    return bool(user.is_active and user.is_staff
                and (user.is_superuser or user.has_perm("requests_app.view_all_cases")))


def user_can_assign(*, user: AbstractBaseUser) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("requests_app.assign_case"))


def user_is_case_worker(*, user: AbstractBaseUser) -> bool:
    """Return whether cases may be assigned to this user (an active officer or supervisor)."""
    return bool(user.is_active and user.is_staff
                and (user.is_superuser or user.groups.filter(name__in=[roles.OFFICERS, roles.SUPERVISORS]).exists()))


def case_workers() -> QuerySet:
    """Return the users cases may be assigned to, by username."""
    return (get_user_model().objects.filter(is_active=True, is_staff=True)
            .filter(Q(groups__name__in=[roles.OFFICERS, roles.SUPERVISORS]) | Q(is_superuser=True))
            .distinct().order_by(get_user_model().USERNAME_FIELD))


def cases_for_user(*, user: AbstractBaseUser, perm: str = "view") -> QuerySet[Case]:
    """Return the cases `user` may view (perm="view") or work on (perm="change").

    Officers get exactly the cases with a guardian object permission for them or one of their groups;
    the model-level view/change permission that lets them into the admin is deliberately ignored.
    """
    if perm not in ("view", "change"):
        raise ValueError(f"perm must be 'view' or 'change'; got {perm!r}")
    if not (user.is_active and user.is_staff):
        return Case.objects.none()
    if user_sees_all_cases(user=user) and (perm == "view" or user.is_superuser
                                          or user.has_perm("requests_app.change_case")):
        return Case.objects.all()
    return get_objects_for_user(user, f"requests_app.{perm}_case", klass=Case.objects.all(), use_groups=True,
                                with_superuser=False, accept_global_perms=False)


def case_get_for_user(*, user: AbstractBaseUser, pk: object, perm: str = "view") -> Case:
    """Return one case the user may view/change, or raise Case.DoesNotExist (also for a malformed id)."""
    try:
        return cases_for_user(user=user, perm=perm).select_related("subject", "submission", "assignee").get(pk=pk)
    except (ValueError, TypeError):
        raise Case.DoesNotExist(f"no case {pk!r}") from None


def case_can_view(*, user: AbstractBaseUser, dsr: Case) -> bool:
    return cases_for_user(user=user, perm="view").filter(pk=dsr.pk).exists()


def case_can_change(*, user: AbstractBaseUser, dsr: Case) -> bool:
    return cases_for_user(user=user, perm="change").filter(pk=dsr.pk).exists()


def case_today() -> dt.date:
    """Today in the officers' display time zone (what "overdue" and "this week" mean in the office)."""
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(settings.DISPLAY_TIME_ZONE)).date()


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
    return (TimelineEvent.objects.filter(case__in=cases_for_user(user=user), case=dsr)
            .select_related("actor", "message").order_by("at", "pk"))


def case_attachments_for_user(*, user: AbstractBaseUser, dsr: Case) -> QuerySet[CaseAttachment]:
    return CaseAttachment.objects.filter(case__in=cases_for_user(user=user), case=dsr).select_related("uploaded_by")


def case_attachment_get_for_user(*, user: AbstractBaseUser, case_pk: object, pk: object) -> CaseAttachment:
    """Return one attachment of a case the user may view, or raise CaseAttachment.DoesNotExist."""
    try:
        return CaseAttachment.objects.filter(case__in=cases_for_user(user=user)).get(case_id=case_pk, pk=pk)
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
    return DataSubject.objects.filter(pk=subject_id, erased_at__isnull=True).exclude(email="").first()


def subject_is_erased(*, subject_id: int) -> bool:
    """Return whether the data subject a link names had their data erased (links then say so, nothing more)."""
    return DataSubject.objects.filter(pk=subject_id, erased_at__isnull=False).exists()


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
