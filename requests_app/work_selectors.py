"""Reads of the officer's day: "my work" (an officer's own queue) and the team view of supervisors.

Every case comes through `medprivacy.access` (an officer sees only cases with an object permission for them);
every list is one query, whatever its length, so the page costs the same at 10 or 10,000 cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window

from fulfilment.models import FulfilmentTask
from medprivacy import access
from requests_app.models import Case, SavedCaseFilter
from requests_app.selectors import DUE_SOON_DAYS, case_today
from requests_app.workflow import OPEN_STATUSES

# Each list on "my work" shows at most this many items; its heading gives the full count and links to the list.
WORK_LIST_LIMIT = 25


@dataclass(frozen=True)
class WorkList:
    """One queue of "my work": the first items, the full count, and the case list filtered to all of them."""

    key: str
    items: list
    total: int
    list_query: str  # query string of the case list showing the whole queue ("" when it has no list form)


@dataclass(frozen=True)
class OfficerLoad:
    """One officer's open work, for the supervisor's team view."""

    user_id: int
    name: str
    open: int
    overdue: int
    due_soon: int
    awaiting_reply: int


@dataclass(frozen=True)
class TeamWork:
    per_officer: list[OfficerLoad]
    unassigned: WorkList
    overdue: WorkList
    awaiting_reply: WorkList


def _open_cases(user: AbstractBaseUser) -> QuerySet[Case]:
    return (access.cases_for_user(user=user).filter(status__in=OPEN_STATUSES)
            .select_related("assignee").order_by("due_on", "pk"))


def _work_list(key: str, queryset: QuerySet, list_query: str) -> WorkList:
    """Fetch the first items and the full count in one query (a window count over the same rows)."""
    rows = list(queryset.annotate(total_count=Window(Count("pk")))[:WORK_LIST_LIMIT])
    return WorkList(key=key, items=rows, total=rows[0].total_count if rows else 0, list_query=list_query)


def my_work_for_user(*, user: AbstractBaseUser, today: dt.date | None = None) -> list[WorkList]:
    """Return the user's own queues: overdue, due soon, replies waiting, tasks they own on others' cases."""
    today = today or case_today()
    soon_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    mine = _open_cases(user).filter(assignee=user)
    open_task_states = [FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED]
    tasks = (
        FulfilmentTask.objects.filter(owner=user, state__in=open_task_states, overridden_at__isnull=True,
                                      case__status__in=OPEN_STATUSES)
        .exclude(case__assignee=user)
        .annotate(case_visible=Exists(access.cases_for_user(user=user).filter(pk=OuterRef("case_id"))))
        .select_related("case", "system").order_by("due_on", "pk")
    )
    return [
        _work_list("overdue", mine.filter(due_on__lt=today), "assignee=mine&due=overdue"),
        _work_list("due_soon", mine.filter(due_on__gte=today, due_on__lte=soon_end), "assignee=mine&due=week"),
        _work_list("awaiting_reply", mine.filter(awaiting_reply_since__isnull=False).order_by(
            "awaiting_reply_since", "pk"), "assignee=mine&conversation=awaiting_reply"),
        _work_list("tasks", tasks, ""),
    ]


def team_work_for_user(*, user: AbstractBaseUser, today: dt.date | None = None) -> TeamWork | None:
    """Return the team view for a supervisor (None for anyone else): per-officer counts and the shared queues."""
    if not access.user_is_supervisor(user=user):
        return None
    today = today or case_today()
    soon_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    model = get_user_model()
    fields = {"id": "assignee", "username": f"assignee__{model.USERNAME_FIELD}",
              "first": "assignee__first_name", "last": "assignee__last_name"}
    rows = (
        access.cases_for_user(user=user).filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values(*fields.values())
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=Q(due_on__lt=today)),
                  n_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon_end)),
                  n_reply=Count("pk", filter=Q(awaiting_reply_since__isnull=False)))
    )
    per_officer = sorted(
        (OfficerLoad(user_id=row[fields["id"]],
                     name=f"{row[fields['first']]} {row[fields['last']]}".strip() or row[fields["username"]],
                     open=row["n_open"], overdue=row["n_overdue"], due_soon=row["n_soon"],
                     awaiting_reply=row["n_reply"]) for row in rows),
        key=lambda load: (-load.overdue, load.name.lower()),
    )
    team = _open_cases(user)
    return TeamWork(
        per_officer=per_officer,
        unassigned=_work_list("unassigned", team.filter(assignee__isnull=True), "assignee=unassigned"),
        overdue=_work_list("team_overdue", team.filter(due_on__lt=today), "due=overdue"),
        awaiting_reply=_work_list("team_awaiting_reply", team.filter(awaiting_reply_since__isnull=False).order_by(
            "awaiting_reply_since", "pk"), "conversation=awaiting_reply"),
    )


def saved_filters_for_user(*, user: AbstractBaseUser) -> list[SavedCaseFilter]:
    """Return the user's own saved case-list filters, by name (nobody sees another's)."""
    return list(SavedCaseFilter.objects.filter(user=user).order_by("name", "pk"))
