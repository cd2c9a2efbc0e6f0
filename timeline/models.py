"""The case timeline: the append-only audit trail every app writes to.

It sits below the apps that write it: a case and a message are referenced by app label, never imported,
so fulfilment, the outbox and the case services all record events without importing each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=40, default="system", help_text="system, requester or officer")
    summary = models.TextField(blank=True)
    message = models.ForeignKey("outbox.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="events")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
