"""Reads of data subjects: every lookup by address or id goes through here, normalized the same way."""

from __future__ import annotations

from django.db.models import QuerySet

from subjects.models import DataSubject, email_digest


def normalize_email(email: str | None) -> str:
    """Return the address as stored and matched: trimmed and lower-case."""
    return (email or "").strip().lower()


def subjects_by_email(email: str | None) -> QuerySet[DataSubject]:
    """Return the (not erased) subjects with this address (one at most: addresses are unique)."""
    normalized = normalize_email(email)
    if not normalized:
        return DataSubject.objects.none()
    return subjects_by_email_hash(email_digest(normalized))


def subjects_by_email_hash(digest: str) -> QuerySet[DataSubject]:
    """Return the (not erased) subjects whose keyed address hash is `digest` (see `email_digest`)."""
    return DataSubject.objects.filter(email_hash=digest, erased_at__isnull=True)


def subject_by_email(email: str | None) -> DataSubject | None:
    """Return the (not erased) subject with this address, or None."""
    return subjects_by_email(email).first()


def subject_by_id(subject_id: object) -> DataSubject | None:
    """Return the (not erased) subject with this id, or None (also for a malformed id)."""
    try:
        return DataSubject.objects.filter(pk=subject_id, erased_at__isnull=True).first()
    except (TypeError, ValueError):
        return None


def subject_reachable_by_id(subject_id: object) -> DataSubject | None:
    """Return the subject a signed link names, unless it is gone, erased or has no address left."""
    subject = subject_by_id(subject_id)
    return subject if subject is not None and subject.email else None


def subject_is_erased(*, subject_id: object) -> bool:
    """Return whether the person a link names had their data erased (their links then say so, nothing more)."""
    try:
        return DataSubject.objects.filter(pk=subject_id, erased_at__isnull=False).exists()
    except (TypeError, ValueError):
        return False
