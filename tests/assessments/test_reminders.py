"""Review reminders: one e-mail per due date to the processing's owner, however many sweeps run (also at
once), and again for the next due date."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from assessments import reminders, services
from assessments.models import ReviewReminder
from assessments.rules import DueKind
from medprivacy.models import JobRun
from tests.assessments.helpers import approve, make_assessment
from tests.conftest import require_postgres
from tests.factories import officer

T_APPROVE = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
# Due 2029-03-10; the reminder goes 30 days before, from 2029-02-08 00:00 in New York (05:00 UTC).
BEFORE = dt.datetime(2029, 2, 8, 4, 59, tzinfo=dt.UTC)
AT = dt.datetime(2029, 2, 8, 5, 0, tzinfo=dt.UTC)


def sweep(at: dt.datetime) -> reminders.SweepResult:
    with time_machine.travel(at, tick=False):
        return reminders.assessment_reminders_sweep()


@pytest.mark.django_db
def test_the_review_reminder_fires_once_for_its_due_date():
    owner = officer("owner")
    assessment = approve(make_assessment(owner=owner), at=T_APPROVE)
    assert assessment.next_reminder_at == AT
    assert sweep(BEFORE).claimed == 0 and mail.outbox == []

    first = sweep(AT)
    second = sweep(AT + dt.timedelta(hours=1))
    assert (first.claimed, first.sent, second.claimed, second.sent) == (1, 1, 0, 0)
    [message] = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == "[Risk assessment] AI triage of chest X-rays: due 2029-03-10"
    assert "Due: 2029-03-10 (in 30 days)" in message.body
    assert "Why: Three-year review (§7155(a)(2))" in message.body
    reminder = ReviewReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.state, reminder.attempts) == (
        DueKind.THREE_YEAR_REVIEW, dt.date(2029, 3, 10), "sent", 1)
    assessment.refresh_from_db()
    assert assessment.next_reminder_at is None
    runs = JobRun.objects.filter(name="assessment_reminders").order_by("pk")
    assert [(r.status, r.items_handled) for r in runs] == [("succeeded", 0), ("succeeded", 1), ("succeeded", 0)]


@pytest.mark.django_db
def test_each_new_due_date_brings_its_own_reminder():
    assessment = approve(make_assessment(), at=T_APPROVE)
    with time_machine.travel(dt.datetime(2028, 6, 2, 15, tzinfo=dt.UTC), tick=False):
        services.material_change_record(assessment=assessment, changed_on=dt.date(2028, 6, 1),
                                        description="A second model now scores the images.", actor=officer())
    assessment.refresh_from_db()
    assert (assessment.review_due_on, assessment.review_due_kind) == (dt.date(2028, 7, 16), DueKind.MATERIAL_CHANGE)
    # 2028-07-16 minus 30 days: 2028-06-16, midnight in New York (EDT) is 04:00 UTC.
    assert assessment.next_reminder_at == dt.datetime(2028, 6, 16, 4, 0, tzinfo=dt.UTC)
    assert sweep(dt.datetime(2028, 6, 16, 3, 59, tzinfo=dt.UTC)).claimed == 0
    assert sweep(dt.datetime(2028, 6, 16, 4, 1, tzinfo=dt.UTC)).sent == 1
    assert sweep(dt.datetime(2028, 6, 17, 4, 1, tzinfo=dt.UTC)).sent == 0
    # The update is approved as revision 2: its three-year review is the next due date, reminded once.
    with time_machine.travel(dt.datetime(2028, 7, 10, 15, tzinfo=dt.UTC), tick=False):
        draft = services.risk_assessment_revise(assessment=assessment, actor=officer())
        services.risk_assessment_update(assessment=draft, actor=officer(), reviewers=[
            {"name": "Sam Ortiz", "position": "Privacy counsel", "on": "2028-07-09"}])
    draft = approve(draft, at=dt.datetime(2028, 7, 10, 15, tzinfo=dt.UTC))
    assert (draft.review_due_on, draft.next_reminder_at) == (dt.date(2031, 7, 10),
                                                             dt.datetime(2031, 6, 10, 4, 0, tzinfo=dt.UTC))
    assert sweep(dt.datetime(2031, 6, 10, 5, tzinfo=dt.UTC)).sent == 1
    assert sweep(dt.datetime(2031, 6, 11, 5, tzinfo=dt.UTC)).sent == 0
    assert [(r.assessment_id, r.kind, r.due_on) for r in ReviewReminder.objects.order_by("pk")] == [
        (assessment.pk, DueKind.MATERIAL_CHANGE, dt.date(2028, 7, 16)),
        (draft.pk, DueKind.THREE_YEAR_REVIEW, dt.date(2031, 7, 10))]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_due_date_already_reminded_is_not_reminded_again_when_recomputed():
    assessment = approve(make_assessment(), at=T_APPROVE)
    sweep(AT)
    with time_machine.travel(AT, tick=False):
        services.processing_activity_update(activity=assessment.processing, actor=officer(),
                                            description="Also used for follow-up films.")
    assessment.refresh_from_db()
    assert (assessment.review_due_on, assessment.next_reminder_at) == (dt.date(2029, 3, 10), None)
    assert sweep(AT + dt.timedelta(days=1)).claimed == 0


@pytest.mark.django_db
def test_without_an_owner_the_supervisors_are_reminded():
    from tests.factories import supervisor

    boss = supervisor("boss")
    assessment = make_assessment(name="Pre-2026 analytics", started_on=dt.date(2025, 3, 1))
    with time_machine.travel(assessment.created_at, tick=False):
        services.processing_activity_update(activity=assessment.processing, actor=boss, owner=None)
    sweep(dt.datetime(2027, 12, 1, 12, tzinfo=dt.UTC))
    [message] = mail.outbox
    assert boss.email in message.to
    assert "Processing begun before 2026: assess by 2027-12-31" in message.body


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_and_sent_once(monkeypatch):
    approve(make_assessment(), at=T_APPROVE)
    calls = {"n": 0}
    real_send = mail.EmailMessage.send

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    failed = sweep(AT)
    assert (failed.sent, failed.failed, dict(failed.errors)) == (0, 1, {"ConnectionRefusedError": 1})
    reminder = ReviewReminder.objects.get()
    assert (reminder.state, reminder.last_error) == ("failed", "ConnectionRefusedError")
    assert sweep(AT + dt.timedelta(minutes=4)).sent == 0  # backoff: 5 minutes
    assert sweep(AT + dt.timedelta(minutes=6)).sent == 1
    assert len(mail.outbox) == 1
    assert JobRun.objects.filter(name="assessment_reminders", status="partial").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_one_reminder():
    require_postgres()
    approve(make_assessment(), at=T_APPROVE)
    start, errors, results = threading.Barrier(3), [], []

    def run():
        try:
            with time_machine.travel(AT, tick=False):
                start.wait(10)
                results.append(reminders.assessment_reminders_sweep())
        except Exception as exc:  # surfaced by the assertion on `errors`
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sum(r.claimed for r in results) == 1
    assert sum(r.sent for r in results) == 1
    assert ReviewReminder.objects.count() == 1
    assert len(mail.outbox) == 1
