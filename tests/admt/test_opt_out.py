"""An ADMT opt-out: acted on at intake (no verification may be required), a task for every system and recipient
within 15 business days, a clinic's ADMT forwarded and its instruction tracked, the confirmation sent."""

import datetime as dt

import pytest
import time_machine

from admt import services
from admt.models import ClinicInstruction
from fulfilment.models import FulfilmentTask
from fulfilment.services import fulfilment_task_resolve
from outbox.models import Message
from requests_app.models import VerificationToken
from requests_app.services import intake, workbench
from requests_app.services.workbench import WorkbenchError
from tests.admt.helpers import NOW, automated_system, clinic, data_map_system, published_notice
from tests.compliance.support import assign, people
from tests.requests_app.intake_support import service_kwargs

pytestmark = pytest.mark.django_db

# Received Tue 1 Dec 2026: Wed 2 (1) … Fri 4 (3), 7-11 (8), 14-18 (13), Mon 21 (14), Tue 22 Dec (15).
LIMIT = dt.date(2026, 12, 22)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _file(rights=("admt_opt_out",), **overrides):
    return list(intake.submission_create(**service_kwargs(rights=list(rights), **overrides)).cases)


def test_an_admt_opt_out_starts_at_receipt_with_a_task_for_the_system_and_each_recipient():
    partner = data_map_system("Radiology partner", role="service_provider")
    entry = automated_system(recipients=(partner,))
    automated_system(name="Billing scorer")  # not named by the request: untouched
    published_notice(entry)
    (dsr,) = _file(admt_system_ids=[entry.pk])
    assert dsr.status == "verified" and dsr.verification_level == "none"
    assert dsr.verification_method == "not required by the rules"
    assert (dsr.receipt_date, dsr.respond_by, dsr.extended_respond_by) == (dt.date(2026, 12, 1), LIMIT, None)
    assert not VerificationToken.objects.filter(submission=dsr.submission).exists()  # no link to wait for
    tasks = {(t.system.name, t.action): t for t in FulfilmentTask.objects.filter(case=dsr)}
    assert set(tasks) == {("Imaging triage engine", "stop_admt"), ("Radiology partner", "instruct_stop_admt")}
    assert all(task.state == "open" and task.due_on <= LIMIT for task in tasks.values())


def test_without_a_named_system_every_relevant_admt_is_covered_and_a_system_with_an_exception_says_why():
    automated_system()
    automated_system(name="Appeal scorer", exception="human_appeal")
    automated_system(name="Reviewed scorer", humans_qualify=True)  # a qualifying human: not ADMT
    (dsr,) = _file()
    tasks = {t.system.name: t for t in FulfilmentTask.objects.filter(case=dsr)}
    assert set(tasks) == {"Imaging triage engine"}  # the appeal scorer meets the conditions too: not ADMT
    appeal_only = automated_system(name="Appeal ADMT", exception="admission_hiring")
    (second,) = _file(email="bo@example.com")
    task = FulfilmentTask.objects.get(case=second, system=appeal_only.system)
    assert task.state == "not_applicable"
    assert task.state_reason.startswith("Exception relied on: Admission, acceptance or hiring decisions")


def test_an_admt_opt_out_cannot_be_made_to_wait_for_identity_verification():
    crew = people()
    automated_system()
    (dsr,) = _file()
    dsr = assign(dsr, crew)
    with pytest.raises(WorkbenchError, match="needs no verification: it cannot wait for identity information"):
        workbench.case_request_info(dsr=dsr, actor=crew["olivia"], kind="identity", question="Send your ID",
                                    pause=False)
    with pytest.raises(WorkbenchError, match="cannot be denied as unverifiable"):
        workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="unverifiable")
    with pytest.raises(WorkbenchError, match="already verified"):
        workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="signed_declaration")
    dsr.refresh_from_db()
    assert dsr.status == "verified" and dsr.paused_since is None and dsr.due_on == LIMIT


def test_the_confirmation_is_sent_once_every_task_is_done_and_names_the_opt_out():
    crew = people()
    automated_system()
    (dsr,) = _file()
    dsr = assign(dsr, crew)
    with pytest.raises(Exception, match="fulfilment task"):
        workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="Stopped", response="Done.")
    for task in dsr.fulfilment_tasks.all():
        fulfilment_task_resolve(task=task, state="done", actor=crew["olivia"])
    workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="ADMT stopped",
                            response="Imaging triage no longer scores your studies.")
    dsr.refresh_from_db()
    assert dsr.status == "completed" and dsr.outcome == "complied"
    confirmation = Message.objects.get(template_key="admt_opt_out_processed")
    assert confirmation.to_email == "ann@example.com"
    assert "We no longer use automated decision-making technology to make decisions about you" in confirmation.body_text
    assert "Imaging triage no longer scores your studies." in confirmation.body_text


def test_a_clinics_admt_is_forwarded_and_its_instruction_carried_out_within_the_same_limit():
    crew = people()
    bayview = clinic()
    entry = automated_system(name="Clinic triage", company_role="service_provider", clinic=bayview)
    (dsr,) = _file()
    forwarding = ClinicInstruction.objects.get(case=dsr)
    assert (forwarding.clinic, forwarding.automated_system, forwarding.due_on) == (bayview, entry, LIMIT)
    assert (forwarding.task.action, forwarding.task.state) == ("clinic_instruction", "open")
    sent = Message.objects.get(template_key="admt_clinic_forward")
    assert sent.to_email == "privacy@bayview.example"
    assert "no later than 2026-12-22" in sent.body_text and "Clinic triage" in sent.body_text
    services.clinic_instruction_record(forwarding=forwarding, actor=crew["boss"], instruction="stop")
    forwarding.refresh_from_db()
    assert forwarding.instruction == "stop" and forwarding.instruction_received_at == NOW
    assert forwarding.task.state == "open"  # the instruction is still to be carried out
    with pytest.raises(services.AdmtError, match="already recorded"):
        services.clinic_instruction_record(forwarding=forwarding, actor=crew["boss"], instruction="exception")
    assert [h.history_change_reason for h in forwarding.history.order_by("history_date")] == [
        "Opt-out forwarded to the clinic", "Clinic's instruction: Stop using the system on the person"]


def test_a_clinic_relying_on_an_exception_closes_the_task_with_its_reason():
    crew = people()
    automated_system(name="Clinic triage", company_role="service_provider", clinic=clinic())
    (dsr,) = _file()
    forwarding = ClinicInstruction.objects.get(case=dsr)
    services.clinic_instruction_record(forwarding=forwarding, actor=crew["boss"], instruction="exception",
                                       note="Human appeal offered by the clinic")
    forwarding.task.refresh_from_db()
    assert forwarding.task.state == "not_applicable"
    assert forwarding.task.state_reason == "Bayview Clinic relies on an exception: Human appeal offered by the clinic"


def test_a_profiling_opt_out_in_a_state_reaches_systems_used_for_significant_decisions():
    automated_system(humans_qualify=True)  # not ADMT under the CCPA, still profiling for a significant decision
    (dsr,) = _file(rights=("profiling_opt_out",), subdivision="VA")
    assert (dsr.regime, dsr.status, dsr.respond_by) == ("va", "verified", dt.date(2027, 1, 15))
    assert list(FulfilmentTask.objects.filter(case=dsr).values_list("action", flat=True)) == ["stop_admt"]
