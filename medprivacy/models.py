"""Project-wide records: one row for every run of every scheduled job (the audit of the scheduler).

A run left "running" by a killed worker is closed as abandoned by `jobs.job_runs_close_abandoned`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobRun(models.Model):
    """One run of one periodic job: when, how much it handled, and which errors (class names only)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with errors"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (its worker stopped)"

    name = models.CharField(max_length=80)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    items_handled = models.PositiveIntegerField(default=0)
    errors_count = models.PositiveIntegerField(default=0)
    error_summary = models.CharField(max_length=500, blank=True,
                                     help_text="Exception class names and counts; never personal data.")

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["name", "-started_at"], name="jobrun_name_started"),
            # The abandoned-run sweep reads only the few rows still running.
            models.Index(fields=["started_at"], name="jobrun_running", condition=Q(status="running")),
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
