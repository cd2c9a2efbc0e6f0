"""List filters of the case list that are about how the list reads (issue 20).

- `CaseStateFilter`: open cases by default, with visible "Closed" and "All" choices (closed cases no longer mix
  with open ones unless asked for).
- `AssigneeSearchFilter`: the assignee as a search field (a name or username), with "Mine" and "Unassigned"
  one click away, instead of a sidebar listing every officer.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from medprivacy import access
from medprivacy.history_display import user_display_name
from requests_app.workflow import OPEN_STATUSES


class CaseStateFilter(admin.SimpleListFilter):
    """Open or closed; no parameter means open (the officers' everyday list), or all cases when the officer
    searches (a reference or an address looked up must be found even once its case is closed) or chose a
    status (which is open or closed by itself)."""

    title = _("open or closed")
    parameter_name = "state"
    DEFAULT = "open"

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        self.searching = bool(request.GET.get(SEARCH_VAR, "").strip())
        # A status chosen in the sidebar says open or closed by itself (the default would hide a closed one).
        self.status_chosen = any((key == "status" or key.startswith("status__")) and request.GET.get(key)
                                 for key in request.GET)

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("closed", _("Closed")), ("all", _("All cases"))]

    def value(self) -> str:
        value = super().value()
        if value in ("open", "closed", "all"):
            return value
        return "all" if self.searching or self.status_chosen else self.DEFAULT

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "closed":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset

    def choices(self, changelist):
        # No Django "All" (it would drop the parameter, i.e. mean "open" again): "All" is an explicit value.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, ["p"]),
                "display": title,
            }


class AssigneeSearchFilter(admin.SimpleListFilter):
    """The assignee as a search: "mine", "unassigned", a user id (links), or part of a name or username."""

    title = _("assignee")
    parameter_name = "assignee"
    template = "admin/requests_app/case/assignee_search_filter.html"
    MAX_LENGTH = 150

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        # The search form resubmits every other parameter of the list, so searching keeps the other filters.
        self.other_parameters = [(key, value) for key in request.GET for value in request.GET.getlist(key)
                                 if key not in (self.parameter_name, "p")]

    def lookups(self, request, model_admin):
        choices = [("mine", _("Mine")), ("unassigned", _("Unassigned"))]
        value = (self.value() or "").strip()
        if value.isdigit():  # one person chosen by a link ("my work", the supervisor's table): shown as chosen
            chosen = access.case_workers().filter(pk=int(value)).first()
            if chosen is not None:
                choices.append((value, user_display_name(chosen)))
        return choices

    def has_output(self) -> bool:
        return True  # the search field shows even when no lookups apply

    def search_term(self) -> str:
        value = (self.value() or "").strip()[: self.MAX_LENGTH]
        return "" if value in ("mine", "unassigned") or value.isdigit() else value

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()[: self.MAX_LENGTH]
        if not value:
            return queryset
        if value == "mine":
            return queryset.filter(assignee=request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        words = value.split()
        match = Q()
        for word in words[:4]:
            match &= (Q(assignee__username__icontains=word) | Q(assignee__first_name__icontains=word)
                      | Q(assignee__last_name__icontains=word))
        return queryset.filter(match)
