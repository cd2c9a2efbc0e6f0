"""Models of the Retention app: the data categories, the retention schedule (rules), legal holds, and
the audited purge runs with their per-rule, per-target progress.

Nothing here stores personal data: purge runs and review flags keep primary keys, case references,
counts and error class names only.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Event(models.TextChoices):
    """What a retention period runs from. Each registered target says which of its dates is which."""

    COLLECTION = "collection", "Collection"
    RELATIONSHIP_END = "relationship_end", "End of the relationship"
    CASE_CLOSURE = "case_closure", "Case closure (the response)"
    LAST_ACTIVITY = "last_activity", "Last activity"
    PROJECT_COMPLETION = "project_completion", "Project completion"
    DELIVERY = "delivery", "Delivery (of an export)"


class Action(models.TextChoices):
    DELETE = "delete", "Delete"
    ANONYMIZE = "anonymize", "Anonymize"
    FLAG_FOR_REVIEW = "flag_for_review", "Flag for review"


class PeriodUnit(models.TextChoices):
    DAYS = "days", "days"
    MONTHS = "months", "months"


class DataCategory(models.Model):
    """A kind of personal data the company keeps (policy §2) or the portal keeps about requests."""

    class Source(models.TextChoices):
        VISITORS_AND_USERS = "visitors_users", "Policy §2(a): website visitors and registered users"
        PATIENTS = "patients", "Policy §2(b): patients (submitted by registered users)"
        CLINICIANS = "clinicians", "Policy §2(c): clinicians and organizations"
        PORTAL = "portal", "The privacy portal's own records"
        OTHER = "other", "Other"

    code = models.SlugField(max_length=60, unique=True,
                            help_text="Stable code used by retention targets (retention_targets.py).")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.OTHER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "name"]
        verbose_name_plural = "data categories"

    def __str__(self) -> str:
        return self.name


class RetentionRule(models.Model):
    """How long a category is kept, from which event, and what happens at the end."""

    category = models.ForeignKey(DataCategory, on_delete=models.PROTECT, related_name="rules")
    period = models.PositiveIntegerField(help_text="How many units after the event (0: at once).")
    period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.MONTHS)
    event = models.CharField(max_length=30, choices=Event.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    legal_basis = models.TextField(help_text="Why this period, in words (statute, contract, policy section).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["category__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category"], condition=Q(is_active=True),
                                    name="one_active_rule_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.get_action_display().lower()} {self.period_label} after " \
               f"{self.get_event_display().lower()}"

    @property
    def period_label(self) -> str:
        return f"{self.period} {self.get_period_unit_display()}"

    def cutoff(self, as_of: dt.datetime) -> dt.datetime:
        """Return the instant a row's event must be at or before to be due at `as_of`."""
        if self.period_unit == PeriodUnit.MONTHS:
            return as_of - relativedelta(months=self.period)
        return as_of - dt.timedelta(days=self.period)


class LegalHoldQuerySet(models.QuerySet):
    def active(self, at: dt.datetime | None = None) -> LegalHoldQuerySet:
        at = at or timezone.now()
        return self.filter(released_at__isnull=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at))


class LegalHold(models.Model):
    """Keep everything of a subject, a case or a whole category, whatever the schedule says."""

    class Scope(models.TextChoices):
        SUBJECT = "subject", "Data subject"
        CASE = "case", "Case"
        CATEGORY = "category", "Data category"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    # SET_NULL: once a hold is released and the record later purged, the hold stays as an audit record
    # (with `target_label`) instead of blocking the purge.
    subject = models.ForeignKey("subjects.DataSubject", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="legal_holds")
    case = models.ForeignKey("requests_app.Case", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="legal_holds")
    category = models.ForeignKey(DataCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="legal_holds")
    target_label = models.CharField(max_length=120, editable=False,
                                    help_text="What is held, without personal data (e.g. the case reference).")
    reason = models.TextField(help_text="Litigation, investigation or request behind the hold.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Optional: the hold lapses at this instant.")
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LegalHoldQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return f"Legal hold #{self.pk} on {self.target_label}"

    def is_active_at(self, at: dt.datetime) -> bool:
        return (self.released_at is None and self.starts_at <= at
                and (self.ends_at is None or self.ends_at > at))


class PurgeRun(models.Model):
    """One pass of the schedule: a dry run (report only) or a live run (deletes, anonymizes, flags)."""

    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", "Dry run"
        LIVE = "live", "Live"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        APPROVED = "approved", "Approved (queued)"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule (beat)"
        ADMIN = "admin", "Supervisor (admin)"
        COMMAND = "command", "Command"

    mode = models.CharField(max_length=10, choices=Mode.choices)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    as_of = models.DateTimeField(help_text="Every cutoff is computed from this instant, so a resumed run "
                                           "purges exactly what the first attempt would have.")
    batch_size = models.PositiveIntegerField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times execution started (resumes).")
    errors = models.TextField(blank=True, help_text="Error class names and primary keys only.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("run_purge", "Can start purge runs (dry or live)"),
            ("approve_purge", "Can approve a live purge run"),
        ]

    def __str__(self) -> str:
        return f"Purge run #{self.pk} ({self.get_mode_display().lower()})"

    @property
    def is_live(self) -> bool:
        return self.mode == self.Mode.LIVE


class PurgeRunItem(models.Model):
    """One rule applied to one registered target within a run, with its checkpoint and counts.

    The rule's period, event and action are copied so the report says what ran even after the rule
    is edited, and so a resumed run keeps the same cutoff.
    """

    run = models.ForeignKey(PurgeRun, on_delete=models.CASCADE, related_name="items")
    rule = models.ForeignKey(RetentionRule, null=True, on_delete=models.SET_NULL, related_name="+")
    category_code = models.CharField(max_length=60)
    target = models.CharField(max_length=100, help_text="The registered target's name.")
    order = models.PositiveIntegerField(default=0)
    event = models.CharField(max_length=30, choices=Event.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    period = models.PositiveIntegerField()
    period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices)
    cutoff = models.DateTimeField()
    due = models.PositiveIntegerField(default=0, help_text="Rows past their period when planned (not held).")
    sample_refs = models.JSONField(default=list, blank=True, help_text="Primary keys or references, never "
                                                                       "personal data.")
    skipped_for_hold = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    anonymized = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    last_pk = models.BigIntegerField(null=True, blank=True, help_text="Checkpoint: the last primary key done.")
    done = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    longest_batch_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rule", "target"], name="one_item_per_rule_target"),
        ]

    def __str__(self) -> str:
        return f"{self.category_code} / {self.target}"


class ReviewFlag(models.Model):
    """A row a rule with the action "flag for review" found past its period; a supervisor decides."""

    rule = models.ForeignKey(RetentionRule, on_delete=models.CASCADE, related_name="review_flags")
    target = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    reference = models.CharField(max_length=60, help_text="Primary key or reference, never personal data.")
    run = models.ForeignKey(PurgeRun, null=True, on_delete=models.SET_NULL, related_name="review_flags")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "target", "object_id"], name="one_flag_per_row_and_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.reference}"
