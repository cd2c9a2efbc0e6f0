"""Fulfilment: the data map (systems), what each system must do for a case (tasks), their evidence and
webhook log, and the access packages requesters download.

Cases are referenced by app label: fulfilment sits below the case services that call it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from fulfilment.rules import ACTIONS, ERASURE_EXCEPTIONS, ROLES
from retention.categories import CATEGORIES


def _category_codes_valid(value: object) -> None:
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
                                    help_text='Retention targets, e.g. ["subjects.DataSubject"].')
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

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="fulfilment_tasks")
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

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="access_packages")
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
