"""The pure rules: which elements are missing, when an assessment is due, which period a submission covers.

No database: `assessments.rules` is plain Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from assessments import rules
from assessments.rules import AssessmentFacts, DueKind, Person


def complete(**changes) -> AssessmentFacts:
    facts = AssessmentFacts(
        triggers=["admt_significant_decision"],
        purpose="Rank incoming chest X-rays by urgency so radiologists read emergencies first.",
        categories=["patient_medical_images"], minimum_necessary="Only the image.", sources="Clinics.",
        collection_method="Upload.", retention_by_category={"patient_medical_images": "Per agreement"},
        consumers_approx=1000, recipients="Hosting provider.", admt_logic="A network.", admt_assumptions="Adults.",
        admt_limitations="Children.", admt_output="A priority.", admt_output_use="Orders the worklist.",
        benefits="Faster.", negative_impacts="Missed findings.", safeguards="A radiologist reads all.",
        will_proceed=True, contributors=[Person("Dana Lee", "Engineer")],
        reviewers=[Person("Sam Ortiz", "Counsel", dt.date(2026, 2, 27))], systems_count=1,
        approver=Person("Ada Grant", "CPO", dt.date(2026, 3, 2)),
    )
    return dataclasses.replace(facts, **changes)


def elements(facts: AssessmentFacts) -> list[str]:
    return [m.element for m in rules.missing_elements(facts)]


def test_a_complete_assessment_misses_nothing():
    assert rules.missing_elements(complete()) == []


@pytest.mark.parametrize("field, value, element", [
    ("triggers", [], "triggers"),
    ("triggers", ["astrology"], "triggers"),
    ("purpose", "", "purpose"),
    ("categories", [], "categories"),
    ("categories", ["not_a_category"], "categories"),
    ("minimum_necessary", "  ", "minimum_necessary"),
    ("sources", "", "sources"),
    ("collection_method", "", "collection_method"),
    ("consumers_approx", None, "consumers_approx"),
    ("consumers_approx", 0, "consumers_approx"),
    ("recipients", "", "recipients"),
    ("admt_logic", "", "admt_logic"),
    ("admt_assumptions", "", "admt_assumptions"),
    ("admt_limitations", "", "admt_limitations"),
    ("admt_output", "", "admt_output"),
    ("admt_output_use", "", "admt_output_use"),
    ("benefits", "", "benefits"),
    ("negative_impacts", "", "negative_impacts"),
    ("safeguards", "", "safeguards"),
    ("will_proceed", None, "will_proceed"),
    ("systems_count", 0, "systems"),
    ("contributors", [], "contributors"),
    ("reviewers", [], "reviewers"),
    ("approver", Person("Ada Grant", "", dt.date(2026, 3, 2)), "approver"),
])
def test_each_missing_element_is_named(field, value, element):
    assert elements(complete(**{field: value})) == [element]


def test_a_decision_not_to_proceed_is_an_answer():
    assert rules.missing_elements(complete(will_proceed=False)) == []


def test_each_category_needs_its_retention_period():
    facts = complete(categories=["patient_medical_images", "patient_clinical"])
    [missing] = rules.missing_elements(facts)
    assert missing.element == "retention_by_category"
    assert missing.message == ("Give the retention period (or its criteria) of each category: missing for "
                               "patient_clinical (§7152(a)(3)(B)).")


def test_admt_elements_are_required_only_where_admt_is_a_trigger():
    no_admt = complete(triggers=["selling_sharing"], admt_logic="", admt_assumptions="", admt_limitations="",
                       admt_output="", admt_output_use="")
    assert rules.missing_elements(no_admt) == []
    training = dataclasses.replace(no_admt, triggers=["admt_training"])
    assert elements(training) == ["admt_logic", "admt_assumptions", "admt_limitations", "admt_output",
                                  "admt_output_use"]


def test_people_need_names_positions_and_reviewers_a_date():
    facts = complete(contributors=[Person("Dana Lee", "")], reviewers=[Person("Sam Ortiz", "Counsel", None)])
    assert [str(m) for m in rules.missing_elements(facts)] == [
        "The contributor on line 1 needs both a name and a position.",
        "The reviewer on line 1 needs the date of their review.",
    ]


@pytest.mark.parametrize("purpose", ["To improve our services.", "Security purposes", "analytics",
                                     "Triage of X-rays"])
def test_a_generic_or_vague_purpose_is_refused(purpose):
    assert elements(complete(purpose=purpose)) == ["purpose"]


def test_the_refusal_message_lists_every_missing_element():
    missing = rules.missing_elements(complete(benefits="", safeguards=""))
    assert rules.refusal_message(missing) == (
        "The assessment cannot be approved; missing: Describe the benefits of the processing (§7152(a)(4)). "
        "Describe the safeguards against those negative impacts (§7152(a)(6)).")


def test_an_approved_assessment_is_due_for_review_three_years_on():
    due = rules.review_due(approved_on=dt.date(2026, 3, 2), processing_started_on=dt.date(2026, 6, 1),
                           processing_ended_on=None)
    assert due == rules.Due(dt.date(2029, 3, 2), DueKind.THREE_YEAR_REVIEW)


def test_a_leap_day_approval_is_reviewed_on_28_february():
    due = rules.review_due(approved_on=dt.date(2028, 2, 29), processing_started_on=None, processing_ended_on=None)
    assert due.on == dt.date(2031, 2, 28)


def test_a_material_change_makes_an_update_due_within_45_days():
    due = rules.review_due(approved_on=dt.date(2026, 3, 2),
                           material_changes=[dt.date(2027, 5, 20), dt.date(2027, 5, 1)],
                           processing_started_on=dt.date(2026, 6, 1), processing_ended_on=None)
    assert due == rules.Due(dt.date(2027, 6, 15), DueKind.MATERIAL_CHANGE)


def test_a_change_before_the_approval_is_already_covered():
    due = rules.review_due(approved_on=dt.date(2026, 3, 2), material_changes=[dt.date(2026, 2, 1)],
                           processing_started_on=None, processing_ended_on=None)
    assert due.kind == DueKind.THREE_YEAR_REVIEW


def test_a_draft_is_due_before_the_processing_starts_or_by_2027_for_older_processing():
    assert rules.review_due(approved_on=None, processing_started_on=dt.date(2026, 6, 1),
                            processing_ended_on=None) == rules.Due(dt.date(2026, 6, 1), DueKind.BEFORE_PROCESSING)
    assert rules.review_due(approved_on=None, processing_started_on=dt.date(2025, 12, 31),
                            processing_ended_on=None) == rules.Due(dt.date(2027, 12, 31), DueKind.PRE_2026)
    assert rules.review_due(approved_on=None, processing_started_on=None, processing_ended_on=None) is None


def test_ended_processing_is_not_reviewed():
    assert rules.review_due(approved_on=dt.date(2026, 3, 2), processing_started_on=dt.date(2026, 6, 1),
                            processing_ended_on=dt.date(2027, 1, 1)) is None


def test_the_first_submission_covers_2026_and_2027_then_each_year_the_previous_one():
    assert rules.submission_period(2028) == rules.SubmissionPeriod(dt.date(2028, 4, 1), dt.date(2026, 1, 1),
                                                                   dt.date(2027, 12, 31))
    assert rules.submission_period(2029) == rules.SubmissionPeriod(dt.date(2029, 4, 1), dt.date(2028, 1, 1),
                                                                   dt.date(2028, 12, 31))
    with pytest.raises(ValueError, match="The first submission to the CPPA is due on 2028-04-01"):
        rules.submission_period(2027)


def test_the_next_submission_year():
    assert rules.next_submission_year(dt.date(2026, 12, 1)) == 2028
    assert rules.next_submission_year(dt.date(2028, 4, 1)) == 2028
    assert rules.next_submission_year(dt.date(2028, 4, 2)) == 2029


def test_trigger_codes_are_fixed():
    assert list(rules.TRIGGERS) == ["selling_sharing", "sensitive_pi", "admt_significant_decision",
                                    "inference_systematic_observation", "inference_sensitive_location",
                                    "admt_training"]
