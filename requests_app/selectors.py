"""Every read of the requests app goes through these selectors (see shared/STYLE.md)."""

from __future__ import annotations

from requests_app.models import Case, DataSubject, Message, Submission

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
