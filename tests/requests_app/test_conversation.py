"""The secure conversation: officers write from the case page, requesters answer on the status page.

Time is frozen; files go to a temporary private storage. Assertions are on the stored rows (thread,
outbox, timeline, history, reminders) after refresh_from_db().
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medprivacy import roles
from medprivacy.links import absolute
from outbox.models import Message, ThreadAttachment, ThreadMessage
from regimes.deadlines import compute_deadlines
from requests_app import selectors
from requests_app.models import Case, Reminder
from requests_app.services import conversation, intake, reminders, workbench
from requests_app.services.conversation import MAX_REPLY_FILE_BYTES, ThreadRefused
from requests_app.workflow import Status
from subjects import links
from tests.factories import make_case, officer, supervisor
from tests.requests_app.intake_support import PDF, PNG, use_private_storage
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

ASKED = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
GERMAN = {"subject__country": "DE", "subject__subdivision": ""}


@pytest.fixture(autouse=True)
def _setup(db, settings, tmp_path) -> Path:
    roles.ensure_roles()
    return use_private_storage(settings, tmp_path)


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


def assigned_case(people, **kwargs) -> Case:
    dsr = make_case(**kwargs)
    return workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["boss"])


def upload(name: str = "bank statement.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- officers write ------------------------------------------------------------------------------------


@time_machine.travel(ASKED, tick=False)
def test_an_officer_message_is_kept_exactly_as_sent_in_the_thread_and_the_outbox(people):
    dsr = assigned_case(people)
    entry = workbench.case_message_requester(dsr=dsr, actor=people["olivia"], template_key="thread_progress",
                                                text="We found your account in two systems.")
    email = Message.objects.get(template_key="thread_progress")
    assert entry.email == email and entry.author == people["olivia"]
    assert entry.body == email.body_text  # one text: what the e-mail carried is what the thread shows
    assert "We found your account in two systems." in entry.body
    assert f"which we will answer by {dsr.due_on.isoformat()}" in entry.body
    assert email.to_email == dsr.subject.email and entry.direction == ThreadMessage.Direction.TO_REQUESTER
    event = dsr.timeline.get(kind=TimelineEvent.Kind.MESSAGE_SENT)
    assert (event.message, event.actor) == (email, people["olivia"])


@time_machine.travel(ASKED, tick=False)
def test_a_message_carrying_a_verification_link_is_refused_and_nothing_is_sent(people):
    dsr = assigned_case(people)
    raw, _ = intake.verification_token_issue(submission=dsr.submission)
    for text in (f"Please confirm here: {intake.verification_url(raw)}", f"Your code: {raw}"):
        with pytest.raises(workbench.WorkbenchError, match="verification"):
            workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text=text)
    assert not ThreadMessage.objects.exists() and not Message.objects.exists()


@time_machine.travel(ASKED, tick=False)
def test_only_someone_who_may_work_the_case_writes_to_the_requester(people):
    dsr = assigned_case(people)
    with pytest.raises(PermissionDenied):
        workbench.case_message_requester(dsr=dsr, actor=people["oscar"], text="Hello")
    with pytest.raises(workbench.WorkbenchError, match="The message is required"):
        workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text="   ")
    with pytest.raises(workbench.WorkbenchError, match="conversation templates"):
        workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text="Hi", template_key="denial")
    assert not ThreadMessage.objects.exists()


# --- requesters answer ---------------------------------------------------------------------------------


def test_a_reply_resumes_a_gdpr_clock_paused_for_clarification(people):
    with time_machine.travel(ASKED, tick=False):
        dsr = assigned_case(people, regime="gdpr", **GERMAN)
        workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="email_link")
        workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="clarification",
                                    question="Which of your two accounts do you mean?")
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_REQUESTER and dsr.paused_since == ASKED
    question = dsr.thread.get()  # the question is in the conversation, as e-mailed
    assert "Which of your two accounts do you mean?" in question.body
    assert "answer on your status page" in question.body and "reply to this e-mail" not in question.body
    with time_machine.travel(ASKED + dt.timedelta(days=4), tick=False):
        reply = conversation.case_requester_reply(dsr=dsr, text="The one ending in 42.", files=[upload()])
    dsr.refresh_from_db()
    expected = compute_deadlines(regime="gdpr", right="access", received_on=dt.date(2026, 3, 5), country="DE",
                                 paused_days=4)
    assert (dsr.status, dsr.paused_since, dsr.paused_days) == (Status.IN_PROGRESS, None, 4)
    assert dsr.due_on == expected.respond_by > dt.date(2026, 4, 7)
    assert dsr.awaiting_reply_since == ASKED + dt.timedelta(days=4)
    assert reply.body == "The one ending in 42." and reply.author is None
    kinds = list(dsr.timeline.values_list("kind", flat=True))
    assert kinds[-3:] == [TimelineEvent.Kind.MESSAGE_RECEIVED, TimelineEvent.Kind.RESUMED,
                          TimelineEvent.Kind.STATUS_CHANGED]
    assert dsr.timeline.get(kind=TimelineEvent.Kind.MESSAGE_RECEIVED).summary == (
        f"The requester replied on the status page with 1 file (message #{reply.pk})")
    assert dsr.timeline.get(kind=TimelineEvent.Kind.RESUMED).summary.startswith(
        "Clock resumed (requester replied on the status page) after 4 days paused")
    assert dsr.history.first().history_change_reason == "Requester replied on the status page"
    assert [c.pk for c in selectors.cases_awaiting_reply(Case.objects.all())] == [dsr.pk]
    assert selectors.case_dashboard_for_user(user=people["olivia"]).awaiting_reply == 1
    assert selectors.case_dashboard_for_user(user=people["oscar"]).awaiting_reply == 0


@time_machine.travel(ASKED, tick=False)
def test_a_reply_under_ccpa_resumes_work_without_moving_the_due_date(people):
    dsr = assigned_case(people)
    workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="clarification", pause=False,
                                question="Which account?")
    conversation.case_requester_reply(dsr=dsr, text="The old one.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.due_on, dsr.paused_days) == (Status.AWAITING_VERIFICATION, dt.date(2026, 4, 19), 0)
    assert not dsr.timeline.filter(kind=TimelineEvent.Kind.RESUMED).exists()


@time_machine.travel(ASKED, tick=False)
def test_an_officer_answer_takes_the_case_out_of_the_queue(people):
    dsr = assigned_case(people)
    conversation.case_requester_reply(dsr=dsr, text="Any news?")
    conversation.case_requester_reply(dsr=dsr, text="Hello again?")
    dsr.refresh_from_db()
    assert dsr.awaiting_reply_since == ASKED  # the first unanswered reply counts
    workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text="We are on it.")
    dsr.refresh_from_db()
    assert dsr.awaiting_reply_since is None
    assert not selectors.cases_awaiting_reply(Case.objects.all()).exists()
    directions = list(dsr.thread.values_list("direction", flat=True))
    assert directions == ["from_requester", "from_requester", "to_requester"]


@time_machine.travel(ASKED, tick=False)
def test_replies_are_content_checked_and_size_limited(people):
    dsr = assigned_case(people)
    refusals = {
        "not a PDF, PNG or JPEG": [upload("invoice.pdf", b"MZ\x90\x00 an executable")],
        "the limit is 5 MB": [upload("big.pdf", PDF + b"0" * MAX_REPLY_FILE_BYTES)],
        "at most 3 files": [upload(f"{n}.pdf") for n in range(4)],
        "is empty": [upload("empty.pdf", b"")],
    }
    for message, files in refusals.items():
        with pytest.raises(ThreadRefused, match=message):
            conversation.case_requester_reply(dsr=dsr, text="See attached", files=files)
    with pytest.raises(ThreadRefused, match="Write a message or attach a file"):
        conversation.case_requester_reply(dsr=dsr, text="  ")
    with pytest.raises(ThreadRefused, match="the limit is 10,000"):
        conversation.case_requester_reply(dsr=dsr, text="x" * 10_001)
    assert not ThreadMessage.objects.exists() and not ThreadAttachment.objects.exists()
    reply = conversation.case_requester_reply(dsr=dsr, text="", files=[upload("scan.png", PNG)])
    stored = reply.attachments.get()
    assert (stored.original_name, stored.content_type, stored.size) == ("scan.png", "image/png", len(PNG))
    assert "scan" not in stored.file.name and stored.file.read() == PNG  # random storage name


@time_machine.travel(ASKED, tick=False)
def test_a_closed_case_takes_no_reply(people):
    dsr = assigned_case(people)
    workbench.case_withdraw_on_behalf(dsr=dsr, actor=people["olivia"], reason="Asked by phone")
    with pytest.raises(ThreadRefused, match="is closed"):
        conversation.case_requester_reply(dsr=dsr, text="Wait!")
    assert not ThreadMessage.objects.exists()


@time_machine.travel(ASKED, tick=False)
def test_replies_notify_the_assignee_by_one_reminder_row_not_one_email_each(people, mailoutbox):
    dsr = assigned_case(people)
    for n in range(5):
        conversation.case_requester_reply(dsr=dsr, text=f"Message {n}")
    reminders.reminders_sweep()
    reminders.reminders_sweep()
    row = Reminder.objects.get(kind=Reminder.Kind.REQUESTER_REPLIED)
    assert (row.case_id, row.recipients, row.state, row.target_date) == (
        dsr.pk, people["olivia"].email, Reminder.State.SENT, ASKED.date())
    sent = [m for m in mailoutbox if "the requester wrote" in m.subject]
    assert len(sent) == 1 and sent[0].to == [people["olivia"].email]
    assert "Message 1" not in sent[0].body  # reminders carry no contents


@time_machine.travel(ASKED, tick=False)
def test_a_reminder_for_a_reply_already_answered_is_cancelled(people, mailoutbox):
    dsr = assigned_case(people)
    conversation.case_requester_reply(dsr=dsr, text="Hello?")
    reminders.reminders_claim()
    workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text="Hello!")
    reminders.reminders_deliver()
    assert Reminder.objects.get(kind=Reminder.Kind.REQUESTER_REPLIED).state == Reminder.State.CANCELLED
    assert not [m for m in mailoutbox if "the requester wrote" in m.subject]


@time_machine.travel(ASKED, tick=False)
def test_only_the_requesters_own_status_link_may_travel_in_the_conversation(people):
    dsr = assigned_case(people)
    other = make_case()
    token = "eyJwIjoxfQ:1v2abc:Zm9yZ2VkLXNpZ25hdHVyZS1mb3ItdGVzdHM"
    refused = [
        links.status_url(other.subject),
        absolute(reverse("fulfilment:package", args=[token])),
        absolute(reverse("consents:preferences", args=[token])),
        absolute(reverse("requests_app:withdraw", args=[links.status_token(dsr.subject), dsr.reference])),
    ]
    for url in refused:
        with pytest.raises(workbench.WorkbenchError, match="acts on the requester's behalf"):
            workbench.case_message_requester(dsr=dsr, actor=people["olivia"], text=f"See {url}.")
    assert not Message.objects.exists()
    entry = workbench.case_message_requester(dsr=dsr, actor=people["olivia"],
                                                text=f"Your page: {links.status_url(dsr.subject)}")
    assert links.status_url(dsr.subject) in entry.body


@time_machine.travel(ASKED, tick=False)
def test_a_requesters_file_is_served_only_to_officers_who_may_see_the_case(people, client):
    dsr = assigned_case(people)
    reply = conversation.case_requester_reply(dsr=dsr, text="", files=[upload("passport scan.pdf")])
    url = reverse("admin:requests_app_case_thread_file", args=[dsr.pk, reply.attachments.get().pk])
    client.force_login(people["oscar"])
    assert client.get(url).status_code == 404
    client.force_login(people["olivia"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="passport scan.pdf"'
    assert response["Cache-Control"].startswith("private, no-store")
    page = client.get(reverse("admin:requests_app_case_change", args=[dsr.pk])).content.decode()
    assert "the requester wrote; awaiting our reply" in page and url in page


@time_machine.travel(ASKED, tick=False)
def test_the_case_page_refuses_a_message_with_a_secret_link(people, client):
    dsr = assigned_case(people)
    raw, _ = intake.verification_token_issue(submission=dsr.submission)
    client.force_login(people["olivia"])
    response = client.post(reverse("admin:requests_app_case_message", args=[dsr.pk]),
                           {"template_key": "thread_message", "text": f"Click {intake.verification_url(raw)}"})
    assert response.status_code == 400 and "acts on the requester&#x27;s behalf" in response.content.decode()
    assert not ThreadMessage.objects.exists() and not Message.objects.exists()
