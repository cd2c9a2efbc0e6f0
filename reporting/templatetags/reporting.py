"""Template tags of reporting on the admin's pages: index charts and the case page's evidence-pack button."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse

from reporting import charts, selectors
from requests_app.selectors import case_today

register = template.Library()


@register.simple_tag(takes_context=True)
def reporting_index_charts(context) -> list[dict]:
    """Charts of the open work the user can see; supervisors also get requests per month this year."""
    request = context.get("request")
    if request is None or not request.user.has_perm("requests_app.view_case"):
        return []
    by_age, by_due = selectors.series_backlog(user=request.user)
    series = [("index-backlog-age", by_age), ("index-backlog-due", by_due)]
    if selectors.user_can_see_reports(user=request.user):
        today = case_today()
        start = dt.date(today.year, 1, 1)
        facts = selectors.facts_for_period(start=start, end=today)
        series.insert(0, ("index-per-month", selectors.series_requests_per_month(facts, start=start, end=today)))
        series.append(("index-officer-load", selectors.series_officer_load(user=request.user)))
    return [charts.chart_context(s, chart_id=cid) for cid, s in series]


@register.simple_tag(takes_context=True)
def evidence_pack_url(context, dsr) -> str:
    """The evidence pack's URL when the user may download it, else ""."""
    request = context.get("request")
    if request is None or not selectors.user_can_export_evidence(user=request.user, dsr=dsr):
        return ""
    return reverse("reporting:evidence_pack", args=[dsr.pk])
