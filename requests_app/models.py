"""Records of privacy requests: who asked (data subject), what they filed (submission), one case per
right asked for, the append-only timeline and every message sent, and the editable message templates.

Personal data lives on `DataSubject`, `Submission` and `Message` only, where an erasure or the
retention schedule can scrub it together with their history rows; cases, timeline summaries and
history of cases carry references, not contents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from medprivacy.mail import MailCopyStorage
from requests_app.rules import REGIME_LABELS, REGIMES, RIGHT_LABELS, RIGHTS, VERIFICATION_LEVELS
from requests_app.workflow import OPEN, STATUS_LABELS, Status

REGIME_CHOICES = [(code, REGIME_LABELS[code]) for code in REGIMES]
RIGHT_CHOICES = [(code, RIGHT_LABELS[code]) for code in RIGHTS]
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in Status]
VERIFICATION_CHOICES = [(code, code.replace("_", " ")) for code in VERIFICATION_LEVELS]


class Relationship(models.TextChoices):
    WEBSITE_VISITOR = "website_visitor", "Website visitor"
    REGISTERED_USER = "registered_user", "Registered user"
    CLINICIAN = "clinician", "Clinician"
    ORGANIZATION_REPRESENTATIVE = "organization_representative", "Organization representative"
    PATIENT = "patient", "Patient (my data was submitted by a clinic)"


class Channel(models.TextChoices):
    WEB_FORM = "web_form", "Web form"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    AGENT = "agent", "Authorized agent"


class DataSubject(models.Model):
    """The person a request is about. Every personal field of the portal's requests lives here."""

    email = models.EmailField(blank=True, db_index=True, help_text="Normalized (trimmed, lower-case).")
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    relationship = models.CharField(max_length=40, choices=Relationship.choices,
                                    default=Relationship.WEBSITE_VISITOR)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 of residence.")
    subdivision = models.CharField(max_length=10, blank=True, help_text="US state or region code.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="unique_subject_email"),
        ]

    def __str__(self) -> str:
        return f"Data subject #{self.pk}"

    @property
    def masked_email(self) -> str:
        if not self.email:
            return "(erased)" if self.erased_at else ""
        local, _, domain = self.email.partition("@")
        return f"{local[:1]}***@{domain}"


class Submission(models.Model):
    """One filing (form, e-mail, phone, mail): its cases share one verification."""

    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="submissions")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB_FORM)
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
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Submission #{self.pk}"


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


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=[s.value for s in OPEN])


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
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="case_status_due")]
        permissions = [
            ("assign_case", "Can assign and reassign cases"),
            ("view_all_cases", "Can see every case"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return Status(self.status) in OPEN


class TimelineEvent(models.Model):
    """Append-only: what happened to a case, when, and who did it."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received"
        VERIFICATION_SENT = "verification_sent", "Verification sent"
        VERIFIED = "verified", "Verified"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        MESSAGE_SENT = "message_sent", "Message to requester"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        SHARED = "shared", "Shared"
        PAUSED = "paused", "Clock paused"
        RESUMED = "resumed", "Clock resumed"
        EXTENDED = "extended", "Extended"
        NOTE = "note", "Internal note"
        ATTACHMENT = "attachment", "File attached"
        DUPLICATE = "duplicate", "Linked duplicate"
        BACKDATED = "backdated", "Receipt date entered"
        CONSENT = "consent", "Consent recorded"
        REMINDER = "reminder", "Reminder"
        TASK = "task", "Fulfilment task"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=40, default="system", help_text="system, requester or officer")
    summary = models.TextField(blank=True)
    message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="events")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class MessageTemplate(models.Model):
    """An editable message to requesters (Django template syntax), seeded with defaults."""

    key = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, help_text="Optional; the text body is always sent too.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.key


class Message(models.Model):
    """A message to a requester, stored exactly as rendered before it is sent."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="messages")
    template_key = models.CharField(max_length=60)
    to_email = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    mail_copy = models.FileField(storage=MailCopyStorage(), blank=True, max_length=200,
                                 help_text="The copy the embedded file backend wrote (deleted with the message).")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.template_key} #{self.pk}"


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


# --- Fulfilment: data map, per-case tasks, access packages ---

from requests_app.fulfilment_rules import ACTIONS, CATEGORIES, ERASURE_EXCEPTIONS, ROLES  # noqa: E402


def _category_codes_valid(value: object) -> None:
    from django.core.exceptions import ValidationError

    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give a list of category codes.")
    unknown = sorted(set(value) - set(CATEGORIES))
    if unknown:
        raise ValidationError(f"Unknown data categories: {', '.join(unknown)}")


class System(models.Model):
    """One place personal data lives (data map): our own application or an external service provider."""

    class Access(models.TextChoices):
        MANUAL = "manual", "Manual (a task for its owner)"
        WEBHOOK = "webhook", "Webhook (signed HTTPS request)"
        DJANGO_MODEL = "django_model", "Django model in this deployment"

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=20, choices=list(ROLES.items()), default="internal")
    categories = models.JSONField(default=list, blank=True, validators=[_category_codes_valid],
                                  help_text="Data category codes it holds (policy §2).")
    purposes = models.TextField(blank=True, help_text="Why it holds the data (policy §3).")
    retention = models.TextField(blank=True, help_text="How long it keeps the data (policy §5).")
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="owned_systems")
    owner_group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="owned_systems")
    access_method = models.CharField(max_length=20, choices=Access.choices, default=Access.MANUAL)
    webhook_url = models.URLField(blank=True, max_length=500)
    webhook_secret = models.CharField(max_length=128, blank=True,
                                      help_text="Shared HMAC secret; shown masked.")
    model_labels = models.JSONField(default=list, blank=True,
                                    help_text='Retention targets, e.g. ["requests_app.DataSubject"].')
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["webhook_secret"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_secret(self) -> str:
        return f"{self.webhook_secret[:4]}…({len(self.webhook_secret)} chars)" if self.webhook_secret else ""


class FulfilmentTaskQuerySet(models.QuerySet):
    def blocking(self) -> FulfilmentTaskQuerySet:
        """Tasks that keep their case from completing: open or failed, not overridden by a supervisor."""
        return self.filter(state__in=[FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED],
                           overridden_at__isnull=True)


class FulfilmentTask(models.Model):
    """What one system must do for one case (find, export, correct, delete, notify, stop selling/sharing)."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_FOUND = "not_found", "Not found"
        FAILED = "failed", "Failed"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="fulfilment_tasks")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="tasks")
    action = models.CharField(max_length=30, choices=list(ACTIONS.items()))
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    state_reason = models.TextField(blank=True, help_text="Why it is not applicable or failed.")
    exception = models.CharField(max_length=30, blank=True, choices=list(ERASURE_EXCEPTIONS.items()),
                                 help_text="For an erasure: the exception under which data is kept.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="fulfilment_tasks")
    due_on = models.DateField(help_text="Inside the case's deadline.")
    notes = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What the system reported (data found etc.).")
    request_id = models.CharField(max_length=64, unique=True, help_text="Sent to the system; its callback "
                                                                        "must carry it.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                           help_text="When the retry sweep sends the webhook next.")
    last_error = models.CharField(max_length=200, blank=True)
    awaiting_callback_since = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FulfilmentTaskQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["result"])

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "system", "action"], name="unique_task_per_case_system_action"),
        ]

    def __str__(self) -> str:
        return f"{self.system} — {self.get_action_display()} ({self.case_id})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class TaskEvidence(models.Model):
    """A file proving what a system did (uploaded by its owner or sent in a webhook result). Private storage."""

    task = models.ForeignKey(FulfilmentTask, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="fulfilment/evidence/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=20, default="officer", help_text="officer or webhook")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evidence #{self.pk} of task #{self.task_id}"


class WebhookLog(models.Model):
    """Every webhook request sent and callback received: ids, outcomes and status codes, never contents."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Request to the system"
        CALLBACK = "callback", "Callback from the system"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Result received"
        ACCEPTED = "accepted", "Accepted; result will follow"
        ERROR = "error", "Error"
        BAD_SIGNATURE = "bad_signature", "Refused: bad signature"
        STALE = "stale", "Refused: timestamp outside tolerance"
        REPLAY = "replay", "Refused: replayed"
        UNKNOWN_REQUEST = "unknown_request", "Refused: unknown request id"
        CLOSED = "closed", "Refused: task no longer open"
        INVALID = "invalid", "Refused: invalid body"

    task = models.ForeignKey(FulfilmentTask, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="webhook_log")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    signature_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            # A callback signature is honoured once: a second use is a replay.
            models.UniqueConstraint(fields=["signature_sha256"], name="unique_used_callback_signature",
                                    condition=Q(direction="callback", outcome="completed")),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.outcome} (task #{self.task_id})"


class AccessPackage(models.Model):
    """A zip of the data found for an access or portability case, downloadable by the requester for a while."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_packages")
    file = models.FileField(upload_to="fulfilment/packages/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expires_at = models.DateTimeField(db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], condition=Q(deleted_at__isnull=True),
                                name="package_live_expiry")]

    def __str__(self) -> str:
        return f"Access package #{self.pk} ({self.case_id})"


class PackageDownload(models.Model):
    """One download of a package by its requester (after re-confirming their e-mail)."""

    package = models.ForeignKey(AccessPackage, on_delete=models.CASCADE, related_name="downloads")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Download of package #{self.package_id} at {self.at:%Y-%m-%d %H:%M}"
