"""Records of privacy requests: what a data subject filed (submission), one case per right asked for,
verification tokens, the officers' object permissions and attachments, controllers, staff reminders.

Personal data lives on `DataSubject` (subjects), `Submission` and the outbox's `Message` only, where an
erasure or the retention schedule can scrub it together with their history rows; cases, timeline summaries
and history of cases carry references, not contents.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, models
from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from compliance.rules import OUTCOMES
from medprivacy.languages import DEFAULT_LANGUAGE, language_choices
from regimes.rules import REGIME_LABELS, REGIMES, RIGHT_LABELS, RIGHTS, VERIFICATION_LEVELS
from requests_app import reminder_schedule
from requests_app.workflow import OPEN, OPEN_STATUSES, STATUS_LABELS, Status, disclosure_refusal
from subjects.models import DataSubject

# Labels from the rules table and the workflow, in the language of the page that shows them.
REGIME_CHOICES = [(code, gettext_lazy(REGIME_LABELS[code])) for code in REGIMES]
RIGHT_CHOICES = [(code, gettext_lazy(RIGHT_LABELS[code])) for code in RIGHTS]
STATUS_CHOICES = [(s.value, gettext_lazy(STATUS_LABELS[s])) for s in Status]
VERIFICATION_CHOICES = [(code, code.replace("_", " ")) for code in VERIFICATION_LEVELS]
OUTCOME_CHOICES = list(OUTCOMES.items())


class Channel(models.TextChoices):
    WEB_FORM = "web_form", "Web form"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    AGENT = "agent", "Authorized agent"


class Submission(models.Model):
    """One filing (form, e-mail, phone, mail): its cases share one verification."""

    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="submissions")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB_FORM)
    language = models.CharField(
        max_length=8, choices=language_choices, default=DEFAULT_LANGUAGE,
        help_text="The requester's language: the status page and every message about this request use it.")
    received_at = models.DateTimeField(default=timezone.now, help_text="When it reached an official channel (UTC).")
    is_agent = models.BooleanField(default=False, help_text="Filed by an authorized agent.")
    agent_name = models.CharField(max_length=200, blank=True)
    agent_email = models.EmailField(blank=True)
    authorization_document = models.FileField(upload_to="authorizations/%Y/%m/", blank=True)
    details = models.TextField(blank=True)
    correction_wrong = models.TextField(blank=True, help_text="For a correction: what is wrong.")
    correction_right = models.TextField(blank=True, help_text="For a correction: what it should be.")
    clinic_name = models.CharField(max_length=200, blank=True,
                                   help_text="For patients: the clinic or organization that submitted the data.")
    declaration_accepted = models.BooleanField(default=False)
    filed_identity = models.JSONField(
        default=dict, blank=True,
        help_text="The name, relationship and residence given with this filing. They reach the data subject only "
                  "once the person proves control of the address, or an officer with rights on all of the "
                  "person's cases confirms them.")
    identity_applied_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Submission #{self.pk}"

    @property
    def filed_name(self) -> str:
        return str(self.filed_identity.get("full_name", "")) if isinstance(self.filed_identity, dict) else ""


class VerificationToken(models.Model):
    """A single-use e-mail verification link. Only the SHA-256 of the token is stored."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="verification_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Verification token #{self.pk}"


class ReferenceCounter(models.Model):
    """The last case number handed out per year (DSR-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def open_rank() -> SqlCase:
    """0 for an open case, 1 for a closed one: the first key of the case list's default order.

    The same expression is indexed (`case_open_first`, with the due date and id), so PostgreSQL reads the
    first page of the list from that index instead of sorting every case. Open statuses are listed in
    sorted order so the SQL (and the index definition) never varies between processes.
    """
    return SqlCase(When(status__in=sorted(OPEN_STATUSES), then=Value(0)), default=Value(1),
                   output_field=IntegerField())


# The case list's default order: open cases first, nearest due date first (served by `case_open_first`).
CASE_LIST_ORDER = ("open_rank", "due_on", "pk")


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        """Cases not in a terminal status (workflow.OPEN_STATUSES: the one definition of open)."""
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """One right asked for under one regime, with its statutory dates."""

    reference = models.CharField(max_length=20, unique=True)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="cases")
    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="cases")
    right = models.CharField(max_length=40, choices=RIGHT_CHOICES)
    regime = models.CharField(max_length=20, choices=REGIME_CHOICES)
    status = models.CharField(max_length=30, choices=STATUS_CHOICES, default=Status.AWAITING_VERIFICATION.value,
                              db_index=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB_FORM)
    received_at = models.DateTimeField(help_text="When the request reached an official channel (UTC).")
    receipt_date = models.DateField(help_text="The receipt date in the regime's time zone; the clocks start here.")
    is_agent = models.BooleanField(default=False)
    is_patient = models.BooleanField(default=False, help_text="About data a clinic controls (we are its processor).")
    verification_level = models.CharField(max_length=30, choices=VERIFICATION_CHOICES, default="email")
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_method = models.CharField(max_length=100, blank=True)
    needs_officer_verification = models.BooleanField(
        default=False, help_text="The rules need more than e-mail confirmation; an officer must verify.")
    acknowledge_by = models.DateField(null=True, blank=True, db_index=True)
    respond_by = models.DateField(db_index=True)
    extended_respond_by = models.DateField(null=True, blank=True, db_index=True,
                                           help_text="The latest date an extension may reach (None: no extension).")
    due_on = models.DateField(db_index=True, help_text="The date the case is due now (respond-by, moved by "
                                                       "pauses or an extension).")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_cases")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates")
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome_summary = models.TextField(blank=True)
    denial_ground = models.CharField(max_length=60, blank=True)
    # Issue 15: what settled verification (a code of compliance.rules.EVIDENCE), the §7102 outcome, and the
    # decision an appeal is about.
    verification_evidence = models.CharField(max_length=40, blank=True)
    verification_scope = models.CharField(
        max_length=20, blank=True, help_text="'categories' when only categories may be disclosed (11 CCR §7024(a)).")
    outcome = models.CharField(max_length=30, blank=True, db_index=True, choices=OUTCOME_CHOICES,
                               help_text="How the case ended, as the §7102 metrics count it.")
    appeal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals",
                                  help_text="For an appeal: the decision appealed.")
    awaiting_reply_since = models.DateTimeField(
        null=True, blank=True, help_text="The requester wrote on the status page and no officer has answered yet.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="case_status_due"),
            # The case list's default order (open first, nearest due date first) read from an index.
            models.Index(open_rank(), F("due_on"), F("id"), name="case_open_first"),
            # Exact, case-insensitive search by reference (`reference__iexact` is UPPER(reference) = UPPER(%s)).
            models.Index(Upper("reference"), name="case_reference_upper"),
            # The "awaiting our reply" queue and its reminder sweep read only the few cases with a reply.
            models.Index(fields=["awaiting_reply_since"], name="case_awaiting_reply",
                         condition=Q(awaiting_reply_since__isnull=False)),
        ]
        permissions = [
            ("assign_case", "Can assign and reassign cases"),
            ("view_all_cases", "Can see every case"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        """Save, rescheduling the reminder sweep's next look from the inputs as they now are.

        Every write of a case by a service ends here (create, the audited write, intake's acknowledgement),
        so its `CaseReminderSchedule` follows every change of status, dates, assignee, acknowledgement or reply.
        """
        super().save(*args, **kwargs)
        CaseReminderSchedule.objects.store(case_id=self.pk, at=reminder_schedule.next_reminder_at(self))

    @property
    def is_open(self) -> bool:
        return Status(self.status) in OPEN

    @property
    def disclosure_refusal(self) -> str:
        """Why the requester may not be sent their data now, "" when they may (workflow.disclosure_refusal)."""
        return disclosure_refusal(self.status, officer_must_verify=self.needs_officer_verification)


class CaseReminderScheduleManager(models.Manager):
    def store(self, *, case_id: int, at: dt.datetime | None) -> None:
        """Set when the sweep next looks at one case, or forget it (None: a closed case)."""
        self.store_many([(case_id, at)])

    def store_many(self, changes: Sequence[tuple[int, dt.datetime | None]]) -> None:
        """Write (case id, next look) pairs set-based: one upsert for the instants, one delete for the Nones.

        On PostgreSQL the upsert is one statement whose one parameter is the rows as JSON text (no placeholder
        per row, and no array of thousands of values for the driver to quote element by element in Python);
        elsewhere bulk_create's upsert in batches.
        """
        upserts = [(pk, at) for pk, at in changes if at is not None]
        cleared = [pk for pk, at in changes if at is None]
        for start in range(0, len(cleared), SCHEDULE_CHUNK):
            self.filter(case_id__in=cleared[start:start + SCHEDULE_CHUNK]).delete()
        if not upserts:
            return
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_SCHEDULE_UPSERT_SQL, [json.dumps([{"id": pk, "at": at.isoformat()}
                                                                  for pk, at in upserts])])
            return
        self.bulk_create([self.model(case_id=pk, next_at=at) for pk, at in upserts], update_conflicts=True,
                         unique_fields=["case"], update_fields=["next_at"], batch_size=SCHEDULE_CHUNK)


SCHEDULE_CHUNK = 1000  # ids per IN (...) list or bulk statement: well inside SQLite's and PostgreSQL's limits
_SCHEDULE_UPSERT_SQL = """
INSERT INTO requests_app_casereminderschedule (case_id, next_at)
SELECT v.id, v.at FROM json_to_recordset(%s::json) AS v(id bigint, at timestamptz)
ON CONFLICT (case_id) DO UPDATE SET next_at = EXCLUDED.next_at
"""


class CaseReminderSchedule(models.Model):
    """When the reminder sweep must next look at an open case (healthchecks' `alert_after`).

    Set by `Case.save` from the reminder inputs (status, dates, assignee, acknowledgement, replies) and by the
    sweep after it claims (`services.reminders`); a closed case has no row. A narrow table of its own, so the
    sweep's rescheduling of thousands of cases updates small rows with two indexes, not the wide case row
    with all of its (benchmarks/README.md, P3). A schedule, not a state of the case: no history.
    """

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="reminder_schedule")
    next_at = models.DateTimeField()

    objects = CaseReminderScheduleManager()

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="case_reminder_next_at")]

    def __str__(self) -> str:
        return f"{self.case_id} at {self.next_at:%Y-%m-%d %H:%M}"



# ---------------------------------------------------------------------------------------------------------
# The officers' workbench: object permissions on cases, private attachments, controllers to redirect to
# ---------------------------------------------------------------------------------------------------------


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user permission on one case, with a real foreign key (indexed, joinable)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "case permission of a user"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's per-group permission on one case (a case shared with e.g. legal)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "case permission of a group"


class ControllerOrganization(models.Model):
    """A clinic or organization that controls patients' data; patient requests are redirected to it."""

    name = models.CharField(max_length=200, unique=True)
    privacy_email = models.EmailField(help_text="Where redirected requests are sent.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseAttachment(models.Model):
    """A file an officer attached to a case, kept in private storage and served only through the admin."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="case-attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"Attachment #{self.pk}"

class Reminder(models.Model):
    """One reminder or escalation e-mail to staff, claimed once by its unique key before it is sent.

    The key (case, kind, target_date) is written in the sweep's transaction; a second sweep, a retried
    task or a restarted worker inserts nothing for the same key, so it is never sent twice. Delivery
    claims rows by compare-and-set and finds due work through `next_attempt_at` (pending: now; sending:
    when the claim goes stale; failed: the next retry; sent/cancelled/given up: none).
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"
        ACKNOWLEDGE = "acknowledge", "Acknowledgement due"
        EXTENSION_NOTICE = "extension_notice", "Last day for an extension notice"
        UNASSIGNED = "unassigned", "Unassigned"
        UNASSIGNED_DUE = "unassigned_due", "Unassigned and due soon"
        ESCALATION = "escalation", "Overdue escalation"
        AWAITING_REQUESTER = "awaiting_requester", "Waiting for the requester"
        REQUESTER_REPLIED = "requester_replied", "The requester wrote"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled (case closed)"

    ACTIVE_STATES = (State.PENDING, State.SENDING, State.FAILED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    target_date = models.DateField(help_text="The day this reminder is for; part of its unique key.")
    due_date = models.DateField(help_text="The deadline the reminder is about.")
    recipients = models.TextField(help_text="Staff addresses, comma-separated, fixed when it was claimed.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, help_text="Exception class name only.")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "target_date"], name="unique_reminder_key"),
        ]
        indexes = [
            # Delivery scans only the few rows still to send.
            models.Index(fields=["next_attempt_at"], name="reminder_due_work",
                         condition=Q(state__in=["pending", "sending", "failed"])),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for case #{self.case_id} on {self.target_date.isoformat()}"


class ConsumerConfirmation(models.Model):
    """What the consumer confirms directly, through a single-use link (only the SHA-256 of the token is kept).

    A declaration under penalty of perjury (11 CCR §7062(c)) or that an authorized agent acts for them
    (§7063(a)(2)). The typed name is personal data: the retention schedule and erasure requests blank it
    (`retention_targets.py`); the table keeps no history rows.
    """

    class Kind(models.TextChoices):
        DECLARATION = "declaration", "Declaration under penalty of perjury (11 CCR §7062(c))"
        AGENT_AUTHORITY = "agent_authority", "Confirmation that the agent acts for them (11 CCR §7063(a)(2))"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="confirmations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(null=True, blank=True, help_text="The consumer's answer (None: not yet).")
    signed_name = models.CharField(max_length=200, blank=True)
    statement = models.TextField(blank=True, help_text="The exact text the consumer signed or confirmed.")

    class Meta:
        ordering = ["requested_at", "pk"]
        indexes = [models.Index(fields=["case", "kind"], name="confirmation_case_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for case #{self.case_id}"


class SavedCaseFilter(models.Model):
    """A case-list query an officer saved under a name ("My overdue erasures"); theirs alone.

    Only the list's filter parameters are kept (`services.saved_filters`): never a page number, and never an
    e-mail address searched for, so a saved filter holds no personal data of requesters.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="The case list's query string, without the page.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_saved_case_filter_name")]

    def __str__(self) -> str:
        return self.name
