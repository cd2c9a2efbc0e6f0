"""Read-only admin of the audit chain and its checkpoints (written only by services)."""

from __future__ import annotations

from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEntry
from medprivacy.admin_base import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "at", "kind", "object_type", "object_id", "case_id", "actor_id", "entry_hash")
    list_filter = ("kind",)
    search_fields = ("=object_id", "=case_id", "=entry_hash")
    readonly_fields = ("sequence", "at", "kind", "object_type", "object_id", "case_id", "actor_id", "facts",
                       "content_digest", "previous_hash", "entry_hash")


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("at", "sequence", "entry_hash", "verified", "problem", "sent_to")
    list_filter = ("verified",)
    readonly_fields = list_display
