"""What the requester confirms directly: a declaration under penalty of perjury, or an agent's authority.

Each row is one single-use link sent to the consumer (only the SHA-256 of its token is stored) and, once
answered, what they answered. The typed name is personal data: the retention schedule and erasure requests
blank it (`requests_app/retention_targets.py`), and the table keeps no history rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ConsumerConfirmation(models.Model):
    """One thing asked of the consumer directly, through a signed single-use link."""

    class Kind(models.TextChoices):
        DECLARATION = "declaration", "Declaration under penalty of perjury (11 CCR §7062(c))"
        AGENT_AUTHORITY = "agent_authority", "Confirmation that the agent acts for them (11 CCR §7063(a)(2))"

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="confirmations")
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
