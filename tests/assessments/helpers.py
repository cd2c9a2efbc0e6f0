"""Building risk assessments with every §7152 element, at chosen instants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from assessments import services
from assessments.models import ProcessingActivity, RiskAssessment
from fulfilment.models import System
from tests.factories import UserFactory, officer, supervisor

# 2026-03-02 12:00 UTC is 07:00 in New York: the same calendar day in the officers' zone.
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def complete_elements(**overrides: Any) -> dict[str, Any]:
    """Every element §7152 requires, for an ADMT triage of medical images (values are fixed, not random)."""
    elements = {
        "triggers": ["sensitive_pi", "admt_significant_decision"],
        "purpose": "Rank incoming chest X-rays by urgency so radiologists read suspected emergencies first.",
        "categories": ["patient_medical_images", "patient_clinical"],
        "minimum_necessary": "Only the image and the referral question; no identifiers reach the model.",
        "sources": "Clinics that are registered users upload the images.",
        "collection_method": "DICOM upload through the imaging platform; the score is shown in the worklist.",
        "retention_by_category": {"patient_medical_images": "As the clinic's agreement requires",
                                  "patient_clinical": "As the clinic's agreement requires"},
        "consumers_approx": 120000,
        "recipients": "Hosting provider (service provider) only.",
        "admt_logic": "A convolutional network scores 14 findings; the highest score sets the priority.",
        "admt_assumptions": "Adult posteroanterior chest films of diagnostic quality.",
        "admt_limitations": "Lower sensitivity on paediatric and portable films.",
        "admt_output": "A priority (urgent, soon, routine) with the findings that set it.",
        "admt_output_use": "Orders the worklist; a radiologist reads every image and decides.",
        "benefits": "Emergencies are read sooner.",
        "negative_impacts": "A missed finding could delay care; images are sensitive.",
        "safeguards": "Every image is read by a radiologist; monthly bias and drift review.",
        "will_proceed": True,
        "contributors": [{"name": "Dana Lee", "position": "Head of AI engineering"}],
        "reviewers": [{"name": "Sam Ortiz", "position": "Privacy counsel", "on": "2026-02-27"}],
    }
    elements.update(overrides)
    return elements


def approver(username: str = "approver") -> Any:
    """A supervisor (the role holds the approve permission) with a full name."""
    user = supervisor(username)
    user.first_name, user.last_name = "Ada", "Grant"
    user.save()
    return user


def make_assessment(*, name: str = "AI triage of chest X-rays", started_on: dt.date | None = dt.date(2026, 6, 1),
                    owner: Any = None, at: dt.datetime = T0, **overrides: Any) -> RiskAssessment:
    """A processing activity with a complete draft assessment linked to one system of the data map."""
    with time_machine.travel(at, tick=False):
        actor = officer("drafter")
        processing = services.processing_activity_create(name=name, actor=actor, started_on=started_on,
                                                         owner=owner or officer("owner"))
        # The data map is seeded by migration; a transactional test elsewhere may have flushed it.
        system = System.objects.order_by("pk").first() or System.objects.create(name="Imaging platform")
        return services.risk_assessment_create(processing=processing, actor=actor, systems=[system],
                                               **complete_elements(**overrides))


def approve(assessment: RiskAssessment, *, at: dt.datetime, user: Any = None) -> RiskAssessment:
    with time_machine.travel(at, tick=False):
        return services.risk_assessment_approve(assessment=assessment, approver=user or approver(),
                                                position="Chief Privacy Officer")


def processing(assessment: RiskAssessment) -> ProcessingActivity:
    return ProcessingActivity.objects.get(pk=assessment.processing_id)


def plain_user(username: str = "someone") -> Any:
    return UserFactory(username=username)
