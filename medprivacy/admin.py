"""Read-only admin of the scheduler's records: job runs and staff reminders (audit, never edited)."""

from __future__ import annotations

from django.contrib import admin

from medprivacy.admin_base import ReadOnlyAdmin
from medprivacy.models import JobRun
from requests_app.models import Reminder


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "started_at", "finished_at", "duration", "items_handled", "errors_count",
                    "error_summary")
    list_filter = ("name", "status")
    date_hierarchy = "started_at"
    readonly_fields = ("name", "status", "started_at", "finished_at", "items_handled", "errors_count",
                       "error_summary")

    @admin.display(description="Duration (s)")
    def duration(self, obj: JobRun) -> str:
        seconds = obj.duration_seconds
        return "running" if seconds is None else f"{seconds:.1f}"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "target_date", "due_date", "state", "attempts", "sent_at", "last_error")
    list_filter = ("kind", "state")
    list_select_related = ("case",)
    search_fields = ("case__reference",)
    date_hierarchy = "target_date"
    readonly_fields = ("case", "kind", "target_date", "due_date", "recipients", "state", "attempts", "created_at",
                       "claimed_at", "next_attempt_at", "sent_at", "last_error")
    exclude = ("claim_token",)
