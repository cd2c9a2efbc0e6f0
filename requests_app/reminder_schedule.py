"""When a case next needs the reminder sweep: the policy (settings) and a pure function of the case's fields.

The sweep (`services.reminders`) reads only cases whose stored next look (`CaseReminderSchedule.next_at`) has
passed (healthchecks' `alert_after` pattern), so its cost follows what is due, not what is open. The stored
value is computed here:

- on every save of a case (`Case.save`), from the case's inputs as they now are, with `after=None`: the
  first day since receipt on which any kind of reminder may be due (a past day: the next sweep looks);
- by the sweep after it has claimed a case's reminders for `today`, with `after=today`: the next day a
  reminder of any kind begins or its key (case, kind, target day) changes.

The value may be early (the sweep then finds nothing new, inserts nothing and reschedules) but never late:
each kind below lists the days its key can change and the days it is active, exactly as the sweep's
selectors decide. A closed case needs no reminder (None). Changing MEDPRIVACY_REMINDERS needs
`manage.py reminders_reschedule` (the schedule was computed with the old offsets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from medprivacy import clock
from regimes import deadlines
from requests_app.workflow import OPEN, Status


@dataclass(frozen=True)
class ReminderPolicy:
    """Hold the configurable offsets, recipients, quiet rules and retry limits of the scheduler."""

    time_zone: ZoneInfo
    due_offsets: tuple[int, ...]
    acknowledge_offsets: tuple[int, ...]
    extension_offsets: tuple[int, ...]
    unassigned_every_days: int
    unassigned_before_due_days: int
    verification_reminder_after: dt.timedelta
    awaiting_requester_silence_days: int
    extra_supervisor_recipients: tuple[str, ...] = ()
    quiet_hours: tuple[int, int] | None = None
    quiet_weekends: bool = False
    send_batch: int = 25
    sweep_time_budget: float | None = 60.0
    stale_claim: dt.timedelta = dt.timedelta(minutes=15)
    max_attempts: int = 8
    retry_base: dt.timedelta = dt.timedelta(minutes=5)
    retry_cap: dt.timedelta = dt.timedelta(hours=6)

    def today(self, now: dt.datetime) -> dt.date:
        """Return the calendar day of `now` in the reminder time zone."""
        return clock.day_in(self.time_zone, at=now)

    def is_quiet(self, now: dt.datetime) -> bool:
        """Return whether staff e-mails are held at `now` (quiet hours or a quiet weekend)."""
        local = now.astimezone(self.time_zone)
        if self.quiet_weekends and local.weekday() >= 5:
            return True
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        if start < end:
            return start <= local.hour < end
        return local.hour >= start or local.hour < end  # spans midnight, e.g. 20-7

    def backoff(self, attempts: int) -> dt.timedelta:
        """Return the wait after the `attempts`-th failed attempt: base, doubling, capped."""
        return min(self.retry_base * 2 ** max(attempts - 1, 0), self.retry_cap)


def _offsets(name: str, values: Iterable[int]) -> tuple[int, ...]:
    result = tuple(sorted({int(v) for v in values}, reverse=True))
    if any(v < 0 for v in result):
        raise ImproperlyConfigured(f"MEDPRIVACY_REMINDERS[{name!r}] must list days >= 0; got {list(values)}")
    return result


def _quiet_hours(text: str) -> tuple[int, int] | None:
    if not text.strip():
        return None
    start, sep, end = text.partition("-")
    try:
        hours = (int(start), int(end))
    except ValueError:
        hours = (-1, -1)
    if not sep or not all(0 <= h <= 23 for h in hours) or hours[0] == hours[1]:
        raise ImproperlyConfigured(f"MEDPRIVACY_REMINDER_QUIET_HOURS must look like 20-7; got {text!r}")
    return hours


def reminder_policy() -> ReminderPolicy:
    """Build the policy from settings.MEDPRIVACY_REMINDERS, refusing impossible values."""
    conf = settings.MEDPRIVACY_REMINDERS
    for name in ("unassigned_every_days", "send_batch", "stale_claim_seconds", "max_attempts"):
        if int(conf[name]) < 1:
            raise ImproperlyConfigured(f"MEDPRIVACY_REMINDERS[{name!r}] must be at least 1; got {conf[name]}")
    budget = int(conf["sweep_time_budget_seconds"])
    return ReminderPolicy(
        time_zone=ZoneInfo(conf["time_zone"]),
        due_offsets=_offsets("due_offsets_days", conf["due_offsets_days"]),
        acknowledge_offsets=_offsets("acknowledge_offsets_days", conf["acknowledge_offsets_days"]),
        extension_offsets=_offsets("extension_offsets_days", conf["extension_offsets_days"]),
        unassigned_every_days=int(conf["unassigned_every_days"]),
        unassigned_before_due_days=int(conf["unassigned_before_due_days"]),
        verification_reminder_after=dt.timedelta(hours=int(conf["verification_reminder_after_hours"])),
        awaiting_requester_silence_days=int(conf["awaiting_requester_silence_days"]),
        extra_supervisor_recipients=tuple(conf["extra_supervisor_recipients"]),
        quiet_hours=_quiet_hours(conf["quiet_hours"]),
        quiet_weekends=bool(conf["quiet_weekends"]),
        send_batch=int(conf["send_batch"]),
        sweep_time_budget=float(budget) if budget > 0 else None,
        stale_claim=dt.timedelta(seconds=int(conf["stale_claim_seconds"])),
        max_attempts=int(conf["max_attempts"]),
        retry_base=dt.timedelta(seconds=int(conf["retry_base_seconds"])),
        retry_cap=dt.timedelta(seconds=int(conf["retry_cap_seconds"])),
    )


def latest_offset(deadline: dt.date, today: dt.date, offsets: tuple[int, ...]) -> int | None:
    """Return the offset whose reminder day is the latest on or before today, or None.

    A sweep that missed a day (beat down) sends the one reminder that is due now, not every missed one.
    """
    days_left = (deadline - today).days
    fitting = [o for o in offsets if o >= days_left >= 0]
    return min(fitting) if fitting else None



# ---------------------------------------------------------------------------------------------------------
# The schedule: the first day on or after `start` a kind of reminder may produce a key not yet claimed
# ---------------------------------------------------------------------------------------------------------


def _first_day(start: dt.date, after: dt.date | None, *, lo: dt.date, hi: dt.date | None,
               changes: Iterable[dt.date]) -> dt.date | None:
    """The first day >= start on which a kind active on [lo, hi] may have an unclaimed key.

    Its key changes on the `changes` days and when it becomes active (lo). Called by a service (after is
    None), a kind active today may have an unclaimed key today: start itself.
    """
    if hi is not None and hi < lo:
        return None
    if after is None and lo <= start and (hi is None or start <= hi):
        return start
    days = [d for d in (lo, *changes) if d >= start and lo <= d and (hi is None or d <= hi)]
    return min(days) if days else None


def _offset_days(deadline: dt.date, offsets: tuple[int, ...], start: dt.date,
                 after: dt.date | None) -> dt.date | None:
    """A "N days before the deadline" kind: active from the largest offset's day to the deadline."""
    if not offsets:
        return None
    return _first_day(start, after, lo=deadline - dt.timedelta(days=max(offsets)), hi=deadline,
                      changes=[deadline - dt.timedelta(days=o) for o in offsets])


def next_reminder_day(dsr: Any, *, policy: ReminderPolicy, today: dt.date,
                      after: dt.date | None = None) -> dt.date | None:
    """Return the first day on which the sweep must look at `dsr`, or None (closed: nothing to remind).

    `dsr` is a case (or anything with its fields, e.g. a migration's historical model). With `after`, the
    reminders due up to and including that day are claimed: the answer is a later day.
    """
    status = Status(dsr.status)
    if status not in OPEN:
        return None
    # A service's answer may lie in the past (the sweep then looks at once): it never assumes that a
    # reminder due before today was claimed, however late the case is written (or backdated, in tests).
    start = min(today, dsr.receipt_date) if after is None else max(today, after + dt.timedelta(days=1))
    paused = dsr.paused_since is not None
    candidates: list[dt.date | None] = []
    one_day = dt.timedelta(days=1)
    if dsr.assignee_id is not None and not paused:  # due soon; overdue (assignee reminders)
        candidates.append(_offset_days(dsr.due_on, policy.due_offsets, start, after))
        candidates.append(_first_day(start, after, lo=dsr.due_on + one_day, hi=None, changes=()))
    if not paused:  # escalation: a new key every day while overdue
        candidates.append(max(start, dsr.due_on + one_day))
    if dsr.acknowledged_at is None and dsr.acknowledge_by is not None:
        candidates.append(_offset_days(dsr.acknowledge_by, policy.acknowledge_offsets, start, after))
    if dsr.extended_at is None and not paused and dsr.respond_by is not None:
        rule = deadlines.rule_for(dsr.regime, dsr.right)
        last_day = deadlines.extension_notice_last_day(deadlines.Deadlines(
            acknowledge_by=dsr.acknowledge_by, respond_by=dsr.respond_by,
            extended_respond_by=dsr.extended_respond_by), rule)
        if last_day is not None and rule.extension is not None and policy.extension_offsets:
            # The sweep looks at respond_by within the offsets and the notice's last day within them too.
            reach = dt.timedelta(days=max(policy.extension_offsets))
            candidates.append(_first_day(
                start, after, lo=max(last_day, dsr.respond_by) - reach, hi=min(last_day, dsr.respond_by),
                changes=[last_day - dt.timedelta(days=o) for o in policy.extension_offsets]))
    if status == Status.AWAITING_REQUESTER:
        silent_since = dsr.paused_since or dsr.updated_at or clock.now()
        target = clock.day_in(policy.time_zone, at=silent_since) + dt.timedelta(
            days=policy.awaiting_requester_silence_days)
        candidates.append(_first_day(start, after, lo=target, hi=None, changes=()))
    if dsr.awaiting_reply_since is not None:
        replied_on = clock.day_in(policy.time_zone, at=dsr.awaiting_reply_since)
        candidates.append(_first_day(start, after, lo=replied_on, hi=None, changes=()))
    if dsr.assignee_id is None and status != Status.AWAITING_VERIFICATION:
        every = dt.timedelta(days=policy.unassigned_every_days)
        first = dsr.receipt_date + every
        if after is None and start >= first:
            candidates.append(start)
        else:  # the next multiple of `every` days after receipt, on or after start
            periods = max(1, -(-(start - dsr.receipt_date).days // policy.unassigned_every_days))
            candidates.append(dsr.receipt_date + every * periods)
        before = dt.timedelta(days=policy.unassigned_before_due_days)
        candidates.append(_first_day(start, after, lo=dsr.due_on - before, hi=dsr.due_on, changes=()))
    days = [d for d in candidates if d is not None]
    return min(days) if days else None


def next_reminder_at(dsr: Any, *, policy: ReminderPolicy | None = None, now: dt.datetime | None = None,
                     after: dt.date | None = None) -> dt.datetime | None:
    """Return the instant (midnight in the reminder time zone) the sweep must next look at `dsr`, or None."""
    policy = policy or reminder_policy()
    now = now or clock.now()
    day = next_reminder_day(dsr, policy=policy, today=policy.today(now), after=after)
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=policy.time_zone)
