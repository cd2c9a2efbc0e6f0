"""Data Rights Protocol records: registered agents, the requests they filed, used signatures, status callbacks.

Personal data (the identity claims, the revocation reason) lives on `DrpRequest` only, which is deleted
with its submission by the retention schedule (CASCADE), and has no history table. Callbacks carry the
status object, which holds ids, dates and URLs, never claims.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Agent(models.Model):
    """An authorized agent a supervisor registered, with its Ed25519 verify key and its pairwise bearer token."""

    agent_id = models.CharField("agent id", max_length=100, unique=True,
                                help_text="The agent's id in the DRP network, e.g. CR_AA_DRP_ID_001.")
    name = models.CharField(max_length=200, blank=True, help_text="Shown to officers.")
    verify_key = models.CharField(max_length=100, help_text="Ed25519 verify key, base64 (32 bytes).")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False,
                                  help_text="SHA-256 of the bearer token issued at pairwise setup.")
    token_prefix = models.CharField(max_length=8, blank=True, editable=False)
    token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["agent_id"]
        verbose_name = "DRP agent"

    def __str__(self) -> str:
        return self.name or self.agent_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DrpRequest(models.Model):
    """One DRP exercise request and the submission and case the intake made of it."""

    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="requests")
    agent_request_id = models.CharField(max_length=200, blank=True)
    exercise = models.CharField(max_length=40)
    regime = models.CharField(max_length=20, blank=True, help_text="As the agent sent it (ccpa, voluntary).")
    drp_version = models.CharField(max_length=20, blank=True)
    relationships = models.JSONField(default=list, blank=True)
    status_callback = models.URLField(max_length=500, blank=True)
    claims = models.JSONField(default=dict, blank=True, help_text="Identity claims as the agent sent them.")
    submission = models.ForeignKey("requests_app.Submission", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="drp_requests")
    case = models.OneToOneField("requests_app.Case", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="drp_request")
    # Set when the request was answered without a case (an exercise the portal does not act on).
    refusal = models.TextField(blank=True)
    refusal_reason = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    last_reported = models.JSONField(default=dict, blank=True, editable=False,
                                     help_text="The status object the agent was last given (answer or callback).")

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "DRP request"

    def __str__(self) -> str:
        return f"DRP {self.request_id}"


class UsedSignature(models.Model):
    """A signed message already accepted; the same signature again is a replay. Kept until it expires."""

    signature_sha256 = models.CharField(max_length=64, unique=True)
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Signature {self.signature_sha256[:12]}…"


class Callback(models.Model):
    """One status object to POST to an agent's status_callback, delivered once with retries.

    Delivery claims the row by compare-and-set and finds due work through `next_attempt_at` (pending and
    failed: when to try; sending: when the claim goes stale; delivered, superseded, given up: none).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed; will retry"
        SUPERSEDED = "superseded", "Superseded by a newer status"
        GIVEN_UP = "given_up", "Given up"

    drp_request = models.ForeignKey(DrpRequest, on_delete=models.CASCADE, related_name="callbacks")
    url = models.URLField(max_length=500)
    payload = models.JSONField(help_text="The status object as it was when the status changed.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "DRP status callback"
        indexes = [
            models.Index(fields=["next_attempt_at"], name="drp_callback_due_work",
                         condition=Q(state__in=["pending", "sending", "failed"])),
        ]

    def __str__(self) -> str:
        return f"Callback #{self.pk} ({self.get_state_display()})"


class CallbackAttempt(models.Model):
    """One POST of a callback: when, the HTTP status or the error class, how long it took."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=20, blank=True, help_text="task (first attempt) or sweep")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of callback #{self.callback_id}"

