"""The risk-assessment register in the admin: processing activities, assessments with their status and due
dates, approval, material changes, new revisions and the annual CPPA submission. Thin: every write is a service.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from assessments import rules, selectors, services
from assessments.models import MaterialChange, ProcessingActivity, ReviewReminder, RiskAssessment
from medprivacy import clock
from medprivacy.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin
from retention.categories import CATEGORIES

PEOPLE_HELP = _("One per line: name | position")
REVIEWERS_HELP = _("One per line: name | position | date of review (YYYY-MM-DD)")


def _people_text(rows, *, dated: bool) -> str:
    lines = []
    for row in rows or []:
        parts = [row.get("name", ""), row.get("position", "")] + ([row.get("on", "")] if dated else [])
        lines.append(" | ".join(str(p) for p in parts))
    return "\n".join(lines)


def _parse_people(text: str, *, dated: bool) -> list[dict[str, str]]:
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        row = {"name": parts[0], "position": parts[1] if len(parts) > 1 else ""}
        if dated:
            day = parts[2] if len(parts) > 2 else ""
            try:
                row["on"] = dt.date.fromisoformat(day).isoformat()
            except ValueError:
                raise forms.ValidationError(_("Line %(n)s: give the date of the review as YYYY-MM-DD."),
                                            params={"n": number}) from None
        people.append(row)
    return people


class RiskAssessmentForm(forms.ModelForm):
    triggers = forms.MultipleChoiceField(choices=rules.TRIGGER_CHOICES, widget=forms.CheckboxSelectMultiple,
                                         required=False, label=_("Why an assessment is required (§7150(b))"))
    categories = forms.MultipleChoiceField(choices=[(c.code, c.label) for c in CATEGORIES.values()],
                                           widget=forms.CheckboxSelectMultiple, required=False,
                                           label=_("Categories of personal information"))
    retention_by_category = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Retention per category"),
        help_text=_("One per line: category code | how long, or the criteria"))
    contributors = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                   label=_("Contributors"), help_text=PEOPLE_HELP)
    reviewers = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                label=_("Reviewers"), help_text=REVIEWERS_HELP)

    class Meta:
        model = RiskAssessment
        fields = ["processing", "systems", "triggers", "purpose", "categories", "minimum_necessary", "sources",
                  "collection_method", "retention_by_category", "consumers_approx", "recipients", "admt_logic",
                  "admt_assumptions", "admt_limitations", "admt_output", "admt_output_use", "benefits",
                  "negative_impacts", "safeguards", "will_proceed", "contributors", "reviewers"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["retention_by_category"] = "\n".join(
                f"{code} | {text}" for code, text in (self.instance.retention_by_category or {}).items())
            self.initial["contributors"] = _people_text(self.instance.contributors, dated=False)
            self.initial["reviewers"] = _people_text(self.instance.reviewers, dated=True)

    def clean(self):
        cleaned = super().clean()
        processing = cleaned.get("processing")
        if self.instance.pk is None and processing is not None and processing.assessments.exists():
            self.add_error("processing", _("This processing already has an assessment: open its approved "
                                           "revision and start a new revision."))
        return cleaned

    def clean_retention_by_category(self) -> dict[str, str]:
        result = {}
        for line in self.cleaned_data["retention_by_category"].splitlines():
            if line.strip():
                code, _sep, text = (p.strip() for p in line.partition("|"))
                if code not in CATEGORIES:
                    raise forms.ValidationError(_("Unknown category code %(code)s."), params={"code": code})
                result[code] = text
        return result

    def clean_contributors(self) -> list[dict[str, str]]:
        return _parse_people(self.cleaned_data["contributors"], dated=False)

    def clean_reviewers(self) -> list[dict[str, str]]:
        return _parse_people(self.cleaned_data["reviewers"], dated=True)


class ApproveForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Your name"))
    position = forms.CharField(max_length=200, label=_("Your position"))


class MaterialChangeForm(forms.Form):
    changed_on = forms.DateField(label=_("Day the processing changed"), help_text="YYYY-MM-DD")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("What changed"))


class SubmissionForm(forms.Form):
    year = forms.IntegerField(min_value=rules.FIRST_SUBMISSION_YEAR, max_value=2100, label=_("Due on 1 April of"))


class ProcessingActivityForm(forms.ModelForm):
    class Meta:
        model = ProcessingActivity
        fields = ["name", "description", "started_on", "ended_on", "owner"]

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The processing cannot end before it started."))
        return cleaned


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(ScopedHistoryAdmin):
    form = ProcessingActivityForm
    list_display = ["name", "started_on", "ended_on", "owner"]
    list_select_related = ["owner"]
    search_fields = ["name"]
    fields = ["name", "description", "started_on", "ended_on", "owner"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        values = {name: form.cleaned_data[name] for name in self.fields}
        try:
            if change:
                saved = services.processing_activity_update(activity=obj, actor=request.user,
                                                            reason="Changed in the admin", **values)
            else:
                saved = services.processing_activity_create(actor=request.user, **values)
        except services.AssessmentError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk


class MaterialChangeInline(admin.TabularInline):
    model = MaterialChange
    fields = ["changed_on", "description", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ScopedHistoryAdmin):
    form = RiskAssessmentForm
    change_form_template = "admin/assessments/riskassessment/change_form.html"
    change_list_template = "admin/assessments/riskassessment/change_list.html"
    inlines = [MaterialChangeInline]
    list_display = ["__str__", "status", "review_due_on", "review_due_kind", "approved_on", "approver_name",
                    "owner"]
    list_filter = ["status", "review_due_kind", "processing"]
    list_select_related = ["processing", "processing__owner"]
    search_fields = ["processing__name", "purpose"]
    filter_horizontal = ["systems"]
    approval_fields = ["revision", "status", "approved_on", "approver_name", "approver_position", "superseded_at",
                       "review_due_on", "review_due_kind", "retain_from"]
    actions = ["approve_action", "material_change_action"]

    def get_queryset(self, request):
        return selectors.assessments_list()

    @admin.display(description=_("Owner"), ordering="processing__owner__username")
    def owner(self, obj: RiskAssessment) -> str:
        return str(obj.processing.owner or "—")

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": RiskAssessmentForm.Meta.fields}),
                (_("Approval and due dates"), {"fields": self.approval_fields})]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:  # approved or superseded: never edited in place
            return [*RiskAssessmentForm.Meta.fields, *self.approval_fields]
        return ["processing", *self.approval_fields] if obj is not None else self.approval_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.is_editable:  # approved or superseded: shown, never edited in place
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        elements = {name: form.cleaned_data[name] for name in services.ELEMENT_FIELDS if name in form.cleaned_data}
        systems = form.cleaned_data.get("systems")
        try:
            if change:
                saved = services.risk_assessment_update(assessment=obj, actor=request.user, systems=systems,
                                                        reason="Changed in the admin", **elements)
            else:
                saved = services.risk_assessment_create(processing=form.cleaned_data["processing"],
                                                        actor=request.user, systems=systems, **elements)
        except services.AssessmentError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change) -> None:
        """The services set the systems (no `save_m2m`); the read-only inline saves nothing."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_approve": request.user.has_perm(services.APPROVE_PERMISSION),
                         "can_change": self.has_change_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("<int:pk>/approve/", view(self.approve_view), name="assessments_riskassessment_approve"),
            path("<int:pk>/material-change/", view(self.material_change_view),
                 name="assessments_riskassessment_material_change"),
            path("<int:pk>/revise/", view(self.revise_view), name="assessments_riskassessment_revise"),
            path("submission/", view(self.submission_view), name="assessments_riskassessment_submission"),
        ]
        return own + super().get_urls()

    # -- one-object flows -------------------------------------------------------------------------------

    def _change_url(self, obj: RiskAssessment) -> str:
        return reverse("admin:assessments_riskassessment_change", args=[obj.pk])

    def _form_page(self, request, obj, form, title: str, submit: str) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": obj,
                   "title": title, "form": form, "submit_label": submit,
                   "missing": rules.missing_elements(services.assessment_facts(obj))
                   if submit == _("Approve") else []}
        return TemplateResponse(request, "admin/assessments/riskassessment/step_form.html", context)

    def approve_view(self, request: HttpRequest, pk: int):
        if not request.user.has_perm(services.APPROVE_PERMISSION):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        initial = {"name": request.user.get_full_name() or request.user.get_username()}
        form = ApproveForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                obj = services.risk_assessment_approve(assessment=obj, approver=request.user,
                                                       name=form.cleaned_data["name"],
                                                       position=form.cleaned_data["position"])
            except services.AssessmentError as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(self._change_url(obj))
            self.log_change(request, obj, "Approved")
            messages.success(request, _("Approved %(obj)s; next review due %(due)s.")
                             % {"obj": obj, "due": obj.review_due_on})
            return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(request, obj, form, _("Approve %(obj)s") % {"obj": obj}, _("Approve"))

    def material_change_view(self, request: HttpRequest, pk: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        form = MaterialChangeForm(request.POST or None, initial={"changed_on": clock.office_today()})
        if request.method == "POST" and form.is_valid():
            try:
                services.material_change_record(assessment=obj, actor=request.user, **form.cleaned_data)
            except services.AssessmentError as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(self._change_url(obj))
            obj.refresh_from_db()
            self.log_change(request, obj, "Material change recorded")
            messages.success(request, _("Material change recorded; the assessment must be updated by %(due)s.")
                             % {"due": obj.review_due_on})
            return HttpResponseRedirect(self._change_url(obj))
        return self._form_page(request, obj, form, _("Record a material change to %(obj)s") % {"obj": obj},
                               _("Record"))

    def revise_view(self, request: HttpRequest, pk: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            draft = services.risk_assessment_revise(assessment=obj, actor=request.user)
        except services.AssessmentError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(self._change_url(obj))
        self.log_addition(request, draft, f"New revision of {obj}")
        messages.success(request, _("Started %(obj)s as a draft.") % {"obj": draft})
        return HttpResponseRedirect(self._change_url(draft))

    def submission_view(self, request: HttpRequest):
        if not self.has_view_permission(request):
            raise PermissionDenied
        default_year = rules.next_submission_year(clock.office_today())
        form = SubmissionForm(request.GET or {"year": default_year})
        summary = selectors.submission_summary(year=form.cleaned_data["year"]) if form.is_valid() else None
        download = request.GET.get("download")
        if summary is not None and download in ("json", "txt"):
            body = summary.as_json() if download == "json" else summary.as_text()
            content_type = "application/json" if download == "json" else "text/plain; charset=utf-8"
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = (f'attachment; filename="cppa-risk-assessment-submission-'
                                               f'{summary.due_on.isoformat()}.{download}"')
            return response
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "summary": summary, "trigger_rows": [(rules.TRIGGERS[c].label, n) for c, n in
                                                         (summary.per_trigger.items() if summary else [])],
                   "title": _("Annual risk-assessment submission to the CPPA")}
        return TemplateResponse(request, "admin/assessments/riskassessment/submission.html", context)

    # -- list actions: they open the one-object flow ----------------------------------------------------

    def _one_selected(self, request, queryset, name: str):
        if queryset.count() != 1:
            messages.error(request, _("Select exactly one assessment."))
            return None
        return HttpResponseRedirect(reverse(f"admin:assessments_riskassessment_{name}", args=[queryset.get().pk]))

    @admin.action(description=_("Approve the selected assessment…"), permissions=["approve"])
    def approve_action(self, request, queryset):
        return self._one_selected(request, queryset, "approve")

    @admin.action(description=_("Record a material change…"), permissions=["change"])
    def material_change_action(self, request, queryset):
        return self._one_selected(request, queryset, "material_change")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(services.APPROVE_PERMISSION)


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "kind", "due_on", "state", "attempts", "sent_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["assessment__processing"]
    exclude = ["recipients", "claim_token"]


@admin.register(MaterialChange)
class MaterialChangeAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "changed_on", "recorded_by", "recorded_at"]
    list_select_related = ["assessment__processing", "recorded_by"]
