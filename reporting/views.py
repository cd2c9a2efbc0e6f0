"""Admin pages of reporting: the §7102 report with charts, the case-list CSV and the evidence pack.

Thin: permission checks through selectors, numbers from selectors, files from `reporting.evidence`.
Every page sends a strict Content-Security-Policy: the charts need neither scripts nor inline styles.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from medprivacy import access
from reporting import charts, metrics, selectors
from reporting.evidence import evidence_pack_build
from reporting.forms import ReportForm
from requests_app import selectors as case_selectors
from requests_app.models import Case

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")


def _csv_response(rows: list[tuple], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    csv.writer(response).writerows(rows)
    return response


def _query(request: HttpRequest, **extra: str) -> str:
    query = request.GET.copy()
    query.update(extra)
    return query.urlencode()


def metrics_report(request: HttpRequest) -> HttpResponse:
    """The §7102 figures for a year or range, as a page with charts, a CSV download and a paste-ready text."""
    if not selectors.user_can_see_reports(user=request.user):
        raise PermissionDenied("The privacy metrics count every case: supervisors only")
    form = ReportForm(request.GET, today=case_selectors.case_today())
    if not form.is_valid():
        context = {**admin.site.each_context(request), "title": gettext("Privacy request metrics"),
                   "form": form}
        response = TemplateResponse(request, "admin/reporting/metrics.html", context, status=400)
        response["Content-Security-Policy"] = STRICT_CSP
        return response
    start, end, regime = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["regime"]
    facts = selectors.facts_for_period(start=start, end=end, regime=regime)
    figures = metrics.compute_metrics(facts, start=start, end=end, regime=regime,
                                      include_admt=settings.MEDPRIVACY_ADMT_METRICS)
    if request.GET.get("download") == "csv":
        return _csv_response(metrics.csv_rows(figures),
                             f"privacy-metrics-{start.isoformat()}-{end.isoformat()}-{regime or 'all'}.csv")
    on_time, days = selectors.series_timeliness(facts, start=start, end=end)
    by_age, by_due = selectors.series_backlog(user=request.user)
    series = [("requests-per-month", selectors.series_requests_per_month(facts, start=start, end=end)),
              ("on-time-rate", on_time), ("days-to-respond", days), ("backlog-age", by_age),
              ("backlog-due", by_due), ("officer-load", selectors.series_officer_load(user=request.user))]
    context = {
        **admin.site.each_context(request), "title": gettext("Privacy request metrics (CCPA §7102)"),
        "form": form,
        "figures": figures, "reasons": metrics.DENIAL_REASONS,
        "policy_text": metrics.policy_text(figures, company=settings.COMPANY_NAME),
        "charts": [charts.chart_context(s, chart_id=cid) for cid, s in series],
        "csv_query": _query(request, download="csv"),
    }
    response = TemplateResponse(request, "admin/reporting/metrics.html", context)
    response["Content-Security-Policy"] = STRICT_CSP
    return response


def case_list_csv(request: HttpRequest) -> HttpResponse:
    """The case list exactly as filtered in the admin (same filters, search and scoping), as CSV."""
    case_admin = admin.site._registry[Case]
    if not case_admin.has_view_permission(request):
        raise PermissionDenied("You may not see the case list")
    try:
        changelist = case_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest("The case-list filters in the address are not valid; "
                                      "filter the list again and export from there.", content_type="text/plain")
    return _csv_response(selectors.case_csv_rows(changelist.get_queryset(request)), "cases.csv")


def evidence_pack_download(request: HttpRequest, case_id: int) -> HttpResponse:
    """The evidence pack of one case: supervisors, and officers for the cases assigned to them."""
    try:
        dsr = access.case_get_for_user(user=request.user, pk=case_id)
    except Case.DoesNotExist:
        raise Http404("No such case") from None
    if not selectors.user_can_export_evidence(user=request.user, dsr=dsr):
        raise PermissionDenied("Evidence packs are for supervisors and the officer assigned to the case")
    data = evidence_pack_build(dsr=dsr, actor=request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-{dsr.reference}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
