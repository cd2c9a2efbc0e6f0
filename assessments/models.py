"""The risk-assessment register (11 CCR §7150–7157): processing activities, their assessments (revisions),
material changes and the review reminders sent about them.

Written only through `assessments.services`. An approved assessment is never edited: a new revision
(a draft copied from it) is approved and supersedes it. The rules (triggers, elements, due dates) live in
`assessments/rules.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.rules import DueKind


class ProcessingActivity(models.Model):
    """The processing one or more assessments cover: what is done, since when, until when, whose it is."""

    name = models.CharField(max_length=200, unique=True,
                            help_text=_("What the processing is, e.g. \"AI triage of chest X-rays\"."))
    description = models.TextField(blank=True)
    started_on = models.DateField(null=True, blank=True,
                                  help_text=_("When the processing started or will start. Begun before 2026: "
                                            "assessed by 2027-12-31."))
    ended_on = models.DateField(null=True, blank=True,
                                help_text=_("When the processing ended (empty while it continues)."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_processing_activities",
                              help_text=_("The officer who keeps its assessment up to date and gets its reminders."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")

    def __str__(self) -> str:
        return self.name


class RiskAssessment(models.Model):
    """One revision of the risk assessment of a processing activity, with every element §7152 requires."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SUPERSEDED = "superseded", _("Superseded")

    processing = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="assessments")
    revision = models.PositiveIntegerField(default=1, editable=False)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="superseded_by", editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    systems = models.ManyToManyField("fulfilment.System", blank=True, related_name="risk_assessments",
                                     help_text=_("The systems of the data map that carry out the processing."))
    # §7150(b): why an assessment is required.
    triggers = models.JSONField(default=list, blank=True,
                                help_text=_("Trigger codes of 11 CCR §7150(b), listed in assessments/rules.py."))
    # §7152(a)(1)-(2)
    purpose = models.TextField(blank=True, help_text=_("The specific purpose, not generic terms (§7152(a)(1))."))
    categories = models.JSONField(default=list, blank=True,
                                  help_text=_("Category codes of personal information (retention/categories.py)."))
    minimum_necessary = models.TextField(blank=True, help_text=_("Why these categories are the minimum necessary."))
    # §7152(a)(3): operational elements.
    sources = models.TextField(blank=True)
    collection_method = models.TextField(blank=True, help_text=_("How the information is collected, used, disclosed."))
    retention_by_category = models.JSONField(default=dict, blank=True,
                                             help_text=_("Category code → retention period or its criteria."))
    consumers_approx = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text=_("Approximate number of consumers affected."))
    recipients = models.TextField(blank=True, help_text=_("Service providers, contractors, third parties, and why."))
    admt_logic = models.TextField(blank=True, help_text=_("ADMT: its logic, including key parameters."))
    admt_assumptions = models.TextField(blank=True)
    admt_limitations = models.TextField(blank=True)
    admt_output = models.TextField(blank=True)
    admt_output_use = models.TextField(blank=True, help_text=_("ADMT: how the output is used in the decision."))
    # §7152(a)(4)-(7)
    benefits = models.TextField(blank=True)
    negative_impacts = models.TextField(blank=True)
    safeguards = models.TextField(blank=True)
    will_proceed = models.BooleanField(null=True, blank=True, help_text=_("Whether the business will initiate "
                                                                        "the processing."))
    # §7152(a)(8)-(9): [{"name": ..., "position": ...}], reviewers with "on": "YYYY-MM-DD".
    contributors = models.JSONField(default=list, blank=True)
    reviewers = models.JSONField(default=list, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_on = models.DateField(null=True, blank=True, editable=False,
                                   help_text=_("The approval day in the officers' zone (the §7152(a)(9) date)."))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", editable=False)
    approver_name = models.CharField(max_length=200, blank=True, editable=False)
    approver_position = models.CharField(max_length=200, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Maintained by the services: when the current revision is next due and why, and when its reminder is
    # due (NULL once claimed, for a superseded revision or ended processing). The sweep reads only this.
    review_due_on = models.DateField(null=True, blank=True, editable=False)
    review_due_kind = models.CharField(max_length=30, choices=DueKind.CHOICES, blank=True, editable=False)
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Maintained by the services: the retention period (60 months) runs from here; NULL while the
    # processing continues (kept, §7155(c)).
    retain_from = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["processing__name", "-revision"]
        verbose_name = _("risk assessment")
        permissions = [("approve_riskassessment", _("Can approve risk assessments"))]
        constraints = [
            models.UniqueConstraint(fields=["processing", "revision"], name="assessment_revision_unique"),
            models.UniqueConstraint(fields=["processing"], condition=Q(status="draft"),
                                    name="assessment_one_draft_per_processing"),
            models.UniqueConstraint(fields=["processing"], condition=Q(status="approved"),
                                    name="assessment_one_approved_per_processing"),
        ]
        indexes = [
            models.Index(fields=["next_reminder_at"], name="assessment_reminder_due",
                         condition=Q(next_reminder_at__isnull=False)),
            models.Index(fields=["review_due_on"], name="assessment_review_due"),
        ]

    def __str__(self) -> str:
        return f"{self.processing.name}, revision {self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class MaterialChange(models.Model):
    """A material change to the processing of an approved assessment: it must be updated within 45 days."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="material_changes")
    changed_on = models.DateField(help_text=_("The day the processing changed."))
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["changed_on", "pk"]

    def __str__(self) -> str:
        return f"Material change of {self.changed_on.isoformat()}"


class ReviewReminder(models.Model):
    """One reminder e-mail about one due date of one assessment, claimed once by its unique key.

    The sweep inserts the row (assessment, kind, due date) before anything is sent; a second or concurrent
    sweep inserts nothing. Delivery claims rows by compare-and-set (pending or failed → sending) and retries
    a failed send with backoff; a claim left by a killed worker goes stale and is taken over.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (State.PENDING, State.SENDING, State.FAILED)

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=DueKind.CHOICES)
    due_on = models.DateField()
    recipients = models.TextField(help_text=_("Staff addresses, comma-separated, fixed when it was claimed."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, help_text=_("Exception class name only."))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind", "due_on"], name="assessment_reminder_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="assessment_reminder_work",
                         condition=Q(state__in=["pending", "sending", "failed"])),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on.isoformat()}"
