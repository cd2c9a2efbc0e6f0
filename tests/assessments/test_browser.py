"""In a real browser: a supervisor tries to approve an incomplete assessment, reads what is missing, and
approves it once completed; screenshots of the refusal and the approved record for reviewers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import RiskAssessment
from tests.assessments.helpers import make_assessment
from tests.factories import supervisor
from tests.screenshots import horizontal_overflow, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def test_a_supervisor_is_told_what_is_missing_then_approves(django_db_setup, page, live_server):
    boss = supervisor("boss")
    assessment = make_assessment(safeguards="", reviewers=[])

    page.goto(f"{live_server.url}/admin/login/?next=/admin/assessments/riskassessment/{assessment.pk}/change/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/admin/assessments/riskassessment/{assessment.pk}/change/")
    page.get_by_role("link", name="Approve", exact=True).click()
    page.wait_for_url(f"**/riskassessment/{assessment.pk}/approve/")
    missing = page.locator(".mp-missing-elements li")
    assert missing.all_inner_texts() == [
        "Describe the safeguards against those negative impacts (§7152(a)(6)).",
        "Name at least one reviewer with their position (§7152(a)(8)–(9)).",
    ]
    save_screenshots(page, "assessment-approval-refused")
    assert horizontal_overflow(page) == 0
    page.get_by_label("Your position").fill("Chief Privacy Officer")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/riskassessment/{assessment.pk}/change/")
    expect(page.get_by_text("The assessment cannot be approved; missing: Describe the safeguards")).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.status == RiskAssessment.Status.DRAFT

    services.risk_assessment_update(assessment=assessment, actor=boss, safeguards="A radiologist reads every image.",
                                    reviewers=[{"name": "Sam Ortiz", "position": "Privacy counsel",
                                                "on": "2026-02-27"}])
    page.get_by_role("link", name="Approve", exact=True).click()
    page.get_by_label("Your position").fill("Chief Privacy Officer")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/riskassessment/{assessment.pk}/change/")
    expect(page.get_by_text("Approved AI triage of chest X-rays, revision 1; next review due")).to_be_visible()
    expect(page.get_by_role("link", name="Record a material change")).to_be_visible()
    save_screenshots(page, "assessment-approved")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.approved_by, assessment.approver_position) == (
        "approved", boss, "Chief Privacy Officer")
