"""Patient requests: forwarded to the clinic and tracked on the right law's clock; the clinic decides."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from medprivacy import roles
from medprivacy.models import JobRun
from outbox.models import Message
from referrals.models import Referral
from regimes.rules import CONTROLLER_CHASE_DAYS
from requests_app.models import Case, ControllerOrganization
from requests_app.services import workbench
from requests_app.services.cases import case_create
from requests_app.services.intake import submission_create
from requests_app.services.referrals import ReferralError, referral_record_answer, referrals_chase_sweep
from requests_app.workflow import Status
from tests.factories import SubmissionFactory, officer, supervisor
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _roles(db, settings):
    roles.ensure_roles()


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia")}


@pytest.fixture
def clinic():
    return ControllerOrganization.objects.create(name="Northside Imaging", privacy_email="privacy@northside.example")


def patient_case(people, *, regime: str = "hipaa", right: str = "access", country: str = "US",
                 subdivision: str = "NY") -> Case:
    submission = SubmissionFactory(subject__country=country, subject__subdivision=subdivision,
                                   clinic_name="Northside Imaging", received_at=NOW)
    dsr = case_create(submission=submission, right=right, regime=regime, is_patient=True)
    return workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])


# --- the right law ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("country", "regime", "authority"), [
    ("DE", "gdpr", "supervisory authority"),
    ("GB", "uk_gdpr", "Information Commissioner"),
    ("CH", "ch_fadp", "FDPIC"),
])
def test_a_european_patients_access_runs_on_their_own_law_not_hipaa(country, regime, authority):
    result = submission_create(rights=["access", "rectification"], full_name="Pia Patient",
                               email="pia@example.com", relationship="patient", country=country,
                               clinic_name="Klinik Nord", correction_wrong="Birth date", correction_right="1 May 1980",
                               declaration_accepted=True)

    assert {dsr.regime for dsr in result.cases} == {regime}
    access = next(dsr for dsr in result.cases if dsr.right == "access")
    if regime == "ch_fadp":
        assert access.respond_by == dt.date(2026, 4, 4)  # FADP: 30 days
    else:
        assert access.respond_by == dt.date(2026, 4, 7)  # 1 month, 5 Apr is a Sunday → Tue 7 Apr (Easter Mon 6)
    from regimes.deadlines import rule_for
    notice = rule_for(access.regime, access.right).denial_rights_notice
    assert authority in notice and "Health and Human Services" not in notice


@time_machine.travel(NOW, tick=False)
def test_a_us_patients_access_stays_on_the_hipaa_clock():
    result = submission_create(rights=["access"], full_name="Pat Patient", email="pat@example.com",
                               relationship="patient", country="US", subdivision="NY",
                               clinic_name="Northside Imaging", declaration_accepted=True)

    assert result.cases[0].regime == "hipaa"
    assert result.cases[0].respond_by == dt.date(2026, 4, 4)


# --- forward and track --------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_forwarding_keeps_the_case_open_on_its_clock_and_the_clinic_is_chased(people, clinic):
    dsr = patient_case(people)
    due = dsr.due_on

    workbench.case_redirect_to_controller(dsr=dsr, actor=people["olivia"], organization=clinic)

    dsr.refresh_from_db()
    assert dsr.status == Status.FORWARDED and dsr.is_open and dsr.closed_at is None and dsr.due_on == due
    assert dsr.history.first().history_change_reason.startswith("Forwarded to controller Northside Imaging")
    referral = Referral.objects.get(case=dsr)
    assert referral.next_chase_at == NOW + dt.timedelta(days=CONTROLLER_CHASE_DAYS)

    # Not due yet: nothing is sent.
    assert referrals_chase_sweep() == 0
    with time_machine.travel(NOW + dt.timedelta(days=CONTROLLER_CHASE_DAYS, minutes=1), tick=False):
        assert referrals_chase_sweep() == 1
        assert referrals_chase_sweep() == 0  # once per due date
    chase = Message.objects.get(template_key="referral_chase")
    assert chase.to_email == "privacy@northside.example" and due.isoformat() in chase.body_text
    referral.refresh_from_db()
    assert referral.chase_count == 1
    assert referral.next_chase_at == NOW + dt.timedelta(days=2 * CONTROLLER_CHASE_DAYS, minutes=1)
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.REMINDER).count() == 1
    assert JobRun.objects.filter(name="referral_chase").count() == 3


@time_machine.travel(NOW, tick=False)
def test_the_clinics_answer_closes_the_case_and_stops_the_reminders(people, clinic):
    dsr = patient_case(people)
    workbench.case_redirect_to_controller(dsr=dsr, actor=people["olivia"], organization=clinic)

    with pytest.raises(ReferralError, match="Say what the clinic answered"):
        referral_record_answer(dsr=dsr, actor=people["olivia"], answer="complied", note=" ")
    referral_record_answer(dsr=dsr, actor=people["olivia"], answer="refused",
                           note="Clinic refused under §164.524(a)(2); patient told by the clinic")

    dsr.refresh_from_db()
    assert dsr.status == Status.DENIED and dsr.denial_ground == "controller_refused"
    assert "Northside Imaging" in dsr.outcome_summary
    referral = Referral.objects.get(case=dsr)
    assert referral.answer == "refused" and referral.next_chase_at is None
    assert Message.objects.filter(template_key="referral_answered", to_email=dsr.subject.email).exists()
    with time_machine.travel(NOW + dt.timedelta(days=60), tick=False):
        assert referrals_chase_sweep() == 0
    with pytest.raises(ReferralError, match="not waiting"):
        referral_record_answer(dsr=dsr, actor=people["olivia"], answer="complied", note="again")


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("regime", ["hipaa", "gdpr"])
def test_the_company_cannot_itself_deny_extend_or_complete_a_patient_case(people, regime):
    dsr = patient_case(people, regime=regime, country="DE" if regime == "gdpr" else "US",
                       subdivision="" if regime == "gdpr" else "NY")

    with pytest.raises(workbench.WorkbenchError, match="only the clinic may deny"):
        workbench.case_deny(dsr=dsr, actor=people["olivia"], ground="no_data" if regime == "gdpr"
                            else "not_in_record_set")
    with pytest.raises(workbench.WorkbenchError, match="only the clinic may extend"):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="Busy")
    with pytest.raises(workbench.WorkbenchError, match="only the clinic may complete"):
        workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="Sent", response="Here")
    dsr.refresh_from_db()
    assert dsr.is_open and dsr.extended_at is None


@time_machine.travel(NOW, tick=False)
def test_a_non_patient_case_is_still_decided_by_us(people):
    submission = SubmissionFactory(received_at=NOW)
    dsr = case_create(submission=submission, right="opt_out_sale_sharing", regime="ccpa")
    dsr = workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])

    workbench.case_complete(dsr=dsr, actor=people["boss"], outcome_summary="Opted out", response="Done",
                            override_reason="Systems confirmed by phone")
    dsr.refresh_from_db()
    assert dsr.status == Status.COMPLETED


# --- the admin ----------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_admin_offers_the_clinics_answer_not_our_own_decision(client, people, clinic):
    from django.urls import reverse

    dsr = patient_case(people)
    client.force_login(people["olivia"])
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert 'data-action="redirect"' in page
    assert 'data-action="deny"' not in page and 'data-action="complete"' not in page
    assert 'data-action="extend"' not in page

    response = client.post(reverse("admin:requests_app_case_redirect", args=[dsr.pk]),
                           {"organization": clinic.pk, "note": ""})
    assert response.status_code == 302
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert 'data-action="controller_answer"' in page and "Forwarded, awaiting controller" in page

    response = client.post(reverse("admin:requests_app_case_controller_answer", args=[dsr.pk]),
                           {"answer": "complied", "note": "Clinic sent the images on 12 March"})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.COMPLETED
    assert dsr.history.first().history_user == people["olivia"]


@time_machine.travel(NOW, tick=False)
def test_a_clinics_refusal_tells_a_european_patient_of_their_own_authority(people, clinic):
    dsr = patient_case(people, regime="gdpr", country="FR", subdivision="")
    workbench.case_redirect_to_controller(dsr=dsr, actor=people["olivia"], organization=clinic)
    workbench.case_record_controller_answer(dsr=dsr, actor=people["olivia"], answer="refused",
                                            note="Clinic refused: rights of others")

    told = Message.objects.get(template_key="referral_answered").body_text
    assert "supervisory authority" in told and "Health and Human Services" not in told
