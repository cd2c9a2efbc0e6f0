"""What an erasure asks of the retention schedule: until when a category is kept, and whether a hold applies."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from retention import selectors, services
from retention.models import DataCategory, LegalHold
from tests.factories import supervisor
from tests.retention.helpers import NOW, closed_request

pytestmark = pytest.mark.django_db


def test_kept_until_adds_the_active_rules_period_to_the_event():
    closed = dt.datetime(2026, 1, 31, 10, 0, tzinfo=dt.UTC)
    assert selectors.kept_until(category="privacy_request_records", event_at=closed) == dt.datetime(
        2028, 1, 31, 10, 0, tzinfo=dt.UTC)  # 24 months
    assert selectors.kept_until(category="consent_ledger", event_at=closed) == dt.datetime(
        2029, 1, 31, 10, 0, tzinfo=dt.UTC)  # 36 months
    assert selectors.kept_until(category="verification_tokens", event_at=closed) == closed + dt.timedelta(days=30)
    assert selectors.kept_until(category="no_such_category", event_at=closed) is None


def test_a_hold_on_the_person_one_of_their_cases_or_request_records_covers_them():
    boss = supervisor()
    by_subject, by_case, free = (closed_request(NOW - dt.timedelta(days=5)) for _ in range(3))
    with time_machine.travel(NOW, tick=False):
        services.legal_hold_place(scope=LegalHold.Scope.SUBJECT, subject=by_subject.subject, reason="Matter 1",
                                  owner=boss, actor=boss)
        services.legal_hold_place(scope=LegalHold.Scope.CASE, case=by_case, reason="Matter 2", owner=boss, actor=boss)
        assert selectors.subject_is_held(subject_id=by_subject.subject_id)
        assert selectors.subject_is_held(subject_id=by_case.subject_id)
        assert not selectors.subject_is_held(subject_id=free.subject_id)
        services.legal_hold_place(scope=LegalHold.Scope.CATEGORY, reason="Preservation notice", owner=boss,
                                  actor=boss, category=DataCategory.objects.get(code="privacy_request_records"))
        assert selectors.subject_is_held(subject_id=free.subject_id)
