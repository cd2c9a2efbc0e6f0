"""The outbox: every e-mail the portal sends to a person, stored exactly as rendered before it is sent,
and the editable templates they are rendered from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from medprivacy.languages import DEFAULT_LANGUAGE, language_choices
from medprivacy.mail import MailCopyStorage


class MessageTemplate(models.Model):
    """An editable message to people (Django template syntax) in one language, seeded with defaults.

    One row per (key, language); the English row is the one every language falls back to (docs/messages.md).
    """

    key = models.SlugField(max_length=60)
    language = models.CharField(max_length=8, choices=language_choices, default=DEFAULT_LANGUAGE)
    description = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, help_text="Optional; the text body is always sent too.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="message_template_key_language")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


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
    language = models.CharField(max_length=8, choices=language_choices, default=DEFAULT_LANGUAGE,
                                help_text="The language of the template it was rendered from.")
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
    mail_copy = models.FileField(storage=MailCopyStorage(), blank=True, max_length=200,
                                 help_text="The copy the embedded file backend wrote (deleted with the message).")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The retry sweep scans only the few rows still to send.
            models.Index(fields=["next_attempt_at"], name="message_due_work",
                         condition=Q(next_attempt_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.template_key} #{self.pk}"


class ThreadMessage(models.Model):
    """One message of a case's conversation with its requester, exactly as it was sent or received.

    Officers' messages are the text of the outbox message that carried them (linked in `email`); replies
    are what the requester wrote on the status page. Rows are written once and never changed, and have no
    history table: erasure and the retention schedule scrub the row itself.
    """

    class Direction(models.TextChoices):
        TO_REQUESTER = "to_requester", "To the requester"
        FROM_REQUESTER = "from_requester", "From the requester"

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="thread")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    body = models.TextField(help_text="Exactly as sent (officer) or received (requester).")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text="The officer who wrote it; empty for the requester.")
    template_key = models.CharField(max_length=60, blank=True)
    email = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="thread_messages", help_text="The e-mail that carried it.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="thread_case_created")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk} (case #{self.case_id})"

    @property
    def from_requester(self) -> bool:
        return self.direction == self.Direction.FROM_REQUESTER


class ThreadAttachment(models.Model):
    """A file the requester sent with a reply; private storage, served only to officers who may see the case."""

    message = models.ForeignKey(ThreadMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="thread/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Thread attachment #{self.pk}"
