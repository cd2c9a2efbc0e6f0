"""The register in the admin: the list with status and due dates, approval (refused naming what is missing,
only with the permission), material changes, new revisions, and the roles a bare `migrate` deploy has."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from assessments.models import RiskAssessment
from medprivacy import roles
from tests.assessments.helpers import approve, make_assessment
from tests.factories import officer, supervisor

pytestmark = pytest.mark.django_db
T_APPROVE = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def test_both_roles_have_the_register_and_only_supervisors_approve():
    groups = roles.ensure_roles()
    officers = set(groups[roles.OFFICERS].permissions.values_list("codename", flat=True))
    supervisors = set(groups[roles.SUPERVISORS].permissions.values_list("codename", flat=True))
    assert {"view_riskassessment", "add_riskassessment", "change_riskassessment"} <= officers
    assert "approve_riskassessment" not in officers
    assert "approve_riskassessment" in supervisors


def test_the_list_shows_status_and_due_dates(client):
    approve(make_assessment(name="AI triage"), at=T_APPROVE)
    make_assessment(name="Pre-2026 analytics", started_on=dt.date(2025, 1, 1))
    client.force_login(officer())
    page = client.get(reverse("admin:assessments_riskassessment_changelist"))
    assert page.status_code == 200
    rows = {str(obj): (obj.status, obj.review_due_on) for obj in page.context["cl"].result_list}
    assert rows == {"AI triage, revision 1": ("approved", dt.date(2029, 3, 10)),
                    "Pre-2026 analytics, revision 1": ("draft", dt.date(2027, 12, 31))}
    drafts = client.get(reverse("admin:assessments_riskassessment_changelist"), {"status__exact": "draft"})
    assert [str(o) for o in drafts.context["cl"].result_list] == ["Pre-2026 analytics, revision 1"]


def test_approval_in_the_admin_is_refused_with_each_missing_element(client):
    assessment = make_assessment(safeguards="", will_proceed=None)
    client.force_login(supervisor())
    url = reverse("admin:assessments_riskassessment_approve", args=[assessment.pk])
    page = client.get(url)
    assert [m.element for m in page.context["missing"]] == ["safeguards", "will_proceed", "approver"]
    with time_machine.travel(T_APPROVE, tick=False):
        response = client.post(url, {"name": "Ada Grant", "position": "Chief Privacy Officer"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The assessment cannot be approved; missing: Describe the safeguards against those negative impacts "
        "(§7152(a)(6)). Record whether the business will initiate the processing (§7152(a)(7))."]
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_approval_in_the_admin_records_the_approver(client):
    assessment = make_assessment()
    user = supervisor()
    client.force_login(user)
    with time_machine.travel(T_APPROVE, tick=False):
        client.post(reverse("admin:assessments_riskassessment_approve", args=[assessment.pk]),
                    {"name": "Ada Grant", "position": "Chief Privacy Officer"})
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by, assessment.approver_position, assessment.approved_on) == (
        "approved", user, "Chief Privacy Officer", dt.date(2026, 3, 10))


def test_an_officer_cannot_approve(client):
    assessment = make_assessment()
    client.force_login(officer("olivia"))
    url = reverse("admin:assessments_riskassessment_approve", args=[assessment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Olivia", "position": "Officer"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_an_officer_drafts_an_assessment_in_the_admin(client):
    assessment = make_assessment()
    client.force_login(officer())
    url = reverse("admin:assessments_riskassessment_change", args=[assessment.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, form[name].value()) for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"benefits": "Emergencies are read within the hour.", "reviewers": "Sam Ortiz | Counsel | 2026-03-01",
                 "systems": [s.pk for s in assessment.systems.all()],
                 "triggers": assessment.triggers, "categories": assessment.categories,
                 "will_proceed": "true",
                 "material_changes-TOTAL_FORMS": "0", "material_changes-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assessment.refresh_from_db()
    assert assessment.benefits == "Emergencies are read within the hour."
    assert assessment.reviewers == [{"name": "Sam Ortiz", "position": "Counsel", "on": "2026-03-01"}]
    assert assessment.history.first().history_change_reason == "Changed in the admin"


def test_an_approved_assessment_is_shown_read_only(client):
    assessment = approve(make_assessment(), at=T_APPROVE)
    client.force_login(supervisor())
    url = reverse("admin:assessments_riskassessment_change", args=[assessment.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.post(url, {"benefits": "Edited"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.benefits == "Emergencies are read sooner."


def test_the_material_change_action_records_it_and_moves_the_due_date(client):
    assessment = approve(make_assessment(), at=T_APPROVE)
    client.force_login(officer())
    changelist = reverse("admin:assessments_riskassessment_changelist")
    response = client.post(changelist, {"action": "material_change_action", "_selected_action": [assessment.pk]})
    url = reverse("admin:assessments_riskassessment_material_change", args=[assessment.pk])
    assert response["Location"] == url
    with time_machine.travel(dt.datetime(2027, 5, 3, 15, tzinfo=dt.UTC), tick=False):
        client.force_login(officer())  # a session of the travelled-to day
        response = client.post(url, {"changed_on": "2027-05-01", "description": "The model now also reads CT scans."})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.review_due_on, assessment.review_due_kind) == (dt.date(2027, 6, 15), "material_change")
    assert assessment.material_changes.get().description == "The model now also reads CT scans."


def test_a_new_revision_is_started_from_the_approved_one(client):
    assessment = approve(make_assessment(), at=T_APPROVE)
    client.force_login(officer())
    response = client.post(reverse("admin:assessments_riskassessment_revise", args=[assessment.pk]))
    draft = RiskAssessment.objects.get(supersedes=assessment)
    assert response["Location"] == reverse("admin:assessments_riskassessment_change", args=[draft.pk])
    assert (draft.revision, draft.status) == (2, "draft")


def test_the_processing_cannot_end_before_it_started(client):
    assessment = make_assessment(started_on=dt.date(2026, 6, 1))
    client.force_login(officer())
    url = reverse("admin:assessments_processingactivity_change", args=[assessment.processing_id])
    response = client.post(url, {"name": assessment.processing.name, "description": "", "started_on": "2026-06-01",
                                 "ended_on": "2026-05-01", "owner": assessment.processing.owner_id})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ended_on"] == ["The processing cannot end before it started."]


def test_a_second_assessment_of_the_same_processing_is_sent_to_a_new_revision(client):
    assessment = make_assessment()
    client.force_login(officer())
    response = client.post(reverse("admin:assessments_riskassessment_add"), {
        "processing": assessment.processing_id, "purpose": "", "material_changes-TOTAL_FORMS": "0",
        "material_changes-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["processing"] == [
        "This processing already has an assessment: open its approved revision and start a new revision."]
    assert RiskAssessment.objects.filter(processing_id=assessment.processing_id).count() == 1
