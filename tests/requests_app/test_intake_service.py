"""Intake services: cases from a submission, verification links, acknowledgement, patients, agents,
duplicates, withdrawal, new links, and nothing half-written on failure. Time is frozen at NOW."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings

from audit.models import AuditEntry
from outbox.models import Message
from regimes.deadlines import compute_deadlines
from requests_app.models import Case, Submission, VerificationToken
from requests_app.services import intake
from requests_app.services.intake import IntakeRejected, LinkInvalid, submission_create, verification_consume
from requests_app.workflow import IllegalTransition, Status
from subjects.models import DataSubject, Relationship
from tests.requests_app.intake_support import (
    NOTHING,
    PNG,
    counts,
    frozen_clock,
    link_in,
    pdf_upload,
    service_kwargs,
    stored_files,
    use_private_storage,
)
from timeline.models import TimelineEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    yield from frozen_clock()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path) -> Path:
    return use_private_storage(settings, tmp_path)



def private_root() -> Path:
    return Path(django_settings.STORAGES["default"]["OPTIONS"]["location"])


def token_of(message: Message) -> str:
    return link_in(message, "verify").rstrip("/").rsplit("/", 1)[1]


def ccpa_dates(right: str):
    return compute_deadlines(regime="ccpa", right=right, received_on=dt.date(2026, 3, 5))


# --- Submission ------------------------------------------------------------------------------------


def test_it_creates_one_case_per_right_with_the_rules_dates_and_one_email():
    result = submission_create(**service_kwargs(email="  Ann@Example.COM "))
    access, erasure = result.cases
    assert (access.right, erasure.right) == ("access", "erasure")
    for dsr in result.cases:
        dsr.refresh_from_db()
        expected = ccpa_dates(dsr.right)
        assert dsr.regime == "ccpa" and dsr.status == Status.AWAITING_VERIFICATION
        assert (dsr.acknowledge_by, dsr.respond_by, dsr.due_on) == (
            expected.acknowledge_by, expected.respond_by, expected.respond_by)
        assert dsr.submission == result.submission
    assert DataSubject.objects.get().email == "ann@example.com"
    message = Message.objects.get()
    assert message == result.message and message.to_email == "ann@example.com"
    assert message.template_key == "intake_acknowledgement"
    token = VerificationToken.objects.get()
    assert token.expires_at == intake.timezone.now() + dt.timedelta(days=7)
    assert len(token.token_hash) == 64 and token_of(message) not in token.token_hash


def test_only_the_hash_of_the_verification_token_is_stored():
    result = submission_create(**service_kwargs())
    raw = token_of(result.message)
    stored = VerificationToken.objects.get()
    assert stored.token_hash == intake.hashlib.sha256(raw.encode()).hexdigest()
    assert not VerificationToken.objects.filter(token_hash=raw).exists()


def test_an_unverified_filing_never_changes_an_existing_identity():
    subject = DataSubject.objects.create(email="ann@example.com", full_name="Ann Old", country="US",
                                         subdivision="VA", relationship="clinician")
    result = submission_create(**service_kwargs(full_name="Mallory Impostor", relationship="website_visitor"))
    subject.refresh_from_db()
    assert (subject.full_name, subject.subdivision, subject.relationship) == ("Ann Old", "VA", "clinician")
    assert DataSubject.objects.count() == 1
    assert subject.history.count() == 1  # only its creation above: the filing wrote no change
    submission = result.submission
    assert submission.filed_name == "Mallory Impostor"
    assert submission.identity_applied_at is None


def test_the_filed_identity_reaches_the_subject_once_the_address_is_confirmed():
    subject = DataSubject.objects.create(email="ann@example.com", full_name="Ann Old", country="US",
                                         subdivision="VA")
    result = submission_create(**service_kwargs(full_name="Ann Example"))
    intake.verification_consume(token=token_of(result.message))
    subject.refresh_from_db()
    assert (subject.full_name, subject.subdivision) == ("Ann Example", "CA")
    latest = subject.history.first()
    assert latest.history_change_reason == (
        f"Identity given with submission #{result.submission.pk} applied: the person confirmed the address "
        "through the verification link")
    result.submission.refresh_from_db()
    assert result.submission.identity_applied_at is not None


def test_a_new_subject_is_created_with_the_filed_identity():
    result = submission_create(**service_kwargs(full_name="Ann Example"))
    subject = result.submission.subject
    assert (subject.full_name, subject.country, subject.subdivision) == ("Ann Example", "US", "CA")
    assert subject.history.first().history_change_reason == "Created from a request"
    assert result.submission.identity_applied_at is not None


def test_the_regime_comes_from_the_residence():
    result = submission_create(**service_kwargs(country="DE", subdivision="", rights=["access", "withdraw_consent"]))
    access, withdraw = result.cases
    assert (access.regime, withdraw.regime) == ("gdpr", "gdpr")
    assert access.status == Status.AWAITING_VERIFICATION
    assert withdraw.status == Status.VERIFIED  # consent withdrawal needs no verification
    assert access.respond_by == compute_deadlines(regime="gdpr", right="access", received_on=dt.date(2026, 3, 5),
                                                  country="DE").respond_by


def test_a_right_not_offered_where_the_requester_lives_is_rejected_and_nothing_written():
    with pytest.raises(IntakeRejected) as exc:
        submission_create(**service_kwargs(rights=["restriction"]))  # a GDPR right; not for Californians
    assert exc.value.problems == {"rights": "Not available to residents of California, United States: Pause the "
                                            "use of my information (restriction). Choose from the list shown."}
    assert counts() == NOTHING


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"rights": []}, "rights", "Choose at least one thing you want us to do."),
    ({"country": "XX"}, "country", "Choose the country where you live."),
    ({"subdivision": ""}, "subdivision", "Choose the US state or region where you live."),
    ({"country": "FR", "subdivision": "CA"}, "subdivision",
     "A state or region is asked for only for the United States."),
    ({"relationship": "boss"}, "relationship", "Choose how you know us."),
    ({"declaration_accepted": False}, "declaration", "Tick the declaration to send your request."),
    ({"rights": ["rectification"]}, "correction_wrong", "Tell us which information is wrong."),
    ({"relationship": Relationship.PATIENT}, "clinic_name",
     "Name the clinic or organization that gave us your information."),
    ({"is_agent": True, "agent_name": "Bo", "agent_email": "bo@agents.example"}, "authorization",
     "Upload the authorization signed by the person you act for (PDF, PNG or JPEG)."),
    ({"is_agent": True, "agent_name": "Bo", "agent_email": "ANN@example.com"}, "agent_email",
     "Enter the agent's own e-mail address. We write to the person the request is about at the address above."),
    ({"full_name": "  "}, "full_name", "Enter your full name."),
])
def test_the_service_refuses_what_the_rules_forbid(overrides, field, message):
    with pytest.raises(IntakeRejected) as exc:
        submission_create(**service_kwargs(**overrides))
    assert exc.value.problems[field] == message
    assert counts() == NOTHING


def test_an_opt_out_alone_starts_at_once_with_a_receipt_and_no_link():
    result = submission_create(**service_kwargs(rights=["opt_out_sale_sharing", "limit_sensitive"]))
    assert [dsr.status for dsr in result.cases] == [Status.VERIFIED, Status.VERIFIED]
    assert result.message.template_key == "intake_received"
    assert "/verify/" not in result.message.body_text
    assert not VerificationToken.objects.exists()
    assert result.cases[0].respond_by == compute_deadlines(
        regime="ccpa", right="opt_out_sale_sharing", received_on=dt.date(2026, 3, 5)).respond_by


# --- Acknowledgement (CCPA §7021) ------------------------------------------------------------------


def test_a_ccpa_receipt_email_is_the_acknowledgement_and_is_on_the_timeline():
    result = submission_create(**service_kwargs())
    body = result.message.body_text
    assert "explains how we will verify it and tells you when we will respond" in body
    assert "We will respond by 19 April 2026." in body  # receipt 5 March + the CCPA clock
    assert "the latest we may then respond is 3 June 2026" in body
    assert "three pieces of information" in body and "two pieces of information" in body
    assert "/requests/verify/" in body and "/requests/status/" in body
    for dsr in result.cases:
        dsr.refresh_from_db()
        assert dsr.acknowledged_at == intake.timezone.now()
        event = dsr.timeline.get(kind=TimelineEvent.Kind.ACKNOWLEDGED)
        assert event.message == result.message
        assert "11 CCR §7021" in event.summary
        # One history row: the acknowledgement is stored with the case's insert, not by a second save.
        assert [h.history_change_reason for h in dsr.history.all()] == ["Request received; receipt acknowledged"]


def test_a_gdpr_request_gets_the_verification_email_and_no_acknowledgement_event():
    result = submission_create(**service_kwargs(country="DE", subdivision="", rights=["access"]))
    assert result.message.template_key == "intake_verification"
    dsr = result.cases[0]
    dsr.refresh_from_db()
    assert dsr.acknowledged_at is None
    assert not dsr.timeline.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).exists()
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.VERIFICATION_SENT).count() == 1


# --- Verification ------------------------------------------------------------------------------------


def test_opening_the_link_verifies_an_email_level_case_completely():
    result = submission_create(**service_kwargs(country="GB", subdivision="", rights=["erasure"]))
    verification_consume(token=token_of(result.message))
    dsr = Case.objects.get()
    assert dsr.status == Status.VERIFIED and dsr.verification_level == "email"
    assert dsr.needs_officer_verification is False
    assert dsr.verification_method == "e-mail link"
    assert dsr.history.first().history_change_reason == (
        "The requester confirmed the e-mail address through the verification link")
    assert Submission.objects.get().verified_at == intake.timezone.now()
    assert dsr.timeline.get(kind=TimelineEvent.Kind.VERIFIED).summary == "E-mail address confirmed"


def test_levels_beyond_email_are_verified_by_email_and_flagged_for_an_officer():
    result = submission_create(**service_kwargs(rights=["access", "erasure", "opt_out_sale_sharing"]))
    verification_consume(token=token_of(result.message))
    access, erasure, opt_out = Case.objects.order_by("pk")
    assert [c.status for c in (access, erasure, opt_out)] == [Status.VERIFIED] * 3
    assert (access.verification_level, access.needs_officer_verification) == ("reasonably_high", True)
    assert (erasure.verification_level, erasure.needs_officer_verification) == ("reasonable", True)
    assert opt_out.needs_officer_verification is False  # started verified, untouched by the link
    assert "the rules ask for 'reasonably high'" in access.timeline.get(kind=TimelineEvent.Kind.VERIFIED).summary


def test_a_link_works_once():
    result = submission_create(**service_kwargs())
    raw = token_of(result.message)
    verification_consume(token=raw)
    with pytest.raises(LinkInvalid) as exc:
        verification_consume(token=raw)
    assert exc.value.reason == "used"


def test_an_expired_link_changes_nothing(frozen):
    result = submission_create(**service_kwargs())
    frozen.shift(dt.timedelta(days=7))
    with pytest.raises(LinkInvalid) as exc:
        verification_consume(token=token_of(result.message))
    assert exc.value.reason == "expired"
    assert set(Case.objects.values_list("status", flat=True)) == {Status.AWAITING_VERIFICATION}
    assert VerificationToken.objects.get().used_at is None


def test_a_link_just_before_expiry_still_works(frozen):
    result = submission_create(**service_kwargs())
    frozen.shift(dt.timedelta(days=7) - dt.timedelta(seconds=1))
    verification_consume(token=token_of(result.message))
    assert set(Case.objects.values_list("status", flat=True)) == {Status.VERIFIED}


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 43])
def test_unknown_or_tampered_tokens_are_refused(token):
    submission_create(**service_kwargs())
    with pytest.raises(LinkInvalid) as exc:
        verification_consume(token=token)
    assert exc.value.reason == "unknown"


def test_a_tampered_real_token_is_refused():
    result = submission_create(**service_kwargs())
    raw = token_of(result.message)
    with pytest.raises(LinkInvalid):
        verification_consume(token=raw[:-1] + ("A" if raw[-1] != "A" else "B"))


# --- Authorized agents ---------------------------------------------------------------------------------


def test_an_agent_request_emails_the_consumer_the_link_and_the_agent_a_copy_without_links():
    result = submission_create(**service_kwargs(
        is_agent=True, agent_name="Bo Agent", agent_email="Bo@Agents.example",
        authorization=pdf_upload(content=PNG, name="Ann's permission.png", content_type="image/png")))
    submission = result.submission
    consumer, agent = Message.objects.order_by("pk")
    assert consumer == result.message and consumer.to_email == "ann@example.com"
    assert "/requests/verify/" in consumer.body_text and "Bo Agent" in consumer.body_text
    assert agent.to_email == "bo@agents.example" and agent.template_key == "intake_agent_copy"
    assert "/requests/verify/" not in agent.body_text and "/requests/status/" not in agent.body_text
    # Stored privately under a random name: the client's file name carries personal data.
    name = submission.authorization_document.name
    assert name.startswith("authorizations/2026/03/") and name.endswith(".png") and "Ann" not in name
    assert [p.read_bytes() for p in stored_files(private_root())] == [PNG]
    verification_consume(token=token_of(consumer))
    assert all(c.needs_officer_verification for c in Case.objects.all())


def test_a_fake_pdf_is_rejected_by_content():
    with pytest.raises(IntakeRejected) as exc:
        submission_create(**service_kwargs(is_agent=True, agent_name="Bo", agent_email="bo@agents.example",
                                           authorization=pdf_upload(content=b"MZ\x90\x00 not a pdf")))
    assert "not a PDF, PNG or JPEG" in exc.value.problems["authorization"]
    assert counts() == NOTHING and stored_files(private_root()) == []


def test_a_file_over_5_mb_is_rejected():
    big = pdf_upload(content=b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024))
    with pytest.raises(IntakeRejected) as exc:
        submission_create(**service_kwargs(is_agent=True, agent_name="Bo", agent_email="bo@agents.example",
                                           authorization=big))
    assert exc.value.problems["authorization"] == "The file is 6.0 MB; the limit is 5 MB."
    assert counts() == NOTHING and stored_files(private_root()) == []


# --- Patients ----------------------------------------------------------------------------------------


def test_a_patient_request_is_recorded_and_the_requester_told_the_clinic_controls_it():
    result = submission_create(**service_kwargs(relationship=Relationship.PATIENT, clinic_name="Sunrise Imaging",
                                                rights=["access", "erasure"]))
    access, erasure = result.cases
    assert access.is_patient and erasure.is_patient
    assert access.regime == "hipaa"  # the clinic's health-record clock
    assert erasure.regime == "ccpa"  # HIPAA has no erasure right; the residence's law still sets the clock
    assert access.respond_by == compute_deadlines(regime="hipaa", right="access",
                                                  received_on=dt.date(2026, 3, 5)).respond_by
    assert result.submission.clinic_name == "Sunrise Imaging"
    message = result.message
    assert message.template_key == "intake_patient_notice"
    assert "Sunrise Imaging, which controls it" in message.body_text
    assert "forwarding it to Sunrise Imaging" in message.body_text
    assert "/requests/verify/" not in message.body_text
    assert not VerificationToken.objects.exists()
    # The case waits, open, for an officer to redirect it to the clinic.
    assert access.is_open and not access.timeline.filter(kind=TimelineEvent.Kind.STATUS_CHANGED).exists()


# --- Duplicates ----------------------------------------------------------------------------------------


def test_a_second_identical_confirmed_request_is_linked_to_the_first_and_still_verified():
    first = submission_create(**service_kwargs(rights=["erasure"]))
    verification_consume(token=token_of(first.message))
    second = submission_create(**service_kwargs(rights=["erasure"]))
    verification_consume(token=token_of(second.message))
    original, duplicate = Case.objects.order_by("pk")
    assert duplicate.status == Status.VERIFIED  # never blocked
    assert duplicate.duplicate_of == original and original.duplicate_of is None
    assert duplicate.timeline.get(kind=TimelineEvent.Kind.DUPLICATE).summary == f"Duplicate of {original.reference}"
    assert original.timeline.filter(kind=TimelineEvent.Kind.DUPLICATE).count() == 1
    assert duplicate.history.first().history_change_reason.startswith(f"Same request as {original.reference}")


def test_an_unconfirmed_earlier_request_is_never_the_original():
    # Someone else filed with Ann's address and never confirmed it; Ann's own request is not held back.
    submission_create(**service_kwargs(rights=["erasure"]))
    mine = submission_create(**service_kwargs(rights=["erasure"]))
    verification_consume(token=token_of(mine.message))
    assert not Case.objects.filter(duplicate_of__isnull=False).exists()
    assert Case.objects.get(pk=mine.cases[0].pk).status == Status.VERIFIED


def test_a_different_right_or_a_closed_case_is_not_a_duplicate():
    first = submission_create(**service_kwargs(rights=["erasure"]))
    verification_consume(token=token_of(first.message))
    intake.case_withdraw_by_requester(dsr=Case.objects.get())
    again = submission_create(**service_kwargs(rights=["erasure", "access"]))
    verification_consume(token=token_of(again.message))
    assert not Case.objects.filter(duplicate_of__isnull=False).exists()


def test_repeated_opt_outs_are_linked_at_once():
    submission_create(**service_kwargs(rights=["opt_out_sale_sharing"]))
    submission_create(**service_kwargs(rights=["opt_out_sale_sharing"]))
    original, duplicate = Case.objects.order_by("pk")
    assert duplicate.duplicate_of == original


# --- Withdrawal and new links --------------------------------------------------------------------------


def test_the_requester_can_withdraw_an_open_case_and_gets_a_confirmation():
    result = submission_create(**service_kwargs(rights=["erasure"]))
    dsr = intake.case_withdraw_by_requester(dsr=result.cases[0])
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN and dsr.closed_at == intake.timezone.now()
    latest = dsr.history.first()
    assert latest.history_change_reason == "Withdrawn by the requester on the status page"
    assert latest.history_user is None
    message = Message.objects.get(template_key="intake_withdrawn")
    assert dsr.reference in message.subject and "/requests/\n" in message.body_text + "\n"
    with pytest.raises(IllegalTransition):
        intake.case_withdraw_by_requester(dsr=dsr)


def test_a_new_link_sends_a_fresh_status_link_and_a_working_verification_link(frozen):
    result = submission_create(**service_kwargs())
    frozen.shift(dt.timedelta(days=8))  # the first link has expired
    assert intake.status_link_send(email=" ANN@example.com ") is True
    message = Message.objects.get(template_key="intake_new_link")
    assert message.to_email == "ann@example.com"
    assert link_in(message, "status")
    with pytest.raises(LinkInvalid):
        verification_consume(token=token_of(result.message))
    verification_consume(token=token_of(message))
    assert set(Case.objects.values_list("status", flat=True)) == {Status.VERIFIED}


def test_a_new_link_for_an_unknown_address_sends_nothing():
    assert intake.status_link_send(email="nobody@example.com") is False
    assert not Message.objects.exists()


# --- Nothing half-written ----------------------------------------------------------------------------


def test_a_failure_after_the_upload_leaves_no_rows_and_no_file(monkeypatch):
    def broken_send(**kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(intake, "message_send", broken_send)
    with pytest.raises(RuntimeError):
        submission_create(**service_kwargs(is_agent=True, agent_name="Bo", agent_email="bo@agents.example",
                                           authorization=pdf_upload()))
    assert counts() == NOTHING
    assert stored_files(private_root()) == []


def test_a_failure_on_the_second_case_leaves_nothing(monkeypatch):
    real = intake.case_create
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs["right"])
        if len(calls) == 2:
            raise RuntimeError("database hiccup")
        return real(**kwargs)

    monkeypatch.setattr(intake, "case_create", second_fails)
    with pytest.raises(RuntimeError):
        submission_create(**service_kwargs())
    assert calls == ["access", "erasure"]
    assert counts() == NOTHING


def test_a_case_closed_by_an_officer_meanwhile_does_not_stop_the_others_verifying(monkeypatch):
    result = submission_create(**service_kwargs())
    access, erasure = result.cases
    real = intake.case_change_status

    def officer_closed_access_first(*, dsr, **kwargs):
        if dsr.pk == access.pk:
            real(dsr=dsr, to=Status.DENIED, actor=None, reason="Fraud documented")
        return real(dsr=dsr, **kwargs)

    monkeypatch.setattr(intake, "case_change_status", officer_closed_access_first)
    verification_consume(token=token_of(result.message))
    access.refresh_from_db()
    erasure.refresh_from_db()
    assert (access.status, erasure.status) == (Status.DENIED, Status.VERIFIED)


def test_a_submission_takes_the_audit_head_only_as_its_last_statements():
    """Concurrent submissions queue on the audit head only from there to commit (issue 19)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.selectors import audit_verify_chain

    with CaptureQueriesContext(connection) as queries:
        result = submission_create(**service_kwargs(rights=["access", "opt_out_sale_sharing"]))
    sql = [q["sql"] for q in queries.captured_queries]
    head_lock = next(i for i, text in enumerate(sql) if 'FROM "audit_audithead"' in text)  # FOR UPDATE on PG
    after = [re.match(r'(\w+)\D*?("\w+")', text).groups() for text in sql[head_lock + 1:]
             if not text.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert after == [("INSERT", '"audit_auditentry"'), ("UPDATE", '"audit_audithead"')]
    assert sum('FROM "audit_audithead"' in text for text in sql) == 1
    cases = {dsr.pk for dsr in result.cases}
    assert {e.case_id for e in AuditEntry.objects.filter(kind="case.created")} >= cases
    assert audit_verify_chain().ok
