"""Deadline reminders and escalations: the right ones, on the right days, once each, retried on failure."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from medprivacy.models import JobRun
from requests_app.models import Case, CaseReminderSchedule, Reminder
from requests_app.reminder_schedule import next_reminder_at
from requests_app.services import reminders
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from tests.factories import make_case, officer, supervisor
from tests.requests_app import mail_backends
from tests.requests_app.mail_backends import outbox_reminder_ids
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=NY)


def sweep(when: dt.datetime) -> reminders.DeliveryResult:
    with time_machine.travel(when, tick=False):
        return reminders.reminders_sweep()


def sent_log() -> list[tuple[str, str, tuple[str, ...]]]:
    """(target day, kind, recipients) of each reminder e-mail sent, in order."""
    rows = Reminder.objects.in_bulk(outbox_reminder_ids())
    log = []
    for message in mail.outbox:
        reminder = rows[int(message.extra_headers["X-MedPrivacy-Reminder"])]
        log.append((reminder.target_date.isoformat(), reminder.kind, tuple(message.to)))
    return log


def assign(dsr: Case, user, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        dsr.refresh_from_db()
        dsr.assignee = user
        dsr.save()


def test_a_ccpa_case_walks_from_receipt_to_overdue_with_each_reminder_once_in_order():
    sue, olivia = supervisor("sue"), officer("olivia")
    dsr = make_case(right="access", regime="ccpa")  # received 5 March 2026, 10:00 in New York
    # Hand-counted: 10 business days for the acknowledgement (6, 9–13, 16–19 March), 45 calendar days to respond.
    assert (dsr.acknowledge_by, dsr.respond_by) == (dt.date(2026, 3, 19), dt.date(2026, 4, 19))

    day = dt.date(2026, 3, 5)
    sweeps = 0
    while day <= dt.date(2026, 4, 22):
        if day == dt.date(2026, 3, 6):
            with time_machine.travel(at(day, 8), tick=False):
                case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
        if day == dt.date(2026, 3, 10):
            assign(dsr, olivia, at(day, 8))
        if day == dt.date(2026, 3, 17):  # acknowledged: the second acknowledgement reminder must not come
            Case.objects.filter(pk=dsr.pk).update(acknowledged_at=at(day, 8))
        for hour in (11, 17):  # two sweeps a day: the second must find nothing new
            sweep(at(day, hour))
            sweeps += 1
        day += dt.timedelta(days=1)

    supervisors, assignee = (sue.email,), (olivia.email,)
    assert sent_log() == [
        ("2026-03-07", "unassigned", supervisors),
        ("2026-03-09", "unassigned", supervisors),
        ("2026-03-16", "acknowledge", assignee),
        ("2026-04-12", "due_soon", assignee),
        ("2026-04-14", "extension_notice", assignee),
        ("2026-04-16", "due_soon", assignee),
        ("2026-04-17", "extension_notice", assignee),
        ("2026-04-18", "due_soon", assignee),
        ("2026-04-20", "overdue", assignee),
        ("2026-04-20", "escalation", supervisors),
        ("2026-04-21", "escalation", supervisors),
        ("2026-04-22", "escalation", supervisors),
    ]
    assert set(Reminder.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.REMINDER).count() == 12
    assert JobRun.objects.filter(name="reminders").count() == sweeps
    assert set(JobRun.objects.values_list("status", flat=True)) == {"succeeded"}
    assert sum(JobRun.objects.values_list("items_handled", flat=True)) == 12


def test_reminder_email_names_only_reference_kind_due_date_and_admin_link(settings):
    settings.SITE_URL = "https://privacy.example.com"
    olivia = officer("olivia")
    dsr = make_case(right="access", regime="ccpa")
    assign(dsr, olivia, at(dt.date(2026, 3, 6)))
    sweep(at(dt.date(2026, 4, 16)))
    message = mail.outbox[0]
    assert message.to == [olivia.email]
    assert message.subject == f"[{dsr.reference}] due in 3 days, on 2026-04-19"
    assert f"https://privacy.example.com/admin/requests_app/case/{dsr.pk}/change/" in message.body
    assert "Due date: 2026-04-19" in message.body
    subject = dsr.subject
    for personal in (subject.email, subject.full_name, subject.email.split("@")[0]):
        assert personal not in message.body and personal not in message.subject


def test_unassigned_case_reminds_supervisors_every_two_days_and_five_days_before_due(settings):
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "extension_offsets_days": []}
    sue = supervisor("sue")
    dsr = make_case(right="opt_out_sale_sharing", regime="ccpa")  # verified at once, due in 15 business days
    assert dsr.status == Status.VERIFIED and dsr.due_on == dt.date(2026, 3, 26)
    day = dt.date(2026, 3, 5)
    while day <= dt.date(2026, 3, 26):
        sweep(at(day))
        day += dt.timedelta(days=1)
    log = sent_log()
    assert all(to == (sue.email,) for _, _, to in log)
    assert [(d, k) for d, k, _ in log] == [
        ("2026-03-07", "unassigned"), ("2026-03-09", "unassigned"), ("2026-03-11", "unassigned"),
        ("2026-03-13", "unassigned"), ("2026-03-15", "unassigned"), ("2026-03-17", "unassigned"),
        ("2026-03-19", "unassigned"), ("2026-03-21", "unassigned"), ("2026-03-21", "unassigned_due"),
        ("2026-03-23", "unassigned"), ("2026-03-25", "unassigned"),
    ]


def test_a_sweep_after_missed_days_sends_only_the_reminder_due_now():
    olivia = officer("olivia")
    dsr = make_case(right="access", regime="ccpa")
    assign(dsr, olivia, at(dt.date(2026, 3, 6)))
    Case.objects.filter(pk=dsr.pk).update(acknowledged_at=at(dt.date(2026, 3, 6)))
    # Beat was down from 10 to 17 April: the 7-day and 3-day reminders were missed; the 1-day one is due.
    sweep(at(dt.date(2026, 4, 18)))
    assert [(d, k) for d, k, _ in sent_log()] == [("2026-04-18", "due_soon"), ("2026-04-17", "extension_notice")]


def test_offsets_come_from_settings(settings):
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "due_offsets_days": [10, 0],
                                     "extension_offsets_days": [], "acknowledge_offsets_days": []}
    dsr = make_case(right="access", regime="ccpa")
    assign(dsr, officer("olivia"), at(dt.date(2026, 3, 6)))
    for day in (dt.date(2026, 4, 9), dt.date(2026, 4, 12), dt.date(2026, 4, 18), dt.date(2026, 4, 19)):
        sweep(at(day))
    assert [(d, k) for d, k, _ in sent_log()] == [("2026-04-09", "due_soon"), ("2026-04-19", "due_soon")]


def test_a_failing_send_is_retried_with_backoff_recorded_and_does_not_block_others(settings):
    settings.EMAIL_BACKEND = "tests.requests_app.mail_backends.RefusingBackend"
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "extension_offsets_days": []}
    bad, good = officer("bad"), officer("good")
    first, second = make_case(), make_case()
    assign(first, bad, at(dt.date(2026, 3, 6)))
    assign(second, good, at(dt.date(2026, 3, 6)))
    Case.objects.update(acknowledged_at=at(dt.date(2026, 3, 6)))
    mail_backends.RefusingBackend.refused = {bad.email}
    try:
        start = at(dt.date(2026, 4, 16))
        sweep(start)
        failed = Reminder.objects.get(case=first)
        assert (failed.state, failed.attempts, failed.last_error) == ("failed", 1, "SMTPRecipientsRefused")
        assert failed.next_attempt_at == start + dt.timedelta(minutes=5)
        assert Reminder.objects.get(case=second).state == "sent"
        run = JobRun.objects.get()
        assert (run.status, run.items_handled, run.errors_count, run.error_summary) == (
            "partial", 1, 1, "SMTPRecipientsRefused×1")

        sweep(start + dt.timedelta(minutes=4))  # backoff not over: no attempt
        assert Reminder.objects.get(case=first).attempts == 1
        sweep(start + dt.timedelta(minutes=5))  # second attempt fails: the wait doubles
        failed.refresh_from_db()
        assert (failed.attempts, failed.next_attempt_at) == (2, start + dt.timedelta(minutes=15))

        mail_backends.RefusingBackend.refused = set()
        sweep(start + dt.timedelta(minutes=15))
        failed.refresh_from_db()
        assert (failed.state, failed.attempts, failed.last_error) == ("sent", 3, "")
    finally:
        mail_backends.RefusingBackend.refused = set()
    assert sorted(outbox_reminder_ids()) == sorted(Reminder.objects.values_list("pk", flat=True))


def test_a_send_that_keeps_failing_is_given_up_after_max_attempts(settings):
    settings.EMAIL_BACKEND = "tests.requests_app.mail_backends.RefusingBackend"
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "max_attempts": 2,
                                     "extension_offsets_days": []}
    bad = officer("bad")
    dsr = make_case()
    assign(dsr, bad, at(dt.date(2026, 3, 6)))
    Case.objects.update(acknowledged_at=at(dt.date(2026, 3, 6)))
    mail_backends.RefusingBackend.refused = {bad.email}
    try:
        start = at(dt.date(2026, 4, 16))
        for minutes in (0, 5, 60, 600):
            sweep(start + dt.timedelta(minutes=minutes))
    finally:
        mail_backends.RefusingBackend.refused = set()
    reminder = Reminder.objects.get()
    assert (reminder.state, reminder.attempts, reminder.next_attempt_at) == ("failed", 2, None)


def test_worker_dying_after_claim_before_send_still_delivers_once_after_the_claim_goes_stale(settings):
    settings.EMAIL_BACKEND = "tests.requests_app.mail_backends.DyingBackend"
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "extension_offsets_days": []}
    olivia = officer("olivia")
    cases = [make_case() for _ in range(3)]
    for dsr in cases:
        assign(dsr, olivia, at(dt.date(2026, 3, 6)))
    Case.objects.update(acknowledged_at=at(dt.date(2026, 3, 6)))
    mail_backends.DyingBackend.calls, mail_backends.DyingBackend.die_at = 0, 2
    start = at(dt.date(2026, 4, 16))
    try:
        with pytest.raises(mail_backends.WorkerDied):
            sweep(start)  # dies sending the second of three claimed reminders
    finally:
        mail_backends.DyingBackend.die_at = None
    states = list(Reminder.objects.order_by("pk").values_list("state", flat=True))
    assert states == ["sent", "sending", "sending"]  # the batch was claimed; the worker died mid-batch
    run = JobRun.objects.get()
    assert (run.status, run.error_summary) == ("failed", "WorkerDied×1")

    sweep(start + dt.timedelta(minutes=10))  # a live claim is left alone
    assert len(mail.outbox) == 1
    sweep(start + dt.timedelta(minutes=15))  # the dead worker's claim is stale: taken over
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert list(Reminder.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 2, 2]
    ids = outbox_reminder_ids()
    assert sorted(ids) == sorted(Reminder.objects.values_list("pk", flat=True)) and len(ids) == 3


def test_claim_inserts_each_key_once_and_returns_only_what_this_call_inserted():
    dsr = make_case()
    assign(dsr, officer("olivia"), at(dt.date(2026, 3, 6)))
    with time_machine.travel(at(dt.date(2026, 4, 16)), tick=False):
        first = reminders.reminders_claim()
        second = reminders.reminders_claim()  # the case's next look is tomorrow: nothing to read
        CaseReminderSchedule.objects.filter(case_id=dsr.pk).update(next_at=at(dt.date(2026, 4, 16), 0))  # again
        third = reminders.reminders_claim()
    assert len(first.claimed_ids) == 2  # due_soon and extension_notice
    assert second.claimed_ids == [] and second.already_claimed == 0
    assert third.claimed_ids == [] and third.already_claimed == 2  # the unique key refuses them
    assert Reminder.objects.count() == 2 and mail.outbox == []  # nothing is sent inside the claim


def test_a_claim_stores_each_reminders_fields_and_the_next_look_exactly():
    """The claim's rows travel as one JSON parameter: dates, kinds and an address with a quote and accents
    arrive as they were, and the rescheduled instant keeps its zone."""
    dsr = make_case()
    olivia = officer("olivia")
    olivia.email = "o'brien.zoë@example.com"
    olivia.save()
    assign(dsr, olivia, at(dt.date(2026, 3, 6)))
    with time_machine.travel(at(dt.date(2026, 4, 16)), tick=False):
        claim = reminders.reminders_claim()
    stored = Reminder.objects.filter(pk__in=claim.claimed_ids).order_by("kind")
    dsr.refresh_from_db()
    assert [(r.case_id, r.kind, r.due_date, r.recipients, r.state) for r in stored] == [
        (dsr.pk, kind, due, "o'brien.zoë@example.com", Reminder.State.PENDING)
        for kind, due in sorted([(Reminder.Kind.DUE_SOON, dsr.due_on),
                                 (Reminder.Kind.EXTENSION_NOTICE, stored.get(kind="extension_notice").due_date)])]
    assert all(r.target_date <= dt.date(2026, 4, 16) for r in stored)
    expected = next_reminder_at(dsr, policy=reminders.reminder_policy(), now=at(dt.date(2026, 4, 16)),
                                after=dt.date(2026, 4, 16))
    assert expected is not None
    assert CaseReminderSchedule.objects.get(case_id=dsr.pk).next_at == expected


def test_a_reminder_for_a_case_closed_before_delivery_is_cancelled_not_sent():
    dsr = make_case()
    assign(dsr, officer("olivia"), at(dt.date(2026, 3, 6)))
    with time_machine.travel(at(dt.date(2026, 4, 16)), tick=False):
        reminders.reminders_claim()
        case_change_status(dsr=dsr, to=Status.WITHDRAWN, actor=None, reason="Requester withdrew")
        result = reminders.reminders_deliver()
    assert (result.sent, result.cancelled) == (0, 2)
    assert set(Reminder.objects.values_list("state", flat=True)) == {"cancelled"}
    assert mail.outbox == []


def test_quiet_hours_hold_staff_reminders_until_they_end(settings):
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "quiet_hours": "20-7"}
    dsr = make_case()
    assign(dsr, officer("olivia"), at(dt.date(2026, 3, 6)))
    sweep(at(dt.date(2026, 4, 16), 5))
    assert mail.outbox == [] and Reminder.objects.filter(state="pending").count() == 2
    sweep(at(dt.date(2026, 4, 16), 7))
    assert len(mail.outbox) == 2


def test_a_spent_time_budget_leaves_the_rest_pending_for_the_next_sweep():
    dsr = make_case()
    assign(dsr, officer("olivia"), at(dt.date(2026, 3, 6)))
    with time_machine.travel(at(dt.date(2026, 4, 16)), tick=False):
        reminders.reminders_claim()
        result = reminders.reminders_deliver(time_budget=0.0)
        assert result.stopped_by_time_budget and result.sent == 0
        assert Reminder.objects.filter(state="pending").count() == 2
        assert reminders.reminders_deliver().sent == 2


def test_awaiting_requester_reminds_the_officer_once_after_the_silence(settings):
    olivia = officer("olivia")
    dsr = make_case(right="access", regime="gdpr", subject__country="DE", subject__subdivision="")
    assign(dsr, olivia, at(dt.date(2026, 3, 6)))
    with time_machine.travel(at(dt.date(2026, 3, 6), 12), tick=False):
        case_change_status(dsr=dsr, to=Status.AWAITING_REQUESTER, actor=olivia, reason="Asked to clarify",
                           paused_since=at(dt.date(2026, 3, 6), 12))
    for day in (dt.date(2026, 4, 4), dt.date(2026, 4, 5), dt.date(2026, 4, 6)):
        sweep(at(day))
    assert [(d, k) for d, k, _ in sent_log()] == [("2026-04-05", "awaiting_requester")]
    assert mail.outbox[0].to == [olivia.email]


def test_escalation_without_any_supervisor_is_recorded_as_an_error_not_claimed():
    dsr = make_case(right="opt_out_sale_sharing", regime="ccpa")
    sweep(at(dsr.due_on + dt.timedelta(days=1)))
    assert not Reminder.objects.exists()
    run = JobRun.objects.get()
    assert run.status == "partial" and run.error_summary.startswith("NoRecipients×")


def test_cases_overdue_lists_open_cases_past_their_due_date():
    late, closed = make_case(), make_case()
    case_change_status(dsr=closed, to=Status.WITHDRAWN, actor=None, reason="withdrawn")
    assert list(reminders.cases_overdue(today=late.due_on)) == []
    assert list(reminders.cases_overdue(today=late.due_on + dt.timedelta(days=1))) == [late]


@pytest.mark.parametrize("quiet", ["20", "7-7", "25-3", "a-b"])
def test_impossible_quiet_hours_are_refused(settings, quiet):
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "quiet_hours": quiet}
    with pytest.raises(ImproperlyConfigured, match="QUIET_HOURS must look like 20-7"):
        reminders.reminder_policy()


def test_negative_offsets_are_refused(settings):
    settings.MEDPRIVACY_REMINDERS = {**settings.MEDPRIVACY_REMINDERS, "due_offsets_days": [3, -1]}
    with pytest.raises(ImproperlyConfigured, match="due_offsets_days"):
        reminders.reminder_policy()
