"""Verification reminders, closing unverified requests at expiry, and re-queueing stuck messages."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine

from medprivacy.models import JobRun
from outbox.models import Message
from requests_app.models import Case, Submission, VerificationToken
from requests_app.services import reminders
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from tests.factories import RECEIVED_AT, SubmissionFactory, make_case

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def issue_token(submission: Submission, *, sent_at: dt.datetime = RECEIVED_AT, valid_days: int = 7,
                seed: str = "a") -> VerificationToken:
    return VerificationToken.objects.create(
        submission=submission, token_hash=hashlib.sha256(f"{submission.pk}{seed}".encode()).hexdigest(),
        created_at=sent_at, expires_at=sent_at + valid_days * DAY)


def verification_sweep(when: dt.datetime) -> tuple[int, reminders.ExpiryResult]:
    with time_machine.travel(when, tick=False):
        return reminders.verification_sweep()


def requester_messages(key: str) -> list[Message]:
    return list(Message.objects.filter(template_key=key).order_by("pk"))


def test_verification_reminder_goes_once_24_hours_after_the_link_and_only_while_unverified(settings):
    dsr = make_case(right="access", regime="ccpa")
    token = issue_token(dsr.submission)
    assert verification_sweep(RECEIVED_AT + 23 * HOUR)[0] == 0
    assert verification_sweep(RECEIVED_AT + 24 * HOUR)[0] == 1
    assert verification_sweep(RECEIVED_AT + 25 * HOUR)[0] == 0  # once only
    token.refresh_from_db()
    assert token.reminder_sent_at == RECEIVED_AT + 24 * HOUR
    [message] = requester_messages("verification_reminder")
    assert message.to_email == dsr.subject.email
    assert message.subject == "Please confirm your privacy request"
    assert f"- {dsr.reference}: " in message.body_text
    assert "It stays valid until 12 March 2026" in message.body_text
    assert f"ask for a new link at {settings.SITE_URL}/requests/new-link/ or write to" in message.body_text
    assert dsr.timeline.filter(message=message).exists()
    assert [r.name for r in JobRun.objects.order_by("pk")] == ["verification"] * 3


def test_no_verification_reminder_once_the_requester_verified():
    dsr = make_case(right="access", regime="ccpa")
    issue_token(dsr.submission)
    case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
    assert verification_sweep(RECEIVED_AT + 30 * HOUR)[0] == 0
    assert requester_messages("verification_reminder") == []


def test_only_the_newest_link_of_a_submission_is_reminded_about():
    dsr = make_case(right="access", regime="ccpa")
    old = issue_token(dsr.submission, seed="old")
    new = issue_token(dsr.submission, sent_at=RECEIVED_AT + 20 * HOUR, seed="new")
    verification_sweep(RECEIVED_AT + 30 * HOUR)
    assert requester_messages("verification_reminder") == []
    verification_sweep(RECEIVED_AT + 44 * HOUR)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.reminder_sent_at, new.reminder_sent_at) == (None, RECEIVED_AT + 44 * HOUR)


def test_expiry_closes_cases_needing_verification_with_one_message_and_leaves_the_opt_out_alone():
    submission = SubmissionFactory()
    access = make_case(right="access", regime="ccpa", submission=submission)
    erasure = make_case(right="erasure", regime="ccpa", submission=submission)
    opt_out = make_case(right="opt_out_sale_sharing", regime="ccpa", submission=submission)
    issue_token(submission)
    verification_sweep(RECEIVED_AT + 7 * DAY - HOUR)
    access.refresh_from_db()
    assert access.status == Status.AWAITING_VERIFICATION

    reminded, expiry = verification_sweep(RECEIVED_AT + 7 * DAY)
    assert (expiry.closed, expiry.messages) == (2, 1)
    explanation = ("we could not verify your identity: the verification link we sent you expired without "
                   "being used")
    for dsr in (access, erasure):
        dsr.refresh_from_db()
        assert dsr.status == Status.CLOSED_UNVERIFIED
        assert dsr.closed_at == RECEIVED_AT + 7 * DAY
        assert dsr.outcome_summary == explanation
        closing = dsr.history.get(status=Status.CLOSED_UNVERIFIED)
        assert (closing.history_change_reason, closing.history_user) == (
            "Not verified: the verification link expired unused", None)
        # CCPA: the answer (here: that we could not verify) goes out within the 45 days.
        assert dsr.closed_at.date() <= dsr.respond_by
    opt_out.refresh_from_db()
    assert opt_out.status == Status.VERIFIED and opt_out.closed_at is None
    [message] = requester_messages("closed_unverified")
    assert message.subject == "Your privacy request was closed: we could not verify it"
    assert f"Reason: {explanation}." in message.body_text
    assert access.reference in message.body_text and erasure.reference in message.body_text
    assert opt_out.reference not in message.body_text

    verification_sweep(RECEIVED_AT + 7 * DAY + HOUR)  # a second sweep finds nothing to do
    assert len(requester_messages("closed_unverified")) == 1


def test_a_valid_newer_link_keeps_the_request_open():
    dsr = make_case(right="access", regime="ccpa")
    issue_token(dsr.submission, seed="old")
    issue_token(dsr.submission, sent_at=RECEIVED_AT + 6 * DAY, seed="new")
    verification_sweep(RECEIVED_AT + 8 * DAY)
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_VERIFICATION


def test_ccpa_request_still_unverified_on_its_deadline_is_closed_with_the_reason_but_gdpr_waits(settings):
    ccpa = make_case(right="access", regime="ccpa")
    gdpr = make_case(right="access", regime="gdpr", subject__country="DE", subject__subdivision="")
    issue_token(ccpa.submission, valid_days=90)  # a link valid longer than the CCPA clock
    issue_token(gdpr.submission, valid_days=90)
    day_before = dt.datetime.combine(ccpa.respond_by - DAY, dt.time(12), tzinfo=dt.UTC)
    verification_sweep(day_before)
    ccpa.refresh_from_db()
    assert ccpa.status == Status.AWAITING_VERIFICATION
    verification_sweep(dt.datetime.combine(ccpa.respond_by, dt.time(16), tzinfo=dt.UTC))
    ccpa.refresh_from_db()
    gdpr.refresh_from_db()
    assert ccpa.status == Status.CLOSED_UNVERIFIED and ccpa.closed_at.date() == ccpa.respond_by
    assert ccpa.history.get(status=Status.CLOSED_UNVERIFIED).history_change_reason == (
        "Not verified by the CCPA response deadline 2026-04-19")
    assert ccpa.outcome_summary == ("we could not verify your identity by the response deadline of 2026-04-19; "
                                    "under CCPA we must answer by then whether or not a request could be verified")
    [message] = requester_messages("closed_unverified")
    assert f"Reason: {ccpa.outcome_summary}." in message.body_text
    assert gdpr.status == Status.AWAITING_VERIFICATION  # GDPR's clock waits for the identity


def test_a_failure_closing_one_submission_does_not_stop_the_others(monkeypatch):
    first, second = make_case(), make_case()
    issue_token(first.submission)
    issue_token(second.submission)
    original = reminders.case_change_status

    def flaky(*, dsr, **kwargs):
        if dsr.pk == first.pk:
            raise RuntimeError("database hiccup")
        return original(dsr=dsr, **kwargs)

    monkeypatch.setattr(reminders, "case_change_status", flaky)
    _, expiry = verification_sweep(RECEIVED_AT + 8 * DAY)
    assert (expiry.closed, dict(expiry.errors)) == (1, {"RuntimeError": 1})
    assert Case.objects.get(pk=first.pk).status == Status.AWAITING_VERIFICATION
    assert Case.objects.get(pk=second.pk).status == Status.CLOSED_UNVERIFIED
    run = JobRun.objects.get()
    assert (run.status, run.items_handled, run.error_summary) == ("partial", 1, "RuntimeError×1")
