"""Read-only admin of the scheduler's records: job runs (audit, never edited)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from medprivacy.admin_base import ReadOnlyAdmin
from medprivacy.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "started_at", "finished_at", "duration", "items_handled", "errors_count",
                    "error_summary")
    list_filter = ("name", "status")
    date_hierarchy = "started_at"
    readonly_fields = ("name", "status", "started_at", "finished_at", "items_handled", "errors_count",
                       "error_summary")

    @admin.display(description=_("Duration (s)"))
    def duration(self, obj: JobRun) -> str:
        seconds = obj.duration_seconds
        return gettext("running") if seconds is None else f"{seconds:.1f}"
