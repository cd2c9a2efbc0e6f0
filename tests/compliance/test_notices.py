"""Requests and notices: every channel acknowledged, every decision notice complete (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from outbox import services as messaging
from outbox.models import Message, MessageTemplate
from requests_app.models import Case, VerificationToken
from requests_app.services import compliance, reminders, workbench
from requests_app.workflow import Status
from tests.compliance.support import LATER, RECEIVED, assign, confirm_email, file, people, resolve_tasks
from timeline.models import TimelineEvent

pytestmark = pytest.mark.usefixtures("clock")


# --- acknowledgements for every channel -------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["phone", "mail", "email"])
def test_a_request_entered_by_hand_is_acknowledged_with_a_verification_link(channel):
    crew = people()
    cases = workbench.case_enter_manual(actor=crew["olivia"], channel=channel, email="Jane@Example.com",
                                        rights=["access", "opt_out_sale_sharing"], received_at=RECEIVED,
                                        country="US", subdivision="CA", full_name="Jane Caller")
    access, opt_out = sorted(cases, key=lambda c: c.right)
    [receipt] = Message.objects.filter(template_key="intake_acknowledgement")
    assert receipt.to_email == "jane@example.com"
    assert access.reference in receipt.body_text and "/requests/verify/" in receipt.body_text
    for dsr in (access, opt_out):
        dsr.refresh_from_db()
    assert access.acknowledged_at == RECEIVED and access.acknowledged_at.date() <= access.acknowledge_by
    assert access.timeline.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).exists()
    assert VerificationToken.objects.filter(submission=access.submission).count() == 1
    assert opt_out.acknowledged_at is None  # no acknowledgement duty for opt-outs; it started at once


# --- the statements each notice must carry ---------------------------------------------------------------


def _expire(*cases: Case) -> None:
    with time_machine.travel(RECEIVED + dt.timedelta(days=8), tick=False):
        reminders.verification_expire()
    for dsr in cases:
        dsr.refresh_from_db()


def test_the_closed_unverified_notice_carries_the_gdpr_complaint_right():
    dsr = file(["erasure"], country="FR", subdivision="")[0]
    _expire(dsr)
    assert (dsr.status, dsr.outcome) == (Status.CLOSED_UNVERIFIED, "closed_unverified")
    body = Message.objects.get(template_key="closed_unverified").body_text
    assert "lodge a complaint with a data protection supervisory authority" in body
    assert "judicial remedy (GDPR Art. 12(4))" in body


def test_the_closed_unverified_notice_of_a_us_state_gives_the_appeal_route_with_a_link():
    dsr = file(["erasure"], subdivision="VA")[0]
    _expire(dsr)
    body = Message.objects.get(template_key="closed_unverified").body_text
    assert f"/requests/?country=US&subdivision=VA&appeal={dsr.reference}" in body
    assert "https://www.oag.state.va.us/consumer-protection/" in body


def test_an_unverified_ccpa_access_request_is_also_treated_as_a_request_for_categories():
    dsr = file(["access"])[0]
    _expire(dsr)
    body = Message.objects.get(template_key="closed_unverified").body_text
    assert "treated your request as a request for the categories of personal information" in body
    assert "11 CCR §7024(a)" in body and "general practices described in our privacy policy" in body


def test_a_stored_template_without_the_statements_refuses_to_send_and_nothing_changes():
    crew = people()
    dsr = assign(file(["erasure"], country="FR", subdivision="")[0], crew)
    messaging.templates_seed()
    MessageTemplate.objects.filter(key="denial").update(body_text="No. {{ reason }}\n")  # edited outside the admin
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(compliance.NoticeIncomplete, match="the right to complain to the regulator"):
            workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="manifestly_unfounded_or_excessive")
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_VERIFICATION and not Message.objects.filter(template_key="denial").exists()


def test_a_completion_that_kept_something_carries_the_rights_statement_and_a_full_one_does_not():
    crew = people()
    gdpr = assign(file(["erasure"], country="FR", subdivision="")[0], crew)
    gdpr = confirm_email(gdpr)
    resolve_tasks(gdpr, crew["olivia"])
    with time_machine.travel(LATER, tick=False):
        workbench.case_complete(dsr=gdpr, actor=crew["olivia"], outcome_summary="partly erased",
                                response="We erased your account; invoices are kept.", outcome="complied_in_part")
    gdpr.refresh_from_db()
    assert gdpr.outcome == "complied_in_part"
    body = Message.objects.get(template_key="completion").body_text
    assert "We did not do everything you asked" in body and "supervisory authority" in body


# --- what may not be denied, and how ----------------------------------------------------------------------


@pytest.mark.parametrize("right", ["opt_out_sale_sharing", "limit_sensitive"])
def test_opt_out_and_limit_are_never_denied_as_unverifiable(right):
    crew = people()
    dsr = assign(file([right])[0], crew)
    with pytest.raises(workbench.WorkbenchError, match="needs no verification .* cannot be denied as unverifiable"):
        workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="unverifiable")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED


def test_fraud_suspected_needs_an_explanation_which_the_requester_gets():
    crew = people()
    dsr = assign(file(["opt_out_sale_sharing"])[0], crew)
    with pytest.raises(workbench.WorkbenchError, match="must be documented"):
        workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="fraud_suspected", explanation="  ")
    workbench.case_deny(dsr=dsr, actor=crew["olivia"], ground="fraud_suspected",
                        explanation="The same script filed 400 opt-outs from one address in a minute.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.outcome) == (Status.DENIED, "denied")
    body = Message.objects.get(template_key="denial").body_text
    assert "400 opt-outs" in body and "California Privacy Protection Agency" in body


# --- the opt-out confirmation -------------------------------------------------------------------------------


def test_an_opt_out_receipt_promises_a_confirmation_and_completing_it_sends_one():
    crew = people()
    dsr = assign(file(["opt_out_sale_sharing"])[0], crew)
    receipt = Message.objects.get(template_key="intake_received").body_text
    assert "We will write to you again when it has been processed." in receipt
    resolve_tasks(dsr, crew["olivia"])
    with time_machine.travel(LATER, tick=False):
        workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="stopped", response="Done.")
    confirmation = Message.objects.get(template_key="opt_out_processed")
    assert f"We have processed your request {dsr.reference}" in confirmation.body_text
    body = confirmation.body_text
    assert "on 2026-03-10" in body and "sell or share your personal information" in body
    assert not Message.objects.filter(template_key="completion").exists()


# --- a GDPR pause must be asked for without undue delay -----------------------------------------------------


def test_a_gdpr_clock_cannot_be_paused_on_its_last_day_but_can_early():
    crew = people()
    late = assign(file(["erasure"], country="FR", subdivision="", email="late@example.com")[0], crew)
    early = assign(file(["erasure"], country="FR", subdivision="", email="early@example.com")[0], crew)
    with time_machine.travel(dt.datetime(2026, 4, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(workbench.WorkbenchError, match=r"without undue delay \(within 10 days of receipt; "
                                                           r"this is day 29"):
            workbench.case_request_info(dsr=late, actor=crew["olivia"], kind="identity", question="Your ID?")
        workbench.case_request_info(dsr=late, actor=crew["olivia"], kind="identity", question="Your ID?",
                                    pause=False)
    late.refresh_from_db()
    assert late.paused_since is None and late.status == Status.AWAITING_REQUESTER
    with time_machine.travel(dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.UTC), tick=False):
        workbench.case_request_info(dsr=early, actor=crew["olivia"], kind="identity", question="Your ID?")
    early.refresh_from_db()
    assert early.paused_since is not None


def test_every_closure_records_the_outcome_the_metrics_count():
    crew = people()
    withdrawn = assign(file(["erasure"], email="w@example.com")[0], crew)
    workbench.case_withdraw_on_behalf(dsr=withdrawn, actor=crew["olivia"], reason="Phoned to withdraw")
    denied = assign(file(["erasure"], email="d@example.com")[0], crew)
    workbench.case_deny(dsr=denied, actor=crew["olivia"], ground="manifestly_unfounded_or_excessive")
    for dsr, outcome in ((withdrawn, "withdrawn"), (denied, "denied")):
        dsr.refresh_from_db()
        assert dsr.outcome == outcome
        assert dsr.history.first().outcome == outcome
    assert list(Case.objects.filter(outcome="").values_list("status", flat=True)) == []
