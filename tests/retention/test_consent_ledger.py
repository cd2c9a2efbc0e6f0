"""The consent ledger under the schedule: kept while the person's choices are recent, then purged with its
history, and the person's request records follow once nothing refers to them any more."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consents import services as consent_services
from consents.models import ConsentEvent, ConsentState
from retention import services
from retention.models import PurgeRun, RetentionRule
from subjects.models import DataSubject
from tests.retention.helpers import CUTOFF_24_MONTHS, NOW, closed_request

pytestmark = pytest.mark.django_db


def _purge() -> PurgeRun:
    with time_machine.travel(NOW, tick=False):
        run = services.purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND)
        return services.purge_run_execute(run=run)


def _choice(subject, at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        consent_services.consent_record(subject=subject, purpose="marketing_email", kind="given",
                                        source="preference_center")


def test_the_seeded_rule_keeps_proof_of_consent_36_months_after_the_last_choice():
    rule = RetentionRule.objects.get(category__code="consent_ledger", is_active=True)
    assert (rule.period, rule.period_unit, rule.event, rule.action) == (36, "months", "last_activity", "delete")


def test_ledger_goes_after_its_period_and_then_the_person_with_old_requests():
    consent_services.purposes_seed()
    RetentionRule.objects.exclude(category__code__in=["consent_ledger", "privacy_request_records"]).update(
        is_active=False)
    old = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=30))
    _choice(old.subject, NOW - dt.timedelta(days=40 * 31))  # last choice 40 months ago: due
    recent = closed_request(CUTOFF_24_MONTHS - dt.timedelta(days=30))
    _choice(recent.subject, NOW - dt.timedelta(days=400))  # 13 months ago: kept, and so is the person

    run = _purge()

    run.refresh_from_db()
    assert run.status == PurgeRun.Status.FINISHED
    assert not ConsentEvent.objects.filter(subject_id=old.subject_id).exists()
    assert not ConsentState.history.filter(subject_id=old.subject_id).exists()
    assert not DataSubject.objects.filter(pk=old.subject_id).exists()  # nothing refers to them any more
    assert ConsentEvent.objects.filter(subject_id=recent.subject_id).count() == 1
    assert DataSubject.objects.filter(pk=recent.subject_id).exists()
    assert sum(i.failed for i in run.items.all()) == 0  # a person with a ledger is not a failure
