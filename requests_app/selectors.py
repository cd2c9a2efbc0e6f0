"""Every read of the requests app goes through these selectors (see shared/STYLE.md), including
object-permission scoping.

Officer functions (`cases_for_user`, `case_get_for_user`, …) are in one block; public ones (`public_*`)
serve the requester's pages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from medprivacy import access, clock
from medprivacy.access import (  # the one permission layer
    case_get_for_user,
    cases_for_user,
    scope_to_cases,
)
from medprivacy.languages import language_normalize
from outbox.models import ThreadAttachment, ThreadMessage
from requests_app.models import Case, CaseAttachment, Submission, VerificationToken
from requests_app.workflow import OPEN_STATUSES, Status
from subjects.models import DataSubject, email_digest
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


# A whole reference as the officer types it (any case): DSR-2026-000123. Anything else is a fragment.
FULL_REFERENCE = re.compile(r"[A-Za-z]+-\d{4}-\d+")
# Fragments shorter than a trigram cannot use the trigram index: they match nothing rather than scan everything.
MIN_FRAGMENT = 3


def cases_search(queryset: QuerySet[Case], *, term: str) -> QuerySet[Case]:
    """Narrow `queryset` to the cases an officer's search term names, each branch read from an index.

    An e-mail address (it has an "@"): the requester's keyed hash, exact after intake's normalisation
    (`subjects.email_hash`); a whole reference: case-insensitive equality (index `case_reference_upper`);
    a fragment of 3+ characters: case-insensitive containment (the trigram index `case_reference_trgm`).
    """
    term = term.strip()
    if not term:
        return queryset
    if "@" in term:
        return queryset.filter(subject__email_hash=email_digest(term))
    if FULL_REFERENCE.fullmatch(term):
        return queryset.filter(reference__iexact=term)
    if len(term) < MIN_FRAGMENT:
        return queryset.none()
    return queryset.filter(reference__icontains=term)


def assignee_choices(*, term: str, limit: int = 20) -> list[tuple[int, str]]:
    """Return up to `limit` case workers whose user name starts with `term` (the assignee autocomplete)."""
    user_model = get_user_model()
    workers = access.case_workers()
    if term.strip():
        workers = workers.filter(**{f"{user_model.USERNAME_FIELD}__istartswith": term.strip()})
    return [(user.pk, user.get_username()) for user in workers[:limit]]


def case_timeline_for_user(*, user: AbstractBaseUser, dsr: Case) -> QuerySet[TimelineEvent]:
    """Return the case's timeline with each message exactly as sent, if the user may view the case."""
    return (scope_to_cases(TimelineEvent.objects.filter(case=dsr), user=user)
            .select_related("actor", "message").order_by("at", "pk"))


def case_thread_for_user(*, user: AbstractBaseUser, dsr: Case) -> QuerySet[ThreadMessage]:
    """Return the case's conversation, oldest first, if the user may view the case."""
    return (scope_to_cases(ThreadMessage.objects.filter(case=dsr), user=user)
            .select_related("author").prefetch_related("attachments").order_by("created_at", "pk"))


def thread_attachment_get_for_user(*, user: AbstractBaseUser, case_pk: object, pk: object) -> ThreadAttachment:
    """Return one file a requester sent on a case the user may view, or raise ThreadAttachment.DoesNotExist."""
    try:
        return scope_to_cases(ThreadAttachment.objects.all(), user=user, case_path="message__case").get(
            message__case_id=case_pk, pk=pk)
    except (ValueError, TypeError):
        raise ThreadAttachment.DoesNotExist(f"no attachment {pk!r}") from None


def cases_awaiting_reply(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Narrow to open cases whose requester wrote and got no answer yet."""
    return queryset.filter(status__in=OPEN_STATUSES, awaiting_reply_since__isnull=False)


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
    awaiting_reply: int  # the requester wrote; no officer has answered yet
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
        awaiting_reply=Count("pk", filter=Q(awaiting_reply_since__isnull=False)),
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


def public_subject_language(*, subject: DataSubject) -> str:
    """Return the language of the subject's latest request (English when none says otherwise)."""
    language = (Submission.objects.filter(subject=subject).order_by("-received_at", "-pk")
                .values_list("language", flat=True).first())
    return language_normalize(language)


def public_threads_for_subject(*, subject: DataSubject) -> dict[int, list[ThreadMessage]]:
    """Return each of the subject's cases' conversation (case id → messages, oldest first).

    Only the conversation: the e-mails the portal sends on its own (receipts with verification links,
    package links, status links) are never shown on the status page, whoever holds its link.
    """
    threads: dict[int, list[ThreadMessage]] = {}
    rows = (ThreadMessage.objects.filter(case__subject=subject).prefetch_related("attachments")
            .order_by("created_at", "pk"))
    for entry in rows:
        threads.setdefault(entry.case_id, []).append(entry)
    return threads


def public_case_for_subject(*, subject: DataSubject, reference: str) -> Case | None:
    """Return the subject's case with this reference, or None (another subject's case is never found)."""
    return Case.objects.select_related("submission").filter(subject=subject, reference=reference).first()


# ---------------------------------------------------------------------------------------------------------
# Verification as officers see it (issue 15): never "Verified" for a case nobody identity-checked
# ---------------------------------------------------------------------------------------------------------


def case_identity_settled(dsr: Case) -> bool | None:
    """Return True when identity is settled at the rules' level, False while an officer must verify, None when
    no check is ours to make (no verification needed, or a patient's clinic verifies)."""
    if dsr.is_patient or dsr.verification_level == "none":
        return None
    return dsr.verified_at is not None and not dsr.needs_officer_verification


def case_status_label(dsr: Case) -> str:
    """Return the status in words that do not claim a verification that never happened."""
    if dsr.status == Status.VERIFIED:
        if dsr.is_patient:
            return "Received: the clinic verifies"
        if dsr.verification_level == "none":
            return "Accepted: no verification needed"
        if dsr.needs_officer_verification:
            return "E-mail confirmed: officer must verify"
    return dsr.get_status_display()


def cases_identity_filter(queryset: QuerySet[Case], *, settled: str) -> QuerySet[Case]:
    """Filter by `case_identity_settled`: "yes", "no" or "not_required"."""
    ours = queryset.filter(is_patient=False).exclude(verification_level="none")
    if settled == "yes":
        return ours.filter(verified_at__isnull=False, needs_officer_verification=False)
    if settled == "no":
        return ours.filter(Q(verified_at__isnull=True) | Q(needs_officer_verification=True))
    if settled == "not_required":
        return queryset.filter(Q(is_patient=True) | Q(verification_level="none"))
    return queryset


def case_authorization_get_for_user(*, user: AbstractBaseUser, case_pk: object):
    """Return the agent's uploaded authorization of a case the user may view, or raise Case.DoesNotExist."""
    dsr = case_get_for_user(user=user, pk=case_pk)
    document = dsr.submission.authorization_document
    if not dsr.is_agent or not document:
        raise Case.DoesNotExist(f"case {dsr.pk} has no authorization document")
    return document
def verification_link_expiry(*, submission: Submission, now: dt.datetime) -> dt.datetime | None:
    """When the newest unused verification link of a submission stops working; None without one."""
    return (VerificationToken.objects.filter(submission=submission, used_at__isnull=True, expires_at__gt=now)
            .order_by("-expires_at").values_list("expires_at", flat=True).first())
