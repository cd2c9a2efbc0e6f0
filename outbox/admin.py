"""Admin of the outbox: the editable message templates (with their history)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from compliance.template_check import template_problems
from medprivacy.admin_base import ScopedHistoryAdmin
from outbox import services
from outbox.models import MessageTemplate


class MessageTemplateForm(forms.ModelForm):
    """Refuse a template that leaves out a statement the rules require for its kind of message."""

    class Meta:
        model = MessageTemplate
        fields = ("description", "subject", "body_text", "body_html")

    def clean(self):
        cleaned = super().clean()
        problems = template_problems(key=self.instance.key, body_text=cleaned.get("body_text", ""),
                                     body_html=cleaned.get("body_html", ""))
        if problems:
            raise ValidationError(problems)
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ScopedHistoryAdmin):
    form = MessageTemplateForm
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
