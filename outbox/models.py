"""The outbox: every e-mail the portal sends to a person, stored exactly as rendered before it is sent,
and the editable templates they are rendered from.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


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
    """One e-mail to a person, stored exactly as rendered before it is sent: to a requester about their
    requests (with the submission it belongs to), or to anyone about their consents.

    Delivery is at least once. A message gets its RFC 5322 `Message-ID` when it is created and keeps it
    across every attempt; it is sent as the header, so a copy sent twice (a worker killed after the mail
    server accepted it, before the row was marked sent) is recognisable by any receiving system. Due work is
    found through `next_attempt_at` (queued: when the retry sweep takes over from the immediate task;
    sending: when the claim goes stale; failed: the next retry; sent or given up: none).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Stream(models.TextChoices):
        REQUEST = "request", "Privacy request"
        CONSENT = "consent", "Consents"

    data_subject = models.ForeignKey("subjects.DataSubject", on_delete=models.CASCADE, related_name="messages")
    submission = models.ForeignKey("requests_app.Submission", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="messages", help_text="The filing a request message is about.")
    stream = models.CharField(max_length=20, choices=Stream.choices, default=Stream.REQUEST)
    template_key = models.CharField(max_length=60)
    to_email = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers (e.g. List-Unsubscribe).")
    message_id = models.CharField(max_length=255, unique=True, editable=False,
                                  help_text="RFC 5322 Message-ID, fixed at creation and sent with every attempt.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, help_text="Exception class name only.")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The retry sweep scans only the few rows still to send.
            models.Index(fields=["next_attempt_at"], name="message_due_work",
                         condition=Q(next_attempt_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} #{self.pk}"
