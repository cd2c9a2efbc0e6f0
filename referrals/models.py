"""A patient's request forwarded to the clinic that controls the data, tracked until the clinic answers.

The company is the clinic's processor / business associate (RULES.md §1): it forwards the request and tracks
it on the law's clock instead of answering it itself. The case stays open ("forwarded, awaiting controller");
this row holds what is particular to the forwarding: to whom, when, when to chase the clinic next, and the
clinic's answer. No personal data: the request's contents stay on the submission and the messages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ControllerAnswer(models.TextChoices):
    COMPLIED = "complied", "The clinic answered the request"
    REFUSED = "refused", "The clinic refused the request"


class Referral(models.Model):
    """One case forwarded to one controller organization."""

    case = models.OneToOneField("requests_app.Case", on_delete=models.CASCADE, related_name="referral")
    organization = models.ForeignKey("requests_app.ControllerOrganization", on_delete=models.PROTECT,
                                     related_name="referrals")
    forwarded_at = models.DateTimeField(default=timezone.now)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    next_chase_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the clinic is reminded next if it has not answered (none once it answered).")
    chase_count = models.PositiveIntegerField(default=0)
    last_chased_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=20, choices=ControllerAnswer.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["forwarded_at", "pk"]
        indexes = [
            # The chase sweep reads only the referrals still waiting for the clinic.
            models.Index(fields=["next_chase_at"], name="referral_chase_due",
                         condition=Q(answered_at__isnull=True, next_chase_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Referral of case #{self.case_id} to {self.organization}"
