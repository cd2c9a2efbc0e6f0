"""Colorado SB 26-189 case kinds: an explanation of an adverse outcome within 30 days, human review on request."""

import datetime as dt

import pytest
import time_machine

from requests_app.services import intake
from tests.admt.helpers import NOW, automated_system
from tests.requests_app.intake_support import service_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_colorado_kinds_are_cases_with_their_own_clocks():
    automated_system()
    cases = intake.submission_create(**service_kwargs(
        rights=["admt_explanation", "admt_human_review"], subdivision="CO")).cases
    by_right = {dsr.right: dsr for dsr in cases}
    explanation, review = by_right["admt_explanation"], by_right["admt_human_review"]
    # Received Tue 1 Dec 2026 (10:00 in Denver): + 30 = Thu 31 Dec; + 45 = Fri 15 Jan 2027, + 90 = 1 Mar 2027.
    assert (explanation.regime, explanation.respond_by, explanation.extended_respond_by) == (
        "co", dt.date(2026, 12, 31), None)
    assert (review.regime, review.respond_by, review.extended_respond_by) == (
        "co", dt.date(2027, 1, 15), dt.date(2027, 3, 1))
    assert review.verification_level == "reasonable" and review.status == "awaiting_verification"


def test_colorado_kinds_are_refused_where_no_automated_system_is_registered():
    with pytest.raises(intake.IntakeRejected, match="None of our automated systems uses information"):
        intake.submission_create(**service_kwargs(rights=["admt_human_review"], subdivision="CO"))
