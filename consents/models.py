"""Records of consent: purposes, the notice text shown, the append-only ledger and the current state.

The ledger (`ConsentEvent`) is the truth; `ConsentState` is a copy of the latest event per subject (or
browser) and purpose, written in the same transaction as the event under a row lock so both always agree.
Personal data lives on the ledger (truncated IP, user agent) and on the consent e-mails in the outbox;
purging a subject's ledger removes all of it, history rows included (`consents.services.consent_erase_subject`).
A completed erasure request instead records "erased" for every purpose, blanks the evidence fields and writes
a `Suppression` entry (`consents.services.consents_record_erasure`): opt-outs must survive the deletion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from subjects.models import DataSubject


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONSENT_WHERE_REQUIRED = "consent_where_required", _("Consent where the law requires it, otherwise notice and "
                                                          "opt-out")
    NOTICE_OPT_OUT = "notice_opt_out", _("Notice with a right to opt out")


class Default(models.TextChoices):
    OPT_IN = "opt_in", _("Opt-in (not permitted until the person agrees)")
    OPT_OUT = "opt_out", _("Opt-out (permitted until the person objects)")


class MinorRule(models.TextChoices):
    """How the age below which a parent must consent (or the person must opt in) is found."""

    NONE = "none", _("No age rule")
    DIGITAL_CONSENT_AGE = "digital_consent_age", _("Digital consent age of the country (GDPR Art. 8, COPPA)")
    SALE_OPT_IN_AGE = "sale_opt_in_age", _("CCPA under-16 opt-in for sale/sharing, else the digital consent age")


class Kind(models.TextChoices):
    GIVEN = "given", _("Consent given")
    REFUSED = "refused", _("Consent refused")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")
    OPTED_OUT = "opted_out", _("Opted out")
    EXPIRED = "expired", _("Consent expired")
    ERASED = "erased", _("Erased on request (not permitted)")


# Only a consent given and not since refused, withdrawn, opted out or expired permits the use.
PERMITTING_KINDS: frozenset[str] = frozenset({Kind.GIVEN})


class Source(models.TextChoices):
    PREFERENCE_CENTER = "preference_center", _("Preference center")
    PUBLIC_REQUEST = "public_request", _("Privacy request")
    OFFICER = "officer", _("Privacy officer")
    GPC = "gpc", _("Global Privacy Control signal")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class Purpose(models.Model):
    """A use of personal data that a person may agree to or refuse, with its defaults as data."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=120, help_text="Plain words shown to the person.")
    description = models.TextField(help_text="Plain words: what we do with the data for this purpose.")
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    lawful_basis_note = models.TextField(blank=True, help_text="Where the basis comes from (policy, law).")
    regime_defaults = models.JSONField(
        default=dict,
        help_text='Default when no choice is recorded, by regime: {"gdpr": "opt_in", "ccpa": "opt_out", '
                  '"default": "opt_out"}. "default" covers any regime not listed.',
    )
    minor_rule = models.CharField(max_length=30, choices=MinorRule.choices, default=MinorRule.NONE)
    request_rights = models.JSONField(
        default=list, blank=True,
        help_text='Privacy-request rights that stop this purpose, e.g. ["opt_out_sale_sharing"].',
    )
    honors_gpc = models.BooleanField(default=False, help_text="A Global Privacy Control signal opts out of it.")
    display_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "code"]

    def __str__(self) -> str:
        return self.label


class NoticeVersion(models.Model):
    """The exact text shown when consent for a purpose was asked; published versions never change."""

    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="notice_versions")
    version = models.PositiveIntegerField()
    text = models.TextField()
    effective_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="unique_notice_version"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose.code} v{self.version}"


class ConsentEvent(models.Model):
    """One entry of the append-only ledger. Order is the id: a later id is a later decision."""

    subject = models.ForeignKey(DataSubject, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="consent_events")
    browser_id = models.CharField(max_length=64, blank=True,
                                  help_text="First-party cookie id, for browser-only events (GPC).")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=30, choices=Source.choices)
    notice_version = models.ForeignKey(NoticeVersion, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="events")
    user_agent = models.CharField(max_length=300, blank=True)
    ip_prefix = models.CharField(max_length=50, blank=True, help_text="IP truncated to /24 (IPv4) or /48 (IPv6).")
    dsr_reference = models.CharField(max_length=20, blank=True, db_index=True,
                                     help_text="The privacy request that caused it, if any.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        permissions = [("view_all_consents", "Can view every person's consent ledger and proof")]
        indexes = [
            models.Index(fields=["subject", "purpose", "id"], name="consent_event_subject"),
            models.Index(fields=["browser_id", "purpose", "id"], name="consent_event_browser",
                         condition=~Q(browser_id="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject__isnull=False) & Q(browser_id="")) | (Q(subject__isnull=True) & ~Q(browser_id="")),
                name="consent_event_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent event #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        # The ledger is append-only: a stored event is never rewritten (only an erasure blanks its evidence).
        if self.pk is not None and not self._state.adding:
            raise ValueError("Consent events are append-only")
        super().save(*args, **kwargs)


class ConsentState(models.Model):
    """The latest ledger event per subject (or browser) and purpose, kept for fast answers."""

    subject = models.ForeignKey(DataSubject, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="consent_states")
    browser_id = models.CharField(max_length=64, blank=True)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="states")
    # Blank only inside the transaction that creates the row, before its first event is written.
    state = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    last_event = models.ForeignKey(ConsentEvent, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_event"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "purpose"], condition=Q(subject__isnull=False),
                                    name="unique_consent_state_subject"),
            models.UniqueConstraint(fields=["browser_id", "purpose"], condition=~Q(browser_id=""),
                                    name="unique_consent_state_browser"),
        ]

    def __str__(self) -> str:
        return f"Consent state #{self.pk}"

    @property
    def permitted(self) -> bool:
        return self.state in PERMITTING_KINDS


class ApiToken(models.Model):
    """A bearer token for the read-only consent API. Only the SHA-256 of the token is stored."""

    name = models.CharField(max_length=100, unique=True, help_text="Which system uses it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="First characters, to recognize it.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return self.name


class Suppression(models.Model):
    """An erased person's marker: a keyed hash of their normalised e-mail address, never the address.

    Written when an erasure completes, so the consent API answers "not permitted, erased" for the address
    and marketing systems do not add the person again (their ledger may be purged later; this stays).
    """

    email_hash = models.CharField(max_length=64, unique=True, help_text="HMAC-SHA256 of the normalised address.")
    dsr_reference = models.CharField(max_length=20, blank=True, help_text="The erasure request that wrote it.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Suppression #{self.pk}"
