"""Reads of the reporting app: the facts of a period, the series the charts draw, the case-list export.

The metrics and their charts count every case (supervisors only); the backlog and load charts and the
case-list export read only the cases the user may see, through `requests_app.selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from audit.models import AuditEntry
from fulfilment.models import FulfilmentTask
from medprivacy import access
from outbox.models import Message
from reporting import metrics
from reporting.models import CaseFact
from reporting.rules import ADMT_REQUEST_TYPES, REQUEST_TYPES, RESPONDED, RIGHT_TO_TYPE
from requests_app import selectors as case_selectors
from requests_app.models import Case
from timeline.models import TimelineEvent


def user_can_see_reports(*, user: AbstractBaseUser) -> bool:
    """The metrics count every case: supervisors (who see all cases) and superusers only."""
    return access.user_sees_all_cases(user=user)


def user_can_export_evidence(*, user: AbstractBaseUser, dsr: Case) -> bool:
    """Supervisors for any case; an officer for a case assigned to them."""
    if access.user_sees_all_cases(user=user):
        return True
    return dsr.assignee_id == user.pk and access.case_can_change(user=user, dsr=dsr)


def facts_for_period(*, start: dt.date, end: dt.date, regime: str | None = None) -> list[metrics.CaseFact]:
    """Every fact received or responded to in the period."""
    rows = CaseFact.objects.filter(Q(received_on__range=(start, end)) | Q(closed_on__range=(start, end)))
    if regime:
        rows = rows.filter(regime=regime)
    columns = ("regime", "right", "received_on", "outcome", "denial_reason", "closed_on", "due_on", "extended")
    return [metrics.CaseFact(*row) for row in rows.order_by("pk").values_list(*columns).iterator(chunk_size=5000)]


def metrics_for_period(*, start: dt.date, end: dt.date, regime: str | None = None) -> metrics.Metrics:
    return metrics.compute_metrics(facts_for_period(start=start, end=end, regime=regime), start=start, end=end,
                                   regime=regime, include_admt=settings.MEDPRIVACY_ADMT_METRICS)


def regimes_reported() -> list[str]:
    return sorted(set(CaseFact.objects.values_list("regime", flat=True).distinct()))


# --- Chart series -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """One chart's numbers: category labels (x) and named value rows (one per bar colour)."""

    title: str
    categories: list[str]
    rows: list[tuple[str, list[float]]]
    unit: str = ""
    stacked: bool = True


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    months, (y, m) = [], (start.year, start.month)
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _label(month: tuple[int, int]) -> str:
    return dt.date(month[0], month[1], 1).strftime("%b %Y")


def series_requests_per_month(facts: list[metrics.CaseFact], *, start: dt.date, end: dt.date) -> Series:
    months = _months(start, end)
    counts: Counter[tuple[str, tuple[int, int]]] = Counter()
    for fact in facts:
        request_type = RIGHT_TO_TYPE.get(fact.right)
        if request_type and start <= fact.received_on <= end:
            counts[(request_type, (fact.received_on.year, fact.received_on.month))] += 1
    rows = [(label, [counts[(code, m)] for m in months]) for code, label in REQUEST_TYPES.items()
            if settings.MEDPRIVACY_ADMT_METRICS or code not in ADMT_REQUEST_TYPES]
    return Series(gettext("Requests received per month, by type"), [_label(m) for m in months], rows)


def series_timeliness(facts: list[metrics.CaseFact], *, start: dt.date, end: dt.date) -> tuple[Series, Series]:
    """Per month of response: the share answered by the due date, and the mean days to respond."""
    months = _months(start, end)
    done: Counter[tuple[int, int]] = Counter()
    on_time: Counter[tuple[int, int]] = Counter()
    days: Counter[tuple[int, int]] = Counter()
    for fact in facts:
        if fact.outcome not in RESPONDED or fact.closed_on is None or not (start <= fact.closed_on <= end):
            continue
        key = (fact.closed_on.year, fact.closed_on.month)
        done[key] += 1
        on_time[key] += fact.due_on is not None and fact.closed_on <= fact.due_on
        days[key] += (fact.closed_on - fact.received_on).days
    labels = [_label(m) for m in months]
    rate = Series(gettext("Answered on time (% of responses per month)"), labels,
                  [(gettext("On time"), [round(100 * on_time[m] / done[m]) if done[m] else 0 for m in months])],
                  unit="%", stacked=False)
    mean = Series(gettext("Mean days to respond, per month of response"), labels,
                  [(gettext("Mean days"), [round(days[m] / done[m], 1) if done[m] else 0 for m in months])],
                  unit=" days", stacked=False)
    return rate, mean


AGE_BUCKETS = ((0, 15, gettext_noop("0–15 days")), (16, 30, gettext_noop("16–30 days")),
               (31, 45, gettext_noop("31–45 days")), (46, 90, gettext_noop("46–90 days")),
               (91, None, gettext_noop("over 90 days")))
DUE_BUCKETS = (gettext_noop("Overdue"), gettext_noop("Due this week"), gettext_noop("Due later"))


def series_backlog(*, user: AbstractBaseUser, today: dt.date | None = None) -> tuple[Series, Series]:
    """Open cases the user can see: by age since receipt, and by when they are due."""
    today = today or case_selectors.case_today()
    open_cases = access.cases_for_user(user=user).filter(status__in=case_selectors.OPEN_STATUSES)
    ages: Counter[str] = Counter()
    dues: Counter[str] = Counter()
    week_end = today + dt.timedelta(days=case_selectors.WEEK_DAYS - 1)
    for receipt, due in open_cases.values_list("receipt_date", "due_on").iterator(chunk_size=2000):
        age = (today - receipt).days
        ages[next(label for low, high, label in AGE_BUCKETS if high is None or age <= high)] += 1
        dues["Overdue" if due < today else "Due this week" if due <= week_end else "Due later"] += 1
    age_labels = [label for _, _, label in AGE_BUCKETS]
    due_labels = list(DUE_BUCKETS)
    return (Series(gettext("Open cases by age"), [gettext(x) for x in age_labels],
                   [(gettext("Open cases"), [ages[x] for x in age_labels])], stacked=False),
            Series(gettext("Open cases by due date"), [gettext(x) for x in due_labels],
                   [(gettext("Open cases"), [dues[x] for x in due_labels])], stacked=False))


def series_officer_load(*, user: AbstractBaseUser) -> Series:
    dash = case_selectors.case_dashboard_for_user(user=user)
    names = [name for name, _, _ in dash.per_officer]
    return Series(gettext("Open cases per officer"), names,
                  [(gettext("Not overdue"), [n - late for _, n, late in dash.per_officer]),
                   (gettext("Overdue"), [late for _, _, late in dash.per_officer])])


# --- Case-list export -----------------------------------------------------------------------------------

CASE_CSV_HEADER = ("reference", "right", "regime", "status", "channel", "received_on", "due_on", "extended",
                   "assignee", "closed_at", "denial_ground")


def case_csv_rows(cases: QuerySet[Case]) -> list[tuple]:
    """The case-list columns officers see, no personal data of the requester; header first."""
    rows: list[tuple] = [CASE_CSV_HEADER]
    for dsr in cases.select_related("assignee").iterator(chunk_size=2000):
        rows.append((dsr.reference, dsr.right, dsr.regime, dsr.status, dsr.channel, dsr.receipt_date.isoformat(),
                     dsr.due_on.isoformat(), "yes" if dsr.extended_at else "no",
                     dsr.assignee.get_username() if dsr.assignee else "",
                     dsr.closed_at.isoformat() if dsr.closed_at else "", dsr.denial_ground))
    return rows


# --- Evidence pack: every record of one case, unscoped (callers check the user first) ---------------------

def evidence_case_by_reference(*, reference: str) -> Case | None:
    return Case.objects.filter(reference=reference.strip().upper()).first()


def evidence_case(*, case_id: int) -> Case:
    return Case.objects.select_related("subject", "submission", "assignee").get(pk=case_id)


def evidence_timeline(*, dsr: Case) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(case=dsr).order_by("at", "pk"))


def evidence_messages(*, dsr: Case) -> list[Message]:
    """The messages on the case's timeline (a message about sibling cases of the submission included)."""
    ids = TimelineEvent.objects.filter(case=dsr, message__isnull=False).values("message_id")
    return list(Message.objects.filter(pk__in=ids).order_by("created_at", "pk"))


def evidence_tasks(*, dsr: Case) -> list[FulfilmentTask]:
    return list(FulfilmentTask.objects.filter(case=dsr).select_related("system").order_by("pk"))


def evidence_audit_entries(*, case_id: int, message_ids: list[int]) -> QuerySet[AuditEntry]:
    messages = Q(object_type=Message._meta.label_lower, object_id__in=[str(pk) for pk in message_ids])
    return AuditEntry.objects.filter(Q(case_id=case_id) | messages).order_by("sequence")


def evidence_message_digests(*, message_ids: list[int]) -> dict[int, str]:
    """The content digest the chain stored when each message was written."""
    rows = AuditEntry.objects.filter(kind="message.stored", object_type=Message._meta.label_lower,
                                     object_id__in=[str(pk) for pk in message_ids])
    return {int(object_id): digest for object_id, digest in rows.values_list("object_id", "content_digest")}
