"""The register's services: approval refused while an element is missing, only with the permission, recorded
with who and when; approved revisions are never edited in place; a new revision supersedes; due dates stored."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from assessments import services
from assessments.models import RiskAssessment
from assessments.rules import DueKind
from audit.models import AuditEntry
from tests.assessments.helpers import T0, approve, approver, make_assessment, processing
from tests.factories import officer

pytestmark = pytest.mark.django_db

T_APPROVE = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def test_approval_is_refused_listing_each_missing_element():
    assessment = make_assessment(benefits="", reviewers=[], consumers_approx=None)
    with pytest.raises(services.ApprovalRefused) as refused:
        approve(assessment, at=T_APPROVE)
    assert [m.element for m in refused.value.missing] == ["consumers_approx", "benefits", "reviewers"]
    assert str(refused.value) == (
        "The assessment cannot be approved; missing: Give the approximate number of consumers whose information "
        "is processed (§7152(a)(3)(D)). Describe the benefits of the processing (§7152(a)(4)). Name at least one "
        "reviewer with their position (§7152(a)(8)–(9)).")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_at, assessment.approved_by) == ("draft", None, None)


def test_approval_without_a_linked_system_is_refused():
    assessment = make_assessment()
    assessment.systems.clear()
    with pytest.raises(services.ApprovalRefused) as refused:
        approve(assessment, at=T_APPROVE)
    assert [m.element for m in refused.value.missing] == ["systems"]


def test_only_a_user_with_the_approve_permission_may_approve():
    assessment = make_assessment()
    with pytest.raises(PermissionDenied, match="permission to approve risk assessments"):
        approve(assessment, at=T_APPROVE, user=officer("olivia"))
    assessment.refresh_from_db()
    assert assessment.status == RiskAssessment.Status.DRAFT


def test_approval_records_the_approver_the_date_and_the_next_review():
    assessment = make_assessment()
    user = approver()
    approved = approve(assessment, at=T_APPROVE, user=user)
    approved.refresh_from_db()
    assert approved.status == RiskAssessment.Status.APPROVED
    assert (approved.approved_by, approved.approver_name, approved.approver_position) == (
        user, "Ada Grant", "Chief Privacy Officer")
    assert (approved.approved_at, approved.approved_on) == (T_APPROVE, dt.date(2026, 3, 10))
    assert (approved.review_due_on, approved.review_due_kind) == (dt.date(2029, 3, 10), DueKind.THREE_YEAR_REVIEW)
    latest = approved.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.status) == (user, "Approved", "approved")
    entry = AuditEntry.objects.get(kind="risk_assessment.approved")
    assert entry.object_id == str(approved.pk) and entry.facts["approved_on"] == "2026-03-10"


def test_an_approved_assessment_is_not_edited_in_place():
    assessment = approve(make_assessment(), at=T_APPROVE)
    with pytest.raises(services.AssessmentLocked, match="Revision 1 is approved and is not edited in place"):
        services.risk_assessment_update(assessment=assessment, actor=officer(), benefits="Changed")
    assessment.refresh_from_db()
    assert assessment.benefits == "Emergencies are read sooner."


def test_a_new_revision_supersedes_the_approved_one_once_approved():
    first = approve(make_assessment(), at=T_APPROVE)
    later = dt.datetime(2027, 2, 1, 15, 0, tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        draft = services.risk_assessment_revise(assessment=first, actor=officer())
    assert (draft.revision, draft.status, draft.supersedes_id, draft.reviewers) == (2, "draft", first.pk, [])
    assert list(draft.systems.all()) == list(first.systems.all())
    with pytest.raises(services.AssessmentError, match="A draft revision of this assessment already exists"):
        services.risk_assessment_revise(assessment=first, actor=officer())
    services.risk_assessment_update(assessment=draft, actor=officer(), benefits="Emergencies are read in minutes.",
                                    reviewers=[{"name": "Sam Ortiz", "position": "Privacy counsel",
                                                "on": "2027-01-30"}])
    approve(draft, at=later)
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.status, first.superseded_at, first.review_due_on, first.next_reminder_at) == (
        "superseded", later, None, None)
    assert first.benefits == "Emergencies are read sooner."  # the original is kept as it was approved
    assert (draft.status, draft.review_due_on) == ("approved", dt.date(2030, 2, 1))


def test_a_material_change_makes_the_update_due_in_45_days():
    assessment = approve(make_assessment(), at=T_APPROVE)
    with time_machine.travel(dt.datetime(2027, 5, 3, 15, tzinfo=dt.UTC), tick=False):
        change = services.material_change_record(assessment=assessment, changed_on=dt.date(2027, 5, 1),
                                                  description="The model now also reads CT scans.",
                                                  actor=officer())
    assessment.refresh_from_db()
    assert (assessment.review_due_on, assessment.review_due_kind) == (dt.date(2027, 6, 15), DueKind.MATERIAL_CHANGE)
    assert change.history.first().history_change_reason == "Material change recorded"


def test_a_material_change_needs_the_approved_revision():
    draft = make_assessment()
    with pytest.raises(services.AssessmentError, match="recorded on the approved revision"):
        services.material_change_record(assessment=draft, changed_on=dt.date(2026, 3, 5), description="x",
                                        actor=officer())


def test_a_draft_is_due_before_its_processing_starts_and_old_processing_by_the_end_of_2027():
    new = make_assessment(name="New processing", started_on=dt.date(2026, 6, 1))
    old = make_assessment(name="Old processing", started_on=dt.date(2024, 5, 1))
    assert (new.review_due_on, new.review_due_kind) == (dt.date(2026, 6, 1), DueKind.BEFORE_PROCESSING)
    assert (old.review_due_on, old.review_due_kind) == (dt.date(2027, 12, 31), DueKind.PRE_2026)
    # The reminder goes 30 days before, at the start of that day in the officers' zone.
    assert old.next_reminder_at == dt.datetime(2027, 12, 1, 5, 0, tzinfo=dt.UTC)


def test_the_end_of_the_processing_stops_reviews_and_starts_the_retention_period():
    assessment = approve(make_assessment(), at=T_APPROVE)
    assert assessment.retain_from is None  # kept while the processing continues
    with time_machine.travel(dt.datetime(2027, 9, 1, tzinfo=dt.UTC), tick=False):
        services.processing_activity_update(activity=processing(assessment), actor=officer(),
                                            ended_on=dt.date(2027, 8, 31))
    assessment.refresh_from_db()
    assert (assessment.review_due_on, assessment.next_reminder_at) == (None, None)
    assert assessment.retain_from == dt.datetime(2027, 8, 31, 4, 0, tzinfo=dt.UTC)  # midnight in New York


def test_a_revision_completed_after_the_processing_ended_is_kept_from_its_completion():
    assessment = make_assessment(started_on=dt.date(2024, 1, 1))
    with time_machine.travel(T0, tick=False):
        services.processing_activity_update(activity=processing(assessment), actor=officer(),
                                            ended_on=dt.date(2026, 2, 1))
    approved = approve(assessment, at=T_APPROVE)
    assert approved.retain_from == T_APPROVE
