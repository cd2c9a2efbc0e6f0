"""Scheduled reminders, escalations and verification expiry: found by sweeps, claimed once, sent after commit.

Every job here is a sweep over indexed date and timestamp columns run by beat every few minutes. The staff
reminder sweep reads only the cases whose stored next look (`CaseReminderSchedule.next_at`) has come (a narrow
indexed table; the value is computed by `requests_app.reminder_schedule` on every save of a case and advanced
here after each claim),
so a sweep with nothing due costs one index probe however many cases are open. A staff reminder is claimed
by inserting its unique row (case, kind, target date) — two sweeps, a retried task or a restarted worker
insert nothing the second time — and is sent
after that transaction commits by a delivery loop that claims rows by compare-and-set. A claim left
behind by a killed worker goes stale and is taken over; a failed send is retried with doubling backoff.

Offsets, recipients and quiet rules come from settings.MEDPRIVACY_REMINDERS; statutory dates come from
the case (computed by the rules table), and the extension rules from `regimes.deadlines`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from medprivacy import access
from medprivacy.jobs import job_run
from medprivacy.links import absolute
from outbox.services import message_language, message_send
from regimes import deadlines
from regimes.rules import REGIME_ABBREVIATIONS
from requests_app.models import Case, CaseReminderSchedule, Reminder, VerificationToken
from requests_app.reminder_schedule import ReminderPolicy, latest_offset, next_reminder_at, reminder_policy
from requests_app.services import compliance
from requests_app.services.cases import case_change_status
from requests_app.workflow import OPEN_STATUSES, Status
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
IN_CHUNK = 1000  # ids per IN (...) list: well inside SQLite's and PostgreSQL's limits


# ---------------------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------------------


def cases_overdue(*, today: dt.date, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Return the open cases (of `cases`, default all) whose due date has passed by `today`.

    For the dashboard and escalations. A case whose clock is paused is not overdue: its due date moves
    when the clock runs again.
    """
    cases = Case.objects.all() if cases is None else cases
    return cases.filter(status__in=OPEN_STATUSES, due_on__lt=today, paused_since__isnull=True)


def supervisor_emails(*, policy: ReminderPolicy) -> tuple[str, ...]:
    """Return the addresses of active supervisors plus the configured extra recipients."""
    emails = (access.supervisors().exclude(email="").order_by("email")
              .values_list("email", flat=True).distinct())
    return tuple(dict.fromkeys([*emails, *policy.extra_supervisor_recipients]))


# ---------------------------------------------------------------------------------------------------------
# Which reminders are due today
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    case_id: int
    kind: str
    target_date: dt.date
    due_date: dt.date
    recipients: tuple[str, ...]


class _Recipients:
    """Resolve recipients once per sweep: the assignee, else the supervisors."""

    def __init__(self, policy: ReminderPolicy) -> None:
        self.policy = policy
        self._supervisors: tuple[str, ...] | None = None

    @property
    def supervisors(self) -> tuple[str, ...]:
        if self._supervisors is None:
            self._supervisors = supervisor_emails(policy=self.policy)
        return self._supervisors

    def assignee_or_supervisors(self, email: str | None) -> tuple[str, ...]:
        return (email,) if email else self.supervisors


def _open_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(status__in=OPEN_STATUSES)


def _due_soon(cases: QuerySet[Case], today: dt.date, policy: ReminderPolicy, who: _Recipients) -> Iterator[DueReminder]:
    if not policy.due_offsets:
        return
    horizon = today + dt.timedelta(days=max(policy.due_offsets))
    # A paused clock's due date is not final: remind once it runs again.
    rows = (_open_cases(cases).filter(assignee__isnull=False, paused_since__isnull=True, due_on__range=(today, horizon))
            .order_by("pk").values_list("pk", "due_on", "assignee__email"))
    for pk, due_on, email in rows:
        offset = latest_offset(due_on, today, policy.due_offsets)
        if offset is not None:
            yield DueReminder(pk, Kind.DUE_SOON, due_on - dt.timedelta(days=offset), due_on,
                              (email,) if email else ())


def _overdue(cases: QuerySet[Case], today: dt.date, who: _Recipients) -> Iterator[DueReminder]:
    rows = (cases_overdue(today=today, cases=cases).filter(assignee__isnull=False)
            .order_by("pk").values_list("pk", "due_on", "assignee__email"))
    for pk, due_on, email in rows:
        yield DueReminder(pk, Kind.OVERDUE, due_on + dt.timedelta(days=1), due_on, (email,) if email else ())


def _acknowledge(cases: QuerySet[Case], today: dt.date, policy: ReminderPolicy, who: _Recipients
                 ) -> Iterator[DueReminder]:
    if not policy.acknowledge_offsets:
        return
    horizon = today + dt.timedelta(days=max(policy.acknowledge_offsets))
    rows = (_open_cases(cases).filter(acknowledged_at__isnull=True, acknowledge_by__range=(today, horizon))
            .order_by("pk").values_list("pk", "acknowledge_by", "assignee__email"))
    for pk, ack_by, email in rows:
        offset = latest_offset(ack_by, today, policy.acknowledge_offsets)
        if offset is not None:
            yield DueReminder(pk, Kind.ACKNOWLEDGE, ack_by - dt.timedelta(days=offset), ack_by,
                              who.assignee_or_supervisors(email))


def _extension_notice(cases: QuerySet[Case], today: dt.date, policy: ReminderPolicy, who: _Recipients
                      ) -> Iterator[DueReminder]:
    if not policy.extension_offsets:
        return
    horizon = today + dt.timedelta(days=max(policy.extension_offsets))
    rows = (_open_cases(cases).filter(extended_at__isnull=True, paused_since__isnull=True,
                                 respond_by__range=(today, horizon))
            .order_by("pk").values_list("pk", "regime", "right", "acknowledge_by", "respond_by",
                                        "extended_respond_by", "assignee__email"))
    for pk, regime, right, ack_by, respond_by, extended_by, email in rows:
        rule = deadlines.rule_for(regime, right)
        last_day = deadlines.extension_notice_last_day(
            deadlines.Deadlines(acknowledge_by=ack_by, respond_by=respond_by, extended_respond_by=extended_by),
            rule)
        if last_day is None:
            continue
        allowed, _ = deadlines.can_extend(rule, today=today, respond_by=respond_by, already_extended=False)
        offset = latest_offset(last_day, today, policy.extension_offsets)
        if allowed and offset is not None:
            yield DueReminder(pk, Kind.EXTENSION_NOTICE, last_day - dt.timedelta(days=offset), last_day,
                              who.assignee_or_supervisors(email))


def _awaiting_requester(cases: QuerySet[Case], today: dt.date, policy: ReminderPolicy, who: _Recipients
                        ) -> Iterator[DueReminder]:
    rows = (cases.filter(status=Status.AWAITING_REQUESTER)
            .order_by("pk").values_list("pk", "paused_since", "updated_at", "due_on", "assignee__email"))
    for pk, paused_since, updated_at, due_on, email in rows:
        silent_since = (paused_since or updated_at).astimezone(policy.time_zone).date()
        target = silent_since + dt.timedelta(days=policy.awaiting_requester_silence_days)
        if target <= today:
            yield DueReminder(pk, Kind.AWAITING_REQUESTER, target, due_on, who.assignee_or_supervisors(email))


def _requester_replied(cases: QuerySet[Case], policy: ReminderPolicy, who: _Recipients) -> Iterator[DueReminder]:
    """One reminder per reply still waiting for an officer, keyed on the day it arrived (never one per message)."""
    rows = (_open_cases(cases).filter(awaiting_reply_since__isnull=False)
            .order_by("pk").values_list("pk", "awaiting_reply_since", "due_on", "assignee__email"))
    for pk, since, due_on, email in rows:
        yield DueReminder(pk, Kind.REQUESTER_REPLIED, since.astimezone(policy.time_zone).date(), due_on,
                          who.assignee_or_supervisors(email))


def _unassigned(cases: QuerySet[Case], today: dt.date, policy: ReminderPolicy, who: _Recipients
                ) -> Iterator[DueReminder]:
    # Cases still awaiting verification have nothing to assign yet.
    rows = (_open_cases(cases).filter(assignee__isnull=True).exclude(status=Status.AWAITING_VERIFICATION)
            .order_by("pk").values_list("pk", "receipt_date", "due_on"))
    every, before = policy.unassigned_every_days, policy.unassigned_before_due_days
    for pk, receipt, due_on in rows:
        waited = (today - receipt).days
        if waited >= every:
            target = receipt + dt.timedelta(days=every * (waited // every))
            yield DueReminder(pk, Kind.UNASSIGNED, target, due_on, who.supervisors)
        if 0 <= (due_on - today).days <= before:
            yield DueReminder(pk, Kind.UNASSIGNED_DUE, due_on - dt.timedelta(days=before), due_on, who.supervisors)


def _escalation(cases: QuerySet[Case], today: dt.date, who: _Recipients) -> Iterator[DueReminder]:
    for pk, due_on in cases_overdue(today=today, cases=cases).order_by("pk").values_list("pk", "due_on"):
        yield DueReminder(pk, Kind.ESCALATION, today, due_on, who.supervisors)


def reminders_due(*, today: dt.date, policy: ReminderPolicy,
                  cases: QuerySet[Case] | None = None) -> list[DueReminder]:
    """Return every reminder due on `today` for `cases` (default: every case), assignee first, stably ordered."""
    who = _Recipients(policy)
    cases = Case.objects.all() if cases is None else cases
    return [
        *_acknowledge(cases, today, policy, who),
        *_due_soon(cases, today, policy, who),
        *_extension_notice(cases, today, policy, who),
        *_overdue(cases, today, who),
        *_awaiting_requester(cases, today, policy, who),
        *_requester_replied(cases, policy, who),
        *_unassigned(cases, today, policy, who),
        *_escalation(cases, today, who),
    ]


# ---------------------------------------------------------------------------------------------------------
# Claim: insert the unique rows
# ---------------------------------------------------------------------------------------------------------


@dataclass
class ClaimResult:
    claimed_ids: list[int]
    already_claimed: int = 0
    no_recipients: int = 0


# The fields the schedule reads (reminder_schedule.next_reminder_day): all the sweep loads of a due case.
SCHEDULE_FIELDS = ("status", "regime", "right", "receipt_date", "acknowledge_by", "acknowledged_at", "respond_by",
                   "extended_respond_by", "extended_at", "due_on", "paused_since", "assignee_id",
                   "awaiting_reply_since", "updated_at")


def cases_due_for_reminders(*, now: dt.datetime) -> QuerySet[Case]:
    """Return the cases the sweep must look at now: their stored next look has come (index on the schedule)."""
    return Case.objects.filter(reminder_schedule__next_at__lte=now)


def reminders_reschedule(*, cases: Iterable[Case | SimpleNamespace], policy: ReminderPolicy, now: dt.datetime,
                         after: dt.date | None, current: Mapping[int, dt.datetime] | None = None) -> int:
    """Store each case's next look (reminder_schedule.next_reminder_at) in the schedule table, set-based
    (`CaseReminderSchedule.objects.store_many`); return how many were written.
    `current` (case id -> stored instant, when the caller read them) skips the cases whose look is unchanged."""
    computed = [(dsr.pk, next_reminder_at(dsr, policy=policy, now=now, after=after)) for dsr in cases]
    changes = computed if current is None else [(pk, at) for pk, at in computed if at != current.get(pk)]
    CaseReminderSchedule.objects.store_many(changes)
    return len(changes)


# The claim's set-based insert on PostgreSQL (elsewhere: bulk_create). The rows are one JSON text parameter:
# as five arrays of 10,000 values the driver quoted every element in Python (most of the insert's time).
_CLAIM_SQL = """
INSERT INTO requests_app_reminder (case_id, kind, target_date, due_date, recipients, state, attempts, created_at,
                                   next_attempt_at, claim_token, last_error)
SELECT v.case_id, v.kind, v.target_date, v.due_date, v.recipients, %s, 0, %s, %s, %s, ''
FROM json_to_recordset(%s::json)
     AS v(case_id bigint, kind text, target_date date, due_date date, recipients text)
ON CONFLICT (case_id, kind, target_date) DO NOTHING
RETURNING id
"""


def _reminders_insert(due: list[DueReminder], *, now: dt.datetime, token: uuid.UUID) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING one row per due reminder; return the ids inserted (sorted)."""
    if not due:
        return []
    if connection.vendor == "postgresql":
        rows = json.dumps([{"case_id": d.case_id, "kind": str(d.kind), "target_date": d.target_date.isoformat(),
                            "due_date": d.due_date.isoformat(), "recipients": ",".join(d.recipients)} for d in due])
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [Reminder.State.PENDING.value, now, now, token, rows])
            return sorted(row[0] for row in cursor.fetchall())
    Reminder.objects.bulk_create(
        [Reminder(case_id=d.case_id, kind=d.kind, target_date=d.target_date, due_date=d.due_date,
                  recipients=",".join(d.recipients), state=Reminder.State.PENDING, created_at=now,
                  next_attempt_at=now, claim_token=token) for d in due],
        ignore_conflicts=True, batch_size=1000,
    )
    return list(Reminder.objects.filter(claim_token=token).order_by("pk").values_list("pk", flat=True))


def reminders_reschedule_open(*, policy: ReminderPolicy | None = None, chunk: int = 2000) -> int:
    """Recompute every open case's next look from its inputs (after MEDPRIVACY_REMINDERS changed); return how
    many were written. Cases are read in primary-key chunks, each chunk rescheduled in its own transaction
    (a sweep holding a case's schedule row makes that write wait for it)."""
    policy = policy or reminder_policy()
    now = timezone.now()
    changed, last = 0, 0
    while True:
        with transaction.atomic():
            cases = list(Case.objects.open().filter(pk__gt=last).only(*SCHEDULE_FIELDS).order_by("pk")[:chunk])
            if not cases:
                return changed
            changed += reminders_reschedule(cases=cases, policy=policy, now=now, after=None)
        last = cases[-1].pk


def reminders_claim(*, policy: ReminderPolicy | None = None) -> ClaimResult:
    """Insert a row for every reminder due now that has none; return the ids THIS call inserted.

    Reads only the cases whose stored next look has come, their schedule rows locked (FOR NO KEY UPDATE SKIP
    LOCKED: a case a service is rescheduling right now is left to the next sweep, and a service that writes a
    case meanwhile waits for this transaction and then reschedules from what it wrote). Their due reminders
    are inserted in one set-based INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING on the unique key (case,
    kind, target day; the rows passed as one JSON parameter), and the cases are rescheduled after today in one upsert of
    their schedule rows — all in one transaction, so a concurrent sweep blocks on the key until this one
    commits and then inserts nothing. A case with a reminder nobody can receive (no supervisor yet) keeps its
    time: the next sweep tries again.
    """
    policy = policy or reminder_policy()
    now = timezone.now()
    today = policy.today(now)
    token = uuid.uuid4()
    with transaction.atomic():
        schedule = dict(CaseReminderSchedule.objects.filter(next_at__lte=now)
                        .select_for_update(skip_locked=True, no_key=True).order_by("case_id")
                        .values_list("case_id", "next_at"))
        if not schedule:
            return ClaimResult(claimed_ids=[])
        due_cases = cases_due_for_reminders(now=now)
        # Plain rows, not model instances: the schedule reads only these fields (a third of the claim's
        # Python time went to building 10,000 Case objects).
        locked = [SimpleNamespace(**row) for row in due_cases.order_by("pk").values("pk", *SCHEDULE_FIELDS)
                  if row["pk"] in schedule]
        due = [d for d in reminders_due(today=today, policy=policy, cases=due_cases) if d.case_id in schedule]
        sendable = [d for d in due if d.recipients]
        claimed = _reminders_insert(sendable, now=now, token=token)
        waiting = {d.case_id for d in due if not d.recipients}
        reminders_reschedule(cases=[dsr for dsr in locked if dsr.pk not in waiting], policy=policy, now=now,
                             after=today, current=schedule)
    return ClaimResult(claimed_ids=claimed, already_claimed=len(sendable) - len(claimed),
                       no_recipients=len(due) - len(sendable))


# ---------------------------------------------------------------------------------------------------------
# Deliver: claim rows by compare-and-set, send, record
# ---------------------------------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    held_by_quiet_rules: bool = False
    stopped_by_time_budget: bool = False


def case_admin_url(pk: int) -> str:
    """Return the absolute admin link of a case."""
    try:
        path = reverse("admin:requests_app_case_change", args=[pk])
    except NoReverseMatch:  # the case admin is registered by the workbench; keep links right without it
        path = f"/admin/requests_app/case/{pk}/change/"
    return f"{settings.SITE_URL}{path}"


def _headline(reminder: Reminder) -> str:
    due = reminder.due_date.isoformat()
    days = (reminder.due_date - reminder.target_date).days
    in_days = f"in {days} day{'s' if days != 1 else ''}"
    return {
        Kind.DUE_SOON: f"due {in_days}, on {due}",
        Kind.OVERDUE: f"overdue: it was due on {due}",
        Kind.ACKNOWLEDGE: f"acknowledge it by {due} ({in_days})",
        Kind.EXTENSION_NOTICE: f"the last day to send an extension notice is {due} ({in_days})",
        Kind.UNASSIGNED: f"not assigned yet; due on {due}",
        Kind.UNASSIGNED_DUE: f"not assigned and due {in_days}, on {due}",
        Kind.ESCALATION: f"OVERDUE since {(reminder.due_date + dt.timedelta(days=1)).isoformat()}; "
                         f"it was due on {due}",
        Kind.AWAITING_REQUESTER: f"still waiting for the requester; close the case or continue (due on {due})",
        Kind.REQUESTER_REPLIED: f"the requester wrote on the status page; read and answer it (due on {due})",
    }[Kind(reminder.kind)]


def reminder_email(reminder: Reminder, *, connection=None) -> EmailMessage:
    """Build the staff e-mail: the case reference, kind, due date and admin link; no personal data."""
    dsr = reminder.case
    headline = _headline(reminder)
    body = (
        f"Case {dsr.reference}: {headline}.\n\n"
        f"Reminder: {reminder.get_kind_display()}\n"
        f"Due date: {reminder.due_date.isoformat()}\n"
        f"Open the case: {case_admin_url(dsr.pk)}\n\n"
        "Sent by the MedPrivacy scheduler. Details of the request are in the admin only.\n"
    )
    return EmailMessage(subject=f"[{dsr.reference}] {headline}", body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[a for a in reminder.recipients.split(",") if a], connection=connection,
                        headers={"X-MedPrivacy-Reminder": str(reminder.pk)})


def _claim_batch(*, policy: ReminderPolicy) -> list[Reminder] | None:
    """Claim up to a batch of due rows (compare-and-set); None when nothing is due."""
    now = timezone.now()
    due = Reminder.objects.filter(state__in=Reminder.ACTIVE_STATES, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:policy.send_batch])
    if not ids:
        return None
    token = uuid.uuid4()
    # The WHERE is re-checked under the row lock: a row another worker claimed meanwhile has moved its
    # next_attempt_at into the future and is skipped.
    due.filter(pk__in=ids).update(state=Reminder.State.SENDING, claimed_at=now, claim_token=token,
                                  next_attempt_at=now + policy.stale_claim, attempts=F("attempts") + 1)
    return list(Reminder.objects.filter(claim_token=token).select_related("case").order_by("pk"))


def _deliver_one(reminder: Reminder, *, policy: ReminderPolicy, result: DeliveryResult, connection) -> None:
    mine = Reminder.objects.filter(pk=reminder.pk, claim_token=reminder.claim_token, state=Reminder.State.SENDING)
    answered = reminder.kind == Kind.REQUESTER_REPLIED and reminder.case.awaiting_reply_since is None
    if not reminder.case.is_open or answered:
        mine.update(state=Reminder.State.CANCELLED, next_attempt_at=None)
        result.cancelled += 1
        return
    try:
        reminder_email(reminder, connection=connection).send()
    except Exception as exc:  # any transport error: record the class, retry later, go on with the others
        gave_up = reminder.attempts >= policy.max_attempts
        mine.update(state=Reminder.State.FAILED, last_error=type(exc).__name__[:200],
                    next_attempt_at=None if gave_up else timezone.now() + policy.backoff(reminder.attempts))
        result.failed += 1
        result.errors[type(exc).__name__] += 1
        logger.warning("reminder %s: send failed (%s), attempt %s%s", reminder.pk, type(exc).__name__,
                       reminder.attempts, ", giving up" if gave_up else "")
        raise
    with transaction.atomic():
        if not mine.update(state=Reminder.State.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""):
            logger.warning("reminder %s: claim was taken over while sending", reminder.pk)
        timeline_record(dsr=reminder.case, kind=TimelineEvent.Kind.REMINDER,
                        summary=f"{reminder.get_kind_display()} reminder sent: {_headline(reminder)}")
    result.sent += 1


class _PolicyBudget:
    """The default time budget: the policy's."""


POLICY_BUDGET = _PolicyBudget()


def reminders_deliver(*, policy: ReminderPolicy | None = None,
                      time_budget: float | None | _PolicyBudget = POLICY_BUDGET) -> DeliveryResult:
    """Send every due reminder row, batch by batch, until none is left or the time budget is spent.

    Rows left over wait (pending) for the next sweep, so a sweep never occupies a worker long enough to
    starve the beat heartbeat. Pass time_budget=None for no limit (the default is the policy's).
    """
    policy = policy or reminder_policy()
    budget = policy.sweep_time_budget if isinstance(time_budget, _PolicyBudget) else time_budget
    result = DeliveryResult()
    if policy.is_quiet(timezone.now()):
        result.held_by_quiet_rules = True
        return result
    started = time.monotonic()
    while True:
        if budget is not None and time.monotonic() - started >= budget:
            result.stopped_by_time_budget = True
            break
        batch = _claim_batch(policy=policy)
        if batch is None:
            break
        connection = get_connection()  # one connection per batch; reopened after a failure
        try:
            for reminder in batch:
                try:
                    _deliver_one(reminder, policy=policy, result=result, connection=connection)
                except Exception:
                    connection.close()
                    connection = get_connection()
        finally:
            connection.close()
    return result


# ---------------------------------------------------------------------------------------------------------
# Verification: the reminder to the requester and closing unverified requests
# ---------------------------------------------------------------------------------------------------------


def _awaiting_cases(submission_id: int) -> QuerySet[Case]:
    return (Case.objects.filter(submission_id=submission_id, status=Status.AWAITING_VERIFICATION)
            .exclude(verification_level="none"))


def verification_reminders_send(*, policy: ReminderPolicy | None = None) -> int:
    """Remind requesters whose newest link was sent long enough ago and is still unused; return how many.

    `VerificationToken.reminder_sent_at` is set by compare-and-set in the transaction that stores the
    message, so the reminder goes out once however many sweeps run.
    """
    policy = policy or reminder_policy()
    now = timezone.now()
    newer = VerificationToken.objects.filter(submission=OuterRef("submission"), created_at__gt=OuterRef("created_at"))
    awaiting = Case.objects.filter(submission=OuterRef("submission"), status=Status.AWAITING_VERIFICATION)
    due = (VerificationToken.objects
           .filter(used_at__isnull=True, reminder_sent_at__isnull=True, expires_at__gt=now,
                   created_at__lte=now - policy.verification_reminder_after)
           .filter(Exists(awaiting)).exclude(Exists(newer)).order_by("pk").values_list("pk", flat=True))
    sent = 0
    for token_id in list(due):
        with transaction.atomic():
            if not VerificationToken.objects.filter(pk=token_id, reminder_sent_at__isnull=True,
                                                    used_at__isnull=True).update(reminder_sent_at=now):
                continue  # another sweep got it first
            token = VerificationToken.objects.select_related("submission__subject").get(pk=token_id)
            cases = list(_awaiting_cases(token.submission_id).order_by("pk"))
            if not cases or not token.submission.subject.email:
                continue
            message_send(submission=token.submission, template_key="verification_reminder", cases=cases,
                         context={"link_sent_on": token.created_at.astimezone(policy.time_zone).date(),
                                  "link_expires_on": token.expires_at.astimezone(policy.time_zone).date(),
                                  "new_link_url": absolute(reverse("requests_app:new_link"))})
            sent += 1
    return sent


@dataclass
class ExpiryResult:
    closed: int = 0
    messages: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Closure:
    reason: str  # for the history row (at most 100 characters)
    explanation: str  # for the case's outcome and the message to the requester


def _expired_unverified(now: dt.datetime, today: dt.date) -> dict[int, dict[int, Closure]]:
    """Return {submission: {case: closure}} for the cases to close as unverified now."""
    live = VerificationToken.objects.filter(submission=OuterRef("submission"), used_at__isnull=True,
                                            expires_at__gt=now)
    expired = VerificationToken.objects.filter(submission=OuterRef("submission"), used_at__isnull=True,
                                               expires_at__lte=now)
    waiting = Case.objects.filter(status=Status.AWAITING_VERIFICATION).exclude(verification_level="none")
    plan: dict[int, dict[int, Closure]] = defaultdict(dict)
    link_expired = Closure("Not verified: the verification link expired unused",
                           "we could not verify your identity: the verification link we sent you expired "
                           "without being used")
    for pk, submission_id in waiting.filter(Exists(expired)).exclude(Exists(live)).values_list("pk", "submission_id"):
        plan[submission_id][pk] = link_expired
    # Where the clock runs whether or not the request is verified (CCPA), the answer — here, that we
    # could not verify — is due by the deadline even while a link is still valid.
    for pk, submission_id, regime, right, due_on in (
            waiting.filter(due_on__lte=today).values_list("pk", "submission_id", "regime", "right", "due_on")):
        if pk in plan.get(submission_id, {}) or deadlines.rule_for(regime, right).pause_allowed:
            continue
        name = REGIME_ABBREVIATIONS[regime]
        plan[submission_id][pk] = Closure(
            f"Not verified by the {name} response deadline {due_on.isoformat()}",
            f"we could not verify your identity by the response deadline of {due_on.isoformat()}; under "
            f"{name} we must answer by then whether or not a request could be verified")
    return plan


def verification_expire(*, policy: ReminderPolicy | None = None) -> ExpiryResult:
    """Close as unverified the cases whose verification can no longer come in time, telling the requester.

    Cases that need no verification (opt-outs) are never touched. Each submission is handled in its own
    transaction with its cases locked, so a concurrent sweep finds them closed and sends nothing.
    """
    policy = policy or reminder_policy()
    now = timezone.now()
    result = ExpiryResult()
    for submission_id, closures in _expired_unverified(now, policy.today(now)).items():
        try:
            with transaction.atomic():
                locked = list(Case.objects.select_for_update().filter(
                    pk__in=list(closures), status=Status.AWAITING_VERIFICATION).order_by("pk"))
                closed = [case_change_status(dsr=dsr, to=Status.CLOSED_UNVERIFIED, actor=None,
                                             reason=closures[dsr.pk].reason,
                                             outcome_summary=closures[dsr.pk].explanation)
                          for dsr in locked]
                if closed and closed[0].submission.subject.email:
                    # One notice per submission, carrying every statement any of its cases' rules require.
                    texts: dict[str, str] = {}
                    with message_language(closed[0].submission):  # in the requester's language
                        for dsr in closed:
                            texts.update(compliance.notice_statements(dsr=dsr, kind="closed_unverified"))
                    reason = closures[closed[0].pk].explanation
                    context = {"reason": reason, "rights_notice": compliance.notice_rights_text(texts)}
                    message = message_send(submission=closed[0].submission, template_key="closed_unverified",
                                           cases=closed, context=context)
                    compliance.notice_assert_complete(message=message, texts=texts, reason=reason)
                    result.messages += 1
                result.closed += len(closed)
        except Exception as exc:  # one bad submission must not stop the others
            result.errors[type(exc).__name__] += 1
            logger.exception("verification expiry: submission %s failed (%s)", submission_id, type(exc).__name__)
    return result


# ---------------------------------------------------------------------------------------------------------
# The sweeps beat runs: each one a recorded job run
# ---------------------------------------------------------------------------------------------------------


def reminders_sweep() -> DeliveryResult:
    """Claim today's staff reminders and send the due ones; record the run."""
    policy = reminder_policy()
    with job_run("reminders") as run:
        claim = reminders_claim(policy=policy)
        if claim.no_recipients:
            run.error("NoRecipients", claim.no_recipients)
        delivery = reminders_deliver(policy=policy)
        run.handled(delivery.sent + delivery.cancelled)
        run.errors_from(delivery.errors)
    logger.info("reminders sweep: %s claimed, %s sent, %s failed, %s cancelled", len(claim.claimed_ids),
                delivery.sent, delivery.failed, delivery.cancelled)
    return delivery


def verification_sweep() -> tuple[int, ExpiryResult]:
    """Send due verification reminders and close expired unverified requests; record the run."""
    policy = reminder_policy()
    with job_run("verification") as run:
        reminded = verification_reminders_send(policy=policy)
        expiry = verification_expire(policy=policy)
        run.handled(reminded + expiry.closed)
        run.errors_from(expiry.errors)
    return reminded, expiry
