"""Writes of data subjects: one upsert by address, recorded in history with who and why."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from subjects.models import DataSubject
from subjects.selectors import normalize_email


def subject_upsert(*, email: str, details: dict[str, str], created_reason: str, updated_reason: str,
                   actor: AbstractBaseUser | None = None) -> DataSubject:
    """Return the data subject with this address, locked, created or updated with `details`.

    Call inside a transaction: the row stays locked until it ends. Only fields that change are written,
    and a history row records the reason and `actor`.
    """
    email = normalize_email(email)
    subject = DataSubject.objects.select_for_update().filter(email=email).first()
    if subject is None:
        subject = DataSubject(email=email, **details)
        subject._history_user = actor
        subject._change_reason = created_reason
        try:
            with transaction.atomic():
                subject.save()
            return subject
        except IntegrityError:  # the same address arrived twice at once; update the row that won
            subject = DataSubject.objects.select_for_update().get(email=email)
    changed = [name for name, value in details.items() if getattr(subject, name) != value]
    if changed:
        for name in changed:
            setattr(subject, name, details[name])
        subject._history_user = actor
        subject._change_reason = updated_reason
        subject.save()
    return subject
