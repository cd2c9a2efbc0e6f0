"""Admin of the Retention app: thin, querysets from selectors, writes through services.

Supervisors edit categories and rules (with their history), place and release legal holds, start
dry or live purge runs and approve them; purge runs and review flags are read-only reports. No
registered target can be deleted through the admin (`guard_target_admins`): purges go through the
service, which also scrubs history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from medprivacy import access
from medprivacy.admin_base import ScopedHistoryAdmin
from retention import registry, selectors, services, tasks
from retention.minimums import minimum_problem
from retention.models import DataCategory, LegalHold, PurgeRun, PurgeRunItem, RetentionRule, ReviewFlag
from subjects.models import DataSubject


def guard_target_admins(site: admin.AdminSite) -> None:
    """Take delete_selected and the delete view away from every registered target's ModelAdmin.

    A delete through the admin would bypass holds and leave personal data in history rows.
    """
    for model in registry.models_with_targets():
        model_admin = site._registry.get(model)
        if model_admin is None or getattr(model_admin, "_retention_guarded", False):
            continue
        original_get_actions = model_admin.get_actions

        def get_actions(request, _original=original_get_actions):
            actions = _original(request)
            actions.pop("delete_selected", None)
            return actions

        model_admin.get_actions = get_actions
        model_admin.has_delete_permission = lambda request, obj=None: False
        model_admin._retention_guarded = True


class ReasonForm(forms.ModelForm):
    change_reason = forms.CharField(max_length=200, help_text=_("Why this change (kept in the history)."))


@admin.register(DataCategory)
class DataCategoryAdmin(ScopedHistoryAdmin):
    form = ReasonForm
    list_display = ["name", "code", "source", "targets"]
    list_filter = ["source"]
    search_fields = ["name", "code"]

    def get_queryset(self, request):
        return selectors.categories()

    @admin.display(description=_("Registered targets"))
    def targets(self, obj: DataCategory) -> str:
        return ", ".join(t.name for t in registry.targets_for_category(obj.code)) or "—"

    def save_model(self, request, obj, form, change):
        services.data_category_save(category=obj, actor=request.user, reason=form.cleaned_data["change_reason"])

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RetentionRuleForm(ReasonForm):
    def clean(self):
        cleaned = super().clean()
        category = cleaned.get("category")
        if category is not None and cleaned.get("period") is not None:
            problem = minimum_problem(category=category.code, period=cleaned["period"],
                                      unit=cleaned.get("period_unit", ""), event=cleaned.get("event", ""),
                                      action=cleaned.get("action", ""))
            if problem:
                self.add_error("period", problem)
        return cleaned


@admin.register(RetentionRule)
class RetentionRuleAdmin(ScopedHistoryAdmin):
    form = RetentionRuleForm
    list_display = ["category", "period_label", "event", "action", "is_active", "updated_at"]
    list_filter = ["is_active", "action", "event"]
    list_select_related = ["category"]
    search_fields = ["category__name", "category__code", "legal_basis"]
    fields = ["category", "period", "period_unit", "event", "action", "legal_basis", "is_active", "change_reason"]

    def save_model(self, request, obj, form, change):
        try:
            services.retention_rule_save(rule=obj, actor=request.user, reason=form.cleaned_data["change_reason"])
        except ValidationError as exc:  # raced with another supervisor activating a rule
            messages.error(request, "; ".join(exc.messages))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the run reports keep pointing at the rule


class LegalHoldForm(forms.ModelForm):
    release_reason = forms.CharField(max_length=200, required=False,
                                     help_text=_("To release this hold now, say why."))

    class Meta:
        model = LegalHold
        fields = ["scope", "subject", "case", "category", "reason", "owner", "starts_at", "ends_at"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("scope"):
            chosen = {name for name in ("subject", "case", "category") if data.get(name)}
            if chosen != {data["scope"]}:
                raise ValidationError(f"A {data['scope']} hold names exactly one {data['scope']} and nothing else.")
            if data.get("ends_at") and data.get("starts_at") and data["ends_at"] <= data["starts_at"]:
                raise ValidationError({"ends_at": "The end must be after the start."})
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(ScopedHistoryAdmin):
    form = LegalHoldForm
    list_display = ["target_label", "scope", "owner", "starts_at", "ends_at", "released_at"]
    list_filter = ["scope", "released_at"]
    list_select_related = ["owner"]
    search_fields = ["target_label", "reason"]
    raw_id_fields = ["subject", "case"]

    def get_queryset(self, request):
        return selectors.legal_holds(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # An explicit queryset: the case admin's ordering names an annotation of its own changelist,
        # which the admin would otherwise apply to this field's queryset. Cases come scoped to what
        # the user may see.
        if db_field.name == "case":
            kwargs["queryset"] = access.cases_for_user(user=request.user).order_by("pk")
        elif db_field.name == "subject":
            kwargs["queryset"] = access.scope_to_subjects(DataSubject.objects.order_by("pk"), user=request.user,
                                                          subject_path="pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["scope", "subject", "case", "category", "reason", "owner", "starts_at", "ends_at"]
        return ["target_label", "scope", "reason", "owner", "starts_at", "ends_at", "released_at",
                "released_by", "release_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["target_label", "scope", "reason", "owner", "starts_at", "ends_at", "released_at", "released_by"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            placed = services.legal_hold_place(
                scope=data["scope"], subject=data.get("subject"), case=data.get("case"),
                category=data.get("category"), reason=data["reason"], owner=data["owner"],
                ends_at=data.get("ends_at"), starts_at=data.get("starts_at"), actor=request.user)
            obj.pk = placed.pk
        elif data.get("release_reason"):
            services.legal_hold_release(hold=obj, actor=request.user, reason=data["release_reason"])

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PurgeRunItemInline(admin.TabularInline):
    model = PurgeRunItem
    extra = 0
    can_delete = False
    fields = ["category_code", "target", "action", "event", "period", "period_unit", "cutoff", "due",
              "deleted", "anonymized", "flagged", "skipped_for_hold", "failed", "batches", "last_pk", "done",
              "sample", "error"]
    readonly_fields = fields

    @admin.display(description=_("Sample references"))
    def sample(self, obj: PurgeRunItem) -> str:
        return ", ".join(obj.sample_refs) or "—"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # Items are part of the run's report: whoever may view runs may read them.
        return request.user.has_perm("retention.view_purgerun")


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/retention/purgerun/change_list.html"
    change_form_template = "admin/retention/purgerun/change_form.html"
    inlines = [PurgeRunItemInline]
    list_display = ["__str__", "status", "trigger", "as_of", "started_at", "finished_at", "totals",
                    "approved_by"]
    list_filter = ["mode", "status", "trigger"]
    list_select_related = ["approved_by", "requested_by"]
    readonly_fields = ["mode", "status", "trigger", "as_of", "batch_size", "requested_by", "approved_by",
                       "approved_at", "created_at", "started_at", "finished_at", "attempts", "totals",
                       "rules_without_targets", "errors"]
    fields = readonly_fields

    def get_queryset(self, request):
        return selectors.purge_runs()

    @admin.display(description=_("Due / deleted / anonymized / flagged / held / failed"))
    def totals(self, obj: PurgeRun) -> str:
        t = selectors.run_totals(run=obj)
        return f"{t.due} / {t.deleted} / {t.anonymized} / {t.flagged} / {t.skipped_for_hold} / {t.failed}"

    @admin.display(description=_("Active rules with no registered target"))
    def rules_without_targets(self, obj: PurgeRun) -> str:
        return ", ".join(r.category.code for r in selectors.rules_without_targets()) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_purge": request.user.has_perm("retention.run_purge")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_approve_purge": request.user.has_perm("retention.approve_purge")}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        own = [
            path("start/<str:mode>/", self.admin_site.admin_view(self.start_view), name="retention_purgerun_start"),
            path("<int:pk>/approve/", self.admin_site.admin_view(self.approve_view),
                 name="retention_purgerun_approve"),
            path("<int:pk>/cancel/", self.admin_site.admin_view(self.cancel_view),
                 name="retention_purgerun_cancel"),
        ]
        return own + super().get_urls()

    def _run_url(self, run: PurgeRun) -> str:
        return reverse("admin:retention_purgerun_change", args=[run.pk])

    def start_view(self, request: HttpRequest, mode: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("retention.run_purge"):
            raise PermissionDenied
        if mode not in PurgeRun.Mode.values:
            messages.error(request, gettext("Unknown purge mode %(mode)s.") % {"mode": repr(mode)})
            return HttpResponseRedirect(reverse("admin:retention_purgerun_changelist"))
        run = services.purge_run_plan(mode=mode, trigger=PurgeRun.Trigger.ADMIN, actor=request.user)
        if run.status == PurgeRun.Status.APPROVED:
            _queue_execution(run)
        self.log_addition(request, run, f"Started {run.get_mode_display().lower()}")
        messages.success(request, gettext("%(run)s %(status)s.") % {
            "run": run, "status": run.get_status_display().lower()})
        return HttpResponseRedirect(self._run_url(run))

    def approve_view(self, request: HttpRequest, pk: int):
        return self._one_object_step(request, pk, "retention.approve_purge", services.purge_run_approve,
                                     gettext_noop("Approved"))

    def cancel_view(self, request: HttpRequest, pk: int):
        return self._one_object_step(request, pk, "retention.approve_purge", services.purge_run_cancel,
                                     gettext_noop("Cancelled"))

    def _one_object_step(self, request, pk, permission, service, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(permission):
            raise PermissionDenied
        run = get_object_or_404(selectors.purge_runs(), pk=pk)
        try:
            run = service(run=run, actor=request.user)
        except services.PurgeNotAllowed as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(self._run_url(run))
        if run.status == PurgeRun.Status.APPROVED:
            _queue_execution(run)
        self.log_change(request, run, verb)
        messages.success(request, gettext("%(verb)s %(run)s.") % {"verb": gettext(verb), "run": run})
        return HttpResponseRedirect(self._run_url(run))


def _queue_execution(run: PurgeRun) -> None:
    transaction.on_commit(lambda: tasks.purge_run_execute.delay(run.pk))


@admin.register(ReviewFlag)
class ReviewFlagAdmin(admin.ModelAdmin):
    list_display = ["target", "reference", "rule", "created_at", "resolved_at", "resolved_by", "run_link"]
    list_filter = ["target", "resolved_at"]
    list_select_related = ["rule__category", "run", "resolved_by"]
    readonly_fields = ["rule", "target", "object_id", "reference", "run", "created_at", "resolved_at",
                       "resolved_by"]
    actions = ["resolve"]

    def get_queryset(self, request):
        return selectors.review_flags()

    @admin.display(description=_("Run"))
    def run_link(self, obj: ReviewFlag) -> str:
        if obj.run_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:retention_purgerun_change", args=[obj.run_id]),
                           obj.run_id)

    @admin.action(description=_("Mark the selected flags as reviewed"), permissions=["change"])
    def resolve(self, request, queryset):
        done = 0
        for flag in queryset.filter(resolved_at__isnull=True):
            services.review_flag_resolve(flag=flag, actor=request.user)
            done += 1
        self.message_user(request, gettext("%(n)s flag(s) marked as reviewed.") % {"n": done})

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
