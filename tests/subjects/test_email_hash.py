"""The subject's address is looked up through a keyed hash, which goes with the address on erasure."""

from __future__ import annotations

import hashlib

import pytest

from requests_app.retention_targets import SUBJECT_PERSONAL
from subjects import selectors
from subjects.models import DataSubject, email_digest
from subjects.services import subject_get_or_create

pytestmark = pytest.mark.django_db


def test_the_hash_is_keyed_normalized_and_not_a_plain_digest(settings):
    digest = email_digest("  Ann@Example.COM ")
    assert digest == email_digest("ann@example.com") and len(digest) == 64
    assert digest != hashlib.sha256(b"ann@example.com").hexdigest()
    settings.MEDPRIVACY_SUBJECT_HASH_KEY = "another-key-of-enough-length-for-a-test-0123"
    assert email_digest("ann@example.com") != digest
    assert email_digest("") == ""


def test_a_subject_keeps_its_hash_in_step_and_lookups_use_it():
    subject, created = subject_get_or_create(email="Ann@Example.com", details={"full_name": "Ann"},
                                             created_reason="test")
    assert created and subject.email_hash == email_digest("ann@example.com")
    assert selectors.subject_by_email("ANN@example.com ") == subject
    # A row whose hash does not match is not found by address: lookups go through the hash, not the text.
    DataSubject.objects.filter(pk=subject.pk).update(email_hash="0" * 64)
    assert selectors.subject_by_email("ann@example.com") is None
    subject.refresh_from_db()
    subject.email = "ann.new@example.com"
    subject.save(update_fields=["email"])
    subject.refresh_from_db()
    assert subject.email_hash == email_digest("ann.new@example.com")


def test_erasure_blanks_the_hash_with_the_address():
    assert SUBJECT_PERSONAL["email_hash"] == "" and SUBJECT_PERSONAL["email"] == ""
    subject, _ = subject_get_or_create(email="gone@example.com", details={}, created_reason="test")
    subject.email = ""
    subject.save()
    subject.refresh_from_db()
    assert subject.email_hash == ""
