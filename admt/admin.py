"""Admin of the AI register: automated systems, their versioned pre-use notices, clinics' instructions and the
ADMT access responses. Thin: every write goes through `admt.services`; case records are scoped to the
officer's cases; the register needs the model permissions (view/add/change), publishing its own permission.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from admt import services
from admt.models import AdmtAccessResponse, AutomatedSystem, ClinicInstruction, PreUseNotice
from fulfilment.rules import CATEGORY_CHOICES
from medprivacy import access
from medprivacy.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin
from subjects.models import Relationship


class AutomatedSystemForm(forms.ModelForm):
    input_categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple, required=False,
        label=_("Categories of information that affect its output"))
    relationships = forms.MultipleChoiceField(choices=Relationship.choices, widget=forms.CheckboxSelectMultiple,
                                              label=_("People it processes"))

    class Meta:
        model = AutomatedSystem
        fields = ["system", "public_name", "specific_purpose", "significant_decision", "decision_kind",
                  "input_categories", "relationships", "logic", "output", "output_use", "human_role",
                  "human_can_interpret", "human_reviews_other_information", "human_can_change_decision",
                  "exception", "company_role", "clinic", "recipients", "alternative_process", "future_uses",
                  "withheld_ground", "withheld_reason", "is_active"]


@admin.register(AutomatedSystem)
class AutomatedSystemAdmin(SimpleHistoryAdmin):
    form = AutomatedSystemForm
    list_display = ["public_name", "system", "decision_kind", "admt_label", "exception", "company_role", "clinic",
                    "is_active"]
    list_filter = ["significant_decision", "decision_kind", "exception", "company_role", "is_active"]
    search_fields = ["public_name", "system__name", "specific_purpose"]
    list_select_related = ["system", "clinic"]
    filter_horizontal = ["recipients"]

    @admin.display(description=_("ADMT (§7001(e))"), boolean=True)
    def admt_label(self, obj: AutomatedSystem) -> bool:
        return obj.is_admt

    def save_model(self, request: HttpRequest, obj: AutomatedSystem, form, change: bool) -> None:
        try:
            services.automated_system_save(automated_system=obj, actor=request.user,
                                           reason="Changed in the admin" if change else "Added in the admin")
        except services.AdmtError as exc:
            raise ValidationError(str(exc)) from exc


class PreUseNoticeForm(forms.ModelForm):
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 16}), label=_("Notice text"),
                           help_text=_("Leave empty on a new version to start from the register entry."))

    class Meta:
        model = PreUseNotice
        fields = ["automated_system", "title", "body"]


@admin.register(PreUseNotice)
class PreUseNoticeAdmin(SimpleHistoryAdmin):
    form = PreUseNoticeForm
    list_display = ["automated_system", "version", "title", "published_at", "public_link"]
    list_filter = ["automated_system"]
    list_select_related = ["automated_system"]
    actions = ["publish"]

    def get_readonly_fields(self, request: HttpRequest, obj: PreUseNotice | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["automated_system", "version", "published_at", "published_by", "public_link"]
        return [*fixed, "title", "body"] if obj.is_published else fixed

    def get_fields(self, request: HttpRequest, obj: PreUseNotice | None = None) -> list[str]:
        if obj is None:
            return ["automated_system", "title", "body"]
        return ["automated_system", "version", "title", "body", "published_at", "published_by", "public_link"]

    def has_delete_permission(self, request: HttpRequest, obj: PreUseNotice | None = None) -> bool:
        return False  # versions are the record of what people were told

    def has_change_permission(self, request: HttpRequest, obj: PreUseNotice | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False  # published: never edited, a new version instead
        return super().has_change_permission(request, obj)

    @admin.display(description=_("Public page"))
    def public_link(self, obj: PreUseNotice) -> str:
        if not obj.is_published:
            return "—"
        return format_html('<a href="/automated-decisions/{}/v{}/">{}</a>', obj.automated_system_id, obj.version,
                           _("view"))

    def save_model(self, request: HttpRequest, obj: PreUseNotice, form, change: bool) -> None:
        try:
            if change:
                saved = services.notice_edit(notice=obj, actor=request.user, title=form.cleaned_data["title"],
                                             body=form.cleaned_data["body"])
            else:
                saved = services.notice_draft_create(automated_system=form.cleaned_data["automated_system"],
                                                     actor=request.user, title=form.cleaned_data["title"],
                                                     body=form.cleaned_data["body"])
        except services.AdmtError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = saved.pk

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[PreUseNotice]) -> None:
        if not request.user.has_perm("admt.publish_preusenotice"):
            raise PermissionDenied("Publishing a pre-use notice needs the 'Can publish a pre-use notice' permission")
        done = refused = 0
        for notice in queryset:
            try:
                services.notice_publish(notice=notice, actor=request.user)
                done += 1
            except services.AdmtError as exc:
                refused += 1
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"{done} notice(s) published, {refused} refused.")


class ClinicInstructionForm(forms.ModelForm):
    class Meta:
        model = ClinicInstruction
        fields = ["instruction", "instruction_note"]

    def clean(self) -> dict:
        data = super().clean()
        if "instruction" in self.fields and not data.get("instruction"):
            self.add_error("instruction", _("Choose the clinic's instruction."))
        return data


@admin.register(ClinicInstruction)
class ClinicInstructionAdmin(ScopedHistoryAdmin):
    form = ClinicInstructionForm
    list_display = ["case", "clinic", "automated_system", "due_on", "instruction", "instruction_received_at"]
    list_filter = ["instruction", "clinic"]
    list_select_related = ["case", "clinic", "automated_system"]
    fields = ["case", "clinic", "automated_system", "task", "forwarded_at", "due_on", "instruction",
              "instruction_note", "instruction_received_at", "recorded_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClinicInstruction]:
        return access.scope_to_cases(super().get_queryset(request), user=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: ClinicInstruction | None = None) -> list[str]:
        fixed = ["case", "clinic", "automated_system", "task", "forwarded_at", "due_on", "instruction_received_at",
                 "recorded_by"]
        if obj is not None and obj.instruction_received_at is not None:
            return [*fixed, "instruction", "instruction_note"]
        return fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClinicInstruction | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClinicInstruction | None = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return access.case_can_change(user=request.user, dsr=obj.case)

    def save_model(self, request: HttpRequest, obj: ClinicInstruction, form, change: bool) -> None:
        services.clinic_instruction_record(forwarding=obj, actor=request.user,
                                           instruction=form.cleaned_data["instruction"],
                                           note=form.cleaned_data.get("instruction_note", ""))


@admin.register(AdmtAccessResponse)
class AdmtAccessResponseAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at", "created_by"]
    list_select_related = ["case", "created_by"]
    fields = ["case", "body", "withheld", "created_at", "created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AdmtAccessResponse]:
        return access.scope_to_cases(super().get_queryset(request), user=request.user)
