"""Admin of the outbox: the editable message templates (with their history)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from outbox import services
from outbox.models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("key", "description", "subject", "updated_at")
    search_fields = ("key", "subject")
    readonly_fields = ("key", "updated_at")
    fields = ("key", "description", "subject", "body_text", "body_html", "updated_at")

    def changelist_view(self, request, extra_context=None):
        services.templates_seed()  # every template the services send is listed, ready to edit
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False  # the services send fixed keys; the rows are seeded from outbox.defaults

    def has_delete_permission(self, request, obj=None):
        return False
