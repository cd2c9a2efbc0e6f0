"""Risk assessments on the retention schedule: kept while the processing continues and five years after the
later of its end and the revision's completion (11 CCR §7155(c)); a shorter rule is refused."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import MaterialChange, RiskAssessment
from retention import registry
from retention.models import PurgeRun, RetentionRule
from retention.services import purge_run_execute, purge_run_plan, retention_rule_save
from tests.assessments.helpers import approve, make_assessment
from tests.factories import officer, supervisor

pytestmark = pytest.mark.django_db

_seed = importlib.import_module("assessments.migrations.0002_seed_risk_assessments_retention")
T_APPROVE = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _seeded_rule():
    """The migration's rule (a transactional test elsewhere may have flushed it)."""
    _seed.seed(apps, None)


def live_purge(at: dt.datetime) -> PurgeRun:
    with time_machine.travel(at, tick=False):
        run = purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.COMMAND)
        return purge_run_execute(run=run)


def test_risk_assessments_are_a_registered_target_with_a_delete_rule_of_60_months():
    target = registry.get_target("assessments.risk_assessment")
    assert (target.model_label, target.category) == ("assessments.RiskAssessment", "risk_assessments")
    rule = RetentionRule.objects.get(category__code="risk_assessments", is_active=True)
    assert (rule.period, rule.period_unit, rule.event, rule.action) == (60, "months", "project_completion", "delete")


def test_an_assessment_of_continuing_processing_is_never_purged():
    assessment = approve(make_assessment(), at=T_APPROVE)
    live_purge(dt.datetime(2045, 1, 1, tzinfo=dt.UTC))
    assert RiskAssessment.objects.filter(pk=assessment.pk).exists()


def test_five_years_after_the_processing_ended_the_revisions_go_with_their_history():
    first = approve(make_assessment(), at=T_APPROVE)
    with time_machine.travel(dt.datetime(2027, 2, 1, 15, tzinfo=dt.UTC), tick=False):
        services.material_change_record(assessment=first, changed_on=dt.date(2027, 2, 1), description="CT too.",
                                        actor=officer())
        draft = services.risk_assessment_revise(assessment=first, actor=officer())
        services.risk_assessment_update(assessment=draft, actor=officer(), reviewers=[
            {"name": "Sam Ortiz", "position": "Privacy counsel", "on": "2027-01-30"}])
    approve(draft, at=dt.datetime(2027, 2, 2, 15, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2028, 6, 30, 15, tzinfo=dt.UTC), tick=False):
        services.processing_activity_update(activity=first.processing, actor=officer(),
                                            ended_on=dt.date(2028, 6, 30))
    ids = [first.pk, draft.pk]
    # 2028-06-30 00:00 in New York is 04:00 UTC: five years later to the minute, both are still kept.
    live_purge(dt.datetime(2033, 6, 30, 3, 59, tzinfo=dt.UTC))
    assert RiskAssessment.objects.filter(pk__in=ids).count() == 2
    run = live_purge(dt.datetime(2033, 6, 30, 4, 1, tzinfo=dt.UTC))
    assert RiskAssessment.objects.filter(pk__in=ids).count() == 0
    assert RiskAssessment.history.filter(id__in=ids).count() == 0
    assert MaterialChange.objects.count() == 0
    item = run.items.get(target="assessments.risk_assessment")
    assert (item.deleted, item.failed) == (2, 0)


def test_a_rule_that_would_delete_assessments_sooner_is_refused():
    rule = RetentionRule.objects.get(category__code="risk_assessments", is_active=True)
    rule.period = 36
    with pytest.raises(ValidationError) as refused:
        retention_rule_save(rule=rule, actor=supervisor(), reason="Shorter")
    assert "Keep this category at least 60 months; 36 months is less (11 CCR §7155(c)" in str(refused.value)
