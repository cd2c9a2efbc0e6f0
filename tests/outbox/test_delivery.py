"""The one outbox: messages stored as rendered with a stable Message-ID, sent after commit, and every
message that was not sent (lost task, failed send, killed worker) sent again by one retry sweep."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from consents import services as consent_services
from medprivacy.models import JobRun
from outbox import services as messaging
from outbox.models import Message
from tests.factories import RECEIVED_AT, DataSubjectFactory, make_case
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def smtp_down(monkeypatch):
    """Make every send fail like a refused SMTP connection; `smtp_down.undo()` brings it back."""

    def broken_send(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    return monkeypatch


def _case_message(**context) -> Message:
    dsr = make_case()
    with time_machine.travel(RECEIVED_AT, tick=False):
        return messaging.message_send(submission=dsr.submission, template_key="generic", cases=[dsr],
                                      context={"body": "Hello", **context})


def _sweep(at: dt.datetime) -> messaging.SweepResult:
    with time_machine.travel(at, tick=False):
        return messaging.messages_retry_sweep()


def test_message_is_stored_as_rendered_and_sent_after_commit(django_capture_on_commit_callbacks):
    dsr = make_case()
    with django_capture_on_commit_callbacks() as callbacks:
        message = messaging.message_send(submission=dsr.submission, template_key="generic", cases=[dsr],
                                         context={"body": "We have your request."})
    assert message.state == Message.State.QUEUED
    assert "We have your request." in message.body_text
    assert message.to_email == dsr.subject.email
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.MESSAGE_SENT, message=message).exists()
    assert len(callbacks) == 1  # delivery is enqueued only once the transaction commits
    assert messaging.message_deliver(message_id=message.pk) is True
    assert messaging.message_deliver(message_id=message.pk) is False  # never twice
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.attempts == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].body == message.body_text


def test_failed_send_is_recorded_and_can_be_retried(settings, monkeypatch):
    dsr = make_case()
    message = messaging.message_send(submission=dsr.submission, template_key="generic", cases=[dsr],
                                     context={"body": "x"})

    def broken_send(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    assert messaging.message_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.state, message.last_error, message.attempts) == (Message.State.FAILED,
                                                                     "ConnectionRefusedError", 1)
    monkeypatch.undo()
    assert messaging.message_deliver(message_id=message.pk) is False  # not yet: the retry is not due
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert messaging.message_deliver(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.state == Message.State.SENT and message.attempts == 2


def test_every_message_gets_a_message_id_when_created_and_sends_it_as_the_header():
    first, second = _case_message(), _case_message()
    assert first.message_id.startswith("<") and first.message_id.endswith("@meddimensions.example>")
    assert first.message_id != second.message_id
    with time_machine.travel(RECEIVED_AT, tick=False):
        assert messaging.message_deliver(message_id=first.pk) is True
    assert mail.outbox[0].message()["Message-ID"] == first.message_id


def test_a_retry_after_a_failed_send_keeps_the_message_id(smtp_down):
    message = _case_message()
    with time_machine.travel(RECEIVED_AT, tick=False):
        assert messaging.message_deliver(message_id=message.pk) is False
    smtp_down.undo()
    message.refresh_from_db()
    assert (message.state, message.next_attempt_at) == ("failed", RECEIVED_AT + MINUTE)  # first backoff
    assert _sweep(RECEIVED_AT + MINUTE).sent == 1
    assert [m.message()["Message-ID"] for m in mail.outbox] == [message.message_id]


def test_a_worker_killed_mid_send_makes_the_sweep_send_a_recognisable_copy():
    """At least once: the server accepted the first copy, the row still says sending; the sweep sends
    it again after the claim went stale, with the same Message-ID, so the receiver can drop the copy."""
    message = _case_message()
    with time_machine.travel(RECEIVED_AT, tick=False):
        assert messaging.message_deliver(message_id=message.pk) is True
    # Simulate the kill: the send happened, the "sent" write did not.
    Message.objects.filter(pk=message.pk).update(state="sending", sent_at=None,
                                                 next_attempt_at=RECEIVED_AT + 15 * MINUTE)
    assert _sweep(RECEIVED_AT + 14 * MINUTE).sent == 0  # the claim may still be alive
    assert _sweep(RECEIVED_AT + 15 * MINUTE).sent == 1
    assert _sweep(RECEIVED_AT + 16 * MINUTE).sent == 0  # once
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert ids == [message.message_id, message.message_id]
    message.refresh_from_db()
    assert (message.state, message.attempts, message.next_attempt_at) == ("sent", 2, None)


def test_a_queued_message_whose_task_was_lost_is_sent_by_the_sweep():
    lost = _case_message()  # the on-commit task never ran
    assert _sweep(RECEIVED_AT + 14 * MINUTE).sent == 0  # the immediate task still has its chance
    assert _sweep(RECEIVED_AT + 15 * MINUTE).sent == 1
    assert [m.to for m in mail.outbox] == [[lost.to_email]]


def test_failed_sends_back_off_and_give_up_after_the_last_attempt(smtp_down, settings):
    settings.MEDPRIVACY_OUTBOX = {**settings.MEDPRIVACY_OUTBOX, "max_attempts": 3}
    message = _case_message()
    with time_machine.travel(RECEIVED_AT, tick=False):
        messaging.message_deliver(message_id=message.pk)  # attempt 1: retry in 1 minute
    assert _sweep(RECEIVED_AT + MINUTE).failed == 1  # attempt 2: retry in 2 minutes
    assert _sweep(RECEIVED_AT + 2 * MINUTE).failed == 0  # not due yet
    assert _sweep(RECEIVED_AT + 3 * MINUTE).failed == 1  # attempt 3: the last
    message.refresh_from_db()
    assert (message.state, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert _sweep(RECEIVED_AT + dt.timedelta(days=1)).failed == 0
    runs = JobRun.objects.filter(name="message_retry").order_by("pk")
    assert [(r.status, r.error_summary) for r in runs][:1] == [("partial", "SendFailed×1")]


def test_a_failed_consent_email_is_retried_by_the_same_sweep_as_a_case_email(smtp_down):
    case_message = _case_message()
    subject = DataSubjectFactory(email="ada@example.com")
    with time_machine.travel(RECEIVED_AT, tick=False):
        consent_message = consent_services.preference_link_send(email="ada@example.com")
        assert messaging.message_deliver(message_id=case_message.pk) is False
        assert messaging.message_deliver(message_id=consent_message.pk) is False
    smtp_down.undo()
    result = _sweep(RECEIVED_AT + MINUTE)
    assert (result.sent, result.failed) == (2, 0)
    sent = {m.message()["Message-ID"]: m.to for m in mail.outbox}
    assert sent == {case_message.message_id: [case_message.to_email], consent_message.message_id: [subject.email]}
    assert set(Message.objects.values_list("stream", "state")) == {("request", "sent"), ("consent", "sent")}


def test_the_delivery_task_and_the_sweep_never_both_send_one_message():
    message = _case_message()
    with time_machine.travel(RECEIVED_AT + 15 * MINUTE, tick=False):
        assert messaging.messages_due(now=RECEIVED_AT + 15 * MINUTE, limit=10) == [message.pk]
        assert messaging.message_deliver(message_id=message.pk) is True
        assert messaging.messages_retry_sweep().sent == 0
    assert len(mail.outbox) == 1


def test_a_case_message_is_on_the_case_timeline():
    message = _case_message()
    event = TimelineEvent.objects.get(message=message)
    assert (event.kind, event.summary) == ("message_sent", f"generic: {message.subject}")
