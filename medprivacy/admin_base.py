"""Admin building blocks shared by every app."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from medprivacy.history_display import history_changes


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records written only by services: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, with its history pages scoped like the change page, oldest first and in words.

    simple-history falls back to the newest history row when the object is not in `get_queryset()` (meant
    for deleted objects), which would show a record outside the user's scope through its history. Here an
    object the user's queryset does not hold has no history page (404), whatever its history holds.
    """

    def _require_in_scope(self, request: HttpRequest, object_id: str) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            raise Http404("No such record")

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # Oldest first, like the case timeline and the conversation (docs/workbench.md: one direction).
        return super().get_history_queryset(request, history_manager, pk_name, object_id).order_by(
            "history_date", "history_id")

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Give each record its changes against the one before it (oldest first here), in words: people by
        name, choices by label (`medprivacy.history_display`)."""
        records = list(historical_records)
        pairs = list(zip(records[1:], records, strict=False))  # (newer, older)
        for (newer, _older), words in zip(pairs, history_changes(pairs, model=self.model), strict=True):
            newer.history_delta_changes = words

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
