"""The privacy officer's workbench: cases in the Django admin, scoped by django-guardian object permissions.

Thin: every queryset comes from `requests_app.selectors` (which applies the object permissions), every
write is a service in `requests_app.services.workbench`. The standard change form is read-only; work
happens through the one-case flows of `admin_views.CASE_ACTIONS`, the case page's task form
(`tasks_view` → `fulfilment.services.fulfilment_tasks_record`) and the bulk actions.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import partial, update_wrapper

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consents.selectors import consent_events_for_reference
from fulfilment import selectors as fulfilment_selectors
from fulfilment import services as fulfilment
from fulfilment.models import TaskEvidence
from fulfilment.rules import PACKAGE_RIGHTS
from fulfilment.services import FulfilmentError
from medprivacy import access, clock
from medprivacy.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin
from medprivacy.history_display import user_display_name
from medprivacy.pagination import LargeTablePaginator
from outbox.models import ThreadAttachment
from regimes import deadlines
from requests_app import admin_work, selectors
from requests_app.admin_display import days_left_html, history_rows, regime_short_html, right_short_label
from requests_app.admin_filters import AssigneeSearchFilter, CaseStateFilter
from requests_app.admin_views import (
    CASE_ACTIONS,
    CaseAction,
    ManualEntryForm,
    MessageForm,
    package_step_refusal,
    task_outcome_forms,
)
from requests_app.forms import ResidenceForm
from requests_app.models import CASE_LIST_ORDER, Case, CaseAttachment, ControllerOrganization, Reminder, open_rank
from requests_app.services import compliance as compliance_services
from requests_app.services import workbench
from requests_app.services.admt import case_admt_access_respond
from requests_app.workflow import IllegalTransition, Status
from timeline.models import TimelineEvent

admin.site.index_template = "admin/requests_app/index.html"

REFUSALS = (workbench.WorkbenchError, IllegalTransition, FulfilmentError, compliance_services.NoticeIncomplete)


# ---------------------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------------------


class AssigneeAutocomplete(AutocompleteSelect):
    """Django's select2 search box, asking the case admin's own list of case workers (not every user)."""

    def __init__(self) -> None:
        super().__init__(Case._meta.get_field("assignee"), admin.site)

    def get_url(self) -> str:
        return reverse("admin:requests_app_case_assignees")


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("week", _("Due this week")), ("later", _("Due later"))]

    def queryset(self, request, queryset):
        if self.value() in ("overdue", "week", "later"):
            return selectors.cases_due_filter(queryset, due=self.value())
        return queryset


class VerifiedFilter(admin.SimpleListFilter):
    title = _("identity verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Not verified (officer must verify)")),
                ("not_required", _("Not ours to verify (opt-outs, patients)"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no", "not_required"):
            return selectors.cases_identity_filter(queryset, settled=self.value())
        return queryset


class ConversationFilter(admin.SimpleListFilter):
    title = _("conversation")
    parameter_name = "conversation"

    def lookups(self, request, model_admin):
        return [("awaiting_reply", _("Requester wrote: awaiting our reply"))]

    def queryset(self, request, queryset):
        if self.value() == "awaiting_reply":
            return selectors.cases_awaiting_reply(queryset)
        return queryset


class PatientFilter(admin.SimpleListFilter):
    title = _("patient / redirect")
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        return [("patient", _("Patient requests")), ("redirected", _("Forwarded to controller")),
                ("not_patient", _("Not patient requests"))]

    def queryset(self, request, queryset):
        if self.value() == "patient":
            return queryset.filter(is_patient=True)
        if self.value() == "redirected":
            return queryset.filter(status__in=[Status.REDIRECTED, Status.FORWARDED])
        if self.value() == "not_patient":
            return queryset.filter(is_patient=False)
        return queryset


# ---------------------------------------------------------------------------------------------------------
# Inlines: scoped by the same selector as the case itself
# ---------------------------------------------------------------------------------------------------------


class _CaseScopedInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=access.cases_for_user(user=request.user))

    def has_view_permission(self, request, obj=None):
        if obj is None:  # Django asks without the parent before filtering the queryset (scoped above)
            return request.user.has_perm("requests_app.view_case")
        return access.case_can_view(user=request.user, dsr=obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineInline(_CaseScopedInline):
    model = TimelineEvent
    verbose_name = _("timeline event")
    verbose_name_plural = _("timeline (events, notes and every message exactly as sent)")
    fields = ("at", "kind", "who", "summary", "message_as_sent")
    readonly_fields = fields
    ordering = ("at", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "message")

    @admin.display(description=_("by"))
    def who(self, obj: TimelineEvent) -> str:
        return user_display_name(obj.actor) if obj.actor else obj.actor_label

    @admin.display(description=_("message"))
    def message_as_sent(self, obj: TimelineEvent) -> str:
        message = obj.message
        if message is None:
            return "—"
        summary = gettext("To %(to)s — “%(subject)s” (%(state)s)") % {
            "to": message.to_email, "subject": message.subject, "state": message.get_state_display()}
        return format_html(
            '<details><summary>{}</summary><pre class="mp-message">{}</pre>{}</details>',
            summary, message.body_text,
            format_html('<div class="mp-message-html">{}</div>',
                        gettext("HTML part stored (%(n)s characters)") % {"n": len(message.body_html)})
            if message.body_html else "",
        )


class AttachmentInline(_CaseScopedInline):
    model = CaseAttachment
    fields = ("download", "description", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj: CaseAttachment) -> str:
        url = reverse("admin:requests_app_case_attachment", args=[obj.case_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


# ---------------------------------------------------------------------------------------------------------
# Bulk actions
# ---------------------------------------------------------------------------------------------------------


class CaseBulkActionForm(helpers.ActionForm):
    assignee = forms.ModelChoiceField(queryset=access.case_workers(), required=False, widget=AssigneeAutocomplete(),
                                      label=_("Assign to (for “Assign selected”)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.case_workers()


def _report(modeladmin: admin.ModelAdmin, request: HttpRequest, verb: str, done: int, refused: list[str]) -> None:
    modeladmin.message_user(request, gettext("%(verb)s: %(n)s case(s).") % {"verb": verb, "n": done},
                            messages.SUCCESS if done else messages.WARNING)
    if refused:
        modeladmin.message_user(request, gettext("Refused for %(n)s case(s): %(reasons)s") % {
            "n": len(refused), "reasons": "; ".join(refused[:10])}, messages.WARNING)


# ---------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(ScopedHistoryAdmin):
    # Fits 1440 px beside both sidebars: the channel is on the case page, an agent is marked by the requester.
    list_display = ("reference", "right_short", "regime_short", "requester", "status_shown", "identity_settled",
                    "days_left", "assignee_name")
    list_display_links = ("reference",)
    list_filter = (CaseStateFilter, "status", "right", "regime", AssigneeSearchFilter, DueFilter, ConversationFilter,
                   VerifiedFilter, PatientFilter)
    list_select_related = ("subject", "assignee")
    search_fields = ("=reference",)  # the search itself: selectors.cases_search (each branch index-served)
    search_help_text = _("A reference (DSR-2026-000123) or the requester's exact e-mail address.")
    list_per_page = 50
    # Counting 1M cases on every page costs more than the page: no "N total" count, and the filtered count is
    # PostgreSQL's estimate once it is large (LargeTablePaginator).
    show_full_result_count = False
    paginator = LargeTablePaginator
    action_form = CaseBulkActionForm
    actions = ("assign_selected", "start_work_selected", "admt_access_respond_selected")
    inlines = (TimelineInline, AttachmentInline)
    change_form_template = "admin/requests_app/case/change_form.html"
    fieldsets = (
        (_("Verification"), {"fields": ("verification_level", "verified_at", "verification_method",
                                     "identity_settled", "verification_scope")}),
        (_("Clock"), {"fields": ("received_at", "acknowledge_by", "acknowledged_at", "paused_days", "paused_since",
                              "extended_at", "extension_reason")}),
        (_("Outcome"), {"fields": ("closed_at", "outcome", "outcome_summary", "denial_ground", "appeal_of")}),
    )

    # --- scoping -----------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        # open_rank: the indexed expression of the default order (models.open_rank, index case_open_first)
        return access.cases_for_user(user=request.user).alias(open_rank=open_rank())

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return list(CASE_LIST_ORDER)  # open cases first, nearest due date first

    def get_paginator(self, request: HttpRequest, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The page the list will show, so an exact count reads that page's keys in the same statement.
        try:
            hint = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            hint = 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page_hint=hint)

    def has_view_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        if obj is None:
            return super().has_view_permission(request)
        return access.case_can_view(user=request.user, dsr=obj)

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False  # the form is read-only: cases change only through the workbench actions

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False  # cases are erased by the retention schedule, never deleted by hand

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return access.user_can_assign(user=request.user)

    def has_work_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("requests_app.change_case")

    def _case_or_404(self, request: HttpRequest, object_id: str, perm: str = "view") -> Case:
        """Fetch a case the user may see; 404 if they may not even see it, 403 if they may only look."""
        try:
            dsr = access.case_get_for_user(user=request.user, pk=unquote(object_id))
        except Case.DoesNotExist:
            raise Http404("No such case") from None
        if perm == "change" and not access.case_can_change(user=request.user, dsr=dsr):
            raise PermissionDenied("This case is shared with you for viewing only")
        return dsr

    # --- the list -----------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        return selectors.cases_search(queryset, term=search_term), False

    def assignees_view(self, request: HttpRequest) -> JsonResponse:
        """The assignee search box's answers (select2's format): case workers by user name, 20 at most."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        choices = selectors.assignee_choices(term=request.GET.get("term", ""))
        return JsonResponse({"results": [{"id": str(pk), "text": name} for pk, name in choices],
                             "pagination": {"more": False}})

    @admin.display(description=_("right"), ordering="right")
    def right_short(self, obj: Case) -> str:
        return right_short_label(obj.right)

    @admin.display(description=_("regime"), ordering="regime")
    def regime_short(self, obj: Case) -> str:
        return regime_short_html(obj.regime)

    @admin.display(description=_("requester"))
    def requester(self, obj: Case) -> str:
        if obj.is_agent:
            return format_html("{} <small>({})</small>", obj.subject.masked_email, _("by an agent"))
        return obj.subject.masked_email

    @admin.display(description=_("assignee"), ordering="assignee__username")
    def assignee_name(self, obj: Case) -> str:
        return user_display_name(obj.assignee)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: Case) -> str:
        return selectors.case_status_label(obj)

    @admin.display(description=_("ID checked"), boolean=True)
    def identity_settled(self, obj: Case) -> bool | None:
        """Green: verified at the level the rules ask; red: an officer must still verify; none: not required."""
        return selectors.case_identity_settled(obj)

    @admin.display(description=_("days left"), ordering="due_on")
    def days_left(self, obj: Case) -> str:
        """Words and colour from the stored due date and today in the office (medprivacy.clock)."""
        return days_left_html(due_on=obj.due_on, is_open=obj.is_open, paused=obj.paused_since is not None,
                              extended=obj.extended_at is not None, today=selectors.case_today())

    # --- the case page ------------------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    # Actions the case page offers as forms of their own rather than buttons.
    INLINE_ACTIONS = frozenset({"message", "package"})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dsr = self._case_or_404(request, object_id)
        return self._case_page(request, object_id, dsr, form_url=form_url, extra_context=extra_context)

    def _case_page(self, request, object_id, dsr: Case, *, form_url: str = "", extra_context=None,
                   task_forms: dict | None = None):
        """Render the case page: the case, its next steps, its tasks (with a form), the conversation, history."""
        can_work = access.case_can_change(user=request.user, dsr=dsr)
        can_assign = access.user_can_assign(user=request.user)
        offered = [
            (action, reverse(f"admin:requests_app_case_{action.name}", args=[dsr.pk]))
            for action in CASE_ACTIONS.values()
            if action.offered(dsr) and (can_assign if action.needs_assign else can_work)
        ]
        buttons = [(a, url) for a, url in offered if a.name not in self.INLINE_ACTIONS]
        inline = {a.name: url for a, url in offered if a.name in self.INLINE_ACTIONS}
        tasks = list(fulfilment_selectors.case_tasks_for_user(user=request.user, dsr=dsr))
        if task_forms is None:
            task_forms = task_outcome_forms(tasks) if can_work else {}
        history = list(dsr.history.select_related("history_user").order_by("-history_date", "-history_id")[:21])
        changes = history_rows(history, model=Case, limit=20)  # oldest first, people by name
        today = selectors.case_today()
        context = {
            "dsr": dsr, "rule": deadlines.rule_for(dsr.regime, dsr.right),
            "next_steps": [(a, url) for a, url in buttons if a.is_step],
            "tools": [(a, url) for a, url in buttons if not a.is_step],
            "can_work": can_work, "days_left": (dsr.due_on - today).days, "badge": due_badge(dsr, today=today),
            "history_rows": changes, "related": selectors.case_related_for_user(user=request.user, dsr=dsr),
            "consent_events": consent_events_for_reference(dsr.reference),
            "thread": selectors.case_thread_for_user(user=request.user, dsr=dsr),
            "task_rows": [(task, task_forms.get(task.pk)) for task in tasks],
            "task_forms_open": bool(task_forms),
            "tasks_url": reverse("admin:requests_app_case_tasks", args=[dsr.pk]),
            "reply_url": inline.get("message"),
            "reply_form": MessageForm(dsr=dsr, user=request.user) if "message" in inline else None,
            "package_url": inline.get("package"),
            "package_why_not": (package_step_refusal(dsr) if can_work and dsr.is_open
                                and dsr.right in PACKAGE_RIGHTS and "package" not in inline else ""),
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
            "show_delete": False, **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def tasks_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record the outcomes of several of the case's tasks at once, with evidence: all or nothing."""
        dsr = self._case_or_404(request, object_id, perm="change")
        page = reverse("admin:requests_app_case_change", args=[dsr.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page + "#mp-tasks")
        tasks = fulfilment_selectors.case_tasks_for_user(user=request.user, dsr=dsr)
        forms_by_task = task_outcome_forms(tasks, request.POST, request.FILES)
        valid = all([form.is_valid() for form in forms_by_task.values()])  # a list: every form validated
        problem = _("Nothing was recorded: correct the tasks marked below.")
        if valid:
            outcomes = [o for form in forms_by_task.values() if (o := form.outcome_for_service()) is not None]
            if not outcomes:
                problem = _("Choose an outcome or attach evidence for at least one task.")
            else:
                try:
                    recorded = fulfilment.fulfilment_tasks_record(dsr=dsr, actor=request.user, outcomes=outcomes)
                except fulfilment.TaskOutcomesRefused as exc:
                    for task_id, error in exc.errors.items():
                        if task_id in forms_by_task:
                            forms_by_task[task_id].add_error(None, error)
                else:
                    self.log_change(request, dsr, f"{len(recorded)} fulfilment task(s) recorded")
                    self.message_user(request, _("%(ref)s: %(n)s task(s) recorded.") % {
                        "ref": dsr.reference, "n": len(recorded)}, messages.SUCCESS)
                    return HttpResponseRedirect(page + "#mp-tasks")
        self.message_user(request, problem, messages.ERROR)
        as_page = copy.copy(request)  # the page itself is a GET view: render it, not process a change form
        as_page.method = "GET"
        response = self._case_page(as_page, object_id, dsr, task_forms=forms_by_task)
        response.status_code = 400
        return response

    def task_evidence_view(self, request: HttpRequest, object_id: str, evidence_id: int) -> FileResponse:
        """Serve a task's evidence file to a user who may view its case; 404 for anyone else."""
        try:
            evidence = fulfilment_selectors.task_evidence_get_for_user(user=request.user, case_pk=unquote(object_id),
                                                                       pk=evidence_id)
        except TaskEvidence.DoesNotExist:
            raise Http404("No such file") from None
        response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name,
                                content_type="application/octet-stream")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def history_view(self, request, object_id, extra_context=None):
        self._case_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting would change a case (its status!) outside the services: not offered.
        self._case_or_404(request, object_id)
        raise PermissionDenied("Cases are not reverted from history; use the workbench actions")

    def revert_disabled(self, request, obj=None):
        return True

    # --- extra views ---------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view  # login, staff and CSRF; object checks happen in each view

        urls = [
            path("my-work/", wrap(partial(admin_work.my_work_view, self)), name="requests_app_case_my_work"),
            path("saved-filters/", wrap(partial(admin_work.saved_filter_save_view, self)),
                 name="requests_app_case_saved_filter_save"),
            path("saved-filters/<int:pk>/delete/", wrap(partial(admin_work.saved_filter_delete_view, self)),
                 name="requests_app_case_saved_filter_delete"),
            path("assignees/", wrap(self.assignees_view), name="requests_app_case_assignees"),
            path("<path:object_id>/attachments/<int:attachment_id>/", wrap(self.attachment_view),
                 name="requests_app_case_attachment"),
            path("<path:object_id>/authorization/", wrap(self.authorization_view),
                 name="requests_app_case_authorization"),
            path("<path:object_id>/thread-files/<int:attachment_id>/", wrap(self.thread_file_view),
                 name="requests_app_case_thread_file"),
            path("<path:object_id>/tasks/", wrap(self.tasks_view), name="requests_app_case_tasks"),
            path("<path:object_id>/task-evidence/<int:evidence_id>/", wrap(self.task_evidence_view),
                 name="requests_app_case_task_evidence"),
        ]
        for action in CASE_ACTIONS.values():
            view = partial(self.action_view, action=action)
            urls.append(path(f"<path:object_id>/{action.name}/", wrap(update_wrapper(view, self.action_view)),
                             name=f"requests_app_case_{action.name}"))
        return urls + super().get_urls()

    def action_view(self, request: HttpRequest, object_id: str, action: CaseAction) -> HttpResponse:
        """Run one workbench action on one case after checking the object permission."""
        dsr = self._case_or_404(request, object_id)
        if action.needs_assign:
            if not access.user_can_assign(user=request.user):
                raise PermissionDenied("Only privacy supervisors assign cases")
        elif not access.case_can_change(user=request.user, dsr=dsr):
            raise PermissionDenied("This case is shared with you for viewing only")
        posted = request.method == "POST"  # bound even when empty: a form without fields (the package) is valid
        form = action.form_class(request.POST if posted else None, request.FILES if posted else None, dsr=dsr,
                                 user=request.user)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    done = action.run(request, dsr, form.cleaned_data)
                except REFUSALS as exc:
                    form.add_error(None, str(exc))
                else:
                    with translation.override("en"):  # the admin log stays English, as every stored record
                        self.log_change(request, dsr, str(done))
                    self.message_user(request, done, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:requests_app_case_change", args=[dsr.pk]))
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": dsr, "dsr": dsr, "action": action, "form": form,
            "title": f"{action.label}: {dsr.reference}", "media": self.media + form.media,
            "rule": deadlines.rule_for(dsr.regime, dsr.right),
            "extension_check": _extension_check(dsr) if action.name == "extend" else "",
        }
        return TemplateResponse(request, "admin/requests_app/case/action_form.html", context, status=status)

    def attachment_view(self, request: HttpRequest, object_id: str, attachment_id: int) -> FileResponse:
        """Serve a private attachment to a user who may view its case; 404 for anyone else."""
        try:
            attachment = selectors.case_attachment_get_for_user(user=request.user, case_pk=unquote(object_id),
                                                                pk=attachment_id)
        except CaseAttachment.DoesNotExist:
            raise Http404("No such file") from None
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                                content_type=attachment.content_type or "application/octet-stream")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def authorization_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """Serve an agent's uploaded authorization to a user who may view the case; 404 for anyone else."""
        try:
            document = selectors.case_authorization_get_for_user(user=request.user, case_pk=unquote(object_id))
        except Case.DoesNotExist:
            raise Http404("No such authorization") from None
        name = document.name.rsplit("/", 1)[-1]
        content_type = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}.get(
            name.rsplit(".", 1)[-1], "application/octet-stream")
        response = FileResponse(document.open("rb"), as_attachment=False, filename=name, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response

    def thread_file_view(self, request: HttpRequest, object_id: str, attachment_id: int) -> FileResponse:
        """Serve a file the requester sent to a user who may view its case; 404 for anyone else."""
        try:
            attachment = selectors.thread_attachment_get_for_user(user=request.user, case_pk=unquote(object_id),
                                                                  pk=attachment_id)
        except ThreadAttachment.DoesNotExist:
            raise Http404("No such file") from None
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                                content_type=attachment.content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # --- entering a request received by phone, mail or e-mail ----------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """Two steps without JavaScript, like the public form: the residence (GET), then the request for it,
        offering only the rights that residence has."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        residence = ResidenceForm(source) if "country" in source and "change" not in source else None
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": _("Enter a request received by phone, mail or e-mail")}
        if residence is None or not residence.is_valid():
            initial = {key: request.GET.get(key, "") for key in ("country", "subdivision")}
            step_one = residence or ResidenceForm(initial=initial)
            return TemplateResponse(request, "admin/requests_app/case/manual_entry_residence.html",
                                    {**context, "form": step_one, "media": self.media + step_one.media},
                                    status=400 if residence is not None else 200)
        country, subdivision = residence.cleaned_data["country"], residence.cleaned_data["subdivision"]
        form = ManualEntryForm(request.POST or None, country=country, subdivision=subdivision)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    cases = workbench.case_enter_manual(actor=request.user, **data)
                except REFUSALS as exc:
                    form.add_error(None, str(exc))
                else:
                    for dsr in cases:
                        self.log_addition(request, dsr, f"Entered from {dsr.get_channel_display()}")
                    self.message_user(request, gettext("Entered: %(refs)s") % {
                        "refs": ", ".join(d.reference for d in cases)}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:requests_app_case_change", args=[cases[0].pk]))
            status = 400
        context.update({"form": form, "country": country, "subdivision": subdivision,
                        "media": self.media + form.media})
        return TemplateResponse(request, "admin/requests_app/case/manual_entry.html", context, status=status)

    # --- bulk actions: loop over a service and report counts -----------------------------------------

    @admin.action(description=_("Assign selected cases"), permissions=["assign"])
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        try:
            assignee = CaseBulkActionForm().fields["assignee"].clean(request.POST.get("assignee"))
        except ValidationError:
            assignee = None
        if assignee is None:
            self.message_user(request, gettext("Choose whom to assign the cases to."), messages.ERROR)
            return
        done, refused = 0, []
        for dsr in queryset:
            try:
                workbench.case_assign(dsr=dsr, assignee=assignee, actor=request.user, reason="bulk assignment")
            except REFUSALS as exc:
                refused.append(f"{dsr.reference}: {exc}")
            else:
                done += 1
                self.log_change(request, dsr, f"Assigned to {assignee.get_username()}")
        _report(self, request, gettext("Assigned to %(name)s") % {"name": assignee.get_username()}, done, refused)

    @admin.action(description=_("Start work on selected verified cases"), permissions=["work"])
    def start_work_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        done, refused = 0, []
        for dsr in selectors.cases_changeable_among(user=request.user, pks=queryset.values_list("pk", flat=True)):
            try:
                workbench.case_start_work(dsr=dsr, actor=request.user)
            except REFUSALS as exc:
                refused.append(f"{dsr.reference}: {exc}")
            else:
                done += 1
                self.log_change(request, dsr, "Work started")
        skipped = queryset.count() - done - len(refused)
        if skipped:
            refused.append(gettext("%(n)s shared with you for viewing only") % {"n": skipped})
        _report(self, request, gettext("Work started"), done, refused)


    @admin.action(description=_("Send the ADMT access response (from the AI register) for selected cases"),
                  permissions=["work"])
    def admt_access_respond_selected(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        done, refused = 0, []
        for dsr in selectors.cases_changeable_among(user=request.user, pks=queryset.values_list("pk", flat=True)):
            try:
                case_admt_access_respond(dsr=dsr, actor=request.user)
            except REFUSALS as exc:
                refused.append(f"{dsr.reference}: {exc}")
            else:
                done += 1
                self.log_change(request, dsr, "ADMT access response sent")
        _report(self, request, gettext("ADMT access response sent"), done, refused)


def due_badge(dsr: Case, *, today: dt.date) -> str:
    """Return the due date with a badge: overdue (red), due within 5 days (amber), extended."""
    label = dsr.due_on.isoformat()
    parts = []
    if dsr.is_open:
        left = (dsr.due_on - today).days
        if left < 0:
            parts.append(("mp-badge mp-overdue", gettext("overdue %(n)sd") % {"n": -left}))
        elif left <= selectors.DUE_SOON_DAYS:
            parts.append(("mp-badge mp-soon", gettext("%(n)sd left") % {"n": left}))
    if dsr.extended_at is not None:
        parts.append(("mp-badge mp-extended", gettext("extended")))
    badges = format_html_join(" ", '<span class="{}">{}</span>', parts)
    return format_html('<span class="mp-due">{}</span> {}', label, badges)


def _extension_check(dsr: Case) -> str:
    rule = deadlines.rule_for(dsr.regime, dsr.right)
    return deadlines.can_extend(rule, today=clock.regime_today(dsr.regime), respond_by=dsr.due_on,
                                already_extended=dsr.extended_at is not None)[1]


# ---------------------------------------------------------------------------------------------------------
# Controllers
# ---------------------------------------------------------------------------------------------------------


@admin.register(ControllerOrganization)
class ControllerOrganizationAdmin(ScopedHistoryAdmin):
    list_display = ("name", "privacy_email")
    search_fields = ("name",)


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
