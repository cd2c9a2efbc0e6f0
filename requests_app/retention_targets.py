"""The portal's own request records under the retention schedule (see docs/retention.md).

Order matters within a category: rows that point at others go first (timeline events and messages
before cases, cases before submissions, submissions before data subjects), so a parent is purged in
the same run as its last child. A submission or subject is only due once none of its cases is open,
and it runs from the closure of its last case; once its cases are gone it falls back to its own
receipt or creation date, which is earlier, so it stays due.
"""

from __future__ import annotations

from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from consents.models import ConsentEvent, ConsentState
from outbox.models import Message, ThreadAttachment, ThreadMessage
from requests_app.models import Case, ConsumerConfirmation, Submission, VerificationToken
from requests_app.workflow import Status
from retention.models import Event
from retention.registry import register
from subjects.models import DataSubject
from timeline.models import TimelineEvent

REQUEST_RECORDS = "privacy_request_records"
UNVERIFIED = "unverified_requests"


def _last_closure_of_submission(outer: str) -> Subquery:
    return Subquery(Case.objects.filter(submission=OuterRef(outer)).order_by().values("submission")
                    .annotate(last=Max("closed_at")).values("last")[:1])


def submission_closed_at():
    """When the submission's last case closed; its receipt once its cases are purged."""
    return Coalesce(_last_closure_of_submission("pk"), F("received_at"))


def message_closed_at():
    return Coalesce(_last_closure_of_submission("submission"), F("submission__received_at"))


def submission_has_no_open_case() -> Q:
    return ~Q(Exists(Case.objects.open().filter(submission=OuterRef("pk"))))


def message_submission_has_no_open_case() -> Q:
    return ~Q(Exists(Case.objects.open().filter(submission=OuterRef("submission"))))


def subject_closed_at():
    """When the subject's last case closed; else their last filing; else their creation."""
    last_closure = Subquery(Case.objects.filter(subject=OuterRef("pk")).order_by().values("subject")
                            .annotate(last=Max("closed_at")).values("last")[:1])
    last_filing = Subquery(Submission.objects.filter(subject=OuterRef("pk")).order_by().values("subject")
                           .annotate(last=Max("received_at")).values("last")[:1])
    return Coalesce(last_closure, last_filing, F("created_at"))


def subject_has_no_consent_records() -> Q:
    """A person with consent records stays until the consent ledger's own rule has removed them."""
    return ~Q(Exists(ConsentEvent.objects.filter(subject=OuterRef("pk")))) & \
        ~Q(Exists(ConsentState.objects.filter(subject=OuterRef("pk"))))


def subject_has_no_open_case() -> Q:
    return ~Q(Exists(Case.objects.open().filter(subject=OuterRef("pk")))) & \
        subject_has_no_consent_records()


def subject_has_no_request_left() -> Q:
    return ~Q(Exists(Submission.objects.filter(subject=OuterRef("pk")))) & \
        ~Q(Exists(Case.objects.filter(subject=OuterRef("pk")))) & subject_has_no_consent_records()


def submission_only_unverified() -> Q:
    """Never verified, and every case it has (if any) was closed unverified."""
    return Q(verified_at__isnull=True) & ~Q(Exists(
        Case.objects.filter(submission=OuterRef("pk")).exclude(status=Status.CLOSED_UNVERIFIED)))


SUBMISSION_PERSONAL = {
    "agent_name": "", "agent_email": "", "authorization_document": "", "details": "",
    "correction_wrong": "", "correction_right": "", "clinic_name": "",
    # The identity given with the filing (name, residence), kept apart from the subject until confirmed.
    "filed_identity": {},
}
# Anonymized when the text fields are blank (they are blanked together with the filed identity).
SUBMISSION_ANONYMIZED = Q(**{name: value for name, value in SUBMISSION_PERSONAL.items() if name != "filed_identity"})
SUBJECT_PERSONAL = {"email": "", "email_hash": "", "full_name": "", "phone": "", "erased_at": timezone.now}
SUBJECT_ANONYMIZED = Q(erased_at__isnull=False)

# --- Privacy request records: 24 months after the response (CCPA regulations §7101) ----------------
register(
    "requests.timeline_event", model=TimelineEvent, category=REQUEST_RECORDS, order=10,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "case__received_at"},
    subject="case__subject", case="case",
    anonymize={"summary": ""}, anonymized=Q(summary=""),
)
register(
    # What consumers confirmed directly (declaration, agent's authority): the typed name is personal data.
    "compliance.consumer_confirmation", model=ConsumerConfirmation, category=REQUEST_RECORDS, order=12,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "requested_at"},
    subject="case__subject", case="case",
    anonymize={"signed_name": ""}, anonymized=Q(signed_name=""),
)
register(
    # Files the requester sent in the conversation: part of the request records, removed with the case.
    "requests.thread_attachment", model=ThreadAttachment, category=REQUEST_RECORDS, order=11,
    dates={Event.CASE_CLOSURE: "message__case__closed_at", Event.COLLECTION: "created_at"},
    subject="message__case__subject", case="message__case", files=["file"],
)
register(
    "requests.thread_message", model=ThreadMessage, category=REQUEST_RECORDS, order=12,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "created_at"},
    subject="case__subject", case="case",
    anonymize={"body": ""}, anonymized=Q(body=""),
)
register(
    "requests.message", model=Message, category=REQUEST_RECORDS, order=20,
    dates={Event.CASE_CLOSURE: message_closed_at, Event.COLLECTION: "created_at"},
    scope=lambda: Q(stream=Message.Stream.REQUEST) & message_submission_has_no_open_case(),
    subject="data_subject", case="submission__cases",
    anonymize={"to_email": "", "subject": "", "body_text": "", "body_html": ""}, anonymized=Q(to_email=""),
)
register(
    "requests.case", model=Case, category=REQUEST_RECORDS, order=30,
    dates={Event.CASE_CLOSURE: "closed_at", Event.COLLECTION: "received_at", Event.LAST_ACTIVITY: "updated_at"},
    subject="subject", case="pk", reference="reference",
    anonymize={"outcome_summary": "", "extension_reason": ""},
    anonymized=Q(outcome_summary="", extension_reason=""),
)
register(
    "requests.submission", model=Submission, category=REQUEST_RECORDS, order=40,
    dates={Event.CASE_CLOSURE: submission_closed_at, Event.COLLECTION: "received_at"},
    scope=submission_has_no_open_case, subject="subject", case="cases",
    files=["authorization_document"],
    anonymize=SUBMISSION_PERSONAL, anonymized=SUBMISSION_ANONYMIZED,
)
register(
    "requests.data_subject", model=DataSubject, category=REQUEST_RECORDS, order=50,
    dates={Event.CASE_CLOSURE: subject_closed_at, Event.COLLECTION: "created_at", Event.LAST_ACTIVITY: "updated_at"},
    scope=subject_has_no_open_case, subject="pk", case="cases",
    anonymize=SUBJECT_PERSONAL, anonymized=SUBJECT_ANONYMIZED,
    # Other apps' rows about the person (e.g. the consent ledger) must not vanish as a side effect:
    # a subject something still points at is left in place and reported.
    cascade=False,
)

# --- Verification tokens: a short life after they are issued ---------------------------------------
register(
    "requests.verification_token", model=VerificationToken, category="verification_tokens",
    dates={Event.COLLECTION: "created_at", Event.LAST_ACTIVITY: "expires_at"},
    subject="submission__subject", case="submission__cases",
)

# --- Unverified requests: closed because the requester never verified -------------------------------
register(
    "requests.unverified_case", model=Case, category=UNVERIFIED, order=10,
    dates={Event.CASE_CLOSURE: "closed_at", Event.COLLECTION: "received_at"},
    scope=Q(status=Status.CLOSED_UNVERIFIED), subject="subject", case="pk", reference="reference",
)
register(
    "requests.unverified_submission", model=Submission, category=UNVERIFIED, order=20,
    dates={Event.CASE_CLOSURE: submission_closed_at, Event.COLLECTION: "received_at"},
    scope=submission_only_unverified, subject="subject", case="cases", files=["authorization_document"],
)
register(
    "requests.unverified_data_subject", model=DataSubject, category=UNVERIFIED, order=30,
    # A subject left with no request at all once their unverified ones are gone.
    dates={Event.CASE_CLOSURE: "created_at", Event.COLLECTION: "created_at"},
    scope=subject_has_no_request_left, subject="pk", case="cases", cascade=False,
)

# --- Authorization documents (agents' signed permissions): the file goes once the cases close --------
register(
    "requests.authorization_document", model=Submission, category="authorization_documents",
    dates={Event.CASE_CLOSURE: submission_closed_at, Event.COLLECTION: "received_at"},
    scope=lambda: ~Q(authorization_document="") & submission_has_no_open_case(),
    subject="subject", case="cases", files=["authorization_document"],
    anonymize={"authorization_document": ""}, anonymized=Q(authorization_document=""),
)

# --- Fulfilment: access packages, task results and evidence ------------------------------------------
register(
    "requests.access_package", model="fulfilment.AccessPackage", category="access_packages",
    dates={Event.COLLECTION: "created_at", Event.DELIVERY: "delivered_at"},
    subject="case__subject", case="case", files=["file"],
)
register(
    # What systems reported (data found) and the files they sent: part of the request records.
    "requests.task_evidence", model="fulfilment.TaskEvidence", category=REQUEST_RECORDS, order=15,
    dates={Event.CASE_CLOSURE: "task__case__closed_at", Event.COLLECTION: "created_at"},
    subject="task__case__subject", case="task__case", files=["file"],
)
register(
    "requests.fulfilment_task_result", model="fulfilment.FulfilmentTask", category=REQUEST_RECORDS, order=16,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "created_at"},
    subject="case__subject", case="case",
    anonymize={"result": {}, "notes": ""}, anonymized=Q(result={}, notes=""),
)
