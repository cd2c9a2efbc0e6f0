"""The conversation in a real browser: a requester answers a clarification on the status page with a file,
the GDPR clock paused for it resumes, the officer reads it on the case and answers from the case page, and
the requester reads the answer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from medprivacy import roles
from outbox.models import Message, ThreadMessage
from regimes.deadlines import compute_deadlines
from requests_app.services import workbench
from requests_app.workflow import Status
from subjects import links
from tests.factories import SubmissionFactory, make_case, officer, supervisor
from tests.requests_app.intake_support import PDF
from timeline.models import TimelineEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's password
QUESTION = "Which of your two accounts do you mean?"
REPLY = "The one I opened in 2024; my statement is attached."
ANSWER = "Thank you. We found that account and are preparing your copy."


def test_requester_replies_with_a_file_and_the_officer_answers(django_db_setup, page, live_server,
                                                              _playwright_browser, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    roles.ensure_roles()
    boss, olivia = supervisor("boss"), officer("olivia")
    # The live server runs on the real clock: the question was asked three days ago, under GDPR, and the
    # clock has been paused since.
    asked = timezone.now() - dt.timedelta(days=3)
    with time_machine.travel(asked, tick=False):
        dsr = make_case(regime="gdpr", submission=SubmissionFactory(
            received_at=asked - dt.timedelta(days=2), subject__country="DE", subject__subdivision=""))
        workbench.case_assign(dsr=dsr, assignee=olivia, actor=boss)
        workbench.case_verify_identity(dsr=dsr, actor=olivia, method="email_link")
        workbench.case_request_info(dsr=dsr, actor=olivia, kind="clarification", question=QUESTION)
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_REQUESTER and dsr.paused_since is not None
    due_before = dsr.due_on

    # --- the requester, on the status page ---
    status_url = f"{live_server.url}{reverse('requests_app:status', args=[links.status_token(dsr.subject)])}"
    page.goto(status_url)
    assert QUESTION not in page.content()
    page.get_by_label("Your e-mail address").fill(dsr.subject.email)
    page.get_by_role("button", name="Show messages").click()
    conversation = page.locator(f"#conversation-{dsr.reference}")
    assert QUESTION in conversation.inner_text()
    conversation.get_by_label(f"Your message about {dsr.reference}").fill(REPLY)
    conversation.get_by_label("Attach files").set_input_files(
        files=[{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    conversation.get_by_role("button", name=f"Send message about {dsr.reference}").click()
    page.wait_for_selector("text=was sent to our privacy office")
    assert REPLY in page.locator(f"#conversation-{dsr.reference}").inner_text()

    dsr.refresh_from_db()
    expected = compute_deadlines(regime="gdpr", right="access", received_on=dsr.receipt_date, country="DE",
                                 paused_days=3)
    assert (dsr.status, dsr.paused_since, dsr.paused_days) == (Status.IN_PROGRESS, None, 3)
    assert dsr.due_on == expected.respond_by and dsr.due_on > due_before
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.MESSAGE_RECEIVED).count() == 1

    # --- the officer, in the admin (another browser, so another session) ---
    officer_context = _playwright_browser.new_context(accept_downloads=True)
    admin = officer_context.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{live_server.url}/admin/login/?next=/admin/requests_app/case/")
    admin.get_by_label("Username").fill("olivia")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.wait_for_url("**/admin/requests_app/case/")
    admin.locator("#changelist-filter").get_by_role("link", name="Requester wrote: awaiting our reply").click()
    admin.wait_for_url("**conversation=awaiting_reply**")
    assert admin.locator("#result_list tbody tr").count() == 1
    admin.get_by_role("link", name=dsr.reference).click()
    admin.wait_for_url(f"**/admin/requests_app/case/{dsr.pk}/change/**")
    thread = admin.locator("#mp-conversation")
    assert "awaiting our reply" in thread.inner_text()
    assert QUESTION in thread.inner_text() and REPLY in thread.inner_text()
    with admin.expect_download() as download:
        thread.get_by_role("link", name="statement.pdf").click()
    assert open(download.value.path(), "rb").read() == PDF

    reply = admin.locator("#mp-reply-form")  # the reply form is on the case page itself
    reply.get_by_label("Message").fill(ANSWER)
    reply.get_by_role("button", name="Send to the requester").click()
    admin.wait_for_url(f"**/admin/requests_app/case/{dsr.pk}/change/**")
    assert admin.locator(".messagelist").inner_text().startswith(f"{dsr.reference}: message sent to the requester")
    assert ANSWER in admin.locator("#mp-conversation").inner_text()
    officer_context.close()

    answer = ThreadMessage.objects.filter(direction=ThreadMessage.Direction.TO_REQUESTER).latest("pk")
    assert answer.email == Message.objects.get(template_key="thread_message") and ANSWER in answer.body
    dsr.refresh_from_db()
    assert dsr.awaiting_reply_since is None

    # --- the requester reads the answer ---
    page.reload()
    assert ANSWER in page.locator(f"#conversation-{dsr.reference}").inner_text()
