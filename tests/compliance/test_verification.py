"""Verification levels as data: what evidence satisfies which level, the declaration, agents (issue 15)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance.rules import EVIDENCE, evidence_for_level
from compliance.verification import verification_gap
from outbox.models import Message
from requests_app.models import ConsumerConfirmation
from requests_app.services import compliance, workbench
from requests_app.workflow import Status
from tests.compliance.support import (
    assign,
    confirm_email,
    file,
    people,
    resolve_tasks,
)
from tests.requests_app.intake_support import PDF

pytestmark = pytest.mark.usefixtures("clock")


def test_evidence_table_says_which_level_each_method_satisfies():
    assert evidence_for_level("reasonably_high") == ("account_login", "signed_declaration")
    assert "email_link" not in evidence_for_level("reasonable")
    assert EVIDENCE["signed_declaration"].needs_declaration
    gap = verification_gap(regime="ccpa", right="erasure", level="reasonable", evidence="email_link",
                           is_agent=False, agent_confirmed=False, has_declaration=False)
    assert not gap.met and "'E-mail link confirmed' does not satisfy the level 'reasonable'" in gap.problem


def test_an_email_link_does_not_let_a_ccpa_access_case_complete():
    crew = people()
    dsr = assign(confirm_email(file(["access"])[0]), crew)
    assert dsr.status == Status.VERIFIED and dsr.needs_officer_verification
    resolve_tasks(dsr, crew["olivia"])
    with pytest.raises(workbench.WorkbenchError, match=r"cannot complete: 'E-mail link confirmed' does not "
                                                       r"satisfy the level 'reasonably high'"):
        workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="x", response="y")
    with pytest.raises(workbench.WorkbenchError, match="does not satisfy the level 'reasonably high'"):
        workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="phone_callback")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED and dsr.needs_officer_verification


def test_the_declaration_form_is_signed_by_the_consumer_once(client):
    crew = people()
    dsr = assign(confirm_email(file(["access"])[0]), crew)
    with pytest.raises(workbench.WorkbenchError, match=r"No signed declaration under penalty of perjury"):
        workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="signed_declaration")
    workbench.case_send_declaration(dsr=dsr, actor=crew["olivia"])
    message = Message.objects.get(template_key="declaration_request")
    assert message.to_email == "ann@example.com"
    assert "under penalty of perjury under the laws of the State of California" in message.body_text
    url = next(line for line in message.body_text.splitlines() if "/requests/confirm/" in line).strip()
    path = url.split("127.0.0.1:8000", 1)[1] if "127.0.0.1:8000" in url else url
    assert client.get(path).status_code == 200
    refused = client.post(path, {"answer": "yes", "signed_name": " "})
    assert refused.status_code == 400 and "Type your full name to sign the declaration." in refused.content.decode()
    assert client.post(path, {"answer": "maybe"}).status_code == 400
    assert client.post(path, {"answer": "yes", "signed_name": "Ann Example"}).status_code == 200
    assert client.post(path, {"answer": "yes", "signed_name": "Ann Example"}).status_code == 404  # used
    assert client.get("/requests/confirm/not-a-token/").status_code == 404
    row = ConsumerConfirmation.objects.get(case=dsr)
    assert (row.confirmed, row.signed_name) == (True, "Ann Example")
    workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="signed_declaration")
    dsr.refresh_from_db()
    assert (dsr.verification_evidence, dsr.verification_scope) == ("signed_declaration", "full")
    resolve_tasks(dsr, crew["olivia"])
    workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="sent", response="Your data.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.outcome) == (Status.COMPLETED, "complied")


def test_two_data_points_answer_ccpa_access_for_categories_only_as_complied_in_part():
    crew = people()
    dsr = assign(confirm_email(file(["access"])[0]), crew)
    workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="data_points")
    dsr.refresh_from_db()
    assert dsr.verification_scope == "categories" and not dsr.needs_officer_verification
    assert "verified only for categories" in dsr.history.first().history_change_reason
    resolve_tasks(dsr, crew["olivia"])
    with pytest.raises(workbench.WorkbenchError, match="complete it as 'Complied with in part'"):
        workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="x", response="y")
    workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="categories sent",
                            response="The categories we hold are: ...", outcome="complied_in_part")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.outcome) == (Status.COMPLETED, "complied_in_part")
    body = Message.objects.get(template_key="completion").body_text
    assert "We did not do everything you asked" in body
    assert "California Privacy Protection Agency" in body


def _agent_erasure() -> object:
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return file(["erasure"], is_agent=True, agent_name="Pat Agent", agent_email="pat@agents.example",
                authorization=upload)[0]


def test_an_agent_request_needs_the_agents_authority_and_the_consumer_can_confirm_directly(client):
    crew = people()
    dsr = assign(confirm_email(_agent_erasure()), crew)
    with pytest.raises(workbench.WorkbenchError, match=r"An authorized agent filed this request"):
        workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="data_points")
    workbench.case_ask_consumer_to_confirm(dsr=dsr, actor=crew["olivia"])
    message = Message.objects.get(template_key="agent_confirmation_request")
    assert message.to_email == "ann@example.com"  # the consumer, never the agent
    assert "Pat Agent made a privacy request for you" in message.body_text
    raw_path = next(line for line in message.body_text.splitlines() if "/requests/confirm/" in line).strip()
    path = raw_path.split("127.0.0.1:8000", 1)[1]
    page = client.get(path).content.decode()
    assert "I authorized Pat Agent to make the privacy request" in page
    assert client.post(path, {"answer": "yes"}).status_code == 200
    assert dsr.timeline.filter(summary__contains="The consumer confirmed").exists()
    workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="data_points")
    dsr.refresh_from_db()
    assert dsr.verification_evidence == "data_points" and not dsr.needs_officer_verification


def test_a_consumer_who_denies_the_agent_leaves_the_case_unverifiable(client):
    crew = people()
    dsr = assign(confirm_email(_agent_erasure()), crew)
    raw, _row = compliance.confirmation_request(dsr=dsr, kind="agent_authority", actor=crew["olivia"])
    compliance.confirmation_answer(token=raw, confirmed=False)
    assert dsr.timeline.filter(summary__contains="answered NO").exists()
    with pytest.raises(workbench.WorkbenchError, match=r"An authorized agent filed this request"):
        workbench.case_verify_identity(dsr=dsr, actor=crew["olivia"], method="data_points")


def test_asking_the_consumer_to_confirm_is_only_for_agent_requests():
    crew = people()
    dsr = assign(file(["erasure"])[0], crew)
    with pytest.raises(workbench.WorkbenchError, match="Only a request filed by an authorized agent"):
        workbench.case_ask_consumer_to_confirm(dsr=dsr, actor=crew["olivia"])


def test_the_agents_copy_of_an_opt_out_does_not_claim_the_consumer_was_asked_to_confirm():
    upload = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    file(["opt_out_sale_sharing"], is_agent=True, agent_name="Pat Agent", agent_email="pat@agents.example",
         authorization=upload)
    copy = Message.objects.get(template_key="intake_agent_copy")
    assert "asked them to confirm" not in copy.body_text
    assert "These requests need no confirmation" in copy.body_text


def test_the_agents_copy_of_a_request_needing_a_link_still_says_so():
    _agent_erasure()
    copy = Message.objects.get(template_key="intake_agent_copy")
    assert "asked them to confirm" in copy.body_text
