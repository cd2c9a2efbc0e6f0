"""Acting on a case once verification is settled: consent rights write the ledger; officers finish checks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consents import services as consent_services
from consents.models import ConsentEvent
from consents.selectors import is_permitted
from requests_app.services import intake, workbench
from requests_app.workflow import Status
from subjects.models import Relationship
from tests.factories import officer, supervisor
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_and_seeded():
    consent_services.purposes_seed()
    with time_machine.travel(NOW, tick=False):
        yield


def _file(rights, *, country="US", subdivision="CA", relationship=Relationship.WEBSITE_VISITOR, **extra):
    return intake.submission_create(
        rights=rights, full_name="Ann Example", email="Ann@Example.com", relationship=relationship,
        country=country, subdivision=subdivision, declaration_accepted=True, **extra)


def test_an_opt_out_writes_the_ledger_at_receipt_and_the_case_shows_it():
    result = _file(["opt_out_sale_sharing"])
    dsr = result.cases[0]
    assert dsr.status == Status.VERIFIED  # CCPA opt-outs need no verification
    events = list(ConsentEvent.objects.filter(dsr_reference=dsr.reference))
    assert {e.purpose.code for e in events} == {"sale_sharing", "targeted_advertising"}
    assert {e.kind for e in events} == {"opted_out"} and {e.source for e in events} == {"public_request"}
    assert not is_permitted(dsr.subject, "sale_sharing")
    consent_event = dsr.timeline.get(kind=TimelineEvent.Kind.CONSENT)
    assert consent_event.summary.startswith("2 consent ledger event(s) recorded")


def test_a_patients_opt_out_is_left_for_the_clinic():
    result = _file(["access"], relationship=Relationship.PATIENT, clinic_name="Valley Imaging")
    assert not ConsentEvent.objects.exists()
    assert not result.cases[0].timeline.filter(kind=TimelineEvent.Kind.CONSENT).exists()


def test_withdrawing_consent_by_gdpr_request_withdraws_what_was_given():
    subject = _file(["access"], country="DE", subdivision="").cases[0].subject
    consent_services.consent_record(subject=subject, purpose="marketing_email", kind="given",
                                    source="preference_center")
    assert is_permitted(subject, "marketing_email")
    withdrawal = _file(["withdraw_consent"], country="DE", subdivision="").cases[0]
    assert withdrawal.status == Status.VERIFIED  # withdrawal needs no verification (GDPR Art. 7(3))
    event = ConsentEvent.objects.get(dsr_reference=withdrawal.reference)
    assert (event.purpose.code, event.kind) == ("marketing_email", "withdrawn")
    assert not is_permitted(subject, "marketing_email")


def test_officer_finishes_verification_of_a_ccpa_request_the_email_link_confirmed():
    result = _file(["access"])
    dsr = result.cases[0]
    raw, _token = intake.verification_token_issue(submission=dsr.submission)
    intake.verification_consume(token=raw)
    dsr.refresh_from_db()
    assert (dsr.status, dsr.needs_officer_verification) == (Status.VERIFIED, True)
    boss = supervisor()
    worker = officer()
    workbench.case_assign(dsr=dsr, assignee=worker, actor=boss, reason="caseload")
    workbench.case_verify_identity(dsr=dsr, actor=worker, method="signed_declaration", note="3 points matched")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED and not dsr.needs_officer_verification
    assert dsr.verification_method == "Data points matched and signed declaration received"
    latest = dsr.history.first()
    assert latest.history_user == worker and latest.history_change_reason.startswith("Identity verified")
    with pytest.raises(workbench.WorkbenchError, match="already verified"):
        workbench.case_verify_identity(dsr=dsr, actor=worker, method="data_points")


def test_the_case_page_lists_the_consent_events_the_request_wrote(client):
    dsr = _file(["opt_out_sale_sharing"]).cases[0]
    boss = supervisor()
    client.force_login(boss)
    page = client.get(f"/admin/requests_app/case/{dsr.pk}/change/").content.decode()
    assert "Consent ledger events this request wrote" in page
    assert page.count("Opted out") >= 2
