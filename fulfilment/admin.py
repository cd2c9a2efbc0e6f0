"""Admin of fulfilment: the data map (systems), per-case tasks and access packages. Thin: querysets are
scoped by the officer's cases, every write goes through the fulfilment services."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from fulfilment import services as fulfilment
from fulfilment.models import AccessPackage, FulfilmentTask, System, TaskEvidence
from fulfilment.rules import CATEGORY_CHOICES, ERASURE_EXCEPTIONS
from medprivacy import access
from medprivacy.admin_base import ReadOnlyAdmin


class SystemForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(choices=[(code, _(label)) for code, label in CATEGORY_CHOICES],
                                           widget=forms.CheckboxSelectMultiple,
                                           required=False)
    new_webhook_secret = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), label=_("New webhook secret"),
        help_text=_("Leave blank to keep the current secret; tick 'generate' for a random one."))
    webhook_url = forms.URLField(required=False, assume_scheme="https", max_length=500)
    generate_secret = forms.BooleanField(required=False, label=_("Generate a new random secret"))
    model_labels_text = forms.CharField(required=False, label=_("Retention targets / model labels"),
                                        help_text=_("One per line, e.g. subjects.DataSubject"),
                                        widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = System
        fields = ["name", "description", "role", "categories", "purposes", "retention", "owner_user",
                  "owner_group", "access_method", "webhook_url", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["model_labels_text"].initial = "\n".join(self.instance.model_labels)

    def clean(self) -> dict:
        data = super().clean()
        labels = [line.strip() for line in data.get("model_labels_text", "").splitlines() if line.strip()]
        secret = "x" * 48 if data.get("generate_secret") else (
            data.get("new_webhook_secret") or self.instance.webhook_secret)
        problems = fulfilment.system_problems(access_method=data.get("access_method", ""),
                                              webhook_url=data.get("webhook_url", ""),
                                              webhook_secret=secret, model_labels=labels)
        if problems:
            raise ValidationError(problems)
        return data

    def save(self, commit: bool = True) -> System:
        system = super().save(commit=False)
        system.model_labels = [line.strip() for line in self.cleaned_data["model_labels_text"].splitlines()
                               if line.strip()]
        if self.cleaned_data.get("generate_secret"):
            system.webhook_secret = secrets.token_urlsafe(48)
        elif self.cleaned_data.get("new_webhook_secret"):
            system.webhook_secret = self.cleaned_data["new_webhook_secret"]
        return system


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    form = SystemForm
    list_display = ["name", "role", "access_method", "is_active", "owner_user", "owner_group"]
    list_filter = ["role", "access_method", "is_active"]
    search_fields = ["name", "description"]
    list_select_related = ["owner_user", "owner_group"]
    readonly_fields = ["masked_secret"]

    @method_decorator(sensitive_post_parameters("new_webhook_secret"))
    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None):
        """Keep the posted webhook secret out of error reports (sensitive_post_parameters)."""
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Current webhook secret"))
    def masked_secret(self, obj: System) -> str:
        return obj.masked_secret or "—"

    def save_model(self, request: HttpRequest, obj: System, form, change: bool) -> None:
        # The form ran the same checks (system_problems), so this does not raise for admin input.
        fulfilment.system_save(system=obj, actor=request.user,
                               reason="Changed in the admin" if change else "Added in the admin")


class ResolveForm(forms.Form):
    state = forms.ChoiceField(choices=[(s.value, s.label) for s in FulfilmentTask.State
                                       if s != FulfilmentTask.State.OPEN])
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required for not applicable and failed."))
    exception = forms.ChoiceField(choices=[("", "—"), *ERASURE_EXCEPTIONS.items()], required=False,
                                  help_text=_("For an erasure: the exception under which data is kept."))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(required=False)


class EvidenceInline(admin.TabularInline):
    model = TaskEvidence
    extra = 0
    can_delete = False
    fields = ["download", "source", "uploaded_by", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("File"))
    def download(self, obj: TaskEvidence) -> str:
        url = reverse("admin:fulfilment_fulfilmenttask_evidence", args=[obj.task_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _visible_tasks(request: HttpRequest):
    """Tasks of the cases the user may work on, and the tasks the user owns (a system owner's work list)."""
    qs = FulfilmentTask.objects.select_related("case", "system", "owner")
    return access.scope_to_cases(qs, user=request.user, perm="change") | qs.filter(owner=request.user)


@admin.register(FulfilmentTask)
class FulfilmentTaskAdmin(admin.ModelAdmin):
    list_display = ["case", "system", "action", "state", "due_on", "owner", "attempts", "blocking"]
    list_filter = ["state", "action", "system"]
    search_fields = ["case__reference", "system__name"]
    list_select_related = ["case", "system", "owner"]
    inlines = [EvidenceInline]
    readonly_fields = ["case", "system", "action", "state", "state_reason", "exception", "owner", "due_on", "notes",
                       "correction", "result_view", "attempts", "next_attempt_at", "last_error",
                       "awaiting_callback_since", "completed_at", "overridden_at", "overridden_by",
                       "override_reason", "request_id", "work_links"]
    exclude = ["result"]

    def get_queryset(self, request: HttpRequest):
        return _visible_tasks(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(boolean=True, description=_("Blocks completion"))
    def blocking(self, obj: FulfilmentTask) -> bool:
        return obj.state in (FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED) and obj.overridden_at is None

    @admin.display(description=_("Correction asked for"))
    def correction(self, obj: FulfilmentTask) -> str:
        if obj.action != "correct":
            return "—"
        sub = obj.case.submission
        return format_html("{}<br>{}", gettext("Wrong: %(text)s") % {"text": sub.correction_wrong},
                           gettext("Right: %(text)s") % {"text": sub.correction_right})

    @admin.display(description=_("Result"))
    def result_view(self, obj: FulfilmentTask) -> str:
        import json

        return format_html("<pre>{}</pre>", json.dumps(obj.result, indent=2, ensure_ascii=False)[:20_000])

    @admin.display(description=_("Work"))
    def work_links(self, obj: FulfilmentTask) -> str:
        links = []
        if obj.state in (FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED):
            links.append((reverse("admin:fulfilment_fulfilmenttask_resolve", args=[obj.pk]),
                          gettext("Record the outcome")))
        if obj.state == FulfilmentTask.State.FAILED:
            links.append((reverse("admin:fulfilment_fulfilmenttask_retry", args=[obj.pk]), gettext("Retry")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links) or "—"

    def get_urls(self):
        own = [
            path("<int:task_id>/resolve/", self.admin_site.admin_view(self.resolve_view),
                 name="fulfilment_fulfilmenttask_resolve"),
            path("<int:task_id>/retry/", self.admin_site.admin_view(self.retry_view),
                 name="fulfilment_fulfilmenttask_retry"),
            path("<int:task_id>/evidence/<int:evidence_id>/", self.admin_site.admin_view(self.evidence_view),
                 name="fulfilment_fulfilmenttask_evidence"),
        ]
        return own + super().get_urls()

    def _task_for(self, request: HttpRequest, task_id: int) -> FulfilmentTask:
        task = get_object_or_404(self.get_queryset(request), pk=task_id)
        if not self.has_change_permission(request, task):
            raise PermissionDenied
        return task

    def resolve_view(self, request: HttpRequest, task_id: int) -> HttpResponse:
        task = self._task_for(request, task_id)
        form = ResolveForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                fulfilment.fulfilment_task_resolve(task=task, state=data["state"], actor=request.user,
                                                   reason=data["reason"], notes=data["notes"] or None,
                                                   exception=data["exception"])
            except fulfilment.FulfilmentError as exc:
                form.add_error(None, str(exc))
            else:
                if data["evidence"]:
                    upload = data["evidence"]
                    fulfilment.fulfilment_task_attach_evidence(task=task, name=upload.name, content=upload.read(),
                                                               content_type=upload.content_type or "",
                                                               actor=request.user)
                self.log_change(request, task, f"Outcome recorded: {data['state']}")
                messages.success(request, gettext("%(system)s: outcome recorded.") % {"system": task.system})
                return HttpResponseRedirect(reverse("admin:fulfilment_fulfilmenttask_change", args=[task.pk]))
        context = {**self.admin_site.each_context(request),
                   "title": gettext("Record the outcome: %(task)s") % {"task": task},
                   "form": form, "task": task, "opts": self.model._meta}
        return TemplateResponse(request, "fulfilment/admin_resolve.html", context)

    def retry_view(self, request: HttpRequest, task_id: int) -> HttpResponse:
        task = self._task_for(request, task_id)
        if request.method == "POST":
            try:
                fulfilment.fulfilment_task_retry(task=task, actor=request.user,
                                                 reason=request.POST.get("reason", "Retried from the admin"))
            except fulfilment.FulfilmentError as exc:
                messages.error(request, str(exc))
            else:
                self.log_change(request, task, "Reopened for another attempt")
                messages.success(request, gettext("%(system)s: the task will be sent again.") % {"system": task.system})
        return HttpResponseRedirect(reverse("admin:fulfilment_fulfilmenttask_change", args=[task.pk]))

    def evidence_view(self, request: HttpRequest, task_id: int, evidence_id: int) -> FileResponse:
        task = self._task_for(request, task_id)
        evidence = get_object_or_404(TaskEvidence, pk=evidence_id, task=task)
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


@admin.register(AccessPackage)
class AccessPackageAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at", "expires_at", "delivered_at", "download_count", "deleted_at"]
    list_select_related = ["case"]
    search_fields = ["case__reference"]
    readonly_fields = ["case", "sha256", "size", "created_at", "created_by", "expires_at", "delivered_at",
                       "deleted_at", "download_count"]
    exclude = ["file"]

    def get_queryset(self, request: HttpRequest):
        return access.scope_to_cases(super().get_queryset(request), user=request.user, perm="change")
