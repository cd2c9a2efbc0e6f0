"""Admin pages of the officer's day, routed by `CaseAdmin.get_urls()`: "my work" and the saved list filters.

Thin: reads come from `requests_app.work_selectors` (scoped by `medprivacy.access`), writes from
`requests_app.services.saved_filters`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medprivacy.history_display import user_display_name
from requests_app import work_selectors
from requests_app.admin_display import days_left_html, regime_short_html, right_short_label
from requests_app.selectors import case_status_label, case_today
from requests_app.services.saved_filters import SavedFilterRefused, saved_filter_delete, saved_filter_save

CHANGELIST = "admin:requests_app_case_changelist"


def _may_see_cases(model_admin: admin.ModelAdmin, request: HttpRequest) -> None:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied


def _case_rows(items, *, today) -> list[dict]:
    return [{
        "case": dsr, "url": reverse("admin:requests_app_case_change", args=[dsr.pk]),
        "right": right_short_label(dsr.right), "regime": regime_short_html(dsr.regime),
        "status": case_status_label(dsr), "assignee": user_display_name(dsr.assignee),
        "days_left": days_left_html(due_on=dsr.due_on, is_open=dsr.is_open, paused=dsr.paused_since is not None,
                                    extended=dsr.extended_at is not None, today=today),
    } for dsr in items]


def _task_rows(items, *, today) -> list[dict]:
    return [{
        "task": task, "case": task.case,
        "url": (reverse("admin:requests_app_case_change", args=[task.case_id]) if task.case_visible
                else reverse("admin:fulfilment_fulfilmenttask_change", args=[task.pk])),
        "days_left": days_left_html(due_on=task.due_on, is_open=True, paused=False, today=today),
    } for task in items]


MY_WORK_TITLES = {
    "overdue": gettext_lazy("Overdue"),
    "due_soon": gettext_lazy("Due soon"),
    "awaiting_reply": gettext_lazy("Replies waiting for us"),
    "tasks": gettext_lazy("Tasks I own on others' cases"),
    "unassigned": gettext_lazy("Unassigned"),
    "team_overdue": gettext_lazy("Overdue across the team"),
    "team_awaiting_reply": gettext_lazy("Replies waiting across the team"),
}


def my_work_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """The officer's day: their overdue and soon-due cases, replies waiting, tasks on others' cases; for a
    supervisor also the team's load per officer and the shared queues."""
    _may_see_cases(model_admin, request)
    today = case_today()
    changelist = reverse(CHANGELIST)

    def section(work_list: work_selectors.WorkList) -> dict:
        rows = (_task_rows if work_list.key == "tasks" else _case_rows)(work_list.items, today=today)
        return {"key": work_list.key, "title": MY_WORK_TITLES[work_list.key], "rows": rows,
                "total": work_list.total, "more": work_list.total > len(rows),
                "list_url": f"{changelist}?{work_list.list_query}" if work_list.list_query else ""}

    mine = [section(w) for w in work_selectors.my_work_for_user(user=request.user, today=today)]
    team = work_selectors.team_work_for_user(user=request.user, today=today)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts, "title": _("My work"), "today": today, "mine": mine,
        "team": team, "changelist_url": changelist,
        "team_sections": [section(w) for w in (team.unassigned, team.overdue, team.awaiting_reply)] if team else [],
    }
    return TemplateResponse(request, "admin/requests_app/my_work.html", context)


def saved_filter_save_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    _may_see_cases(model_admin, request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    query = request.POST.get("query", "")
    try:
        saved = saved_filter_save(user=request.user, name=request.POST.get("name", ""), query=query)
    except SavedFilterRefused as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        back = QueryDict(query.lstrip("?")).urlencode()  # re-encoded: the posted text never reaches a header raw
        return HttpResponseRedirect(f"{reverse(CHANGELIST)}?{back}" if back else reverse(CHANGELIST))
    model_admin.message_user(request, _("Saved the filter “%(name)s”.") % {"name": saved.name}, messages.SUCCESS)
    return HttpResponseRedirect(f"{reverse(CHANGELIST)}?{saved.query}")


def saved_filter_delete_view(model_admin: admin.ModelAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    _may_see_cases(model_admin, request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if saved_filter_delete(user=request.user, pk=pk):
        model_admin.message_user(request, _("Deleted the saved filter."), messages.SUCCESS)
    else:
        model_admin.message_user(request, _("No such saved filter."), messages.WARNING)
    return HttpResponseRedirect(reverse(CHANGELIST))
