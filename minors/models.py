"""What the company knows of a person's age, and the authorizations parents gave for a child's opt-in.

Both hold personal data: they belong to the data subject (deleted with them) and sit under the consent ledger's
retention rule (`minors/retention_targets.py`). Rows are never edited: a new statement is a new row, so no
history table keeps copies an erasure would have to find.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AgeSource(models.TextChoices):
    REQUEST = "request", "Given on a privacy request"
    CONSENT = "consent", "Given with a consent choice"
    OFFICER = "officer", "Recorded by an officer"


class AgeStatement(models.Model):
    """A birth date, or an age on a given day, that someone stated about the data subject."""

    subject = models.ForeignKey("subjects.DataSubject", on_delete=models.CASCADE, related_name="age_statements")
    birth_date = models.DateField(null=True, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Age in years on `stated_on`.")
    stated_on = models.DateField()
    source = models.CharField(max_length=20, choices=AgeSource.choices)
    dsr_reference = models.CharField(max_length=20, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(birth_date__isnull=False) | Q(age__isnull=False),
                                   name="age_statement_has_birth_date_or_age"),
        ]

    def __str__(self) -> str:
        return f"Age statement #{self.pk} of subject #{self.subject_id}"


class ParentalAuthorization(models.Model):
    """A parent's or guardian's authorization of a child's opt-in to one purpose (CCPA §1798.120(c))."""

    subject = models.ForeignKey("subjects.DataSubject", on_delete=models.CASCADE,
                                related_name="parental_authorizations")
    purpose = models.ForeignKey("consents.Purpose", on_delete=models.PROTECT, related_name="+")
    guardian_name = models.CharField(max_length=200)
    guardian_email = models.EmailField(blank=True)
    method = models.CharField(max_length=200, help_text="How the parent's identity and authority were verified "
                                                         "(11 CCR §7070(b)).")
    authorized_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-authorized_at", "-pk"]

    def __str__(self) -> str:
        return f"Parental authorization #{self.pk} of subject #{self.subject_id}"
