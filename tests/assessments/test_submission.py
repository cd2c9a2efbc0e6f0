"""The annual submission to the CPPA, generated from the register with dated data: which approvals fall in
which submission, counts per trigger, categories, the attesting executive; the command and the admin page."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments import selectors, services
from tests.assessments.helpers import approve, make_assessment
from tests.factories import officer, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(settings):
    """Approvals in 2026, 2027 (two, one a revision) and 2028, plus a draft that counts nowhere."""
    settings.MEDPRIVACY_ASSESSMENTS = {**settings.MEDPRIVACY_ASSESSMENTS, "executive_name": "Jordan Kim",
                                       "executive_title": "Chief Executive Officer"}
    triage = approve(make_assessment(name="AI triage"), at=dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC))
    ads = approve(make_assessment(name="Advertising cookies", triggers=["selling_sharing"],
                                  categories=["advertising", "device"],
                                  retention_by_category={"advertising": "13 months", "device": "26 months"}),
                  at=dt.datetime(2027, 12, 31, 23, 0, tzinfo=dt.UTC))  # 18:00 in New York: still 2027
    with time_machine.travel(dt.datetime(2027, 6, 1, 15, tzinfo=dt.UTC), tick=False):
        revision = services.risk_assessment_revise(assessment=triage, actor=officer())
        services.risk_assessment_update(assessment=revision, actor=officer(), reviewers=[
            {"name": "Sam Ortiz", "position": "Privacy counsel", "on": "2027-05-30"}])
    approve(revision, at=dt.datetime(2027, 6, 1, 15, tzinfo=dt.UTC))
    training = approve(make_assessment(name="Model training", triggers=["admt_training"],
                                       categories=["patient_medical_images"],
                                       retention_by_category={"patient_medical_images": "Per agreement"}),
                       at=dt.datetime(2028, 1, 1, 5, 0, tzinfo=dt.UTC))  # 2028-01-01 00:00 in New York
    make_assessment(name="Still a draft")
    return {"triage": triage, "ads": ads, "revision": revision, "training": training}


def test_the_first_submission_counts_the_approvals_of_2026_and_2027(register):
    summary = selectors.submission_summary(year=2028)
    assert (summary.due_on, summary.period_starts_on, summary.period_ends_on) == (
        dt.date(2028, 4, 1), dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert summary.assessment_ids == [register["triage"].pk, register["revision"].pk, register["ads"].pk]
    assert summary.per_trigger == {"selling_sharing": 1, "sensitive_pi": 2, "admt_significant_decision": 2,
                                   "inference_systematic_observation": 0, "inference_sensitive_location": 0,
                                   "admt_training": 0}
    assert [(c.code, c.assessments, c.sensitive) for c in summary.categories] == [
        ("patient_clinical", 2, True), ("patient_medical_images", 2, True), ("advertising", 1, False),
        ("device", 1, False)]
    assert summary.sensitive_categories_involved is True
    assert (summary.executive_name, summary.executive_title) == ("Jordan Kim", "Chief Executive Officer")
    assert "under penalty of perjury" in summary.attestation


def test_later_submissions_cover_the_previous_calendar_year(register):
    summary = selectors.submission_summary(year=2029)
    assert summary.assessment_ids == [register["training"].pk]
    assert summary.per_trigger["admt_training"] == 1
    assert [c.code for c in summary.categories] == ["patient_medical_images"]
    assert selectors.submission_summary(year=2030).assessments_count == 0


def test_the_command_prints_the_submission_as_json_and_text(register):
    out = StringIO()
    call_command("assessments_submission", "--year", "2028", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["due_on"], data["assessments_count"], data["per_trigger"]["selling_sharing"]) == ("2028-04-01", 3, 1)
    assert data["executive_name"] == "Jordan Kim"
    out = StringIO()
    call_command("assessments_submission", "--year", "2029", "--executive-name", "Pat Doe", stdout=out)
    text = out.getvalue()
    assert "Period covered: 2028-01-01 to 2028-12-31" in text
    assert "Risk assessments conducted or updated in the period: 1" in text
    assert "Executive: Pat Doe, Chief Executive Officer" in text
    with pytest.raises(CommandError, match="first submission to the CPPA is due on 2028-04-01"):
        call_command("assessments_submission", "--year", "2027", stdout=StringIO())


def test_the_admin_page_shows_and_downloads_the_submission(client, register):
    client.force_login(supervisor())
    url = reverse("admin:assessments_riskassessment_submission")
    page = client.get(url, {"year": 2028})
    assert page.status_code == 200
    assert "Risk assessments conducted or updated in the period: 3" in page.content.decode()
    download = client.get(url, {"year": 2028, "download": "json"})
    assert download["Content-Disposition"] == ('attachment; filename="cppa-risk-assessment-submission-'
                                               '2028-04-01.json"')
    assert json.loads(download.content)["assessment_ids"] == [register["triage"].pk, register["revision"].pk,
                                                              register["ads"].pk]
    assert client.get(url, {"year": 2027}).context["summary"] is None  # refused by the form, not a 500
