"""Writes of data subjects, recorded in history with who and why.

Identity is protected: a filing names a person, but the stored identity of an existing subject (name,
phone, relationship, residence) changes only through `subject_identity_update`, which its callers reach
once the person has proved control of the address (the verification link) or an officer with rights on
every case of that person confirms it. Unverified input creates a subject or leaves it alone.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from subjects.models import DataSubject, email_digest
from subjects.selectors import normalize_email

IDENTITY_FIELDS = ("full_name", "phone", "relationship", "country", "subdivision")


def subject_get_or_create(*, email: str, details: dict[str, str], created_reason: str,
                          actor: AbstractBaseUser | None = None) -> tuple[DataSubject, bool]:
    """Return (the live subject with this address, locked; whether it was created now).

    `details` are used only to create a new subject: an existing subject's identity is never changed here,
    because whoever files a request has not yet proved that the address is theirs. Call inside a
    transaction: the row stays locked until it ends.
    """
    email = normalize_email(email)
    wanted = {name: value for name, value in details.items() if name in IDENTITY_FIELDS}
    live = DataSubject.objects.select_for_update().filter(email_hash=email_digest(email), erased_at__isnull=True)
    subject = live.first()
    if subject is not None:
        return subject, False
    subject = DataSubject(email=email, **wanted)
    subject._history_user = actor
    subject._change_reason = created_reason
    try:
        with transaction.atomic():
            subject.save()
        return subject, True
    except IntegrityError:  # the same address arrived twice at once: the row that won is the subject
        return live.get(), False


def subject_identity_update(*, subject: DataSubject, details: dict[str, str], reason: str,
                            actor: AbstractBaseUser | None = None) -> list[str]:
    """Apply confirmed identity details to a subject; return the names of the fields that changed.

    Only callers that have established the person's control of the address (or an authorised officer's
    confirmation) may call this; empty values never blank a stored one. History records who and why.
    """
    if subject.erased_at is not None:
        return []
    changed = [name for name, value in details.items()
               if name in IDENTITY_FIELDS and value and getattr(subject, name) != value]
    if changed:
        for name in changed:
            setattr(subject, name, details[name])
        subject._history_user = actor
        subject._change_reason = reason
        subject.save()
    return changed
