"""Building closed request records at chosen instants, and reading what a purge left behind."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.files.base import ContentFile

from outbox.models import Message
from requests_app.models import Case, Submission, VerificationToken
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from retention.models import RetentionRule
from retention.services import retention_rule_save
from subjects.models import DataSubject
from tests.factories import DataSubjectFactory, SubmissionFactory, make_case
from timeline.models import TimelineEvent

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
# The seeded request-records rule keeps 24 months after closure: this is its cutoff at NOW.
CUTOFF_24_MONTHS = dt.datetime(2024, 11, 25, 12, 0, tzinfo=dt.UTC)


def closed_request(closed_at: dt.datetime, *, subject: DataSubject | None = None,
                   status: Status = Status.COMPLETED, with_document: bool = False,
                   with_message: bool = True) -> Case:
    """File a CCPA access request ten days before `closed_at` and close it then."""
    received = closed_at - dt.timedelta(days=10)
    with time_machine.travel(received, tick=False):
        submission = SubmissionFactory(subject=subject or DataSubjectFactory(), received_at=received,
                                       details="Please send me everything about my scans.",
                                       agent_name="Agent Smith" if with_document else "",
                                       agent_email="agent@example.com" if with_document else "")
        if with_document:
            submission.authorization_document.save("permission.pdf", ContentFile(b"%PDF signed"), save=True)
        dsr = make_case(submission=submission)
        VerificationToken.objects.create(submission=submission, token_hash=f"{submission.pk:064d}",
                                         expires_at=received + dt.timedelta(days=7))
        if with_message:
            Message.objects.create(data_subject=submission.subject, submission=submission,
                                   message_id=f"<retention-helper-{submission.pk}@example.com>",
                                   template_key="acknowledgement",
                                   to_email=submission.subject.email, subject="We received your request",
                                   body_text=f"Dear {submission.subject.full_name}, ...")
    with time_machine.travel(closed_at, tick=False):
        if status == Status.CLOSED_UNVERIFIED:
            case_change_status(dsr=dsr, to=status, actor=None, reason="Never verified")
        else:
            case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="Link opened")
            case_change_status(dsr=dsr, to=status, actor=None, reason="Answered",
                               outcome_summary="Sent the access package.")
    dsr.refresh_from_db()
    return dsr


def open_request(received: dt.datetime, *, subject: DataSubject | None = None) -> Case:
    with time_machine.travel(received, tick=False):
        submission = SubmissionFactory(subject=subject or DataSubjectFactory(), received_at=received)
        return make_case(submission=submission)


def only_rule(code: str, **changes) -> RetentionRule:
    """Deactivate every rule but the seeded one of `code`, optionally changed (through the service)."""
    for rule in RetentionRule.objects.filter(is_active=True).exclude(category__code=code):
        rule.is_active = False
        retention_rule_save(rule=rule, actor=None, reason="Isolate one rule in a test")
    rule = RetentionRule.objects.get(category__code=code, is_active=True)
    if changes:
        for name, value in changes.items():
            setattr(rule, name, value)
        retention_rule_save(rule=rule, actor=None, reason="Test variant")
    return rule


def snapshot() -> dict[str, list]:
    """Every row (and history row) the purge may touch, as comparable tuples."""
    def rows(model, *fields):
        return sorted(model._base_manager.values_list(*fields))

    return {
        "subjects": rows(DataSubject, "pk", "email", "full_name", "phone"),
        "subject_history": rows(DataSubject.history.model, "history_id", "id", "email", "full_name", "phone"),
        "submissions": rows(Submission, "pk", "details", "agent_name", "authorization_document"),
        "submission_history": rows(Submission.history.model, "history_id", "id", "details",
                                   "authorization_document"),
        "cases": rows(Case, "pk", "status", "outcome_summary"),
        "case_history": rows(Case.history.model, "history_id", "id"),
        "events": rows(TimelineEvent, "pk", "case_id"),
        "messages": rows(Message, "pk", "to_email", "body_text"),
        "tokens": rows(VerificationToken, "pk"),
    }
