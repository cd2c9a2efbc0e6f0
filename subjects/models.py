"""The data subject: the person a privacy request or a consent is about.

Every app depends on this one and it depends on none of them. Personal fields live here, where an
erasure or the retention schedule can scrub them together with their history rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def email_digest(email: str | None) -> str:
    """Return the keyed hash of a normalized e-mail address ("" for none): the key is
    MEDPRIVACY_SUBJECT_HASH_KEY, or one derived from the secret key when that is empty."""
    normalized = (email or "").strip().lower()
    if not normalized:
        return ""
    key = settings.MEDPRIVACY_SUBJECT_HASH_KEY or settings.SECRET_KEY
    return salted_hmac("medprivacy.subjects.email", normalized, secret=key, algorithm="sha256").hexdigest()


class Relationship(models.TextChoices):
    WEBSITE_VISITOR = "website_visitor", _("Website visitor")
    REGISTERED_USER = "registered_user", _("Registered user")
    CLINICIAN = "clinician", _("Clinician")
    ORGANIZATION_REPRESENTATIVE = "organization_representative", _("Organization representative")
    PATIENT = "patient", _("Patient (my data was submitted by a clinic)")


class DataSubject(models.Model):
    """The person a request is about. Every personal field of the portal's requests lives here."""

    email = models.EmailField(blank=True, db_index=True, help_text="Normalized (trimmed, lower-case).")
    email_hash = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False,
        help_text="Keyed hash (HMAC-SHA256) of the normalized address: what lookups by address match on. "
                  "Blanked with the address when the person is erased.")
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

    def save(self, *args, **kwargs) -> None:
        # A derived column, kept in step with the address it hashes (empty address: empty hash).
        self.email_hash = email_digest(self.email)
        if kwargs.get("update_fields") is not None and "email" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "email_hash"}
        super().save(*args, **kwargs)

    @property
    def masked_email(self) -> str:
        if not self.email:
            return "(erased)" if self.erased_at else ""
        local, _, domain = self.email.partition("@")
        return f"{local[:1]}***@{domain}"
