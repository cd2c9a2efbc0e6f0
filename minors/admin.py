"""Officers record an age someone told them and a parent's verified authorization; rows are never edited."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext

from minors import services
from minors.models import AgeSource, AgeStatement, ParentalAuthorization


class AgeStatementForm(forms.ModelForm):
    class Meta:
        model = AgeStatement
        fields = ["subject", "birth_date", "age", "dsr_reference"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("birth_date") and cleaned.get("age") is None:
            raise ValidationError(gettext("Give a date of birth or an age."))
        return cleaned


@admin.register(AgeStatement)
class AgeStatementAdmin(admin.ModelAdmin):
    form = AgeStatementForm
    list_display = ["subject", "source", "stated_on", "dsr_reference", "created_at"]
    list_filter = ["source"]
    list_select_related = ["subject"]
    raw_id_fields = ["subject"]
    search_fields = ["dsr_reference"]

    def save_model(self, request: HttpRequest, obj: AgeStatement, form, change: bool) -> None:
        data = form.cleaned_data
        saved = services.age_statement_record(subject=data["subject"], birth_date=data.get("birth_date"),
                                              age=data.get("age"), source=AgeSource.OFFICER,
                                              dsr_reference=data.get("dsr_reference", ""), actor=request.user)
        obj.pk = saved.pk

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


@admin.register(ParentalAuthorization)
class ParentalAuthorizationAdmin(admin.ModelAdmin):
    fields = ["subject", "purpose", "guardian_name", "guardian_email", "method"]
    list_display = ["subject", "purpose", "authorized_at", "revoked_at"]
    list_select_related = ["subject", "purpose"]
    raw_id_fields = ["subject"]

    def save_model(self, request: HttpRequest, obj: ParentalAuthorization, form, change: bool) -> None:
        data = form.cleaned_data
        saved = services.parental_authorization_record(
            subject=data["subject"], purpose=data["purpose"], guardian_name=data["guardian_name"],
            guardian_email=data.get("guardian_email", ""), method=data["method"], actor=request.user)
        obj.pk = saved.pk

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)
