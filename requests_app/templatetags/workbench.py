"""Template tags of the workbench: the dashboard on the admin index."""

from __future__ import annotations

from django import template

from requests_app import selectors, work_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def workbench_dashboard(context) -> selectors.CaseDashboard | None:
    """Return the open-work counts of the cases the current user can see (None if they see no cases)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("requests_app.view_case"):
        return None
    return selectors.case_dashboard_for_user(user=request.user)


@register.simple_tag(takes_context=True)
def saved_case_filters(context) -> list:
    """Return the current user's saved case-list filters (their own only)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return work_selectors.saved_filters_for_user(user=request.user)
